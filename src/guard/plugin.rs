//! Sandboxed plugin calls: registered [`Plugin`]s, each behind its own circuit breaker.
//!
//! A call is authorised like every other action (rate limit → permission, as the tool call
//! named after the plugin → approval → audit) and then needs a permit from the plugin's
//! breaker: an open breaker is a denial with the time until it probes again. The
//! [`PluginPermit`] runs the call in the sandbox, tells the breaker how it went and appends the
//! outcome to the audit log.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use palisade_audit::NewEvent;
use palisade_ratelimit::{CircuitBreaker, Clock, OwnedCallPermit, State};
use palisade_sandbox::{CallReport, ErrorKind as SandboxErrorKind, Plugin};
use serde_json::json;

use super::error::{Denial, DenialKind, Error, ErrorKind};
use super::{Inner, REASON_MAX, SUBJECT_MAX, clip};

/// The time source of the plugins' circuit breakers (a [`palisade_ratelimit::FakeClock`] in
/// tests, so a cool-down passes without sleeping).
#[derive(Clone)]
pub(crate) struct BreakerClock(pub(crate) Arc<dyn Clock>);

impl fmt::Debug for BreakerClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BreakerClock")
    }
}

impl Clock for BreakerClock {
    fn now_nanos(&self) -> u64 {
        self.0.now_nanos()
    }
}

/// A registered plugin and its breaker.
#[derive(Debug)]
pub(crate) struct Registered {
    pub(crate) plugin: Plugin,
    pub(crate) breaker: CircuitBreaker<BreakerClock>,
}

/// How a failed sandbox call counts for the plugin's breaker: what the plugin did (traps, fuel
/// or deadline exhaustion, memory and table limits, stack overflow, output over the limit, a
/// refused capability) counts as a failure; what the caller or the host did says nothing about
/// the plugin's health and is not counted, so that no actor can open a plugin's breaker for
/// everyone by asking for nonsense. Kinds not listed count as failures.
const NOT_THE_PLUGINS_FAULT: &[SandboxErrorKind] = &[
    // Input over `Limits::input_bytes`, or the pooling allocator is full.
    SandboxErrorKind::Io,
    // The caller named an export the plugin doesn't have (or with another signature).
    SandboxErrorKind::MissingExport,
];

/// True when a sandbox error counts as a failure of the plugin.
pub(crate) fn counts_as_failure(kind: SandboxErrorKind) -> bool {
    !NOT_THE_PLUGINS_FAULT.contains(&kind)
}

/// A plugin call that passed the breaker, waiting for its decision to be recorded.
pub(crate) struct Staged {
    name: String,
    export: String,
    input: Vec<u8>,
    plugin: Plugin,
    breaker: CircuitBreaker<BreakerClock>,
    permit: OwnedCallPermit<BreakerClock>,
}

impl Staged {
    /// Takes a permit from the plugin's breaker, or says why not.
    pub(crate) fn new(
        inner: &Inner,
        name: &str,
        export: &str,
        input: &[u8],
    ) -> Result<Self, Denial> {
        let Some(registered) = inner.plugins.get(name) else {
            return Err(Denial::new(
                DenialKind::UnknownPlugin,
                vec![format!("no plugin `{name}` is registered with the guard")],
            ));
        };
        let permit = registered.breaker.try_acquire_owned().map_err(|refused| {
            let reason = match (refused.state(), refused.retry_after()) {
                (State::Open, Some(after)) => format!(
                    "plugin `{name}` is failing: its circuit breaker opened after recent failures and lets a probe call through in {} ms",
                    after.as_millis()
                ),
                (State::HalfOpen, _) => format!(
                    "plugin `{name}` is recovering: its circuit breaker is half-open and its probe calls are all taken; retry shortly"
                ),
                (State::ForcedOpen, _) => {
                    format!("plugin `{name}`'s circuit breaker was forced open by the host")
                }
                (state, _) => format!("plugin `{name}`'s circuit breaker is {state}"),
            };
            let mut denial = Denial::new(DenialKind::CircuitOpen, vec![reason]);
            denial.retry_after = refused.retry_after();
            denial
        })?;
        Ok(Self {
            name: name.to_owned(),
            export: export.to_owned(),
            input: input.to_vec(),
            plugin: registered.plugin.clone(),
            breaker: registered.breaker.clone(),
            permit,
        })
    }

    /// The permit, once the decision is recorded.
    pub(crate) fn into_permit(
        self,
        inner: Arc<Inner>,
        actor: &str,
        audit_seq: Option<u64>,
    ) -> PluginPermit {
        PluginPermit {
            inner,
            actor: actor.to_owned(),
            name: self.name,
            export: self.export,
            input: self.input,
            plugin: self.plugin,
            breaker: self.breaker,
            permit: self.permit,
            audit_seq,
        }
    }
}

/// What a finished plugin call returned.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PluginOutcome {
    /// The bytes the plugin returned.
    pub output: Vec<u8>,
    /// Fuel, wall time and peak memory of the call, and the capabilities it was refused.
    pub report: CallReport,
    /// The plugin's breaker state after the call.
    pub breaker: State,
    /// The audit sequence number of the outcome event, when recorded.
    pub audit_seq: Option<u64>,
}

/// Permission to call one plugin export, once, with the exact input the policy and approver
/// saw. Holds a permit of the plugin's circuit breaker (dropping the permit unused gives it
/// back unrecorded). The breaker's slow-call clock runs from the permit's issue.
///
/// ```
/// use palisade::permission::{Layer, Policy};
/// use palisade::sandbox::Sandbox;
/// use palisade::{Guard, Permit, Request};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// // A plugin with the bytes ABI whose `run` returns its input.
/// let echo = Sandbox::builder().build()?.load_wat(
///     r#"(module
///       (memory (export "memory") 1)
///       (func (export "palisade_alloc") (param i32) (result i32) (i32.const 1024))
///       (func (export "run") (param $ptr i32) (param $len i32) (result i64)
///         (i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
///                 (i64.extend_i32_u (local.get $len)))))"#,
/// )?;
/// let policy = Policy::from_toml("[[rule]]\naction = \"allow\"\ntool = \"echo\"\n", "p.toml")?;
/// let guard = Guard::builder()
///     .root(dir.path())
///     .audit_path(dir.path().join("audit.db"))
///     .policy(Layer::User, policy)
///     .plugin("echo", echo) // with its own circuit breaker
///     .build()?;
///
/// let Permit::Plugin(call) = guard.authorize("host", &Request::plugin_call("echo", "run", "hi"))?
/// else {
///     unreachable!("a plugin call gives a plugin permit");
/// };
/// assert_eq!(call.call()?.output, b"hi");
/// assert_eq!(guard.audit_log().verify(None)?.events, 2); // the decision and the outcome
/// # Ok(())
/// # }
/// ```
pub struct PluginPermit {
    inner: Arc<Inner>,
    actor: String,
    name: String,
    export: String,
    input: Vec<u8>,
    plugin: Plugin,
    breaker: CircuitBreaker<BreakerClock>,
    permit: OwnedCallPermit<BreakerClock>,
    audit_seq: Option<u64>,
}

impl fmt::Debug for PluginPermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginPermit")
            .field("plugin", &self.name)
            .field("export", &self.export)
            .field("input_bytes", &self.input.len())
            .field("audit_seq", &self.audit_seq)
            .finish_non_exhaustive()
    }
}

impl PluginPermit {
    /// The plugin's registered name.
    pub fn plugin(&self) -> &str {
        &self.name
    }

    /// The export that will be called.
    pub fn export(&self) -> &str {
        &self.export
    }

    /// The audit sequence number of the decision.
    pub fn audit_seq(&self) -> Option<u64> {
        self.audit_seq
    }

    /// Calls the export through the bytes ABI in the sandbox, records the result with the
    /// plugin's breaker (traps, fuel or deadline exhaustion, memory limits, bad output count
    /// as failures) and appends the outcome to the audit log. With
    /// [`AuditFailure::Deny`](super::AuditFailure::Deny), an outcome that can't be recorded is
    /// an error and the output is withheld (the call has run by then).
    pub fn call(self) -> Result<PluginOutcome, Error> {
        let PluginPermit {
            inner,
            actor,
            name,
            export,
            input,
            plugin,
            breaker,
            permit,
            audit_seq,
        } = self;
        let result = plugin.call_bytes(&export, &input);
        match &result {
            Ok(_) => permit.record_success(),
            Err(err) if counts_as_failure(err.kind()) => permit.record_failure(),
            Err(_) => permit.release(),
        }
        let state = breaker.state();
        let subject = clip(&format!("{name}.{export}"), SUBJECT_MAX);
        let event = NewEvent::new(
            &actor,
            "plugin.call.result",
            palisade_audit::Decision::Allow,
            palisade_audit::Risk::Low,
        )
        .with_subject(subject.clone());
        let event = match &result {
            Ok(outcome) => event
                .with_reason(format!("returned {} bytes", outcome.value.len()))
                .with_metadata(json!({
                    "decision_seq": audit_seq,
                    "ok": true,
                    "output_bytes": outcome.value.len(),
                    "fuel_consumed": outcome.report.fuel_consumed,
                    "elapsed_ms": millis(outcome.report.elapsed),
                    "peak_memory_bytes": outcome.report.peak_memory_bytes,
                    "denials": outcome.report.denials.len(),
                    "breaker": state.as_str(),
                })),
            Err(err) => event
                .with_reason(clip(&format!("failed ({}): {err}", err.kind()), REASON_MAX))
                .with_metadata(json!({
                    "decision_seq": audit_seq,
                    "ok": false,
                    "kind": err.kind().as_str(),
                    "trap_code": err.trap_code(),
                    "counted_as_failure": counts_as_failure(err.kind()),
                    "elapsed_ms": err.report().map(|r| millis(r.elapsed)),
                    "breaker": state.as_str(),
                })),
        };
        let recorded = inner.record(event);
        match (result, recorded) {
            (Ok(outcome), Ok(seq)) => Ok(PluginOutcome {
                output: outcome.value,
                report: outcome.report,
                breaker: state,
                audit_seq: seq,
            }),
            (Ok(_), Err(err)) => Err(Error::new(
                ErrorKind::Audit,
                format!(
                    "`{subject}` ran, but its outcome could not be recorded, so its output is withheld: {err}"
                ),
            )),
            (Err(err), _) => Err(Error::with_source(
                ErrorKind::Plugin,
                format!(
                    "plugin call `{subject}` failed ({}): {err}; its breaker is {state}",
                    err.kind()
                ),
                err,
            )),
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
