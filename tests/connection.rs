//! The connection logic against ../shared/SPEC-CHECKLIST.md: "The request and the response",
//! "Failing and reconnecting", the long-polling convention, whatwg/html#12272's streams, and the
//! extensions (heartbeat, backoff, replacement). Runs natively and in both browsers as wasm,
//! on a simulated clock.

use eventsource_wasm::connection::{
    Action, Backoff, Config, Connection, Failure, Mode, NetworkError, ReadyState, Request,
    DEFAULT_RECONNECTION_TIME, FIRST_POLL_PACE, PROMPT_POLL,
};
use eventsource_wasm::resume::resume_point_at_end;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const SSE: Option<&str> = Some("text/event-stream");

/// Everything the connection asks for, in order.
fn actions(c: &mut Connection) -> Vec<Action> {
    std::iter::from_fn(|| c.poll_action()).take(100).collect()
}

fn send(id: Option<&str>) -> Action {
    send_bytes(id.map(str::as_bytes))
}

fn send_bytes(id: Option<&[u8]>) -> Action {
    Action::Send(Request {
        last_event_id: id.map(<[u8]>::to_vec),
    })
}

fn response(c: &mut Connection, content_type: Option<&str>, now: u64) -> Vec<Action> {
    c.handle_response(200, content_type, false, now);
    actions(c)
}

fn chunk(c: &mut Connection, bytes: &[u8], now: u64) -> Vec<Action> {
    c.handle_chunk(bytes, now);
    actions(c)
}

/// A connection that has been announced at t=0.
fn open(config: Config) -> Connection {
    let mut c = Connection::new(config);
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    c.start(0);
    assert_eq!(actions(&mut c), [send(None)]);
    assert_eq!(response(&mut c, SSE, 0), [Action::Open]);
    assert_eq!(c.ready_state(), ReadyState::Open);
    c
}

fn failed(why: Failure) -> Vec<Action> {
    vec![Action::Abort, Action::Failed(why)]
}

fn polling() -> Config {
    Config {
        mode: Mode::Polling,
        ..Config::default()
    }
}

/// Whether the connection stays silent, whatever the clock says.
fn is_done(c: &mut Connection) -> bool {
    c.handle_timeout(u64::MAX);
    c.ready_state() == ReadyState::Closed && c.poll_timeout().is_none() && actions(c).is_empty()
}

#[test]
fn status_other_than_200_fails_the_connection() {
    for status in [204, 205, 201, 206, 301, 304, 400, 404, 500, 502, 503] {
        let mut c = Connection::new(Config::default());
        c.start(0);
        actions(&mut c);
        c.handle_response(status, SSE, false, 0);
        assert_eq!(actions(&mut c), failed(Failure::Status), "{status}");
        assert_eq!(c.ready_state(), ReadyState::Closed);
        // Never reconnects: no timer, and later inputs change nothing.
        c.handle_network_error(NetworkError::Transient, 5);
        c.handle_end(6);
        assert!(is_done(&mut c));
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
        actions(&mut c);
        assert_eq!(
            response(&mut c, ct, 0),
            failed(Failure::ContentType),
            "{ct:?}"
        );
        assert!(is_done(&mut c));
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
        actions(&mut c);
        assert_eq!(response(&mut c, Some(ct), 0), [Action::Open], "{ct}");
    }
}

#[test]
fn body_end_reestablishes_after_the_reconnection_time() {
    let mut c = open(Config::default());
    assert_eq!(chunk(&mut c, b"id: 1\ndata: a\n\n", 10), [Action::Events]);
    c.handle_end(100);
    assert_eq!(actions(&mut c), [Action::Reconnecting]);
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    assert_eq!(c.poll_timeout(), Some(100 + DEFAULT_RECONNECTION_TIME));
    // A timer that fires early does nothing.
    c.handle_timeout(100 + DEFAULT_RECONNECTION_TIME - 1);
    assert_eq!(actions(&mut c), []);
    c.handle_timeout(100 + DEFAULT_RECONNECTION_TIME);
    assert_eq!(actions(&mut c), [send(Some("1"))]);
    // The new response announces again.
    assert_eq!(response(&mut c, SSE, 4000), [Action::Open]);
}

#[test]
fn network_error_reestablishes_before_or_after_the_response() {
    let mut c = Connection::new(Config::default());
    c.start(0);
    actions(&mut c);
    c.handle_network_error(NetworkError::Transient, 5);
    assert_eq!(actions(&mut c), [Action::Reconnecting]);
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    c.handle_timeout(5 + DEFAULT_RECONNECTION_TIME);
    assert_eq!(actions(&mut c), [send(None)]);
    assert_eq!(response(&mut c, SSE, 0), [Action::Open]);
    c.handle_network_error(NetworkError::Transient, 7);
    assert_eq!(actions(&mut c), [Action::Reconnecting]);
    assert_eq!(c.ready_state(), ReadyState::Connecting);
}

#[test]
fn futile_and_aborted_requests_fail_the_connection() {
    for (error, why) in [
        (NetworkError::Futile, Failure::Futile),
        (NetworkError::Aborted, Failure::Aborted),
    ] {
        // Before the response (a CORS refusal, a scheme that is not HTTP(S), window.stop()).
        let mut c = Connection::new(Config::default());
        c.start(0);
        actions(&mut c);
        c.handle_network_error(error, 5);
        assert_eq!(actions(&mut c), [Action::Failed(why)]);
        assert!(is_done(&mut c));
        // While streaming.
        let mut c = open(Config::default());
        c.handle_network_error(error, 5);
        assert_eq!(actions(&mut c), [Action::Failed(why)]);
        assert!(is_done(&mut c));
    }
}

#[test]
fn retry_sets_the_reconnection_time() {
    let mut c = open(Config::default());
    c.handle_chunk(b"retry: 50\n", 0);
    assert_eq!(c.reconnection_time(), 50);
    c.handle_chunk(b"retry: 5x\nretry:\n", 0);
    assert_eq!(c.reconnection_time(), 50);
    c.handle_end(1000);
    assert_eq!(c.poll_timeout(), Some(1050));
    c.handle_timeout(1050);
    c.handle_response(200, SSE, false, 1050);
    // It lasts across reconnections until changed.
    c.handle_end(2000);
    assert_eq!(c.poll_timeout(), Some(2050));
}

#[test]
fn a_huge_retry_is_waited_not_wrapped() {
    // The connection keeps the full delay; the driver chains timers (timer APIs take 31 bits).
    for retry in [4_294_967_296u64, 4_294_967_297, 99_999_999_999, u64::MAX] {
        let mut c = open(Config::default());
        c.handle_chunk(format!("retry: {retry}\n").as_bytes(), 0);
        c.handle_end(10);
        assert_eq!(c.poll_timeout(), Some(10u64.saturating_add(retry)));
        c.handle_timeout(10 + (1 << 31));
        assert_eq!(actions(&mut c), [Action::Reconnecting], "{retry}");
    }
}

#[test]
fn last_event_id_is_sent_only_when_non_empty() {
    let mut c = open(Config::default());
    c.handle_chunk(b"id: 5\ndata: a\n\nid\ndata: b\n\n", 0);
    assert_eq!(c.last_event_id(), "");
    c.handle_end(0);
    c.handle_timeout(DEFAULT_RECONNECTION_TIME);
    assert_eq!(
        actions(&mut c),
        [Action::Events, Action::Reconnecting, send(None)]
    );
}

#[test]
fn last_event_id_survives_an_event_without_id_and_a_drop_mid_event() {
    let mut c = open(Config::default());
    c.handle_chunk(
        "id: é1\ndata: a\n\ndata: b\n\nid: 2\ndata: partial\n".as_bytes(),
        0,
    );
    c.handle_end(0);
    c.handle_timeout(DEFAULT_RECONNECTION_TIME);
    assert_eq!(actions(&mut c).last(), Some(&send(Some("é1"))));
}

#[test]
fn an_invalid_utf8_id_is_the_string_with_u_fffd_and_its_bytes_go_to_the_driver() {
    let mut c = open(Config::default());
    c.handle_chunk(b"id: a\xffb\xc3\ndata: x\n\n", 0);
    assert_eq!(c.last_event_id(), "a\u{FFFD}b\u{FFFD}");
    c.handle_end(0);
    c.handle_timeout(DEFAULT_RECONNECTION_TIME);
    // The driver decodes them (as the last event ID string) and sends that string's UTF-8.
    assert_eq!(
        actions(&mut c).last(),
        Some(&send_bytes(Some(b"a\xffb\xc3")))
    );
}

#[test]
fn a_page_given_last_event_id_seeds_the_first_request_then_the_stream_wins() {
    let mut c = Connection::new(Config {
        last_event_id: "5".into(),
        ..Config::default()
    });
    assert_eq!(c.last_event_id(), "5");
    c.start(0);
    assert_eq!(actions(&mut c), [send(Some("5"))]);
    response(&mut c, SSE, 0);
    c.handle_chunk(b"data: no id\n\n", 0);
    assert_eq!(c.last_event_id(), "5");
    c.handle_chunk(b"id: 6\ndata: x\n\n", 0);
    c.handle_end(0);
    c.handle_timeout(DEFAULT_RECONNECTION_TIME);
    assert_eq!(actions(&mut c).last(), Some(&send(Some("6"))));
}

#[test]
fn close_in_every_state() {
    // While the request is out.
    let mut c = Connection::new(Config::default());
    c.start(0);
    actions(&mut c);
    c.close();
    assert_eq!(actions(&mut c), [Action::Abort]);
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert_eq!(response(&mut c, SSE, 0), []);
    // While streaming: no event at all, and chunks that still arrive are not dispatched.
    let mut c = open(Config::default());
    c.close();
    assert_eq!(actions(&mut c), [Action::Abort]);
    assert_eq!(chunk(&mut c, b"data: late\n\n", 0), []);
    c.handle_end(0);
    assert!(is_done(&mut c));
    // While waiting to reconnect: the timer is dropped, nothing to abort.
    let mut c = open(Config::default());
    c.handle_end(0);
    actions(&mut c);
    c.close();
    assert_eq!(actions(&mut c), []);
    assert!(is_done(&mut c));
    // Twice, and after a failure.
    c.close();
    assert_eq!(actions(&mut c), []);
    let mut c = Connection::new(Config::default());
    c.start(0);
    c.handle_response(500, SSE, false, 0);
    c.close();
    assert_eq!(actions(&mut c), []);
    assert!(is_done(&mut c));
    // Actions not yet carried out are dropped (a close() from a call out of the driver).
    let mut c = open(Config::default());
    c.handle_chunk(b"data: x\n\n", 0);
    c.close();
    assert_eq!(actions(&mut c), [Action::Abort]);
}

#[test]
fn a_too_large_event_fails_after_delivering_what_came_before() {
    let mut c = open(Config {
        max_event_size: 32,
        ..Config::default()
    });
    let got = chunk(
        &mut c,
        b"data: ok\n\ndata: 0123456789012345678901234567890123\n\n",
        0,
    );
    assert_eq!(
        got,
        [
            Action::Events,
            Action::Abort,
            Action::Failed(Failure::TooLarge)
        ]
    );
    assert_eq!(c.batch().events(), 1);
    assert!(is_done(&mut c));
}

#[test]
fn polling_continues_the_stream_without_error_or_reopen() {
    let mut c = open(polling());
    c.handle_chunk(b"id: 1\ndata: a\n\n", 0);
    // The server ends the batch: the next request goes out at once, readyState stays OPEN.
    c.handle_end(10);
    assert_eq!(actions(&mut c), [Action::Events, send(Some("1"))]);
    assert_eq!(c.ready_state(), ReadyState::Open);
    // Its response announces nothing.
    assert_eq!(response(&mut c, SSE, 10), []);
    assert_eq!(c.ready_state(), ReadyState::Open);
    // text/plain is accepted in polling mode.
    c.handle_chunk(b"data: b\n\n", 15);
    c.handle_end(20);
    assert_eq!(actions(&mut c), [Action::Events, send(Some("1"))]);
    assert_eq!(response(&mut c, Some("text/plain; charset=utf-8"), 20), []);
    // A network error is still an error.
    c.handle_network_error(NetworkError::Transient, 30);
    assert_eq!(actions(&mut c), [Action::Reconnecting]);
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    // And a bad status still fails.
    c.handle_timeout(30 + DEFAULT_RECONNECTION_TIME);
    actions(&mut c);
    c.handle_response(204, SSE, false, 0);
    assert_eq!(actions(&mut c), failed(Failure::Status));
}

#[test]
fn polling_drops_an_unfinished_event_between_polls() {
    let mut c = open(polling());
    c.handle_chunk(b"data: half", 0);
    c.handle_end(500);
    c.handle_response(200, SSE, false, 500);
    c.handle_chunk(b"data: b\n\n", 500);
    assert_eq!(c.batch().bytes(), b"Ab\r");
}

/// Polls answered at once with `body` and no event: when each next poll goes out.
fn empty_polls(body: &[u8], count: usize) -> Vec<u64> {
    let mut c = open(polling());
    let mut sent = Vec::new();
    let mut now = 0;
    for _ in 0..count {
        c.handle_chunk(body, now + 1);
        c.handle_end(now + 2);
        if actions(&mut c).is_empty() {
            now = c.poll_timeout().unwrap();
            c.handle_timeout(now);
        } else {
            now += 2;
        }
        assert!(matches!(actions(&mut c)[..], [] | [Action::Send(_)]));
        sent.push(now);
        c.handle_response(200, SSE, false, now);
        assert_eq!(actions(&mut c), []);
    }
    sent
}

#[test]
fn polling_paces_a_server_that_answers_empty_at_once() {
    // The wait doubles from the first pace up to the reconnection time, silently.
    let pace = FIRST_POLL_PACE;
    let expected = [pace, 3 * pace, 7 * pace, 15 * pace, 27 * pace, 39 * pace];
    assert_eq!(DEFAULT_RECONNECTION_TIME, 12 * pace);
    assert_eq!(empty_polls(b"", 6), expected);
    // A comment or a retry line is no event.
    assert_eq!(empty_polls(b": keep-alive\n", 6), expected);
    let mut c = open(polling());
    c.handle_chunk(b"retry: 10\n", 1);
    c.handle_end(2);
    assert_eq!(actions(&mut c), []);
    assert_eq!(
        c.poll_timeout(),
        Some(FIRST_POLL_PACE),
        "no faster than the first pace"
    );
}

#[test]
fn polling_goes_on_at_once_after_a_held_or_fruitful_poll() {
    let mut c = open(polling());
    // Held by the server, then ended with nothing: the next poll at once.
    c.handle_end(PROMPT_POLL + 50);
    assert_eq!(actions(&mut c), [send(None)]);
    // Answered at once, empty: paced.
    c.handle_response(200, SSE, false, 200);
    c.handle_end(201);
    assert_eq!(actions(&mut c), []);
    c.handle_timeout(c.poll_timeout().unwrap());
    assert_eq!(actions(&mut c), [send(None)]);
    // A poll that brought an event, however quick, goes straight on and resets the pace.
    c.handle_response(200, SSE, false, 1000);
    c.handle_chunk(b"data: x\n\n", 1001);
    c.handle_end(1002);
    assert_eq!(actions(&mut c), [Action::Events, send(None)]);
    c.handle_response(200, SSE, false, 1002);
    c.handle_end(1003);
    assert_eq!(c.poll_timeout(), Some(1002 + FIRST_POLL_PACE));
}

#[test]
fn heartbeat_timeout_reestablishes_a_silent_connection() {
    let mut c = open(Config {
        heartbeat_timeout: Some(1000),
        ..Config::default()
    });
    assert_eq!(c.poll_timeout(), Some(1000));
    // A comment counts as something.
    c.handle_chunk(b": ping\n", 600);
    assert_eq!(c.poll_timeout(), Some(1600));
    c.handle_timeout(1000);
    assert_eq!(actions(&mut c), []);
    c.handle_timeout(1600);
    assert_eq!(actions(&mut c), [Action::Abort, Action::Reconnecting]);
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    assert_eq!(c.poll_timeout(), Some(1600 + DEFAULT_RECONNECTION_TIME));
    // Also while waiting for response headers.
    c.handle_timeout(1600 + DEFAULT_RECONNECTION_TIME);
    assert_eq!(c.poll_timeout(), Some(2600 + DEFAULT_RECONNECTION_TIME));
}

#[test]
fn without_heartbeat_a_silent_connection_waits() {
    let c = open(Config::default());
    assert_eq!(c.poll_timeout(), None);
}

#[test]
fn backoff_grows_per_consecutive_failure_and_caps() {
    let mut c = open(Config {
        backoff: Some(Backoff {
            max: 1000,
            factor: 2.0,
        }),
        ..Config::default()
    });
    c.handle_chunk(b"retry: 100\n", 0);
    let mut now = 0;
    let mut waits = Vec::new();
    for _ in 0..6 {
        c.handle_network_error(NetworkError::Transient, now);
        let at = c.poll_timeout().unwrap();
        waits.push(at - now);
        now = at;
        c.handle_timeout(now);
        assert_eq!(actions(&mut c), [Action::Reconnecting, send(None)]);
    }
    assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
    // Bytes on a connection end the streak.
    c.handle_response(200, SSE, false, now);
    c.handle_chunk(b": hi\n", now);
    c.handle_end(now);
    assert_eq!(c.poll_timeout(), Some(now + 100));
}

#[test]
fn a_page_stream_opens_at_once_and_fails_at_its_end() {
    let readable = || Config {
        mode: Mode::Readable,
        heartbeat_timeout: Some(10),
        ..Config::default()
    };
    let mut c = Connection::new(readable());
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    c.start(0);
    assert_eq!(actions(&mut c), [Action::Open]);
    assert_eq!(c.ready_state(), ReadyState::Open);
    assert_eq!(
        chunk(&mut c, b"retry: 5000\nid: 42\ndata: a\n\n", 0),
        [Action::Events]
    );
    assert_eq!((c.reconnection_time(), &*c.last_event_id()), (5000, "42"));
    // No heartbeat, no request (not even a replacement), and its end is final.
    assert_eq!(c.poll_timeout(), None);
    c.handle_replace(1);
    assert_eq!(actions(&mut c), []);
    c.handle_end(1);
    assert_eq!(actions(&mut c), [Action::Failed(Failure::StreamEnded)]);
    assert!(is_done(&mut c));
    // So is its error.
    let mut c = Connection::new(readable());
    c.start(0);
    actions(&mut c);
    c.handle_network_error(NetworkError::Transient, 1);
    assert_eq!(actions(&mut c), [Action::Failed(Failure::StreamErrored)]);
    assert!(is_done(&mut c));
}

#[test]
fn reset_drops_the_unfinished_line_and_event_and_keeps_the_id() {
    let mut c = Connection::new(Config {
        mode: Mode::Readable,
        ..Config::default()
    });
    c.start(0);
    actions(&mut c);
    c.handle_chunk(
        b"id: 7\ndata: a\n\nretry: 40\nevent: x\ndata: half\ndata: li",
        0,
    );
    c.reset();
    // The next stream starts afresh (a BOM is stripped again); what came before is gone.
    c.handle_chunk(b"\xEF\xBB\xBFdata: b\n\n", 0);
    assert_eq!(c.batch().bytes(), b"Ab\r");
    assert_eq!((&*c.last_event_id(), c.reconnection_time()), ("7", 40));
}

#[test]
fn replacement_is_invisible_and_resumes_from_the_last_id() {
    let mut c = open(Config::default());
    c.handle_chunk(b"id: 9\ndata: a\n\n", 0);
    actions(&mut c);
    c.handle_replace(5);
    assert_eq!(actions(&mut c), [Action::Abort, send(Some("9"))]);
    assert_eq!(c.ready_state(), ReadyState::Open);
    // The new response announces nothing, and its events follow.
    c.handle_response(200, SSE, true, 5);
    assert_eq!(chunk(&mut c, b"id: 10\ndata: b\n\n", 6), [Action::Events]);
    assert_eq!(c.batch().bytes(), b"C10\rb\r");
    assert!(!c.batch().saw_replay());
}

#[test]
fn a_replacement_that_replays_from_the_start_repeats_nothing() {
    let mut c = open(Config::default());
    c.handle_chunk(
        b"id: 1\ndata: a\n\nid: 2\ndata: b\n\ndata: c\n\nid: 3\ndata: d\n\n",
        0,
    );
    c.handle_replace(5);
    c.handle_response(200, SSE, true, 5);
    actions(&mut c);
    // The server ignored Last-Event-ID: it starts again from id 1. Up to id 3, all is repeated.
    c.handle_chunk(
        b"id: 1\ndata: a\n\nid: 2\ndata: b\n\ndata: c\n\nid: 3\ndata: d\n\n",
        6,
    );
    assert_eq!(c.batch().events(), 0);
    c.handle_chunk(b"data: e\n\nid: 4\ndata: f\n\n", 7);
    assert_eq!(c.batch().bytes(), b"Ae\rC4\rf\r");
    // Replacing again would only restart the stream: the transport stops doing it.
    assert!(c.batch().saw_replay());
}

#[test]
fn resume_points_are_blank_lines_after_a_block_with_its_own_id() {
    let parser = |input: &[u8]| {
        let mut c = open(Config::default());
        c.handle_chunk(input, 0);
        c
    };
    let fresh = parser(b"");
    for (input, at_end) in [
        (&b"id: 1\ndata: a\n\n"[..], true),
        (b"data: a\n\nid: 2\r\ndata: d\r\n\r\n", true),
        (b"id: 3\rdata: d\r\r", true),
        (b"id: 3\n\n", true),
        (b"id: 1\ndata: a\n\ndata: b\n\n", false),
        (b"data: e\n\n", false),
        (b"id: 1\ndata: a\n\ndata: b", false),
        (b"id: 1\ndata: a\n", false),
    ] {
        assert_eq!(
            resume_point_at_end(fresh.parser(), input),
            at_end,
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
    // Across slices: the parser's state counts.
    let c = parser(b"id: 5\ndata: x\n");
    assert!(resume_point_at_end(c.parser(), b"\n"));
    let c = parser(b"id: 5\ndata: x\r");
    assert!(!resume_point_at_end(c.parser(), b"\n"), "the LF of a CRLF");
}
