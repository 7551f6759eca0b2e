//! How quickly a sweep answers: a 4 × 4 grid (interval × bandwidth) of the standard tuning
//! workload at 20k records/s, 30 virtual seconds of warm-up and a 5-minute horizon per
//! cell, on one thread and on every core. Prints cells per minute and virtual seconds per
//! wall second per core. Aim: the 16 cells in under 30 s on this project's 2-core machines.
//! Then the same grid as `--scale auto` runs it: on the scale model its cost model
//! chooses for the 30 s aim, on every core. Run with `cargo bench --bench sweep`
//! (`-- <records/s>` to change the rate, `-- scaled` for the scaled grid alone).

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use statelab::engine::presets::standard_tuning;
    use statelab::engine::report::exposure::CrashTimes;
    use statelab::engine::report::sweep::{cells, parse_axis, run_cell, Span};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    let scaled_only = std::env::args().any(|a| a == "scaled");
    let rate: f64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20_000.0);
    let mut base = standard_tuning(rate);
    // The grid varies a fixed interval: Flink's own knob.
    base.checkpointing.policy = statelab::engine::transfer::policy::PolicyConfig::Fixed;
    let axes = [
        parse_axis("interval_ms=1000,2000,5000,10000").unwrap(),
        parse_axis("bandwidth_mbit_s=100,250,500,1000").unwrap(),
    ];
    let grid = cells(&base, &axes).expect("valid grid");
    let span = Span {
        warmup_us: 30_000_000,
        horizon_us: 300_000_000,
    };
    let virtual_per_cell = (span.warmup_us + span.horizon_us) as f64 / 1e6;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let plan = statelab::engine::report::sweep_scale::plan(
        &grid,
        span,
        cores,
        statelab::engine::report::sweep_scale::ScaleChoice::Auto,
        30.0,
        &statelab::engine::report::sweep_scale::NATIVE,
    )
    .expect("plan");
    let model = statelab::engine::report::sweep_scale::scaled_cells(&grid, plan.factor)
        .expect("model grid");
    let runs: Vec<(usize, &Vec<_>, String)> = if scaled_only {
        vec![(cores, &model, plan.ratio())]
    } else {
        vec![
            (1, &grid, "1:1".into()),
            (cores, &grid, "1:1".into()),
            (cores, &model, plan.ratio()),
        ]
    };
    println!("sweep/4x4_standard_tuning auto: {plan}");
    for (threads, grid, ratio) in runs {
        let started = Instant::now();
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(cell) = grid.get(i) else { break };
                    run_cell(cell, None, span, CrashTimes::Uniform, |_| {}).expect("cell runs");
                });
            }
        });
        let wall = started.elapsed().as_secs_f64();
        println!(
            "sweep/4x4_standard_tuning rate={rate:.0}/s scale={ratio} threads={threads}: {} cells in {wall:.1} s wall = {:.1} cells per minute; {:.1} virtual s per wall s per core",
            grid.len(),
            grid.len() as f64 / wall * 60.0,
            grid.len() as f64 * virtual_per_cell / wall / threads as f64,
        );
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
