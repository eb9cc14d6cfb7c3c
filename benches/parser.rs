//! Native throughput of the event-stream parser on the corpora of `bench/corpus.mjs`.
//!
//! ```text
//! node bench/corpus.mjs                       # writes target/corpora/*.txt and *.meta.json
//! cargo bench --bench parser -q               # every corpus found in CORPUS_DIR
//! cargo bench --bench parser -q -- a.txt b.txt
//! ```
//!
//! A plain harness (`harness = false`): for each corpus, one warm-up round and then
//! `BENCH_ROUNDS` (default 9) measured rounds, each a fresh [`Parser`] fed the whole corpus in
//! 16 KiB chunks. Prints one JSON line per corpus to stdout; everything else goes to stderr.
//! Exits non-zero when the events counted differ from the `.meta.json` beside the corpus.
//!
//! To be comparable with JS parsers, which hand out strings, the headline figure (`mbPerS`)
//! decodes every field the parser hands out (type, data, last event ID: validated as UTF-8,
//! U+FFFD for invalid bytes, as the engine's one `TextDecoder` call per batch does) and folds the
//! lengths into a checksum, so none of the work can be optimised away. The same rounds are then
//! run without decoding (`parseOnlyMbPerS`), to show how much of the time is the parser's own;
//! on a valid UTF-8 corpus both must see the same lengths.
//! Figures only: nothing here asserts a time.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use eventsource_wasm::parser::{Parser, Sink};

const CHUNK: usize = 16 * 1024;
const DEFAULT_ROUNDS: usize = 9;
const MAX_ROUNDS: usize = 1000;
const DEFAULT_CORPORA: [&str; 5] = ["tokens", "ticker", "large", "crlf", "mixed"];

#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
struct Tally {
    events: u64,
    retries: u64,
    checksum: u64,
}

/// Counts what the parser reports and folds the lengths of the fields into a checksum: decoded
/// (`DECODE`) or as bytes.
struct BenchSink<const DECODE: bool>(Tally);

impl<const DECODE: bool> Sink for BenchSink<DECODE> {
    #[inline]
    fn event(&mut self, event_type: &[u8], data: &[u8], last_event_id: &[u8]) {
        let lens = if DECODE {
            let text = String::from_utf8_lossy;
            text(black_box(event_type)).len()
                + text(black_box(data)).len()
                + text(black_box(last_event_id)).len()
        } else {
            black_box(event_type).len() + black_box(data).len() + black_box(last_event_id).len()
        };
        self.0.events += 1;
        self.0.checksum = self.0.checksum.wrapping_mul(31).wrapping_add(lens as u64);
    }

    #[inline]
    fn retry(&mut self, millis: u64) {
        self.0.retries += 1;
        self.0.checksum ^= millis;
    }
}

/// One round: a fresh parser over the whole corpus, its fields decoded (`TEXT`) or not.
fn round<const TEXT: bool>(corpus: &[u8]) -> Result<Tally, String> {
    let mut parser = Parser::default();
    let mut sink = BenchSink::<TEXT>(Tally::default());
    for chunk in corpus.chunks(CHUNK) {
        parser
            .feed(black_box(chunk), &mut sink)
            .map_err(|e| e.message().to_string())?;
    }
    Ok(black_box(sink.0))
}

/// A warm-up round, then `rounds` timed ones, each checked against the warm-up's tally.
/// Returns the tally and the times in milliseconds, in the order they ran.
fn timed<const TEXT: bool>(
    name: &str,
    corpus: &[u8],
    rounds: usize,
) -> Result<(Tally, Vec<f64>), String> {
    let warm = round::<TEXT>(corpus).map_err(|e| format!("{name}: parser failed: {e}"))?;
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        let tally =
            round::<TEXT>(black_box(corpus)).map_err(|e| format!("{name}: parser failed: {e}"))?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
        if tally.events != warm.events
            || tally.retries != warm.retries
            || tally.checksum != warm.checksum
        {
            return Err(format!("{name}: rounds disagree: {tally:?} vs {warm:?}"));
        }
    }
    Ok((warm, times))
}

/// Reads an unsigned integer field from the flat JSON that `bench/corpus.mjs` writes.
fn meta_field(meta: &str, key: &str) -> Option<u64> {
    let quoted = format!("\"{key}\"");
    let at = meta.find(&quoted)? + quoted.len();
    let rest = meta[at..].trim_start().strip_prefix(':')?.trim_start();
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    rest[..digits].parse().ok()
}

/// The median of the times, at least a nanosecond so rates stay finite.
fn median(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
    .max(1e-6)
}

fn bench(path: &Path, rounds: usize) -> Result<(), String> {
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| format!("{}: no file name", path.display()))?
        .to_string();
    let corpus = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let meta_path = path.with_extension("meta.json");
    let meta = std::fs::read_to_string(&meta_path)
        .map_err(|e| format!("{}: {e} (run `node bench/corpus.mjs`)", meta_path.display()))?;
    let expected_events = meta_field(&meta, "events")
        .ok_or_else(|| format!("{}: no \"events\"", meta_path.display()))?;
    let expected_retries = meta_field(&meta, "retries");

    let (warm, times) = timed::<true>(&name, &corpus, rounds)?;
    if warm.events != expected_events {
        return Err(format!(
            "{name}: parsed {} events, the generator emitted {expected_events}",
            warm.events
        ));
    }
    if let Some(retries) = expected_retries {
        if warm.retries != retries {
            return Err(format!(
                "{name}: parsed {} retry fields, the generator emitted {retries}",
                warm.retries
            ));
        }
    }
    let (raw, raw_times) = timed::<false>(&name, &corpus, rounds)?;
    // On valid UTF-8 the text is the bytes: both kinds of rounds must agree exactly.
    let same = if std::str::from_utf8(&corpus).is_ok() {
        raw == warm
    } else {
        raw.events == warm.events && raw.retries == warm.retries
    };
    if !same {
        return Err(format!(
            "{name}: the parse-only rounds disagree with the text rounds: {raw:?} vs {warm:?}"
        ));
    }

    let med = median(&times);
    let raw_med = median(&raw_times);
    let mb = corpus.len() as f64 / 1e6;
    let rounds_json: Vec<String> = times.iter().map(|t| format!("{t:.3}")).collect();
    println!(
        "{{\"corpus\":\"{name}\",\"bytes\":{},\"events\":{},\"retries\":{},\"medianMs\":{med:.3},\"mbPerS\":{:.1},\"eventsPerS\":{:.0},\"rounds\":[{}],\"parseOnlyMedianMs\":{raw_med:.3},\"parseOnlyMbPerS\":{:.1}}}",
        corpus.len(),
        warm.events,
        warm.retries,
        mb / (med / 1e3),
        warm.events as f64 / (med / 1e3),
        rounds_json.join(","),
        mb / (raw_med / 1e3),
    );
    Ok(())
}

fn main() -> ExitCode {
    // `cargo bench` appends `--bench` (and may pass other flags): anything starting with `-` is
    // not a corpus.
    let mut paths: Vec<PathBuf> = std::env::args_os()
        .skip(1)
        .filter(|a| !a.to_string_lossy().starts_with('-'))
        .map(PathBuf::from)
        .collect();
    if paths.is_empty() {
        let dir = std::env::var_os("CORPUS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("target/corpora"));
        paths = DEFAULT_CORPORA
            .iter()
            .map(|n| dir.join(format!("{n}.txt")))
            .filter(|p| p.is_file())
            .collect();
        if paths.is_empty() {
            eprintln!(
                "no corpora in {}: run `node bench/corpus.mjs` first, or pass paths",
                dir.display()
            );
            return ExitCode::FAILURE;
        }
    }
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(DEFAULT_ROUNDS)
        .clamp(1, MAX_ROUNDS);

    let mut failed = false;
    for path in &paths {
        if let Err(e) = bench(path, rounds) {
            eprintln!("error: {e}");
            failed = true;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
