//! Reads a fuzz target's committed inputs (seed corpus and regressions) for replay in tests.

use std::path::{Path, PathBuf};

/// The `fuzz/` directory, given the including crate's manifest dir (`crates/NAME`).
fn fuzz_dir(manifest_dir: &str) -> PathBuf {
    Path::new(manifest_dir).join("../../fuzz")
}

/// Every file under `fuzz/corpus/TARGET` and `fuzz/regressions/TARGET`, as (file name, bytes),
/// sorted by name so failures are reproducible. Panics if the seed corpus is missing: a replay
/// that finds nothing to replay must not pass silently.
pub fn inputs(manifest_dir: &str, target: &str) -> Vec<(String, Vec<u8>)> {
    let base = fuzz_dir(manifest_dir);
    let seeds = read_dir(&base.join("corpus").join(target));
    assert!(!seeds.is_empty(), "no seed corpus for fuzz target {target}");
    let mut all = seeds;
    all.extend(read_dir(&base.join("regressions").join(target)));
    all
}

fn read_dir(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, Vec<u8>)> = entries
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.is_file())
        .map(|path| {
            let name = path
                .file_name()
                .expect("a file has a name")
                .to_string_lossy()
                .into_owned();
            let bytes = std::fs::read(&path).expect("readable fuzz input");
            (name, bytes)
        })
        .collect();
    files.sort();
    files
}
