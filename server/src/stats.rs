//! The `/stats` producer: a "server monitor" like the classic SSE articles. Each
//! tick publishes requests, uptime, load and memory as one batch, so a client (or
//! a polling request) always sees a complete sample.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::json::Obj;
use crate::App;

pub fn spawn(app: Arc<App>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(app.config.stats_interval);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut shutdown = app.shutdown.clone();
        let mut prev_total = app.requests.load(Ordering::Relaxed);
        let mut prev_at = Instant::now();
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = crate::body::stopped(&mut shutdown) => {
                    app.stats.flush_notice();
                    return;
                }
            }
            let total = app.requests.load(Ordering::Relaxed);
            let now = Instant::now();
            let secs = now.duration_since(prev_at).as_secs_f64();
            let per_second = if secs > 0.0 {
                (total - prev_total) as f64 / secs
            } else {
                0.0
            };
            prev_total = total;
            prev_at = now;
            let requests = Obj::new()
                .int("total", total)
                .float("perSecond", per_second, 2)
                .finish();
            let uptime = Obj::new()
                .int("seconds", app.started.elapsed().as_secs())
                .finish();
            // Opens with a `connections` notice when clients came or went since the last tick.
            app.stats.publish_tick(&[
                ("requests", requests),
                ("uptime", uptime),
                ("load", load_json()),
                ("memory", memory_json()),
            ]);
        }
    })
}

/// `/proc/loadavg`: "0.52 0.58 0.59 1/467 12345". Zeros where it is unreadable.
fn load_json() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut f = text
        .split_whitespace()
        .map(|x| x.parse::<f64>().unwrap_or(0.0));
    Obj::new()
        .float("one", f.next().unwrap_or(0.0), 2)
        .float("five", f.next().unwrap_or(0.0), 2)
        .float("fifteen", f.next().unwrap_or(0.0), 2)
        .finish()
}

/// `/proc/meminfo`'s MemTotal and MemAvailable (kB, which the kernel means as KiB).
fn memory_json() -> String {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.trim_start_matches(':').split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let total = field("MemTotal");
    let available = field("MemAvailable").min(total);
    let used = if total > 0 {
        (total - available) as f64 * 100.0 / total as f64
    } else {
        0.0
    };
    Obj::new()
        .int("totalKiB", total)
        .int("availableKiB", available)
        .float("usedPercent", used, 1)
        .finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn samples_are_json_objects() {
        for s in [super::load_json(), super::memory_json()] {
            assert!(s.starts_with('{') && s.ends_with('}'), "{s}");
        }
    }
}
