//! Sandboxed plugin calls through `palisade::Guard` with real parts: real wasmtime running
//! real WAT modules, a real SQLite audit log, the real circuit breaker of
//! `palisade-ratelimit` (on its fake clock, so the cool-down passes without sleeping).
#![cfg(all(unix, feature = "sandbox"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "integration tests fail loudly; clippy.toml exempts only #[test] functions"
)]

use std::path::Path;
use std::time::Duration;

use palisade::audit::{AuditReader, Query};
use palisade::permission::{Layer, Policy};
use palisade::ratelimit::{BreakerConfig, FakeClock, SlidingWindow, State};
use palisade::sandbox::{ErrorKind as SandboxErrorKind, Sandbox};
use palisade::{
    Answer, Approval, ApprovalRequest, Approver, DenialKind, ErrorKind, Guard, GuardBuilder,
    GuardConfig, Permit, PluginPermit, Request, describe_approval,
};

/// A plugin with the bytes ABI: `run` echoes, `flaky` traps when the input starts with `!`
/// and echoes otherwise, `spin` never ends, `grow` asks for memory until refused.
const PLUGIN: &str = r#"(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (func (export "palisade_alloc") (param $len i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.add (global.get $next) (local.get $len)))
    (local.get $p))
  (func $echo (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
            (i64.extend_i32_u (local.get $len))))
  (func (export "run") (param $ptr i32) (param $len i32) (result i64)
    (call $echo (local.get $ptr) (local.get $len)))
  (func (export "flaky") (param $ptr i32) (param $len i32) (result i64)
    (if (i32.gt_u (local.get $len) (i32.const 0))
      (then
        (if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 33))
          (then unreachable))))
    (call $echo (local.get $ptr) (local.get $len)))
  (func (export "spin") (param i32 i32) (result i64)
    (loop (br 0))
    (i64.const 0))
  (func (export "grow") (param i32 i32) (result i64)
    (loop (br_if 0 (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    (i64.const 0)))"#;

const POLICY: &str = r#"
[[rule]]
action = "allow"
tool = ["echo", "flaky"]

[[rule]]
action = "deny"
tool = "forbidden"
reason = "this plugin is switched off"
"#;

struct Fixture {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    db: std::path::PathBuf,
    clock: FakeClock,
    sandbox: Sandbox,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    std::fs::create_dir_all(&root).unwrap();
    let db = dir.path().join("audit.db");
    let sandbox = Sandbox::builder()
        .fuel_per_call(Some(5_000_000))
        .timeout(Duration::from_secs(5))
        .memory_bytes(2 << 20)
        .build()
        .unwrap();
    Fixture {
        root,
        db,
        clock: FakeClock::new(),
        sandbox,
        _dir: dir,
    }
}

/// Opens after 3 failures among the last 4 calls (3 calls at least), probes with 2 calls
/// after 30 s of fake time.
fn breaker() -> BreakerConfig {
    let mut config = BreakerConfig::default();
    config.sliding_window = SlidingWindow::Count(4);
    config.minimum_calls = 3;
    config.failure_rate_threshold = 50.0;
    config.wait_in_open = Duration::from_secs(30);
    config.half_open_calls = 2;
    config
}

fn builder(f: &Fixture) -> GuardBuilder {
    let plugin = f.sandbox.load_wat(PLUGIN).unwrap();
    Guard::builder()
        .root(&f.root)
        .audit_path(&f.db)
        .policy(Layer::User, Policy::from_toml(POLICY, "test.toml").unwrap())
        .plugin("echo", plugin.clone())
        .plugin("flaky", plugin.clone())
        .plugin("forbidden", plugin.clone())
        .plugin("asked", plugin)
        .plugin_breaker(breaker())
        .breaker_clock(f.clock.clone())
}

fn events(db: &Path) -> Vec<serde_json::Value> {
    let reader = AuditReader::open(db).unwrap();
    let page = reader.query(&Query::new()).unwrap();
    page.rows.iter().map(palisade::audit::row_to_json).collect()
}

fn permit(guard: &Guard, plugin: &str, export: &str, input: &[u8]) -> PluginPermit {
    match guard.authorize(
        "host",
        &Request::plugin_call(plugin, export, input.to_vec()),
    ) {
        Ok(Permit::Plugin(permit)) => permit,
        Ok(other) => panic!("a plugin permit, got {other:?}"),
        Err(denial) => panic!("{plugin}.{export} denied: {denial}"),
    }
}

#[test]
fn an_allowed_call_runs_in_the_sandbox_and_is_audited_before_and_after() {
    let f = fixture();
    let guard = builder(&f).build().unwrap();
    let permit = permit(&guard, "echo", "run", b"hello, plugin");
    assert_eq!(permit.plugin(), "echo");
    assert_eq!(permit.audit_seq(), Some(1));
    let outcome = permit.call().unwrap();
    assert_eq!(outcome.output, b"hello, plugin");
    assert_eq!(outcome.breaker, State::Closed);
    assert!(outcome.report.fuel_consumed.is_some());
    assert_eq!(outcome.audit_seq, Some(2));

    let events = events(&f.db);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["action"], "plugin.call");
    assert_eq!(events[0]["decision"], "allow");
    assert_eq!(events[0]["subject"], "echo.run (13 bytes)");
    assert_eq!(events[1]["action"], "plugin.call.result");
    assert_eq!(events[1]["metadata"]["ok"], true);
    assert_eq!(events[1]["metadata"]["decision_seq"], 1);
    assert!(guard.audit_log().verify(None).unwrap().is_ok());
}

#[test]
fn unknown_denied_and_unapproved_plugins_never_run() {
    let f = fixture();
    let guard = builder(&f).build().unwrap();
    for (plugin, kind, needle) in [
        ("nope", DenialKind::UnknownPlugin, "no plugin `nope`"),
        ("forbidden", DenialKind::Policy, "switched off"),
        // No rule: a tool call is medium risk, so the policy asks, and there is no approver.
        ("asked", DenialKind::NotApproved, "no approver"),
        ("", DenialKind::UnknownPlugin, "plugin name"),
    ] {
        let denial = guard
            .authorize("host", &Request::plugin_call(plugin, "run", b"x".to_vec()))
            .unwrap_err();
        assert_eq!(denial.kind, kind, "{plugin}: {denial}");
        assert!(denial.to_string().contains(needle), "{plugin}: {denial}");
        assert!(
            denial.audit_seq.is_some(),
            "{plugin}: the denial is recorded"
        );
    }
    assert_eq!(events(&f.db).len(), 4);
}

/// Allows once only a plugin call whose shown words are exactly `words`.
#[derive(Debug)]
struct ApproveCall(Vec<String>);

impl Approver for ApproveCall {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Approval {
        let shown: Vec<String> = request
            .decision
            .commands
            .iter()
            .flat_map(|c| c.argv.iter().map(|w| w.text.clone()))
            .collect();
        Approval {
            answer: if shown == self.0 {
                Answer::AllowOnce
            } else {
                Answer::Deny
            },
            digest: request.digest,
        }
    }
}

#[test]
fn an_approval_of_a_plugin_call_is_bound_to_its_exact_input() {
    let f = fixture();
    // sha256("yes")
    let approved = vec![
        "plugin.call".to_owned(),
        "asked".to_owned(),
        "run".to_owned(),
        "input-sha256:8a798890fe93817163b10b5f7bd2ca4d25d84c52739a645a889c173eee7d9d3d".to_owned(),
    ];
    let guard = builder(&f).approver(ApproveCall(approved)).build().unwrap();
    let outcome = permit(&guard, "asked", "run", b"yes").call().unwrap();
    assert_eq!(outcome.output, b"yes");
    for (export, input) in [("run", &b"yes!"[..]), ("flaky", &b"yes"[..])] {
        let denial = guard
            .authorize(
                "host",
                &Request::plugin_call("asked", export, input.to_vec()),
            )
            .unwrap_err();
        assert_eq!(denial.kind, DenialKind::NotApproved, "{export}");
    }
}

#[test]
fn the_approver_is_shown_the_plugin_export_and_input_digest() {
    #[derive(Debug, Default)]
    struct Record(std::sync::Mutex<Vec<String>>);
    impl Approver for Record {
        fn approve(&self, request: &ApprovalRequest<'_>) -> Approval {
            self.0.lock().unwrap().push(describe_approval(request));
            Approval {
                answer: Answer::Deny,
                digest: request.digest,
            }
        }
    }
    let f = fixture();
    let record = std::sync::Arc::new(Record::default());
    let guard = builder(&f).shared_approver(record.clone()).build().unwrap();
    let _ = guard.authorize("host", &Request::plugin_call("asked", "run", b"".to_vec()));
    assert_eq!(
        *record.0.lock().unwrap(),
        [
            "plugin.call asked run input-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ]
    );
}

#[test]
fn a_trapping_plugin_trips_its_breaker_and_recovers_through_half_open() {
    let f = fixture();
    let guard = builder(&f).build().unwrap();
    // Three traps: the third fills the minimum and the failure rate (100 %) opens it.
    for n in 1..=3 {
        let err = permit(&guard, "flaky", "flaky", b"!boom")
            .call()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Plugin);
        let sandbox_error = err.sandbox_error().unwrap();
        assert_eq!(sandbox_error.kind(), SandboxErrorKind::Trap, "{err}");
        let expected = if n < 3 { "closed" } else { "open" };
        assert!(err.to_string().contains(expected), "call {n}: {err}");
    }
    assert_eq!(guard.plugin_breaker_state("flaky"), Some(State::Open));

    // While open: denied with a readable reason and the time until it probes.
    let denial = guard
        .authorize(
            "host",
            &Request::plugin_call("flaky", "flaky", b"ok".to_vec()),
        )
        .unwrap_err();
    assert_eq!(denial.kind, DenialKind::CircuitOpen);
    assert!(
        denial
            .to_string()
            .contains("circuit breaker opened after recent failures"),
        "{denial}"
    );
    assert_eq!(denial.retry_after, Some(Duration::from_secs(30)));
    assert!(denial.audit_seq.is_some());
    // Other plugins have their own breakers.
    assert!(permit(&guard, "echo", "run", b"still fine").call().is_ok());

    // Still open just before the cool-down ends.
    f.clock.advance(Duration::from_secs(29));
    let denial = guard
        .authorize(
            "host",
            &Request::plugin_call("flaky", "flaky", b"ok".to_vec()),
        )
        .unwrap_err();
    assert_eq!(denial.retry_after, Some(Duration::from_secs(1)));

    // After it: two probes are let through (a third is refused while they are out), and
    // their success closes the breaker.
    f.clock.advance(Duration::from_secs(1));
    let first = permit(&guard, "flaky", "flaky", b"ok 1");
    let second = permit(&guard, "flaky", "flaky", b"ok 2");
    let denial = guard
        .authorize(
            "host",
            &Request::plugin_call("flaky", "flaky", b"ok 3".to_vec()),
        )
        .unwrap_err();
    assert_eq!(denial.kind, DenialKind::CircuitOpen);
    assert!(denial.to_string().contains("half-open"), "{denial}");
    assert_eq!(guard.plugin_breaker_state("flaky"), Some(State::HalfOpen));
    assert_eq!(first.call().unwrap().output, b"ok 1");
    let outcome = second.call().unwrap();
    assert_eq!(outcome.breaker, State::Closed);
    assert_eq!(guard.plugin_breaker_state("flaky"), Some(State::Closed));
    assert!(permit(&guard, "flaky", "flaky", b"ok 4").call().is_ok());

    // The log: one event per authorisation (permits and denials) and one per outcome.
    let events = events(&f.db);
    let decisions = events
        .iter()
        .filter(|e| e["action"] == "plugin.call")
        .count();
    let outcomes = events
        .iter()
        .filter(|e| e["action"] == "plugin.call.result")
        .count();
    // 3 traps + 1 open + 1 echo + 1 still open + 2 probes + 1 refused probe + 1 closed.
    assert_eq!(decisions, 10);
    // Every permit that was called: 3 traps + echo + 2 probes + the last one.
    assert_eq!(outcomes, 7);
    assert_eq!(events.len(), decisions + outcomes);
    let open_denials: Vec<_> = events
        .iter()
        .filter(|e| e["rule"] == "circuit_open")
        .collect();
    assert_eq!(open_denials.len(), 3);
    let failed: Vec<_> = events
        .iter()
        .filter(|e| e["action"] == "plugin.call.result" && e["metadata"]["ok"] == false)
        .collect();
    assert_eq!(failed.len(), 3);
    assert!(failed.iter().all(|e| e["metadata"]["kind"] == "trap"));
    let report = guard.audit_log().verify(None).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.events, 17);
}

#[test]
fn a_failing_probe_reopens_the_breaker() {
    let f = fixture();
    let guard = builder(&f).build().unwrap();
    for _ in 0..3 {
        assert!(permit(&guard, "flaky", "flaky", b"!").call().is_err());
    }
    f.clock.advance(Duration::from_secs(30));
    let a = permit(&guard, "flaky", "flaky", b"!");
    let b = permit(&guard, "flaky", "flaky", b"fine");
    assert!(a.call().is_err());
    assert!(b.call().is_ok());
    // One of two probes failed: 50 % is at the threshold, so it opens again.
    assert_eq!(guard.plugin_breaker_state("flaky"), Some(State::Open));
    let denial = guard
        .authorize(
            "host",
            &Request::plugin_call("flaky", "flaky", b"x".to_vec()),
        )
        .unwrap_err();
    assert_eq!(denial.kind, DenialKind::CircuitOpen);
}

#[test]
fn fuel_exhaustion_memory_limits_and_traps_count_as_failures() {
    let f = fixture();
    let guard = builder(&f).build().unwrap();
    let expected = [
        ("spin", SandboxErrorKind::OutOfFuel),
        ("grow", SandboxErrorKind::MemoryLimit),
        ("flaky", SandboxErrorKind::Trap),
    ];
    for (export, kind) in expected {
        let err = permit(&guard, "echo", export, b"!").call().unwrap_err();
        assert_eq!(err.sandbox_error().unwrap().kind(), kind, "{export}: {err}");
    }
    // Three failures of three: the echo plugin's breaker is open now.
    assert_eq!(guard.plugin_breaker_state("echo"), Some(State::Open));
    let events = events(&f.db);
    let kinds: Vec<&str> = events
        .iter()
        .filter(|e| e["action"] == "plugin.call.result")
        .map(|e| e["metadata"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["out_of_fuel", "memory_limit", "trap"]);
}

#[test]
fn a_missing_export_is_the_callers_mistake_and_does_not_trip_the_breaker() {
    let f = fixture();
    let guard = builder(&f).build().unwrap();
    for _ in 0..4 {
        let err = permit(&guard, "echo", "no_such_export", b"")
            .call()
            .unwrap_err();
        assert_eq!(
            err.sandbox_error().unwrap().kind(),
            SandboxErrorKind::MissingExport
        );
    }
    assert_eq!(guard.plugin_breaker_state("echo"), Some(State::Closed));
}

#[test]
fn input_over_the_sandbox_limit_is_not_the_plugins_fault() {
    let f = fixture();
    let guard = builder(&f).build().unwrap();
    let too_big = vec![0u8; f.sandbox.limits().input_bytes + 1];
    for _ in 0..4 {
        let err = permit(&guard, "echo", "run", &too_big).call().unwrap_err();
        assert_eq!(err.sandbox_error().unwrap().kind(), SandboxErrorKind::Io);
    }
    assert_eq!(guard.plugin_breaker_state("echo"), Some(State::Closed));
}

#[test]
fn an_unused_permit_gives_its_breaker_slot_back() {
    let f = fixture();
    let guard = builder(&f).build().unwrap();
    for _ in 0..3 {
        assert!(permit(&guard, "flaky", "flaky", b"!").call().is_err());
    }
    f.clock.advance(Duration::from_secs(30));
    // Both probes taken, then dropped unused: the slots are free again.
    drop(permit(&guard, "flaky", "flaky", b"a"));
    drop(permit(&guard, "flaky", "flaky", b"b"));
    assert!(permit(&guard, "flaky", "flaky", b"c").call().is_ok());
}

#[test]
fn the_rate_limit_comes_before_the_plugin_and_its_breaker() {
    let f = fixture();
    let guard = builder(&f)
        .per_actor("2/m".parse().unwrap())
        .build()
        .unwrap();
    assert!(permit(&guard, "echo", "run", b"1").call().is_ok());
    assert!(permit(&guard, "echo", "run", b"2").call().is_ok());
    let denial = guard
        .authorize("host", &Request::plugin_call("echo", "run", b"3".to_vec()))
        .unwrap_err();
    assert_eq!(denial.kind, DenialKind::RateLimited);
    assert!(denial.retry_after.is_some());
}

/// Makes every later insert into the events table fail, from a second connection.
fn break_the_log(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER test_refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
    )
    .unwrap();
}

#[test]
fn an_unwritable_audit_log_denies_a_plugin_call_before_it_runs() {
    let f = fixture();
    let guard = builder(&f).build().unwrap();
    assert!(permit(&guard, "echo", "run", b"1").call().is_ok());
    break_the_log(&f.db);
    // A trapping call would fail its breaker if it ran: it doesn't run.
    for _ in 0..4 {
        let denial = guard
            .authorize(
                "host",
                &Request::plugin_call("flaky", "flaky", b"!".to_vec()),
            )
            .unwrap_err();
        assert_eq!(denial.kind, DenialKind::AuditUnavailable, "{denial}");
        assert!(denial.to_string().contains("nothing ran"), "{denial}");
    }
    assert_eq!(guard.plugin_breaker_state("flaky"), Some(State::Closed));
}

#[test]
fn an_outcome_that_cannot_be_recorded_withholds_the_output() {
    let f = fixture();
    let guard = builder(&f).build().unwrap();
    let permit = permit(&guard, "echo", "run", b"secret");
    break_the_log(&f.db);
    let err = permit.call().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Audit);
    assert!(err.to_string().contains("withheld"), "{err}");
}

#[test]
fn plugin_names_are_checked_when_the_guard_is_built() {
    let f = fixture();
    let plugin = f.sandbox.load_wat(PLUGIN).unwrap();
    for (name, needle) in [
        ("", "invalid plugin name"),
        ("has space", "invalid plugin name"),
        ("write_file", "reserved"),
    ] {
        let err = Guard::builder()
            .root(&f.root)
            .audit_path(&f.db)
            .plugin(name, plugin.clone())
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains(needle), "{name}: {err}");
    }
    let err = Guard::builder()
        .root(&f.root)
        .audit_path(&f.db)
        .plugin("twice", plugin.clone())
        .plugin("twice", plugin)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
}

#[test]
fn concurrent_calls_through_one_guard_keep_one_chain() {
    let f = fixture();
    let guard = builder(&f).build().unwrap();
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let guard = guard.clone();
            std::thread::spawn(move || {
                for j in 0..3 {
                    let input = format!("{i}-{j}");
                    let outcome = permit(&guard, "echo", "run", input.as_bytes())
                        .call()
                        .unwrap();
                    assert_eq!(outcome.output, input.as_bytes());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let report = guard.audit_log().verify(None).unwrap();
    assert!(report.is_ok());
    assert_eq!(report.events, 24);
}

#[test]
fn the_config_files_breaker_settings_apply_to_every_plugin() {
    let f = fixture();
    let config = GuardConfig::from_toml(
        "[plugins.breaker]\nwindow = 2\nminimum_calls = 2\nfailure_rate = 100\nwait_in_open_ms = 5000\nhalf_open_calls = 1\n",
        "guard.toml",
        &f.root,
    )
    .unwrap();
    let plugin = f.sandbox.load_wat(PLUGIN).unwrap();
    let guard = Guard::builder()
        .config(config)
        .root(&f.root)
        .audit_path(&f.db)
        .policy(Layer::User, Policy::from_toml(POLICY, "test.toml").unwrap())
        .plugin("flaky", plugin)
        .breaker_clock(f.clock.clone())
        .build()
        .unwrap();
    assert!(permit(&guard, "flaky", "flaky", b"!").call().is_err());
    assert_eq!(guard.plugin_breaker_state("flaky"), Some(State::Closed));
    assert!(permit(&guard, "flaky", "flaky", b"!").call().is_err());
    assert_eq!(guard.plugin_breaker_state("flaky"), Some(State::Open));
    let denial = guard
        .authorize(
            "host",
            &Request::plugin_call("flaky", "flaky", b"x".to_vec()),
        )
        .unwrap_err();
    assert_eq!(denial.retry_after, Some(Duration::from_secs(5)));
    f.clock.advance(Duration::from_secs(5));
    // One probe, and it succeeds.
    assert!(permit(&guard, "flaky", "flaky", b"x").call().is_ok());
    assert_eq!(guard.plugin_breaker_state("flaky"), Some(State::Closed));
}
