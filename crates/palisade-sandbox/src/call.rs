//! One call's state: its store data, resource limiter, fuel charging for host calls, and how a
//! wasmtime failure becomes an [`Error`] with the right kind.

use wasmtime::{AsContextMut, ResourceLimiter, Trap, WasmBacktrace};

use crate::error::{CallReport, Denial, Error, ErrorKind};
use crate::limits::Limits;
use crate::sandbox::chain;

/// How many denials one call records before counting only.
const MAX_DENIALS: usize = 64;

/// The data of a per-call `Store`.
pub(crate) struct CallState {
    pub(crate) limiter: CallLimiter,
    pub(crate) fuel_enabled: bool,
    pub(crate) host_call_fuel: u64,
    pub(crate) fuel_per_byte: u64,
    pub(crate) input_bytes: usize,
    denials: Vec<Denial>,
    denials_dropped: u64,
    #[cfg(feature = "wasi")]
    pub(crate) wasi: Option<crate::wasi::CallWasi>,
}

impl CallState {
    pub(crate) fn new(limits: &Limits) -> Self {
        Self {
            limiter: CallLimiter::new(limits),
            fuel_enabled: limits.fuel_per_call.is_some(),
            host_call_fuel: limits.host_call_fuel,
            fuel_per_byte: limits.fuel_per_byte,
            input_bytes: limits.input_bytes,
            denials: Vec::new(),
            denials_dropped: 0,
            #[cfg(feature = "wasi")]
            wasi: None,
        }
    }

    pub(crate) fn record_denial(&mut self, capability: &str, reason: &str) {
        crate::debug!(capability, reason, "host capability denied");
        if self.denials.len() < MAX_DENIALS {
            self.denials.push(Denial {
                capability: capability.to_owned(),
                reason: reason.to_owned(),
            });
        } else {
            self.denials_dropped = self.denials_dropped.saturating_add(1);
        }
    }

    pub(crate) fn report(&self) -> CallReport {
        CallReport {
            fuel_consumed: None,
            elapsed: std::time::Duration::ZERO,
            peak_memory_bytes: self.limiter.peak_memory_bytes,
            denials: self.denials.clone(),
            denials_dropped: self.denials_dropped,
        }
    }

    #[cfg(feature = "wasi")]
    fn output_overflow(&self) -> Option<Error> {
        self.wasi.as_ref().and_then(crate::wasi::CallWasi::overflow)
    }

    #[cfg(not(feature = "wasi"))]
    fn output_overflow(&self) -> Option<Error> {
        None
    }
}

/// Enforces the memory and table limits of one call and records the peak memory.
pub(crate) struct CallLimiter {
    memory_bytes: u64,
    table_elements: u64,
    instances: usize,
    memories: usize,
    tables: usize,
    pub(crate) peak_memory_bytes: u64,
    memory_refused: Option<u64>,
    table_refused: Option<u64>,
}

impl CallLimiter {
    fn new(limits: &Limits) -> Self {
        Self {
            memory_bytes: limits.memory_bytes,
            table_elements: u64::from(limits.table_elements),
            instances: usize::try_from(limits.instances).unwrap_or(usize::MAX),
            memories: usize::try_from(limits.memories).unwrap_or(usize::MAX),
            tables: usize::try_from(limits.tables).unwrap_or(usize::MAX),
            peak_memory_bytes: 0,
            memory_refused: None,
            table_refused: None,
        }
    }
}

impl ResourceLimiter for CallLimiter {
    // Growth past the limit fails the call (wasmtime turns the error into a trap) instead of
    // returning -1, so the embedder sees `memory_limit` rather than whatever the guest does next.
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let desired = u64::try_from(desired).unwrap_or(u64::MAX);
        if desired > self.memory_bytes {
            self.memory_refused = Some(desired);
            return Err(wasmtime::Error::msg(format!(
                "linear memory of {desired} bytes is over the limit of {} bytes",
                self.memory_bytes
            )));
        }
        self.peak_memory_bytes = self.peak_memory_bytes.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let desired = u64::try_from(desired).unwrap_or(u64::MAX);
        if desired > self.table_elements {
            self.table_refused = Some(desired);
            return Err(wasmtime::Error::msg(format!(
                "table of {desired} elements is over the limit of {}",
                self.table_elements
            )));
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        self.instances
    }

    fn tables(&self) -> usize {
        self.tables
    }

    fn memories(&self) -> usize {
        self.memories
    }
}

/// Charges `amount` fuel to the guest behind `ctx` (host calls and copies cost the guest almost
/// nothing otherwise). Running out traps with `OutOfFuel`.
pub(crate) fn charge(
    mut ctx: impl AsContextMut<Data = CallState>,
    amount: u64,
) -> wasmtime::Result<()> {
    let mut ctx = ctx.as_context_mut();
    if !ctx.data().fuel_enabled || amount == 0 {
        return Ok(());
    }
    let left = ctx.get_fuel()?;
    match left.checked_sub(amount) {
        Some(rest) => ctx.set_fuel(rest),
        None => {
            ctx.set_fuel(0)?;
            Err(wasmtime::Error::new(Trap::OutOfFuel))
        }
    }
}

/// Why a call did not finish.
pub(crate) enum Failure {
    /// Instantiation failed (start-function traps included).
    Instantiate(wasmtime::Error),
    /// The guest or a host function failed while running.
    Wasm(wasmtime::Error),
    /// The sandbox refused something itself (a missing export, a broken ABI contract).
    Sandbox(Error),
}

/// A host function failed; carried through the guest as the trap's cause.
#[derive(Debug)]
pub(crate) struct HostFailure(pub(crate) String);

impl std::fmt::Display for HostFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HostFailure {}

/// Maps a failure to the error kind the embedder sees. The resource flags come first: a
/// refused `memory.grow` surfaces as a trap but is a `memory_limit`.
pub(crate) fn classify(failure: Failure, state: &CallState, limits: &Limits) -> Error {
    let (err, instantiating) = match failure {
        Failure::Sandbox(err) => return err,
        Failure::Instantiate(err) => (err, true),
        Failure::Wasm(err) => (err, false),
    };
    if let Some(bytes) = state.limiter.memory_refused {
        return Error::new(
            ErrorKind::MemoryLimit,
            format!(
                "the guest asked for {bytes} bytes of linear memory, over the limit of {} bytes",
                limits.memory_bytes
            ),
        );
    }
    if let Some(elements) = state.limiter.table_refused {
        return Error::new(
            ErrorKind::TableLimit,
            format!(
                "the guest asked for a table of {elements} elements, over the limit of {}",
                limits.table_elements
            ),
        );
    }
    if let Some(err) = state.output_overflow() {
        return err;
    }
    let backtrace = err
        .downcast_ref::<WasmBacktrace>()
        .map(ToString::to_string)
        .filter(|text| !text.trim().is_empty());
    if let Some(trap) = err.downcast_ref::<Trap>() {
        let (kind, message) = match trap {
            Trap::OutOfFuel => (
                ErrorKind::OutOfFuel,
                format!(
                    "the call used all of its {} fuel",
                    limits.fuel_per_call.unwrap_or(0)
                ),
            ),
            Trap::Interrupt => (
                ErrorKind::Timeout,
                format!(
                    "the call ran past its deadline of {} ms",
                    limits.timeout.as_millis()
                ),
            ),
            Trap::StackOverflow => (
                ErrorKind::StackOverflow,
                format!(
                    "the guest exhausted its wasm stack of {} bytes",
                    limits.wasm_stack_bytes
                ),
            ),
            other => (ErrorKind::Trap, format!("the guest trapped: {other}")),
        };
        return Error::new(kind, message).with_trap(Some(trap.to_string()), backtrace);
    }
    if let Some(host) = err.downcast_ref::<HostFailure>() {
        return Error::new(ErrorKind::Trap, host.0.clone()).with_trap(None, backtrace);
    }
    if instantiating {
        // Not a trap and not a limit of ours: the host could not provide the instance (e.g. the
        // pooling allocator is full).
        return Error::new(
            ErrorKind::Io,
            format!("cannot instantiate the module: {}", chain(&err)),
        );
    }
    Error::new(ErrorKind::Trap, format!("the call failed: {}", chain(&err)))
        .with_trap(None, backtrace)
}
