//! `sse-server`: the reference SSE server. See `sse-server --help` and the crate README.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use sse_server::cli::{self, Command, USAGE};

fn main() -> ExitCode {
    let config = match cli::parse(std::env::args().skip(1)) {
        Ok(Command::Run(c)) => *c,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("sse-server: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some((soft, _)) = sse_server::raise_open_file_limit() {
        let wanted = config.max_connections as u64 + 64;
        if soft < wanted {
            eprintln!(
                "sse-server: open-file limit {soft} is below --max-connections; \
                 accept may fail with EMFILE under load (raise it with ulimit -n)"
            );
        }
    }
    // Two workers: the machines this runs on have two cores and share them with builds.
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sse-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = rt.block_on(run(config));
    // Blocking file reads still in flight must not hold up the exit.
    rt.shutdown_timeout(Duration::from_millis(500));
    code
}

async fn run(config: sse_server::Config) -> ExitCode {
    use tokio::signal::unix::{signal, SignalKind};
    // Install the handlers before announcing READY so an early SIGTERM is caught.
    let (mut term, mut int) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(t), Ok(i)) => (t, i),
        _ => {
            eprintln!("sse-server: cannot install signal handlers");
            return ExitCode::FAILURE;
        }
    };
    let running = match sse_server::start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sse-server: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The one line on stdout: harnesses wait for it, then read the two origins (and the
    // --extra-ports ones after them).
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", running.ready_line());
    let _ = out.flush();
    drop(out);
    eprintln!(
        "sse-server: serving {} and {}{} (static: {})",
        running.url(),
        running.second_url(),
        match running.extra_addrs.len() {
            0 => String::new(),
            n => format!(" and {n} extra ports"),
        },
        running
            .app
            .config
            .mounts
            .iter()
            .map(|m| format!(
                "{}={}",
                if m.prefix.is_empty() { "/" } else { &m.prefix },
                m.dir.display()
            ))
            .collect::<Vec<_>>()
            .join(" ")
    );
    tokio::select! {
        _ = term.recv() => eprintln!("sse-server: SIGTERM, shutting down"),
        _ = int.recv() => eprintln!("sse-server: SIGINT, shutting down"),
    }
    running.shutdown(Duration::from_secs(1)).await;
    ExitCode::SUCCESS
}
