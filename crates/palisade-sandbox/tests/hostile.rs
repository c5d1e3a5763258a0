//! Hostile modules, each contained with the right error kind, within a time bound, with the
//! host alive afterwards. Real wasmtime, real WAT.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code fails loudly"
)]

use std::time::{Duration, Instant};

use palisade_sandbox::{Error, ErrorKind, HostError, Limits, Sandbox, Value, ValueType};

/// Generous bound for a contained call in a debug build on a shared 2-core machine.
const BOUND: Duration = Duration::from_secs(10);

fn sandbox() -> Sandbox {
    Sandbox::builder()
        .fuel_per_call(Some(20_000_000))
        .timeout(Duration::from_secs(2))
        .memory_bytes(4 << 20)
        .build()
        .unwrap()
}

/// Calls `export` of `wat` and asserts the failure kind and the time taken.
fn contained(sandbox: &Sandbox, wat: &str, export: &str, kind: ErrorKind) -> Error {
    let started = Instant::now();
    let err = match sandbox.load_wat(wat) {
        Ok(plugin) => plugin
            .call(export, &[])
            .expect_err("the hostile call must fail"),
        Err(err) => err,
    };
    let elapsed = started.elapsed();
    assert_eq!(err.kind(), kind, "wrong kind for {export}: {err}");
    assert!(elapsed < BOUND, "{export} took {elapsed:?}");
    host_is_alive(sandbox);
    err
}

fn host_is_alive(sandbox: &Sandbox) {
    let plugin = sandbox
        .load_wat(r#"(module (func (export "ok") (result i32) i32.const 7))"#)
        .unwrap();
    assert_eq!(plugin.call("ok", &[]).unwrap().value, vec![Value::I32(7)]);
}

const SPIN: &str = r#"(module (func (export "spin") (loop br 0)))"#;

#[test]
fn infinite_loop_is_stopped_by_fuel() {
    let err = contained(&sandbox(), SPIN, "spin", ErrorKind::OutOfFuel);
    assert_eq!(err.report().unwrap().fuel_consumed, Some(20_000_000));
    assert!(err.trap_code().is_some());
}

#[test]
fn infinite_loop_is_stopped_by_the_deadline_alone() {
    let sandbox = Sandbox::builder()
        .fuel_per_call(None)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = contained(&sandbox, SPIN, "spin", ErrorKind::Timeout);
    let report = err.report().unwrap();
    assert!(report.elapsed >= Duration::from_millis(200), "{report:?}");
    assert!(report.elapsed < Duration::from_secs(3), "{report:?}");
    assert_eq!(report.fuel_consumed, None);
}

#[test]
fn loop_in_the_start_function_is_stopped() {
    let wat = r#"(module (func $s (loop br 0)) (start $s) (func (export "f")))"#;
    contained(&sandbox(), wat, "f", ErrorKind::OutOfFuel);
    let deadline_only = Sandbox::builder()
        .fuel_per_call(None)
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    contained(&deadline_only, wat, "f", ErrorKind::Timeout);
}

#[test]
fn unbounded_recursion_overflows_the_wasm_stack() {
    let wat = r#"(module (func $r (export "r") (call $r)))"#;
    let err = contained(&sandbox(), wat, "r", ErrorKind::StackOverflow);
    assert!(err.trap_code().unwrap().contains("stack"));
}

#[test]
fn memory_grow_until_refused_is_a_memory_limit() {
    let wat = r#"(module (memory 1)
        (func (export "grow")
          (loop (br_if 0 (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))))"#;
    let err = contained(&sandbox(), wat, "grow", ErrorKind::MemoryLimit);
    assert!(err.report().unwrap().peak_memory_bytes <= 4 << 20);
}

#[test]
fn huge_declared_initial_memory_is_refused_before_compiling() {
    let wat = r#"(module (memory 65536) (func (export "f")))"#;
    contained(&sandbox(), wat, "f", ErrorKind::MemoryLimit);
}

#[test]
fn table_grow_bomb_is_a_table_limit() {
    let wat = r#"(module (table 0 funcref)
        (func (export "bomb")
          (loop (br_if 0 (i32.ne (table.grow (ref.null func) (i32.const 1000)) (i32.const -1))))))"#;
    contained(&sandbox(), wat, "bomb", ErrorKind::TableLimit);
    let declared = r#"(module (table 100000000 funcref) (func (export "f")))"#;
    contained(&sandbox(), declared, "f", ErrorKind::TableLimit);
}

#[test]
fn traps_carry_their_code_and_backtrace() {
    let cases = [
        (
            r#"(module (func $inner (export "f") unreachable))"#,
            "unreachable",
        ),
        (
            r#"(module (memory 1) (func (export "f") (drop (i32.load (i32.const 70000)))))"#,
            "out of bounds memory access",
        ),
        (
            r#"(module (func (export "f") (drop (i32.div_s (i32.const 1) (i32.const 0)))))"#,
            "integer divide by zero",
        ),
        (
            r#"(module (type $t (func (param i64)))
                (table 1 funcref) (elem (i32.const 0) $g) (func $g)
                (func (export "f") (call_indirect (type $t) (i64.const 1) (i32.const 0))))"#,
            "indirect call type mismatch",
        ),
    ];
    for (wat, code) in cases {
        let err = contained(&sandbox(), wat, "f", ErrorKind::Trap);
        assert!(
            err.trap_code().unwrap().contains(code),
            "{:?} does not mention {code}",
            err.trap_code()
        );
        let backtrace = err.backtrace().expect("a backtrace");
        assert!(backtrace.contains("wasm"), "{backtrace}");
    }
}

#[test]
fn forbidden_import_is_refused_and_named() {
    let err = contained(
        &sandbox(),
        r#"(module (import "env" "exec" (func (param i32))) (func (export "f")))"#,
        "f",
        ErrorKind::ForbiddenImport,
    );
    assert!(err.message().contains("`env::exec`"), "{err}");
    // Memories, tables and globals are never granted.
    for import in [
        r#"(import "env" "memory" (memory 1))"#,
        r#"(import "env" "table" (table 1 funcref))"#,
        r#"(import "env" "g" (global i32))"#,
    ] {
        let wat = format!("(module {import} (func (export \"f\")))");
        contained(&sandbox(), &wat, "f", ErrorKind::ForbiddenImport);
    }
    // WASI is not granted unless asked for.
    contained(
        &sandbox(),
        r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32))) (func (export "f")))"#,
        "f",
        ErrorKind::ForbiddenImport,
    );
}

#[test]
fn granted_name_with_the_wrong_type_is_a_forbidden_import() {
    let sandbox = Sandbox::builder()
        .host_function("host", "f", &[], &[], |_| Ok(vec![]))
        .build()
        .unwrap();
    let err = sandbox
        .load_wat(r#"(module (import "host" "f" (func (param i64))))"#)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ForbiddenImport, "{err}");
}

#[test]
fn garbage_bytes_are_an_invalid_module() {
    let sandbox = sandbox();
    for bytes in [
        &b""[..],
        &b"\x7fELF\x02\x01\x01\x00"[..],
        &b"\0asm\x01\0\0\0\x01\xff\xff\xff\xff\x0f"[..],
        &b"\0asm\x0d\0\x01\0"[..], // a component
        &[0u8; 64][..],
    ] {
        let err = sandbox.load(bytes).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidModule, "{bytes:?}: {err}");
    }
    let err = sandbox.load_wat("(module (func (export").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidModule);
    host_is_alive(&sandbox);
}

#[test]
fn disabled_proposals_are_invalid_modules() {
    for wat in [
        r#"(module (memory i64 1))"#,
        r#"(module (memory 1) (memory 1))"#,
        r#"(module (memory 1 1 shared))"#,
    ] {
        let err = sandbox().load_wat(wat).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidModule, "{wat}: {err}");
    }
}

#[test]
fn tens_of_thousands_of_functions_are_refused_before_compiling() {
    let mut wat = String::from("(module");
    for _ in 0..30_000 {
        wat.push_str(" (func)");
    }
    wat.push(')');
    let started = Instant::now();
    let err = sandbox().load_wat(&wat).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ModuleTooLarge, "{err}");
    assert!(err.message().contains("functions"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn deeply_nested_blocks_are_refused_before_compiling() {
    let depth = 20_000;
    let mut wat = String::from("(module (func (export \"f\")");
    wat.push_str(&" block".repeat(depth));
    wat.push_str(&" end".repeat(depth));
    wat.push_str("))");
    let err = sandbox().load_wat(&wat).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ModuleTooLarge, "{err}");
    assert!(err.message().contains("nests"), "{err}");
}

#[test]
fn oversized_bodies_locals_and_modules_are_refused() {
    let limits = {
        let mut limits = Limits::default();
        limits.module_bytes = 4096;
        limits
    };
    let small = Sandbox::builder().limits(limits).build().unwrap();
    let big = format!("(module (func {}))", "(nop)".repeat(5000));
    assert_eq!(
        small.load_wat(&big).unwrap_err().kind(),
        ErrorKind::ModuleTooLarge
    );
    let many_locals =
        r#"(module (func (local i32) (local i64) (local i32 i32) (local f32) (local f64)))"#
            .replace("(local i32 i32)", &"(local i32)".repeat(3000));
    let err = sandbox().load_wat(&many_locals).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ModuleTooLarge, "{err}");
    let long_body = format!("(module (func {}))", "(nop)".repeat(70_000));
    let err = sandbox().load_wat(&long_body).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ModuleTooLarge, "{err}");
}

#[test]
fn missing_and_mistyped_exports() {
    let sandbox = sandbox();
    let plugin = sandbox
        .load_wat(r#"(module (memory (export "m") 1) (func (export "take") (param i32)))"#)
        .unwrap();
    for (export, args) in [
        ("nope", &[][..]),
        ("m", &[][..]),
        ("take", &[][..]),
        ("take", &[Value::I64(1)][..]),
    ] {
        let err = plugin.call(export, args).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MissingExport, "{export}: {err}");
    }
    assert!(plugin.call("take", &[Value::I32(1)]).is_ok());
}

const BYTES_GUEST: &str = r#"(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (func (export "palisade_alloc") (param $len i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.add (global.get $next) (local.get $len)))
    (local.get $p))
  ;; Echo: returns the input where it was written.
  (func (export "echo") (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
            (i64.extend_i32_u (local.get $len))))
  ;; A pointer past the end of memory.
  (func (export "wild_ptr") (param i32 i32) (result i64)
    (i64.const 0x0001_0000_0000_0010))
  ;; A length that wraps the address space.
  (func (export "wrap") (param i32 i32) (result i64)
    (i64.const 0xffff_fff0_0000_0100))
  ;; A huge length.
  (func (export "huge") (param i32 i32) (result i64)
    (i64.const 0x0000_0000_7fff_ffff)))"#;

#[test]
fn bytes_abi_round_trips() {
    let sandbox = sandbox();
    let plugin = sandbox.load_wat(BYTES_GUEST).unwrap();
    let outcome = plugin.call_bytes("echo", b"hello, sandbox").unwrap();
    assert_eq!(outcome.value, b"hello, sandbox");
    let outcome = plugin.call_bytes("echo", b"").unwrap();
    assert!(outcome.value.is_empty());
}

#[test]
fn guest_returning_out_of_range_pointers_or_huge_lengths_is_contained() {
    let sandbox = sandbox();
    let plugin = sandbox.load_wat(BYTES_GUEST).unwrap();
    for export in ["wild_ptr", "wrap"] {
        let err = plugin.call_bytes(export, b"x").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Trap, "{export}: {err}");
        assert!(err.message().contains("bytes ABI"), "{err}");
    }
    let err = plugin.call_bytes("huge", b"x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutputTooLarge, "{err}");
    host_is_alive(&sandbox);
}

#[test]
fn bytes_abi_allocator_returning_a_wild_pointer_is_contained() {
    let wat = r#"(module (memory (export "memory") 1)
        (func (export "palisade_alloc") (param i32) (result i32) (i32.const -8))
        (func (export "run") (param i32 i32) (result i64) (i64.const 0)))"#;
    let plugin = sandbox().load_wat(wat).unwrap();
    let err = plugin.call_bytes("run", b"0123456789").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Trap, "{err}");
}

#[test]
fn bytes_abi_input_is_capped_before_the_guest_allocates() {
    let mut limits = Limits::default();
    limits.input_bytes = 8;
    let sandbox = Sandbox::builder().limits(limits).build().unwrap();
    let plugin = sandbox.load_wat(BYTES_GUEST).unwrap();
    let err = plugin.call_bytes("echo", b"nine bytes").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
}

#[test]
fn host_function_panics_and_errors_trap_the_guest_not_the_host() {
    let sandbox = Sandbox::builder()
        .host_function("host", "boom", &[], &[], |_| panic!("embedder bug"))
        .host_function("host", "fail", &[], &[], |_| {
            Err(HostError::failed("backend down"))
        })
        .host_function("host", "liar", &[], &[ValueType::I32], |_| {
            Ok(vec![Value::I64(1)])
        })
        .build()
        .unwrap();
    for name in ["boom", "fail", "liar"] {
        let wat = format!(
            r#"(module (import "host" "{name}" (func $h {})) (func (export "f") (call $h) {}))"#,
            if name == "liar" { "(result i32)" } else { "" },
            if name == "liar" { "drop" } else { "" },
        );
        let err = contained(&sandbox, &wat, "f", ErrorKind::Trap);
        assert!(err.message().contains(name), "{err}");
    }
}

#[test]
fn host_calls_are_charged_fuel() {
    let sandbox = Sandbox::builder()
        .fuel_per_call(Some(1_000_000))
        .host_function("host", "noop", &[], &[], |_| Ok(vec![]))
        .build()
        .unwrap();
    let once = sandbox
        .load_wat(r#"(module (import "host" "noop" (func $n)) (func (export "f") (call $n)))"#)
        .unwrap();
    let consumed = once.call("f", &[]).unwrap().report.fuel_consumed.unwrap();
    assert!(consumed >= 1_000, "one host call cost only {consumed} fuel");
    // A guest hammering a cheap host function runs out of fuel quickly.
    let hammer =
        r#"(module (import "host" "noop" (func $n)) (func (export "f") (loop (call $n) (br 0))))"#;
    let err = contained(&sandbox, hammer, "f", ErrorKind::OutOfFuel);
    assert_eq!(err.report().unwrap().fuel_consumed, Some(1_000_000));
}

#[test]
fn bytes_host_function_denials_are_error_codes_and_reported() {
    let sandbox = Sandbox::builder()
        .host_bytes_function("host", "lookup", |request| {
            if request == b"secret" {
                Err(HostError::denied("`secret` is not allowed"))
            } else {
                Ok(request.iter().rev().copied().collect())
            }
        })
        .build()
        .unwrap();
    // Writes "secret" or "public" at 0, calls lookup into 64..80, returns the status.
    let wat = r#"(module
        (import "host" "lookup" (func $lookup (param i32 i32 i32 i32) (result i32)))
        (memory (export "memory") 1)
        (data (i32.const 0) "secret")
        (data (i32.const 8) "public")
        (func (export "secret") (result i32) (call $lookup (i32.const 0) (i32.const 6) (i32.const 64) (i32.const 16)))
        (func (export "public") (result i32) (call $lookup (i32.const 8) (i32.const 6) (i32.const 64) (i32.const 16)))
        (func (export "small") (result i32) (call $lookup (i32.const 8) (i32.const 6) (i32.const 64) (i32.const 2)))
        (func (export "wild") (result i32) (call $lookup (i32.const 65530) (i32.const 100) (i32.const 64) (i32.const 16)))
        (func (export "huge") (result i32) (call $lookup (i32.const 0) (i32.const -1) (i32.const 64) (i32.const 16))))"#;
    let plugin = sandbox.load_wat(wat).unwrap();
    let denied = plugin.call("secret", &[]).unwrap();
    assert_eq!(
        denied.value,
        vec![Value::I32(palisade_sandbox::abi::HOST_DENIED)]
    );
    assert_eq!(denied.report.denials.len(), 1);
    assert_eq!(denied.report.denials[0].capability, "host::lookup");
    assert!(denied.report.denials[0].reason.contains("secret"));
    let public = plugin.call("public", &[]).unwrap();
    assert_eq!(public.value, vec![Value::I32(6)]);
    assert!(public.report.denials.is_empty());
    let small = plugin.call("small", &[]).unwrap();
    assert_eq!(
        small.value,
        vec![Value::I32(palisade_sandbox::abi::HOST_OUTPUT_TOO_SMALL)]
    );
    let huge = plugin.call("huge", &[]).unwrap();
    assert_eq!(
        huge.value,
        vec![Value::I32(palisade_sandbox::abi::HOST_INPUT_TOO_LARGE)]
    );
    let err = plugin.call("wild", &[]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Trap, "{err}");
}

#[test]
fn successful_calls_report_fuel_time_and_memory() {
    let plugin = sandbox()
        .load_wat(
            r#"(module (memory 2) (func (export "sum") (param i32) (result i32)
            (local $acc i32)
            (loop (local.set $acc (i32.add (local.get $acc) (local.get 0)))
                  (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                  (br_if 0 (local.get 0)))
            (local.get $acc)))"#,
        )
        .unwrap();
    let outcome = plugin.call("sum", &[Value::I32(1000)]).unwrap();
    assert_eq!(outcome.value, vec![Value::I32(500_500)]);
    let fuel = outcome.report.fuel_consumed.unwrap();
    assert!((1000..20_000_000).contains(&fuel), "{fuel}");
    assert_eq!(outcome.report.peak_memory_bytes, 2 * 65536);
    let more = plugin.call("sum", &[Value::I32(2000)]).unwrap();
    assert!(more.report.fuel_consumed.unwrap() > fuel);
}

#[test]
fn the_same_bytes_are_compiled_once() {
    let sandbox = sandbox();
    let wat = r#"(module (func (export "f")))"#;
    let a = sandbox.load_wat(wat).unwrap();
    let b = sandbox.load_wat(wat).unwrap();
    assert_eq!(a.sha256(), b.sha256());
    let c = sandbox.load_wat(r#"(module (func (export "g")))"#).unwrap();
    assert_ne!(a.sha256(), c.sha256());
}

#[test]
fn many_concurrent_calls_on_one_sandbox() {
    let sandbox = Sandbox::builder()
        .fuel_per_call(Some(5_000_000))
        .memory_bytes(1 << 20)
        .pooling(64)
        .build()
        .unwrap();
    let good = sandbox
        .load_wat(r#"(module (func (export "f") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3))))"#)
        .unwrap();
    let spin = sandbox.load_wat(SPIN).unwrap();
    let grow = sandbox
        .load_wat(r#"(module (memory 1) (func (export "grow") (loop (br_if 0 (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))))"#)
        .unwrap();
    std::thread::scope(|scope| {
        for thread in 0..6 {
            let (good, spin, grow) = (good.clone(), spin.clone(), grow.clone());
            scope.spawn(move || {
                for i in 0..25 {
                    let x = thread * 100 + i;
                    let out = good.call("f", &[Value::I32(x)]).unwrap();
                    assert_eq!(out.value, vec![Value::I32(x * 3)]);
                    if i % 5 == 0 {
                        assert_eq!(
                            spin.call("spin", &[]).unwrap_err().kind(),
                            ErrorKind::OutOfFuel
                        );
                        assert_eq!(
                            grow.call("grow", &[]).unwrap_err().kind(),
                            ErrorKind::MemoryLimit
                        );
                    }
                }
            });
        }
    });
    host_is_alive(&sandbox);
}

/// One call's memory must never show up in the next (the pooling allocator's data-leak
/// advisory): write a secret into the initial page and a grown page, then read both back in a
/// fresh call.
fn no_memory_leaks_between_calls(sandbox: &Sandbox) {
    let wat = r#"(module (memory 1)
        (func (export "write") (result i32)
          (drop (memory.grow (i32.const 1)))
          (i64.store (i32.const 4096) (i64.const 0x5345_4352_4554_2121))
          (i64.store (i32.const 70000) (i64.const 0x5345_4352_4554_2121))
          (memory.size))
        (func (export "read") (result i64)
          (local $grown i32)
          (local.set $grown (memory.grow (i32.const 1)))
          (i64.or (i64.load (i32.const 4096)) (i64.load (i32.const 70000)))))"#;
    let plugin = sandbox.load_wat(wat).unwrap();
    for _ in 0..20 {
        assert_eq!(
            plugin.call("write", &[]).unwrap().value,
            vec![Value::I32(2)]
        );
        assert_eq!(plugin.call("read", &[]).unwrap().value, vec![Value::I64(0)]);
    }
}

#[test]
fn memory_never_leaks_between_calls_on_demand() {
    no_memory_leaks_between_calls(&sandbox());
}

#[test]
fn memory_never_leaks_between_calls_with_pooling() {
    let sandbox = Sandbox::builder()
        .pooling(2)
        .memory_bytes(1 << 20)
        .build()
        .unwrap();
    no_memory_leaks_between_calls(&sandbox);
}

#[test]
fn a_full_pool_is_an_io_error_not_a_crash() {
    let (started, on_start) = std::sync::mpsc::channel::<()>();
    let sandbox = Sandbox::builder()
        .pooling(1)
        .fuel_per_call(None)
        .timeout(Duration::from_millis(300))
        .host_function("host", "started", &[], &[], move |_| {
            let _ = started.send(());
            Ok(vec![])
        })
        .build()
        .unwrap();
    let spin = sandbox
        .load_wat(r#"(module (import "host" "started" (func $s)) (func (export "spin") (call $s) (loop br 0)))"#)
        .unwrap();
    let quick = sandbox
        .load_wat(r#"(module (memory 1) (func (export "f")))"#)
        .unwrap();
    std::thread::scope(|scope| {
        let busy = scope.spawn(|| spin.call("spin", &[]).unwrap_err().kind());
        // The spinning call holds the only slot from here until its deadline.
        on_start.recv().unwrap();
        let err = quick.call("f", &[]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{err}");
        assert_eq!(busy.join().unwrap(), ErrorKind::Timeout);
    });
    host_is_alive(&sandbox);
}
