//! The engine's transports in real browsers against the reference server on loopback. The test
//! page (served by the wasm-bindgen test runner) and the server are different origins, so every
//! request here is a CORS request. `SSE_SERVER` (the server's origin) is set by scripts/test.sh
//! when it builds these tests; without it they are skipped.
#![cfg(target_arch = "wasm32")]

use eventsource_wasm::{Host, Source};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/tests/support/host.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeHost)]
    fn make_host(wanted: u32) -> JsValue;

    #[wasm_bindgen(js_name = fetchText)]
    fn fetch_text(url: &str) -> js_sys::Promise;
}

#[path = "support/batch_js.rs"]
mod batch_js;
use batch_js::{batch_state, read_batch};

const SERVER: Option<&str> = option_env!("SSE_SERVER");

/// Runs a source with the given transport until `wanted` events or a failure; returns the log.
async fn run(
    path: &str,
    xhr: bool,
    polling: bool,
    query_param: Option<&str>,
    wanted: u32,
) -> Vec<String> {
    let url = format!("{}{path}", SERVER.unwrap());
    let host = make_host(wanted);
    // The batches are read by the shim's own reader, as in the package.
    let deliver: js_sys::Function = js_sys::Reflect::get(&host, &"deliver".into())
        .unwrap()
        .into();
    let state = batch_state();
    let events = Closure::<dyn FnMut(js_sys::Uint8Array)>::new(move |view: js_sys::Uint8Array| {
        read_batch(&view, &state, &deliver)
    });
    js_sys::Reflect::set(&host, &"events".into(), events.as_ref()).unwrap();
    let flags = if xhr { 2 } else { 0 } | if polling { 4 } else { 0 };
    let source = Source::new(
        host.clone().unchecked_into::<Host>(),
        url,
        flags,
        "",
        query_param.unwrap_or("").into(),
        0.0,
        0.0,
        0.0,
        0.0,
    );
    source.start(None, None);
    // The host closes the source when done; keep it alive until then.
    let source = std::rc::Rc::new(source);
    let handle = source.clone();
    let close = Closure::<dyn FnMut()>::new(move || handle.close());
    js_sys::Reflect::set(&host, &"source".into(), &{
        let o = js_sys::Object::new();
        js_sys::Reflect::set(&o, &"close".into(), close.as_ref()).unwrap();
        o.into()
    })
    .unwrap();
    let done: js_sys::Promise = js_sys::Reflect::get(&host, &"done".into()).unwrap().into();
    let log = wasm_bindgen_futures::JsFuture::from(done).await.unwrap();
    drop(close);
    drop(events);
    js_sys::Array::from(&log)
        .iter()
        .map(|v| v.as_string().unwrap())
        .collect()
}

fn expected(server: &str, path: &str, polling: bool) -> Vec<String> {
    let url = format!("{server}{path}");
    let ev = |n: u32| format!("event message {n} {n}");
    let mut log = vec![format!("open {url}"), ev(1), ev(2)];
    if !polling {
        // drop_after=2: the body ends, the source reconnects with Last-Event-ID.
        log.extend([String::from("error 0"), format!("open {url}")]);
    }
    log.extend([ev(3), ev(4)]);
    if !polling {
        log.extend([String::from("error 0"), format!("open {url}")]);
    }
    log.push(ev(5));
    log
}

const COUNTER: &str = "/t/counter?count=5&drop_after=2&retry=20&end=1";

#[wasm_bindgen_test]
async fn fetch_transport_reconnects_with_last_event_id_across_origins() {
    let Some(server) = SERVER else { return };
    assert_eq!(
        run(COUNTER, false, false, None, 5).await,
        expected(server, COUNTER, false)
    );
}

#[wasm_bindgen_test]
async fn xhr_transport_reconnects_with_last_event_id_across_origins() {
    let Some(server) = SERVER else { return };
    assert_eq!(
        run(COUNTER, true, false, None, 5).await,
        expected(server, COUNTER, false)
    );
}

#[wasm_bindgen_test]
async fn polling_looks_like_one_stream() {
    let Some(server) = SERVER else { return };
    assert_eq!(
        run(COUNTER, true, true, None, 5).await,
        expected(server, COUNTER, true)
    );
    // The same convention over fetch (runtimes without XHR, e.g. service workers).
    assert_eq!(
        run(COUNTER, false, true, None, 5).await,
        expected(server, COUNTER, true)
    );
}

#[wasm_bindgen_test]
async fn last_event_id_in_the_query_avoids_the_header() {
    let Some(server) = SERVER else { return };
    let log = run(COUNTER, false, false, Some("lastEventId"), 5).await;
    // The reconnections carry ?lastEventId=2 and =4 and resume exactly there.
    assert_eq!(log.iter().filter(|l| l.starts_with("event")).count(), 5);
    assert!(
        log.contains(&format!("open {server}{COUNTER}&lastEventId=2")),
        "{log:?}"
    );
    assert!(
        log.contains(&format!("open {server}{COUNTER}&lastEventId=4")),
        "{log:?}"
    );
}

#[wasm_bindgen_test]
async fn a_bad_status_fails_without_reconnecting() {
    let Some(_) = SERVER else { return };
    for xhr in [false, true] {
        let log = run("/t/status/503", xhr, false, None, 1).await;
        assert_eq!(log, ["error 2 EventSource response status is not 200"]);
        let log = run(
            "/t/script?ctype=text/html&body=data%3A%20x%0A%0A",
            xhr,
            false,
            None,
            1,
        )
        .await;
        assert_eq!(
            log,
            ["error 2 EventSource response Content-Type is not text/event-stream"]
        );
    }
}

#[wasm_bindgen_test]
async fn xhr_replaces_a_grown_request_without_loss_repeat_or_error() {
    let Some(server) = SERVER else { return };
    // 160 events of 64 KiB: 10 Mi UTF-16 units of responseText, past the 8 Mi bound, so the
    // request is replaced after an event with an id; the server resumes from Last-Event-ID.
    // 2 ms apart, so that the text arrives in many progress events (a request is only replaced
    // in text that arrives after the bound was passed).
    let path = "/t/counter?count=160&pad=65536&interval=2&end=1&key=recycle";
    let log = run(path, true, false, None, 160).await;
    let opens: Vec<&String> = log.iter().filter(|l| l.starts_with("open")).collect();
    assert_eq!(
        opens,
        [&format!("open {server}{path}")],
        "one open, no reopen"
    );
    assert!(
        !log.iter().any(|l| l.starts_with("error")),
        "no error event"
    );
    let events: Vec<&String> = log.iter().filter(|l| l.starts_with("event")).collect();
    assert_eq!(events.len(), 160);
    for (i, line) in events.iter().enumerate() {
        let n = i + 1;
        let data = format!("{n}{}", "x".repeat(65536));
        let expected = format!("event message {}…({}) {n}", &data[..12], data.len());
        assert_eq!(*line, &expected, "event {n} exactly once, in order");
    }
    // The server saw the replacement: more than one request, a later one with Last-Event-ID.
    let seen: String =
        wasm_bindgen_futures::JsFuture::from(fetch_text(&format!("{server}/t/log?key=recycle")))
            .await
            .unwrap()
            .as_string()
            .unwrap();
    let requests = seen.matches("\"method\"").count();
    assert!(requests >= 2, "{requests} request(s): {seen:.300}");
    assert!(seen.contains("\"lastEventId\":\""), "{seen:.300}");
}
