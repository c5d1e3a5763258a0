//! Seals: signed checkpoints of the chain head, each chained to the one before (as CloudTrail
//! digest files are), stored in the database and written out as anchors.

use std::fmt;

use ed25519_dalek::Signer as _;
use jiff::Timestamp;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::chain::{Hash, from_hex, to_hex};
use crate::error::{Error, ErrorKind, Result};
use crate::event::{nanos_to_time, time_to_nanos};

const SEAL_MAGIC: &[u8] = b"palisade-audit/seal/v1\n";
const SIGNATURE_CONTEXT: &[u8] = b"palisade-audit/seal-signature/v1\n";
/// The `format` field of an anchor file.
const ANCHOR_FORMAT: &str = "palisade-audit-anchor/v1";
/// Largest anchor file accepted, in bytes; a real one is about 400.
pub const ANCHOR_MAX_BYTES: usize = 4096;

/// A host-supplied ed25519 key that signs seals.
pub struct SealKey(ed25519_dalek::SigningKey);

impl SealKey {
    /// A key from its 32-byte secret seed.
    pub fn from_bytes(secret: &[u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(secret))
    }

    /// The public half, to verify seals with.
    pub fn verifying_key(&self) -> SealVerifyingKey {
        SealVerifyingKey(self.0.verifying_key())
    }

    #[cfg_attr(
        not(feature = "sqlite"),
        allow(dead_code, reason = "used by the SQLite store")
    )]
    pub(crate) fn sign(&self, seal_hash: &Hash) -> [u8; 64] {
        self.0.sign(&signed_message(seal_hash)).to_bytes()
    }
}

impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret.
        f.debug_struct("SealKey")
            .field("public", &self.verifying_key())
            .finish_non_exhaustive()
    }
}

/// The public key that checks seal signatures.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SealVerifyingKey(ed25519_dalek::VerifyingKey);

impl SealVerifyingKey {
    /// A key from its 32 bytes; fails on bytes that are not a valid curve point.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self> {
        ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map(Self)
            .map_err(|err| {
                Error::with_source(
                    ErrorKind::Signature,
                    "the seal verifying key is not a valid ed25519 public key",
                    err,
                )
            })
    }

    /// The 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    fn verify(&self, seal_hash: &Hash, signature: &[u8; 64]) -> bool {
        let signature = ed25519_dalek::Signature::from_bytes(signature);
        // verify_strict rejects weak keys and malleable signatures.
        self.0
            .verify_strict(&signed_message(seal_hash), &signature)
            .is_ok()
    }
}

impl fmt::Debug for SealVerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealVerifyingKey({})", to_hex(&self.to_bytes()))
    }
}

fn signed_message(seal_hash: &Hash) -> Vec<u8> {
    let mut message = SIGNATURE_CONTEXT.to_vec();
    message.extend_from_slice(seal_hash.as_bytes());
    message
}

/// A checkpoint of the chain head: "after event `seq` the head hash was `head`", numbered,
/// timed, chained to the previous seal and optionally signed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Seal {
    /// The seal's own number, from 1, without gaps.
    pub number: u64,
    /// The last event it covers (0 when the log was empty).
    pub seq: u64,
    /// That event's chain hash ([`Hash::GENESIS`] when empty).
    pub head: Hash,
    /// When it was made (UTC).
    pub time: Timestamp,
    /// The previous seal's hash ([`Hash::GENESIS`] for the first).
    pub prev_seal: Hash,
    /// SHA-256 over all of the above.
    pub hash: Hash,
    /// An ed25519 signature over the hash, when the log has a [`SealKey`].
    pub signature: Option<[u8; 64]>,
}

impl Seal {
    /// A seal following `prev` (None for the first), signed when `key` is given.
    #[cfg_attr(
        not(feature = "sqlite"),
        allow(dead_code, reason = "used by the SQLite store")
    )]
    pub(crate) fn make(
        prev: Option<&Seal>,
        seq: u64,
        head: Hash,
        time: Timestamp,
        key: Option<&SealKey>,
    ) -> Self {
        let number = prev.map_or(1, |p| p.number.saturating_add(1));
        let prev_seal = prev.map_or(Hash::GENESIS, |p| p.hash);
        let hash = seal_hash(number, seq, &head, time, &prev_seal);
        Self {
            number,
            seq,
            head,
            time,
            prev_seal,
            hash,
            signature: key.map(|key| key.sign(&hash)),
        }
    }

    /// Whether the stored hash matches the seal's fields.
    pub fn hash_is_consistent(&self) -> bool {
        seal_hash(
            self.number,
            self.seq,
            &self.head,
            self.time,
            &self.prev_seal,
        ) == self.hash
    }

    /// Whether the seal carries a valid signature by `key`.
    pub fn signature_is_valid(&self, key: &SealVerifyingKey) -> bool {
        self.signature
            .as_ref()
            .is_some_and(|signature| key.verify(&self.hash, signature))
    }

    /// The anchor file's text: one JSON object on one line.
    pub fn to_anchor(&self) -> String {
        json!({
            "format": ANCHOR_FORMAT,
            "seal": self.number,
            "seq": self.seq,
            "head": self.head.to_hex(),
            "time": self.time.to_string(),
            "time_ns": time_to_nanos(self.time),
            "prev_seal": self.prev_seal.to_hex(),
            "hash": self.hash.to_hex(),
            "signature": self.signature.as_ref().map(|s| to_hex(s)),
        })
        .to_string()
    }

    /// Parses an anchor file written by [`Seal::to_anchor`]. The text is untrusted: it must
    /// be at most [`ANCHOR_MAX_BYTES`], have exactly the expected fields, and its hash must
    /// match its contents.
    pub fn from_anchor(text: &str) -> Result<Self> {
        if text.len() > ANCHOR_MAX_BYTES {
            return Err(Error::malformed(format!(
                "the anchor is {} bytes; at most {ANCHOR_MAX_BYTES} are allowed",
                text.len()
            )));
        }
        let value: Value = serde_json::from_str(text.trim())
            .map_err(|err| Error::malformed(format!("the anchor is not JSON: {err}")))?;
        let Value::Object(map) = value else {
            return Err(Error::malformed("the anchor is not a JSON object"));
        };
        const FIELDS: [&str; 9] = [
            "format",
            "seal",
            "seq",
            "head",
            "time",
            "time_ns",
            "prev_seal",
            "hash",
            "signature",
        ];
        if let Some(unknown) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(Error::malformed(format!(
                "the anchor has an unknown field `{unknown}`"
            )));
        }
        let text_field = |name: &str| {
            map.get(name).and_then(Value::as_str).ok_or_else(|| {
                Error::malformed(format!("the anchor lacks the text field `{name}`"))
            })
        };
        let number_field = |name: &str| {
            map.get(name).and_then(Value::as_u64).ok_or_else(|| {
                Error::malformed(format!("the anchor lacks the number field `{name}`"))
            })
        };
        if text_field("format")? != ANCHOR_FORMAT {
            return Err(Error::malformed(format!(
                "the anchor's `format` is not `{ANCHOR_FORMAT}`"
            )));
        }
        let time_ns = map
            .get("time_ns")
            .and_then(Value::as_i64)
            .ok_or_else(|| Error::malformed("the anchor lacks the number field `time_ns`"))?;
        let signature = match map.get("signature") {
            None | Some(Value::Null) => None,
            Some(Value::String(hex)) => Some(
                <[u8; 64]>::try_from(from_hex(hex)?.as_slice())
                    .map_err(|_| Error::malformed("the anchor's `signature` is not 64 bytes"))?,
            ),
            Some(_) => return Err(Error::malformed("the anchor's `signature` is not text")),
        };
        let seal = Self {
            number: number_field("seal")?,
            seq: number_field("seq")?,
            head: Hash::from_hex(text_field("head")?)?,
            time: nanos_to_time(time_ns)?,
            prev_seal: Hash::from_hex(text_field("prev_seal")?)?,
            hash: Hash::from_hex(text_field("hash")?)?,
            signature,
        };
        if seal.number == 0 {
            return Err(Error::malformed("the anchor's `seal` number is 0"));
        }
        if !seal.hash_is_consistent() {
            return Err(Error::malformed(
                "the anchor's `hash` does not match its fields",
            ));
        }
        Ok(seal)
    }
}

fn seal_hash(number: u64, seq: u64, head: &Hash, time: Timestamp, prev_seal: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(SEAL_MAGIC);
    hasher.update(number.to_be_bytes());
    hasher.update(seq.to_be_bytes());
    hasher.update(head.as_bytes());
    hasher.update(time_to_nanos(time).to_be_bytes());
    hasher.update(prev_seal.as_bytes());
    Hash::from_bytes(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_chain_sign_and_round_trip_through_anchor() {
        let key = SealKey::from_bytes(&[7; 32]);
        let first = Seal::make(None, 10, Hash([1; 32]), Timestamp::UNIX_EPOCH, Some(&key));
        let second = Seal::make(
            Some(&first),
            20,
            Hash([2; 32]),
            Timestamp::UNIX_EPOCH,
            Some(&key),
        );
        assert_eq!(second.number, 2);
        assert_eq!(second.prev_seal, first.hash);
        assert!(second.hash_is_consistent());
        assert!(second.signature_is_valid(&key.verifying_key()));
        let other = SealKey::from_bytes(&[8; 32]).verifying_key();
        assert!(!second.signature_is_valid(&other));
        let parsed = Seal::from_anchor(&second.to_anchor()).unwrap();
        assert_eq!(parsed, second);
        assert!(!format!("{key:?}").contains("0707"));
    }

    #[test]
    fn tampered_anchor_is_rejected() {
        let seal = Seal::make(None, 3, Hash([1; 32]), Timestamp::UNIX_EPOCH, None);
        let text = seal.to_anchor().replace("\"seq\":3", "\"seq\":2");
        assert!(Seal::from_anchor(&text).is_err());
        assert!(Seal::from_anchor("[]").is_err());
        assert!(Seal::from_anchor(&"x".repeat(ANCHOR_MAX_BYTES + 1)).is_err());
        let extra = seal.to_anchor().replace("{", "{\"x\":1,");
        assert!(Seal::from_anchor(&extra).is_err());
    }
}
