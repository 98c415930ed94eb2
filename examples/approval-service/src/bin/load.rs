//! `cargo run --release -p approval-service --bin load`: the bounded load
//! test behind docs/benchmarks.md.
//!
//! Boots the service (the story, quietly, into `approval-service-load/` in
//! the cargo target directory), serves it on an ephemeral loopback port in
//! this process, and measures in one run:
//!
//! 1. the floor: `sup.host().run(FLOW, inputs)` in a loop on one thread,
//!    inputs built beforehand, no HTTP, no JSON;
//! 2. the same on as many threads as the service runs flows at once;
//! 3. HTTP: `--concurrency` clients on keep-alive connections send
//!    `--requests` decisions (the story's morning batch, round robin), each
//!    checked against the decision the rules give it.
//!
//! Each phase stops at its count or at `--time-cap`, whichever comes
//! first. The clients run on their own single-threaded tokio runtime, the
//! server on a multi-threaded one, all on the same machine: the clients'
//! CPU is part of what the HTTP figure pays.
#![forbid(unsafe_code)]

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use approval_service::load::{self, Load, Report, Shot};
use approval_service::{Config, Service, samples, serve, target_dirs};
use clap::Parser;
use financial_approval::FLOW;
use logos_runtime::Value;

/// Measures the approval service over loopback HTTP against the in-process floor.
#[derive(Debug, Parser)]
struct Args {
    /// Requests to send (and runs per in-process phase)
    #[arg(long, default_value_t = 20_000)]
    requests: usize,
    /// Concurrent HTTP clients, one keep-alive connection each
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Longest a phase may run, in seconds
    #[arg(long, default_value_t = 60)]
    time_cap: u64,
    /// Flow runs the service allows at once [default: the number of cores]
    #[arg(long)]
    workers: Option<usize>,
    /// Do not record decisions (the service records every one by default)
    #[arg(long)]
    no_record: bool,
    /// Print the story while booting
    #[arg(long)]
    story: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match measure(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the three phases and prints them; `Ok(false)` if any request failed.
fn measure(args: &Args) -> Result<bool, Box<dyn std::error::Error>> {
    let mut config = Config::new(target_dirs("approval-service-load"));
    config.record = !args.no_record;
    if let Some(workers) = args.workers {
        config.workers = workers.max(1);
    }
    let cap = Duration::from_secs(args.time_cap);
    eprintln!("booting: the financial-approval story into {}", config.dirs.out.display());
    let booted = Instant::now();
    let mut prose: Box<dyn std::io::Write> =
        if args.story { Box::new(std::io::stderr()) } else { Box::new(std::io::sink()) };
    let service = Service::bootstrap(&config, &mut prose)?;
    eprintln!("booted in {:.1} s", booted.elapsed().as_secs_f64());

    let mix = samples::morning();
    let inputs: Vec<[Value; 2]> = mix.iter().map(|(request, _)| request.to_inputs()).collect();
    let steps = service.supervisor().host().run_with(FLOW, &inputs[0], Some(false))?.steps.len();

    let one = in_process(&service, &inputs, 1, args.requests, cap);
    let many = in_process(&service, &inputs, config.workers, args.requests, cap);

    let shots =
        mix.iter().map(|(request, expect)| Shot::decision(request, expect)).collect::<Result<_, _>>()?;
    let load = Load {
        requests: args.requests,
        concurrency: args.concurrency.max(1),
        time_cap: cap,
        request_timeout: Duration::from_secs(10),
    };
    let http = over_http(service, shots, load)?;

    println!(
        "approval-service load test: flow {FLOW} ({steps} nodes), recording {}, {} flow runs at once, \
         {} cores",
        if config.record { "on (values, redb group commit)" } else { "off" },
        config.workers,
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
    );
    println!();
    println!(
        "| {:<44} | {:>8} | {:>9} | {:>9} | {:>9} | {:>9} | {:>9} | {:>6} |",
        "phase", "done", "per s", "p50", "p90", "p99", "max", "errors"
    );
    println!(
        "|{:-<46}|{:->10}|{:->11}|{:->11}|{:->11}|{:->11}|{:->11}|{:->8}|",
        "", "", "", "", "", "", "", ""
    );
    row("in-process `host().run`, 1 thread (floor)", &one);
    let threads = format!("{} thread{}", config.workers, if config.workers == 1 { "" } else { "s" });
    row(&format!("in-process `host().run`, {threads}"), &many);
    row(&format!("HTTP/1.1 keep-alive, {} clients, loopback", load.concurrency), &http);
    println!();
    println!(
        "HTTP rate / in-process 1 thread: {:.2}x; / in-process {threads}: {:.2}x",
        http.rate() / one.rate().max(1e-9),
        http.rate() / many.rate().max(1e-9),
    );
    let mut clean = true;
    for (phase, report) in [("in-process 1 thread", &one), ("in-process", &many), ("HTTP", &http)] {
        if let Some(e) = &report.first_error {
            println!("{phase}: {} errors; first: {e}", report.errors);
            clean = false;
        }
    }
    Ok(clean)
}

/// `host().run` on `threads` threads until `count` runs or `cap`.
fn in_process(
    service: &Service,
    inputs: &[[Value; 2]],
    threads: usize,
    count: usize,
    cap: Duration,
) -> Report {
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let parts: Vec<Report> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let host = service.supervisor().host();
                    let mut part = Report::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= count || started.elapsed() >= cap {
                            return part;
                        }
                        let t = Instant::now();
                        match host.run(FLOW, &inputs[i % inputs.len()]) {
                            Ok(_) => {
                                part.ok += 1;
                                part.latencies.push(t.elapsed());
                            }
                            Err(e) => {
                                part.errors += 1;
                                part.first_error.get_or_insert_with(|| e.to_string());
                            }
                        }
                    }
                })
            })
            .collect();
        workers.into_iter().filter_map(|w| w.join().ok()).collect()
    });
    let mut report = Report { elapsed: started.elapsed(), ..Report::default() };
    for part in parts {
        report.ok += part.ok;
        report.errors += part.errors;
        report.first_error = report.first_error.or(part.first_error);
        report.latencies.extend(part.latencies);
    }
    report.latencies.sort_unstable();
    report
}

/// Serves on an ephemeral loopback port and sends `load` from a
/// single-threaded client runtime; shuts the server down gracefully after.
fn over_http(service: Service, shots: Vec<Shot>, load: Load) -> Result<Report, Box<dyn std::error::Error>> {
    let server = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let listener =
        server.block_on(tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = server.spawn(serve(listener, service, async {
        let _ = stopped.await;
    }));
    let clients = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let report = clients.block_on(load::run(addr, shots, load));
    let _ = stop.send(());
    server.block_on(serving)??;
    Ok(report)
}

fn row(phase: &str, r: &Report) {
    println!(
        "| {:<44} | {:>8} | {:>9.0} | {:>9} | {:>9} | {:>9} | {:>9} | {:>6} |",
        phase,
        r.ok,
        r.rate(),
        micros(r.percentile(50.0)),
        micros(r.percentile(90.0)),
        micros(r.percentile(99.0)),
        micros(r.percentile(100.0)),
        r.errors
    );
}

fn micros(d: Duration) -> String {
    if d >= Duration::from_millis(10) {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{} µs", d.as_micros())
    }
}
