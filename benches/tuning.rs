//! The tuning engine's speed: 10 virtual minutes of the standard workload (100k keys,
//! Zipf 1.0, events values, 16 subtasks, 128 key groups, LZ4, adaptive policy), reported
//! as virtual seconds simulated per wall second. Aim: at least 100x real time natively.
//! Run with `cargo bench --bench tuning` (add `-- <records/s>` to change the rate).

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use statelab::engine::presets::standard_tuning;
    use statelab::engine::sim::Simulation;
    use std::time::Instant;

    let rates: Vec<f64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let rates = if rates.is_empty() {
        vec![20_000.0, 100_000.0]
    } else {
        rates
    };
    for rate in rates {
        let mut c = standard_tuning(rate);
        let virtual_s: f64 = std::env::var("VIRTUAL_S")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(600.0);
        if std::env::var_os("NO_CHECKPOINTS").is_some() {
            c.checkpointing.interval_ms = None;
        }
        let started = Instant::now();
        let mut sim = Simulation::new(c, None).expect("valid config");
        sim.advance_to((virtual_s * 1e6) as u64);
        let wall = started.elapsed().as_secs_f64();
        let state: u64 = (0..128).map(|kg| sim.key_group_state(kg).raw_bytes()).sum();
        println!(
            "tuning/standard_10_virtual_minutes rate={rate:.0}/s: {:.1} virtual s per wall s ({wall:.2} s wall; {} records, {} checkpoints, {:.1} MB state, {:.1} MB shipped)",
            virtual_s / wall,
            sim.records_processed(),
            sim.counts().completed,
            state as f64 / 1e6,
            sim.totals().shipped_encoded as f64 / 1e6,
        );
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
