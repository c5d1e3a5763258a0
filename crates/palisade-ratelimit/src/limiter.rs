//! [`RateLimiter`]: a global quota plus per-key quotas, checked together so that a request
//! denied by either limit spends neither.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hash, RandomState};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use crate::clock::{Clock, MonotonicClock};
use crate::error::{Error, ErrorKind};
use crate::gcra::{self, Test};
use crate::keytable::KeyTable;
use crate::quota::Quota;

/// The default cap on tracked keys.
pub const DEFAULT_MAX_KEYS: usize = 100_000;

/// The most shards a key table is split into (each shard has its own lock and LRU order).
const MAX_SHARDS: usize = 16;

/// How many random entries a new key's insertion inspects, forgetting those that are idle
/// (incremental time-based pruning, as Redis expires keys).
const PRUNE_ON_INSERT: usize = 2;

/// How many random entries are sampled to choose one to evict when a shard is full: an idle
/// one if any, else the least recently used of the sample (Redis' approximated LRU uses 5).
const EVICTION_SAMPLES: usize = 8;

/// Whether denials are enforced or only reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Mode {
    /// Requests over a limit are denied.
    #[default]
    Enforce,
    /// Every request is allowed; decisions still say which would have been denied, and such
    /// requests spend nothing (as nginx's `limit_req_dry_run`).
    DryRun,
}

/// What happens when a new key arrives and the key table is full of keys that are still
/// limited (keys whose burst is full again are always forgotten first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum WhenFull {
    /// Forget the least recently used key, even though it still owes time: its next request
    /// starts from a full burst. The global quota still bounds the total. Counted in
    /// [`RateLimiterMetrics::evicted_active`].
    #[default]
    EvictLeastRecentlyUsed,
    /// Deny the new key ([`Denial::KeyTableFull`]) until an entry becomes idle. Strict: a
    /// flood of keys can then lock out new clients.
    DenyNewKeys,
}

/// Why a request was (or, in dry-run mode, would have been) denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Denial {
    /// The global quota is spent.
    Global,
    /// The key's quota is spent.
    Key,
    /// The request's cost exceeds the burst of a quota, so it can never pass.
    CostExceedsBurst,
    /// The key validation hook rejected a key not seen before.
    KeyRejected,
    /// The key table is full and [`WhenFull::DenyNewKeys`] is set.
    KeyTableFull,
}

impl Denial {
    /// A stable snake_case name (`global`, `key`, `cost_exceeds_burst`, `key_rejected`,
    /// `key_table_full`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Denial::Global => "global",
            Denial::Key => "key",
            Denial::CostExceedsBurst => "cost_exceeds_burst",
            Denial::KeyRejected => "key_rejected",
            Denial::KeyTableFull => "key_table_full",
        }
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer to one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    denial: Option<Denial>,
    enforced: bool,
    retry_after: Option<Duration>,
    remaining: u32,
}

impl Decision {
    fn allowed(remaining: u32) -> Self {
        Self {
            denial: None,
            enforced: true,
            retry_after: None,
            remaining,
        }
    }

    fn denied(denial: Denial, retry_after: Option<Duration>, remaining: u32, mode: Mode) -> Self {
        Self {
            denial: Some(denial),
            enforced: mode == Mode::Enforce,
            retry_after,
            remaining,
        }
    }

    /// Whether the caller may proceed: true when no limit was exceeded, and in dry-run mode.
    pub fn is_allowed(&self) -> bool {
        self.denial.is_none() || !self.enforced
    }

    /// Why the request was denied, or would have been in dry-run mode; `None` when it was
    /// within every limit.
    pub fn denial(&self) -> Option<Denial> {
        self.denial
    }

    /// True when a limit was exceeded but dry-run mode let the request through.
    pub fn is_dry_run_denial(&self) -> bool {
        self.denial.is_some() && !self.enforced
    }

    /// For a denial: how long until the same request would pass if nothing else arrives.
    /// `None` when allowed, and when it can never pass (cost above the burst, rejected key).
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// Cells that could still be spent at once after this decision (the smaller of the global
    /// and the key's remaining burst; `u32::MAX` when no limit applies).
    pub fn remaining_burst(&self) -> u32 {
        self.remaining
    }
}

/// Counters since the limiter was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RateLimiterMetrics {
    /// Requests within every limit.
    pub allowed: u64,
    /// Requests denied (enforce mode).
    pub denied: u64,
    /// Requests over a limit that dry-run mode let through.
    pub would_deny: u64,
    /// Keys currently tracked.
    pub tracked_keys: usize,
    /// Idle keys forgotten (by pruning or to make room); invisible to decisions.
    pub evicted_idle: u64,
    /// Keys that still owed time but were forgotten to make room
    /// ([`WhenFull::EvictLeastRecentlyUsed`]).
    pub evicted_active: u64,
    /// New keys refused by the validation hook.
    pub rejected_keys: u64,
}

/// One tracked key: 16 bytes.
#[derive(Debug, Clone, Copy)]
struct KeyState {
    /// Theoretical arrival time, ns on the limiter's clock.
    tat: u64,
    /// The key's quota: an index into [`KeyConfig::table`] (0: the per-key default).
    slot: u32,
    /// Last use in ms on the limiter's clock, wrapping (only compared as a recent age).
    last_used: u32,
}

/// `now` in the wrapping millisecond unit of [`KeyState::last_used`].
#[inline]
fn stamp(now: u64) -> u32 {
    (now / 1_000_000) as u32
}

#[derive(Debug, Default, Clone, Copy)]
struct ShardStats {
    allowed: u64,
    denied: u64,
    would_deny: u64,
    evicted_idle: u64,
    evicted_active: u64,
    rejected_keys: u64,
}

struct Shard<K> {
    keys: KeyTable<K, KeyState>,
    /// The global quota as of `generation`.
    global: Option<Quota>,
    /// The quota table as of `generation` (a copy of [`KeyConfig::table`]).
    quotas: Vec<Option<Quota>>,
    generation: u32,
    stats: ShardStats,
    /// xorshift64* state for sampling.
    rng: u64,
}

impl<K: Hash + Eq> Shard<K> {
    /// A random bucket index of the key table (possibly empty).
    fn random_bucket(&mut self) -> Option<usize> {
        let buckets = self.keys.buckets();
        if buckets == 0 {
            return None;
        }
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let r = self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d);
        Some((r % buckets as u64) as usize)
    }

    /// A random occupied bucket: the first occupied one from a random start (the table is at
    /// least 7/16 full when it matters, so this takes a couple of steps on average).
    fn random_entry(&mut self) -> Option<(usize, KeyState)> {
        if self.keys.len() == 0 {
            return None;
        }
        let start = self.random_bucket()?;
        let buckets = self.keys.buckets();
        (0..buckets).find_map(|step| {
            let index = (start + step) % buckets;
            self.keys.bucket(index).map(|state| (index, *state))
        })
    }

    /// Chooses a victim among random entries: an idle one, else the least recently used.
    fn choose_victim(&mut self, now: u64) -> Option<(usize, bool)> {
        let now_ms = stamp(now);
        let mut best: Option<(usize, u32)> = None;
        for _ in 0..EVICTION_SAMPLES {
            let (index, state) = self.random_entry()?;
            if gcra::is_idle(state.tat, now) {
                return Some((index, true));
            }
            let age = now_ms.wrapping_sub(state.last_used);
            if best.is_none_or(|(_, best_age)| age > best_age) {
                best = Some((index, age));
            }
        }
        best.map(|(index, _)| (index, false))
    }
}

/// The most distinct override quotas a limiter keeps (each key's state names its quota by a
/// 32-bit slot; the cap keeps the table every shard copies small).
const MAX_QUOTA_SLOTS: usize = 65_536;

struct KeyConfig<K> {
    /// Quotas by slot. Slot 0 is the per-key default (`None`: keys without an override are
    /// not limited per key); later slots hold distinct override quotas, append-only so that
    /// a slot never changes meaning.
    table: Vec<Option<Quota>>,
    /// Keys with an override, and the slot of their quota.
    overrides: HashMap<K, u32>,
}

impl<K: Hash + Eq> KeyConfig<K> {
    fn slot_of(&self, key: &K) -> u32 {
        self.overrides.get(key).copied().unwrap_or(0)
    }

    fn quota(&self, slot: u32) -> Option<Quota> {
        self.table.get(slot as usize).copied().flatten()
    }

    fn resolve(&self, key: &K) -> Option<Quota> {
        self.quota(self.slot_of(key))
    }

    /// The slot holding `quota`, added if new.
    fn slot_for(&mut self, quota: Quota) -> Result<u32, Error> {
        let existing = self
            .table
            .iter()
            .skip(1)
            .position(|q| *q == Some(quota))
            .map(|i| i + 1);
        let index = match existing {
            Some(index) => index,
            None if self.table.len() < MAX_QUOTA_SLOTS => {
                self.table.push(Some(quota));
                self.table.len() - 1
            }
            None => {
                return Err(Error::new(
                    ErrorKind::InvalidConfig,
                    format_args!(
                        "too many distinct key quotas (at most {}); reuse quotas across keys",
                        MAX_QUOTA_SLOTS - 1
                    ),
                ));
            }
        };
        u32::try_from(index)
            .map_err(|_| Error::new(ErrorKind::InvalidConfig, "quota table overflow"))
    }
}

type Validator<K> = Box<dyn Fn(&K) -> bool + Send + Sync>;

struct Inner<K, C> {
    clock: C,
    hasher: RandomState,
    shards: Box<[Mutex<Shard<K>>]>,
    shard_mask: usize,
    shard_capacity: usize,
    /// The global quota; each shard caches a copy, refreshed when `generation` changes.
    global_quota: RwLock<Option<Quota>>,
    /// The global theoretical arrival time, advanced by compare-and-swap only when the
    /// key's quota admits the same request (the key's shard lock is held meanwhile).
    global_tat: AtomicU64,
    config: RwLock<KeyConfig<K>>,
    generation: AtomicU32,
    validator: Option<Validator<K>>,
    when_full: WhenFull,
    mode: AtomicU8,
}

/// A global quota plus per-key quotas (GCRA), with bounded key memory.
///
/// Cloning is cheap and clones share all state, so a limiter handed to many tasks or tower
/// services enforces one limit. See the crate documentation for the design.
pub struct RateLimiter<K, C = MonotonicClock> {
    inner: Arc<Inner<K, C>>,
}

impl<K, C> Clone for RateLimiter<K, C> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<K, C> fmt::Debug for RateLimiter<K, C>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    C: Clock,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("global", &self.global_quota())
            .field("per_key", &read(&self.inner.config).quota(0))
            .field("mode", &self.mode())
            .field("tracked_keys", &self.tracked_keys())
            .finish_non_exhaustive()
    }
}

/// Serializable settings for a [`RateLimiter`] (per-key overrides and the validation hook
/// are set on the builder).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
#[non_exhaustive]
pub struct RateLimitConfig {
    /// The quota shared by every request, if any.
    pub global: Option<Quota>,
    /// The quota of each key without an override, if any.
    pub per_key: Option<Quota>,
    /// The cap on tracked keys.
    pub max_keys: usize,
    /// What to do when the key table is full.
    pub when_full: WhenFull,
    /// Enforce or only report.
    pub mode: Mode,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            global: None,
            per_key: None,
            max_keys: DEFAULT_MAX_KEYS,
            when_full: WhenFull::default(),
            mode: Mode::default(),
        }
    }
}

/// Builds a [`RateLimiter`].
pub struct RateLimiterBuilder<K, C = MonotonicClock> {
    config: RateLimitConfig,
    overrides: HashMap<K, Quota>,
    validator: Option<Validator<K>>,
    clock: C,
}

impl<K, C: fmt::Debug> fmt::Debug for RateLimiterBuilder<K, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiterBuilder")
            .field("config", &self.config)
            .field("overrides", &self.overrides.len())
            .field("validator", &self.validator.is_some())
            .field("clock", &self.clock)
            .finish()
    }
}

impl<K> RateLimiter<K, MonotonicClock>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
{
    /// Starts building a limiter on the default clock.
    pub fn builder() -> RateLimiterBuilder<K, MonotonicClock> {
        RateLimiterBuilder {
            config: RateLimitConfig::default(),
            overrides: HashMap::new(),
            validator: None,
            clock: MonotonicClock::new(),
        }
    }
}

impl<K, C> RateLimiterBuilder<K, C>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    C: Clock,
{
    /// Starts from a configuration (e.g. one deserialized with the `serde` feature).
    #[must_use]
    pub fn config(mut self, config: RateLimitConfig) -> Self {
        self.config = config;
        self
    }

    /// The quota shared by every request.
    #[must_use]
    pub fn global(mut self, quota: Quota) -> Self {
        self.config.global = Some(quota);
        self
    }

    /// The quota of each key without an override.
    #[must_use]
    pub fn per_key(mut self, quota: Quota) -> Self {
        self.config.per_key = Some(quota);
        self
    }

    /// A quota for one key that replaces the per-key default (e.g. a bigger one for a
    /// tenant). Keys with an override are limited even without a per-key default.
    #[must_use]
    pub fn key_quota(mut self, key: K, quota: Quota) -> Self {
        self.overrides.insert(key, quota);
        self
    }

    /// The cap on tracked keys (default [`DEFAULT_MAX_KEYS`]).
    #[must_use]
    pub fn max_keys(mut self, max_keys: usize) -> Self {
        self.config.max_keys = max_keys;
        self
    }

    /// What to do when the key table is full (default: evict the least recently used).
    #[must_use]
    pub fn when_full(mut self, when_full: WhenFull) -> Self {
        self.config.when_full = when_full;
        self
    }

    /// Enforce (default) or only report.
    #[must_use]
    pub fn mode(mut self, mode: Mode) -> Self {
        self.config.mode = mode;
        self
    }

    /// A hook that must accept a key before the limiter tracks it. It runs once per new key,
    /// without any limiter lock held; a rejected key is denied with
    /// [`Denial::KeyRejected`] and never stored.
    #[must_use]
    pub fn validate_keys(mut self, accept: impl Fn(&K) -> bool + Send + Sync + 'static) -> Self {
        self.validator = Some(Box::new(accept));
        self
    }

    /// Uses another clock (e.g. a [`FakeClock`](crate::FakeClock) in tests).
    pub fn clock<C2: Clock>(self, clock: C2) -> RateLimiterBuilder<K, C2> {
        RateLimiterBuilder {
            config: self.config,
            overrides: self.overrides,
            validator: self.validator,
            clock,
        }
    }

    /// Builds the limiter. Fails when no quota is configured at all, or `max_keys` is zero.
    pub fn build(self) -> Result<RateLimiter<K, C>, Error> {
        let RateLimitConfig {
            global,
            per_key,
            max_keys,
            when_full,
            mode,
        } = self.config;
        if global.is_none() && per_key.is_none() && self.overrides.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidConfig,
                "a rate limiter needs a global quota, a per-key quota or a key override",
            ));
        }
        if max_keys == 0 {
            return Err(Error::new(
                ErrorKind::InvalidConfig,
                "`max_keys` must be at least 1",
            ));
        }
        // Largest power of two not above min(MAX_SHARDS, max_keys), so that shards × shard
        // capacity never exceeds `max_keys`.
        let shard_count = {
            let limit = max_keys.min(MAX_SHARDS);
            1usize << (usize::BITS - 1 - limit.leading_zeros())
        };
        let shard_capacity = max_keys / shard_count;
        let mut config = KeyConfig {
            table: vec![per_key],
            overrides: HashMap::with_capacity(self.overrides.len()),
        };
        for (key, quota) in self.overrides {
            let slot = config.slot_for(quota)?;
            config.overrides.insert(key, slot);
        }
        let hasher = RandomState::new();
        let shards = (0..shard_count)
            .map(|i: usize| {
                Mutex::new(Shard {
                    keys: KeyTable::new(hasher.clone()),
                    global,
                    quotas: config.table.clone(),
                    generation: 0,
                    stats: ShardStats::default(),
                    rng: hasher.hash_one(i) | 1,
                })
            })
            .collect();
        Ok(RateLimiter {
            inner: Arc::new(Inner {
                clock: self.clock,
                hasher,
                shards,
                shard_mask: shard_count - 1,
                shard_capacity,
                global_quota: RwLock::new(global),
                global_tat: AtomicU64::new(0),
                config: RwLock::new(config),
                generation: AtomicU32::new(0),
                validator: self.validator,
                when_full,
                mode: AtomicU8::new(mode_to_u8(mode)),
            }),
        })
    }
}

fn mode_to_u8(mode: Mode) -> u8 {
    match mode {
        Mode::Enforce => 0,
        Mode::DryRun => 1,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // No code path panics while holding these locks; if one ever did, the state is still a
    // set of plain integers that are valid in any combination.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

/// The key's part of a check: its quota and current TAT, and whether it must be inserted.
enum KeyPlan {
    /// No per-key limit applies to this key.
    Unlimited,
    /// A tracked key (already in the table) and its quota.
    Tracked { state: KeyState, quota: Quota },
    /// A new key; on admission it is inserted, after evicting what `evict` says.
    New {
        state: KeyState,
        quota: Quota,
        evict: Evict,
    },
}

#[derive(Clone, Copy)]
enum Evict {
    Nothing,
    /// The entry at this index is idle.
    Idle(usize),
    /// The entry at this index still owes time.
    Active(usize),
}

fn duration(ns: u64) -> Duration {
    Duration::from_nanos(ns)
}

impl<K, C> RateLimiter<K, C>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    C: Clock,
{
    /// Checks one request for `key`. See [`check_n`](Self::check_n).
    #[inline]
    pub fn check_key(&self, key: &K) -> Decision {
        self.check_n(key, NonZeroU32::MIN)
    }

    /// Checks a request of `cost` cells for `key` against the global and the key's quota.
    /// Both are spent only if both admit it; a denial spends nothing.
    pub fn check_n(&self, key: &K, cost: NonZeroU32) -> Decision {
        let inner = &*self.inner;
        let cost = cost.get();
        let now = inner.clock.now_nanos();
        let hash = inner.hasher.hash_one(key);
        let index = self.shard_index(hash);
        let Some(shard_lock) = inner.shards.get(index) else {
            // Unreachable by construction (mask < shard count); fail closed regardless.
            return Decision::denied(Denial::KeyTableFull, None, 0, Mode::Enforce);
        };
        let mut shard = lock(shard_lock);
        let generation = inner.generation.load(Ordering::Acquire);
        if shard.generation != generation {
            shard.global = *read(&inner.global_quota);
            let config = read(&inner.config);
            shard.quotas.clone_from(&config.table);
            drop(config);
            shard.generation = generation;
        }

        // Fast path: a tracked key whose cached quota is current. One hash lookup; the
        // entry is updated in place.
        {
            let Shard {
                keys,
                stats,
                global,
                quotas,
                ..
            } = &mut *shard;
            // The table's hasher is a clone of `inner.hasher`, so the hash is computed once.
            if let Some(state) = keys.get_mut(hash, key)
                && let Some(Some(quota)) = quotas.get(state.slot as usize)
            {
                let key_test = gcra::test(state.tat, now, quota, cost);
                return match self.decide(*global, Some(key_test), now, cost) {
                    Combined::Admit {
                        key_tat, remaining, ..
                    } => {
                        if let Some(tat) = key_tat {
                            state.tat = tat;
                        }
                        state.last_used = stamp(now);
                        stats.allowed += 1;
                        Decision::allowed(remaining)
                    }
                    Combined::Deny {
                        denial,
                        retry_after,
                        remaining,
                    } => self.deny(stats, denial, retry_after, remaining, self.mode()),
                };
            }
        }

        let mode = self.mode();
        let plan = match self.plan_key(&mut shard, hash, key, now) {
            Some(plan) => plan,
            None => {
                // A new key that must be validated: do it without holding the lock.
                drop(shard);
                let accepted = inner.validator.as_ref().is_none_or(|accept| accept(key));
                shard = lock(shard_lock);
                if !accepted {
                    shard.stats.rejected_keys += 1;
                    // A key the host judged invalid is refused even in dry-run mode.
                    return self.deny(
                        &mut shard.stats,
                        Denial::KeyRejected,
                        None,
                        0,
                        Mode::Enforce,
                    );
                }
                match self.plan_key(&mut shard, hash, key, now) {
                    Some(plan) => plan,
                    None => self.plan_new_key(&mut shard, key, now),
                }
            }
        };

        let (key_test, key_state) = match &plan {
            KeyPlan::Unlimited => (None, None),
            KeyPlan::Tracked { state, quota } | KeyPlan::New { state, quota, .. } => {
                if let KeyPlan::New {
                    evict: Evict::Active(_),
                    ..
                } = plan
                    && inner.when_full == WhenFull::DenyNewKeys
                {
                    return self.deny(&mut shard.stats, Denial::KeyTableFull, None, 0, mode);
                }
                (Some(gcra::test(state.tat, now, quota, cost)), Some(*state))
            }
        };

        let global = shard.global;
        match self.decide(global, key_test, now, cost) {
            Combined::Admit {
                key_tat, remaining, ..
            } => {
                if let (Some(tat), Some(state)) = (key_tat, key_state) {
                    let state = KeyState {
                        tat,
                        last_used: stamp(now),
                        ..state
                    };
                    self.commit_key(&mut shard, hash, key, &plan, state, now);
                }
                shard.stats.allowed += 1;
                Decision::allowed(remaining)
            }
            Combined::Deny {
                denial,
                retry_after,
                remaining,
            } => self.deny(&mut shard.stats, denial, retry_after, remaining, mode),
        }
    }

    /// Tests the global quota together with the key's outcome and, when both admit, spends
    /// the global cells by compare-and-swap (retrying if another shard got there first).
    /// The caller holds the key's shard lock, so the key's state can't change meanwhile, and
    /// commits the key only on `Admit`: neither is spent unless both admit.
    #[inline]
    fn decide(
        &self,
        global: Option<Quota>,
        key_test: Option<Test>,
        now: u64,
        cost: u32,
    ) -> Combined {
        let global_tat = &self.inner.global_tat;
        loop {
            let tat = global_tat.load(Ordering::Acquire);
            let global_test = global.map(|quota| gcra::test(tat, now, &quota, cost));
            let combined = combine(key_test, global_test);
            if let Combined::Admit {
                global_tat: Some(new_tat),
                ..
            } = combined
                && global_tat
                    .compare_exchange_weak(tat, new_tat, Ordering::AcqRel, Ordering::Acquire)
                    .is_err()
            {
                continue;
            }
            return combined;
        }
    }

    fn deny(
        &self,
        stats: &mut ShardStats,
        denial: Denial,
        retry_after: Option<u64>,
        remaining: u32,
        mode: Mode,
    ) -> Decision {
        match mode {
            Mode::Enforce => stats.denied += 1,
            Mode::DryRun => stats.would_deny += 1,
        }
        #[cfg(feature = "tracing")]
        tracing::debug!(
            denial = denial.as_str(),
            retry_after_ns = retry_after,
            dry_run = mode == Mode::DryRun,
            "rate limit exceeded"
        );
        Decision::denied(denial, retry_after.map(duration), remaining, mode)
    }

    /// Finds the key's state. `None` means the key is new and limited, and must be validated.
    /// Quotas are read from the configuration itself (not the shard's copy), so a check that
    /// races with a quota change still sees a quota that exists.
    fn plan_key(&self, shard: &mut Shard<K>, hash: u64, key: &K, now: u64) -> Option<KeyPlan> {
        let config = read(&self.inner.config);
        if let Some(state) = shard.keys.get(hash, key) {
            return Some(match config.quota(state.slot) {
                Some(quota) => KeyPlan::Tracked {
                    state: *state,
                    quota,
                },
                None => {
                    // No longer limited per key: forget it.
                    shard.keys.remove(hash, key);
                    KeyPlan::Unlimited
                }
            });
        }
        if config.resolve(key).is_none() {
            return Some(KeyPlan::Unlimited);
        }
        drop(config);
        if self.inner.validator.is_some() {
            return None;
        }
        Some(self.plan_new_key(shard, key, now))
    }

    fn plan_new_key(&self, shard: &mut Shard<K>, key: &K, now: u64) -> KeyPlan {
        let (slot, quota) = {
            let config = read(&self.inner.config);
            let slot = config.slot_of(key);
            (slot, config.quota(slot))
        };
        let Some(quota) = quota else {
            return KeyPlan::Unlimited;
        };
        let evict = if shard.keys.len() < self.inner.shard_capacity {
            Evict::Nothing
        } else {
            match shard.choose_victim(now) {
                Some((index, true)) => Evict::Idle(index),
                Some((index, false)) => Evict::Active(index),
                None => Evict::Nothing,
            }
        };
        KeyPlan::New {
            state: KeyState {
                tat: 0,
                slot,
                last_used: stamp(now),
            },
            quota,
            evict,
        }
    }

    fn commit_key(
        &self,
        shard: &mut Shard<K>,
        hash: u64,
        key: &K,
        plan: &KeyPlan,
        state: KeyState,
        now: u64,
    ) {
        match plan {
            KeyPlan::Unlimited => {}
            KeyPlan::Tracked { .. } => {
                if let Some(slot) = shard.keys.get_mut(hash, key) {
                    slot.tat = state.tat;
                    slot.last_used = state.last_used;
                }
            }
            KeyPlan::New { evict, .. } => {
                match *evict {
                    Evict::Nothing => {}
                    Evict::Idle(index) => {
                        shard.keys.remove_bucket(index);
                        shard.stats.evicted_idle += 1;
                    }
                    Evict::Active(index) => {
                        shard.keys.remove_bucket(index);
                        shard.stats.evicted_active += 1;
                    }
                }
                // Incremental time-based pruning: forget a few random idle keys.
                for _ in 0..PRUNE_ON_INSERT {
                    let Some(index) = shard.random_bucket() else {
                        break;
                    };
                    if shard
                        .keys
                        .bucket(index)
                        .is_some_and(|s| gcra::is_idle(s.tat, now))
                    {
                        shard.keys.remove_bucket(index);
                        shard.stats.evicted_idle += 1;
                    }
                }
                // The table holds at most the shard's capacity, so its buckets never exceed
                // the next power of two above capacity × 8/7.
                shard.keys.insert_new(hash, key.clone(), state);
            }
        }
    }

    /// Forgets every key whose burst is full again (its state equals a fresh key's, so no
    /// decision changes) and returns memory when the table shrank a lot. Returns how many
    /// were forgotten. Cost: a pass over each shard, one shard locked at a time.
    pub fn prune(&self) -> usize {
        let now = self.inner.clock.now_nanos();
        let mut removed = 0;
        for shard_lock in &*self.inner.shards {
            let mut shard = lock(shard_lock);
            let before = shard.keys.len();
            shard.keys.retain(|state| !gcra::is_idle(state.tat, now));
            let idle = before - shard.keys.len();
            shard.stats.evicted_idle += idle as u64;
            removed += idle;
        }
        removed
    }

    /// Replaces the global quota (`None` removes it). Time already owed is kept.
    pub fn set_global_quota(&self, quota: Option<Quota>) {
        let mut global = write(&self.inner.global_quota);
        *global = quota;
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Replaces the per-key default quota (`None`: keys without an override are no longer
    /// limited per key). Applies to tracked keys at their next request.
    pub fn set_per_key_quota(&self, quota: Option<Quota>) {
        let mut config = write(&self.inner.config);
        if let Some(default) = config.table.first_mut() {
            *default = quota;
        }
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Sets (`Some`) or removes (`None`) one key's override; a tracked key uses it from its
    /// next request. Fails when more than 65 535 distinct override quotas would exist.
    pub fn set_key_quota(&self, key: K, quota: Option<Quota>) -> Result<(), Error> {
        {
            let mut config = write(&self.inner.config);
            match quota {
                Some(quota) => {
                    let slot = config.slot_for(quota)?;
                    config.overrides.insert(key.clone(), slot);
                }
                None => {
                    config.overrides.remove(&key);
                }
            }
        }
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
        // Point the tracked entry at its new slot. The configuration lock is taken after the
        // shard's (the order checks use), and the slot is read afresh, so concurrent setters
        // for one key leave the entry matching whichever configuration is current.
        let hash = self.inner.hasher.hash_one(&key);
        if let Some(shard_lock) = self.inner.shards.get(self.shard_index(hash)) {
            let mut shard = lock(shard_lock);
            if let Some(state) = shard.keys.get_mut(hash, &key) {
                state.slot = read(&self.inner.config).slot_of(&key);
            }
        }
        Ok(())
    }

    #[inline]
    fn shard_index(&self, hash: u64) -> usize {
        // The low bits feed the hash table inside the shard; take high bits here.
        usize::try_from(hash >> 48).unwrap_or(0) & self.inner.shard_mask
    }

    /// Switches between enforcing and only reporting.
    pub fn set_mode(&self, mode: Mode) {
        self.inner.mode.store(mode_to_u8(mode), Ordering::Release);
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        match self.inner.mode.load(Ordering::Acquire) {
            0 => Mode::Enforce,
            _ => Mode::DryRun,
        }
    }

    /// The global quota, if any.
    pub fn global_quota(&self) -> Option<Quota> {
        *read(&self.inner.global_quota)
    }

    /// The quota that applies to `key` (its override, else the per-key default).
    pub fn key_quota(&self, key: &K) -> Option<Quota> {
        read(&self.inner.config).resolve(key)
    }

    /// The cap on tracked keys actually enforced: `shards × per-shard capacity`, at most the
    /// configured `max_keys`.
    pub fn max_keys(&self) -> usize {
        self.inner.shard_capacity * self.inner.shards.len()
    }

    /// Keys currently tracked.
    pub fn tracked_keys(&self) -> usize {
        self.inner.shards.iter().map(|s| lock(s).keys.len()).sum()
    }

    /// Counters since the limiter was built.
    pub fn metrics(&self) -> RateLimiterMetrics {
        let mut metrics = RateLimiterMetrics::default();
        for shard_lock in &*self.inner.shards {
            let shard = lock(shard_lock);
            let s = shard.stats;
            metrics.allowed += s.allowed;
            metrics.denied += s.denied;
            metrics.would_deny += s.would_deny;
            metrics.evicted_idle += s.evicted_idle;
            metrics.evicted_active += s.evicted_active;
            metrics.rejected_keys += s.rejected_keys;
            metrics.tracked_keys += shard.keys.len();
        }
        metrics
    }
}

enum Combined {
    Admit {
        key_tat: Option<u64>,
        global_tat: Option<u64>,
        remaining: u32,
    },
    Deny {
        denial: Denial,
        retry_after: Option<u64>,
        remaining: u32,
    },
}

/// Combines the key's and the global outcome: admitted only if both admit.
fn combine(key: Option<Test>, global: Option<Test>) -> Combined {
    let remaining = |t: Option<Test>| match t {
        Some(
            Test::Admit { remaining, .. }
            | Test::Wait { remaining, .. }
            | Test::Never { remaining },
        ) => remaining,
        None => u32::MAX,
    };
    let left = remaining(key).min(remaining(global));
    // The binding denial: one that can never pass, else the longer wait.
    let never = |t: Option<Test>| matches!(t, Some(Test::Never { .. }));
    let wait = |t: Option<Test>| match t {
        Some(Test::Wait { wait_ns, .. }) => Some(wait_ns),
        _ => None,
    };
    if never(key) || never(global) {
        return Combined::Deny {
            denial: Denial::CostExceedsBurst,
            retry_after: None,
            remaining: left,
        };
    }
    match (wait(key), wait(global)) {
        (None, None) => Combined::Admit {
            key_tat: match key {
                Some(Test::Admit { new_tat, .. }) => Some(new_tat),
                _ => None,
            },
            global_tat: match global {
                Some(Test::Admit { new_tat, .. }) => Some(new_tat),
                _ => None,
            },
            remaining: left,
        },
        (Some(k), g) if g.is_none_or(|g| k >= g) => Combined::Deny {
            denial: Denial::Key,
            retry_after: Some(k),
            remaining: left,
        },
        (_, g) => Combined::Deny {
            denial: Denial::Global,
            retry_after: g,
            remaining: left,
        },
    }
}
