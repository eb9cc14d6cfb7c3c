//! The package in real browsers against the reference server on loopback: its own `EventSource`
//! class (js/), its requests and its dispatch, with the engine of this test build. The test page
//! (served by the wasm-bindgen test runner) and the server are different origins, so every request
//! here is a CORS request. `SSE_SERVER` (the server's origin) is set by scripts/test.sh when it
//! builds these tests; without it they fail.
#![cfg(target_arch = "wasm32")]

use eventsource_wasm::{live_resources, Host, Options, Source};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/tests/support/package.js")]
extern "C" {
    #[wasm_bindgen(js_name = registerEngine)]
    fn register_engine(create: &js_sys::Function, live: &js_sys::Function);

    #[wasm_bindgen(js_name = run)]
    fn run_js(url: &str, options: &JsValue, wanted: u32) -> js_sys::Promise;

    fn live() -> js_sys::Array;

    #[wasm_bindgen(js_name = fetchText)]
    fn fetch_text(url: &str) -> js_sys::Promise;
}

// The modules package.js imports: wasm-bindgen copies a module beside the test page only when a
// binding names it.
#[wasm_bindgen(module = "/js/eventsource.js")]
extern "C" {
    #[wasm_bindgen(js_name = liveResources)]
    fn _class_module();
}
#[wasm_bindgen(module = "/js/host.js")]
extern "C" {
    #[wasm_bindgen(js_name = release)]
    fn _host_module();
}
#[wasm_bindgen(module = "/js/request.js")]
extern "C" {
    #[wasm_bindgen(js_name = requestsWaiting)]
    fn _request_module();
}
#[wasm_bindgen(module = "/js/request-xhr.js")]
extern "C" {
    #[wasm_bindgen(js_name = sendXhr)]
    fn _request_xhr_module();
}
#[wasm_bindgen(module = "/js/batch.js")]
extern "C" {
    #[wasm_bindgen(js_name = batchState)]
    fn _batch_module();
}

/// The reference server's origin. Read when the tests run, not when they compile (clippy builds
/// them without a server); a run without it fails, it is never skipped.
fn server() -> &'static str {
    match option_env!("SSE_SERVER") {
        Some(origin) => origin,
        None => panic!("SSE_SERVER: the reference server's origin (set by scripts/test.sh)"),
    }
}

/// Registers this build's engine with the class (once).
fn engine() {
    thread_local!(static DONE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if DONE.with(|d| d.replace(true)) {
        return;
    }
    let create = Closure::<dyn FnMut(Host, Options) -> JsValue>::new(|host, options: Options| {
        JsValue::from(Source::new(host, &options))
    });
    let live = Closure::<dyn FnMut() -> js_sys::Array>::new(live_resources);
    register_engine(
        create.as_ref().unchecked_ref(),
        live.as_ref().unchecked_ref(),
    );
    create.forget();
    live.forget();
}

/// Options for the class, from `(name, value)` pairs.
fn options(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (name, value) in pairs {
        js_sys::Reflect::set(&o, &(*name).into(), value).unwrap();
    }
    o.into()
}

fn transport(name: &str) -> JsValue {
    options(&[("transport", name.into())])
}

/// Runs a source on `path` of the server until `wanted` events or its failure; returns its log.
async fn run(path: &str, options: &JsValue, wanted: u32) -> Vec<String> {
    engine();
    let log = JsFuture::from(run_js(&format!("{}{path}", server()), options, wanted))
        .await
        .unwrap();
    let log = js_sys::Array::from(&log)
        .iter()
        .map(|v| v.as_string().unwrap())
        .collect();
    assert_eq!(settled_live().await, [0, 0, 0], "everything released");
    log
}

/// `[sources, requests, timers]` once the closed sources' last promises have settled.
async fn settled_live() -> Vec<u32> {
    for _ in 0..50 {
        let now: Vec<u32> = live().iter().map(|v| v.as_f64().unwrap() as u32).collect();
        if now == [0, 0, 0] {
            return now;
        }
        // A task later: the aborted requests' promises settle.
        let tick = js_sys::Promise::new(&mut |resolve, _| {
            let global = js_sys::global();
            let set_timeout: js_sys::Function = js_sys::Reflect::get(&global, &"setTimeout".into())
                .unwrap()
                .into();
            set_timeout.call2(&global, &resolve, &10.into()).unwrap();
        });
        JsFuture::from(tick).await.unwrap();
    }
    live().iter().map(|v| v.as_f64().unwrap() as u32).collect()
}

fn expected(path: &str, polling: bool) -> Vec<String> {
    let url = format!("{}{path}", server());
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
    assert_eq!(
        run(COUNTER, &transport("fetch"), 5).await,
        expected(COUNTER, false)
    );
}

#[wasm_bindgen_test]
async fn xhr_transport_reconnects_with_last_event_id_across_origins() {
    assert_eq!(
        run(COUNTER, &transport("xhr"), 5).await,
        expected(COUNTER, false)
    );
}

#[wasm_bindgen_test]
async fn polling_looks_like_one_stream() {
    assert_eq!(
        run(COUNTER, &transport("polling"), 5).await,
        expected(COUNTER, true)
    );
}

#[wasm_bindgen_test]
async fn last_event_id_in_the_query_avoids_the_header() {
    let o = options(&[
        ("transport", "fetch".into()),
        ("lastEventIdQueryParameter", "lastEventId".into()),
    ]);
    let log = run(COUNTER, &o, 5).await;
    // The reconnections carry ?lastEventId=2 and =4 and resume exactly there.
    assert_eq!(log.iter().filter(|l| l.starts_with("event")).count(), 5);
    assert_eq!(
        log.iter().filter(|l| l.starts_with("error 0")).count(),
        2,
        "{log:?}"
    );
}

#[wasm_bindgen_test]
async fn a_bad_status_or_type_fails_without_reconnecting() {
    for name in ["fetch", "xhr"] {
        let log = run("/t/status/503", &transport(name), 1).await;
        assert_eq!(log, ["error 2 Non-200 status code (503)"], "{name}");
        let log = run(
            "/t/script?ctype=text/html&body=data%3A%20x%0A%0A",
            &transport(name),
            1,
        )
        .await;
        assert_eq!(
            log,
            ["error 2 Invalid content type, expected \"text/event-stream\""],
            "{name}"
        );
    }
}

#[wasm_bindgen_test]
async fn xhr_replaces_a_grown_request_without_loss_repeat_or_error() {
    let server = server();
    // 200 events of 64 KiB. The first response sends 140 of them (9 Mi UTF-16 units of
    // responseText, past the 8 Mi bound) and then holds the connection open, so that, however the
    // browser hands the text over, all of it is read and ends on an event with an id: the request
    // is replaced there, and the server resumes from Last-Event-ID.
    // A key of this run's own: the server keeps its request log while it runs.
    let key = format!("recycle{}", (js_sys::Math::random() * 1e9) as u64);
    let path = format!("/t/counter?count=200&pad=65536&stall_after=140&end=1&key={key}");
    let path = path.as_str();
    let log = run(path, &transport("xhr"), 200).await;
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
    assert_eq!(events.len(), 200);
    for (i, line) in events.iter().enumerate() {
        let n = i + 1;
        let data = format!("{n}{}", "x".repeat(65536));
        let expected = format!("event message {}…({}) {n}", &data[..12], data.len());
        assert_eq!(*line, &expected, "event {n} exactly once, in order");
    }
    // The server saw the replacement: two requests (and the preflight Last-Event-ID needs
    // across origins), the second resuming past the bound (event 128, or a later one where the
    // text handed over so far ended).
    let seen: String = JsFuture::from(fetch_text(&format!("{server}/t/log?key={key}")))
        .await
        .unwrap()
        .as_string()
        .unwrap();
    assert_eq!(seen.matches("\"method\":\"GET\"").count(), 2, "{seen:.300}");
    let resumed: u32 = seen
        .split("\"lastEventId\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no Last-Event-ID: {seen:.300}"));
    assert!((128..=140).contains(&resumed), "resumed after {resumed}");
}
