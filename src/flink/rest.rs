//! Typed models of Flink 2.x REST answers, and the loader that reads a job's answers from
//! `(name, text)` pairs.
//!
//! The names follow Flink's JSON (2.x): `state_size` is a checkpoint's full size and
//! `checkpointed_size` what it uploaded (the delta, for incremental checkpoints);
//! `end_to_end_duration`, `checkpoint.sync` / `checkpoint.async` per subtask, and so on.
//! Fields Flink may leave out (or that older versions do not write) are `Option`s; a field
//! that is present with the wrong type is an error naming the file and its JSON path.
//!
//! The loader takes `(name, text)` pairs so every front end can feed it: the CLI reads a
//! directory (`load_dir`) or a JobManager URL (`super::http`, native only), and the browser
//! will fetch the same endpoints itself and hand the texts over.

use super::json::{parse, read_root, FromNode, LoadError, Node};
use serde::Serialize;
use std::collections::BTreeMap;

/// The files a recorded job directory holds, by the names `capture.py` (and
/// `scripts/flink-roundtrip.sh`) give them, with the endpoint each comes from.
pub const FILES: &[(&str, &str, bool)] = &[
    ("job.json", "/jobs/<id>", true),
    ("checkpoints.json", "/jobs/<id>/checkpoints", true),
    ("checkpoints-config.json", "/jobs/<id>/checkpoints/config", true),
    ("job-config.json", "/jobs/<id>/config", false),
    (
        "checkpoint-details-*.json",
        "/jobs/<id>/checkpoints/details/<cid> (one; or `checkpoint-details-all.json`: an object of them by id)",
        false,
    ),
    (
        "checkpoint-subtasks-latest-<vertex>.json",
        "/jobs/<id>/checkpoints/details/<cid>/subtasks/<vid> (<vertex>: the vertex id, or its name with every non-alphanumeric character as `-`, cut to 40)",
        false,
    ),
    (
        "vertex-subtask-metrics.json",
        "per vertex name: {vertex_id, values_aggregated_over_subtasks: /jobs/<id>/vertices/<vid>/subtasks/metrics?get=numRecordsIn,…}",
        false,
    ),
    (
        "job-checkpoint-metrics-series.json",
        "samples of /jobs/<id>/metrics?get=lastCheckpointSize,… with their time `t` in s",
        false,
    ),
];

/// `/jobs/<id>`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobDetails {
    pub jid: String,
    pub name: String,
    pub state: String,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub duration: Option<u64>,
    pub now: Option<i64>,
    /// The job's `maxParallelism` (Flink writes -1 when none was set).
    pub max_parallelism: Option<i64>,
    /// Per job status, when the job entered it (0: never).
    pub timestamps: BTreeMap<String, i64>,
    pub vertices: Vec<Vertex>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Vertex {
    pub id: String,
    pub name: String,
    pub parallelism: u32,
    pub max_parallelism: Option<u32>,
    pub status: Option<String>,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub duration: Option<u64>,
    pub metrics: Option<VertexMetrics>,
}

/// The counters `/jobs/<id>` keeps per vertex (the web UI's "Records Received" …). They
/// are the execution graph's own, final for a finished job, unlike the sampled metrics.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VertexMetrics {
    pub read_records: Option<u64>,
    pub write_records: Option<u64>,
    pub read_bytes: Option<u64>,
    pub write_bytes: Option<u64>,
    /// Milliseconds the vertex's subtasks were busy, summed over subtasks.
    pub accumulated_busy_time: Option<f64>,
    pub accumulated_idle_time: Option<f64>,
    pub accumulated_backpressured_time: Option<f64>,
}

/// `/jobs/<id>/checkpoints`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckpointingStatistics {
    pub counts: Counts,
    pub summary: Option<Summary>,
    pub latest_completed: Option<Checkpoint>,
    pub latest_failed: Option<Checkpoint>,
    pub latest_restored_id: Option<u64>,
    /// The last `web.checkpoints.history` (10) checkpoints, newest first.
    pub history: Vec<Checkpoint>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub restored: u64,
    pub total: u64,
    pub in_progress: u64,
    pub completed: u64,
    pub failed: u64,
}

/// Min / max / avg and percentiles; Flink writes `"NaN"` for undefined percentiles, read
/// here as `None`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stat {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub avg: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    pub state_size: Option<Stat>,
    pub checkpointed_size: Option<Stat>,
    pub end_to_end_duration: Option<Stat>,
    pub alignment_buffered: Option<Stat>,
    pub processed_data: Option<Stat>,
    pub persisted_data: Option<Stat>,
}

/// One checkpoint: an entry of `history`, `latest.completed`, or
/// `/checkpoints/details/<cid>` (which adds `tasks`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Checkpoint {
    pub id: u64,
    pub status: String,
    pub is_savepoint: Option<bool>,
    pub checkpoint_type: Option<String>,
    pub trigger_timestamp: Option<i64>,
    pub latest_ack_timestamp: Option<i64>,
    /// Full size (`lastCheckpointFullSize`).
    pub state_size: Option<u64>,
    /// Uploaded size: the delta for incremental checkpoints (`lastCheckpointSize`).
    pub checkpointed_size: Option<u64>,
    pub end_to_end_duration: Option<u64>,
    pub alignment_buffered: Option<u64>,
    pub processed_data: Option<u64>,
    pub persisted_data: Option<u64>,
    pub num_subtasks: Option<u32>,
    pub num_acknowledged_subtasks: Option<u32>,
    pub external_path: Option<String>,
    pub failure_message: Option<String>,
    /// Per vertex id (details only; `{}` in `history`).
    pub tasks: BTreeMap<String, TaskCheckpoint>,
}

/// One vertex's part of a checkpoint (`tasks.<vid>` of a checkpoint's details).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TaskCheckpoint {
    pub status: Option<String>,
    pub state_size: Option<u64>,
    pub checkpointed_size: Option<u64>,
    pub end_to_end_duration: Option<u64>,
    pub num_subtasks: Option<u32>,
    pub num_acknowledged_subtasks: Option<u32>,
    pub processed_data: Option<u64>,
    pub persisted_data: Option<u64>,
}

/// `/checkpoints/details/<cid>/subtasks/<vid>`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TaskSubtasks {
    /// The vertex, as matched from the file name.
    pub vertex_id: String,
    pub checkpoint_id: Option<u64>,
    pub task: TaskCheckpoint,
    pub subtasks: Vec<SubtaskCheckpoint>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SubtaskCheckpoint {
    pub index: u32,
    pub status: String,
    pub ack_timestamp: Option<i64>,
    pub end_to_end_duration: Option<u64>,
    pub state_size: Option<u64>,
    pub checkpointed_size: Option<u64>,
    /// `checkpoint.sync`, ms.
    pub sync_duration: Option<u64>,
    /// `checkpoint.async`, ms.
    pub async_duration: Option<u64>,
    pub alignment_duration: Option<u64>,
    pub alignment_processed: Option<u64>,
    pub alignment_persisted: Option<u64>,
    pub start_delay: Option<u64>,
    pub unaligned_checkpoint: Option<bool>,
}

/// `/jobs/<id>/checkpoints/config`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckpointConfig {
    pub mode: Option<String>,
    /// ms; Flink writes `0x7fffffffffffffff` when checkpointing is off.
    pub interval: u64,
    pub timeout: Option<u64>,
    pub min_pause: Option<u64>,
    pub max_concurrent: Option<u32>,
    pub tolerable_failed_checkpoints: Option<u32>,
    pub unaligned_checkpoints: Option<bool>,
    pub aligned_checkpoint_timeout: Option<u64>,
    pub checkpoints_after_tasks_finish: Option<bool>,
    pub state_backend: Option<String>,
    pub checkpoint_storage: Option<String>,
    pub state_changelog_enabled: Option<bool>,
    pub changelog_storage: Option<String>,
    pub changelog_periodic_materialization_interval: Option<u64>,
    pub externalization_enabled: Option<bool>,
    pub delete_on_cancellation: Option<bool>,
}

/// `/jobs/<id>/config`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobConfig {
    pub job_parallelism: Option<i64>,
    pub object_reuse_mode: Option<bool>,
    pub restart_strategy: Option<String>,
    /// The job's global job parameters (`user-config`): where a job that sets them shows
    /// its settings, since `/checkpoints/config` shows neither snapshot compression nor
    /// num-retained.
    pub user_config: BTreeMap<String, String>,
}

/// One aggregated subtask metric of a vertex (`/vertices/<vid>/subtasks/metrics?get=…`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AggregatedMetric {
    pub id: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub avg: Option<f64>,
    pub sum: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VertexSubtaskMetrics {
    pub vertex_name: String,
    pub vertex_id: Option<String>,
    pub values: Vec<AggregatedMetric>,
}

/// One sample of the job's checkpoint metrics.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricSample {
    /// Seconds since the job was seen RUNNING.
    pub t: f64,
    pub values: BTreeMap<String, String>,
}

/// Everything loaded for one job.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlinkAnswers {
    pub job: JobDetails,
    pub checkpoints: CheckpointingStatistics,
    pub checkpoint_config: CheckpointConfig,
    pub job_config: Option<JobConfig>,
    /// Completed checkpoints' details, by id (from `checkpoint-details-*.json`).
    pub details: BTreeMap<u64, Checkpoint>,
    pub subtasks: Vec<TaskSubtasks>,
    pub vertex_metrics: Vec<VertexSubtaskMetrics>,
    pub metric_series: Vec<MetricSample>,
    /// Files given that the loader does not read (listed so nothing is silently dropped).
    pub ignored: Vec<String>,
}

impl FromNode for Stat {
    fn from_node(n: Node<'_>) -> Result<Self, LoadError> {
        let num = |name: &str| -> Result<Option<f64>, LoadError> {
            Ok(n.opt::<f64>(name)?.filter(|v| v.is_finite()))
        };
        Ok(Stat {
            min: num("min")?,
            max: num("max")?,
            avg: num("avg")?,
            p50: num("p50")?,
            p90: num("p90")?,
            p99: num("p99")?,
        })
    }
}

impl FromNode for TaskCheckpoint {
    fn from_node(n: Node<'_>) -> Result<Self, LoadError> {
        Ok(TaskCheckpoint {
            status: n.opt("status")?,
            state_size: n.opt("state_size")?,
            checkpointed_size: n.opt("checkpointed_size")?,
            end_to_end_duration: n.opt("end_to_end_duration")?,
            num_subtasks: n.opt("num_subtasks")?,
            num_acknowledged_subtasks: n.opt("num_acknowledged_subtasks")?,
            processed_data: n.opt("processed_data")?,
            persisted_data: n.opt("persisted_data")?,
        })
    }
}

impl FromNode for Checkpoint {
    fn from_node(n: Node<'_>) -> Result<Self, LoadError> {
        let tasks = n
            .opt_with("tasks", |t| t.members(|_, v| TaskCheckpoint::from_node(v)))?
            .unwrap_or_default()
            .into_iter()
            .collect();
        Ok(Checkpoint {
            id: n.req("id")?,
            status: n.req("status")?,
            is_savepoint: n.opt("is_savepoint")?,
            checkpoint_type: n.opt("checkpoint_type")?,
            trigger_timestamp: n.opt("trigger_timestamp")?,
            latest_ack_timestamp: n.opt("latest_ack_timestamp")?,
            state_size: n.opt("state_size")?,
            checkpointed_size: n.opt("checkpointed_size")?,
            end_to_end_duration: n.opt("end_to_end_duration")?,
            alignment_buffered: n.opt("alignment_buffered")?,
            processed_data: n.opt("processed_data")?,
            persisted_data: n.opt("persisted_data")?,
            num_subtasks: n.opt("num_subtasks")?,
            num_acknowledged_subtasks: n.opt("num_acknowledged_subtasks")?,
            external_path: n.opt("external_path")?,
            failure_message: n.opt("failure_message")?,
            tasks,
        })
    }
}

fn read_job(n: Node<'_>) -> Result<JobDetails, LoadError> {
    let vertices = n.opt_with("vertices", |v| {
        v.items(|v| {
            let metrics = v.opt_with("metrics", |m| {
                Ok(VertexMetrics {
                    read_records: m.opt("read-records")?,
                    write_records: m.opt("write-records")?,
                    read_bytes: m.opt("read-bytes")?,
                    write_bytes: m.opt("write-bytes")?,
                    accumulated_busy_time: m
                        .opt::<f64>("accumulated-busy-time")?
                        .filter(|x| x.is_finite()),
                    accumulated_idle_time: m
                        .opt::<f64>("accumulated-idle-time")?
                        .filter(|x| x.is_finite()),
                    accumulated_backpressured_time: m
                        .opt::<f64>("accumulated-backpressured-time")?
                        .filter(|x| x.is_finite()),
                })
            })?;
            Ok(Vertex {
                id: v.req("id")?,
                name: v.req("name")?,
                parallelism: v.req("parallelism")?,
                max_parallelism: v.opt("maxParallelism")?,
                status: v.opt("status")?,
                start_time: v.opt("start-time")?,
                end_time: v.opt("end-time")?,
                duration: v.opt("duration")?,
                metrics,
            })
        })
    })?;
    let vertices = vertices.ok_or_else(|| {
        let mut e = n.error("missing field `vertices`: the job's operators are needed");
        e.at = "vertices".into();
        e
    })?;
    Ok(JobDetails {
        jid: n.req("jid")?,
        name: n.opt("name")?.unwrap_or_default(),
        state: n.req("state")?,
        start_time: n.opt("start-time")?,
        end_time: n.opt("end-time")?,
        duration: n.opt("duration")?,
        now: n.opt("now")?,
        max_parallelism: n.opt("maxParallelism")?,
        timestamps: n
            .opt_with("timestamps", |t| t.members(|_, v| i64::from_node(v)))?
            .unwrap_or_default()
            .into_iter()
            .collect(),
        vertices,
    })
}

fn read_checkpoints(n: Node<'_>) -> Result<CheckpointingStatistics, LoadError> {
    let counts = n.req_with("counts", |c| {
        Ok(Counts {
            restored: c.opt("restored")?.unwrap_or(0),
            total: c.opt("total")?.unwrap_or(0),
            in_progress: c.opt("in_progress")?.unwrap_or(0),
            completed: c.req("completed")?,
            failed: c.opt("failed")?.unwrap_or(0),
        })
    })?;
    let summary = n.opt_with("summary", |s| {
        Ok(Summary {
            state_size: s.opt("state_size")?,
            checkpointed_size: s.opt("checkpointed_size")?,
            end_to_end_duration: s.opt("end_to_end_duration")?,
            alignment_buffered: s.opt("alignment_buffered")?,
            processed_data: s.opt("processed_data")?,
            persisted_data: s.opt("persisted_data")?,
        })
    })?;
    let (latest_completed, latest_failed, latest_restored_id) = n
        .opt_with("latest", |l| {
            Ok((
                l.opt::<Checkpoint>("completed")?,
                l.opt::<Checkpoint>("failed")?,
                l.opt_with("restored", |r| r.req::<u64>("id"))?,
            ))
        })?
        .unwrap_or((None, None, None));
    let history = n
        .opt_with("history", |h| h.items(Checkpoint::from_node))?
        .unwrap_or_default();
    Ok(CheckpointingStatistics {
        counts,
        summary,
        latest_completed,
        latest_failed,
        latest_restored_id,
        history,
    })
}

fn read_checkpoint_config(n: Node<'_>) -> Result<CheckpointConfig, LoadError> {
    let ext = n.opt_with("externalization", |e| {
        Ok((
            e.opt::<bool>("enabled")?,
            e.opt::<bool>("delete_on_cancellation")?,
        ))
    })?;
    Ok(CheckpointConfig {
        mode: n.opt("mode")?,
        interval: n.req("interval")?,
        timeout: n.opt("timeout")?,
        min_pause: n.opt("min_pause")?,
        max_concurrent: n.opt("max_concurrent")?,
        tolerable_failed_checkpoints: n.opt("tolerable_failed_checkpoints")?,
        unaligned_checkpoints: n.opt("unaligned_checkpoints")?,
        aligned_checkpoint_timeout: n.opt("aligned_checkpoint_timeout")?,
        checkpoints_after_tasks_finish: n.opt("checkpoints_after_tasks_finish")?,
        state_backend: n.opt("state_backend")?,
        checkpoint_storage: n.opt("checkpoint_storage")?,
        state_changelog_enabled: n.opt("state_changelog_enabled")?,
        changelog_storage: n.opt("changelog_storage")?,
        changelog_periodic_materialization_interval: n
            .opt("changelog_periodic_materialization_interval")?,
        externalization_enabled: ext.and_then(|e| e.0),
        delete_on_cancellation: ext.and_then(|e| e.1),
    })
}

fn read_job_config(n: Node<'_>) -> Result<JobConfig, LoadError> {
    n.req_with("execution-config", |e| {
        Ok(JobConfig {
            job_parallelism: e.opt("job-parallelism")?,
            object_reuse_mode: e.opt("object-reuse-mode")?,
            restart_strategy: e.opt("restart-strategy")?,
            user_config: e
                .opt_with("user-config", |u| u.members(|_, v| String::from_node(v)))?
                .unwrap_or_default()
                .into_iter()
                .collect(),
        })
    })
}

fn read_subtasks(n: Node<'_>, vertex_id: String) -> Result<TaskSubtasks, LoadError> {
    let subtasks = n
        .opt_with("subtasks", |s| {
            s.items(|s| {
                let (sync, asyn) = s
                    .opt_with("checkpoint", |c| {
                        Ok((c.opt::<u64>("sync")?, c.opt::<u64>("async")?))
                    })?
                    .unwrap_or((None, None));
                let (al_dur, al_proc, al_pers) = s
                    .opt_with("alignment", |a| {
                        Ok((
                            a.opt::<u64>("duration")?,
                            a.opt::<u64>("processed")?,
                            a.opt::<u64>("persisted")?,
                        ))
                    })?
                    .unwrap_or((None, None, None));
                Ok(SubtaskCheckpoint {
                    index: s.req("index")?,
                    status: s.req("status")?,
                    ack_timestamp: s.opt("ack_timestamp")?,
                    end_to_end_duration: s.opt("end_to_end_duration")?,
                    state_size: s.opt("state_size")?,
                    checkpointed_size: s.opt("checkpointed_size")?,
                    sync_duration: sync,
                    async_duration: asyn,
                    alignment_duration: al_dur,
                    alignment_processed: al_proc,
                    alignment_persisted: al_pers,
                    start_delay: s.opt("start_delay")?,
                    unaligned_checkpoint: s.opt("unaligned_checkpoint")?,
                })
            })
        })?
        .unwrap_or_default();
    Ok(TaskSubtasks {
        vertex_id,
        checkpoint_id: n.opt("id")?,
        task: TaskCheckpoint::from_node(n)?,
        subtasks,
    })
}

fn read_aggregated(n: Node<'_>) -> Result<Vec<AggregatedMetric>, LoadError> {
    n.items(|m| {
        let num = |name: &str| -> Result<Option<f64>, LoadError> {
            Ok(m.opt::<f64>(name)?.filter(|v| v.is_finite()))
        };
        Ok(AggregatedMetric {
            id: m.req("id")?,
            min: num("min")?,
            max: num("max")?,
            avg: num("avg")?,
            sum: num("sum")?,
        })
    })
}

fn read_vertex_metrics(n: Node<'_>) -> Result<Vec<VertexSubtaskMetrics>, LoadError> {
    Ok(n.members(|name, v| {
        // A vertex whose metrics could not be fetched is recorded as `{"error": …}`.
        if v.opt::<String>("error")?.is_some() {
            return Ok(None);
        }
        Ok(Some(VertexSubtaskMetrics {
            vertex_name: name.to_string(),
            vertex_id: v.opt("vertex_id")?,
            values: v
                .opt_with("values_aggregated_over_subtasks", read_aggregated)?
                .unwrap_or_default(),
        }))
    })?
    .into_iter()
    .filter_map(|(_, m)| m)
    .collect())
}

fn read_series(n: Node<'_>) -> Result<Vec<MetricSample>, LoadError> {
    n.items(|s| {
        let mut values = BTreeMap::new();
        for (k, v) in s.object()? {
            if k == "t" {
                continue;
            }
            // Flink's metric values are strings; capture.py adds `state` and `error`.
            let text = match v {
                serde_json::Value::String(t) => t.clone(),
                other => other.to_string(),
            };
            values.insert(k.clone(), text);
        }
        Ok(MetricSample {
            t: s.req("t")?,
            values,
        })
    })
}

impl<'a> Node<'a> {
    /// A required field read with a custom reader.
    pub fn req_with<T>(
        &self,
        name: &str,
        read: impl FnOnce(Node<'_>) -> Result<T, LoadError>,
    ) -> Result<T, LoadError> {
        match self.opt_with(name, read)? {
            Some(t) => Ok(t),
            None => {
                let mut e = self.error(format!("missing field `{name}`"));
                e.at = if e.at.is_empty() {
                    name.to_string()
                } else {
                    format!("{}.{name}", e.at)
                };
                Err(e)
            }
        }
    }
}

/// What `capture.py` makes of a vertex name in a file name.
pub fn safe_vertex_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .take(40)
        .collect()
}

/// Reads one job's answers from `(file name, text)` pairs. All or nothing: any error in any
/// file (syntax, a wrong type at a path, a missing required file or field) returns that
/// error and nothing is loaded.
pub fn load(files: &[(String, String)]) -> Result<FlinkAnswers, LoadError> {
    let find = |name: &str| files.iter().find(|(n, _)| n == name);
    let required = |name: &str| {
        find(name).ok_or_else(|| LoadError {
            file: name.to_string(),
            at: String::new(),
            message: format!(
                "missing: a job's answers need {} ({}); got {}",
                name,
                FILES.iter().find(|f| f.0 == name).map_or("", |f| f.1),
                if files.is_empty() {
                    "no files".to_string()
                } else {
                    files
                        .iter()
                        .map(|f| f.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
        })
    };
    let value = |(name, text): &(String, String)| parse(name, text);
    let job_file = required("job.json")?;
    let job = read_root(&job_file.0, &value(job_file)?, read_job)?;
    let cp_file = required("checkpoints.json")?;
    let checkpoints = read_root(&cp_file.0, &value(cp_file)?, read_checkpoints)?;
    let cfg_file = required("checkpoints-config.json")?;
    let checkpoint_config = read_root(&cfg_file.0, &value(cfg_file)?, read_checkpoint_config)?;
    let job_config = match find("job-config.json") {
        Some(f) => Some(read_root(&f.0, &value(f)?, read_job_config)?),
        None => None,
    };
    let mut details = BTreeMap::new();
    let mut subtasks = Vec::new();
    let mut vertex_metrics = Vec::new();
    let mut metric_series = Vec::new();
    let mut ignored = Vec::new();
    for f in files {
        let name = f.0.as_str();
        if matches!(
            name,
            "job.json" | "checkpoints.json" | "checkpoints-config.json" | "job-config.json"
        ) {
            continue;
        }
        if let Some(rest) = name
            .strip_prefix("checkpoint-subtasks-latest-")
            .and_then(|r| r.strip_suffix(".json"))
        {
            let vertex = job
                .vertices
                .iter()
                .find(|v| v.id == rest || safe_vertex_name(&v.name) == rest)
                .ok_or_else(|| LoadError {
                    file: name.to_string(),
                    at: String::new(),
                    message: format!(
                        "`{rest}` names no vertex of job.json (by id or name): {}",
                        job.vertices
                            .iter()
                            .map(|v| format!("{} ({})", v.id, safe_vertex_name(&v.name)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                })?;
            let v = value(f)?;
            if v.get("error").is_some() && v.get("subtasks").is_none() {
                // capture.py records a failed fetch as {"error": …}: nothing to read.
                ignored.push(name.to_string());
                continue;
            }
            subtasks.push(read_root(name, &v, |n| {
                read_subtasks(n, vertex.id.clone())
            })?);
        } else if name.starts_with("checkpoint-details-") && name.ends_with(".json") {
            let v = value(f)?;
            // One checkpoint's details, or (checkpoint-details-all.json) an object of them
            // by id.
            if v.get("id").is_some() {
                let c = read_root(name, &v, Checkpoint::from_node)?;
                details.insert(c.id, c);
            } else {
                let all = read_root(name, &v, |n| {
                    n.members(|_, c| {
                        if c.opt::<String>("error")?.is_some() {
                            return Ok(None);
                        }
                        Checkpoint::from_node(c).map(Some)
                    })
                })?;
                for (_, c) in all {
                    if let Some(c) = c {
                        details.insert(c.id, c);
                    }
                }
            }
        } else if name == "vertex-subtask-metrics.json" {
            vertex_metrics = read_root(name, &value(f)?, read_vertex_metrics)?;
        } else if name == "job-checkpoint-metrics-series.json" {
            metric_series = read_root(name, &value(f)?, read_series)?;
        } else {
            ignored.push(name.to_string());
        }
    }
    Ok(FlinkAnswers {
        job,
        checkpoints,
        checkpoint_config,
        job_config,
        details,
        subtasks,
        vertex_metrics,
        metric_series,
        ignored,
    })
}

/// Reads every `*.json` file of a directory and loads them (a file system is there
/// natively; in the browser the page hands `load` the texts instead).
pub fn load_dir(dir: &std::path::Path) -> Result<FlinkAnswers, LoadError> {
    let io = |e: std::io::Error| LoadError {
        file: dir.display().to_string(),
        at: String::new(),
        message: e.to_string(),
    };
    let mut files = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".json") || !entry.path().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).map_err(|e| LoadError {
            file: name.clone(),
            at: String::new(),
            message: e.to_string(),
        })?;
        files.push((name, text));
    }
    load(&files)
}
