//! The hash chain: each row's hash is SHA-256 over the previous row's hash and the row's
//! canonical encoding, so changing, removing, adding or moving any row changes every hash
//! after it.

use std::fmt;

use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};
use crate::event::{Event, Reader};

/// A SHA-256 value: a row's chain hash, a seal's hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash(pub(crate) [u8; 32]);

impl Hash {
    /// The `prev_hash` of the first event: 32 zero bytes.
    pub const GENESIS: Self = Self([0; 32]);

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A hash from its raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A hash from a slice, which must be exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        <[u8; 32]>::try_from(bytes)
            .map(Self)
            .map_err(|_| Error::malformed(format!("a hash is 32 bytes, not {}", bytes.len())))
    }

    /// Lowercase hexadecimal, 64 characters.
    pub fn to_hex(&self) -> String {
        to_hex(&self.0)
    }

    /// Parses 64 hexadecimal digits.
    pub fn from_hex(text: &str) -> Result<Self> {
        let bytes = from_hex(text)?;
        Self::from_slice(&bytes)
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        for nibble in [byte >> 4, byte & 0x0f] {
            out.push(char::from(
                DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    out
}

pub(crate) fn from_hex(text: &str) -> Result<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(Error::malformed(format!(
            "`{text}` is not hexadecimal: odd number of digits"
        )));
    }
    bytes
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => nibble(*hi).zip(nibble(*lo)).map(|(hi, lo)| (hi << 4) | lo),
            _ => None,
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| Error::malformed(format!("`{text}` is not hexadecimal")))
}

/// The chain hash of `event` following `prev`: SHA-256(prev ‖ encode(event)).
pub fn chain_hash(prev: &Hash, event: &Event) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(prev.0);
    hasher.update(event.encode());
    Hash(hasher.finalize().into())
}

/// One stored row of the chain: the event, the hash it claims to follow and its own hash.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChainRow {
    /// The event.
    pub event: Event,
    /// The previous row's hash (or [`Hash::GENESIS`]).
    pub prev_hash: Hash,
    /// This row's hash.
    pub hash: Hash,
}

impl ChainRow {
    /// A row as stored: the caller vouches for nothing; verification checks it.
    pub fn new(event: Event, prev_hash: Hash, hash: Hash) -> Self {
        Self {
            event,
            prev_hash,
            hash,
        }
    }

    /// The row that correctly follows `prev`.
    pub fn link(event: Event, prev: Hash) -> Self {
        let hash = chain_hash(&prev, &event);
        Self {
            event,
            prev_hash: prev,
            hash,
        }
    }

    /// Whether this row's hash is right for its contents if it sat at `seq`.
    pub(crate) fn hashes_at(&self, seq: u64) -> bool {
        if seq == self.event.seq {
            return chain_hash(&self.prev_hash, &self.event) == self.hash;
        }
        let mut moved = self.event.clone();
        moved.seq = seq;
        chain_hash(&self.prev_hash, &moved) == self.hash
    }

    /// A self-delimiting byte form for transport and fuzzing: prev hash, hash, then the
    /// event's encoding behind a u32 length.
    pub fn encode(&self) -> Vec<u8> {
        let event = self.event.encode();
        let mut out = Vec::with_capacity(68 + event.len());
        out.extend_from_slice(&self.prev_hash.0);
        out.extend_from_slice(&self.hash.0);
        out.extend_from_slice(&u32::try_from(event.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(&event);
        out
    }

    /// Decodes one row from the front of `bytes`, returning it and the rest.
    pub fn decode_prefix(bytes: &[u8]) -> Result<(Self, &[u8])> {
        let mut reader = Reader { rest: bytes };
        let prev_hash = Hash(reader.array()?);
        let hash = Hash(reader.array()?);
        let len = usize::try_from(reader.u32()?).unwrap_or(usize::MAX);
        let event = Event::decode(reader.take(len)?)?;
        Ok((
            Self {
                event,
                prev_hash,
                hash,
            },
            reader.rest,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_junk() {
        let hash = Hash([0xab; 32]);
        assert_eq!(Hash::from_hex(&hash.to_hex()).unwrap(), hash);
        assert!(Hash::from_hex("abc").is_err());
        assert!(Hash::from_hex("zz").is_err());
        assert!(Hash::from_hex("abab").is_err());
        assert_eq!(from_hex("0aF0").unwrap(), vec![0x0a, 0xf0]);
    }

    #[test]
    fn hash_depends_on_prev_and_every_field() {
        let event = crate::event::tests::sample(1);
        let base = chain_hash(&Hash::GENESIS, &event);
        assert_ne!(chain_hash(&Hash([1; 32]), &event), base);
        let mut changed = event.clone();
        changed.reason = "x".into();
        assert_ne!(chain_hash(&Hash::GENESIS, &changed), base);
        let row = ChainRow::link(event, Hash::GENESIS);
        assert!(row.hashes_at(1));
        assert!(!row.hashes_at(2));
    }

    #[test]
    fn row_bytes_round_trip() {
        let row = ChainRow::link(crate::event::tests::sample(4), Hash([9; 32]));
        let mut bytes = row.encode();
        bytes.extend_from_slice(b"rest");
        let (decoded, rest) = ChainRow::decode_prefix(&bytes).unwrap();
        assert_eq!(decoded, row);
        assert_eq!(rest, b"rest");
    }
}
