//! Fuzz palisade-audit's decoding and verification of untrusted rows and anchors: nothing may
//! panic, and anything that decodes must re-encode to the same bytes.
//!
//! Shared by the fuzz target and the crate's `tests/fuzz_replay.rs` (see `fuzz/checks/README.md`).

use palisade_audit::{ChainRow, Checkpoint, Event, Seal, verify_rows};

/// Runs the target's checks on one input; panics if an invariant is broken.
pub fn check(data: &[u8]) {
    if let Ok(event) = Event::decode(data) {
        assert_eq!(
            event.encode(),
            data,
            "decode accepted a non-canonical encoding"
        );
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(seal) = Seal::from_anchor(text)
    {
        assert!(seal.hash_is_consistent());
    }
    // A sequence of rows, as an export or a tampered database would hand them over.
    let mut rows = Vec::new();
    let mut rest = data;
    while let Ok((row, tail)) = ChainRow::decode_prefix(rest) {
        rows.push(row);
        rest = tail;
    }
    let report = verify_rows(Checkpoint::GENESIS, rows, Vec::new(), None, None);
    if let Some(finding) = report.finding {
        assert!(!finding.problem.as_str().is_empty());
    }
}
