//! Criterion benchmarks for palisade-audit (added with BENCHMARKS.md figures).

fn main() {}
