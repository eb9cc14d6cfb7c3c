//! The `/ticker` producer: a stock/news ticker showing custom event types. Prices
//! follow a random walk from a fixed seed, so runs are reproducible.

use std::sync::Arc;

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::json::Obj;
use crate::App;

const SYMBOLS: [(&str, f64); 5] = [
    ("ACME", 12.34),
    ("GLOBEX", 48.10),
    ("INITECH", 7.25),
    ("UMBRELLA", 103.00),
    ("WAYNE", 251.75),
];

const HEADLINES: [&str; 8] = [
    "ACME unveils a rocket-powered roller skate",
    "Globex opens a volcano-side campus",
    "Initech moves the staplers, again",
    "Umbrella denies everything",
    "Wayne Enterprises funds a new night-time patrol",
    "Markets shrug as streams stay open",
    "Analysts: events are best served in order",
    "Regulators approve the Last-Event-ID header",
];

/// A news item every this many ticks (3 s at the default 250 ms).
const NEWS_EVERY: u64 = 12;

/// xorshift64*: small, seedable, and good enough for a demo random walk.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub fn spawn(app: Arc<App>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut rng = Rng(0x5EED_CAFE_F00D_0001);
        let mut prices: Vec<f64> = SYMBOLS.iter().map(|(_, p)| *p).collect();
        let mut tick = tokio::time::interval(app.config.ticker_interval);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut shutdown = app.shutdown.clone();
        let mut n: u64 = 0;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = crate::body::stopped(&mut shutdown) => return,
            }
            n += 1;
            let i = ((rng.next_f64() * SYMBOLS.len() as f64) as usize).min(SYMBOLS.len() - 1);
            let step = (rng.next_f64() - 0.5) * 0.02;
            prices[i] = (prices[i] * (1.0 + step)).max(0.01);
            let tick_json = Obj::new()
                .str("symbol", SYMBOLS[i].0)
                .float("price", prices[i], 2)
                .finish();
            let mut batch = vec![("tick", tick_json)];
            if n % NEWS_EVERY == 0 {
                let h = HEADLINES[((n / NEWS_EVERY) as usize) % HEADLINES.len()];
                batch.push(("news", Obj::new().str("headline", h).finish()));
            }
            app.ticker.publish(&batch);
        }
    })
}
