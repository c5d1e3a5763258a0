//! Maps keyed by command names, with a cheaper hash than the standard library's.
//!
//! Every decision looks up each sub-command's name in several tables (the risk table, the
//! read-only options, the file arguments, the command runners, the policy's rules by name).
//! The standard `HashMap` hashes with SipHash-1-3, which resists collision flooding by keys
//! an attacker inserts; these maps' keys come only from the built-in tables and the policy
//! file, never from a command line, so a lookup of a hostile name costs one hash and one
//! probe like any other. FNV-1a hashes a short name in a few instructions per byte.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map from command names (keys from built-in tables or a policy file only).
pub(crate) type NameMap<K, V> = HashMap<K, V, BuildHasherDefault<NameHasher>>;

/// FNV-1a (64 bits): <http://www.isthe.com/chongo/tech/comp/fnv/> for the constants.
#[derive(Clone, Copy)]
pub(crate) struct NameHasher(u64);

impl Default for NameHasher {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = self.0;
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = hash;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_hash_apart_and_find_their_entries() {
        let mut map: NameMap<&str, usize> = NameMap::default();
        let names = [
            "git",
            "gti",
            "rm",
            "mr",
            "",
            "python3",
            "python3.12",
            "a\u{0}b",
        ];
        for (i, name) in names.iter().enumerate() {
            map.insert(name, i);
        }
        for (i, name) in names.iter().enumerate() {
            assert_eq!(map.get(name), Some(&i), "{name:?}");
        }
        assert_eq!(map.get("gitx"), None);
        let hash = |s: &str| {
            let mut h = NameHasher::default();
            h.write(s.as_bytes());
            h.finish()
        };
        assert_ne!(hash("git"), hash("gti"));
        // The published FNV-1a 64 test vector for "a".
        assert_eq!(hash("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
