//! [`Plugin`]: a validated, compiled module ready to instantiate, and the ways to call it.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use wasmtime::{Instance, InstancePre, Store, Val};

use crate::abi::{ALLOC_EXPORT, MEMORY_EXPORT, unpack};
use crate::call::{CallState, Failure, charge, classify};
use crate::error::{CallReport, Error, ErrorKind};
use crate::host::{guest_range, val_of, value_of, value_type_of};
use crate::sandbox::{SandboxInner, hex};
use crate::value::{Value, ValueType};

/// The result of a successful call and what it cost.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Outcome<T> {
    /// What the call returned.
    pub value: T,
    /// Fuel, wall time, peak memory and denials of the call.
    pub report: CallReport,
}

/// A validated, compiled module, pre-linked against its sandbox's granted imports.
///
/// Cheap to clone (reference-counted) and `Send + Sync`. Every call gets a fresh store and
/// instance: no state survives from one call to the next.
#[derive(Clone)]
pub struct Plugin {
    sandbox: Arc<SandboxInner>,
    pre: InstancePre<CallState>,
    digest: [u8; 32],
}

impl fmt::Debug for Plugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plugin")
            .field("sha256", &hex(&self.digest))
            .finish_non_exhaustive()
    }
}

impl Plugin {
    pub(crate) fn new(
        sandbox: Arc<SandboxInner>,
        pre: InstancePre<CallState>,
        digest: [u8; 32],
    ) -> Self {
        Self {
            sandbox,
            pre,
            digest,
        }
    }

    /// The SHA-256 of the module's binary bytes (the cache key).
    pub fn sha256(&self) -> [u8; 32] {
        self.digest
    }

    /// Instantiates the module and calls `export` with scalar `args`.
    ///
    /// Fails with `missing_export` when the export is absent, is not a function, or its
    /// signature does not match `args` or uses non-scalar types.
    pub fn call(&self, export: &str, args: &[Value]) -> Result<Outcome<Vec<Value>>, Error> {
        self.run(
            |_| {},
            |store, instance| {
                let func = instance
                    .get_func(&mut *store, export)
                    .ok_or_else(|| Failure::Sandbox(missing_export(export)))?;
                let ty = func.ty(&*store);
                let params: Option<Vec<ValueType>> =
                    ty.params().map(|t| value_type_of(&t)).collect();
                let results: Option<Vec<ValueType>> =
                    ty.results().map(|t| value_type_of(&t)).collect();
                let (Some(params), Some(results)) = (params, results) else {
                    return Err(Failure::Sandbox(Error::new(
                        ErrorKind::MissingExport,
                        format!("export `{export}` uses non-scalar parameter or result types"),
                    )));
                };
                let given: Vec<ValueType> = args.iter().map(Value::ty).collect();
                if params != given {
                    return Err(Failure::Sandbox(Error::new(
                        ErrorKind::MissingExport,
                        format!(
                            "export `{export}` takes {} but was called with {}",
                            list(&params),
                            list(&given)
                        ),
                    )));
                }
                let args: Vec<Val> = args.iter().copied().map(val_of).collect();
                let mut out = vec![Val::I32(0); results.len()];
                func.call(&mut *store, &args, &mut out)
                    .map_err(Failure::Wasm)?;
                out.iter()
                    .map(value_of)
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        Failure::Sandbox(Error::new(
                            ErrorKind::MissingExport,
                            format!("export `{export}` returned a non-scalar value"),
                        ))
                    })
            },
        )
    }

    /// Calls `export` through the bytes ABI (see [`abi`](crate::abi)): `input` in, the bytes
    /// the guest points at out.
    ///
    /// Fails with `io` when `input` is over `Limits::input_bytes`, `output_too_large` when the
    /// guest's output is over `Limits::output_bytes`, and `trap` when the guest's allocator or
    /// entry point returns a range outside its memory.
    pub fn call_bytes(&self, export: &str, input: &[u8]) -> Result<Outcome<Vec<u8>>, Error> {
        let limits = &self.sandbox.limits;
        if input.len() > limits.input_bytes {
            return Err(input_too_large(input.len(), limits.input_bytes));
        }
        let input_len = i32::try_from(input.len())
            .map_err(|_| input_too_large(input.len(), limits.input_bytes))?;
        let output_limit = limits.output_bytes;
        let per_byte = limits.fuel_per_byte;
        self.run(
            |_| {},
            |store, instance| {
                let memory = instance
                    .get_memory(&mut *store, MEMORY_EXPORT)
                    .ok_or_else(|| Failure::Sandbox(missing_export(MEMORY_EXPORT)))?;
                let alloc = instance
                    .get_typed_func::<i32, i32>(&mut *store, ALLOC_EXPORT)
                    .map_err(|_| Failure::Sandbox(missing_typed(ALLOC_EXPORT, "(i32) -> i32")))?;
                let entry = instance
                    .get_typed_func::<(i32, i32), i64>(&mut *store, export)
                    .map_err(|_| Failure::Sandbox(missing_typed(export, "(i32, i32) -> i64")))?;
                charge(&mut *store, per_byte.saturating_mul(input.len() as u64))
                    .map_err(Failure::Wasm)?;
                let ptr = alloc.call(&mut *store, input_len).map_err(Failure::Wasm)?;
                let start = usize::try_from(ptr as u32).unwrap_or(usize::MAX);
                let target = start
                    .checked_add(input.len())
                    .and_then(|end| memory.data_mut(&mut *store).get_mut(start..end))
                    .ok_or_else(|| {
                        Failure::Sandbox(abi_violation(format!(
                            "`{ALLOC_EXPORT}` returned offset {} for {} bytes, outside the \
                             guest's memory",
                            ptr as u32,
                            input.len()
                        )))
                    })?;
                target.copy_from_slice(input);
                let packed = entry
                    .call(&mut *store, (ptr, input_len))
                    .map_err(Failure::Wasm)?;
                let (out_ptr, out_len) = unpack(packed);
                let out_len = usize::try_from(out_len).unwrap_or(usize::MAX);
                if out_len > output_limit {
                    return Err(Failure::Sandbox(output_too_large(out_len, output_limit)));
                }
                let output = guest_range(memory.data(&*store), out_ptr, out_len)
                    .ok_or_else(|| {
                        Failure::Sandbox(abi_violation(format!(
                            "`{export}` returned output at offset {out_ptr} of {out_len} bytes, \
                             outside the guest's memory of {} bytes",
                            memory.data_size(&*store)
                        )))
                    })?
                    .to_vec();
                charge(&mut *store, per_byte.saturating_mul(output.len() as u64))
                    .map_err(Failure::Wasm)?;
                Ok(output)
            },
        )
    }

    /// Runs a WASI preview 1 command (`_start`) with `stdin` as its standard input, capturing
    /// standard output and error up to `Limits::output_bytes` each. The guest gets exactly the
    /// [`WasiGrants`](crate::WasiGrants) of its sandbox (nothing when WASI was not granted).
    ///
    /// A non-zero exit status is a successful call: see [`CommandOutput::exit_code`](crate::CommandOutput::exit_code). Output
    /// beyond the cap fails the call with `output_too_large`.
    #[cfg(feature = "wasi")]
    pub fn run_command(&self, stdin: &[u8]) -> Result<Outcome<crate::wasi::CommandOutput>, Error> {
        let limits = &self.sandbox.limits;
        if stdin.len() > limits.input_bytes {
            return Err(input_too_large(stdin.len(), limits.input_bytes));
        }
        let grants = self.sandbox.wasi.clone().unwrap_or_default();
        let wasi = crate::wasi::CallWasi::new(&grants, stdin, limits.output_bytes)?;
        let (stdout, stderr) = wasi.pipes();
        let outcome = self.run(
            move |state| state.wasi = Some(wasi),
            |store, instance| {
                let start = instance
                    .get_typed_func::<(), ()>(&mut *store, "_start")
                    .map_err(|_| Failure::Sandbox(missing_typed("_start", "() -> ()")))?;
                match start.call(&mut *store, ()) {
                    Ok(()) => Ok(0),
                    Err(err) => match err.downcast_ref::<wasmtime_wasi::I32Exit>() {
                        Some(exit) => Ok(exit.0),
                        None => Err(Failure::Wasm(err)),
                    },
                }
            },
        )?;
        let output = crate::wasi::CommandOutput {
            exit_code: outcome.value,
            stdout: stdout.contents().to_vec(),
            stderr: stderr.contents().to_vec(),
        };
        if let Some(err) =
            crate::wasi::overflow(&output.stdout, &output.stderr, limits.output_bytes)
        {
            return Err(err.with_report(outcome.report));
        }
        Ok(Outcome {
            value: output,
            report: outcome.report,
        })
    }

    /// One call: a fresh store with fuel and deadline armed *before* instantiation (start
    /// functions run inside it), the body, then the report.
    fn run<R>(
        &self,
        setup: impl FnOnce(&mut CallState),
        body: impl FnOnce(&mut Store<CallState>, Instance) -> Result<R, Failure>,
    ) -> Result<Outcome<R>, Error> {
        let inner = &self.sandbox;
        let limits = &inner.limits;
        let started = Instant::now();
        let mut state = CallState::new(limits);
        setup(&mut state);
        let mut store = Store::new(&inner.engine, state);
        store.limiter(|state| &mut state.limiter);
        if let Some(fuel) = limits.fuel_per_call {
            store
                .set_fuel(fuel)
                .map_err(|e| Error::new(ErrorKind::Io, format!("cannot arm fuel metering: {e}")))?;
        }
        store.set_epoch_deadline(limits.deadline_ticks());
        store.epoch_deadline_trap();
        let result = match self.pre.instantiate(&mut store) {
            Ok(instance) => body(&mut store, instance),
            Err(err) => Err(Failure::Instantiate(err)),
        };
        let mut report = store.data().report();
        report.elapsed = started.elapsed();
        match result {
            Ok(value) => {
                report.fuel_consumed = limits
                    .fuel_per_call
                    .and_then(|given| store.get_fuel().ok().map(|left| given.saturating_sub(left)));
                Ok(Outcome { value, report })
            }
            Err(failure) => {
                let err = classify(failure, store.data(), limits);
                if err.kind() == ErrorKind::OutOfFuel {
                    // The only post-failure fuel figure we trust: all of it.
                    report.fuel_consumed = limits.fuel_per_call;
                }
                crate::debug!(kind = %err.kind(), message = err.message(), "call contained");
                Err(err.with_report(report))
            }
        }
    }
}

fn list(types: &[ValueType]) -> String {
    let names: Vec<String> = types.iter().map(ToString::to_string).collect();
    format!("({})", names.join(", "))
}

fn missing_export(name: &str) -> Error {
    Error::new(
        ErrorKind::MissingExport,
        format!("the module has no export named `{name}`"),
    )
}

fn missing_typed(name: &str, signature: &str) -> Error {
    Error::new(
        ErrorKind::MissingExport,
        format!("the module has no function export `{name}` of type {signature}"),
    )
}

fn abi_violation(message: String) -> Error {
    Error::new(
        ErrorKind::Trap,
        format!("the guest broke the bytes ABI: {message}"),
    )
}

fn input_too_large(len: usize, limit: usize) -> Error {
    Error::new(
        ErrorKind::Io,
        format!("the input is {len} bytes, over the limit of {limit} bytes"),
    )
}

pub(crate) fn output_too_large(len: usize, limit: usize) -> Error {
    Error::new(
        ErrorKind::OutputTooLarge,
        format!("the guest produced {len} bytes of output, over the limit of {limit} bytes"),
    )
}
