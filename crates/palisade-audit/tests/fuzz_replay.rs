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

use palisade_audit::{ChainRow, Checkpoint, Event, Problem, Seal, verify_rows};

#[path = "../../../fuzz/checks/audit_chain.rs"]
mod audit_chain;
#[path = "../../../fuzz/checks/replay.rs"]
mod replay;

/// The target's checks, then the verdict of verifying the rows the input decodes to.
fn check(data: &[u8]) -> Option<(u64, Problem)> {
    audit_chain::check(data);
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

#[test]
fn seed_corpus_replays_with_expected_verdicts() {
    let seeds = replay::inputs(env!("CARGO_MANIFEST_DIR"), "audit_chain");
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
fn corpus_and_regressions_replay_through_the_target_checks() {
    // `inputs` includes fuzz/regressions/audit_chain; `check` runs the target's assertions.
    for (_, data) in replay::inputs(env!("CARGO_MANIFEST_DIR"), "audit_chain") {
        check(&data);
    }
}
