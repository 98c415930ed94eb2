//! `approval-service`: the HTTP service (see the library docs). Tells the
//! financial-approval story to build the bank's store (its prose on
//! stderr, unless `--quiet`), then serves decisions until ctrl-c or
//! SIGTERM.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use approval_service::{Config, Service, serve, target_dirs};
use clap::Parser;
use financial_approval::Dirs;
use tokio::net::TcpListener;

/// The address used when neither --addr nor APPROVAL_SERVICE_ADDR is given.
const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// Serves payment approval decisions from the bank's bedrock flow.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on [env: APPROVAL_SERVICE_ADDR] [default: 127.0.0.1:8080]
    #[arg(long)]
    addr: Option<SocketAddr>,
    /// Directory for the bank's store and the decision records [default: approval-service/ in the cargo
    /// target directory]
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Serve the store an earlier start left in the directory instead of telling the story again
    #[arg(long)]
    no_story: bool,
    /// Do not record decisions
    #[arg(long)]
    no_record: bool,
    /// Flow runs at once [default: the number of cores]
    #[arg(long)]
    workers: Option<usize>,
    /// Do not print the story at start-up
    #[arg(long)]
    quiet: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_target(false).init();
    let addr = match listen_addr(args.addr) {
        Ok(addr) => addr,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::from(2);
        }
    };
    let defaults = target_dirs("approval-service");
    let dirs = Dirs { out: args.dir.unwrap_or(defaults.out), compile: defaults.compile };
    let mut config = Config::new(dirs);
    config.record = !args.no_record;
    if let Some(workers) = args.workers {
        config.workers = workers;
    }

    let started = Instant::now();
    let booted = if args.no_story {
        tracing::info!("opening the bank's store in {}", config.dirs.out.display());
        Service::open(&config)
    } else {
        tracing::info!("telling the financial-approval story into {}", config.dirs.out.display());
        let mut prose: Box<dyn std::io::Write> =
            if args.quiet { Box::new(std::io::sink()) } else { Box::new(std::io::stderr()) };
        Service::bootstrap(&config, &mut prose)
    };
    let service = match booted {
        Ok(service) => service,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        "ready in {:.1} s: {} runs at once, recording {}",
        started.elapsed().as_secs_f64(),
        config.workers,
        if config.record { "on" } else { "off" }
    );

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!("cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let served = runtime.block_on(async {
        let listener = TcpListener::bind(addr).await?;
        tracing::info!("listening on http://{}", listener.local_addr()?);
        serve(listener, service, shutdown()).await
    });
    match served {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("cannot serve on {addr}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `--addr`, else `APPROVAL_SERVICE_ADDR`, else the default.
fn listen_addr(flag: Option<SocketAddr>) -> Result<SocketAddr, String> {
    if let Some(addr) = flag {
        return Ok(addr);
    }
    let env = std::env::var("APPROVAL_SERVICE_ADDR").ok().filter(|a| !a.is_empty());
    let text = env.as_deref().unwrap_or(DEFAULT_ADDR);
    text.parse()
        .map_err(|e| format!("APPROVAL_SERVICE_ADDR={text:?} is not an address like {DEFAULT_ADDR}: {e}"))
}

/// Completes on ctrl-c or, on Unix, SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for ctrl-c: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
