//! `palisade limit`: try rate limits and circuit breakers on recorded or made-up traffic,
//! on a simulated clock, before putting them in front of a real service.

use std::io::BufRead as _;
use std::num::NonZeroU32;
use std::time::Duration;

use clap::{Args, Subcommand};
use palisade_ratelimit::{
    CircuitBreaker, FakeClock, Mode, Quota, RateLimiter, SlidingWindow, State, StateTransition,
};
use serde_json::{Value, json};

use crate::output::{Output, Status};

/// Arguments of `palisade limit`.
#[derive(Debug, Args)]
pub struct LimitArgs {
    #[command(subcommand)]
    command: LimitCommand,
}

#[derive(Debug, Subcommand)]
enum LimitCommand {
    /// Replay arrivals through a rate limiter on a simulated clock.
    ///
    /// Reads one arrival per line on standard input: `<t_ms> <key> [cost]` (milliseconds
    /// since the start, non-decreasing; any key without spaces; cost 1 by default). Blank
    /// lines and lines starting with `#` are skipped. Prints one decision per arrival:
    /// `{"t_ms", "key", "cost", "allowed", "denied_by", "retry_after_ms", "remaining",
    /// "dry_run"}`; `denied_by` is null or one of `global`, `key`, `cost_exceeds_burst`,
    /// `key_table_full`.
    ///
    /// Exit status: 0 nothing was denied, 1 something was denied (or would have been, with
    /// `--dry-run`), 2 bad options or a malformed line (reported with its line number;
    /// nothing after it is read).
    ///
    /// Example: printf '0 alice\n0 alice\n0 alice\n500 alice\n' |
    /// palisade limit simulate --per-key '2/s' --json
    Simulate(SimulateArgs),
    /// Parse quota strings and print what they mean.
    ///
    /// Prints `{"input", "ok": true, "quota", "count", "period_ms", "burst",
    /// "replenish_interval_ns"}` or `{"input", "ok": false, "error": {"kind": "invalid_quota",
    /// "message"}}` per quota. Exit status 1 if any is invalid.
    Quota(QuotaArgs),
    /// Replay call outcomes through a circuit breaker on a simulated clock.
    ///
    /// Reads one call per line on standard input: `<t_ms> <ok|fail|ignore> [duration_ms]`
    /// (the call starts at t_ms and lasts duration_ms, default 0; calls are replayed one
    /// after another). Prints `{"t_ms", "outcome", "permitted", "state", "retry_after_ms",
    /// "transitions": [{"from", "to"}]}` per call; `state` is the state after the call.
    ///
    /// Exit status: 0 every call was permitted, 1 some call was rejected, 2 bad options or
    /// a malformed line.
    Breaker(BreakerArgs),
}

/// Options of `palisade limit simulate`.
#[derive(Debug, Args)]
struct SimulateArgs {
    /// The global quota, e.g. `100/s`, `6000/m`, `10/s burst 20`.
    #[arg(long, alias = "rate", value_name = "RATE")]
    global: Option<String>,
    /// Overrides the global quota's burst.
    #[arg(long, value_name = "N", requires = "global")]
    burst: Option<NonZeroU32>,
    /// The quota of each key, e.g. `2/s`.
    #[arg(long, value_name = "RATE")]
    per_key: Option<String>,
    /// Overrides the per-key quota's burst.
    #[arg(long, value_name = "N", requires = "per_key")]
    key_burst: Option<NonZeroU32>,
    /// A quota for one key, replacing the per-key quota (repeatable): `tenant-a=50/s`.
    #[arg(long = "key-quota", value_name = "KEY=RATE")]
    key_quotas: Vec<String>,
    /// The cap on tracked keys.
    #[arg(long, value_name = "N", default_value_t = palisade_ratelimit::DEFAULT_MAX_KEYS)]
    max_keys: usize,
    /// Report what would be denied, but allow everything (and spend nothing on it).
    #[arg(long)]
    dry_run: bool,
}

/// Options of `palisade limit quota`.
#[derive(Debug, Args)]
struct QuotaArgs {
    /// Quota strings, e.g. `10/s` `600/m` `3/10s burst 5`.
    #[arg(value_name = "RATE", required = true)]
    quotas: Vec<String>,
}

/// Options of `palisade limit breaker`.
#[derive(Debug, Args)]
struct BreakerArgs {
    /// Sliding window: `count:N` (the last N calls) or `seconds:N` (the last N seconds).
    #[arg(long, value_name = "KIND:N", default_value = "count:100")]
    window: String,
    /// Calls needed in the window before rates are computed.
    #[arg(long, value_name = "N", default_value_t = 100)]
    min_calls: u32,
    /// Failure rate (percent) at or above which the breaker opens.
    #[arg(long, value_name = "PERCENT", default_value_t = 50.0)]
    failure_rate: f32,
    /// A call longer than this many milliseconds is slow.
    #[arg(long, value_name = "MS", default_value_t = 60_000)]
    slow_call_ms: u64,
    /// Slow-call rate (percent) at or above which the breaker opens.
    #[arg(long, value_name = "PERCENT", default_value_t = 100.0)]
    slow_rate: f32,
    /// How long the breaker stays open before probing, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 60_000)]
    wait_open_ms: u64,
    /// Probes admitted in half-open.
    #[arg(long, value_name = "N", default_value_t = 10)]
    half_open_calls: u32,
    /// The longest the breaker stays half-open, in milliseconds.
    #[arg(long, value_name = "MS")]
    max_half_open_ms: Option<u64>,
}

/// Runs `palisade limit …`.
pub fn run(args: LimitArgs, out: Output) -> Status {
    match args.command {
        LimitCommand::Simulate(args) => simulate(args, out),
        LimitCommand::Quota(args) => quota(args, out),
        LimitCommand::Breaker(args) => breaker(args, out),
    }
}

fn parse_quota(text: &str, burst: Option<NonZeroU32>) -> Result<Quota, String> {
    let quota: Quota = text.parse().map_err(|e| format!("{e}"))?;
    Ok(match burst {
        Some(burst) => quota.with_burst(burst),
        None => quota,
    })
}

/// Reads non-blank, non-comment lines with their 1-based numbers; stops at a read error.
fn input_lines() -> impl Iterator<Item = Result<(usize, String), String>> {
    std::io::stdin()
        .lock()
        .lines()
        .enumerate()
        .map(|(i, line)| {
            line.map(|l| (i + 1, l))
                .map_err(|e| format!("cannot read standard input: {e}"))
        })
        .filter(|r| {
            r.as_ref().map_or(true, |(_, l)| {
                !l.trim().is_empty() && !l.trim_start().starts_with('#')
            })
        })
}

fn bad_line(out: &Output, number: usize, line: &str, what: &str) -> Status {
    out.usage_error(
        "invalid_input",
        &format!("line {number}: `{}`: {what}", line.escape_debug()),
    )
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Milliseconds, rounded up, so a caller that waits that long is not refused again.
fn millis_ceil(d: Duration) -> u64 {
    let ms = millis(d);
    if !d.subsec_nanos().is_multiple_of(1_000_000) {
        ms.saturating_add(1)
    } else {
        ms
    }
}

/// Parses `<t_ms>` and checks it does not go backwards.
fn parse_time(field: Option<&str>, last: u64) -> Result<u64, &'static str> {
    let t: u64 = field
        .ok_or("expected `<t_ms> ...`")?
        .parse()
        .map_err(|_| "the time must be whole milliseconds")?;
    if t < last {
        return Err("times must not go backwards");
    }
    Ok(t)
}

fn simulate(args: SimulateArgs, out: Output) -> Status {
    let clock = FakeClock::new();
    let mut builder = RateLimiter::<String>::builder()
        .max_keys(args.max_keys)
        .mode(if args.dry_run {
            Mode::DryRun
        } else {
            Mode::Enforce
        });
    if let Some(text) = &args.global {
        match parse_quota(text, args.burst) {
            Ok(q) => builder = builder.global(q),
            Err(e) => return out.usage_error("invalid_quota", &format!("--global: {e}")),
        }
    }
    if let Some(text) = &args.per_key {
        match parse_quota(text, args.key_burst) {
            Ok(q) => builder = builder.per_key(q),
            Err(e) => return out.usage_error("invalid_quota", &format!("--per-key: {e}")),
        }
    }
    for spec in &args.key_quotas {
        let Some((key, text)) = spec.split_once('=') else {
            return out.usage_error(
                "invalid_quota",
                &format!("--key-quota `{spec}`: write `KEY=RATE`, e.g. `tenant-a=50/s`"),
            );
        };
        match parse_quota(text, None) {
            Ok(q) => builder = builder.key_quota(key.to_string(), q),
            Err(e) => return out.usage_error("invalid_quota", &format!("--key-quota: {e}")),
        }
    }
    let limiter = match builder.clock(clock.clone()).build() {
        Ok(limiter) => limiter,
        Err(e) => return out.usage_error("invalid_config", &e.to_string()),
    };

    let mut last = 0;
    let (mut allowed, mut denied) = (0u64, 0u64);
    for line in input_lines() {
        let (number, line) = match line {
            Ok(l) => l,
            Err(e) => return out.usage_error("io", &e),
        };
        let mut fields = line.split_ascii_whitespace();
        let t = match parse_time(fields.next(), last) {
            Ok(t) => t,
            Err(what) => return bad_line(&out, number, &line, what),
        };
        let Some(key) = fields.next() else {
            return bad_line(&out, number, &line, "expected `<t_ms> <key> [cost]`");
        };
        let cost = match fields.next().map(str::parse::<NonZeroU32>) {
            None => NonZeroU32::MIN,
            Some(Ok(cost)) => cost,
            Some(Err(_)) => {
                return bad_line(&out, number, &line, "the cost must be a whole number ≥ 1");
            }
        };
        if fields.next().is_some() {
            return bad_line(&out, number, &line, "expected `<t_ms> <key> [cost]`");
        }
        clock.advance(Duration::from_millis(t - last));
        last = t;
        let key = key.to_string();
        let decision = limiter.check_n(&key, cost);
        match decision.denial() {
            None => allowed += 1,
            Some(_) => denied += 1,
        }
        let remaining = decision.remaining_burst();
        let value = json!({
            "t_ms": t,
            "key": key,
            "cost": cost.get(),
            "allowed": decision.is_allowed(),
            "denied_by": decision.denial().map(|d| d.as_str()),
            "retry_after_ms": decision.retry_after().map(millis_ceil),
            "remaining": (remaining != u32::MAX).then_some(remaining),
            "dry_run": args.dry_run,
        });
        out.emit(&value, || {
            let verdict = match (decision.denial(), args.dry_run) {
                (None, _) => "allowed".to_string(),
                (Some(d), true) => format!("would be denied ({d})"),
                (Some(d), false) => format!("denied ({d})"),
            };
            let retry = decision
                .retry_after()
                .map(|r| format!(", retry after {} ms", millis_ceil(r)))
                .unwrap_or_default();
            format!("{t:>8} ms  {key}  cost {cost}: {verdict}{retry}")
        });
    }
    if !out.is_json() {
        out.emit(&Value::Null, || {
            format!(
                "{allowed} within the limits, {denied} {}",
                if args.dry_run {
                    "would have been denied"
                } else {
                    "denied"
                }
            )
        });
    }
    if denied > 0 {
        Status::Judged
    } else {
        Status::Success
    }
}

fn quota(args: QuotaArgs, out: Output) -> Status {
    let mut status = Status::Success;
    for input in &args.quotas {
        match input.parse::<Quota>() {
            Ok(q) => out.emit(
                &json!({
                    "input": input,
                    "ok": true,
                    "quota": q.to_string(),
                    "count": q.count(),
                    "period_ms": millis(q.period()),
                    "burst": q.burst(),
                    "replenish_interval_ns": u64::try_from(q.replenish_interval().as_nanos()).unwrap_or(u64::MAX),
                }),
                || {
                    format!(
                        "{input}: {q} — one cell every {:?}, burst {}",
                        q.replenish_interval(),
                        q.burst()
                    )
                },
            ),
            Err(e) => {
                status = Status::Judged;
                out.emit(
                    &json!({"input": input, "ok": false,
                            "error": {"kind": "invalid_quota", "message": e.to_string()}}),
                    || format!("{input}: {e}"),
                );
            }
        }
    }
    status
}

fn parse_window(text: &str) -> Option<SlidingWindow> {
    let (kind, n) = text.split_once(':')?;
    let n: u32 = n.parse().ok()?;
    match kind {
        "count" => Some(SlidingWindow::Count(n)),
        "seconds" => Some(SlidingWindow::Seconds(n)),
        _ => None,
    }
}

fn transitions_json(ts: &[StateTransition]) -> Value {
    Value::Array(
        ts.iter()
            .map(|t| json!({"from": t.from.as_str(), "to": t.to.as_str()}))
            .collect(),
    )
}

fn breaker(args: BreakerArgs, out: Output) -> Status {
    let Some(window) = parse_window(&args.window) else {
        return out.usage_error(
            "invalid_config",
            &format!(
                "--window `{}`: write `count:N` or `seconds:N`",
                args.window.escape_debug()
            ),
        );
    };
    let clock = FakeClock::new();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<StateTransition>::new()));
    let log = std::sync::Arc::clone(&seen);
    let mut builder = CircuitBreaker::builder()
        .sliding_window(window)
        .minimum_calls(args.min_calls)
        .failure_rate_threshold(args.failure_rate)
        .slow_calls(Duration::from_millis(args.slow_call_ms), args.slow_rate)
        .wait_in_open(Duration::from_millis(args.wait_open_ms))
        .half_open_calls(args.half_open_calls)
        .on_state_change(move |t| {
            if let Ok(mut log) = log.lock() {
                log.push(*t);
            }
        });
    if let Some(ms) = args.max_half_open_ms {
        builder = builder.max_wait_in_half_open(Duration::from_millis(ms));
    }
    let breaker = match builder.clock(clock.clone()).build() {
        Ok(b) => b,
        Err(e) => return out.usage_error("invalid_config", &e.to_string()),
    };

    let mut now = 0u64;
    let mut last_start = 0u64;
    let mut rejected_any = false;
    for line in input_lines() {
        let (number, line) = match line {
            Ok(l) => l,
            Err(e) => return out.usage_error("io", &e),
        };
        let mut fields = line.split_ascii_whitespace();
        let t = match parse_time(fields.next(), last_start) {
            Ok(t) => t,
            Err(what) => return bad_line(&out, number, &line, what),
        };
        let outcome = match fields.next() {
            Some(o @ ("ok" | "fail" | "ignore")) => o,
            _ => {
                return bad_line(
                    &out,
                    number,
                    &line,
                    "expected `<t_ms> <ok|fail|ignore> [duration_ms]`",
                );
            }
        };
        let duration: u64 = match fields.next().map(str::parse) {
            None => 0,
            Some(Ok(d)) => d,
            Some(Err(_)) => {
                return bad_line(
                    &out,
                    number,
                    &line,
                    "the duration must be whole milliseconds",
                );
            }
        };
        if fields.next().is_some() {
            return bad_line(
                &out,
                number,
                &line,
                "expected `<t_ms> <ok|fail|ignore> [duration_ms]`",
            );
        }
        last_start = t;
        // Calls are replayed one after another: a call starting before the previous one
        // ended starts when it ended.
        let start = t.max(now);
        clock.set(Duration::from_millis(start));
        let (permitted, retry_after) = match breaker.try_acquire() {
            Ok(permit) => {
                clock.advance(Duration::from_millis(duration));
                match outcome {
                    "ok" => permit.record_success(),
                    "fail" => permit.record_failure(),
                    _ => permit.release(),
                }
                now = start.saturating_add(duration);
                (true, None)
            }
            Err(rejected) => {
                rejected_any = true;
                now = start;
                (false, rejected.retry_after())
            }
        };
        let transitions: Vec<StateTransition> = seen
            .lock()
            .map(|mut log| std::mem::take(&mut *log))
            .unwrap_or_default();
        let state = breaker.state();
        out.emit(
            &json!({
                "t_ms": t,
                "outcome": outcome,
                "permitted": permitted,
                "state": state.as_str(),
                "retry_after_ms": retry_after.map(millis_ceil),
                "transitions": transitions_json(&transitions),
            }),
            || {
                let moves: Vec<String> = transitions
                    .iter()
                    .map(|t| format!("{} -> {}", t.from, t.to))
                    .collect();
                format!(
                    "{t:>8} ms  {outcome:<6} {}  now {}{}",
                    if permitted { "permitted" } else { "REJECTED " },
                    state_name(state),
                    if moves.is_empty() {
                        String::new()
                    } else {
                        format!("  ({})", moves.join(", "))
                    }
                )
            },
        );
    }
    if rejected_any {
        Status::Judged
    } else {
        Status::Success
    }
}

fn state_name(state: State) -> &'static str {
    state.as_str()
}
