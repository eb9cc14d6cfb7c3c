//! Read-only static mounts (`--static PREFIX=DIR`) for the demo pages, the wasm
//! package and the JS bundles. `Cache-Control: no-cache` so a rebuilt file is
//! always picked up by the browser under test.

use std::path::PathBuf;

use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Method, Response, StatusCode};

use crate::body::Body;
use crate::http_util::{self, percent_decode};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// URL prefix without a trailing slash ("" for the root).
    pub prefix: String,
    pub dir: PathBuf,
}

impl Mount {
    pub fn new(prefix: &str, dir: impl Into<PathBuf>) -> Self {
        Mount {
            prefix: prefix.trim_end_matches('/').to_owned(),
            dir: dir.into(),
        }
    }
}

/// The mounts used when none are given on the command line.
pub fn default_mounts() -> Vec<Mount> {
    vec![
        Mount::new("/", "www"),
        Mount::new("/pkg", "pkg"),
        Mount::new("/dist", "dist"),
        Mount::new("/js", "js"),
    ]
}

/// Content-Type by file name. `.d.ts` is text so a browser shows it instead of
/// running it; `.ts` alone would be a video type to some tools.
pub fn content_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".d.ts") {
        return "text/plain; charset=utf-8";
    }
    match lower.rsplit_once('.').map(|(_, e)| e) {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs" | "cjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("ico") => "image/x-icon",
        Some("txt" | "ts" | "md") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Maps a URL path onto a mount: the longest matching prefix wins and a missing
/// file there is a 404 (no falling back to a shorter prefix).
fn resolve<'a>(mounts: &'a [Mount], path: &str) -> Option<(&'a Mount, String)> {
    mounts
        .iter()
        .filter_map(|m| {
            let rest = if m.prefix.is_empty() {
                Some(path)
            } else if path == m.prefix {
                Some("")
            } else {
                path.strip_prefix(&m.prefix).filter(|r| r.starts_with('/'))
            }?;
            Some((m, rest.to_owned()))
        })
        .max_by_key(|(m, _)| m.prefix.len())
}

/// Serves a GET/HEAD for a static file, or 404. `no_charset` drops the `charset` parameter
/// from the Content-Type, as servers with default settings (nginx) send scripts: the browser
/// then decodes a classic script as its page's encoding, unless the script has a BOM.
///
/// Never leaves the mount's directory: `..` is refused, and the file's real path (symlinks
/// resolved) must lie under the directory's real path. The file is streamed, not read whole.
pub async fn serve(
    mounts: &[Mount],
    method: &Method,
    path: &str,
    no_charset: bool,
) -> Response<Body> {
    if method != Method::GET && method != Method::HEAD {
        let mut r = http_util::text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        r.headers_mut()
            .insert("allow", HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let Some((mount, rest)) = resolve(mounts, path) else {
        return http_util::not_found();
    };
    // The URL's own segments (still percent-encoded), without empty ones and `.`: what a
    // redirect may point at, so `//dir` never becomes the scheme-relative `//dir/`.
    let raw_segments: Vec<&str> = rest
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let decoded = percent_decode(&rest, false);
    let Ok(rest) = String::from_utf8(decoded) else {
        return http_util::not_found();
    };
    // No traversal: reject `..`, backslashes and NULs rather than normalising them.
    let segments: Vec<&str> = rest
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if segments
        .iter()
        .any(|s| *s == ".." || s.contains('\\') || s.contains('\0'))
    {
        return http_util::text(StatusCode::BAD_REQUEST, "bad path\n");
    }
    let Ok(root) = tokio::fs::canonicalize(&mount.dir).await else {
        return http_util::not_found();
    };
    let mut file: PathBuf = root.clone();
    file.extend(&segments);
    let Ok(mut real) = tokio::fs::canonicalize(&file).await else {
        return http_util::not_found();
    };
    if !real.starts_with(&root) {
        return outside_root();
    }
    let Ok(mut meta) = tokio::fs::metadata(&real).await else {
        return http_util::not_found();
    };
    let is_dir = meta.is_dir();
    if is_dir {
        if !path.ends_with('/') {
            // Relative links in the index page need the trailing slash.
            let mut to = mount.prefix.clone();
            for s in &raw_segments {
                to.push('/');
                to.push_str(s);
            }
            to.push('/');
            return http_util::redirect(StatusCode::MOVED_PERMANENTLY, to.as_bytes());
        }
        let Ok(index) = tokio::fs::canonicalize(real.join("index.html")).await else {
            return http_util::not_found();
        };
        if !index.starts_with(&root) {
            return outside_root();
        }
        real = index;
        meta = match tokio::fs::metadata(&real).await {
            Ok(m) => m,
            Err(_) => return http_util::not_found(),
        };
    }
    // Regular files only: a FIFO or a device would block or never end.
    if !meta.is_file() {
        return http_util::not_found();
    }
    // The type follows the name asked for (a symlink's target may be named otherwise).
    let name = if is_dir {
        "index.html"
    } else {
        segments.last().copied().unwrap_or_default()
    };
    match tokio::fs::File::open(&real).await {
        Ok(f) => file_response(method, name, f, meta.len(), no_charset),
        Err(_) => http_util::not_found(),
    }
}

fn outside_root() -> Response<Body> {
    http_util::text(StatusCode::FORBIDDEN, "outside the served directory\n")
}

fn file_response(
    method: &Method,
    name: &str,
    f: tokio::fs::File,
    len: u64,
    no_charset: bool,
) -> Response<Body> {
    let mut ctype = content_type(name);
    if no_charset {
        ctype = ctype.split_once(';').map_or(ctype, |(essence, _)| essence);
    }
    let mut r = Response::new(if method == Method::HEAD {
        Body::empty()
    } else {
        Body::file(f, len)
    });
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(ctype));
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if method == Method::HEAD {
        r.headers_mut()
            .insert(hyper::header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_resolution() {
        assert_eq!(content_type("a.mjs"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("x.wasm"), "application/wasm");
        assert_eq!(content_type("index.d.ts"), "text/plain; charset=utf-8");
        let m = default_mounts();
        assert_eq!(
            resolve(&m, "/pkg/a.js").map(|(m, r)| (m.prefix.clone(), r)),
            Some(("/pkg".into(), "/a.js".into()))
        );
        assert_eq!(
            resolve(&m, "/pkgx").map(|(m, r)| (m.prefix.clone(), r)),
            Some(("".into(), "/pkgx".into()))
        );
        assert_eq!(
            resolve(&m, "/js").map(|(m, _)| m.prefix.clone()),
            Some("/js".into())
        );
    }
}
