//! Criterion benches (arriving with the benchmark step).
fn main() {}
