//! Request dispatch: counting, the Host check, the request log, CORS, then the route itself.

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::http::request::Parts;
use hyper::{Method, Request, Response, StatusCode};

use crate::body::Body;
use crate::http_util::{self, Query};
use crate::reqlog::MAX_FIELD;
use crate::{answer, broadcast, cors, scripted, static_files, App};

pub async fn handle(app: Arc<App>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    app.requests.fetch_add(1, Ordering::Relaxed);
    if !app.config.delay.is_zero() {
        tokio::time::sleep(app.config.delay).await;
    }
    let (parts, body) = req.into_parts();
    // Against DNS rebinding: a page of another site whose name now resolves to 127.0.0.1
    // still says its own name in Host.
    if let Some(refusal) = check_host(&app, &parts) {
        return Ok(refusal);
    }
    let path = parts.uri.path().to_owned();
    let test_routes = app.config.test_routes;
    if !test_routes && path.starts_with("/t/") {
        return Ok(http_util::not_found());
    }
    let q = Query::parse(parts.uri.query());
    let url = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let cors_route = cors::applies(&path);

    if cors_route && parts.method == Method::OPTIONS {
        app.log.count_preflight();
        if test_routes {
            if let Some(key) = q.str("key") {
                let json = http_util::request_json_capped(
                    &parts.method,
                    &url,
                    &parts.headers,
                    &q,
                    MAX_FIELD,
                );
                app.log.record(key, true, json);
            }
        }
        return Ok(cors::preflight(
            &app.access,
            &parts.headers,
            &q,
            &path,
            test_routes,
        ));
    }
    // Recorded before routing so a test sees the request even if the route fails.
    if path.starts_with("/t/") && path != "/t/log" {
        if let Some(key) = q.str("key") {
            let json =
                http_util::request_json_capped(&parts.method, &url, &parts.headers, &q, MAX_FIELD);
            app.log.record(key, false, json);
        }
    }

    let mut resp = if path == answer::PATH {
        answer::answer(&app, &parts.method, &parts.headers, &q, body).await
    } else {
        // Other request bodies are never used; hyper discards what is left of one.
        drop(body);
        match route(&app, &parts, &path, &url, &q).await {
            Ok(r) => r,
            Err(e) => http_util::bad_request(e),
        }
    };
    if cors_route {
        cors::decorate(
            &app.access,
            &parts.headers,
            &q,
            &path,
            test_routes,
            &mut resp,
        );
    }
    Ok(resp)
}

/// `None` when the request's `Host` (and an absolute-form target's authority) name this
/// server; else the 421 to answer.
fn check_host(app: &App, parts: &Parts) -> Option<Response<Body>> {
    let host = parts.headers.get(hyper::header::HOST);
    let host_ok = host.is_some_and(|h| app.access.host_allowed(h.as_bytes()));
    let authority_ok = parts
        .uri
        .authority()
        .map_or(true, |a| app.access.host_allowed(a.as_str().as_bytes()));
    if host_ok && authority_ok {
        return None;
    }
    let shown = host.map_or_else(
        || "(none)".to_owned(),
        |h| {
            String::from_utf8_lossy(h.as_bytes())
                .chars()
                .take(200)
                .collect()
        },
    );
    Some(http_util::text(
        StatusCode::MISDIRECTED_REQUEST,
        format!(
            "Host {shown:?} is not served here: this server answers only to {} \
             (add names with --allow-host)\n",
            app.access.hosts().join(", ")
        ),
    ))
}

async fn route(
    app: &Arc<App>,
    parts: &Parts,
    path: &str,
    url: &str,
    q: &Query,
) -> Result<Response<Body>, http_util::BadRequest> {
    let h = &parts.headers;
    match path {
        "/stats" => Ok(broadcast::serve(app, &app.stats, h, q)),
        "/ticker" => Ok(broadcast::serve(app, &app.ticker, h, q)),
        "/t/script" => scripted::script(app, q).await,
        "/t/echo" => scripted::echo(app, &parts.method, url, h, q),
        "/t/redirect" => scripted::redirect(parts.uri.query(), q),
        "/t/counter" => scripted::counter(app, h, q),
        "/t/endless" => scripted::endless(app, q),
        "/t/giant" => scripted::giant(app, q),
        "/t/setcookie" => scripted::setcookie(app, h, q),
        "/t/log" => scripted::log(app, q),
        "/t/clients" => scripted::clients(app),
        "/t/fanout" => Ok(broadcast::serve(app, &app.fanout, h, q)),
        "/t/publish" => scripted::publish(app, &parts.method, h, q),
        _ => {
            if let Some(name) = path.strip_prefix("/t/corpus/") {
                scripted::corpus(app, name).await
            } else if let Some(code) = path.strip_prefix("/t/status/") {
                scripted::status(code)
            } else if path.starts_with("/t/") || path.starts_with("/api/") {
                Ok(http_util::not_found())
            } else {
                let no_charset = q.str("charset").as_deref() == Some("none");
                Ok(static_files::serve(&app.config.mounts, &parts.method, path, no_charset).await)
            }
        }
    }
}
