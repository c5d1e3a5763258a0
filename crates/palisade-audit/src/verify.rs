//! Verification: walk the chain and the seals, and name the first bad sequence number and
//! what happened there. Pure logic over rows, so it runs the same on a database, an export or
//! fuzzed bytes.
//!
//! A hash chain alone proves that the rows present link up. It cannot see rows removed from
//! the *end* (the shorter chain is still a valid chain) nor a complete rewrite: those are caught
//! only against a seal still in the database, or against an anchor kept outside it.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::chain::{ChainRow, Hash};
use crate::seal::{Seal, SealVerifyingKey};

/// What verification found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Problem {
    /// A row's contents no longer match its hash (or a row's hash was recomputed after an
    /// edit, breaking the link to the next row).
    Modified,
    /// Rows are missing from the middle of the chain.
    Deleted,
    /// A row that was never appended sits in the chain.
    Inserted,
    /// Genuine rows sit at the wrong sequence numbers.
    Reordered,
    /// Rows are missing from the end: detectable only against a seal or an anchor.
    Truncated,
    /// The chain is internally consistent but disagrees with a seal or the anchor: it was
    /// rewritten from this sequence number on.
    Rewritten,
    /// A seal is missing, altered, out of order or not validly signed.
    BadSeal,
    /// A stored value can't be read as what it should be (wrong type, bad length, unknown code).
    Malformed,
}

/// Problems: stable name in JSON and the CLI.
const PROBLEM_NAMES: [(Problem, &str); 8] = [
    (Problem::Modified, "modified"),
    (Problem::Deleted, "deleted"),
    (Problem::Inserted, "inserted"),
    (Problem::Reordered, "reordered"),
    (Problem::Truncated, "truncated"),
    (Problem::Rewritten, "rewritten"),
    (Problem::BadSeal, "bad_seal"),
    (Problem::Malformed, "malformed"),
];

impl Problem {
    /// The stable lowercase name (`modified`, `deleted`, …).
    pub fn as_str(self) -> &'static str {
        PROBLEM_NAMES
            .iter()
            .find(|(p, _)| *p == self)
            .map_or("malformed", |(_, name)| name)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The first problem found: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// The first bad sequence number.
    pub seq: u64,
    /// What is wrong there.
    pub problem: Problem,
    /// A sentence for people.
    pub detail: String,
}

impl Finding {
    fn new(seq: u64, problem: Problem, detail: impl Into<String>) -> Self {
        Self {
            seq,
            problem,
            detail: detail.into(),
        }
    }
}

/// Where the chain starts: after retention removed older rows, the last removed row's
/// sequence number and hash (which a seal vouches for); otherwise 0 and [`Hash::GENESIS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Checkpoint {
    /// The last sequence number before the first remaining row.
    pub seq: u64,
    /// Its chain hash.
    pub hash: Hash,
}

impl Checkpoint {
    /// The start of a log that never lost rows to retention.
    pub const GENESIS: Self = Self {
        seq: 0,
        hash: Hash::GENESIS,
    };

    /// A checkpoint after `seq` with head `hash`.
    pub fn new(seq: u64, hash: Hash) -> Self {
        Self { seq, hash }
    }
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// Rows checked before the first problem (all rows when there is none).
    pub events: u64,
    /// The last good row's sequence number (the checkpoint's when there is none).
    pub head_seq: u64,
    /// The last good row's hash.
    pub head: Hash,
    /// Seals checked.
    pub seals: u64,
    /// The first problem, if any.
    pub finding: Option<Finding>,
}

impl Report {
    /// True when nothing was found wrong.
    pub fn is_ok(&self) -> bool {
        self.finding.is_none()
    }
}

/// How many rows after the first broken one are kept to tell an insertion from a reordering
/// from a deletion. Reorderings farther apart than this are reported as modifications.
pub const ANALYSIS_WINDOW: usize = 4096;

/// How far a moved row is looked for around its position when its link is lost.
const SHIFT_PROBE: u64 = 16;

/// Walks a chain row by row (ascending sequence numbers), then checks the seals and the anchor.
///
/// ```
/// use palisade_audit::{ChainVerifier, Checkpoint};
/// let verifier = ChainVerifier::new(Checkpoint::GENESIS);
/// let report = verifier.finish();
/// assert!(report.is_ok());
/// assert_eq!(report.events, 0);
/// ```
#[derive(Debug)]
pub struct ChainVerifier {
    checkpoint: Checkpoint,
    expected_seq: u64,
    prev: Hash,
    events: u64,
    /// Rows from the first broken one on, for classification.
    broken: Vec<ChainRow>,
    /// A finding that needs no classification (a malformed row).
    finding: Option<Finding>,
    seals: Vec<Seal>,
    anchor: Option<Seal>,
    key: Option<SealVerifyingKey>,
    /// Verified hashes at the sequence numbers seals and the anchor vouch for.
    wanted: HashSet<u64>,
    seen: HashMap<u64, Hash>,
}

impl ChainVerifier {
    /// A verifier for a chain starting after `checkpoint`.
    pub fn new(checkpoint: Checkpoint) -> Self {
        Self {
            checkpoint,
            expected_seq: checkpoint.seq.saturating_add(1),
            prev: checkpoint.hash,
            events: 0,
            broken: Vec::new(),
            finding: None,
            seals: Vec::new(),
            anchor: None,
            key: None,
            wanted: HashSet::new(),
            seen: HashMap::new(),
        }
    }

    /// The seals stored with the chain, in any order.
    #[must_use]
    pub fn with_seals(mut self, mut seals: Vec<Seal>) -> Self {
        seals.sort_by_key(|seal| seal.number);
        self.wanted.extend(seals.iter().map(|seal| seal.seq));
        self.seals = seals;
        self
    }

    /// An anchor kept outside the database: detects truncation and rewrites up to it.
    #[must_use]
    pub fn with_anchor(mut self, anchor: Seal) -> Self {
        self.wanted.insert(anchor.seq);
        self.anchor = Some(anchor);
        self
    }

    /// Require every seal (and the anchor) to carry a valid signature by `key`.
    #[must_use]
    pub fn with_key(mut self, key: SealVerifyingKey) -> Self {
        self.key = Some(key);
        self
    }

    /// Feeds the next row. Returns false once no more rows are needed.
    pub fn push(&mut self, row: ChainRow) -> bool {
        if self.finding.is_some() {
            return false;
        }
        if !self.broken.is_empty() {
            self.broken.push(row);
            return self.broken.len() < ANALYSIS_WINDOW;
        }
        let seq = row.event.seq;
        if seq == self.expected_seq && row.prev_hash == self.prev && row.hashes_at(seq) {
            if self.wanted.contains(&seq) {
                self.seen.insert(seq, row.hash);
            }
            self.prev = row.hash;
            self.expected_seq = seq.saturating_add(1);
            self.events = self.events.saturating_add(1);
            return true;
        }
        self.broken.push(row);
        true
    }

    /// Records a row that could not be read (e.g. a hash of the wrong length).
    pub fn push_malformed(&mut self, seq: u64, detail: impl Into<String>) {
        if self.finding.is_none() && self.broken.is_empty() {
            self.finding = Some(Finding::new(seq, Problem::Malformed, detail));
        } else if self.finding.is_none() {
            // The chain is already broken earlier; stop collecting here.
            let finding = classify(self.expected_seq, self.prev, self.checkpoint, &self.broken);
            self.finding = Some(finding);
        }
    }

    /// The report.
    pub fn finish(mut self) -> Report {
        let finding = match self.finding.take() {
            Some(finding) => Some(finding),
            None if !self.broken.is_empty() => Some(classify(
                self.expected_seq,
                self.prev,
                self.checkpoint,
                &self.broken,
            )),
            None => self.check_seals_and_anchor(),
        };
        #[cfg(feature = "tracing")]
        if let Some(finding) = &finding {
            tracing::debug!(seq = finding.seq, problem = %finding.problem, "audit chain verification failed");
        }
        Report {
            events: self.events,
            head_seq: self.expected_seq.saturating_sub(1),
            head: self.prev,
            seals: u64::try_from(self.seals.len()).unwrap_or(u64::MAX),
            finding,
        }
    }

    /// After an intact chain: the seals, the checkpoint and the anchor.
    fn check_seals_and_anchor(&self) -> Option<Finding> {
        let last_seq = self.expected_seq.saturating_sub(1);
        let first_seq = self.checkpoint.seq.saturating_add(1);
        // The hash at `seq` as the verified chain has it, if the chain reaches it.
        let hash_at = |seq: u64| -> Option<Hash> {
            if seq == self.checkpoint.seq {
                Some(self.checkpoint.hash)
            } else {
                self.seen.get(&seq).copied()
            }
        };
        // A checkpoint must be one a seal vouches for, or rows were cut from the front.
        if self.checkpoint.seq > 0
            && !self
                .seals
                .iter()
                .any(|s| s.seq == self.checkpoint.seq && s.head == self.checkpoint.hash)
        {
            return Some(Finding::new(
                1,
                Problem::Deleted,
                format!(
                    "rows up to {} are gone but no seal vouches for the checkpoint",
                    self.checkpoint.seq
                ),
            ));
        }
        let mut prev: Option<&Seal> = None;
        // The first sequence number not yet vouched for by a good seal.
        let mut vouched_to = self.checkpoint.seq;
        for seal in &self.seals {
            if let Some(problem) = seal_problem(seal, prev, self.key.as_ref()) {
                return Some(Finding::new(seal.seq, Problem::BadSeal, problem));
            }
            prev = Some(seal);
            if seal.seq < self.checkpoint.seq {
                continue;
            }
            if seal.seq > last_seq {
                return Some(Finding::new(
                    last_seq.saturating_add(1).max(first_seq),
                    Problem::Truncated,
                    format!(
                        "seal {} covers event {} but the chain ends at {last_seq}",
                        seal.number, seal.seq
                    ),
                ));
            }
            if hash_at(seal.seq) != Some(seal.head) {
                return Some(Finding::new(
                    vouched_to.saturating_add(1),
                    Problem::Rewritten,
                    format!(
                        "seal {} disagrees with the chain's hash at event {}",
                        seal.number, seal.seq
                    ),
                ));
            }
            vouched_to = seal.seq;
        }
        let anchor = self.anchor.as_ref()?;
        if !anchor.hash_is_consistent() {
            return Some(Finding::new(
                anchor.seq,
                Problem::BadSeal,
                "the anchor's hash does not match its fields",
            ));
        }
        if let Some(key) = &self.key
            && !anchor.signature_is_valid(key)
        {
            return Some(Finding::new(
                anchor.seq,
                Problem::BadSeal,
                "the anchor is not validly signed",
            ));
        }
        if anchor.seq > last_seq {
            return Some(Finding::new(
                last_seq.saturating_add(1).max(first_seq),
                Problem::Truncated,
                format!(
                    "the anchor covers event {} but the chain ends at {last_seq}",
                    anchor.seq
                ),
            ));
        }
        if anchor.seq >= self.checkpoint.seq && hash_at(anchor.seq) != Some(anchor.head) {
            let from = self
                .seals
                .iter()
                .filter(|s| s.seq <= anchor.seq && hash_at(s.seq) == Some(s.head))
                .map(|s| s.seq)
                .max()
                .unwrap_or(self.checkpoint.seq);
            return Some(Finding::new(
                from.saturating_add(1),
                Problem::Rewritten,
                format!(
                    "the anchor disagrees with the chain's hash at event {}",
                    anchor.seq
                ),
            ));
        }
        match self.seals.iter().find(|s| s.number == anchor.number) {
            Some(stored) if stored.hash == anchor.hash => None,
            Some(_) => Some(Finding::new(
                anchor.seq,
                Problem::BadSeal,
                format!("seal {} differs from the anchor", anchor.number),
            )),
            None => Some(Finding::new(
                anchor.seq,
                Problem::BadSeal,
                format!("seal {} named by the anchor is missing", anchor.number),
            )),
        }
    }
}

/// What is wrong with one seal given its predecessor, if anything.
fn seal_problem(
    seal: &Seal,
    prev: Option<&Seal>,
    key: Option<&SealVerifyingKey>,
) -> Option<String> {
    let expected_number = prev.map_or(1, |p| p.number.saturating_add(1));
    if seal.number != expected_number {
        return Some(format!(
            "seal {} found where seal {expected_number} was expected",
            seal.number
        ));
    }
    if !seal.hash_is_consistent() {
        return Some(format!(
            "seal {}'s hash does not match its fields",
            seal.number
        ));
    }
    if seal.prev_seal != prev.map_or(Hash::GENESIS, |p| p.hash) {
        return Some(format!(
            "seal {} does not link to the seal before it",
            seal.number
        ));
    }
    if prev.is_some_and(|p| seal.seq < p.seq) {
        return Some(format!("seal {} goes back in the chain", seal.number));
    }
    if let Some(key) = key
        && !seal.signature_is_valid(key)
    {
        return Some(format!("seal {} is not validly signed", seal.number));
    }
    None
}

/// Names the problem at the first broken row. `expected` is the sequence number the chain
/// needed next and `prev` the hash it had to follow; `rows` starts at the first row that did
/// not fit.
///
/// Rows link to their true predecessor through `prev_hash`, so a row's true position is its
/// distance along those links from the last good row; a row is genuine when its hash is right
/// at that position. Comparing true positions with the stored sequence numbers tells the
/// cases apart.
fn classify(expected: u64, prev: Hash, checkpoint: Checkpoint, rows: &[ChainRow]) -> Finding {
    let Some(first) = rows.first() else {
        return Finding::new(expected, Problem::Malformed, "no row to classify");
    };
    let label = first.event.seq;
    if label < expected {
        return Finding::new(
            label,
            Problem::Inserted,
            format!("row {label} sits before the checkpoint or repeats a verified number"),
        );
    }
    let by_hash: HashMap<Hash, usize> = rows
        .iter()
        .enumerate()
        .map(|(index, row)| (row.hash, index))
        .collect();
    // True position of `first`: follow prev links back to `prev`.
    let mut depth: Option<u64> = None;
    let mut cursor = first;
    let mut steps: u64 = 0;
    let mut visited = HashSet::new();
    loop {
        if cursor.prev_hash == prev {
            depth = Some(expected.saturating_add(steps));
            break;
        }
        match by_hash.get(&cursor.prev_hash) {
            Some(&index) if visited.insert(index) => {
                let Some(row) = rows.get(index) else { break };
                cursor = row;
                steps = steps.saturating_add(1);
            }
            _ => break,
        }
    }
    if let Some(depth) = depth
        && depth != expected
        && first.hashes_at(depth)
    {
        return Finding::new(
            expected,
            Problem::Reordered,
            format!("the genuine row {depth} sits at {label}"),
        );
    }
    let genuine_next = rows
        .iter()
        .skip(1)
        .find(|row| row.prev_hash == prev && row.hashes_at(expected));
    if let Some(genuine) = genuine_next {
        return Finding::new(
            label,
            Problem::Inserted,
            format!(
                "row {label} was never appended: the genuine row {expected} sits at {}",
                genuine.event.seq
            ),
        );
    }
    if label > expected {
        return Finding::new(
            expected,
            Problem::Deleted,
            format!("rows {expected} to {} are missing", label.saturating_sub(1)),
        );
    }
    if first.prev_hash == prev {
        return Finding::new(
            label,
            Problem::Modified,
            format!("row {label}'s contents do not match its hash"),
        );
    }
    if first.hashes_at(label) {
        // The row is intact but its predecessor's hash changed: the predecessor was edited and
        // re-hashed (the first row has no predecessor row, so its own link was edited).
        let seq = if expected > checkpoint.seq.saturating_add(1) {
            expected.saturating_sub(1)
        } else {
            expected
        };
        return Finding::new(
            seq,
            Problem::Modified,
            format!("row {seq} was changed and re-hashed: row {label} no longer links to it"),
        );
    }
    let room_before = label.saturating_sub(checkpoint.seq.saturating_add(1));
    if let Some(shift) = (1..=SHIFT_PROBE.min(room_before)).find(|k| first.hashes_at(label - k)) {
        let seq = label - shift;
        return Finding::new(
            seq,
            Problem::Inserted,
            format!("{shift} row(s) were inserted before the genuine row {seq}, now at {label}"),
        );
    }
    if let Some(shift) = (1..=SHIFT_PROBE).find(|k| first.hashes_at(label.saturating_add(*k))) {
        return Finding::new(
            expected,
            Problem::Deleted,
            format!(
                "{shift} row(s) are missing: the genuine row {} sits at {label}",
                label.saturating_add(shift)
            ),
        );
    }
    Finding::new(
        label,
        Problem::Modified,
        format!("row {label}'s contents do not match its hash"),
    )
}

/// Verifies rows held in memory (e.g. decoded from an export); see [`ChainVerifier`].
pub fn verify_rows(
    checkpoint: Checkpoint,
    rows: impl IntoIterator<Item = ChainRow>,
    seals: Vec<Seal>,
    anchor: Option<Seal>,
    key: Option<SealVerifyingKey>,
) -> Report {
    let mut verifier = ChainVerifier::new(checkpoint).with_seals(seals);
    if let Some(anchor) = anchor {
        verifier = verifier.with_anchor(anchor);
    }
    if let Some(key) = key {
        verifier = verifier.with_key(key);
    }
    for row in rows {
        if !verifier.push(row) {
            break;
        }
    }
    verifier.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::tests::sample;
    use crate::seal::SealKey;
    use jiff::Timestamp;

    fn chain(n: u64) -> Vec<ChainRow> {
        let mut prev = Hash::GENESIS;
        (1..=n)
            .map(|seq| {
                let row = ChainRow::link(sample(seq), prev);
                prev = row.hash;
                row
            })
            .collect()
    }

    fn verdict(rows: Vec<ChainRow>) -> (u64, Problem) {
        let report = verify_rows(Checkpoint::GENESIS, rows, vec![], None, None);
        let finding = report.finding.expect("a finding");
        (finding.seq, finding.problem)
    }

    #[test]
    fn intact_chain_verifies() {
        let rows = chain(10);
        let head = rows[9].hash;
        let report = verify_rows(Checkpoint::GENESIS, rows, vec![], None, None);
        assert!(report.is_ok(), "{report:?}");
        assert_eq!(
            (report.events, report.head_seq, report.head),
            (10, 10, head)
        );
    }

    #[test]
    fn modified_row() {
        let mut rows = chain(10);
        rows[4].event.reason = "nothing to see".into();
        assert_eq!(verdict(rows), (5, Problem::Modified));
    }

    #[test]
    fn modified_and_rehashed_row() {
        let mut rows = chain(10);
        rows[4].event.reason = "nothing to see".into();
        let relinked = ChainRow::link(rows[4].event.clone(), rows[4].prev_hash);
        rows[4] = relinked;
        assert_eq!(verdict(rows), (5, Problem::Modified));
    }

    #[test]
    fn deleted_row_with_and_without_renumbering() {
        let mut rows = chain(10);
        rows.remove(4);
        assert_eq!(verdict(rows.clone()), (5, Problem::Deleted));
        for row in rows.iter_mut().skip(4) {
            row.event.seq -= 1;
        }
        assert_eq!(verdict(rows), (5, Problem::Deleted));
    }

    #[test]
    fn swapped_rows() {
        let mut rows = chain(10);
        rows.swap(4, 5);
        rows[4].event.seq = 5;
        rows[5].event.seq = 6;
        assert_eq!(verdict(rows), (5, Problem::Reordered));
        let mut rows = chain(20);
        rows.swap(4, 14);
        rows[4].event.seq = 5;
        rows[14].event.seq = 15;
        assert_eq!(verdict(rows), (5, Problem::Reordered));
    }

    #[test]
    fn inserted_rows() {
        for forge_hash in [false, true] {
            let mut rows = chain(10);
            let mut forged = sample(5);
            forged.subject = "rm -rf /".into();
            let forged = if forge_hash {
                ChainRow::link(forged, rows[3].hash)
            } else {
                ChainRow::new(forged, rows[3].hash, Hash([0xee; 32]))
            };
            rows.insert(4, forged);
            for row in rows.iter_mut().skip(5) {
                row.event.seq += 1;
            }
            assert_eq!(
                verdict(rows),
                (5, Problem::Inserted),
                "forge_hash={forge_hash}"
            );
        }
    }

    #[test]
    fn truncation_needs_a_seal_or_an_anchor() {
        let rows = chain(10);
        let anchor = Seal::make(None, 10, rows[9].hash, Timestamp::UNIX_EPOCH, None);
        let short: Vec<_> = rows.iter().take(7).cloned().collect();
        assert!(verify_rows(Checkpoint::GENESIS, short.clone(), vec![], None, None).is_ok());
        let report = verify_rows(
            Checkpoint::GENESIS,
            short.clone(),
            vec![],
            Some(anchor.clone()),
            None,
        );
        let finding = report.finding.unwrap();
        assert_eq!((finding.seq, finding.problem), (8, Problem::Truncated));
        let report = verify_rows(Checkpoint::GENESIS, short, vec![anchor.clone()], None, None);
        assert_eq!(report.finding.unwrap().problem, Problem::Truncated);
        let report = verify_rows(
            Checkpoint::GENESIS,
            rows,
            vec![anchor.clone()],
            Some(anchor),
            None,
        );
        assert!(report.is_ok(), "{report:?}");
    }

    #[test]
    fn full_rewrite_is_caught_by_seals() {
        let rows = chain(10);
        let first = Seal::make(None, 4, rows[3].hash, Timestamp::UNIX_EPOCH, None);
        let second = Seal::make(Some(&first), 10, rows[9].hash, Timestamp::UNIX_EPOCH, None);
        let mut rewritten = rows.clone();
        rewritten[6].event.subject = "forged".into();
        let mut prev = rewritten[5].hash;
        for row in rewritten.iter_mut().skip(6) {
            *row = ChainRow::link(row.event.clone(), prev);
            prev = row.hash;
        }
        let report = verify_rows(
            Checkpoint::GENESIS,
            rewritten,
            vec![first, second],
            None,
            None,
        );
        let finding = report.finding.unwrap();
        assert_eq!((finding.seq, finding.problem), (5, Problem::Rewritten));
    }

    #[test]
    fn seals_must_be_signed_when_a_key_is_given() {
        let rows = chain(3);
        let key = SealKey::from_bytes(&[1; 32]);
        let signed = Seal::make(None, 3, rows[2].hash, Timestamp::UNIX_EPOCH, Some(&key));
        let report = verify_rows(
            Checkpoint::GENESIS,
            rows.clone(),
            vec![signed],
            None,
            Some(key.verifying_key()),
        );
        assert!(report.is_ok());
        let unsigned = Seal::make(None, 3, rows[2].hash, Timestamp::UNIX_EPOCH, None);
        let report = verify_rows(
            Checkpoint::GENESIS,
            rows,
            vec![unsigned],
            None,
            Some(key.verifying_key()),
        );
        assert_eq!(report.finding.unwrap().problem, Problem::BadSeal);
    }

    #[test]
    fn checkpoint_needs_a_seal() {
        let rows = chain(10);
        let checkpoint = Checkpoint::new(4, rows[3].hash);
        let rest: Vec<_> = rows[4..].to_vec();
        let report = verify_rows(checkpoint, rest.clone(), vec![], None, None);
        assert_eq!(report.finding.unwrap().problem, Problem::Deleted);
        let seal = Seal::make(None, 4, rows[3].hash, Timestamp::UNIX_EPOCH, None);
        let report = verify_rows(checkpoint, rest, vec![seal], None, None);
        assert!(report.is_ok(), "{report:?}");
        assert_eq!(report.events, 6);
    }
}
