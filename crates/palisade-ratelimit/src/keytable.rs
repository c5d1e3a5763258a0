//! A shard's key table: one open-addressing hash table with the state stored inline next to
//! the key (one cache miss per lookup), hashed once by the caller, and random access to
//! buckets so that eviction can sample entries.

use std::hash::{BuildHasher, Hash, RandomState};

use hashbrown::HashTable;

pub(crate) struct KeyTable<K, V> {
    table: HashTable<(K, V)>,
    hasher: RandomState,
}

impl<K: Hash + Eq, V> KeyTable<K, V> {
    /// An empty table whose entries are hashed with `hasher` (the hashes the caller passes
    /// must come from the same hasher).
    pub fn new(hasher: RandomState) -> Self {
        Self {
            table: HashTable::new(),
            hasher,
        }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn get(&self, hash: u64, key: &K) -> Option<&V> {
        self.table.find(hash, |(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, hash: u64, key: &K) -> Option<&mut V> {
        self.table.find_mut(hash, |(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn remove(&mut self, hash: u64, key: &K) {
        if let Ok(entry) = self.table.find_entry(hash, |(k, _)| k == key) {
            entry.remove();
        }
    }

    /// Inserts a key known to be absent.
    pub fn insert_new(&mut self, hash: u64, key: K, value: V) {
        let hasher = &self.hasher;
        self.table
            .insert_unique(hash, (key, value), |(k, _)| hasher.hash_one(k));
    }

    /// The number of buckets, occupied or not (for sampling).
    pub fn buckets(&self) -> usize {
        self.table.num_buckets()
    }

    /// The value in bucket `index`, if that bucket is occupied.
    pub fn bucket(&self, index: usize) -> Option<&V> {
        self.table.get_bucket(index).map(|(_, v)| v)
    }

    pub fn remove_bucket(&mut self, index: usize) {
        if let Ok(entry) = self.table.get_bucket_entry(index) {
            entry.remove();
        }
    }

    /// Keeps the entries for which `keep` is true, then gives memory back if the table is
    /// mostly empty.
    pub fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        self.table.retain(|(_, v)| keep(v));
        if self.table.len() < self.table.capacity() / 4 {
            let hasher = &self.hasher;
            self.table.shrink_to_fit(|(k, _)| hasher.hash_one(k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_find_remove_and_sample() {
        let hasher = RandomState::new();
        let mut table = KeyTable::new(hasher.clone());
        for k in 0u64..100 {
            table.insert_new(hasher.hash_one(k), k, k * 2);
        }
        assert_eq!(table.len(), 100);
        assert_eq!(table.get(hasher.hash_one(7u64), &7), Some(&14));
        *table.get_mut(hasher.hash_one(7u64), &7).unwrap() = 1;
        assert_eq!(table.get(hasher.hash_one(7u64), &7), Some(&1));
        table.remove(hasher.hash_one(7u64), &7);
        assert_eq!(table.get(hasher.hash_one(7u64), &7), None);
        let occupied = (0..table.buckets())
            .filter(|&i| table.bucket(i).is_some())
            .collect::<Vec<_>>();
        assert_eq!(occupied.len(), 99);
        table.remove_bucket(occupied[0]);
        assert_eq!(table.len(), 98);
        table.retain(|v| *v < 20);
        assert!(table.len() < 10);
    }
}
