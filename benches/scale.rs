//! The scale model's aim (issue 17, point 3): a job of about 2 GB of state at 50k
//! records/s with 128 key groups (`tests/data/scale/two-gb-job.json`: 90M keys
//! `key-000000000…`, a `Long` counter each, 23 B per key in Flink's heap format) run as a
//! model at 1:F must fit a browser tab's 500 MB and run at 1× real time or faster.
//!
//! Prints, for each factor: the memory estimate (`engine::memory`, what the browser checks
//! before it runs) of the model and of the real job, the peak resident memory of this
//! process (Linux `VmHWM`), and the speed of the model over 40 virtual minutes (the
//! round robin writes all 90M real keys in the first 30), as a whole and in the slowest
//! 10-virtual-second window, with the state and the last full checkpoint as the real job's.
//! Run one factor per process (peak memory is per process):
//! `cargo bench --bench scale -- 64` (default 64; `VIRTUAL_S` changes the length).

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use statelab::engine::config::{parse_json, Config};
    use statelab::engine::memory;
    use statelab::engine::scale::{rescaled, Figures};
    use statelab::engine::sim::Simulation;
    use std::time::Instant;

    let factor: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(64);
    let virtual_s: u64 = std::env::var("VIRTUAL_S")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_400);
    let text = include_str!("../tests/data/scale/two-gb-job.json");
    let real =
        Config::from_value_unvalidated(&parse_json(text).expect("JSON")).expect("the job's config");
    let model = rescaled(&real, factor).expect("a valid model");
    let mib = |b: u64| b as f64 / (1u64 << 20) as f64;
    let real_estimate = memory::estimate(&real, None);
    let estimate = memory::estimate(&model, None);
    println!(
        "scale/two_gb_job 1:{factor}: memory estimate {:.0} MiB (the real job 1:1: {:.0} MiB; logical state {:.0} MiB real, {:.1} MiB model)",
        mib(estimate.bytes),
        mib(real_estimate.bytes),
        mib(real_estimate.logical_state_bytes),
        mib(estimate.logical_state_bytes),
    );
    let started = Instant::now();
    let mut sim = Simulation::new(model, None).expect("valid model");
    let window = 10u64;
    let mut slowest = f64::INFINITY;
    let mut at = 0;
    while at < virtual_s {
        let t = Instant::now();
        at = (at + window).min(virtual_s);
        sim.advance_to(at * 1_000_000);
        slowest = slowest.min(window as f64 / t.elapsed().as_secs_f64());
    }
    let wall = started.elapsed().as_secs_f64();
    let figures = Figures::of(&sim);
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or("unknown".to_string(), |kb| {
            format!("{:.0} MiB", kb as f64 / 1024.0)
        });
    let durations: Vec<f64> = figures
        .checkpoints
        .iter()
        .filter_map(|c| c.end_to_end_duration_us)
        .map(|us| us as f64 / 1e6)
        .collect();
    println!(
        "scale/two_gb_job 1:{factor}: {virtual_s} virtual s in {wall:.1} wall s = {:.0}x real time (slowest {window} s window {:.0}x); peak resident {peak}; state {}, last full checkpoint {}, {} checkpoints, last durations {:?} s, {} real records",
        virtual_s as f64 / wall,
        slowest,
        figures.state_shown,
        figures.last_full_shown.as_deref().unwrap_or("none"),
        figures.checkpoints.len(),
        durations.iter().rev().take(3).map(|d| (d * 10.0).round() / 10.0).collect::<Vec<_>>(),
        figures.records_processed,
    );
}

#[cfg(target_arch = "wasm32")]
fn main() {}
