//! [`KeyedCircuitBreakers`]: one breaker per module or backend, with bounded cardinality.

use std::fmt;
use std::hash::{Hash, RandomState};
use std::sync::{Arc, Mutex};

use lru::LruCache;

use super::{CircuitBreaker, CircuitBreakerBuilder, Listener, State, StateTransition, lock};
use crate::clock::{Clock, CoarseMonotonicClock};
use crate::error::{Error, ErrorKind};

/// How many entries from the least recently used end are considered for eviction.
const EVICTION_SCAN: usize = 16;

type KeyedListener<K> = Arc<dyn Fn(&K, &StateTransition) + Send + Sync>;

/// A bounded set of breakers, one per key, all built from one template.
///
/// When the set is full, a new key evicts the least recently used breaker that is closed
/// (its window is forgotten). Breakers that are open, half-open, forced open or disabled are
/// never evicted — forgetting them would let calls through to a failing backend — so if the
/// 16 least recently used entries are all in such states, the new key is refused
/// with [`ErrorKind::TooManyKeys`] and the caller should not make the call.
pub struct KeyedCircuitBreakers<K, C = CoarseMonotonicClock> {
    template: CircuitBreakerBuilder<C>,
    breakers: Mutex<LruCache<K, CircuitBreaker<C>, RandomState>>,
    max_keys: usize,
    listeners: Vec<KeyedListener<K>>,
}

impl<K: Hash + Eq, C: Clock> fmt::Debug for KeyedCircuitBreakers<K, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyedCircuitBreakers")
            .field("config", &self.template.config)
            .field("max_keys", &self.max_keys)
            .field("keys", &lock(&self.breakers).len())
            .finish_non_exhaustive()
    }
}

impl<K, C> KeyedCircuitBreakers<K, C>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    C: Clock + Clone,
{
    /// Breakers built from `template` (its configuration, error classifier and listeners),
    /// at most `max_keys` of them. The template is validated now.
    pub fn new(template: CircuitBreakerBuilder<C>, max_keys: usize) -> Result<Self, Error> {
        template.config.validate()?;
        if max_keys == 0 {
            return Err(Error::new(
                ErrorKind::InvalidConfig,
                "`max_keys` must be at least 1",
            ));
        }
        Ok(Self {
            template,
            breakers: Mutex::new(LruCache::unbounded_with_hasher(RandomState::new())),
            max_keys,
            listeners: Vec::new(),
        })
    }

    /// Calls `listener` with the key after every state change of any breaker in the set
    /// (breakers created from now on).
    #[must_use]
    pub fn on_state_change(
        mut self,
        listener: impl Fn(&K, &StateTransition) + Send + Sync + 'static,
    ) -> Self {
        self.listeners.push(Arc::new(listener));
        self
    }

    /// The breaker for `key`, created if needed. Fails with [`ErrorKind::TooManyKeys`] when
    /// the set is full of breakers that must not be forgotten.
    pub fn get(&self, key: &K) -> Result<CircuitBreaker<C>, Error> {
        let mut breakers = lock(&self.breakers);
        if let Some(breaker) = breakers.get(key) {
            return Ok(breaker.clone());
        }
        if breakers.len() >= self.max_keys {
            let victim = breakers
                .iter()
                .rev()
                .take(EVICTION_SCAN)
                .find(|(_, b)| b.state() == State::Closed)
                .map(|(k, _)| k.clone());
            match victim {
                Some(victim) => {
                    breakers.pop(&victim);
                }
                None => {
                    return Err(Error::new(
                        ErrorKind::TooManyKeys,
                        format_args!(
                            "too many circuit breakers: all {} least recently used are not \
                             closed; raise `max_keys` ({})",
                            EVICTION_SCAN.min(breakers.len()),
                            self.max_keys
                        ),
                    ));
                }
            }
        }
        let (config, classifier, listeners) = self.template.parts();
        let mut all: Vec<Listener> = listeners.to_vec();
        for keyed in &self.listeners {
            let keyed = Arc::clone(keyed);
            let key = key.clone();
            all.push(Arc::new(move |t: &StateTransition| keyed(&key, t)));
        }
        let breaker = CircuitBreakerBuilder {
            config: config.clone(),
            classifier: classifier.clone(),
            listeners: all,
            clock: self.template.clock.clone(),
        }
        .build()?;
        breakers.put(key.clone(), breaker.clone());
        Ok(breaker)
    }

    /// The breaker for `key` if it exists, without creating one.
    pub fn peek(&self, key: &K) -> Option<CircuitBreaker<C>> {
        lock(&self.breakers).peek(key).cloned()
    }

    /// How many breakers exist.
    pub fn len(&self) -> usize {
        lock(&self.breakers).len()
    }

    /// True when no breaker exists yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
