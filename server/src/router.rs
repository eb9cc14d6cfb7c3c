//! Request dispatch: counting, the request log, CORS, then the route itself.

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::http::request::Parts;
use hyper::{Method, Request, Response};

use crate::body::Body;
use crate::http_util::{self, Query};
use crate::{broadcast, cors, scripted, static_files, App};

pub async fn handle(app: Arc<App>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    app.requests.fetch_add(1, Ordering::Relaxed);
    if !app.config.delay.is_zero() {
        tokio::time::sleep(app.config.delay).await;
    }
    // Request bodies are never used; hyper discards what is left of one.
    let (parts, _) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let q = Query::parse(parts.uri.query());
    let url = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let cors_route = cors::applies(&path);

    if cors_route && parts.method == Method::OPTIONS {
        app.log.count_preflight();
        if let Some(key) = q.str("key") {
            let json = http_util::request_json(&parts.method, &url, &parts.headers, &q);
            app.log.record(key, true, json);
        }
        return Ok(cors::preflight(&parts.headers, &q));
    }
    // Recorded before routing so a test sees the request even if the route fails.
    if path.starts_with("/t/") && path != "/t/log" {
        if let Some(key) = q.str("key") {
            let json = http_util::request_json(&parts.method, &url, &parts.headers, &q);
            app.log.record(key, false, json);
        }
    }

    let mut resp = match route(&app, &parts, &path, &url, &q).await {
        Ok(r) => r,
        Err(e) => http_util::bad_request(e),
    };
    if cors_route {
        cors::decorate(&parts.headers, &q, &mut resp);
    }
    Ok(resp)
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
        "/t/setcookie" => scripted::setcookie(q),
        "/t/log" => scripted::log(app, q),
        "/t/clients" => scripted::clients(app),
        _ => {
            if let Some(name) = path.strip_prefix("/t/corpus/") {
                scripted::corpus(app, name).await
            } else if let Some(code) = path.strip_prefix("/t/status/") {
                scripted::status(code)
            } else if path.starts_with("/t/") {
                Ok(http_util::not_found())
            } else {
                let no_charset = q.str("charset").as_deref() == Some("none");
                Ok(static_files::serve(&app.config.mounts, &parts.method, path, no_charset).await)
            }
        }
    }
}
