//! The limits every call runs under. Plain data with safe defaults; no wasmtime types.

use std::time::Duration;

/// Every limit a [`Sandbox`](crate::Sandbox) enforces, with safe explicit defaults.
///
/// | limit | default | enforced |
/// |---|---|---|
/// | `fuel_per_call` | `Some(100_000_000)` | fuel metering; `None` turns metering off (the deadline still applies) |
/// | `timeout` | 1 s | epoch interruption, always on, ticked every `epoch_tick` |
/// | `epoch_tick` | 10 ms | granularity of the deadline |
/// | `memory_bytes` | 64 MiB | per memory, at instantiation and on every `memory.grow` |
/// | `table_elements` | 10,000 | per table, at instantiation and on every `table.grow` |
/// | `instances`, `memories`, `tables` | 1 each | per call (per store) |
/// | `wasm_stack_bytes` | 512 KiB | wasmtime's `max_wasm_stack` |
/// | `module_bytes` | 1 MiB | before parsing (binary, and text before conversion) |
/// | `functions` | 2,000 | before compilation (imported + defined) |
/// | `function_body_bytes` | 64 KiB | before compilation, per function body |
/// | `locals_per_function` | 2,000 | before compilation |
/// | `nesting_depth` | 256 | before compilation, block/loop/if nesting per function |
/// | `input_bytes` | 1 MiB | bytes ABI input, WASI stdin, host-call requests |
/// | `output_bytes` | 1 MiB | bytes ABI output, captured WASI stdout and stderr (each) |
/// | `host_call_fuel` | 1,000 | fuel charged per host-function call |
/// | `fuel_per_byte` | 1 | fuel charged per byte copied across the boundary |
///
/// The pre-compilation defaults bound the worst-case compile time of an accepted module (see
/// the crate docs and `BENCHMARKS.md` for the measured figure).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Fuel given to each call; `None` disables fuel metering for the whole sandbox.
    pub fuel_per_call: Option<u64>,
    /// Wall-clock deadline of each call, including instantiation (start functions).
    pub timeout: Duration,
    /// How often the epoch ticker advances; the deadline fires within one tick after `timeout`.
    pub epoch_tick: Duration,
    /// Maximum size of each linear memory, in bytes.
    pub memory_bytes: u64,
    /// Maximum number of elements of each table.
    pub table_elements: u32,
    /// Maximum number of instances per call.
    pub instances: u32,
    /// Maximum number of linear memories per call.
    pub memories: u32,
    /// Maximum number of tables per call.
    pub tables: u32,
    /// Maximum wasm stack, in bytes.
    pub wasm_stack_bytes: usize,
    /// Maximum module size, in bytes.
    pub module_bytes: usize,
    /// Maximum number of functions (imported and defined).
    pub functions: u32,
    /// Maximum size of one function body, in bytes.
    pub function_body_bytes: u32,
    /// Maximum number of locals of one function.
    pub locals_per_function: u32,
    /// Maximum nesting of `block`, `loop` and `if` in one function.
    pub nesting_depth: u32,
    /// Maximum input size, in bytes.
    pub input_bytes: usize,
    /// Maximum output size, in bytes.
    pub output_bytes: usize,
    /// Fuel charged for each host-function call.
    pub host_call_fuel: u64,
    /// Fuel charged for each byte copied between guest and host.
    pub fuel_per_byte: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            fuel_per_call: Some(100_000_000),
            timeout: Duration::from_secs(1),
            epoch_tick: Duration::from_millis(10),
            memory_bytes: 64 << 20,
            table_elements: 10_000,
            instances: 1,
            memories: 1,
            tables: 1,
            wasm_stack_bytes: 512 << 10,
            module_bytes: 1 << 20,
            functions: 2_000,
            function_body_bytes: 64 << 10,
            locals_per_function: 2_000,
            nesting_depth: 256,
            input_bytes: 1 << 20,
            output_bytes: 1 << 20,
            host_call_fuel: 1_000,
            fuel_per_byte: 1,
        }
    }
}

impl Limits {
    /// Number of epoch ticks that cover `timeout`, plus one so the deadline never fires early
    /// (the first tick may come at any moment after the call starts).
    pub(crate) fn deadline_ticks(&self) -> u64 {
        let tick = self.epoch_tick.as_nanos().max(1);
        let ticks = self.timeout.as_nanos().div_ceil(tick);
        u64::try_from(ticks).unwrap_or(u64::MAX).saturating_add(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_covers_the_timeout() {
        let mut limits = Limits::default();
        assert_eq!(limits.deadline_ticks(), 101);
        limits.timeout = Duration::from_millis(15);
        assert_eq!(limits.deadline_ticks(), 3);
        limits.timeout = Duration::ZERO;
        assert_eq!(limits.deadline_ticks(), 1);
        limits.epoch_tick = Duration::ZERO;
        limits.timeout = Duration::MAX;
        assert_eq!(limits.deadline_ticks(), u64::MAX);
    }
}
