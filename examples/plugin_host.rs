//! An HTTP server that runs WebAssembly handlers from a directory, with Palisade in front of
//! every call: request validation, per-module and global rate limits, concurrency limits,
//! per-module circuit breakers, sandbox limits, controlled outgoing HTTP, an audit log and
//! Prometheus metrics. See `examples/README.md`.
//!
//! ```text
//! cargo run --example plugin_host --features plugin-host -- \
//!     --config examples/plugin_host/plugin_host.toml
//! curl -s localhost:8080/run/hello
//! curl -s -d 'hi' localhost:8080/run/echo
//! curl -s localhost:8080/run/spin        # 500: handler `spin` failed: out_of_fuel
//! curl -s localhost:8080/metrics
//! ```
//!
//! Ctrl-C (SIGINT) or SIGTERM stops it gracefully: running calls finish, the audit log is
//! flushed and sealed.

#[path = "plugin_host/server.rs"]
#[allow(
    dead_code,
    reason = "shared with tests/plugin_host.rs, which uses more of it"
)]
mod server;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Serve WebAssembly handlers from a directory, guarded by Palisade.
#[derive(Debug, Parser)]
#[command(name = "plugin_host")]
struct Args {
    /// TOML configuration (see examples/plugin_host/plugin_host.toml); flags override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Directory of `NAME.wat`/`NAME.wasm` handlers, served at `/run/NAME`.
    #[arg(long)]
    handlers: Option<PathBuf>,
    /// The SQLite audit log.
    #[arg(long)]
    audit_db: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut config = match &args.config {
        Some(path) => match server::Config::from_file(path) {
            Ok(config) => config,
            Err(error) => {
                eprintln!("plugin_host: {error}");
                return ExitCode::from(2);
            }
        },
        None => server::Config::default(),
    };
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(handlers) = args.handlers {
        config.handlers = handlers;
    }
    if let Some(audit_db) = args.audit_db {
        config.audit_db = audit_db;
    }
    let audit_db = config.audit_db.clone();
    let host = match server::start(config).await {
        Ok(host) => host,
        Err(error) => {
            eprintln!("plugin_host: {error}");
            return ExitCode::from(2);
        }
    };
    for skipped in host.skipped() {
        eprintln!("plugin_host: not serving {skipped}");
    }
    println!(
        "plugin_host: listening on http://{} with modules: {}",
        host.addr(),
        host.loaded().join(", ")
    );
    println!(
        "plugin_host: audit log {}; ctrl-c to stop",
        audit_db.display()
    );
    let stopped = host.shutdown_on(stop_signal()).await;
    match stopped {
        Ok(report) => {
            println!(
                "plugin_host: stopped ({}); {} audit events written",
                if report.drained {
                    "all calls finished"
                } else {
                    "drain timed out"
                },
                report.audit_events_written
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("plugin_host: {error}");
            ExitCode::from(1)
        }
    }
}

/// Completes on ctrl-c (SIGINT) or, on Unix, SIGTERM (what service managers send). If a
/// handler can't be installed, that signal is simply not waited for.
async fn stop_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
