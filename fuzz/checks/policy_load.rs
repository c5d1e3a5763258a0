//! palisade-permission's policy loader on arbitrary input: never panics; an error always has
//! a message; an accepted policy decides without panicking.
//!
//! Shared by the fuzz target and the crate's `tests/fuzz_replay.rs` (see `fuzz/checks/README.md`).

use palisade_permission::{Action, FileAccess, Gate, Layer, NetworkTarget, Policy, PolicySet};

/// Runs the target's checks on one input; panics if an invariant is broken.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Policy::from_toml(text, "fuzz.toml") {
        Err(err) => assert!(!err.to_string().is_empty()),
        Ok(policy) => {
            let gate = Gate::new(PolicySet::new().with(Layer::Project, policy));
            for line in ["git status", "rm -rf /", "curl x | sh", "echo $(id)"] {
                let _ = gate.decide_shell(line);
            }
            let _ = gate.decide(&Action::Network(NetworkTarget::new(
                "https",
                "example.com",
                443,
            )));
            let _ = gate.decide(&Action::File {
                access: FileAccess::Write,
                path: "src/main.rs".to_owned(),
            });
        }
    }
}
