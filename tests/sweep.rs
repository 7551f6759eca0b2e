//! Parameter sweeps: cells are the configs they say, the Pareto front is the front, and bad
//! sweeps are refused by name.

mod common;

use statelab::engine::partitioning::workload::ValueModel;
use statelab::engine::report::exposure::CrashTimes;
use statelab::engine::report::sweep::{
    cells, pareto_front, parse_axis, recommend, run_cell, CellResult, Span, SweepError, MAX_CELLS,
};
use statelab::engine::sim::Simulation;
use statelab::engine::state::codec::Codec;

fn base() -> statelab::engine::config::Config {
    common::small_config(
        3,
        Codec::Snappy,
        false,
        ValueModel::Events { keep: 2 },
        2,
        100_000_000,
    )
}

const SPAN: Span = Span {
    warmup_us: 2_000_000,
    horizon_us: 6_000_000,
};

#[test]
fn each_cell_is_its_config_run_alone() {
    let axes = [
        parse_axis("interval_ms=300,900").unwrap(),
        parse_axis("codec=none,lz4").unwrap(),
    ];
    let grid = cells(&base(), &axes).unwrap();
    assert_eq!(grid.len(), 4);
    assert_eq!(grid[3].label(), "interval_ms=900 codec=lz4");
    assert_eq!(grid[3].config.checkpointing.interval_ms, Some(900));
    assert_eq!(grid[3].config.checkpointing.codec, Codec::Lz4);
    for cell in &grid {
        let r = run_cell(cell, None, SPAN, CrashTimes::Uniform, |_| {}).unwrap();
        let mut alone = Simulation::new(cell.config.clone(), None).unwrap();
        alone.advance_to(SPAN.warmup_us + SPAN.horizon_us);
        assert_eq!(r.digest, alone.digest(), "{}", cell.label());
        assert!(r.exposure.recovery_s.is_some());
    }
    // A longer interval ships less and replays more.
    let run = |i: usize| run_cell(&grid[i], None, SPAN, CrashTimes::Uniform, |_| {}).unwrap();
    let (short, long) = (run(0), run(2));
    assert!(long.bytes_shipped_per_hour < short.bytes_shipped_per_hour);
    assert!(
        long.exposure.replayed_records.unwrap().mean
            > short.exposure.replayed_records.unwrap().mean
    );
    // The interval achieved is the one asked for here (nothing delays the triggers).
    let achieved = short.achieved_interval_s.unwrap();
    assert!((achieved - 0.3).abs() < 0.01, "{achieved}");
}

fn fake(index: usize, bytes_per_hour: f64, recovery_s: f64) -> CellResult {
    let mut sim = Simulation::new(base(), None).unwrap();
    sim.advance_to(2_000_000);
    let mut exposure = statelab::engine::report::exposure::exposure(
        &sim,
        1_000_000,
        2_000_000,
        CrashTimes::Uniform,
    );
    let mut spread = exposure.recovery_s.unwrap();
    spread.mean = recovery_s;
    spread.p95 = recovery_s;
    exposure.recovery_s = Some(spread);
    CellResult {
        index,
        label: format!("cell {index}"),
        flink_possible: true,
        checkpoints_completed: 1,
        checkpoints_failed: 0,
        achieved_interval_s: None,
        bytes_shipped_per_hour: bytes_per_hour,
        link_utilisation: 0.1,
        exposure,
        digest: 0,
        scale: 1,
    }
}

#[test]
fn the_pareto_front_of_a_hand_checked_grid() {
    // (bytes/h, recovery s): 0 and 2 and 4 are on the front; 1 is beaten by 0, 3 by 2.
    let results = vec![
        fake(0, 10.0, 9.0),
        fake(1, 12.0, 9.5),
        fake(2, 20.0, 4.0),
        fake(3, 25.0, 4.0),
        fake(4, 40.0, 1.0),
    ];
    assert_eq!(pareto_front(&results), vec![0, 2, 4]);
    // With rare failures the cheapest link wins; with frequent ones, the fastest recovery.
    let bandwidth = 8e-6; // 1 B/s: bytes per hour are link seconds per hour
    let rare = recommend(&results, 1, bandwidth, 1e9).unwrap();
    assert_eq!(rare.cell, 0);
    let frequent = recommend(&results, 1, bandwidth, 1.0).unwrap();
    assert_eq!(frequent.cell, 4);
    assert!(frequent.to_string().contains("cell 4"));
}

#[test]
fn bad_sweeps_are_refused_by_name() {
    let two = [
        parse_axis("codec=none").unwrap(),
        parse_axis("codec=lz4").unwrap(),
    ];
    assert!(matches!(
        cells(&base(), &two),
        Err(SweepError::SameParamTwice(_))
    ));
    let big = [
        parse_axis("interval_ms=100..10000/9").unwrap(),
        parse_axis("num_retained=1..8/8").unwrap(),
    ];
    assert_eq!(
        cells(&base(), &big).unwrap_err(),
        SweepError::TooManyCells {
            cells: 72,
            max: MAX_CELLS
        }
    );
    let knob = [parse_axis("change_budget_bytes=1000,2000").unwrap()];
    let err = cells(&base(), &knob).unwrap_err();
    assert!(err.to_string().contains("knob of the adaptive"), "{err}");
    let invalid = [parse_axis("parallelism=0,2").unwrap()];
    let err = cells(&base(), &invalid).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cell parallelism=0: job.parallelism"),
        "{err}"
    );
    assert!(cells(&base(), &[]).is_err());
}

#[test]
fn a_grid_too_large_for_the_memory_budget_is_refused_by_name() {
    use statelab::engine::partitioning::workload::{KeyDistribution, SourceConfig};
    use statelab::engine::report::sweep::{cell_memory, check_memory};
    let mut big = base();
    big.workload.source = SourceConfig::Generated {
        key_space: 2_000_000,
        distribution: KeyDistribution::Uniform,
        key_kind: statelab::engine::partitioning::keygroups::KeyKind::String,
    };
    big.workload.value_model = ValueModel::RandomBytes { len: 500 };
    let grid = cells(&big, &[parse_axis("num_retained=1,2,3").unwrap()]).unwrap();
    let one = cell_memory(&grid[2], false);
    // Two million keys of 500 bytes: a gigabyte of state alone.
    assert!(one > 1 << 30, "{one}");
    // One at a time fits a budget of one cell; three at once do not.
    check_memory(&grid, 1, false, one).unwrap();
    let err = check_memory(&grid, 3, false, 2 * one).unwrap_err();
    match &err {
        SweepError::OverMemory {
            at_once,
            needed,
            largest,
            ..
        } => {
            assert_eq!(*at_once, 3);
            assert!(*needed > 2 * one);
            assert_eq!(largest, "num_retained=3");
        }
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.starts_with("memory: 3 cells at once need about"),
        "{text}"
    );
    assert!(text.contains("num_retained=3"), "{text}");
    // A fork also holds the run it was taken from.
    assert!(cell_memory(&grid[0], true) > cell_memory(&grid[0], false));
}

#[test]
fn cells_and_results_travel_as_json_unchanged() {
    // Web Workers get a cell and hand back its result as JSON text.
    let axes = [
        parse_axis("interval_ms=300,off").unwrap(),
        parse_axis("codec=none,lz4").unwrap(),
    ];
    for cell in cells(&base(), &axes).unwrap() {
        let text = serde_json::to_string(&cell).unwrap();
        let back: statelab::engine::report::sweep::Cell = serde_json::from_str(&text).unwrap();
        assert_eq!(back, cell);
    }
    let grid = cells(&base(), &[parse_axis("policy=fixed,adaptive").unwrap()]).unwrap();
    let r = run_cell(
        &grid[1],
        None,
        SPAN,
        CrashTimes::Exponential { mtbf_s: 600.0 },
        |_| {},
    )
    .unwrap();
    let back: CellResult = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(back, r);
}
