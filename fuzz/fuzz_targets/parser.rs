//! Fuzzes the parser: it must never panic, and splitting the input into chunks (at places the
//! fuzzer picks) must never change the events, `retry` values or error it reports.
#![no_main]

use eventsource_wasm::batch::Batch;
use eventsource_wasm::parser::{Collect, Parser};
use libfuzzer_sys::fuzz_target;

fn run(chunks: &[&[u8]], limit: usize) -> (Collect, Option<usize>) {
    let mut parser = Parser::new(limit);
    let mut out = Collect::default();
    for chunk in chunks {
        if parser.feed(chunk, &mut out).is_err() {
            return (out, Some(limit));
        }
    }
    parser.end_of_stream();
    (out, None)
}

fuzz_target!(|input: &[u8]| {
    // The first two bytes choose the limit and a chunk size; the rest is the stream.
    let [a, b, stream @ ..] = input else { return };
    let limit = if *a < 128 {
        usize::MAX
    } else {
        usize::from(*a - 127) * 4
    };
    let step = usize::from(*b).max(1);
    let whole = run(&[stream], limit);
    let chunks: Vec<&[u8]> = stream.chunks(step).collect();
    assert_eq!(run(&chunks, limit), whole);
    let bytes: Vec<&[u8]> = stream.chunks(1).collect();
    assert_eq!(run(&bytes, limit), whole);
    // The batch encoder on the same input must not panic either.
    let mut parser = Parser::new(limit);
    let mut batch = Batch::default();
    for chunk in &chunks {
        batch.clear();
        if parser.feed(chunk, &mut batch).is_err() {
            break;
        }
    }
});
