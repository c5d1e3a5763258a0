//! Host functions the embedder grants: a small typed API over scalars, and the bytes ABI.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use wasmtime::{Caller, Engine, Extern, FuncType, Linker, Memory, Val, ValType};

use crate::abi::{
    HOST_DENIED, HOST_FAILED, HOST_INPUT_TOO_LARGE, HOST_OUTPUT_TOO_SMALL, MEMORY_EXPORT,
};
use crate::call::{CallState, HostFailure, charge};
use crate::error::{Error, ErrorKind};
use crate::limits::Limits;
use crate::value::{HostError, Value, ValueType};

type ScalarFn = Arc<dyn Fn(&[Value]) -> Result<Vec<Value>, HostError> + Send + Sync>;
type BytesFn = Arc<dyn Fn(&[u8]) -> Result<Vec<u8>, HostError> + Send + Sync>;

enum Body {
    Scalar {
        params: Vec<ValueType>,
        results: Vec<ValueType>,
        function: ScalarFn,
    },
    Bytes(BytesFn),
}

/// One granted import.
pub(crate) struct HostFunction {
    pub(crate) module: String,
    pub(crate) name: String,
    body: Body,
}

impl fmt::Debug for HostFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shape = match &self.body {
            Body::Scalar {
                params, results, ..
            } => format!("{params:?} -> {results:?}"),
            Body::Bytes(_) => "bytes".to_owned(),
        };
        write!(f, "{}::{} ({shape})", self.module, self.name)
    }
}

impl HostFunction {
    pub(crate) fn scalar(
        module: &str,
        name: &str,
        params: &[ValueType],
        results: &[ValueType],
        function: ScalarFn,
    ) -> Self {
        Self {
            module: module.to_owned(),
            name: name.to_owned(),
            body: Body::Scalar {
                params: params.to_vec(),
                results: results.to_vec(),
                function,
            },
        }
    }

    pub(crate) fn bytes(module: &str, name: &str, function: BytesFn) -> Self {
        Self {
            module: module.to_owned(),
            name: name.to_owned(),
            body: Body::Bytes(function),
        }
    }

    pub(crate) fn define(
        &self,
        linker: &mut Linker<CallState>,
        engine: &Engine,
        limits: &Limits,
    ) -> Result<(), Error> {
        let label = format!("{}::{}", self.module, self.name);
        let defined = match &self.body {
            Body::Scalar {
                params,
                results,
                function,
            } => {
                let ty = FuncType::new(
                    engine,
                    params.iter().copied().map(val_type),
                    results.iter().copied().map(val_type),
                );
                let function = Arc::clone(function);
                let results = results.clone();
                let call_fuel = limits.host_call_fuel;
                linker.func_new(
                    &self.module,
                    &self.name,
                    ty,
                    move |mut caller: Caller<'_, CallState>, args: &[Val], out: &mut [Val]| {
                        charge(&mut caller, call_fuel)?;
                        call_scalar(&mut caller, &label, &function, &results, args, out)
                    },
                )
            }
            Body::Bytes(function) => {
                let function = Arc::clone(function);
                linker.func_wrap(
                    &self.module,
                    &self.name,
                    move |mut caller: Caller<'_, CallState>,
                          in_ptr: i32,
                          in_len: i32,
                          out_ptr: i32,
                          out_cap: i32|
                          -> wasmtime::Result<i32> {
                        call_bytes(
                            &mut caller,
                            &label,
                            &function,
                            [in_ptr, in_len, out_ptr, out_cap],
                        )
                    },
                )
            }
        };
        defined.map(|_| ()).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!(
                    "cannot register host function `{}::{}`: {e}",
                    self.module, self.name
                ),
            )
        })
    }
}

fn call_scalar(
    caller: &mut Caller<'_, CallState>,
    label: &str,
    function: &ScalarFn,
    results: &[ValueType],
    args: &[Val],
    out: &mut [Val],
) -> wasmtime::Result<()> {
    let values = args
        .iter()
        .map(value_of)
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| HostFailure(format!("host function `{label}` got a non-scalar argument")))?;
    let returned = match catch_unwind(AssertUnwindSafe(|| function(&values))) {
        Ok(Ok(returned)) => returned,
        Ok(Err(err)) => {
            if err.is_denied() {
                caller.data_mut().record_denial(label, err.message());
            }
            return Err(wasmtime::Error::new(HostFailure(format!(
                "host function `{label}` failed: {}",
                err.message()
            ))));
        }
        Err(_) => {
            return Err(wasmtime::Error::new(HostFailure(format!(
                "host function `{label}` panicked"
            ))));
        }
    };
    let types_match = returned.len() == results.len()
        && returned
            .iter()
            .zip(results)
            .all(|(value, ty)| value.ty() == *ty);
    if !types_match || returned.len() != out.len() {
        return Err(wasmtime::Error::new(HostFailure(format!(
            "host function `{label}` returned {returned:?}, expected {results:?}"
        ))));
    }
    for (slot, value) in out.iter_mut().zip(returned) {
        *slot = val_of(value);
    }
    Ok(())
}

fn call_bytes(
    caller: &mut Caller<'_, CallState>,
    label: &str,
    function: &BytesFn,
    [in_ptr, in_len, out_ptr, out_cap]: [i32; 4],
) -> wasmtime::Result<i32> {
    let (call_fuel, per_byte, input_limit) = {
        let state = caller.data();
        (state.host_call_fuel, state.fuel_per_byte, state.input_bytes)
    };
    charge(&mut *caller, call_fuel)?;
    let in_len = usize::try_from(in_len as u32).unwrap_or(usize::MAX);
    if in_len > input_limit {
        return Ok(HOST_INPUT_TOO_LARGE);
    }
    charge(&mut *caller, per_byte.saturating_mul(in_len as u64))?;
    let memory = guest_memory(caller, label)?;
    let input = guest_range(memory.data(&*caller), in_ptr as u32, in_len)
        .ok_or_else(|| out_of_bounds(label, "request", in_ptr, in_len))?
        .to_vec();
    let out_cap = usize::try_from(out_cap as u32).unwrap_or(usize::MAX);
    // Check the response range before doing any work on the guest's behalf.
    if guest_range(memory.data(&*caller), out_ptr as u32, out_cap).is_none() {
        return Err(out_of_bounds(label, "response buffer", out_ptr, out_cap));
    }
    let response = match catch_unwind(AssertUnwindSafe(|| function(&input))) {
        Ok(Ok(response)) => response,
        Ok(Err(err)) if err.is_denied() => {
            caller.data_mut().record_denial(label, err.message());
            return Ok(HOST_DENIED);
        }
        Ok(Err(err)) => {
            crate::debug!(
                function = label,
                error = err.message(),
                "host function failed"
            );
            return Ok(HOST_FAILED);
        }
        Err(_) => {
            return Err(wasmtime::Error::new(HostFailure(format!(
                "host function `{label}` panicked"
            ))));
        }
    };
    if response.len() > out_cap {
        return Ok(HOST_OUTPUT_TOO_SMALL);
    }
    let written = i32::try_from(response.len()).map_err(|_| {
        wasmtime::Error::new(HostFailure(format!(
            "host function `{label}` produced an oversized response"
        )))
    })?;
    charge(&mut *caller, per_byte.saturating_mul(response.len() as u64))?;
    let start = usize::try_from(out_ptr as u32).unwrap_or(usize::MAX);
    let end = start.checked_add(response.len());
    let target = end.and_then(|end| memory.data_mut(&mut *caller).get_mut(start..end));
    match target {
        Some(target) => {
            target.copy_from_slice(&response);
            Ok(written)
        }
        None => Err(out_of_bounds(
            label,
            "response buffer",
            out_ptr,
            response.len(),
        )),
    }
}

fn guest_memory(caller: &mut Caller<'_, CallState>, label: &str) -> wasmtime::Result<Memory> {
    caller
        .get_export(MEMORY_EXPORT)
        .and_then(Extern::into_memory)
        .ok_or_else(|| {
            wasmtime::Error::new(HostFailure(format!(
                "host function `{label}` needs the guest to export its memory as `{MEMORY_EXPORT}`"
            )))
        })
}

/// The guest bytes `ptr..ptr + len`, or `None` when any part lies outside `memory`.
pub(crate) fn guest_range(memory: &[u8], ptr: u32, len: usize) -> Option<&[u8]> {
    let start = usize::try_from(ptr).ok()?;
    let end = start.checked_add(len)?;
    memory.get(start..end)
}

fn out_of_bounds(label: &str, what: &str, ptr: i32, len: usize) -> wasmtime::Error {
    wasmtime::Error::new(HostFailure(format!(
        "the guest passed host function `{label}` a {what} outside its memory (offset {}, {len} \
         bytes)",
        ptr as u32
    )))
}

pub(crate) fn val_type(ty: ValueType) -> ValType {
    match ty {
        ValueType::I32 => ValType::I32,
        ValueType::I64 => ValType::I64,
        ValueType::F32 => ValType::F32,
        ValueType::F64 => ValType::F64,
    }
}

pub(crate) fn value_type_of(ty: &ValType) -> Option<ValueType> {
    match ty {
        ValType::I32 => Some(ValueType::I32),
        ValType::I64 => Some(ValueType::I64),
        ValType::F32 => Some(ValueType::F32),
        ValType::F64 => Some(ValueType::F64),
        _ => None,
    }
}

pub(crate) fn value_of(val: &Val) -> Option<Value> {
    match val {
        Val::I32(v) => Some(Value::I32(*v)),
        Val::I64(v) => Some(Value::I64(*v)),
        Val::F32(bits) => Some(Value::F32(f32::from_bits(*bits))),
        Val::F64(bits) => Some(Value::F64(f64::from_bits(*bits))),
        _ => None,
    }
}

pub(crate) fn val_of(value: Value) -> Val {
    match value {
        Value::I32(v) => Val::I32(v),
        Value::I64(v) => Val::I64(v),
        Value::F32(v) => Val::F32(v.to_bits()),
        Value::F64(v) => Val::F64(v.to_bits()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_range_rejects_overflow_and_out_of_bounds() {
        let memory = [0u8; 16];
        assert_eq!(guest_range(&memory, 0, 16).map(<[u8]>::len), Some(16));
        assert_eq!(guest_range(&memory, 16, 0).map(<[u8]>::len), Some(0));
        assert!(guest_range(&memory, 8, 9).is_none());
        assert!(guest_range(&memory, 17, 0).is_none());
        assert!(guest_range(&memory, u32::MAX, usize::MAX).is_none());
    }
}
