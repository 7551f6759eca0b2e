//! A run is a function of its config, its seed and the moments actions happen at — not of
//! how the caller cuts its advances. Time travel re-runs forward from a clone and the
//! browser advances by frame budgets; both rely on this.

mod common;

use proptest::prelude::*;
use statelab::engine::faults::{Fault, ScheduledFault};
use statelab::engine::partitioning::workload::ValueModel;
use statelab::engine::sim::Simulation;
use statelab::engine::state::codec::Codec;
use statelab::engine::transfer::policy::PolicyConfig;

fn eventful_config(seed: u64, codec: Codec, adaptive: bool) -> statelab::engine::config::Config {
    let mut c = common::small_config(
        seed,
        codec,
        true,
        ValueModel::Events { keep: 3 },
        2,
        1_000_000,
    );
    c.link.drop_probability = 0.05;
    c.link.latency_ms = 2.5;
    if adaptive {
        c.checkpointing.policy = PolicyConfig::default_adaptive();
    }
    c.faults = vec![
        ScheduledFault {
            at_ms: 700,
            fault: Fault::LatencySpike {
                latency_ms: 40.0,
                duration_ms: 333,
            },
        },
        ScheduledFault {
            at_ms: 1_450,
            fault: Fault::CrashSubtask { subtask: 1 },
        },
        ScheduledFault {
            at_ms: 2_100,
            fault: Fault::Rescale { parallelism: 3 },
        },
    ];
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn how_advances_are_cut_does_not_change_the_run(
        seed in 0u64..1_000,
        codec in prop::sample::select(vec![Codec::None, Codec::Lz4, Codec::Snappy]),
        adaptive in any::<bool>(),
        cuts in prop::collection::vec(1u64..40_000, 1..400),
    ) {
        let end = 3_500_000;
        let mut straight = Simulation::new(eventful_config(seed, codec, adaptive), None).unwrap();
        straight.advance_to(end);
        let mut cut = Simulation::new(eventful_config(seed, codec, adaptive), None).unwrap();
        for step in cuts.iter().cycle() {
            if cut.now_us() >= end {
                break;
            }
            cut.advance_to((cut.now_us() + step).min(end));
        }
        prop_assert_eq!(cut.now_us(), end);
        prop_assert_eq!(cut.digest(), straight.digest());
        prop_assert_eq!(cut.log().next_seq(), straight.log().next_seq());
    }
}

#[test]
fn an_action_at_an_odd_moment_acts_the_same_however_the_run_got_there() {
    let mut config = eventful_config(3, Codec::Lz4, false);
    // Room for the hand-triggered checkpoint beside a periodic one.
    config.checkpointing.max_concurrent = 2;
    let mut a = Simulation::new(config.clone(), None).unwrap();
    a.advance_to(777_777);
    assert!(a.trigger_checkpoint());
    a.advance_to(1_234_567);
    a.crash_job();
    a.advance_to(3_000_000);
    let mut b = Simulation::new(config, None).unwrap();
    for t in (0..=777_777).step_by(7_919) {
        b.advance_to(t);
    }
    b.advance_to(777_777);
    // Triggered off the tick grid: its barriers go in behind the records up to this moment.
    assert!(b.trigger_checkpoint());
    for t in (777_777..=1_234_567).step_by(3_001) {
        b.advance_to(t);
    }
    b.advance_to(1_234_567);
    b.crash_job();
    b.advance_to(3_000_000);
    assert_eq!(a.digest(), b.digest());
    assert_eq!(a.recoveries(), b.recoveries());
    assert_eq!(a.history(), b.history());
    let asked = a
        .history()
        .iter()
        .find(|h| h.trigger_time_us == 777_777)
        .expect("the checkpoint triggered by hand");
    assert!(asked
        .subtasks
        .iter()
        .all(|s| s.start_delay_us.is_some_and(|d| d < 1_000_000)));
}
