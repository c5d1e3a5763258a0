//! Lexical layer: median time per path for a realistic mix (short, long, hostile) against
//! the naive check a user would write: `path_clean::clean(root.join(input))` then
//! `starts_with(root)` (which is wrong for `\`, encodings, Windows names and look-alikes —
//! it is here as the speed baseline only).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark setup")]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use palisade_path::Sanitizer;

const MIX: &[&str] = &[
    // short
    "src/main.rs",
    "README.md",
    "docs/guide/intro.md",
    "a/b/../c",
    // long
    "crates/palisade-path/src/fs/walk.rs",
    "very/deep/tree/with/many/components/that/keeps/going/on/and/on/until/it/ends/here.txt",
    "node_modules/@scope/package/dist/esm/internal/utils/helpers/format/index.js",
    // hostile
    "../../etc/passwd",
    "/etc/shadow",
    "%2e%2e/%2e%2e/etc/passwd",
    "C:\\Windows\\System32",
    "logs/con.txt",
    "a\u{ff0f}..\u{ff0f}b",
    "caf\u{e9}/r\u{e9}sum\u{e9}.pdf",
    "x/./y//z/../../w",
    "secret\u{200b}.txt",
];

fn bench(c: &mut Criterion) {
    let sanitizer = Sanitizer::new();
    let root = Path::new("/srv/root");
    let mut group = c.benchmark_group("lexical_mix_16_paths");
    group.bench_function("palisade_sanitize", |b| {
        b.iter(|| {
            let mut accepted = 0usize;
            for input in MIX {
                accepted += usize::from(sanitizer.sanitize(black_box(input)).is_ok());
            }
            accepted
        })
    });
    group.bench_function("naive_path_clean_starts_with", |b| {
        b.iter(|| {
            let mut accepted = 0usize;
            for input in MIX {
                let cleaned = path_clean::clean(root.join(black_box(input)));
                accepted += usize::from(cleaned.starts_with(root));
            }
            accepted
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
