//! The parser against every rule of ../shared/SPEC-CHECKLIST.md under "Decoding and lines",
//! "Lines and fields" and "Dispatch" (steps 1-5), with the expected events written out.
//!
//! The same file runs natively (`cargo test`) and compiled to wasm in headless Chromium and
//! Firefox (`wasm-pack test --headless --chrome --firefox`). Each case is also re-run with the
//! input split at every byte position and fed one byte at a time: chunk boundaries in hostile
//! places must not change the result.

use eventsource_wasm::parser::{Collect, Error, Event, Item, Parser};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn ev(event_type: &str, data: &str, id: &str) -> Item {
    Item::Event(Event {
        event_type: event_type.into(),
        data: data.into(),
        last_event_id: id.into(),
    })
}

fn msg(data: &str) -> Item {
    ev("message", data, "")
}

/// Feeds `chunks` to a fresh parser and returns what it reported.
fn parse_chunks(chunks: &[&[u8]]) -> Vec<Item> {
    let mut parser = Parser::default();
    let mut out = Collect::default();
    for chunk in chunks {
        parser.feed(chunk, &mut out).expect("within the limit");
    }
    out.items
}

/// Asserts that `input` gives `expected` whole, split in two at every position, split in three
/// at many positions, and fed one byte at a time.
#[track_caller]
fn check(input: &[u8], expected: &[Item]) {
    assert_eq!(parse_chunks(&[input]), expected, "whole input");
    for i in 0..=input.len() {
        let (a, b) = input.split_at(i);
        assert_eq!(parse_chunks(&[a, b]), expected, "split at {i}");
    }
    let step = (input.len() / 16).max(1);
    for i in (0..=input.len()).step_by(step) {
        for j in (i..=input.len()).step_by(step) {
            let parts = [&input[..i], &input[i..j], &input[j..]];
            assert_eq!(parse_chunks(&parts), expected, "split at {i} and {j}");
        }
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(parse_chunks(&bytes), expected, "one byte per chunk");
}

// ---- Decoding and lines ----

#[test]
fn charset_is_always_utf8() {
    // The bytes of "é€😀" in UTF-8: decoded as UTF-8 whatever a Content-Type would say.
    check("data: é€😀\n\n".as_bytes(), &[msg("é€😀")]);
}

#[test]
fn one_leading_bom_is_dropped() {
    check(b"\xEF\xBB\xBFdata: a\n\n", &[msg("a")]);
}

#[test]
fn a_second_bom_is_data() {
    // The first BOM is dropped; the second starts the line, so the field name is
    // "\u{FEFF}data", an unknown field, and nothing is dispatched.
    check(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n", &[]);
    check(b"\xEF\xBB\xBFdata: \xEF\xBB\xBFa\n\n", &[msg("\u{FEFF}a")]);
}

#[test]
fn a_bom_after_the_first_line_is_data() {
    check(b"\n\xEF\xBB\xBFdata: a\n\ndata: b\n\n", &[msg("b")]);
}

#[test]
fn a_bom_on_a_first_empty_line_is_dropped() {
    check(b"\xEF\xBB\xBF\ndata: a\n\n", &[msg("a")]);
}

#[test]
fn invalid_bytes_become_replacement_characters() {
    // A lone continuation byte, an overlong encoding, a truncated sequence before the line end,
    // a surrogate encoding, and 0xFF: U+FFFD per maximal subpart, as WHATWG decodes.
    check(
        b"data: a\x80b\xC0\xAFc\xE2\x82\n\ndata: \xED\xA0\x80|\xFF\n\n",
        &[
            msg("a\u{FFFD}b\u{FFFD}\u{FFFD}c\u{FFFD}"),
            msg("\u{FFFD}\u{FFFD}\u{FFFD}|\u{FFFD}"),
        ],
    );
}

#[test]
fn multibyte_characters_split_across_chunks() {
    let input = "data: 😀é€\nid: 😀\ndata: x\n\n".as_bytes();
    // check() splits at every byte, including inside each character.
    check(input, &[ev("message", "😀é€\nx", "😀")]);
}

#[test]
fn line_ends_crlf_cr_lf() {
    check(b"data: a\r\n\r\n", &[msg("a")]);
    check(b"data: a\r\rdata: b\n\n", &[msg("a"), msg("b")]);
    check(b"data: a\n\ndata: b\r\n\r\n", &[msg("a"), msg("b")]);
}

#[test]
fn cr_cr_lf_lf_is_three_line_ends() {
    // "data: a" CR (end 1), CRLF (end 2, dispatch), LF (end 3: an empty line, nothing to send).
    check(b"data: a\r\r\n\ndata: b\n\n", &[msg("a"), msg("b")]);
    // Exactly the checklist's example: one event, then an empty line that sends nothing.
    check(b"data: a\r\r\n\n", &[msg("a")]);
    // Were CR CR LF one or two ends, "data: b" would join "a" or be lost.
    check(b"data: a\r\r\ndata: b\n\n", &[msg("a"), msg("b")]);
}

#[test]
fn cr_at_chunk_end_then_lf_is_one_line_end() {
    assert_eq!(
        parse_chunks(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]),
        [msg("a\nb")]
    );
    // An empty chunk between them changes nothing.
    assert_eq!(
        parse_chunks(&[b"data: a\r", b"", b"\n\r", b"", b"\n"]),
        [msg("a")]
    );
}

#[test]
fn unfinished_line_and_event_are_dropped_at_end_of_stream() {
    let mut parser = Parser::default();
    let mut out = Collect::default();
    parser.feed(b"data: a\n\ndata: b\n", &mut out).unwrap();
    parser.end_of_stream();
    parser.feed(b"data: c", &mut out).unwrap();
    parser.end_of_stream();
    parser.feed(b"\n\ndata: d\n\n", &mut out).unwrap();
    assert_eq!(out.items, [msg("a"), msg("d")]);
}

#[test]
fn a_new_stream_strips_its_own_bom() {
    let mut parser = Parser::default();
    let mut out = Collect::default();
    parser.feed(b"\xEF\xBB\xBFdata: a\n\n", &mut out).unwrap();
    parser.end_of_stream();
    parser.feed(b"\xEF\xBB\xBFdata: b\n\n", &mut out).unwrap();
    assert_eq!(out.items, [msg("a"), msg("b")]);
}

#[test]
fn decoded_input_keeps_a_leading_bom() {
    // An XHR responseText was decoded by the browser, which already removed the stream's BOM:
    // a U+FEFF still at the start is a second one, so it is data.
    let mut parser = Parser::default();
    let mut out = Collect::default();
    parser.input_is_decoded();
    parser
        .feed(b"\xEF\xBB\xBFdata: a\n\ndata: b\n\n", &mut out)
        .unwrap();
    assert_eq!(out.items, [msg("b")]);
}

// ---- Lines and fields ----

#[test]
fn empty_line_dispatches() {
    check(b"data: a\n\n", &[msg("a")]);
    check(b"data: a\n", &[]);
}

#[test]
fn comments_are_ignored_nul_included() {
    check(b": hello\n:\ndata: a\n: \x00\xFF\r\n\n", &[msg("a")]);
    check(b":data: x\n\n", &[]);
}

#[test]
fn field_name_before_first_colon_value_after() {
    check(b"data:a:b: c\n\n", &[msg("a:b: c")]);
}

#[test]
fn exactly_one_leading_space_is_removed() {
    check(b"data:  two\n\n", &[msg(" two")]);
    check(b"data:none\n\n", &[msg("none")]);
    check(b"data: \n\n", &[msg("")]);
    check(b"data:\t tab\n\n", &[msg("\t tab")]);
}

#[test]
fn no_colon_means_whole_line_is_name_and_empty_value() {
    check(b"data\n\n", &[msg("")]);
    check(b"data\ndata\n\n", &[msg("\n")]);
    check(b"event\ndata: x\n\n", &[msg("x")]);
}

#[test]
fn field_names_are_case_sensitive_and_unknown_ones_ignored() {
    check(b"Data: a\nDATA: b\n\n", &[]);
    check(b"data : a\n\n", &[]);
    check(b"foo: bar\ndata: a\n\n", &[msg("a")]);
    check(b"Event: x\ndata: a\n\n", &[msg("a")]);
}

#[test]
fn event_sets_the_type() {
    check(
        b"event: tick\ndata: 1\n\ndata: 2\n\n",
        &[ev("tick", "1", ""), msg("2")],
    );
    // The last `event` line wins; an empty one means `message`.
    check(b"event: a\nevent: b\ndata: 1\n\n", &[ev("b", "1", "")]);
    check(b"event: a\nevent\ndata: 1\n\n", &[msg("1")]);
}

#[test]
fn data_appends_value_and_lf() {
    check(b"data: a\ndata: b\ndata\n\n", &[msg("a\nb\n")]);
    check(b"data: a\ndata:\n\n", &[msg("a\n")]);
    check(b"data\n\n", &[msg("")]);
}

#[test]
fn id_with_nul_is_ignored() {
    check(
        b"id: 1\ndata: a\n\nid: 2\x00x\ndata: b\n\n",
        &[ev("message", "a", "1"), ev("message", "b", "1")],
    );
}

#[test]
fn id_sets_the_buffer_and_empty_resets_it() {
    check(
        b"id: 1\ndata: a\n\nid\ndata: b\n\nid: 3\ndata: c\n\nid:\ndata: d\n\n",
        &[
            ev("message", "a", "1"),
            ev("message", "b", ""),
            ev("message", "c", "3"),
            ev("message", "d", ""),
        ],
    );
    // Spaces inside an id are kept; only one leading space goes.
    check(b"id:  a b \ndata: x\n\n", &[ev("message", "x", " a b ")]);
}

#[test]
fn retry_digits_only() {
    check(b"retry: 1000\n", &[Item::Retry(1000)]);
    check(b"retry:0042\n", &[Item::Retry(42)]);
    check(b"retry: 0\n", &[Item::Retry(0)]);
    check(
        b"retry: 1000x\nretry:  5\nretry:\nretry\nretry: -1\nretry: 1.5\nretry: 1e3\nretry: \xD9\xA1\n",
        &[],
    );
    // Huge values saturate instead of overflowing.
    check(
        b"retry: 99999999999999999999999\n",
        &[Item::Retry(u64::MAX)],
    );
}

#[test]
fn retry_is_reported_in_order_with_events() {
    check(
        b"data: a\n\nretry: 5\ndata: b\n\n",
        &[msg("a"), Item::Retry(5), msg("b")],
    );
}

// ---- Dispatch ----

#[test]
fn last_event_id_persists_across_events() {
    check(
        b"id: 7\ndata: a\n\ndata: b\n\nevent: x\ndata: c\n\n",
        &[
            ev("message", "a", "7"),
            ev("message", "b", "7"),
            ev("x", "c", "7"),
        ],
    );
}

#[test]
fn last_event_id_string_is_set_even_when_nothing_is_dispatched() {
    let mut parser = Parser::default();
    let mut out = Collect::default();
    parser.feed(b"id: 5\n\n", &mut out).unwrap();
    assert!(out.items.is_empty());
    assert_eq!(parser.last_event_id(), b"5");
}

#[test]
fn last_event_id_string_changes_only_at_dispatch() {
    // The id buffer is set, but the stream drops before the blank line: the last event ID
    // string (what a reconnection sends) is still the previous one.
    let mut parser = Parser::default();
    let mut out = Collect::default();
    parser
        .feed(b"id: 1\ndata: a\n\nid: 2\ndata: b\n", &mut out)
        .unwrap();
    assert_eq!(parser.last_event_id(), b"1");
    parser.end_of_stream();
    assert_eq!(parser.last_event_id(), b"1");
    // The next stream starts from it.
    parser.feed(b"data: c\n\n", &mut out).unwrap();
    assert_eq!(
        out.items,
        [ev("message", "a", "1"), ev("message", "c", "1")]
    );
}

#[test]
fn empty_data_buffer_dispatches_nothing_and_clears_the_type() {
    check(b"event: x\n\ndata: a\n\n", &[msg("a")]);
    check(
        b"event: x\nid: 1\n\n\n\ndata: a\n\n",
        &[ev("message", "a", "1")],
    );
}

#[test]
fn one_trailing_lf_is_removed() {
    check(b"data: a\ndata:\n\n", &[msg("a\n")]);
    check(b"data\ndata\ndata\n\n", &[msg("\n\n")]);
}

#[test]
fn buffers_clear_after_dispatch() {
    check(
        b"event: x\ndata: 1\n\ndata: 2\n\n",
        &[ev("x", "1", ""), msg("2")],
    );
}

#[test]
fn nul_and_other_controls_in_data_pass_through() {
    check(b"data: a\x00b\x01\n\n", &[msg("a\0b\u{1}")]);
}

// ---- Limits ----

#[test]
fn a_line_over_the_limit_is_an_error_whatever_the_chunking() {
    let input = b"data: ok\n\ndata: 0123456789abcdef\n\n";
    for i in 0..=input.len() {
        let mut parser = Parser::new(16);
        let mut out = Collect::default();
        let (a, b) = input.split_at(i);
        let result = parser
            .feed(a, &mut out)
            .and_then(|()| parser.feed(b, &mut out));
        assert_eq!(result, Err(Error::TooLarge), "split at {i}");
        assert_eq!(out.items, [msg("ok")], "split at {i}");
        // It stays failed.
        assert_eq!(parser.feed(b"data: x\n\n", &mut out), Err(Error::TooLarge));
    }
}

#[test]
fn an_event_over_the_limit_is_an_error() {
    let mut parser = Parser::new(16);
    let mut out = Collect::default();
    let result = parser.feed(b"data: 12345\ndata: 12345\ndata: 12345\n\n", &mut out);
    assert_eq!(result, Err(Error::TooLarge));
    assert!(out.items.is_empty());
}

#[test]
fn an_unended_line_is_bounded() {
    let mut parser = Parser::new(1024);
    let mut out = Collect::default();
    let chunk = [b'x'; 100];
    let mut failed_at = None;
    for round in 0..100 {
        if parser.feed(&chunk, &mut out).is_err() {
            failed_at = Some(round);
            break;
        }
    }
    assert_eq!(failed_at, Some(10));
}

#[test]
fn events_at_the_limit_pass() {
    let mut parser = Parser::new(16);
    let mut out = Collect::default();
    // "data: " + 10 bytes = a 16-byte line; the data buffer holds 11 bytes.
    parser.feed(b"data: 0123456789\n\n", &mut out).unwrap();
    assert_eq!(out.items, [msg("0123456789")]);
}

#[test]
fn between_events_only_with_no_line_or_data_pending() {
    let mut parser = Parser::default();
    let mut out = Collect::default();
    assert!(parser.is_between_events());
    parser.feed(b"data: a\n", &mut out).unwrap();
    assert!(!parser.is_between_events());
    parser.feed(b"\n", &mut out).unwrap();
    assert!(parser.is_between_events());
    parser.feed(b"data", &mut out).unwrap();
    assert!(!parser.is_between_events());
    parser.feed(b"\r\r", &mut out).unwrap();
    assert!(
        parser.is_between_events(),
        "a CR that may be half of a CRLF"
    );
}

#[test]
fn huge_line_in_tiny_pieces_is_linear() {
    // 1 MiB in one-byte chunks: quadratic rescanning would take minutes, linear takes ms.
    let mut parser = Parser::default();
    let mut out = Collect::default();
    parser.feed(b"data: ", &mut out).unwrap();
    for _ in 0..(1 << 20) {
        parser.feed(b"x", &mut out).unwrap();
    }
    parser.feed(b"\n\n", &mut out).unwrap();
    match &out.items[..] {
        [Item::Event(e)] => assert_eq!(e.data.len(), 1 << 20),
        other => panic!("expected one event, got {}", other.len()),
    }
}

#[test]
fn deterministic_random_splits_match_the_whole() {
    // A mixed stream fed in pseudo-random chunk sizes (xorshift, fixed seed): same events.
    let mut input = Vec::new();
    for i in 0..200u32 {
        let eol: &[u8] = match i % 3 {
            0 => b"\n",
            1 => b"\r\n",
            _ => b"\r",
        };
        let line = match i % 7 {
            0 => format!("id: {i}"),
            1 => format!("event: t{}", i % 5),
            2 => ": comment é".to_string(),
            3 => format!("retry: {i}"),
            _ => format!("data: {i} ünï€😀"),
        };
        input.extend_from_slice(line.as_bytes());
        input.extend_from_slice(eol);
        if i % 4 == 3 {
            input.extend_from_slice(eol);
        }
    }
    let whole = parse_chunks(&[&input]);
    assert!(whole.len() > 50);
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..200 {
        let mut chunks = Vec::new();
        let mut rest = &input[..];
        while !rest.is_empty() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let n = (state % 23) as usize;
            let (a, b) = rest.split_at(n.min(rest.len()));
            chunks.push(a);
            rest = b;
        }
        assert_eq!(parse_chunks(&chunks), whole);
    }
}

#[test]
fn a_leading_bom_is_data_once_told_the_input_is_decoded() {
    let mut parser = Parser::default();
    let mut out = Collect::default();
    parser.input_is_decoded();
    parser
        .feed("\u{FEFF}data: a\n\ndata: b\n\n".as_bytes(), &mut out)
        .unwrap();
    assert_eq!(out.items, [msg("b")]);
}

#[test]
fn one_line_events_in_place_keep_type_and_id() {
    // `data: x` directly followed by an empty line is dispatched from the chunk: the type and
    // ID set before it, and the reset of the type after it, must be as for any other event.
    check(
        b"event: a\nid: 1\ndata: x\n\ndata: y\r\n\r\nevent: b\ndata: z\r\rdata:\n\n",
        &[
            ev("a", "x", "1"),
            ev("message", "y", "1"),
            ev("b", "z", "1"),
            ev("message", "", "1"),
        ],
    );
    // Not a one-line event: the data buffer already holds a line.
    check(b"data: a\ndata: b\n\n", &[msg("a\nb")]);
}
