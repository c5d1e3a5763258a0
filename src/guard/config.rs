//! The guard's TOML configuration, validated with file, line and column in every error.
//!
//! ```toml
//! root = "workspace"              # the directory actions are confined to (relative paths:
//!                                 # relative to this file)
//! policy = ["agent_policy.toml"]  # palisade-permission policy files, user layer
//!
//! [limits]
//! per_actor = "30/m burst 16"     # palisade-ratelimit quota syntax
//! global = "600/m"
//!
//! [audit]
//! path = "audit.db"               # SQLite file
//! durability = "durable"          # durable | balanced
//! on_failure = "deny"             # deny (fail closed) | proceed
//!
//! [files]
//! profile = "unix"                # unix | portable (palisade-path profiles)
//! deny = ["**/.git", "**/.env"]   # globs no file action may touch
//!
//! [exec]
//! timeout_ms = 30000
//! max_output_bytes = 1048576
//! env_allowlist = ["PATH", "LANG"] # variables passed through from the host; all others
//!                                 # are cleared
//!
//! [plugins.breaker]               # every plugin's own circuit breaker (feature `sandbox`)
//! window = 10                     # over the last N calls
//! minimum_calls = 5               # no verdict before this many
//! failure_rate = 50               # percent of failures that opens it
//! wait_in_open_ms = 30000         # then probes
//! half_open_calls = 2             # with this many calls
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use palisade_ratelimit::Quota;
use serde::Deserialize;
use toml::Spanned;

use super::AuditFailure;
use super::error::{Error, ErrorKind};

/// Largest configuration file accepted.
pub const MAX_CONFIG_BYTES: usize = 256 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    root: Option<Spanned<String>>,
    #[serde(default)]
    policy: Vec<Spanned<String>>,
    limits: Option<LimitsSection>,
    audit: Option<AuditSection>,
    files: Option<FilesSection>,
    exec: Option<ExecSection>,
    plugins: Option<PluginsSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PluginsSection {
    breaker: Option<Spanned<BreakerSection>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BreakerSection {
    window: Option<u32>,
    minimum_calls: Option<u32>,
    failure_rate: Option<f32>,
    wait_in_open_ms: Option<u64>,
    half_open_calls: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsSection {
    per_actor: Option<Spanned<String>>,
    global: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditSection {
    path: Option<Spanned<String>>,
    durability: Option<Spanned<String>>,
    on_failure: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilesSection {
    profile: Option<Spanned<String>>,
    #[serde(default)]
    deny: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExecSection {
    timeout_ms: Option<Spanned<u64>>,
    max_output_bytes: Option<Spanned<u64>>,
    env_allowlist: Option<Vec<Spanned<String>>>,
}

/// A validated guard configuration; give it to [`GuardBuilder::config`](super::GuardBuilder::config).
#[derive(Debug, Clone, Default)]
pub struct GuardConfig {
    pub(crate) root: Option<PathBuf>,
    pub(crate) policies: Vec<PathBuf>,
    pub(crate) per_actor: Option<Quota>,
    pub(crate) global: Option<Quota>,
    pub(crate) audit_path: Option<PathBuf>,
    pub(crate) durable: Option<bool>,
    pub(crate) audit_failure: Option<AuditFailure>,
    pub(crate) unix_profile: Option<bool>,
    pub(crate) deny: Vec<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_output: Option<usize>,
    pub(crate) env_allowlist: Option<Vec<String>>,
    #[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
    pub(crate) plugin_breaker: Option<palisade_ratelimit::BreakerConfig>,
}

/// Choices given as strings, as tables that read like the spec.
const DURABILITIES: [(&str, bool); 2] = [("durable", true), ("balanced", false)];
const ON_FAILURE: [(&str, AuditFailure); 2] = [
    ("deny", AuditFailure::Deny),
    ("proceed", AuditFailure::Proceed),
];
const PROFILES: [(&str, bool); 2] = [("unix", true), ("portable", false)];

impl GuardConfig {
    /// Reads and validates a configuration file. Relative paths in it are relative to the
    /// file's directory.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::with_source(
                ErrorKind::Io,
                format!("cannot read guard config `{}`: {e}", path.display()),
                e,
            )
        })?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        Self::from_toml(&text, path, base)
    }

    /// Validates a configuration given as text; `origin` names it in errors and relative
    /// paths are resolved against `base_dir`.
    pub fn from_toml(
        text: &str,
        origin: impl AsRef<Path>,
        base_dir: impl AsRef<Path>,
    ) -> Result<Self, Error> {
        let origin = origin.as_ref();
        let base = base_dir.as_ref();
        if text.len() > MAX_CONFIG_BYTES {
            return Err(Error::at(
                origin,
                text,
                None,
                &format!(
                    "config of {} bytes is over the limit of {MAX_CONFIG_BYTES} bytes",
                    text.len()
                ),
            ));
        }
        let file: ConfigFile = toml::from_str(text).map_err(|e| {
            Error::at(
                origin,
                text,
                e.span().map(|s| s.start),
                e.message().trim_end(),
            )
        })?;
        let at = |span: std::ops::Range<usize>, what: String| {
            Error::at(origin, text, Some(span.start), &what)
        };
        let relative = |p: &Spanned<String>| -> Result<PathBuf, Error> {
            if p.get_ref().is_empty() {
                return Err(at(
                    p.span(),
                    "an empty path; give a file or directory".to_owned(),
                ));
            }
            Ok(base.join(p.get_ref()))
        };
        let quota = |q: &Spanned<String>| -> Result<Quota, Error> {
            q.get_ref()
                .parse::<Quota>()
                .map_err(|e| at(q.span(), format!("{e} (e.g. `10/s`, `600/m burst 20`)")))
        };
        fn choose<T: Copy>(
            table: &[(&str, T)],
            value: &Spanned<String>,
            at: &dyn Fn(std::ops::Range<usize>, String) -> Error,
        ) -> Result<T, Error> {
            table
                .iter()
                .find(|(name, _)| *name == value.get_ref())
                .map(|(_, v)| *v)
                .ok_or_else(|| {
                    let names: Vec<String> = table.iter().map(|(n, _)| format!("`{n}`")).collect();
                    at(
                        value.span(),
                        format!(
                            "unknown value `{}`; expected one of {}",
                            value.get_ref(),
                            names.join(", ")
                        ),
                    )
                })
        }
        let mut config = GuardConfig {
            root: file.root.as_ref().map(relative).transpose()?,
            ..GuardConfig::default()
        };
        for p in &file.policy {
            config.policies.push(relative(p)?);
        }
        if let Some(limits) = &file.limits {
            config.per_actor = limits.per_actor.as_ref().map(quota).transpose()?;
            config.global = limits.global.as_ref().map(quota).transpose()?;
        }
        if let Some(audit) = &file.audit {
            config.audit_path = audit.path.as_ref().map(relative).transpose()?;
            config.durable = audit
                .durability
                .as_ref()
                .map(|d| choose(&DURABILITIES, d, &at))
                .transpose()?;
            config.audit_failure = audit
                .on_failure
                .as_ref()
                .map(|d| choose(&ON_FAILURE, d, &at))
                .transpose()?;
        }
        if let Some(files) = &file.files {
            config.unix_profile = files
                .profile
                .as_ref()
                .map(|d| choose(&PROFILES, d, &at))
                .transpose()?;
            for glob in &files.deny {
                // Validated now so the error points at the pattern.
                palisade_path::Sanitizer::builder()
                    .deny(glob.get_ref().clone())
                    .build()
                    .map_err(|e| at(glob.span(), e.to_string()))?;
                config.deny.push(glob.get_ref().clone());
            }
        }
        if let Some(exec) = &file.exec {
            if let Some(ms) = &exec.timeout_ms {
                if *ms.get_ref() == 0 || *ms.get_ref() > 24 * 3600 * 1000 {
                    return Err(at(
                        ms.span(),
                        format!(
                            "timeout_ms `{}` must be between 1 and 86400000",
                            ms.get_ref()
                        ),
                    ));
                }
                config.timeout = Some(Duration::from_millis(*ms.get_ref()));
            }
            if let Some(bytes) = &exec.max_output_bytes {
                let max = usize::try_from(*bytes.get_ref())
                    .ok()
                    .filter(|b| (1..=(1usize << 30)).contains(b))
                    .ok_or_else(|| {
                        at(
                            bytes.span(),
                            format!(
                                "max_output_bytes `{}` must be between 1 and 1073741824",
                                bytes.get_ref()
                            ),
                        )
                    })?;
                config.max_output = Some(max);
            }
            if let Some(names) = &exec.env_allowlist {
                let mut allow = Vec::with_capacity(names.len());
                for name in names {
                    let text = name.get_ref();
                    if text.is_empty() || text.contains(['=', '\0']) {
                        return Err(at(
                            name.span(),
                            format!(
                                "invalid environment variable name `{text}` in `env_allowlist`"
                            ),
                        ));
                    }
                    allow.push(text.clone());
                }
                config.env_allowlist = Some(allow);
            }
        }
        if let Some(breaker) = file.plugins.as_ref().and_then(|p| p.breaker.as_ref()) {
            let section = breaker.get_ref();
            let mut c = super::default_plugin_breaker();
            if let Some(n) = section.window {
                c.sliding_window = palisade_ratelimit::SlidingWindow::Count(n);
            }
            if let Some(n) = section.minimum_calls {
                c.minimum_calls = n;
            }
            if let Some(rate) = section.failure_rate {
                c.failure_rate_threshold = rate;
            }
            if let Some(ms) = section.wait_in_open_ms {
                c.wait_in_open = Duration::from_millis(ms);
            }
            if let Some(n) = section.half_open_calls {
                c.half_open_calls = n;
            }
            // Validated now, so the error points at the table.
            palisade_ratelimit::CircuitBreaker::builder()
                .config(c.clone())
                .build()
                .map_err(|e| at(breaker.span(), format!("plugins.breaker: {e}")))?;
            config.plugin_breaker = Some(c);
        }
        Ok(config)
    }
}
