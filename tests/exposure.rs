//! The expected cost of failures, worked out from one run without failures, against real
//! crashes of forks of that run.

mod common;

use statelab::engine::partitioning::keygroups::KeyKind;
use statelab::engine::partitioning::workload::{
    KeyDistribution, RateProfile, SourceConfig, ValueModel,
};
use statelab::engine::report::exposure::{crashes, exposure, CrashTimes};
use statelab::engine::sim::Simulation;
use statelab::engine::state::codec::Codec;

fn config(seed: u64) -> statelab::engine::config::Config {
    let mut c = common::small_config(
        seed,
        Codec::Lz4,
        false,
        ValueModel::Events { keep: 2 },
        3,
        100_000_000,
    );
    c.workload.source = SourceConfig::Generated {
        key_space: 2_000,
        distribution: KeyDistribution::Zipf { exponent: 0.8 },
        key_kind: KeyKind::String,
    };
    c.workload.rate = RateProfile::Constant {
        records_per_s: 6_000.0,
    };
    c.job.records_per_s_per_subtask = 5_000.0;
    c.job.restart_delay_ms = 200;
    c.checkpointing.interval_ms = Some(1_500);
    c.link.bandwidth_mbit_s = 8.0;
    c
}

/// Crashes a fork at `at_us` and returns (restored checkpoint, replayed records, recovery µs).
fn fork_crash(base: &Simulation, at_us: u64) -> (Option<u64>, u64, u64) {
    let mut fork = base.clone();
    fork.advance_to(at_us);
    fork.crash_job();
    let before = fork.recoveries().len() - 1;
    let deadline = at_us + 60_000_000;
    while fork.recoveries()[before].caught_up_at_us.is_none() && fork.now_us() < deadline {
        fork.advance_by(100_000);
    }
    let r = &fork.recoveries()[before];
    assert!(r.exactly_once.as_ref().is_some_and(|e| e.ok()));
    (
        r.checkpoint,
        r.replayed_records,
        r.recovery_time_us().expect("caught up"),
    )
}

#[test]
fn crash_costs_from_one_run_match_crashed_forks() {
    let mut sim = Simulation::new(config(5), None).unwrap();
    let start = sim.clone();
    sim.advance_to(20_000_000);
    let predicted = crashes(&sim, 3_000_000, 19_000_000);
    assert!(predicted.len() > 100);
    // Sampled moments spread over the horizon, between and across checkpoints.
    let picks: Vec<_> = predicted
        .iter()
        .step_by(predicted.len() / 12)
        .take(12)
        .collect();
    let mut errors = Vec::new();
    let (mut sum_fork, mut sum_model) = (0.0, 0.0);
    for p in &picks {
        let (checkpoint, replayed, recovery_us) = fork_crash(&start, p.at_us);
        // Which checkpoint is restored and how much is replayed are exact.
        assert_eq!(checkpoint, p.checkpoint, "at {} µs", p.at_us);
        assert_eq!(replayed, p.replayed_records, "at {} µs", p.at_us);
        let model = p.recovery_us.expect("this job catches up") as f64;
        errors.push((model - recovery_us as f64) / recovery_us as f64);
        sum_fork += recovery_us as f64;
        sum_model += model;
    }
    let n = picks.len() as f64;
    let mean_error = (sum_model - sum_fork) / sum_fork;
    let worst = errors.iter().fold(0.0f64, |a, e| a.max(e.abs()));
    // Restore is timed exactly; catch-up is a fluid model of the data plane: each moment
    // within 10 %, the mean within 5 %.
    assert!(worst < 0.10, "per-moment errors {errors:?}");
    assert!(
        mean_error.abs() < 0.05,
        "mean error {mean_error} over {n} forks"
    );
}

#[test]
fn the_distribution_and_the_hourly_cost_follow_the_crash_times() {
    let mut sim = Simulation::new(config(8), None).unwrap();
    sim.advance_to(30_000_000);
    let uniform = exposure(&sim, 5_000_000, 29_000_000, CrashTimes::Uniform);
    let r = uniform.recovery_s.unwrap();
    assert!(r.p50 <= r.p95 && r.p95 <= r.max && r.mean <= r.max);
    assert_eq!(uniform.never_catches_up, 0);
    assert!(uniform.failures_per_hour.is_none());
    // Replayed records grow between checkpoints: the worst case is at least the interval's
    // worth of records at the source rate.
    assert!(uniform.replayed_records.unwrap().max > 1.5 * 6_000.0 * 0.9);
    let poisson = exposure(
        &sim,
        5_000_000,
        29_000_000,
        CrashTimes::Exponential { mtbf_s: 600.0 },
    );
    let per_hour = poisson.recovery_s_per_hour.unwrap();
    assert!((per_hour - 6.0 * poisson.recovery_s.unwrap().mean).abs() < 1e-9);
    // A short MTBF weighs early moments: over a horizon much longer than M the exponential
    // mean differs from the uniform one only by which moments it weighs.
    let early = exposure(
        &sim,
        5_000_000,
        29_000_000,
        CrashTimes::Exponential { mtbf_s: 1.0 },
    );
    assert_eq!(early.moments, uniform.moments);
}

#[test]
fn a_job_that_cannot_drain_faster_than_records_arrive_never_catches_up() {
    let mut c = config(9);
    c.workload.rate = RateProfile::Constant {
        records_per_s: 14_000.0,
    };
    c.job.records_per_s_per_subtask = 5_000.0;
    let mut sim = Simulation::new(c, None).unwrap();
    sim.advance_to(6_000_000);
    let e = exposure(&sim, 1_000_000, 6_000_000, CrashTimes::Uniform);
    // Zipf 0.8 over 3 subtasks: the busiest gets well over a third of the records, so the
    // job drains below 14 000 records/s.
    assert!(e.assumptions.drain_records_per_s < 14_000.0);
    assert_eq!(e.never_catches_up, e.moments);
    assert!(e.recovery_s.is_none());
}
