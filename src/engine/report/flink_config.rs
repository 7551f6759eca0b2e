//! Leaving the lab for real Flink: the current settings as a Flink configuration snippet
//! under the real option names, each line commented with what statelab measured, and an
//! honest note wherever statelab's setting has no Flink equivalent.

use crate::engine::report::stats::CheckpointStatus;
use crate::engine::sim::Simulation;
use crate::engine::state::codec::Codec;
use crate::engine::state::snapshot;
use crate::engine::transfer::policy::PolicyConfig;

pub fn flink_yaml(sim: &Simulation) -> String {
    let c = sim.config();
    let k = &c.checkpointing;
    let done: Vec<_> = sim
        .history()
        .iter()
        .filter(|h| h.status == CheckpointStatus::Completed)
        .collect();
    let avg = |f: &dyn Fn(&&crate::engine::report::stats::CheckpointStats) -> u64| {
        if done.is_empty() {
            0.0
        } else {
            done.iter().map(f).sum::<u64>() as f64 / done.len() as f64
        }
    };
    let avg_ms = avg(&|h| h.end_to_end_duration_us.unwrap_or(0)) / 1000.0;
    let max_ms = done
        .iter()
        .filter_map(|h| h.end_to_end_duration_us)
        .max()
        .unwrap_or(0) as f64
        / 1000.0;
    let avg_size = avg(&|h| h.checkpointed_data_size);
    let avg_full = avg(&|h| h.full_checkpoint_size);
    let measured = format!(
        "{} completed, {} failed over {:.1} virtual s",
        sim.counts().completed,
        sim.counts().failed,
        sim.now_us() as f64 / 1e6
    );
    let mut out = format!(
        "# Flink configuration exported by statelab (seed {}; {measured}).\n# Comments say what statelab measured; they are not part of the setting.\n",
        c.seed
    );
    let f = crate::engine::scale::factor(c);
    if f > 1 {
        out.push_str(&format!(
            "# Measured on the scale model 1:{f}: the sizes in these comments are the model's, about 1/{f} of the real job's; durations are the real job's.\n"
        ));
    }
    let mut line = |key: &str, value: String, comment: String| {
        out.push_str(&format!("{key}: {value}"));
        if !comment.is_empty() {
            out.push_str(&format!("  # {comment}"));
        }
        out.push('\n');
    };
    let interval = match (&k.policy, k.interval_ms, sim.interval_decision()) {
        (_, None, _) => (
            "none".to_string(),
            "checkpointing is off in the lab".to_string(),
        ),
        (PolicyConfig::Fixed, Some(ms), _) => (
            format!("{ms} ms"),
            format!("measured end-to-end duration avg {avg_ms:.1} ms, max {max_ms:.1} ms"),
        ),
        (PolicyConfig::Adaptive { .. }, _, Some(d)) => (
            format!("{} ms", d.interval_us / 1000),
            "no Flink equivalent: statelab's adaptive policy varies the interval with the state change rate (T = B / D); this is its current choice. Flink's nearest is execution.checkpointing.interval-during-backlog".to_string(),
        ),
        (PolicyConfig::YoungDaly { .. }, _, Some(d)) => (
            format!("{} ms", d.interval_us / 1000),
            format!(
                "Young–Daly optimum from the measured checkpoint cost; Flink takes it as a fixed interval ({})",
                d.rule
            ),
        ),
        (_, Some(ms), None) => (format!("{ms} ms"), String::new()),
    };
    line("execution.checkpointing.interval", interval.0, interval.1);
    line(
        "execution.checkpointing.min-pause",
        format!("{} ms", k.min_pause_ms),
        String::new(),
    );
    line(
        "execution.checkpointing.timeout",
        format!("{} ms", k.timeout_ms),
        format!("longest measured checkpoint {max_ms:.1} ms"),
    );
    line(
        "execution.checkpointing.max-concurrent-checkpoints",
        k.max_concurrent.to_string(),
        String::new(),
    );
    line(
        "execution.checkpointing.tolerable-failed-checkpoints",
        k.tolerable_failed.to_string(),
        format!("{} checkpoints failed in the lab", sim.counts().failed),
    );
    line(
        "execution.checkpointing.num-retained",
        k.num_retained.to_string(),
        format!(
            "set it in the cluster's config.yaml: Flink 2.3 ignores it per job; the store held {} bytes at the end",
            sim.store().stored_bytes()
        ),
    );
    let incremental_note = match k.policy {
        PolicyConfig::Adaptive { .. } => "statelab's adaptive policy also leaves slowly changing key groups waiting; Flink's incremental checkpoints upload every changed file".to_string(),
        _ if k.incremental => format!(
            "avg checkpointed data size {avg_size:.0} B of a full size {avg_full:.0} B"
        ),
        _ => format!("avg checkpoint size {avg_size:.0} B"),
    };
    line(
        "execution.checkpointing.incremental",
        k.incremental.to_string(),
        incremental_note,
    );
    let ratio = |codec: Codec| measured_ratio(sim, codec);
    let (compression, note) = match k.codec {
        Codec::None => (
            "false",
            format!(
                "uncompressed; Snappy would give ratio {:.2} on the current state",
                ratio(Codec::Snappy)
            ),
        ),
        Codec::Snappy => (
            "true",
            format!("Snappy, measured ratio {:.2} on the current state", ratio(Codec::Snappy)),
        ),
        Codec::Lz4 => (
            "true",
            format!(
                "statelab used LZ4 (ratio {:.2}), which Flink does not have (FLINK-11313 was never merged); Flink's option means Snappy (ratio {:.2} here)",
                ratio(Codec::Lz4),
                ratio(Codec::Snappy)
            ),
        ),
    };
    let note = if k.incremental && k.codec != Codec::None {
        format!("{note}; note: it does not apply to incremental RocksDB checkpoints")
    } else {
        note
    };
    line(
        "execution.checkpointing.snapshot-compression",
        compression.to_string(),
        note,
    );
    let part = sim.partitioning();
    line(
        "pipeline.max-parallelism",
        part.max_parallelism().to_string(),
        format!("{} key groups", part.max_parallelism()),
    );
    line(
        "parallelism.default",
        part.parallelism().to_string(),
        format!(
            "{}–{} key groups per subtask",
            (0..part.parallelism())
                .map(|i| part.key_group_range(i).len())
                .min()
                .unwrap_or(0),
            (0..part.parallelism())
                .map(|i| part.key_group_range(i).len())
                .max()
                .unwrap_or(0)
        ),
    );
    out
}

/// Raw over encoded size of the whole current state, really encoded with `codec`.
fn measured_ratio(sim: &Simulation, codec: Codec) -> f64 {
    let keys = sim.workload().keys();
    let layout = sim.heap_layout();
    let (mut raw, mut enc) = (0u64, 0u64);
    for kg in 0..sim.partitioning().max_parallelism() {
        let state = sim.key_group_state(kg);
        raw += state.raw_bytes();
        enc += snapshot::encode(state, keys, layout, codec, false).len() as u64;
    }
    if enc == 0 {
        1.0
    } else {
        raw as f64 / enc as f64
    }
}
