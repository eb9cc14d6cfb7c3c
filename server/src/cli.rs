//! Command-line options (hand-parsed: a handful of flags do not need clap's build time).

use std::path::PathBuf;
use std::time::Duration;

use crate::static_files::{default_mounts, Mount};

pub const USAGE: &str = "\
usage: sse-server [--port N] [--second-port N] [--static PREFIX=DIR]... [--corpus-dir DIR]
                  [--stats-interval-ms N] [--ticker-interval-ms N] [--keepalive-ms N] [--poll-wait-ms N]
                  [--retry-ms N] [--state-file PATH] [--extra-ports N] [--delay-ms N]
                  [--test-routes] [--allow-origin ORIGIN]... [--allow-host NAME]...
                  [--max-streams N] [--max-connections N] [--answer-pace-ms N]

  --port N                main listener on 127.0.0.1 (default 8080; 0 = any free port)
  --second-port N         second listener, same routes, another origin for CORS (default 0)
  --static PREFIX=DIR     mount DIR read-only at PREFIX (repeatable; default /=www /pkg=pkg /dist=dist /js=js)
  --corpus-dir DIR        files served by /t/corpus/<name> (default target/corpora)
  --stats-interval-ms N   /stats sampling period (default 1000)
  --ticker-interval-ms N  /ticker tick period (default 250)
  --keepalive-ms N        idle time before a `: keep-alive` comment on /stats and /ticker (default 15000)
  --poll-wait-ms N        how long a polling request waits for an event (default 15000)
  --retry-ms N            the `retry:` field sent first on /stats and /ticker (default 2000)
  --state-file PATH       persist the /stats history in PATH (an append-only journal) so ids
                          continue across a restart, even after SIGKILL (default: none)
  --extra-ports N         N more listeners on free ports, same routes: more origins, e.g. for
                          many streams at once past the 6-per-origin limit (default 0, max 256)
  --delay-ms N            answer every request N ms late (at most 10000): a slow network on
                          loopback, for cold-start benchmarks (default 0)
  --test-routes           serve the scripted test endpoints under /t/ (default: off, 404)
  --allow-origin ORIGIN   also answer CORS, with credentials, for ORIGIN, e.g. http://127.0.0.1:3000
                          (repeatable; the server's own origins are always allowed)
  --allow-host NAME       also accept requests whose Host is NAME, with any port (repeatable;
                          127.0.0.1, localhost and [::1] are always accepted, anything else gets 421)
  --max-streams N         streamed responses open at once; past it 503 with Retry-After (default 1024)
  --max-connections N     connections open at once; past it new ones get 503 and are closed
                          (default 4096)
  --answer-pace-ms N      pause between the tokens of POST /api/answer (default 30, at most 1000)

Prints `READY http://127.0.0.1:<port> http://127.0.0.1:<second-port>` on stdout once listening,
followed by the extra listeners' URLs on the same line when --extra-ports is given.";

/// The most `--extra-ports` accepted (each is one listening socket and one accept task).
pub const MAX_EXTRA_PORTS: u16 = 256;
/// Defaults and bounds of the caps.
pub const DEFAULT_MAX_STREAMS: usize = 1024;
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
const MAX_CAP: usize = 1_000_000;
/// The longest `--answer-pace-ms` (and `pace=` of /api/answer).
pub const MAX_ANSWER_PACE_MS: u64 = 1000;

/// Everything the server needs to start; `Default` is the CLI's defaults.
#[derive(Clone, Debug)]
pub struct Config {
    pub port: u16,
    pub second_port: u16,
    pub mounts: Vec<Mount>,
    pub corpus_dir: PathBuf,
    pub stats_interval: Duration,
    pub ticker_interval: Duration,
    pub keepalive: Duration,
    pub poll_wait: Duration,
    /// The reconnection time announced first on `/stats` and `/ticker`.
    pub retry: Duration,
    /// `--state-file`: where the `/stats` history is journaled; `None` keeps it in memory only.
    pub state_file: Option<PathBuf>,
    /// `--extra-ports`: how many more listeners (on free ports) serve the same routes.
    pub extra_ports: u16,
    /// `--delay-ms`: how long every request waits before it is handled.
    pub delay: Duration,
    /// `--test-routes`: whether `/t/...` exists (off: 404, as for any unknown path).
    pub test_routes: bool,
    /// `--allow-origin`: origins answered with credentialed CORS besides the server's own
    /// (normalised: lowercase scheme and host, no trailing slash).
    pub allow_origins: Vec<String>,
    /// `--allow-host`: `Host` names accepted besides the loopback ones (lowercase, no port).
    pub allow_hosts: Vec<String>,
    /// `--max-streams`: streamed responses open at once.
    pub max_streams: usize,
    /// `--max-connections`: connections open at once.
    pub max_connections: usize,
    /// `--answer-pace-ms`: the pause between two tokens of `/api/answer`.
    pub answer_pace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 8080,
            second_port: 0,
            mounts: default_mounts(),
            corpus_dir: PathBuf::from("target/corpora"),
            stats_interval: Duration::from_millis(1000),
            ticker_interval: Duration::from_millis(250),
            keepalive: Duration::from_secs(15),
            poll_wait: Duration::from_secs(15),
            retry: Duration::from_millis(2000),
            state_file: None,
            extra_ports: 0,
            delay: Duration::ZERO,
            test_routes: false,
            allow_origins: Vec::new(),
            allow_hosts: Vec::new(),
            max_streams: DEFAULT_MAX_STREAMS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            answer_pace: Duration::from_millis(30),
        }
    }
}

/// What the command line asked for.
#[derive(Debug)]
pub enum Command {
    Run(Box<Config>),
    Help,
}

/// Parses the arguments after the program name. Accepts `--opt value` and `--opt=value`.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, String> {
    let mut cfg = Config::default();
    let mut mounts: Vec<Mount> = Vec::new();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(Command::Help);
        }
        let mut value = || -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        if flag == "--test-routes" {
            if inline.is_some() {
                return Err("--test-routes takes no value".to_owned());
            }
            cfg.test_routes = true;
            continue;
        }
        match flag.as_str() {
            "--port" => cfg.port = num(&flag, &value()?)?,
            "--second-port" => cfg.second_port = num(&flag, &value()?)?,
            "--static" => {
                let v = value()?;
                let (prefix, dir) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--static wants PREFIX=DIR, got {v:?}"))?;
                if !prefix.starts_with('/') {
                    return Err(format!(
                        "--static prefix must start with '/', got {prefix:?}"
                    ));
                }
                mounts.push(Mount::new(prefix, dir));
            }
            "--corpus-dir" => cfg.corpus_dir = PathBuf::from(value()?),
            "--stats-interval-ms" => cfg.stats_interval = ms(&flag, &value()?)?,
            "--ticker-interval-ms" => cfg.ticker_interval = ms(&flag, &value()?)?,
            "--keepalive-ms" => cfg.keepalive = ms(&flag, &value()?)?,
            "--poll-wait-ms" => cfg.poll_wait = ms(&flag, &value()?)?,
            "--retry-ms" => cfg.retry = Duration::from_millis(num(&flag, &value()?)?),
            "--state-file" => {
                let v = value()?;
                if v.is_empty() {
                    return Err("--state-file needs a path".to_owned());
                }
                cfg.state_file = Some(PathBuf::from(v));
            }
            "--delay-ms" => {
                let d = Duration::from_millis(num(&flag, &value()?)?);
                if d > Duration::from_secs(10) {
                    return Err(format!("--delay-ms: at most 10000, got {}", d.as_millis()));
                }
                cfg.delay = d;
            }
            "--extra-ports" => {
                let n: u16 = num(&flag, &value()?)?;
                if n > MAX_EXTRA_PORTS {
                    return Err(format!("--extra-ports: at most {MAX_EXTRA_PORTS}, got {n}"));
                }
                cfg.extra_ports = n;
            }
            "--allow-origin" => cfg.allow_origins.push(origin(&value()?)?),
            "--allow-host" => cfg.allow_hosts.push(host_name(&value()?)?),
            "--max-streams" => cfg.max_streams = cap(&flag, &value()?)?,
            "--max-connections" => cfg.max_connections = cap(&flag, &value()?)?,
            "--answer-pace-ms" => {
                let n: u64 = num(&flag, &value()?)?;
                if n > MAX_ANSWER_PACE_MS {
                    return Err(format!(
                        "--answer-pace-ms: at most {MAX_ANSWER_PACE_MS}, got {n}"
                    ));
                }
                cfg.answer_pace = Duration::from_millis(n);
            }
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    if !mounts.is_empty() {
        cfg.mounts = mounts;
    }
    Ok(Command::Run(Box::new(cfg)))
}

fn num<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{flag}: not a valid number: {v:?}"))
}

/// A count cap: at least 1, at most a million.
fn cap(flag: &str, v: &str) -> Result<usize, String> {
    let n: usize = num(flag, v)?;
    if n == 0 || n > MAX_CAP {
        return Err(format!("{flag}: from 1 to {MAX_CAP}, got {n}"));
    }
    Ok(n)
}

/// An origin as browsers serialise it: `scheme://host[:port]`, no path, no `*`.
/// Scheme and host are lowercased (browsers send them so).
pub fn origin(v: &str) -> Result<String, String> {
    let bad = || {
        format!("--allow-origin wants scheme://host[:port] (e.g. http://127.0.0.1:3000), got {v:?}")
    };
    let v = v.trim().trim_end_matches('/');
    let (scheme, rest) = v.split_once("://").ok_or_else(bad)?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c))
    {
        return Err(bad());
    }
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', '*', ' ']) {
        return Err(bad());
    }
    Ok(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        rest.to_ascii_lowercase()
    ))
}

/// A host name or address without a port; an IPv6 address gets its brackets.
pub fn host_name(v: &str) -> Result<String, String> {
    let v = v.trim().trim_end_matches('.').to_ascii_lowercase();
    let bad = || format!("--allow-host wants a host name without a port, got {v:?}");
    if v.is_empty() {
        return Err(bad());
    }
    if v.starts_with('[') || v.contains(':') {
        let inner = v.trim_start_matches('[').trim_end_matches(']');
        if inner.is_empty()
            || !inner
                .bytes()
                .all(|c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
        {
            return Err(bad());
        }
        return Ok(format!("[{inner}]"));
    }
    if !v
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_')
    {
        return Err(bad());
    }
    Ok(v)
}

/// A period in ms; 0 is refused because the producers would spin.
fn ms(flag: &str, v: &str) -> Result<Duration, String> {
    let n: u64 = num(flag, v)?;
    if n == 0 {
        return Err(format!("{flag} must be at least 1"));
    }
    Ok(Duration::from_millis(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn parses_flags() {
        let Ok(Command::Run(c)) = parse(args(
            "--port 0 --second-port=9 --static /a=b --static /=c --stats-interval-ms 20",
        )) else {
            panic!("parse failed")
        };
        assert_eq!((c.port, c.second_port), (0, 9));
        assert_eq!(c.mounts, vec![Mount::new("/a", "b"), Mount::new("/", "c")]);
        assert_eq!(c.stats_interval, Duration::from_millis(20));
        assert_eq!((c.retry, c.state_file), (Duration::from_millis(2000), None));
        assert_eq!(c.extra_ports, 0);
        let Ok(Command::Run(c)) = parse(args(
            "--retry-ms 250 --state-file=/tmp/x.journal --delay-ms 50",
        )) else {
            panic!("parse failed")
        };
        assert_eq!(c.retry, Duration::from_millis(250));
        assert_eq!(c.state_file, Some(PathBuf::from("/tmp/x.journal")));
        assert_eq!(c.delay, Duration::from_millis(50));
        assert!(parse(args("--delay-ms 10001")).is_err());
        assert!(parse(args("--state-file=")).is_err());
        let Ok(Command::Run(c)) = parse(args("--extra-ports 38")) else {
            panic!("parse failed")
        };
        assert_eq!(c.extra_ports, 38);
        assert!(parse(args("--extra-ports 257")).is_err());
        assert!(parse(args("--extra-ports -1")).is_err());
        assert!(parse(args("--bogus")).is_err());
        assert!(parse(args("--port")).is_err());
        assert!(matches!(parse(args("--help")), Ok(Command::Help)));
        let Ok(Command::Run(c)) = parse(args(
            "--test-routes --allow-origin HTTP://LocalHost:3000/ --allow-origin=https://a.example \
             --allow-host Dev.Test --allow-host ::1 --max-streams 5 --max-connections=9 \
             --answer-pace-ms 0",
        )) else {
            panic!("parse failed")
        };
        assert!(c.test_routes);
        assert_eq!(
            c.allow_origins,
            vec!["http://localhost:3000", "https://a.example"]
        );
        assert_eq!(c.allow_hosts, vec!["dev.test", "[::1]"]);
        assert_eq!((c.max_streams, c.max_connections), (5, 9));
        assert_eq!(c.answer_pace, Duration::ZERO);
        let Ok(Command::Run(d)) = parse(args("")) else {
            panic!("parse failed")
        };
        assert!(!d.test_routes, "no test routes by default");
        assert_eq!((d.max_streams, d.max_connections), (1024, 4096));
        for bad in [
            "--test-routes=1",
            "--allow-origin *",
            "--allow-origin http://a/path",
            "--allow-origin 127.0.0.1:3000",
            "--allow-host a/b",
            "--allow-host host:80",
            "--max-streams 0",
            "--max-connections 1000001",
            "--answer-pace-ms 1001",
        ] {
            assert!(parse(args(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            parse(args("")).map(|c| matches!(c, Command::Run(c) if c.mounts.len() == 4)),
            Ok(true)
        );
    }
}
