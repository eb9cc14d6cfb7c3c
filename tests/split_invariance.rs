//! Property: however the same bytes are split into chunks, down to one byte per chunk, the
//! parser reports the same events, `retry` values and error as when fed the whole input.
#![cfg(not(target_arch = "wasm32"))]

use eventsource_wasm::parser::{Collect, Parser};
use proptest::prelude::*;

/// Bytes biased towards the event-stream alphabet, so inputs hold real fields, line ends in
/// every form, BOMs and multi-byte characters cut in half.
fn stream_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"data".to_vec()),
        Just(b"data: ".to_vec()),
        Just(b"event:".to_vec()),
        Just(b"id: ".to_vec()),
        Just(b"retry: ".to_vec()),
        Just(b":".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just("é😀".as_bytes().to_vec()),
        Just(vec![0]),
        (0u8..=9).prop_map(|d| vec![b'0' + d]),
        any::<u8>().prop_map(|b| vec![b]),
        "[a-z]{1,6}".prop_map(String::into_bytes),
    ];
    proptest::collection::vec(piece, 0..80).prop_map(|pieces| pieces.concat())
}

fn run(chunks: &[&[u8]], limit: usize) -> (Collect, bool) {
    let mut parser = Parser::new(limit);
    let mut out = Collect::default();
    let mut failed = false;
    for chunk in chunks {
        if parser.feed(chunk, &mut out).is_err() {
            failed = true;
            break;
        }
    }
    (out, failed)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_split_gives_the_same_result(
        input in stream_bytes(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
        limit in prop_oneof![Just(usize::MAX), 8usize..64],
    ) {
        let whole = run(&[&input], limit);
        let mut at: Vec<usize> = cuts.iter().map(|c| c.index(input.len() + 1)).collect();
        at.sort_unstable();
        let mut chunks = Vec::new();
        let mut start = 0;
        for cut in at {
            chunks.push(&input[start..cut]);
            start = cut;
        }
        chunks.push(&input[start..]);
        prop_assert_eq!(&run(&chunks, limit), &whole);
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        prop_assert_eq!(&run(&bytes, limit), &whole);
    }
}
