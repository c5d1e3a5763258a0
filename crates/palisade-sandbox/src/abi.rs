//! The bytes-in/bytes-out ABI between host and guest.
//!
//! **Calling a guest with bytes** ([`Plugin::call_bytes`](crate::Plugin::call_bytes)). The
//! guest exports:
//! - [`MEMORY_EXPORT`] (`memory`): its one linear memory (32-bit);
//! - [`ALLOC_EXPORT`] (`palisade_alloc`): `(func (param $len i32) (result i32))` returning a
//!   pointer to `len` writable bytes;
//! - the entry point: `(func (param $ptr i32) (param $len i32) (result i64))`, returning the
//!   output location packed as `(out_ptr << 32) | out_len` (both unsigned 32-bit).
//!
//! The host caps the input at `Limits::input_bytes` before asking the guest to allocate,
//! checks that the allocation lies inside memory, copies the input, calls the entry point,
//! rejects an `out_len` over `Limits::output_bytes` before touching memory, and reads the output
//! only if `out_ptr + out_len` (checked) lies inside memory. Each byte copied costs
//! `Limits::fuel_per_byte` fuel.
//!
//! **Bytes host functions** ([`SandboxBuilder::host_bytes_function`](crate::SandboxBuilder::host_bytes_function)).
//! The guest imports `(func (param $in_ptr i32) (param $in_len i32) (param $out_ptr i32)
//! (param $out_cap i32) (result i32))`. The host checks both ranges, charges
//! `Limits::host_call_fuel` plus `Limits::fuel_per_byte` per byte, and returns the number of
//! bytes written to `out`, or a negative status: [`HOST_DENIED`], [`HOST_OUTPUT_TOO_SMALL`],
//! [`HOST_INPUT_TOO_LARGE`], [`HOST_FAILED`]. A range outside memory traps the guest.

/// Name of the exported linear memory.
pub const MEMORY_EXPORT: &str = "memory";
/// Name of the exported allocator.
pub const ALLOC_EXPORT: &str = "palisade_alloc";

/// Returned to the guest when the host refused the request by policy (recorded as a denial).
pub const HOST_DENIED: i32 = -1;
/// Returned when the response does not fit in `out_cap` bytes (nothing was written).
pub const HOST_OUTPUT_TOO_SMALL: i32 = -2;
/// Returned when the request is over `Limits::input_bytes`.
pub const HOST_INPUT_TOO_LARGE: i32 = -3;
/// Returned when the host function failed.
pub const HOST_FAILED: i32 = -4;

/// Splits an entry point's packed result into `(ptr, len)`.
pub(crate) fn unpack(packed: i64) -> (u32, u32) {
    let bits = u64::from_ne_bytes(packed.to_ne_bytes());
    let ptr = u32::try_from(bits >> 32).unwrap_or(u32::MAX);
    let len = u32::try_from(bits & u64::from(u32::MAX)).unwrap_or(u32::MAX);
    (ptr, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpack_splits_high_and_low_words() {
        assert_eq!(unpack(0), (0, 0));
        assert_eq!(unpack((16 << 32) | 5), (16, 5));
        assert_eq!(unpack(-1), (u32::MAX, u32::MAX));
        assert_eq!(unpack(i64::MIN), (0x8000_0000, 0));
    }
}
