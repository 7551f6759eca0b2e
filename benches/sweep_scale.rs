//! How far a sweep cell run as the scale model is from the same cell run as the real
//! job, and whether the cost model that chooses the factor (`sweep_scale::cell_seconds`)
//! predicts a cell's time. For cells of the 4 × 4 grid (`cargo bench --bench sweep`) and
//! the four cells of issue 12's tuning question, each is run at 1:1 and at the factor
//! `--scale auto` chooses for its grid (2 threads, 30 s aim), one thread each, 30 virtual
//! s of warm-up and a 300 s horizon. Prints per cell: bytes shipped per hour and expected
//! recovery (mean over crash times, MTBF 1 h) at both scales and their difference, and
//! the estimated and measured wall seconds. Run with `cargo bench --bench sweep_scale`.

/// CPU seconds this process has used (user + system), from /proc: on a machine shared
/// with other work, wall time measures the neighbours as much as the engine.
#[cfg(not(target_arch = "wasm32"))]
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and
    // 13th of them, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use statelab::engine::presets::{standard_tuning, tuning_question};
    use statelab::engine::report::exposure::CrashTimes;
    use statelab::engine::report::sweep::{cells, expected_recovery_s, parse_axis, run_cell, Span};
    use statelab::engine::report::sweep_scale::{
        cell_seconds, plan, scaled_cells, ScaleChoice, NATIVE,
    };
    use statelab::engine::transfer::policy::PolicyConfig;
    use std::time::Instant;

    let span = Span {
        warmup_us: 30_000_000,
        horizon_us: 300_000_000,
    };
    let span_s = 330.0;
    let mut standard = standard_tuning(20_000.0);
    standard.checkpointing.policy = PolicyConfig::Fixed;
    let grid_4x4 = cells(
        &standard,
        &[
            parse_axis("interval_ms=1000,2000,5000,10000").unwrap(),
            parse_axis("bandwidth_mbit_s=100,250,500,1000").unwrap(),
        ],
    )
    .expect("valid grid");
    let question = cells(
        &tuning_question(),
        &[parse_axis("interval_ms=15000,30000,60000,120000").unwrap()],
    )
    .expect("valid grid");
    // Cells of the 4 × 4 grid: the busiest, a middle one, the calmest.
    let picks: [(&str, &[usize]); 2] = [("4x4", &[0, 5, 15]), ("tuning_question", &[0, 1, 2, 3])];
    for ((name, which), grid) in picks.into_iter().zip([grid_4x4, question]) {
        let p = plan(&grid, span, 2, ScaleChoice::Auto, 30.0, &NATIVE).expect("plan");
        println!("sweep_scale/{name}: {p}");
        let scaled = scaled_cells(&grid, p.factor).expect("model");
        for &i in which {
            let mut row = Vec::new();
            for cell in [&grid[i], &scaled[i]] {
                let estimated = cell_seconds(&cell.config, span_s, &NATIVE);
                let (started, cpu) = (Instant::now(), cpu_s());
                let r = run_cell(
                    cell,
                    None,
                    span,
                    CrashTimes::Exponential { mtbf_s: 3600.0 },
                    |_| {},
                )
                .expect("cell runs");
                row.push((r, estimated, started.elapsed().as_secs_f64(), cpu_s() - cpu));
            }
            let (real, model) = (&row[0], &row[1]);
            let diff = |a: f64, b: f64| (b - a) / a * 100.0;
            println!(
                "sweep_scale/{name} {} at 1:1 vs 1:{}: bytes/h {:.4e} vs {:.4e} ({:+.1} %); expected recovery {:.3} s vs {:.3} s ({:+.1} %); replayed {:.0} vs {:.0}; one core: estimated {:.1} s, measured {:.1} s CPU ({:.1} s wall) at 1:1; estimated {:.2} s, measured {:.2} s CPU ({:.2} s wall) at 1:{}",
                grid[i].label(),
                p.factor,
                real.0.bytes_shipped_per_hour,
                model.0.bytes_shipped_per_hour,
                diff(real.0.bytes_shipped_per_hour, model.0.bytes_shipped_per_hour),
                expected_recovery_s(&real.0),
                expected_recovery_s(&model.0),
                diff(expected_recovery_s(&real.0), expected_recovery_s(&model.0)),
                real.0.exposure.replayed_records.map_or(0.0, |s| s.mean),
                model.0.exposure.replayed_records.map_or(0.0, |s| s.mean),
                real.1,
                real.3,
                real.2,
                model.1,
                model.3,
                model.2,
                p.factor,
            );
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
