//! Who may talk to the server: the `Host` check (against DNS rebinding) and the origins
//! that get CORS answers (against other sites reading the test routes, which echo cookies
//! and `Authorization`, and the cookies of other local apps: cookies are not port-scoped).
//!
//! Both lists are fixed once the listeners are bound, since the server's own origins
//! depend on the ports it got.

use std::collections::HashSet;

use crate::Config;

/// The names a loopback request may carry in `Host`, whatever its port.
pub const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

pub struct Access {
    hosts: Vec<String>,
    origins: HashSet<String>,
}

impl Access {
    /// The loopback names and `--allow-host` names; as origins, each of them with each of
    /// `ports` (the server's listeners) over http, plus every `--allow-origin`.
    pub fn new(config: &Config, ports: &[u16]) -> Self {
        let mut hosts: Vec<String> = LOOPBACK_HOSTS.iter().map(|h| (*h).to_owned()).collect();
        for h in &config.allow_hosts {
            if !hosts.contains(h) {
                hosts.push(h.clone());
            }
        }
        let mut origins: HashSet<String> = config.allow_origins.iter().cloned().collect();
        for h in &hosts {
            for p in ports {
                origins.insert(format!("http://{h}:{p}"));
                if *p == 80 {
                    origins.insert(format!("http://{h}"));
                }
            }
        }
        Access { hosts, origins }
    }

    /// Whether a `Host` header value (name, optional `:port`) names this server.
    pub fn host_allowed(&self, host: &[u8]) -> bool {
        let Ok(host) = std::str::from_utf8(host) else {
            return false;
        };
        let host = host.trim().to_ascii_lowercase();
        let name = if host.starts_with('[') {
            // [v6]:port
            let Some(end) = host.find(']') else {
                return false;
            };
            let rest = &host[end + 1..];
            if !(rest.is_empty() || rest.strip_prefix(':').is_some_and(is_port)) {
                return false;
            }
            &host[..=end]
        } else {
            match host.split_once(':') {
                Some((name, port)) if is_port(port) => name,
                Some(_) => return false,
                None => host.as_str(),
            }
        };
        let name = name.strip_suffix('.').unwrap_or(name);
        !name.is_empty() && self.hosts.iter().any(|h| h == name)
    }

    /// Whether `origin` (an `Origin` header value) gets credentialed CORS.
    pub fn origin_allowed(&self, origin: &[u8]) -> bool {
        std::str::from_utf8(origin)
            .is_ok_and(|o| self.origins.contains(&o.trim().to_ascii_lowercase()))
    }

    /// The accepted `Host` names, for the refusal message.
    pub fn hosts(&self) -> &[String] {
        &self.hosts
    }
}

fn is_port(p: &str) -> bool {
    !p.is_empty() && p.len() <= 5 && p.bytes().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_origins() {
        let config = Config {
            allow_hosts: vec!["dev.test".into()],
            allow_origins: vec!["https://app.example:8443".into()],
            ..Config::default()
        };
        let a = Access::new(&config, &[8080, 9000]);
        for ok in [
            "127.0.0.1",
            "127.0.0.1:8080",
            "LOCALHOST:1",
            "localhost.",
            "[::1]",
            "[::1]:9000",
            "dev.test:443",
        ] {
            assert!(a.host_allowed(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "",
            "evil.example",
            "127.0.0.1.evil.example",
            "localhost:x",
            "localhost:80:80",
            "[::1]x",
            "[::2]:80",
            "0.0.0.0",
            "::1",
        ] {
            assert!(!a.host_allowed(bad.as_bytes()), "{bad}");
        }
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:9000",
            "http://[::1]:8080",
            "http://dev.test:9000",
            "https://app.example:8443",
        ] {
            assert!(a.origin_allowed(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "http://127.0.0.1:8081",
            "https://127.0.0.1:8080",
            "null",
            "http://evil.example",
            "http://127.0.0.1",
        ] {
            assert!(!a.origin_allowed(bad.as_bytes()), "{bad}");
        }
    }
}
