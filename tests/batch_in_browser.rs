//! The whole hand-off in a real browser: bytes into the wasm `StreamParser`, its batch decoded by
//! the shim's own `js/batch.js` with the browser's `TextDecoder`, compared event by event with the
//! native decoding of the same parse. Hostile bytes included: invalid UTF-8 around every
//! separator the batch layout uses, a U+FEFF at the start of values, NUL, long IDs.
#![cfg(target_arch = "wasm32")]

use eventsource_wasm::parser::{Collect, Item, Parser};
use eventsource_wasm::StreamParser;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "support/batch_js.rs"]
mod batch_js;
use batch_js::{batch_state, read_batch};

/// Parses `chunks` through the wasm binding and the JS reader: (type, data, id) per event.
fn through_js(chunks: &[&[u8]]) -> Vec<(String, String, String)> {
    let state = batch_state();
    let out = js_sys::Array::new();
    let sink = out.clone();
    let deliver = Closure::<dyn FnMut(String, String, String) -> bool>::new(
        move |t: String, d: String, id: String| {
            sink.push(&js_sys::Array::of3(&t.into(), &d.into(), &id.into()));
            true
        },
    );
    let mut parser = StreamParser::new(None);
    for chunk in chunks {
        let view = parser.feed(chunk).map_err(JsValue::from).unwrap();
        read_batch(&view, &state, deliver.as_ref().unchecked_ref());
    }
    out.iter()
        .map(|e| {
            let e: js_sys::Array = e.into();
            let s = |i| e.get(i).as_string().unwrap();
            (s(0), s(1), s(2))
        })
        .collect()
}

fn native(chunks: &[&[u8]]) -> Vec<(String, String, String)> {
    let mut parser = Parser::default();
    let mut out = Collect::default();
    for chunk in chunks {
        parser.feed(chunk, &mut out).unwrap();
    }
    out.items
        .into_iter()
        .filter_map(|item| match item {
            Item::Event(e) => Some((e.event_type, e.data, e.last_event_id)),
            Item::Retry(_) => None,
        })
        .collect()
}

const HOSTILE: &[&[u8]] = &[
    b"data: plain\n\n",
    b"event: t\xE2\x82\ndata: \xE2\x82\ndata: x\xF0\x9F\x98\nid: \xC3\n\n",
    b"event:\xEF\xBB\xBFbom\ndata:\xEF\xBB\xBF\n\n",
    b"id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: ;x\ndata: d\n\n",
    b"data: \x00\x01\x80\xFF\xFE\n\n",
    "data: é😀中文\nevent: ü\n\n".as_bytes(),
    b"data\n\ndata:\ndata:\n\n",
    b"event: t\ndata: 1\n\nevent: t\ndata: 2\n\ndata: 3\n\nevent: t\xC3\ndata: 4\n\nevent: t\xC3\nid: 5\ndata: 5\n\nevent: \ndata: 6\n\n",
];

#[wasm_bindgen_test]
fn batch_decoding_in_js_equals_native_decoding() {
    for input in HOSTILE {
        let expected = native(&[input]);
        assert!(!expected.is_empty());
        assert_eq!(through_js(&[input]), expected);
        // Split everywhere, so the ID carries across batches and characters straddle chunks.
        for i in 0..=input.len() {
            let (a, b) = input.split_at(i);
            assert_eq!(through_js(&[a, b]), expected, "split at {i}");
        }
    }
    let all: Vec<u8> = HOSTILE.concat();
    assert_eq!(through_js(&[&all]), native(&[&all]));
}

#[wasm_bindgen_test]
fn a_long_id_is_sent_once_per_change() {
    // 64 KiB id then 10,000 events: the batch carries the id once.
    let mut input = b"id: ".to_vec();
    input.extend(std::iter::repeat(b'i').take(64 * 1024));
    input.push(b'\n');
    for _ in 0..10_000 {
        input.extend_from_slice(b"data: x\n\n");
    }
    let mut parser = StreamParser::new(None);
    let view = parser.feed(&input).map_err(JsValue::from).unwrap();
    assert!(view.length() < 64 * 1024 + 10_000 * 6);
}

#[wasm_bindgen_test]
fn the_limit_keeps_earlier_events_then_throws_a_clear_error() {
    const MESSAGE: &str = "event stream line or event larger than maxEventSize";
    let mut parser = StreamParser::new(Some(8));
    let view = parser
        .feed(b"data: a\n\ndata: 0123456789\n\n")
        .map_err(JsValue::from)
        .unwrap();
    // The event completed before the oversized line is still delivered.
    assert_eq!(view.to_vec(), b"Aa\r");
    assert_eq!(parser.error().as_deref(), Some(MESSAGE));
    let err = parser.feed(b"data: b\n\n").map(|_| ()).unwrap_err();
    let err: js_sys::Error = JsValue::from(err).into();
    assert_eq!(String::from(err.message()), MESSAGE);
}
