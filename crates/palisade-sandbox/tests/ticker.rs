//! The epoch ticker thread belongs to the sandbox: it runs while the sandbox or one of its
//! plugins is alive and stops when the last one is dropped. (Its own test binary, so no other
//! test's sandboxes are counted.)
#![allow(clippy::unwrap_used, reason = "test code fails loudly")]

use std::time::{Duration, Instant};

use palisade_sandbox::Sandbox;

fn ticker_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim() == "palisade-epoch")
        .count()
}

/// Waits (up to 5 s) until exactly `n` ticker threads run. A new thread takes its name from
/// inside itself once it is scheduled, so right after `build()` it may not be visible yet.
fn eventually(n: usize) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if ticker_threads() == n {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn the_ticker_stops_when_the_sandbox_and_its_plugins_are_dropped() {
    assert_eq!(ticker_threads(), 0);
    let sandbox = Sandbox::builder().build().unwrap();
    assert!(eventually(1), "the sandbox started no ticker thread");
    let plugin = sandbox.load_wat("(module (func (export \"f\")))").unwrap();
    drop(sandbox);
    // The plugin still needs deadlines.
    assert_eq!(ticker_threads(), 1);
    plugin.call("f", &[]).unwrap();
    drop(plugin);
    assert!(eventually(0), "the ticker thread outlived its sandbox");
}
