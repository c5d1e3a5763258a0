//! Property tests: the canonical encoding is injective and round-trips, decoding never panics,
//! and every kind of tampering is named with the right sequence number.

use jiff::Timestamp;
use proptest::prelude::*;

use crate::chain::{ChainRow, Hash};
use crate::event::{Decision, Event, Risk};
use crate::verify::{Checkpoint, Problem, verify_rows};

fn text(max: usize) -> impl Strategy<Value = String> {
    // Short strings over an alphabet that includes separators, NUL and multi-byte characters,
    // where ambiguous encodings would show up.
    prop::collection::vec(
        prop::sample::select(vec!['a', 'b', ' ', '\0', '|', '"', '{', 'é', '€', '\n']),
        0..max,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn metadata() -> impl Strategy<Value = String> {
    prop::collection::btree_map(text(4), text(6), 0..3)
        .prop_map(|map| serde_json::to_string(&map).unwrap_or_else(|_| "{}".into()))
}

prop_compose! {
    fn event()(
        seq in any::<u64>(),
        nanos in -1_000_000_000_000_000_000i64..4_000_000_000_000_000_000i64,
        decision in prop::sample::select(vec![Decision::Allow, Decision::Ask, Decision::Deny]),
        risk in prop::sample::select(vec![Risk::Low, Risk::Medium, Risk::High, Risk::Critical]),
        actor in text(6).prop_filter("actor is required", |s| !s.is_empty()),
        session in text(6),
        action in text(6).prop_filter("action is required", |s| !s.is_empty()),
        subject in text(12),
        rule in text(6),
        reason in text(6),
        metadata in metadata(),
    ) -> Event {
        Event {
            seq,
            time: Timestamp::from_nanosecond(i128::from(nanos)).unwrap_or(Timestamp::UNIX_EPOCH),
            actor, session, action, subject, decision, risk, rule, reason, metadata,
        }
    }
}

fn chain(n: u64) -> Vec<ChainRow> {
    let mut prev = Hash::GENESIS;
    (1..=n)
        .map(|seq| {
            let event = Event {
                seq,
                time: Timestamp::UNIX_EPOCH,
                actor: "agent".into(),
                session: String::new(),
                action: "shell".into(),
                subject: format!("cmd {seq}"),
                decision: Decision::Allow,
                risk: Risk::Low,
                rule: String::new(),
                reason: String::new(),
                metadata: "{}".into(),
            };
            let row = ChainRow::link(event, prev);
            prev = row.hash;
            row
        })
        .collect()
}

#[derive(Debug, Clone, Copy)]
enum Tamper {
    Modify,
    Delete,
    DeleteRenumber,
    Swap,
    InsertForged,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn encoding_round_trips(event in event()) {
        let bytes = event.encode();
        prop_assert_eq!(Event::decode(&bytes).ok(), Some(event));
    }

    #[test]
    fn different_events_encode_differently(a in event(), b in event()) {
        prop_assume!(a != b);
        prop_assert_ne!(a.encode(), b.encode());
    }

    #[test]
    fn moving_bytes_across_a_field_boundary_changes_the_encoding(
        a in event(), split in 0usize..8,
    ) {
        // The classic ambiguity of concatenation: ("ab", "c") vs ("a", "bc").
        let mut b = a.clone();
        let joined: String = format!("{}{}", b.subject, b.rule);
        let chars: Vec<char> = joined.chars().collect();
        let at = split.min(chars.len());
        b.subject = chars.iter().take(at).collect();
        b.rule = chars.iter().skip(at).collect();
        prop_assume!(a != b);
        prop_assert_ne!(a.encode(), b.encode());
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(event) = Event::decode(&bytes) {
            prop_assert_eq!(&event.encode(), &bytes);
        }
        let _ = ChainRow::decode_prefix(&bytes);
        let _ = crate::seal::Seal::from_anchor(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn corrupting_any_encoded_byte_is_rejected_or_changes_the_event(
        event in event(), index in any::<prop::sample::Index>(), flip in 1u8..=255,
    ) {
        let mut bytes = event.encode();
        let at = index.index(bytes.len());
        if let Some(byte) = bytes.get_mut(at) {
            *byte ^= flip;
        }
        if let Ok(decoded) = Event::decode(&bytes) {
            prop_assert_ne!(decoded, event);
        }
    }

    #[test]
    fn every_tampering_is_named_at_the_right_seq(
        n in 4u64..40,
        at in any::<prop::sample::Index>(),
        tamper in prop::sample::select(vec![
            Tamper::Modify, Tamper::Delete, Tamper::DeleteRenumber, Tamper::Swap, Tamper::InsertForged,
        ]),
    ) {
        let mut rows = chain(n);
        // A position with a row after it, so deletion is not truncation.
        let k = at.index(rows.len() - 1);
        let seq = u64::try_from(k).unwrap_or(0) + 1;
        let expected = match tamper {
            Tamper::Modify => {
                rows[k].event.reason = "edited".into();
                Problem::Modified
            }
            Tamper::Delete => {
                rows.remove(k);
                Problem::Deleted
            }
            Tamper::DeleteRenumber => {
                rows.remove(k);
                for row in rows.iter_mut().skip(k) {
                    row.event.seq -= 1;
                }
                Problem::Deleted
            }
            Tamper::Swap => {
                rows.swap(k, k + 1);
                rows[k].event.seq = seq;
                rows[k + 1].event.seq = seq + 1;
                Problem::Reordered
            }
            Tamper::InsertForged => {
                let prev = if k == 0 { Hash::GENESIS } else { rows[k - 1].hash };
                let mut forged = rows[k].event.clone();
                forged.subject = "forged".into();
                rows.insert(k, ChainRow::link(forged, prev));
                for row in rows.iter_mut().skip(k + 1) {
                    row.event.seq += 1;
                }
                Problem::Inserted
            }
        };
        let report = verify_rows(Checkpoint::GENESIS, rows, vec![], None, None);
        let finding = report.finding.map(|f| (f.seq, f.problem));
        prop_assert_eq!(finding, Some((seq, expected)));
    }
}
