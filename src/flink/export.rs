//! Leaving the lab for a real cluster: the lab's workload as a runnable Flink job, and a
//! run's checkpoint history and sampled metrics as CSV or JSON.
//!
//! The job is a small Java DataStream program (`StatelabJob.java`, beside this file), not
//! Flink SQL: a SQL `GROUP BY` keeps its key and its accumulators as `BinaryRowData`
//! (a length, a null-bit word and 8-byte slots per field, strings over 7 bytes in a
//! variable part), so its state has another size per key than the `ValueState` the lab
//! models, and SQL's `datagen` connector cannot draw the lab's Zipf keys. Measured on Flink
//! 2.3.0 (2 subtasks, heap backend, uncompressed, 20,000 `user-N` keys at 5,000 records/s):
//! `SELECT CONCAT('user-', CAST(id AS STRING)), COUNT(*), SUM(v) … GROUP BY …` from
//! `datagen` into `blackhole` checkpointed 1,300,407 B (about 65 B per key: the key row 36,
//! the namespace 1, the accumulator row 28), this job 554,196 B (about 27.4 B per key: the
//! key 1 + 9.4, the namespace 1, `Tuple2<Long, Long>` 16), for the same keys and counts.
//! (The PyPI distribution's `sql-client.sh` does not start: it lacks the SQL gateway jar;
//! the statements ran through `TableEnvironment.executeSql`.) The Java job
//! emits exactly the lab's records (the same key and value at every offset), keeps the
//! lab's value model in a `ValueState` / `ListState`, and carries the lab config in its
//! global job parameters so `calibrate` reads the workload back.

use super::calibrate::EXPORTED_CONFIG_KEY;
use crate::engine::config::Config;
use crate::engine::partitioning::keygroups::KeyKind;
use crate::engine::partitioning::workload::{
    KeyDistribution, RateProfile, SourceConfig, ValueModel,
};
use crate::engine::report::stats::{CheckpointStats, CheckpointStatus};
use crate::engine::sim::Simulation;
use crate::engine::state::codec::Codec;
use crate::engine::transfer::policy::PolicyConfig;

/// The Java source of the exported job.
pub const JOB_SOURCE: &str = include_str!("StatelabJob.java");

/// An exported job: its files (name, contents) and what did not carry over.
#[derive(Clone, Debug, PartialEq)]
pub struct FlinkJob {
    pub files: Vec<(String, String)>,
    /// The job's arguments (`key=value`), also in `job-args.txt`.
    pub args: Vec<String>,
    pub warnings: Vec<String>,
}

/// The job for `config`'s workload and checkpoint settings. Refuses what a real job
/// cannot reproduce: a trace or the seed document's records (they are not in the config)
/// and a rate that is not constant.
pub fn flink_job(config: &Config) -> Result<FlinkJob, String> {
    let mut warnings = Vec::new();
    let w = &config.workload;
    let (key_space, distribution, key_kind) = match &w.source {
        SourceConfig::Generated {
            key_space,
            distribution,
            key_kind,
        } => (*key_space, distribution, *key_kind),
        SourceConfig::SeedExample => {
            return Err("workload.source is `seed_example`: the seed document's records are a fixed list; export a generated source instead".into())
        }
        SourceConfig::Trace => {
            return Err("workload.source is `trace`: the records are in a trace file, not in the config, so a job cannot regenerate them".into())
        }
    };
    let rate = match w.rate {
        RateProfile::Constant { records_per_s } if records_per_s > 0.0 => records_per_s,
        RateProfile::Constant { .. } => {
            return Err("workload.rate.records_per_s is 0: the job would never emit".into())
        }
        _ => {
            return Err("workload.rate is not `constant`: the exported job runs Flink's per-second rate limiter, so only a constant rate carries over".into())
        }
    };
    let part = config.partitioning().map_err(|e| e.to_string())?;
    let compact = serde_json::to_string(config).map_err(|e| e.to_string())?;
    let mut args = vec![
        "statelab.name=statelab".to_string(),
        format!("statelab.seed={}", config.seed),
        format!("statelab.key_space={key_space}"),
        format!(
            "statelab.key_kind={}",
            match key_kind {
                KeyKind::String => "string",
                KeyKind::Integer => "integer",
            }
        ),
    ];
    match distribution {
        KeyDistribution::Uniform => args.push("statelab.distribution=uniform".into()),
        KeyDistribution::RoundRobin => args.push("statelab.distribution=round_robin".into()),
        KeyDistribution::Zipf { exponent } => {
            args.push("statelab.distribution=zipf".into());
            args.push(format!("statelab.exponent={exponent}"));
        }
        KeyDistribution::HotSet {
            hot_keys,
            hot_fraction,
        } => {
            args.push("statelab.distribution=hot_set".into());
            args.push(format!("statelab.hot_keys={hot_keys}"));
            args.push(format!("statelab.hot_fraction={hot_fraction}"));
        }
    }
    match w.value_model {
        ValueModel::Counter => args.push("statelab.value_model=counter".into()),
        ValueModel::Events { keep } => {
            args.push("statelab.value_model=events".into());
            args.push(format!("statelab.keep={keep}"));
        }
        ValueModel::RandomBytes { len } => {
            args.push("statelab.value_model=random_bytes".into());
            args.push(format!("statelab.len={len}"));
        }
    }
    args.push(format!("statelab.key_prefix={}", w.key_format.prefix));
    args.push(format!("statelab.key_digits={}", w.key_format.digits));
    args.push(format!("statelab.value_min={}", w.values.min));
    args.push(format!("statelab.value_max={}", w.values.max));
    args.push(format!("statelab.records_per_s={rate}"));
    if let Some(limit) = w.limit {
        args.push(format!("statelab.limit={limit}"));
    }
    args.push(format!("{EXPORTED_CONFIG_KEY}={compact}"));
    // Flink's own options, by their 2.x names.
    let k = &config.checkpointing;
    args.push(format!("parallelism.default={}", part.parallelism()));
    args.push(format!(
        "pipeline.max-parallelism={}",
        part.max_parallelism()
    ));
    match (k.interval_ms, &k.policy) {
        (Some(ms), PolicyConfig::Fixed) => {
            args.push(format!("execution.checkpointing.interval={ms}ms"))
        }
        (Some(ms), p) => {
            warnings.push(format!(
                "checkpointing.policy is `{}`, which Flink does not have: the job checkpoints every {ms} ms (checkpointing.interval_ms)",
                p.name()
            ));
            args.push(format!("execution.checkpointing.interval={ms}ms"));
        }
        (None, _) => warnings.push("checkpointing is off (no interval)".into()),
    }
    args.push(format!(
        "execution.checkpointing.min-pause={}ms",
        k.min_pause_ms
    ));
    args.push(format!(
        "execution.checkpointing.timeout={}ms",
        k.timeout_ms
    ));
    args.push(format!(
        "execution.checkpointing.max-concurrent-checkpoints={}",
        k.max_concurrent
    ));
    args.push(format!(
        "execution.checkpointing.tolerable-failed-checkpoints={}",
        k.tolerable_failed
    ));
    // Read by Flink from the cluster config only (a job-level value is ignored); here so
    // that calibrate sees it in user-config. `cluster-config.yaml` carries the real one.
    args.push(format!(
        "execution.checkpointing.num-retained={}",
        k.num_retained
    ));
    args.push("execution.checkpointing.mode=EXACTLY_ONCE".into());
    args.push("execution.checkpointing.unaligned.enabled=false".into());
    args.push(
        "execution.checkpointing.externalized-checkpoint-retention=RETAIN_ON_CANCELLATION".into(),
    );
    if k.incremental {
        warnings.push("checkpointing.incremental is on: Flink's heap backend has no incremental checkpoints, so the job uses RocksDB, whose files the lab does not model (sizes will not be comparable)".into());
        args.push("state.backend.type=rocksdb".into());
        args.push("execution.checkpointing.incremental=true".into());
    } else {
        args.push("state.backend.type=hashmap".into());
        args.push("execution.checkpointing.incremental=false".into());
    }
    let compression = match k.codec {
        Codec::None => false,
        Codec::Snappy => true,
        Codec::Lz4 => {
            warnings.push("checkpointing.codec is lz4, which Flink does not have (FLINK-11313 was never merged): the job uses snapshot-compression (Snappy)".into());
            true
        }
    };
    args.push(format!(
        "execution.checkpointing.snapshot-compression={compression}"
    ));
    let cluster = format!(
        "# Cluster-level settings for the exported job (Flink reads these only from the cluster's config.yaml).\nexecution.checkpointing.num-retained: {}\ntaskmanager.numberOfTaskSlots: {}\n",
        k.num_retained,
        part.parallelism().max(1)
    );
    let submit = SUBMIT_SCRIPT.to_string();
    let readme = format!(
        "statelab's workload as a Flink job ({} keys, {} records/s, parallelism {}, max parallelism {}).\n\n\
         Run it on a cluster (FLINK_HOME: a Flink 2.3 distribution; pip's apache-flink-libraries has one in site-packages/pyflink):\n\n\
         \x20   FLINK_HOME=... CHECKPOINT_DIR=file:///tmp/statelab-checkpoints ./submit.sh\n\n\
         It needs {} task slots (source 1 + keyed {}, in one slot sharing group: {}). Merge cluster-config.yaml into the cluster's config.yaml.\n\
         Then bring the REST answers back: statelab-cli calibrate http://jobmanager:8081 (or a directory of them).\n{}",
        key_space,
        rate,
        part.parallelism(),
        part.max_parallelism(),
        part.parallelism(),
        part.parallelism(),
        part.parallelism(),
        if warnings.is_empty() {
            String::new()
        } else {
            format!(
                "\nWhat did not carry over:\n{}",
                warnings
                    .iter()
                    .map(|w| format!("- {w}\n"))
                    .collect::<String>()
            )
        }
    );
    let files = vec![
        ("StatelabJob.java".to_string(), JOB_SOURCE.to_string()),
        ("job-args.txt".to_string(), args.join("\n") + "\n"),
        ("cluster-config.yaml".to_string(), cluster),
        ("submit.sh".to_string(), submit),
        ("README.txt".to_string(), readme),
    ];
    Ok(FlinkJob {
        files,
        args,
        warnings,
    })
}

/// Compiles the job against `$FLINK_HOME/lib` and submits it detached; prints the job id.
const SUBMIT_SCRIPT: &str = r#"#!/usr/bin/env bash
# Compile StatelabJob.java against $FLINK_HOME/lib and submit it (detached) with job-args.txt.
# env: FLINK_HOME (required), CHECKPOINT_DIR (e.g. file:///tmp/statelab-checkpoints; required),
#      FLINK_CONF_DIR (optional: which cluster to submit to). Prints the job id on the last line.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
: "${FLINK_HOME:?set FLINK_HOME to a Flink 2.3 distribution}"
: "${CHECKPOINT_DIR:?set CHECKPOINT_DIR, e.g. file:///tmp/statelab-checkpoints}"
BUILD="$HERE/build"
rm -rf "$BUILD" && mkdir -p "$BUILD/classes"
javac -nowarn -d "$BUILD/classes" -cp "$FLINK_HOME/lib/*" "$HERE/StatelabJob.java"
jar cf "$BUILD/statelab-job.jar" -C "$BUILD/classes" .
mapfile -t ARGS < "$HERE/job-args.txt"
OUT="$("$FLINK_HOME/bin/flink" run -d -c StatelabJob "$BUILD/statelab-job.jar" "${ARGS[@]}" \
       "execution.checkpointing.dir=$CHECKPOINT_DIR" 2>&1)" || { echo "$OUT" >&2; exit 1; }
echo "$OUT" >&2
ID="$(echo "$OUT" | sed -n 's/.*JobID \([0-9a-f]\{32\}\).*/\1/p' | tail -1)"
[ -n "$ID" ] || { echo "submit.sh: no job id in flink run's output" >&2; exit 1; }
echo "$ID"
"#;

fn status_name(s: &CheckpointStatus) -> String {
    match s {
        CheckpointStatus::InProgress => "in_progress".into(),
        CheckpointStatus::Completed => "completed".into(),
        CheckpointStatus::Failed(f) => format!("failed: {f}"),
    }
}

/// A CSV field: quoted when it holds a comma, quote or line break.
fn csv(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

/// The checkpoint history as CSV, one row per checkpoint, Flink's names as columns.
pub fn history_csv(history: &[CheckpointStats]) -> String {
    let mut out = String::from(
        "id,status,trigger_time_us,offset,parallelism,codec,incremental,acknowledged_subtasks,latest_acknowledgement_us,end_to_end_duration_us,checkpointed_data_size,full_checkpoint_size,raw_data_size,key_groups_shipped,key_groups_skipped\n",
    );
    for h in history {
        let row = [
            h.id.to_string(),
            csv(&status_name(&h.status)),
            h.trigger_time_us.to_string(),
            h.offset.to_string(),
            h.parallelism.to_string(),
            h.codec.name().to_string(),
            h.incremental.to_string(),
            h.acknowledged_subtasks.to_string(),
            opt(h.latest_acknowledgement_us),
            opt(h.end_to_end_duration_us),
            h.checkpointed_data_size.to_string(),
            h.full_checkpoint_size.to_string(),
            h.raw_data_size.to_string(),
            h.key_groups_shipped.to_string(),
            h.key_groups_skipped.to_string(),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// The sampled metrics as CSV, one row per sample (every 100 ms of virtual time).
pub fn samples_csv(sim: &Simulation) -> String {
    let mut out = String::from(
        "at_us,upload_bytes_per_s,download_bytes_per_s,shipped_encoded_total,shipped_raw_total,state_bytes,change_bytes_per_s,changed_keys_per_s,interval_ms,queued_records,max_queue,source_lag_records\n",
    );
    for s in sim.samples() {
        let row = [
            s.at_us.to_string(),
            s.upload_bytes_per_s.to_string(),
            s.download_bytes_per_s.to_string(),
            s.shipped_encoded_total.to_string(),
            s.shipped_raw_total.to_string(),
            s.state_bytes.to_string(),
            s.change_bytes_per_s.to_string(),
            s.changed_keys_per_s.to_string(),
            opt(s.interval_ms),
            s.queued_records.to_string(),
            s.max_queue.to_string(),
            s.source_lag_records.to_string(),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// The history and the samples as one JSON document.
pub fn history_json(sim: &Simulation) -> Result<String, String> {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        virtual_seconds: f64,
        history: &'a [CheckpointStats],
        samples: Vec<&'a crate::engine::report::metrics::Sample>,
    }
    serde_json::to_string_pretty(&Doc {
        virtual_seconds: sim.now_us() as f64 / 1e6,
        history: sim.history(),
        samples: sim.samples().collect(),
    })
    .map_err(|e| e.to_string())
}
