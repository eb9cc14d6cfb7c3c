//! Prints the events the native parser finds in stream files, in a canonical escaped form, so
//! that another build of the engine (the wasm one, see `tests/soak/differential.mjs`) can be
//! compared with it byte for byte.
//!
//! ```text
//! cargo run --release --example dump -- [--fuzz] [--limit N] [--chunk N] FILE...
//! ```
//!
//! For each file: a line `== <file name>`, then per event `event <type> <data> <lastEventId>`,
//! per chunk that carried a valid `retry` field `retry <ms>` (the chunk's last one, after its
//! events), `error` if a line or event grew past the limit (the stream stops there; events the
//! failing chunk completed before that point are printed before it), and `end` otherwise.
//!
//! Strings are escaped so the output is ASCII with one event per line: printable ASCII stands for
//! itself except `\`, which is `\\`; every other code point is `\u{hex}` (lowercase, no zeros).
//! Invalid UTF-8 is decoded as WHATWG's decoder does (U+FFFD per maximal subpart).
//!
//! `--fuzz` reads each file as an input of the `parser` fuzz target: the first byte chooses the
//! limit (below 128: none; else (byte - 127) * 4 bytes), the second the chunk size (at least 1),
//! the rest is the stream. Otherwise the whole file is the stream, fed in chunks of `--chunk`
//! bytes (default: one chunk), with the limit `--limit` (default 16 MiB).

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use eventsource_wasm::parser::{Event, Parser, Sink, DEFAULT_MAX_EVENT_SIZE};

/// What one chunk produced.
#[derive(Default)]
struct Chunk {
    events: Vec<Event>,
    retry: Option<u64>,
}

impl Sink for Chunk {
    fn event(&mut self, event_type: &[u8], data: &[u8], last_event_id: &[u8]) {
        self.events
            .push(Event::decode(event_type, data, last_event_id));
    }

    fn retry(&mut self, millis: u64) {
        self.retry = Some(millis);
    }
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            _ => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
}

/// The canonical dump of one stream.
fn dump(stream: &[u8], limit: usize, step: usize, out: &mut String) {
    let mut parser = Parser::new(limit);
    for piece in stream.chunks(step.max(1)) {
        let mut chunk = Chunk::default();
        let result = parser.feed(piece, &mut chunk);
        for e in &chunk.events {
            out.push_str("event ");
            escape(&e.event_type, out);
            out.push(' ');
            escape(&e.data, out);
            out.push(' ');
            escape(&e.last_event_id, out);
            out.push('\n');
        }
        if result.is_err() {
            out.push_str("error\n");
            return;
        }
        if let Some(ms) = chunk.retry {
            let _ = writeln!(out, "retry {ms}");
        }
    }
    parser.end_of_stream();
    out.push_str("end\n");
}

fn main() -> ExitCode {
    let mut fuzz = false;
    let mut limit = DEFAULT_MAX_EVENT_SIZE;
    let mut chunk = usize::MAX;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Option<usize> {
            let n = args.next().and_then(|v| v.parse().ok());
            if n.is_none() {
                eprintln!("dump: {name} needs a number");
            }
            n
        };
        match arg.as_str() {
            "--fuzz" => fuzz = true,
            "--limit" => match number("--limit") {
                Some(n) => limit = n,
                None => return ExitCode::from(2),
            },
            "--chunk" => match number("--chunk") {
                Some(n) => chunk = n.max(1),
                None => return ExitCode::from(2),
            },
            "-h" | "--help" => {
                println!("usage: dump [--fuzz] [--limit N] [--chunk N] FILE...");
                return ExitCode::SUCCESS;
            }
            _ => files.push(arg),
        }
    }
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    let mut out = String::new();
    for file in &files {
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("dump: {file}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let name = std::path::Path::new(file)
            .file_name()
            .map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned());
        out.clear();
        out.push_str("== ");
        escape(&name, &mut out);
        out.push('\n');
        if fuzz {
            match bytes.as_slice() {
                [a, b, stream @ ..] => {
                    let limit = if *a < 128 {
                        usize::MAX
                    } else {
                        usize::from(*a - 127) * 4
                    };
                    dump(stream, limit, usize::from(*b).max(1), &mut out);
                }
                _ => out.push_str("skip\n"),
            }
        } else {
            dump(&bytes, limit, chunk, &mut out);
        }
        if stdout.write_all(out.as_bytes()).is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
