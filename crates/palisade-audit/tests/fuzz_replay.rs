//! Replays the fuzz target's seed corpus and any committed regressions as ordinary tests, with
//! the target's own checks. The seeds were written by an independent (Python) implementation of
//! the documented encoding, so they also pin the format.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use std::path::Path;

use palisade_audit::{ChainRow, Checkpoint, Event, Problem, Seal, verify_rows};

fn check(data: &[u8]) -> Option<(u64, Problem)> {
    if let Ok(event) = Event::decode(data) {
        assert_eq!(event.encode(), data);
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(seal) = Seal::from_anchor(text)
    {
        assert!(seal.hash_is_consistent());
    }
    let mut rows = Vec::new();
    let mut rest = data;
    while let Ok((row, tail)) = ChainRow::decode_prefix(rest) {
        rows.push(row);
        rest = tail;
    }
    verify_rows(Checkpoint::GENESIS, rows, Vec::new(), None, None)
        .finding
        .map(|f| (f.seq, f.problem))
}

fn inputs(dir: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .map(|entry| {
            let path = entry.unwrap().path();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&path).unwrap(),
            )
        })
        .collect()
}

#[test]
fn seed_corpus_replays_with_expected_verdicts() {
    let seeds = inputs("corpus/audit_chain");
    assert!(seeds.len() >= 4, "seed corpus missing");
    for (name, data) in seeds {
        let verdict = check(&data);
        match name.as_str() {
            "event" => assert!(Event::decode(&data).is_ok(), "the event seed must decode"),
            "chain3" => assert_eq!(verdict, None, "the three-row seed chain must verify"),
            "chain_swapped" => assert_eq!(verdict, Some((1, Problem::Reordered))),
            "anchor" => assert!(
                Seal::from_anchor(std::str::from_utf8(&data).unwrap()).is_err(),
                "its hash is zeros"
            ),
            _ => {}
        }
    }
}

#[test]
fn fuzz_regressions_replay() {
    for (_, data) in inputs("regressions/audit_chain") {
        check(&data);
    }
}
