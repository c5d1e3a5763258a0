//! Filesystem layer: `Root::open` of a 4-component path against a raw
//! `openat2(RESOLVE_BENEATH)` of the same file and against `canonicalize` + `starts_with` +
//! `File::open` (the naive, racy check). The portable walk is measured too, for reference.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark setup")]

use criterion::{Criterion, criterion_group, criterion_main};

#[cfg(target_os = "linux")]
fn bench(c: &mut Criterion) {
    use std::hint::black_box;

    use palisade_path::{OpenOptions, Resolver, Root};
    use rustix::fs::{Mode, OFlags, ResolveFlags};

    let dir = tempfile::tempdir().unwrap();
    let root_path = dir.path().join("root");
    std::fs::create_dir_all(root_path.join("a/b/c")).unwrap();
    std::fs::write(root_path.join("a/b/c/file.txt"), "data").unwrap();
    let input = "a/b/c/file.txt";
    let root = Root::new(&root_path).unwrap();
    assert!(root.uses_openat2());
    let portable = Root::options()
        .resolver(Resolver::Portable)
        .open(&root_path)
        .unwrap();
    let options = OpenOptions::new();

    let mut group = c.benchmark_group("open_4_components");
    group.bench_function("palisade_root_open_openat2", |b| {
        b.iter(|| root.open(black_box(input), &options).unwrap())
    });
    group.bench_function("raw_openat2_beneath", |b| {
        b.iter(|| {
            rustix::fs::openat2(
                root.as_fd(),
                black_box(input),
                OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW,
                Mode::empty(),
                ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS,
            )
            .unwrap()
        })
    });
    group.bench_function("canonicalize_starts_with_open", |b| {
        b.iter(|| {
            let real = std::fs::canonicalize(root_path.join(black_box(input))).unwrap();
            assert!(real.starts_with(&root_path));
            std::fs::File::open(real).unwrap()
        })
    });
    group.bench_function("palisade_root_open_portable_walk", |b| {
        b.iter(|| portable.open(black_box(input), &options).unwrap())
    });
    group.finish();
}

#[cfg(not(target_os = "linux"))]
fn bench(_c: &mut Criterion) {}

criterion_group!(benches, bench);
criterion_main!(benches);
