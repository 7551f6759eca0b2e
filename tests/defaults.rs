//! The default configuration teaches: under it, a typical checkpoint leaves a good share
//! of the key groups unchanged (so "changed since the last checkpoint" and "shipped only
//! what changed" are visible), while some key groups do change every time.

use statelab::engine::config::Config;
use statelab::engine::report::stats::CheckpointStatus;
use statelab::engine::sim::Simulation;

#[test]
fn a_typical_default_checkpoint_leaves_many_key_groups_unchanged() {
    let config = Config::default();
    assert!(
        config.checkpointing.incremental,
        "unchanged key groups are referenced"
    );
    let mut sim = Simulation::new(config, None).unwrap();
    sim.advance_to(60_000_000);
    // The first checkpoint ships everything (nothing is stored yet); look at the rest.
    let rows: Vec<_> = sim
        .history()
        .iter()
        .filter(|h| h.status == CheckpointStatus::Completed)
        .skip(1)
        .collect();
    assert!(rows.len() >= 20, "{} checkpoints", rows.len());
    for h in &rows {
        let total = h.key_groups_shipped + h.key_groups_skipped;
        let unchanged = f64::from(h.key_groups_skipped) / f64::from(total);
        assert!(
            (0.3..0.9).contains(&unchanged),
            "checkpoint {}: {} of {total} key groups unchanged",
            h.id,
            h.key_groups_skipped
        );
    }
    // Between two checkpoints the "changed" mark is on some cells and off others.
    let view = sim.view();
    let dirty = view.key_groups.iter().filter(|k| k.dirty).count();
    assert!(
        dirty > 0 && dirty < view.key_groups.len(),
        "{dirty} changed"
    );
}
