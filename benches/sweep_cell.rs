//! How long one sweep cell takes, natively, on one thread: the engine's own speed, the
//! medians of several runs, to compare a change with the code before it side by side.
//! Two cells stand for the two sweeps the README measures: the 4 × 4 grid's cell at a
//! 2 s interval and 250 Mbit/s (the standard tuning workload at 20k records/s: Zipf
//! keys, events, LZ4, so serialisation and compression dominate) and the tuning
//! question's cell at a 15 s interval (100k keys × 200 random bytes, 50k records/s,
//! Snappy: applying records dominates). Each runs 30 virtual s of warm-up and a 300 s
//! horizon, as `cargo bench --bench sweep` does. Prints each run's wall time, the median,
//! and the cell's digest and bytes shipped per hour (which a speed-up must not change).
//! Run with `cargo bench --bench sweep_cell` (`-- <runs>`, default 5).

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use statelab::engine::presets::{standard_tuning, tuning_question};
    use statelab::engine::report::exposure::CrashTimes;
    use statelab::engine::report::sweep::{cells, parse_axis, run_cell, Span};
    use statelab::engine::transfer::policy::PolicyConfig;
    use std::time::Instant;

    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5);
    let mut standard = standard_tuning(20_000.0);
    standard.checkpointing.policy = PolicyConfig::Fixed;
    let cases = [
        (
            "grid_cell interval_ms=2000 bandwidth_mbit_s=250",
            cells(
                &standard,
                &[
                    parse_axis("interval_ms=2000").unwrap(),
                    parse_axis("bandwidth_mbit_s=250").unwrap(),
                ],
            ),
        ),
        (
            "tuning_question interval_ms=15000",
            cells(
                &tuning_question(),
                &[parse_axis("interval_ms=15000").unwrap()],
            ),
        ),
    ];
    let span = Span {
        warmup_us: 30_000_000,
        horizon_us: 300_000_000,
    };
    for (name, grid) in cases {
        let cell = &grid.expect("valid cell")[0];
        let mut walls = Vec::with_capacity(runs);
        let mut last = None;
        for _ in 0..runs {
            let started = Instant::now();
            let r = run_cell(cell, None, span, CrashTimes::Uniform, |_| {}).expect("cell runs");
            walls.push(started.elapsed().as_secs_f64());
            last = Some(r);
        }
        let r = last.expect("at least one run");
        let mut sorted = walls.clone();
        sorted.sort_by(f64::total_cmp);
        println!(
            "sweep_cell/{name}: median {:.2} s over {runs} runs ({}); digest {:016x}, {:.0} B shipped per hour",
            sorted[sorted.len() / 2],
            walls
                .iter()
                .map(|w| format!("{w:.2}"))
                .collect::<Vec<_>>()
                .join(" "),
            r.digest,
            r.bytes_shipped_per_hour,
        );
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
