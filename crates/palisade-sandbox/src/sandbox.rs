//! [`Sandbox`]: the shared engine, its configuration, the epoch ticker and the module cache.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::num::NonZeroUsize;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use sha2::{Digest as _, Sha256};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, InstancePre, Linker, Module, OptLevel,
    PoolingAllocationConfig, Strategy,
};

use crate::call::CallState;
use crate::error::{Error, ErrorKind};
use crate::host::HostFunction;
use crate::limits::Limits;
use crate::plugin::Plugin;
use crate::precheck::precheck;
use crate::value::{HostError, Value, ValueType};

/// How many compiled modules a sandbox keeps by default (see [`SandboxBuilder::cache_entries`]).
const DEFAULT_CACHE_ENTRIES: usize = 64;

/// Builds a [`Sandbox`]: limits, host functions and capabilities. Nothing is granted unless
/// added here.
pub struct SandboxBuilder {
    limits: Limits,
    pooling: Option<u32>,
    host_functions: Vec<HostFunction>,
    #[cfg(feature = "wasi")]
    wasi: Option<crate::wasi::WasiGrants>,
    #[cfg(feature = "http")]
    http: Option<crate::http::HttpPolicy>,
    cache_entries: usize,
}

impl fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("SandboxBuilder");
        s.field("limits", &self.limits)
            .field("pooling", &self.pooling)
            .field("host_functions", &self.host_functions)
            .field("cache_entries", &self.cache_entries);
        #[cfg(feature = "wasi")]
        s.field("wasi", &self.wasi);
        #[cfg(feature = "http")]
        s.field("http", &self.http);
        s.finish()
    }
}

impl SandboxBuilder {
    fn new() -> Self {
        Self {
            limits: Limits::default(),
            pooling: None,
            host_functions: Vec::new(),
            #[cfg(feature = "wasi")]
            wasi: None,
            #[cfg(feature = "http")]
            http: None,
            cache_entries: DEFAULT_CACHE_ENTRIES,
        }
    }

    /// Replaces every limit at once.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Fuel per call; `None` turns fuel metering off (the deadline still stops runaway guests).
    pub fn fuel_per_call(mut self, fuel: Option<u64>) -> Self {
        self.limits.fuel_per_call = fuel;
        self
    }

    /// Wall-clock deadline per call (instantiation included).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.limits.timeout = timeout;
        self
    }

    /// Maximum size of each linear memory, in bytes.
    pub fn memory_bytes(mut self, bytes: u64) -> Self {
        self.limits.memory_bytes = bytes;
        self
    }

    /// Maximum output size, in bytes.
    pub fn output_bytes(mut self, bytes: usize) -> Self {
        self.limits.output_bytes = bytes;
        self
    }

    /// Uses wasmtime's pooling allocator with room for `max_concurrent_calls` calls at once
    /// (instantiation is faster; a call beyond the pool fails with [`ErrorKind::Io`]).
    pub fn pooling(mut self, max_concurrent_calls: u32) -> Self {
        self.pooling = Some(max_concurrent_calls);
        self
    }

    /// How many compiled modules to keep, keyed by the SHA-256 of their bytes (0 disables the
    /// cache).
    pub fn cache_entries(mut self, entries: usize) -> Self {
        self.cache_entries = entries;
        self
    }

    /// Grants the import `module::name` as a host function over scalars. The function is
    /// charged `Limits::host_call_fuel`; an error traps the guest (a denial is also recorded in
    /// the call's report). A panic inside `function` is caught and traps the guest.
    pub fn host_function<F>(
        mut self,
        module: &str,
        name: &str,
        params: &[ValueType],
        results: &[ValueType],
        function: F,
    ) -> Self
    where
        F: Fn(&[Value]) -> Result<Vec<Value>, HostError> + Send + Sync + 'static,
    {
        self.host_functions.push(HostFunction::scalar(
            module,
            name,
            params,
            results,
            Arc::new(function),
        ));
        self
    }

    /// Grants the import `module::name` as a bytes-in/bytes-out host function (signature and
    /// status codes in [`abi`](crate::abi)). A denial returns
    /// [`HOST_DENIED`](crate::abi::HOST_DENIED) to the guest and is recorded in the call's
    /// report.
    pub fn host_bytes_function<F>(mut self, module: &str, name: &str, function: F) -> Self
    where
        F: Fn(&[u8]) -> Result<Vec<u8>, HostError> + Send + Sync + 'static,
    {
        self.host_functions
            .push(HostFunction::bytes(module, name, Arc::new(function)));
        self
    }

    /// Grants WASI preview 1 (`wasi_snapshot_preview1` imports) with exactly `grants`: no
    /// arguments, environment or directories beyond those listed, no sockets ever.
    #[cfg(feature = "wasi")]
    pub fn wasi(mut self, grants: crate::wasi::WasiGrants) -> Self {
        self.wasi = Some(grants);
        self
    }

    /// Grants controlled HTTP as the import `palisade::http_request` (see [`http`](crate::http)),
    /// enforcing `policy`. Its timeout is capped at the call timeout, because host calls are
    /// not interrupted by the deadline.
    #[cfg(feature = "http")]
    pub fn http(mut self, policy: crate::http::HttpPolicy) -> Self {
        self.http = Some(policy);
        self
    }

    /// Creates the engine, registers the granted imports and starts the epoch ticker.
    pub fn build(
        #[allow(unused_mut, reason = "mutated with the `http` feature")] mut self,
    ) -> Result<Sandbox, Error> {
        #[cfg(feature = "http")]
        if let Some(policy) = self.http.take() {
            let timeout = policy.request_timeout().min(self.limits.timeout);
            self.host_functions
                .push(crate::http::host_function(policy.timeout(timeout)));
        }
        let engine = Engine::new(&engine_config(&self.limits, self.pooling))
            .map_err(|e| Error::new(ErrorKind::Io, format!("cannot create the engine: {e}")))?;
        let mut linker: Linker<CallState> = Linker::new(&engine);
        let mut granted = BTreeSet::new();
        for function in &self.host_functions {
            function.define(&mut linker, &engine, &self.limits)?;
            granted.insert((function.module.clone(), function.name.clone()));
        }
        #[cfg(feature = "wasi")]
        if self.wasi.is_some() {
            crate::wasi::add_to_linker(&mut linker)?;
        }
        let ticker = EpochTicker::start(engine.clone(), self.limits.epoch_tick)?;
        Ok(Sandbox {
            inner: Arc::new(SandboxInner {
                engine,
                linker,
                limits: self.limits,
                granted,
                #[cfg(feature = "wasi")]
                wasi: self.wasi,
                cache: Mutex::new(ModuleCache {
                    entries: HashMap::new(),
                    capacity: self.cache_entries,
                }),
                _ticker: ticker,
            }),
        })
    }
}

/// The engine configuration: Cranelift only, every proposal the ABI does not need off, fuel
/// and epoch interruption as configured.
fn engine_config(limits: &Limits, pooling: Option<u32>) -> Config {
    let mut config = Config::new();
    config
        .strategy(Strategy::Cranelift)
        .cranelift_opt_level(OptLevel::Speed)
        .consume_fuel(limits.fuel_per_call.is_some())
        .epoch_interruption(true)
        .max_wasm_stack(limits.wasm_stack_bytes)
        .wasm_backtrace_max_frames(NonZeroUsize::new(32))
        // Proposals a sandboxed plugin does not need. memory64 and multi-memory are on by
        // default in 48.x (the doc comment says otherwise); both would let a guest slip past
        // per-memory assumptions.
        .wasm_memory64(false)
        .wasm_multi_memory(false)
        // Threads are compiled out (wasmtime's `threads` feature is off).
        .wasm_shared_everything_threads(false)
        .wasm_relaxed_simd(false)
        .wasm_wide_arithmetic(false)
        .wasm_custom_page_sizes(false)
        .wasm_stack_switching(false)
        .wasm_gc(false);
    // Exceptions, function references and GC are compiled out (wasmtime's `gc` feature is off);
    // components are rejected by the pre-compilation pass.
    if let Some(slots) = pooling {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_core_instances(slots)
            .total_memories(slots)
            .total_tables(slots)
            .max_memories_per_module(1)
            .max_tables_per_module(1)
            .max_memory_size(usize::try_from(limits.memory_bytes).unwrap_or(usize::MAX))
            .table_elements(usize::try_from(limits.table_elements).unwrap_or(usize::MAX))
            .total_component_instances(0);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

/// Runs untrusted WebAssembly under [`Limits`] with only the imports granted to it.
///
/// Cheap to clone and `Send + Sync`: share one per set of limits and capabilities. The epoch
/// ticker thread stops when the sandbox and every [`Plugin`] loaded from it are dropped.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<SandboxInner>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("limits", &self.inner.limits)
            .field("granted", &self.inner.granted)
            .finish_non_exhaustive()
    }
}

pub(crate) struct SandboxInner {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<CallState>,
    pub(crate) limits: Limits,
    granted: BTreeSet<(String, String)>,
    #[cfg(feature = "wasi")]
    pub(crate) wasi: Option<crate::wasi::WasiGrants>,
    cache: Mutex<ModuleCache>,
    _ticker: EpochTicker,
}

struct ModuleCache {
    entries: HashMap<[u8; 32], InstancePre<CallState>>,
    capacity: usize,
}

impl Sandbox {
    /// A builder with the default [`Limits`] and nothing granted.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::new()
    }

    /// The limits this sandbox enforces.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// Validates, checks and compiles a binary module (or returns the cached compilation of
    /// the same bytes).
    ///
    /// Before compilation the module must pass the size limits (`module_too_large`,
    /// `memory_limit`, `table_limit`) and import only what was granted (`forbidden_import`).
    /// Precompiled (`.cwasm`) artifacts are never accepted.
    pub fn load(&self, bytes: &[u8]) -> Result<Plugin, Error> {
        let digest: [u8; 32] = Sha256::digest(bytes).into();
        if let Some(pre) = self.cached(&digest) {
            crate::debug!(digest = %hex(&digest), "module cache hit");
            return Ok(Plugin::new(Arc::clone(&self.inner), pre, digest));
        }
        let inner = &self.inner;
        #[cfg(feature = "wasi")]
        let wasi_granted = inner.wasi.is_some();
        #[cfg(not(feature = "wasi"))]
        let wasi_granted = false;
        let granted = |module: &str, name: &str| {
            (wasi_granted && module == "wasi_snapshot_preview1")
                || inner
                    .granted
                    .contains(&(module.to_owned(), name.to_owned()))
        };
        precheck(bytes, &inner.limits, &granted)?;
        let module = Module::from_binary(&inner.engine, bytes).map_err(|e| {
            Error::new(
                ErrorKind::InvalidModule,
                format!("not a valid WebAssembly module: {}", chain(&e)),
            )
        })?;
        let pre = inner.linker.instantiate_pre(&module).map_err(|e| {
            Error::new(
                ErrorKind::ForbiddenImport,
                format!(
                    "the module's imports do not match what was granted: {}",
                    chain(&e)
                ),
            )
        })?;
        crate::debug!(digest = %hex(&digest), "module compiled");
        self.remember(digest, pre.clone());
        Ok(Plugin::new(Arc::clone(&self.inner), pre, digest))
    }

    /// Converts WebAssembly text to binary and [`load`](Self::load)s it. The text is held to
    /// `Limits::module_bytes` before it is parsed.
    #[cfg(feature = "wat")]
    pub fn load_wat(&self, text: &str) -> Result<Plugin, Error> {
        if text.len() > self.inner.limits.module_bytes {
            return Err(Error::new(
                ErrorKind::ModuleTooLarge,
                format!(
                    "module text is {} bytes, over the limit of {} bytes",
                    text.len(),
                    self.inner.limits.module_bytes
                ),
            ));
        }
        let bytes = wat::parse_str(text).map_err(|e| {
            Error::new(
                ErrorKind::InvalidModule,
                format!("not valid WebAssembly text: {e}"),
            )
        })?;
        self.load(&bytes)
    }

    fn cached(&self, digest: &[u8; 32]) -> Option<InstancePre<CallState>> {
        let cache = self
            .inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        cache.entries.get(digest).cloned()
    }

    fn remember(&self, digest: [u8; 32], pre: InstancePre<CallState>) {
        let mut cache = self
            .inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if cache.capacity == 0 {
            return;
        }
        if cache.entries.len() >= cache.capacity {
            // Any victim will do: the cache bounds memory, it is not a policy.
            if let Some(victim) = cache.entries.keys().next().copied() {
                cache.entries.remove(&victim);
            }
        }
        cache.entries.insert(digest, pre);
    }
}

/// Renders an error and its causes on one line.
pub(crate) fn chain(err: &wasmtime::Error) -> String {
    err.chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Advances the engine's epoch every tick on its own thread, so deadlines work without fuel.
/// Dropping it stops and joins the thread.
struct EpochTicker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: Engine, tick: Duration) -> Result<Self, Error> {
        let (stop, stopped) = mpsc::channel::<()>();
        let tick = tick.max(Duration::from_millis(1));
        let thread = std::thread::Builder::new()
            .name("palisade-epoch".to_owned())
            .spawn(move || {
                // A message or a dropped sender both mean stop.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(tick) {
                    engine.increment_epoch();
                }
            })
            .map_err(|e| {
                Error::new(
                    ErrorKind::Io,
                    format!("cannot start the epoch ticker thread: {e}"),
                )
            })?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_and_plugin_are_send_sync() {
        fn assert_bounds<T: Send + Sync + 'static>() {}
        assert_bounds::<Sandbox>();
        assert_bounds::<Plugin>();
    }

    #[test]
    fn hex_renders_lowercase_pairs() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }
}
