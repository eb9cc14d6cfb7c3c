//! The connection logic against ../shared/SPEC-CHECKLIST.md: "The request and the response",
//! "Failing and reconnecting", the long-polling convention, and the extensions (heartbeat,
//! backoff, query-parameter IDs, recycling). Runs natively and in both browsers as wasm.

use eventsource_wasm::connection::{
    Backoff, Config, Connection, Failure, ReadyState, Step, DEFAULT_RECONNECTION_TIME,
};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const SSE: Option<&str> = Some("text/event-stream");

fn step() -> Step {
    Step::default()
}

/// A connection that has been announced at t=0.
fn open(config: Config) -> Connection {
    let mut c = Connection::new(config);
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    assert_eq!(
        c.start(0),
        Step {
            request: true,
            ..step()
        }
    );
    assert_eq!(
        c.on_response(200, SSE, 0),
        Step {
            open: true,
            ..step()
        }
    );
    assert_eq!(c.ready_state(), ReadyState::Open);
    c
}

fn failed(why: Failure) -> Step {
    Step {
        abort: true,
        error: true,
        failure: Some(why),
        ..step()
    }
}

fn error() -> Step {
    Step {
        error: true,
        ..step()
    }
}

fn request() -> Step {
    Step {
        request: true,
        ..step()
    }
}

#[test]
fn first_request_sends_no_last_event_id() {
    let mut c = Connection::new(Config::default());
    c.start(0);
    let r = c.request();
    assert_eq!(r.last_event_id, None);
    assert_eq!(r.query, None);
    assert!(!r.x_requested_with);
}

#[test]
fn status_other_than_200_fails_the_connection() {
    for status in [204, 205, 201, 206, 301, 304, 400, 404, 500, 502, 503] {
        let mut c = Connection::new(Config::default());
        c.start(0);
        assert_eq!(
            c.on_response(status, SSE, 0),
            failed(Failure::Status),
            "{status}"
        );
        assert_eq!(c.ready_state(), ReadyState::Closed);
        // Never reconnects: no timer, and later inputs change nothing.
        assert_eq!(c.next_timeout(), None);
        assert_eq!(c.on_timeout(1_000_000), step());
        assert_eq!(c.on_network_error(5), step());
        assert_eq!(c.ready_state(), ReadyState::Closed);
    }
}

#[test]
fn mime_type_other_than_event_stream_fails() {
    for ct in [
        None,
        Some("text/html"),
        Some("text/plain"),
        Some("application/json"),
        Some("text/event-streamx"),
        Some("event-stream"),
        Some(""),
    ] {
        let mut c = Connection::new(Config::default());
        c.start(0);
        assert_eq!(
            c.on_response(200, ct, 0),
            failed(Failure::ContentType),
            "{ct:?}"
        );
        assert_eq!(c.ready_state(), ReadyState::Closed);
    }
}

#[test]
fn mime_parameters_and_case_are_allowed() {
    for ct in [
        "text/event-stream;",
        "text/event-stream; charset=utf-8",
        "text/event-stream;charset=windows-1252",
        "TEXT/Event-Stream",
        "text/event-stream ",
    ] {
        let mut c = Connection::new(Config::default());
        c.start(0);
        assert!(c.on_response(200, Some(ct), 0).open, "{ct}");
    }
}

#[test]
fn body_end_reestablishes_after_the_reconnection_time() {
    let mut c = open(Config::default());
    assert!(c.on_chunk(b"id: 1\ndata: a\n\n", 10).events);
    assert_eq!(c.on_end(100), error());
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    assert_eq!(c.next_timeout(), Some(100 + DEFAULT_RECONNECTION_TIME));
    // A timer that fires early does nothing.
    assert_eq!(c.on_timeout(100 + DEFAULT_RECONNECTION_TIME - 1), step());
    assert_eq!(c.on_timeout(100 + DEFAULT_RECONNECTION_TIME), request());
    assert_eq!(c.request().last_event_id, Some(&b"1"[..]));
    // The new response announces again.
    assert_eq!(
        c.on_response(200, SSE, 4000),
        Step {
            open: true,
            ..step()
        }
    );
}

#[test]
fn network_error_reestablishes_before_or_after_the_response() {
    let mut c = Connection::new(Config::default());
    c.start(0);
    assert_eq!(c.on_network_error(5), error());
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    assert_eq!(c.on_timeout(5 + DEFAULT_RECONNECTION_TIME), request());
    assert!(c.on_response(200, SSE, 0).open);
    assert_eq!(c.on_network_error(7), error());
    assert_eq!(c.ready_state(), ReadyState::Connecting);
}

#[test]
fn retry_sets_the_reconnection_time() {
    let mut c = open(Config::default());
    c.on_chunk(b"retry: 50\n", 0);
    assert_eq!(c.reconnection_time(), 50);
    c.on_chunk(b"retry: 5x\nretry:\n", 0);
    assert_eq!(c.reconnection_time(), 50);
    c.on_end(1000);
    assert_eq!(c.next_timeout(), Some(1050));
    c.on_timeout(1050);
    c.on_response(200, SSE, 1050);
    // It lasts across reconnections until changed.
    c.on_end(2000);
    assert_eq!(c.next_timeout(), Some(2050));
}

#[test]
fn last_event_id_is_sent_only_when_non_empty() {
    let mut c = open(Config::default());
    c.on_chunk(b"id: 5\ndata: a\n\nid\ndata: b\n\n", 0);
    assert_eq!(c.last_event_id(), b"");
    c.on_end(0);
    c.on_timeout(DEFAULT_RECONNECTION_TIME);
    assert_eq!(c.request().last_event_id, None);
}

#[test]
fn last_event_id_survives_an_event_without_id_and_a_drop_mid_event() {
    let mut c = open(Config::default());
    c.on_chunk(
        "id: é1\ndata: a\n\ndata: b\n\nid: 2\ndata: partial\n".as_bytes(),
        0,
    );
    c.on_end(0);
    c.on_timeout(DEFAULT_RECONNECTION_TIME);
    assert_eq!(c.request().last_event_id, Some("é1".as_bytes()));
}

#[test]
fn last_event_id_in_a_query_parameter() {
    let mut c = open(Config {
        last_event_id_query_parameter: Some("lastEventId".into()),
        ..Config::default()
    });
    assert_eq!(c.request().query, None);
    c.on_chunk("id: a b&é\ndata: x\n\n".as_bytes(), 0);
    let r = c.request();
    assert_eq!(r.last_event_id, None);
    assert_eq!(r.query.as_deref(), Some("&lastEventId=a%20b%26%C3%A9"));
}

#[test]
fn close_in_every_state() {
    // While the request is out.
    let mut c = Connection::new(Config::default());
    c.start(0);
    assert_eq!(
        c.close(),
        Step {
            abort: true,
            ..step()
        }
    );
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert_eq!(c.on_response(200, SSE, 0), step());
    // While streaming: no event at all, and chunks that still arrive are not dispatched.
    let mut c = open(Config::default());
    assert_eq!(
        c.close(),
        Step {
            abort: true,
            ..step()
        }
    );
    assert_eq!(c.on_chunk(b"data: late\n\n", 0), step());
    assert_eq!(c.on_end(0), step());
    assert_eq!(c.next_timeout(), None);
    // While waiting to reconnect: the timer is dropped, nothing to abort.
    let mut c = open(Config::default());
    c.on_end(0);
    assert_eq!(c.close(), step());
    assert_eq!(c.next_timeout(), None);
    assert_eq!(c.on_timeout(DEFAULT_RECONNECTION_TIME), step());
    // Twice, and after a failure.
    assert_eq!(c.close(), step());
    let mut c = Connection::new(Config::default());
    c.start(0);
    c.on_response(500, SSE, 0);
    assert_eq!(c.close(), step());
    assert_eq!(c.ready_state(), ReadyState::Closed);
}

#[test]
fn a_too_large_event_fails_after_delivering_what_came_before() {
    let mut c = open(Config {
        max_event_size: 32,
        ..Config::default()
    });
    let s = c.on_chunk(
        b"data: ok\n\ndata: 0123456789012345678901234567890123\n\n",
        0,
    );
    assert_eq!(
        s,
        Step {
            events: true,
            ..failed(Failure::TooLarge)
        }
    );
    assert_eq!(c.batch().events(), 1);
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert_eq!(c.next_timeout(), None);
}

#[test]
fn polling_continues_the_stream_without_error_or_reopen() {
    let mut c = open(Config {
        polling: true,
        ..Config::default()
    });
    assert!(c.request().x_requested_with);
    c.on_chunk(b"id: 1\ndata: a\n\n", 0);
    // The server ends the batch: the next request goes out at once, readyState stays OPEN.
    assert_eq!(c.on_end(10), request());
    assert_eq!(c.ready_state(), ReadyState::Open);
    let r = c.request();
    assert_eq!(r.last_event_id, Some(&b"1"[..]));
    assert!(r.x_requested_with);
    // Its response announces nothing.
    assert_eq!(c.on_response(200, SSE, 10), step());
    assert_eq!(c.ready_state(), ReadyState::Open);
    // text/plain is accepted in polling mode.
    c.on_chunk(b"data: b\n\n", 15);
    assert_eq!(c.on_end(20), request());
    assert_eq!(
        c.on_response(200, Some("text/plain; charset=utf-8"), 20),
        step()
    );
    // A network error is still an error.
    assert_eq!(c.on_network_error(30), error());
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    // And a bad status still fails.
    c.on_timeout(30 + DEFAULT_RECONNECTION_TIME);
    assert_eq!(c.on_response(204, SSE, 0), failed(Failure::Status));
}

#[test]
fn polling_drops_an_unfinished_event_between_polls() {
    let mut c = open(Config {
        polling: true,
        ..Config::default()
    });
    c.on_chunk(b"data: half", 0);
    c.on_end(0);
    c.on_response(200, SSE, 0);
    c.on_chunk(b"data: b\n\n", 0);
    assert_eq!(c.batch().bytes(), b"Ab\r");
}

#[test]
fn heartbeat_timeout_reestablishes_a_silent_connection() {
    let mut c = open(Config {
        heartbeat_timeout: Some(1000),
        ..Config::default()
    });
    assert_eq!(c.next_timeout(), Some(1000));
    // A comment counts as something.
    c.on_chunk(b": ping\n", 600);
    assert_eq!(c.next_timeout(), Some(1600));
    assert_eq!(c.on_timeout(1000), step());
    assert_eq!(
        c.on_timeout(1600),
        Step {
            abort: true,
            error: true,
            ..step()
        }
    );
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    assert_eq!(c.next_timeout(), Some(1600 + DEFAULT_RECONNECTION_TIME));
    // Also while waiting for response headers.
    c.on_timeout(1600 + DEFAULT_RECONNECTION_TIME);
    assert_eq!(c.next_timeout(), Some(2600 + DEFAULT_RECONNECTION_TIME));
}

#[test]
fn without_heartbeat_a_silent_connection_waits() {
    let c = open(Config::default());
    assert_eq!(c.next_timeout(), None);
}

#[test]
fn backoff_grows_per_consecutive_failure_and_caps() {
    let mut c = Connection::new(Config {
        backoff: Some(Backoff {
            max: 1000,
            factor: 2.0,
        }),
        ..Config::default()
    });
    c.start(0);
    c.on_response(200, SSE, 0);
    c.on_chunk(b"retry: 100\n", 0);
    let mut now = 0;
    let mut waits = Vec::new();
    for _ in 0..6 {
        c.on_network_error(now);
        let at = c.next_timeout().unwrap();
        waits.push(at - now);
        now = at;
        assert_eq!(c.on_timeout(now), request());
    }
    assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
    // Bytes on a connection end the streak.
    c.on_response(200, SSE, now);
    c.on_chunk(b": hi\n", now);
    c.on_end(now);
    assert_eq!(c.next_timeout(), Some(now + 100));
}

#[test]
fn recycling_replaces_the_request_invisibly() {
    let mut c = open(Config::default());
    c.on_chunk(b"id: 9\ndata: a\n\n", 0);
    assert!(c.is_between_events());
    assert_eq!(
        c.on_recycle(5),
        Step {
            abort: true,
            request: true,
            ..step()
        }
    );
    assert_eq!(c.ready_state(), ReadyState::Open);
    assert_eq!(c.request().last_event_id, Some(&b"9"[..]));
    assert_eq!(c.on_response(200, SSE, 5), step());
    c.on_chunk(b"data: half", 0);
    assert!(!c.is_between_events());
}

#[test]
fn polling_paces_a_server_that_answers_empty_at_once() {
    let mut c = open(Config {
        polling: true,
        ..Config::default()
    });
    c.on_chunk(b"retry: 100\n", 0);
    c.on_end(0);
    // A poll answered empty after 10 ms: the next one waits out the reconnection time, silently.
    c.on_response(200, SSE, 0);
    assert_eq!(c.on_end(10), step());
    assert_eq!(c.ready_state(), ReadyState::Open);
    assert_eq!(c.next_timeout(), Some(100));
    assert_eq!(c.on_timeout(100), request());
    // An empty poll that the server held open for longer goes straight on.
    c.on_response(200, SSE, 100);
    assert_eq!(c.on_end(5000), request());
    // So does one that brought events, however quick.
    c.on_response(200, SSE, 5000);
    c.on_chunk(b"data: x\n\n", 5001);
    assert_eq!(c.on_end(5002), request());
}

#[test]
fn recycling_cuts_exactly_after_an_event_with_its_own_id() {
    let mut c = open(Config::default());
    let input = b"data: a\n\nid: 1\ndata: b\n\ndata: c\n\nid: 2\r\ndata: d\r\n\r\ndata: e\n\n";
    // "id: 1 / data: b" is the first resume point; "data: a" before it has no id of its own.
    let (first, cut) = c.on_chunk_until_resume_point(input, 0);
    assert!(first.events);
    assert_eq!(cut, Some(b"data: a\n\nid: 1\ndata: b\n\n".len()));
    assert_eq!(c.batch().bytes(), b"Aa\rC1\rb\r");
    // The rest of the same chunk: the next point is after the CRLF-ended "id: 2" event.
    let rest = &input[cut.unwrap()..];
    let (_, cut) = c.on_chunk_until_resume_point(rest, 0);
    assert_eq!(cut, Some(b"data: c\n\nid: 2\r\ndata: d\r\n\r\n".len()));
    assert!(c.is_between_events());
    // An event without an id never makes a cut; a block with only an id does.
    let (_, cut) = c.on_chunk_until_resume_point(b"data: e\n\n", 0);
    assert_eq!(cut, None);
    let (only_id, cut) = c.on_chunk_until_resume_point(b"id: 3\n\ndata: f\n\n", 0);
    assert_eq!(cut, Some(7));
    assert!(!only_id.events);
    assert_eq!(c.last_event_id(), b"3");
    assert_eq!(
        c.on_recycle(0),
        Step {
            abort: true,
            request: true,
            ..step()
        }
    );
    assert_eq!(c.request().last_event_id, Some(&b"3"[..]));
}
