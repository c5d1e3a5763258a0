//! Palisade against raw wasmtime with the same engine configuration, in the same run:
//! instantiate + call a trivial export, worst-case compile time at the default pre-compile
//! limits, and fuel vs epoch overhead on a compute-heavy guest.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark code fails loudly"
)]

use std::hint::black_box;
use std::num::NonZeroUsize;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use palisade_sandbox::{Limits, Sandbox, Value};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, Linker, Module, OptLevel, PoolingAllocationConfig,
    Store, Strategy,
};

const TRIVIAL: &str = r#"(module (memory 1) (func (export "f") (result i32) i32.const 42))"#;

/// The same `Config` `Sandbox` builds (see `engine_config` in src/sandbox.rs).
fn raw_config(fuel: bool, pooling: Option<u32>) -> Config {
    let limits = Limits::default();
    let mut config = Config::new();
    config
        .strategy(Strategy::Cranelift)
        .cranelift_opt_level(OptLevel::Speed)
        .consume_fuel(fuel)
        .epoch_interruption(true)
        .max_wasm_stack(limits.wasm_stack_bytes)
        .wasm_backtrace_max_frames(NonZeroUsize::new(32))
        .wasm_memory64(false)
        .wasm_multi_memory(false)
        .wasm_shared_everything_threads(false)
        .wasm_relaxed_simd(false)
        .wasm_wide_arithmetic(false)
        .wasm_custom_page_sizes(false)
        .wasm_stack_switching(false)
        .wasm_gc(false);
    if let Some(slots) = pooling {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_core_instances(slots)
            .total_memories(slots)
            .total_tables(slots)
            .max_memories_per_module(1)
            .max_tables_per_module(1)
            .max_memory_size(usize::try_from(limits.memory_bytes).unwrap())
            .table_elements(usize::try_from(limits.table_elements).unwrap())
            .total_component_instances(0);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

fn instantiate_and_call(c: &mut Criterion) {
    let mut group = c.benchmark_group("instantiate_call");
    for (label, pooling) in [("on_demand", None), ("pooling", Some(16))] {
        let mut builder = Sandbox::builder();
        if let Some(slots) = pooling {
            builder = builder.pooling(slots);
        }
        let sandbox = builder.build().unwrap();
        let plugin = sandbox.load_wat(TRIVIAL).unwrap();
        group.bench_function(BenchmarkId::new("palisade", label), |b| {
            b.iter(|| {
                let out = plugin.call("f", &[]).unwrap();
                assert_eq!(out.value, [Value::I32(42)]);
            });
        });

        let engine = Engine::new(&raw_config(true, pooling)).unwrap();
        let module = Module::new(&engine, wat::parse_str(TRIVIAL).unwrap()).unwrap();
        let linker: Linker<()> = Linker::new(&engine);
        let pre = linker.instantiate_pre(&module).unwrap();
        let fuel = Limits::default().fuel_per_call.unwrap();
        group.bench_function(BenchmarkId::new("raw_wasmtime", label), |b| {
            b.iter(|| {
                let mut store = Store::new(&engine, ());
                store.set_fuel(fuel).unwrap();
                store.set_epoch_deadline(101);
                let instance = pre.instantiate(&mut store).unwrap();
                let f = instance.get_typed_func::<(), i32>(&mut store, "f").unwrap();
                assert_eq!(f.call(&mut store, ()).unwrap(), 42);
            });
        });
    }
    group.finish();
}

/// Modules that pass the default pre-compile limits while costing Cranelift as much as we
/// could make them: the function-count bound, the body-size bound with many live locals, and
/// the nesting bound.
fn worst_case_modules() -> Vec<(&'static str, Vec<u8>)> {
    let limits = Limits::default();
    let mut modules = Vec::new();

    // As many small functions as allowed, each doing a little arithmetic.
    let mut wat = String::from("(module");
    for _ in 0..limits.functions {
        wat.push_str(" (func (param i32) (result i32) (i32.add (i32.mul (local.get 0) (i32.const 3)) (i32.const 1)))");
    }
    wat.push(')');
    modules.push(("max_functions", wat::parse_str(&wat).unwrap()));

    // Bodies near the size limit where many locals are live at once (register pressure), as
    // many as fit in the module-size limit.
    let locals = 1_000;
    let mut body = String::new();
    let mut i = 0;
    while body.len() < 150_000 {
        let a = i % locals;
        let b = (i * 7 + 3) % locals;
        body.push_str(&format!(
            " (local.set {a} (i64.add (local.get {a}) (i64.mul (local.get {b}) (local.get {}))))",
            (i * 13 + 5) % locals
        ));
        i += 1;
    }
    let mut sum = String::from("(i64.const 0)");
    for l in 0..200 {
        sum = format!("(i64.add {sum} (local.get {l}))");
    }
    let func = format!(
        "(func (result i64) (local {}) {body} {sum})",
        "i64 ".repeat(locals)
    );
    let one = wat::parse_str(format!("(module {func})")).unwrap();
    let per_module = limits.module_bytes / one.len().max(1);
    let per_module = per_module.max(1);
    let text = format!("(module {})", func.repeat(per_module));
    let bytes = wat::parse_str(&text).unwrap();
    modules.push(("max_bodies_many_locals", bytes));

    // Nesting at the depth limit, repeated to the size limit.
    let depth = usize::try_from(limits.nesting_depth).unwrap();
    let nested = format!(
        "(func (param i32) (result i32) {} (br_table {} (local.get 0)) {} (i32.const 0))",
        "(block ".repeat(depth),
        (0..depth)
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        ")".repeat(depth)
    );
    let one = wat::parse_str(format!("(module {nested})")).unwrap();
    let count = (limits.module_bytes / one.len().max(1))
        .clamp(1, usize::try_from(limits.functions).unwrap());
    let bytes = wat::parse_str(format!("(module {})", nested.repeat(count))).unwrap();
    modules.push(("max_nesting", bytes));
    modules
}

fn worst_case_compile(c: &mut Criterion) {
    let sandbox = Sandbox::builder().cache_entries(0).build().unwrap();
    let mut group = c.benchmark_group("compile_worst_case");
    group.sample_size(10);
    for (label, bytes) in worst_case_modules() {
        // It must pass the default limits, or it is not a worst case of what we accept.
        sandbox.load(&bytes).unwrap();
        eprintln!("{label}: {} bytes", bytes.len());
        group.bench_function(label, |b| {
            b.iter(|| sandbox.load(black_box(&bytes)).unwrap())
        });
    }
    group.finish();
}

const COMPUTE: &str = r#"(module (func (export "sum") (param i32) (result i64)
    (local $acc i64)
    (loop
      (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (i32.mul (local.get 0) (local.get 0)))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if 0 (local.get 0)))
    (local.get $acc)))"#;

fn fuel_vs_epoch(c: &mut Criterion) {
    let n = 5_000_000;
    let mut group = c.benchmark_group("compute_5m_iterations");
    group.sample_size(10);
    for (label, fuel) in [
        ("fuel_and_epoch", Some(1_000_000_000)),
        ("epoch_only", None),
    ] {
        let sandbox = Sandbox::builder()
            .fuel_per_call(fuel)
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let plugin = sandbox.load_wat(COMPUTE).unwrap();
        group.bench_function(label, |b| {
            b.iter(|| plugin.call("sum", &[Value::I32(n)]).unwrap());
        });
    }
    // Baseline: raw wasmtime with neither fuel nor epoch interruption.
    let mut config = raw_config(false, None);
    config.epoch_interruption(false);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, wat::parse_str(COMPUTE).unwrap()).unwrap();
    let pre = Linker::<()>::new(&engine).instantiate_pre(&module).unwrap();
    group.bench_function("raw_uninterrupted", |b| {
        b.iter(|| {
            let mut store = Store::new(&engine, ());
            let instance = pre.instantiate(&mut store).unwrap();
            let f = instance
                .get_typed_func::<i32, i64>(&mut store, "sum")
                .unwrap();
            f.call(&mut store, n).unwrap()
        });
    });
    group.finish();
}

criterion_group!(
    benches,
    instantiate_and_call,
    worst_case_compile,
    fuel_vs_epoch
);
criterion_main!(benches);
