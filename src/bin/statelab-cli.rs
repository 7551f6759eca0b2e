//! statelab-cli: the engine outside the browser.
//!
//! `keygroup` answers "where does this key go" exactly as Flink would; `simulate` runs a
//! config and prints its summary and checkpoint history as JSON; `export-checkpoint`
//! writes a completed checkpoint's chunks as files in their codec's frame format.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use clap::{Parser, Subcommand};
    use serde::Serialize;
    use statelab::engine::config::Config;
    use statelab::engine::faults::ScheduledFault;
    use statelab::engine::partitioning::keygroups::{Key, Partitioning};
    use statelab::engine::partitioning::trace::{Column, Trace, TraceFormat};
    use statelab::engine::partitioning::workload::{KeyKind, SourceConfig};
    use statelab::engine::report::exposure::CrashTimes;
    use statelab::engine::report::flink_config::flink_yaml;
    use statelab::engine::report::metrics::SAMPLE_INTERVAL_US;
    use statelab::engine::report::stats::{CheckpointStats, RecoveryStats};
    use statelab::engine::report::sweep::{
        cells, check_memory, pareto_front, parse_axis, recommend, run_cell_keeping, Cell,
        CellResult, Recommendation, Span,
    };
    use statelab::engine::report::sweep_scale::{self, scaled_cells, ScaleChoice, NATIVE};
    use statelab::engine::report::whatif::WhatIfRun;
    use statelab::engine::scale::rescaled;
    use statelab::engine::sim::Simulation;
    use std::borrow::Cow;
    use std::io::{IsTerminal, Write};
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;
    use std::time::{Duration, Instant};

    /// What a native sweep's cells may use at once: a machine that runs the lab has a few
    /// gigabytes to spare, not the whole of its memory.
    const SWEEP_MEMORY_BUDGET: u64 = 8 << 30;

    /// Issue 12's aim for a native sweep, in wall seconds: `--scale auto` chooses the
    /// scale model that fits it.
    const SWEEP_AIM_S: f64 = 30.0;

    #[derive(Parser)]
    #[command(
        name = "statelab-cli",
        version,
        about = "statelab's engine on the command line"
    )]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Key → Java hashCode → key group → subtask, as TSV (keys as arguments or one per stdin line).
        #[command(
            after_help = "Output: one TSV line per key. In the key column a tab is written \\t, a \
newline \\n, a carriage return \\r and a backslash \\\\ (as PostgreSQL's and MySQL's text \
formats do); every other character is written as is, so each line has exactly four fields."
        )]
        Keygroup {
            #[arg(long)]
            max_parallelism: Option<u32>,
            #[arg(long)]
            parallelism: u32,
            /// Treat keys as Java `Long`s instead of `String`s.
            #[arg(long)]
            long: bool,
            keys: Vec<String>,
        },
        /// Run a config (JSON) and print a summary with the checkpoint history as JSON.
        Simulate(RunArgs),
        /// Run a config, then write the latest completed checkpoint's chunks and a manifest.
        ExportCheckpoint {
            #[command(flatten)]
            run: RunArgs,
            /// Directory to write into (created if missing).
            #[arg(long)]
            out: PathBuf,
        },
        /// Verify and decode a checkpoint written by export-checkpoint (as Flink's State
        /// Processor API reads one): its files, key groups and `key:value` lines; a damaged
        /// file is named with its key group and byte.
        ReadCheckpoint {
            /// The directory export-checkpoint wrote.
            dir: PathBuf,
            /// Print at most this many keys.
            #[arg(long, default_value_t = 100)]
            limit: usize,
        },
        /// Start a job from a checkpoint written by export-checkpoint, as Flink restores a job
        /// from a retained checkpoint (`flink run -s DIR`), at the config's parallelism or
        /// --parallelism (a rescale from a checkpoint: key groups go to the subtasks of their
        /// new ranges); run it to --seconds on the exported job's clock and print the summary
        /// (or, with --result, the job's result). Refused before anything runs when the
        /// checkpoint is damaged or was taken by another job (max parallelism, workload, seed
        /// or trace).
        #[command(
            after_help = "Give the config (and --trace) the checkpoint was exported with; only the parallelism and checkpoint settings may differ. The restored job's clock starts where the export stopped, so --seconds is the same end time a run straight through would use: `result --seconds 60` and `restore-from DIR --seconds 60 --result` print the same lines when the job is exactly-once."
        )]
        RestoreFrom {
            /// The directory export-checkpoint wrote.
            dir: PathBuf,
            #[command(flatten)]
            run: RunArgs,
            /// The restored job's parallelism (default: the config's).
            #[arg(long)]
            parallelism: Option<u32>,
            /// Print the job's result (`key:value`, sorted) instead of the summary.
            #[arg(long)]
            result: bool,
            /// With --result, print at most this many keys.
            #[arg(long, default_value_t = 100)]
            limit: usize,
        },
        /// Run a config, then print the job's result: each key's value as the job emits it
        /// (`key:value`, sorted by key).
        Result {
            #[command(flatten)]
            run: RunArgs,
            /// Print at most this many keys.
            #[arg(long, default_value_t = 100)]
            limit: usize,
        },
        /// Print a digest of the run's observable state (for cross-target determinism checks).
        Digest {
            #[command(flatten)]
            run: RunArgs,
            /// Digest of the built-in reference run instead (the browser build computes the same);
            /// it has its own config, so a config, --seconds or --trace is refused with it.
            #[arg(long, conflicts_with_all = ["config", "seconds", "trace"])]
            reference: bool,
        },
        /// Print the default config as JSON, a starting point for your own.
        DefaultConfig,
        /// Run several configs on the same seed and print a comparison table.
        Compare {
            /// Config files (JSON); each is run with the seed of the first.
            #[arg(required = true)]
            configs: Vec<PathBuf>,
            #[arg(long, default_value_t = 60.0)]
            seconds: f64,
            /// Print JSON rows instead of a table.
            #[arg(long)]
            json: bool,
        },
        /// Run a config, then print its settings as a Flink configuration snippet (YAML).
        FlinkConfig(RunArgs),
        /// Run a grid of one or two parameters (each cell the config with that setting, same
        /// seed) on all cores; print each cell's overhead and exposure to failures, the Pareto
        /// front and a recommendation.
        #[command(
            after_help = "Parameters: interval_ms (or off), codec (none, snappy, lz4), \
incremental (true, false), policy (fixed, adaptive, young_daly), parallelism, max_parallelism, \
num_retained, bandwidth_mbit_s, change_budget_bytes, ship_threshold_bytes (adaptive), mtbf_s \
(young_daly). Values: NAME=V1,V2,... or, for numbers, NAME=FROM..TO/STEPS."
        )]
        Sweep {
            /// Config file (JSON); omit for the defaults.
            config: Option<PathBuf>,
            /// A parameter and its values; give one or two.
            #[arg(long = "param", required = true)]
            params: Vec<String>,
            /// Virtual seconds each cell runs before measuring.
            #[arg(long, default_value_t = 30.0)]
            warmup: f64,
            /// Virtual seconds each cell is measured over.
            #[arg(long, default_value_t = 300.0)]
            horizon: f64,
            /// Mean time between failures (s) for the hourly cost and the recommendation.
            #[arg(long, default_value_t = 3600.0)]
            mtbf: f64,
            /// Cells run at once (default: every core).
            #[arg(long)]
            threads: Option<usize>,
            /// Print JSON instead of a table.
            #[arg(long)]
            json: bool,
            /// Also write the cells as CSV to this file.
            #[arg(long)]
            csv: Option<PathBuf>,
            /// Run the cells as the scale model 1:F: `auto` (the smallest power of two at
            /// which the grid's estimated time fits 30 s; 1:1 when the real job fits), a
            /// factor F, or 1 for the real job. A model's bytes and replays are scaled
            /// back up and marked ≈.
            #[arg(long, default_value = "auto", value_name = "auto|F|1")]
            scale: String,
        },
        /// Load a Flink job's REST answers (a directory of them, or a JobManager's
        /// http://host:port), derive a lab config that matches, run it as long as the job
        /// ran and print real vs simulated.
        #[command(after_help = "A directory holds the recorded names: job.json, \
checkpoints.json, checkpoints-config.json (required), job-config.json, checkpoint-details-*.json, \
checkpoint-subtasks-latest-<vertex>.json, vertex-subtask-metrics.json, \
job-checkpoint-metrics-series.json. A URL is fetched over plain HTTP (no HTTPS); --save keeps \
what was fetched under those names. Exit status 1 on any error, and with --check-aims also when \
a size misses the ±2 % aim.")]
        Calibrate {
            /// Directory of REST answers, or http://host:port[/jobs/<id>].
            source: String,
            /// Virtual seconds to simulate (default: as long as the job ran).
            #[arg(long)]
            seconds: Option<f64>,
            /// Print one JSON document instead of text.
            #[arg(long)]
            json: bool,
            /// Print the derived settings as Flink YAML instead of the config's JSON.
            #[arg(long, conflicts_with = "json")]
            yaml: bool,
            /// Write the fetched answers (from a URL) into this directory.
            #[arg(long)]
            save: Option<PathBuf>,
            /// Fail (exit 1) when a size misses the ±2 % aim.
            #[arg(long)]
            check_aims: bool,
            /// What you know of the job's records that REST cannot show: a JSON file shaped
            /// like a config's `workload` (key_space, distribution, key_format, values,
            /// value_model); it replaces the estimates, the rest stays calibrated.
            #[arg(long)]
            workload: Option<PathBuf>,
            /// Run the calibrated config as a scale model 1:F (see `simulate --scale`); the
            /// simulated sizes are then the model's scaled back up, and say so.
            #[arg(long, value_name = "F")]
            scale: Option<u32>,
        },
        /// Write a runnable Flink job (Java DataStream) for a config's workload and checkpoint
        /// settings, with its arguments, cluster settings and a submit script.
        ExportFlinkJob {
            /// Config file (JSON); omit for the defaults.
            config: Option<PathBuf>,
            /// Directory to write into (created if missing).
            #[arg(long)]
            out: PathBuf,
        },
        /// Run a config, then write its checkpoint history and sampled metrics.
        ExportHistory {
            #[command(flatten)]
            run: RunArgs,
            /// `csv`: history.csv and metrics.csv; `json`: history.json with both.
            #[arg(long, value_parser = ["csv", "json"], default_value = "csv")]
            format: String,
            /// Directory to write into (created if missing).
            #[arg(long)]
            out: PathBuf,
        },
        /// Run a config, then fork it once per scheduling policy and measure each.
        WhatIf {
            #[command(flatten)]
            run: RunArgs,
            /// Virtual seconds each fork runs before its measured crash.
            #[arg(long, default_value_t = 60.0)]
            horizon: f64,
        },
    }

    #[derive(clap::Args)]
    struct RunArgs {
        /// Config file (JSON); omit for the defaults.
        config: Option<PathBuf>,
        /// Virtual seconds to simulate.
        #[arg(long, default_value_t = 30.0)]
        seconds: f64,
        /// CSV or TSV trace to run (`key,value`, `value,key`, or any columns with
        /// --key-column/--value-column): needs a config whose `workload.source.kind` is
        /// `trace`, or no config (then the defaults with a trace source).
        #[arg(long)]
        trace: Option<PathBuf>,
        /// The trace's key column: a header name or a position from 1 (default: detected).
        #[arg(long, requires = "trace")]
        key_column: Option<String>,
        /// The trace's value column: a header name or a position from 1 (default: the one
        /// column of integers).
        #[arg(long, requires = "trace")]
        value_column: Option<String>,
        /// Run the config as a scale model 1:F (`workload.sample_every`): every F-th key of
        /// its key space, rates, bandwidth and costs ÷F, so durations stay the real job's
        /// while bytes are 1/F; sizes and counts are scaled back up under `scale_model`.
        #[arg(long, value_name = "F")]
        scale: Option<u32>,
    }

    pub fn main() -> ExitCode {
        let cli = Cli::parse();
        match run(cli.command) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("statelab-cli: {e}");
                ExitCode::FAILURE
            }
        }
    }

    fn run(command: Command) -> Result<(), String> {
        let mut progress = Progress::new();
        match command {
            Command::Keygroup {
                max_parallelism,
                parallelism,
                long,
                keys,
            } => keygroup(max_parallelism, parallelism, long, keys),
            Command::Simulate(args) => {
                let sim = simulate(&args, &mut progress)?;
                let summary = Summary::of(&sim);
                if let Some(f) = &summary.scale_model {
                    eprintln!(
                        "statelab-cli: {}: state {}, last full checkpoint {}; `scale_model` has \
                         the real job's estimates (sizes and counts ×{}, fixed parts once), the \
                         other figures are the model's",
                        f.label,
                        f.state_shown,
                        f.last_full_shown.as_deref().unwrap_or("none completed"),
                        f.factor
                    );
                }
                emit(&to_json(&summary)?)
            }
            Command::ExportCheckpoint { run, out } => export(&simulate(&run, &mut progress)?, &out),
            Command::ReadCheckpoint { dir, limit } => read_checkpoint(&dir, limit),
            Command::RestoreFrom {
                dir,
                run,
                parallelism,
                result,
                limit,
            } => {
                let sim = restore_from(&dir, &run, parallelism, &mut progress)?;
                if result {
                    print_result(&sim, limit)
                } else {
                    emit(&to_json(&Summary::of(&sim))?)
                }
            }
            Command::Result { run, limit } => print_result(&simulate(&run, &mut progress)?, limit),
            Command::Digest {
                reference: true, ..
            } => emit(&statelab::engine::selfcheck::reference_digest()),
            Command::Digest { run, .. } => {
                emit(&format!("{:016x}", simulate(&run, &mut progress)?.digest()))
            }
            Command::DefaultConfig => emit(&to_json(&Config::default())?),
            Command::Compare {
                configs,
                seconds,
                json,
            } => compare(&configs, seconds, json, &mut progress),
            Command::FlinkConfig(args) => emit(
                statelab::engine::report::flink_config::flink_yaml(&simulate(
                    &args,
                    &mut progress,
                )?)
                .trim_end(),
            ),
            Command::Calibrate {
                source,
                seconds,
                json,
                yaml,
                save,
                check_aims,
                workload,
                scale,
            } => calibrate(
                &source,
                &CalibrateOptions {
                    seconds,
                    json,
                    yaml,
                    save: save.as_deref(),
                    check_aims,
                    workload: workload.as_deref(),
                    scale,
                },
                &mut progress,
            ),
            Command::Sweep {
                config,
                params,
                warmup,
                horizon,
                mtbf,
                threads,
                json,
                csv,
                scale,
            } => {
                let config = match &config {
                    Some(path) => read_config(path)?,
                    None => Config::default(),
                };
                if !(mtbf.is_finite() && mtbf > 0.0) {
                    return Err(format!(
                        "--mtbf must be a positive number of seconds, got {mtbf}"
                    ));
                }
                let span = Span {
                    warmup_us: seconds_to_us("--warmup", warmup)?,
                    horizon_us: seconds_to_us("--horizon", horizon)?,
                };
                if span.horizon_us == 0 {
                    return Err("--horizon must be more than 0".into());
                }
                let axes = params
                    .iter()
                    .map(|p| parse_axis(p))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("--param: {e}"))?;
                let choice: ScaleChoice = scale.parse().map_err(|e| format!("--{e}"))?;
                let grid = cells(&config, &axes).map_err(|e| e.to_string())?;
                let reference = grid.iter().position(|c| c.config == config).unwrap_or(0);
                let threads = threads
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
                    .clamp(1, grid.len());
                let plan = sweep_scale::plan(&grid, span, threads, choice, SWEEP_AIM_S, &NATIVE)
                    .map_err(|e| e.to_string())?;
                let grid = scaled_cells(&grid, plan.factor).map_err(|e| e.to_string())?;
                eprintln!("sweep: {plan}");
                // Threads share this machine's memory: refuse a grid whose cells at once
                // would not fit rather than run out of it half-way.
                check_memory(&grid, threads, false, SWEEP_MEMORY_BUDGET)
                    .map_err(|e| e.to_string())?;
                let (results, yamls) = sweep_on_threads(&grid, span, mtbf, threads, &mut progress)?;
                progress.finish();
                // Link time is valued at the real job's bandwidth: a model's bytes are
                // scaled back up to the real job's.
                let bandwidth = rescaled(&config, 1)
                    .map_or(config.link.bandwidth_mbit_s, |c| c.link.bandwidth_mbit_s);
                let advice = recommend(&results, reference, bandwidth, mtbf);
                let front = pareto_front(&results);
                if let Some(path) = &csv {
                    std::fs::write(path, sweep_csv(&results, &front))
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                }
                // The recommended setting as Flink configuration, with its cell's measured
                // comments (written by the cell's thread: no second run of that cell).
                let yaml = advice.as_ref().map(|a| yamls[a.cell].clone());
                if json {
                    emit(&to_json(&serde_json::json!({
                        "scale": plan,
                        "scale_text": plan.to_string(),
                        "cells": results,
                        "pareto_front": front,
                        "recommendation": advice,
                        "recommendation_text": advice.as_ref().map(|a| a.to_string()),
                        "recommended_flink_yaml": yaml,
                    }))?)
                } else {
                    let mut out = format!("Sweep: {plan}.\n\n");
                    out += &sweep_table(&results, &front, advice.as_ref());
                    if let Some(yaml) = yaml {
                        out +=
                            &format!("\nThe recommended setting as Flink configuration:\n{yaml}");
                    }
                    emit(&out)
                }
            }
            Command::ExportFlinkJob { config, out } => {
                let config = match &config {
                    Some(path) => read_config(path)?,
                    None => Config::default(),
                };
                let job = statelab::flink::export::flink_job(&config)?;
                write_files(&out, &job.files)?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let script = out.join("submit.sh");
                    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                        .map_err(|e| format!("{}: {e}", script.display()))?;
                }
                for w in &job.warnings {
                    progress.warn(RUN, w);
                }
                eprintln!(
                    "wrote {} to {} (run it with FLINK_HOME=… CHECKPOINT_DIR=… {}/submit.sh)",
                    job.files
                        .iter()
                        .map(|f| f.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    out.display(),
                    out.display()
                );
                Ok(())
            }
            Command::ExportHistory { run, format, out } => {
                let sim = simulate(&run, &mut progress)?;
                use statelab::flink::export;
                let files = if format == "json" {
                    vec![("history.json".to_string(), export::history_json(&sim)?)]
                } else {
                    vec![
                        (
                            "history.csv".to_string(),
                            export::history_csv(sim.history()),
                        ),
                        ("metrics.csv".to_string(), export::samples_csv(&sim)),
                    ]
                };
                write_files(&out, &files)?;
                eprintln!(
                    "wrote {} to {}",
                    files
                        .iter()
                        .map(|f| f.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    out.display()
                );
                Ok(())
            }
            Command::WhatIf { run, horizon } => {
                let horizon_us = seconds_to_us("--horizon", horizon)?;
                let sim = simulate_then(&run, horizon_us, &mut progress)?;
                let mut forks = WhatIfRun::start(&sim, horizon_us);
                // Slices of a fiftieth of the horizon, as `what_if` takes them.
                while !forks.step(horizon_us.div_ceil(50).max(1)) {
                    progress.fraction("what-if forks", forks.progress());
                }
                progress.finish();
                emit(&to_json(&forks.rows().unwrap_or_default())?)
            }
        }
    }

    /// Runs the cells on `threads` threads, each taking the next cell when it is free;
    /// progress counts cells done. Each cell's result comes with its settings as Flink
    /// YAML, written from its run before the run is dropped.
    fn sweep_on_threads(
        grid: &[Cell],
        span: Span,
        mtbf: f64,
        threads: usize,
        progress: &mut Progress,
    ) -> Result<(Vec<CellResult>, Vec<String>), String> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::mpsc;
        let next = AtomicUsize::new(0);
        let (tx, rx) = mpsc::channel();
        let crash_times = CrashTimes::Exponential { mtbf_s: mtbf };
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let tx = tx.clone();
                let next = &next;
                scope.spawn(move || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(cell) = grid.get(i) else { break };
                    let result = run_cell_keeping(cell, None, span, crash_times, |_| {})
                        .map(|(r, sim)| (r, flink_yaml(&sim)));
                    if tx.send((i, result)).is_err() {
                        break;
                    }
                });
            }
            drop(tx);
            let mut results: Vec<Option<(CellResult, String)>> = vec![None; grid.len()];
            let mut done = 0;
            for (i, result) in rx {
                results[i] = Some(result.map_err(|e| e.to_string())?);
                done += 1;
                progress.fraction(
                    &format!("sweep ({threads} threads)"),
                    done as f64 / grid.len() as f64,
                );
            }
            Ok(results.into_iter().flatten().unzip())
        })
    }

    fn sweep_table(
        results: &[CellResult],
        front: &[usize],
        advice: Option<&Recommendation>,
    ) -> String {
        use statelab::engine::report::format::{bytes_f, duration_us, percent, sig3};
        // A scale model's bytes and replays are estimates of the real job's.
        let approx = if results.iter().any(|r| r.scale > 1) {
            "≈ "
        } else {
            ""
        };
        let mut out = format!(
            "{:<34} {:>12} {:>7} {:>9} {:>10} {:>10} {:>10} {:>12}  {}\n",
            "cell",
            format!("{approx}bytes/h"),
            "link",
            "interval",
            "rec mean",
            "rec p95",
            "rec max",
            format!("{approx}replayed"),
            "notes"
        );
        for (i, r) in results.iter().enumerate() {
            let rec = |f: fn(&statelab::engine::report::exposure::Spread) -> f64| {
                r.exposure
                    .recovery_s
                    .map_or("never".to_string(), |s| format!("{} s", sig3(f(&s))))
            };
            let mut notes = Vec::new();
            if front.contains(&i) {
                notes.push("Pareto");
            }
            if !r.flink_possible {
                notes.push("beyond Flink");
            }
            if r.exposure.never_catches_up > 0 {
                notes.push("cannot catch up");
            }
            let model = format!("scale model 1:{}", r.scale);
            if r.scale > 1 {
                notes.push(&model);
            }
            out += &format!(
                "{:<34} {:>12} {:>7} {:>9} {:>10} {:>10} {:>10} {:>12}  {}\n",
                r.label,
                bytes_f(r.bytes_shipped_per_hour),
                percent(r.link_utilisation),
                r.achieved_interval_s
                    .map_or("—".to_string(), |s| duration_us((s * 1e6) as u64)),
                rec(|s| s.mean),
                rec(|s| s.p95),
                rec(|s| s.max),
                r.exposure
                    .replayed_records
                    .map_or("—".to_string(), |s| format!("{:.0}", s.mean)),
                notes.join(", ")
            );
        }
        if let Some(a) = advice {
            out += &format!("\n{a}\n");
        }
        if let Some(r) = results.first() {
            let m = r.exposure.assumptions;
            out += &format!(
                "\nRecovery is over crash times exponentially distributed with the given MTBF; restore is timed \
at {} Mbit/s, {} ms latency, decode {} MB/s, restart delay {} ms; catch-up is a fluid model \
(drain rate {} records/s: the busiest subtask takes {} of the records){}.\n",
                sig3(m.bandwidth_mbit_s),
                sig3(m.latency_ms),
                sig3(m.decode_mb_s),
                m.restart_delay_ms,
                sig3(m.drain_records_per_s),
                percent(m.busiest_subtask_share),
                if r.scale > 1 {
                    format!(
                        "; these rates are the scale model 1:{}'s, 1/{} of the real job's",
                        r.scale, r.scale
                    )
                } else {
                    String::new()
                }
            );
        }
        out
    }

    fn sweep_csv(results: &[CellResult], front: &[usize]) -> String {
        let mut out = String::from(
            "cell,scale_model,flink_possible,pareto,checkpoints_completed,checkpoints_failed,achieved_interval_s,bytes_shipped_per_hour,link_utilisation,recovery_mean_s,recovery_p50_s,recovery_p95_s,recovery_max_s,replayed_mean,recovery_point_mean_s,never_catches_up\n",
        );
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
        for (i, r) in results.iter().enumerate() {
            let rec = r.exposure.recovery_s;
            out += &format!(
                "\"{}\",1:{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                r.label,
                r.scale,
                r.flink_possible,
                front.contains(&i),
                r.checkpoints_completed,
                r.checkpoints_failed,
                opt(r.achieved_interval_s),
                r.bytes_shipped_per_hour,
                r.link_utilisation,
                opt(rec.map(|s| s.mean)),
                opt(rec.map(|s| s.p50)),
                opt(rec.map(|s| s.p95)),
                opt(rec.map(|s| s.max)),
                opt(r.exposure.replayed_records.map(|s| s.mean)),
                opt(r.exposure.recovery_point_s.map(|s| s.mean)),
                r.exposure.never_catches_up
            );
        }
        out
    }

    /// Writes to stdout; a closed pipe (`| head`) ends the output quietly instead of panicking.
    fn emit(text: &str) -> Result<(), String> {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        match writeln!(out, "{text}") {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.map_err(|e| e.to_string()),
        }
    }

    fn to_json<T: Serialize>(v: &T) -> Result<String, String> {
        serde_json::to_string_pretty(v).map_err(|e| e.to_string())
    }

    fn keygroup(max_p: Option<u32>, p: u32, long: bool, keys: Vec<String>) -> Result<(), String> {
        let part = Partitioning::with_default_max(p, max_p).map_err(|e| e.to_string())?;
        let keys = if keys.is_empty() {
            std::io::stdin()
                .lines()
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?
        } else {
            keys
        };
        let keys =
            keys.into_iter()
                .enumerate()
                .map(|(i, text)| {
                    if long {
                        text.trim().parse().map(Key::Long).map_err(|_| {
                            format!("key {} (`{text}`) is not a 64-bit integer", i + 1)
                        })
                    } else {
                        Ok(Key::Str(text))
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
        let mut table = String::from("key\tjava_hashCode\tkey_group\tsubtask");
        for key in keys {
            let kg = part.key_group_of(&key);
            let text = key.to_string();
            table.push_str(&format!(
                "\n{}\t{}\t{kg}\t{}",
                tsv_field(&text),
                key.java_hash_code(),
                part.subtask_of_key_group(kg)
            ));
        }
        emit(&table)
    }

    /// A key as one TSV field: tab, newline, carriage return and backslash escaped (the
    /// `keygroup --help` text says so), so a key cannot split or shift the columns.
    fn tsv_field(text: &str) -> Cow<'_, str> {
        if !text.contains(['\t', '\n', '\r', '\\']) {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 2);
        for c in text.chars() {
            match c {
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\\' => out.push_str("\\\\"),
                c => out.push(c),
            }
        }
        Cow::Owned(out)
    }

    fn simulate(args: &RunArgs, progress: &mut Progress) -> Result<Simulation, String> {
        simulate_then(args, 0, progress)
    }

    /// Runs `args`; `then_us`: how much further the command runs forks of the run, so a
    /// fault scheduled within it still happens there.
    fn simulate_then(
        args: &RunArgs,
        then_us: u64,
        progress: &mut Progress,
    ) -> Result<Simulation, String> {
        let (config, trace) = job_config(args)?;
        let until = seconds_to_us("--seconds", args.seconds)?;
        let faults = config.faults.clone();
        let mut sim = Simulation::new(config, trace.as_ref()).map_err(|e| e.to_string())?;
        run_to(&mut sim, until, RUN, progress);
        progress.finish();
        warn_late_faults(&faults, until.saturating_add(then_us), RUN, progress);
        Ok(sim)
    }

    /// `restore-from`: the job of `args` started from the checkpoint in `dir` (read and
    /// verified first), run to `--seconds`; the restore and the exactly-once verdict are
    /// reported on stderr.
    fn restore_from(
        dir: &Path,
        args: &RunArgs,
        parallelism: Option<u32>,
        progress: &mut Progress,
    ) -> Result<Simulation, String> {
        let (mut config, trace) = job_config(args)?;
        if let Some(p) = parallelism {
            config.job.parallelism = p;
        }
        let manifest = std::fs::read_to_string(dir.join("manifest.json"))
            .map_err(|e| format!("{}: {e}", dir.join("manifest.json").display()))?;
        let retained = statelab::flink::checkpoint::load(&manifest, |name| {
            std::fs::read(dir.join(name)).map_err(|e| e.to_string())
        })
        .map_err(|e| format!("{}/{e}", dir.display()))?;
        let until = seconds_to_us("--seconds", args.seconds)?;
        if until < retained.stopped_at_us {
            return Err(format!(
                "--seconds {}: the checkpoint was exported at {} virtual s and the restored job \
                 goes on from there; give a later end",
                args.seconds,
                retained.stopped_at_us as f64 / 1e6
            ));
        }
        let faults = config.faults.clone();
        for (i, f) in faults.iter().enumerate() {
            if f.at_ms.saturating_mul(1000) < retained.stopped_at_us {
                progress.warn(
                    RUN,
                    &format!(
                        "faults[{i}] ({} at {} ms) is before the export ({} virtual s) and does not happen in the restored job",
                        f.fault.describe(),
                        f.at_ms,
                        retained.stopped_at_us as f64 / 1e6
                    ),
                );
            }
        }
        let mut sim = Simulation::from_checkpoint(config, trace.as_ref(), &retained)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        eprintln!(
            "restoring checkpoint {} from {} at {} virtual s: taken at parallelism {}, restored at {} ({} key groups); the source resumes at offset {} (its key groups' own offsets {}..={}, each skipping what its chunk holds) and catches up with offset {}, where the exported job stopped",
            retained.checkpoint,
            dir.display(),
            retained.stopped_at_us as f64 / 1e6,
            retained.parallelism,
            sim.partitioning().parallelism(),
            retained.max_parallelism,
            sim.store().latest().map_or(0, |c| c.replay_offset()),
            retained.chunks.iter().map(|c| c.source_offset).min().unwrap_or(0),
            retained.chunks.iter().map(|c| c.source_offset).max().unwrap_or(0),
            retained.stopped_at_offset,
        );
        run_to(&mut sim, until, RUN, progress);
        progress.finish();
        warn_late_faults(&faults, until, RUN, progress);
        let verdict = sim
            .recoveries()
            .iter()
            .find(|r| r.checkpoint == Some(retained.checkpoint))
            .and_then(|r| r.exactly_once.clone());
        match verdict {
            Some(v) if v.differing_key_groups.is_empty() => eprintln!(
                "exactly-once: at source offset {} every key group equals the run without a restore",
                v.offset
            ),
            Some(v) => eprintln!(
                "exactly-once: VIOLATED at source offset {}: key groups {:?} differ from the run without a restore",
                v.offset, v.differing_key_groups
            ),
            None => eprintln!(
                "exactly-once: not checked yet: the restored job has not caught up with offset {} and drained by {} virtual s",
                retained.stopped_at_offset,
                until as f64 / 1e6
            ),
        }
        Ok(sim)
    }

    /// The config and trace of a run's arguments (`--scale` applied).
    fn job_config(args: &RunArgs) -> Result<(Config, Option<Trace>), String> {
        let config = match (&args.config, args.scale) {
            // The real job a model stands for may be larger than a run holds (more keys
            // than `workload.source.key_space` allows): only the model is validated.
            (Some(path), Some(_)) => Config::from_value_unvalidated(
                &statelab::engine::config::parse_json(&read(path)?)
                    .map_err(|e| format!("{}: {e}", path.display()))?,
            )
            .map_err(|e| format!("{}: {e}", path.display()))?,
            (Some(path), None) => read_config(path)?,
            (None, _) => Config::default(),
        };
        let (config, trace) = with_trace(config, args)?;
        let config = match args.scale {
            Some(f) => statelab::engine::scale::rescaled(&config, f)
                .map_err(|e| format!("--scale {f}: {e}"))?,
            None => config,
        };
        Ok((config, trace))
    }

    /// The name progress and warnings give a command's one run.
    const RUN: &str = "run";

    fn read_config(path: &Path) -> Result<Config, String> {
        Config::from_json(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The config and `--trace` must agree on the source: a trace given to a config that
    /// generates its records would be ignored, and a trace source without one has nothing
    /// to run. Without a config file, `--trace` runs the defaults on the trace, its values
    /// summed by key (the counter job: the seed document's example gives `a:1 b:2 c:3
    /// d:4`).
    fn with_trace(mut config: Config, args: &RunArgs) -> Result<(Config, Option<Trace>), String> {
        let is_trace = matches!(config.workload.source, SourceConfig::Trace);
        match (&args.trace, &args.config) {
            (None, Some(path)) if is_trace => Err(format!(
                "{}: workload.source is `trace`: give the records with --trace FILE.csv",
                path.display()
            )),
            (None, _) => Ok((config, None)),
            (Some(trace), Some(path)) if !is_trace => Err(format!(
                "--trace {}: {}'s workload.source is `{}`, so the trace would be ignored; to run \
                 it, set \"workload\": {{\"source\": {{\"kind\": \"trace\"}}}} in the config",
                trace.display(),
                path.display(),
                source_kind(&config.workload.source)
            )),
            (Some(trace), config_file) => {
                config.workload.source = SourceConfig::Trace;
                if config_file.is_none() {
                    config.workload.value_model =
                        statelab::engine::partitioning::workload::ValueModel::Counter;
                }
                let column = |flag: &str, text: &Option<String>| {
                    Column::parse(text.as_deref().unwrap_or(""))
                        .map_err(|e| format!("--{flag}: {e}"))
                };
                let format = TraceFormat {
                    key: column("key-column", &args.key_column)?,
                    value: column("value-column", &args.value_column)?,
                };
                let (records, layout) = Trace::parse(&read(trace)?, KeyKind::String, &format)
                    .map_err(|e| format!("{}: {e}", trace.display()))?;
                eprintln!("{}: {layout}", trace.display());
                Ok((config, Some(records)))
            }
        }
    }

    fn source_kind(source: &SourceConfig) -> &'static str {
        match source {
            SourceConfig::Generated { .. } => "generated",
            SourceConfig::SeedExample => "seed_example",
            SourceConfig::Trace => "trace",
        }
    }

    /// Advances `sim` to `until_us` in slices, for the progress line and the warnings.
    /// Slices end on multiples of the sampling interval, where the engine stops anyway,
    /// so the run is the one a single `advance_to` gives (tests/cli.rs checks the digest).
    fn run_to(sim: &mut Simulation, until_us: u64, what: &str, progress: &mut Progress) {
        let mut faults = FaultWatch::new(sim);
        progress.begin(what);
        loop {
            let next = (sim.now_us() / SAMPLE_INTERVAL_US + 1) * SAMPLE_INTERVAL_US;
            sim.advance_to(next.min(until_us));
            faults.report(sim, what, progress);
            if sim.now_us() >= until_us {
                return;
            }
            progress.virtual_time(what, sim.now_us(), until_us);
        }
    }

    /// Scheduled faults the run could not apply (the engine keeps them as typed refusals),
    /// reported once each.
    struct FaultWatch {
        seen: usize,
    }

    impl FaultWatch {
        fn new(sim: &Simulation) -> Self {
            Self {
                seen: sim.refused_faults().len(),
            }
        }

        fn report(&mut self, sim: &Simulation, what: &str, progress: &mut Progress) {
            for refusal in &sim.refused_faults()[self.seen..] {
                progress.warn(
                    what,
                    &format!(
                        "at {:.3} virtual s a scheduled fault was not applied ({}): {}",
                        refusal.at_us as f64 / 1e6,
                        refusal.fault,
                        refusal.error
                    ),
                );
            }
            self.seen = sim.refused_faults().len();
        }
    }

    /// Faults scheduled after the end of the run never happen; say so rather than let a
    /// schedule look applied.
    fn warn_late_faults(
        faults: &[ScheduledFault],
        end_us: u64,
        what: &str,
        progress: &mut Progress,
    ) {
        for (i, f) in faults.iter().enumerate() {
            if f.at_ms.saturating_mul(1000) > end_us {
                progress.warn(
                    what,
                    &format!(
                    "faults[{i}] ({} at {} ms) is after the end of the run ({} virtual s) and was not applied",
                    f.fault.describe(),
                    f.at_ms,
                        end_us as f64 / 1e6
                    ),
                );
            }
        }
    }

    /// Progress on stderr for runs longer than a second of wall time: on a terminal one
    /// line redrawn at most 4 times a second, otherwise a plain line every 5 seconds (logs
    /// stay short). `STATELAB_PROGRESS_AFTER_MS` moves the one-second threshold (tests).
    struct Progress {
        started: Instant,
        after: Duration,
        every: Duration,
        last: Option<Instant>,
        shown_any: bool,
        tty: bool,
        /// A `\r` line is on the terminal and must be ended before other output.
        open_line: bool,
        /// The phase being reported and when it began, for its rate.
        phase: Option<(String, Instant)>,
        last_text: String,
    }

    impl Progress {
        fn new() -> Self {
            let tty = std::io::stderr().is_terminal();
            let after = std::env::var("STATELAB_PROGRESS_AFTER_MS")
                .ok()
                .and_then(|v| v.parse().ok())
                .map_or(Duration::from_secs(1), Duration::from_millis);
            Self {
                started: Instant::now(),
                after,
                every: if tty {
                    Duration::from_millis(250)
                } else {
                    Duration::from_secs(5)
                },
                last: None,
                shown_any: false,
                tty,
                open_line: false,
                phase: None,
                last_text: String::new(),
            }
        }

        /// Starts a phase (a run, the forks): its rate counts from here.
        fn begin(&mut self, what: &str) {
            if self.phase.as_ref().is_none_or(|(p, _)| p != what) {
                self.phase = Some((what.to_string(), Instant::now()));
            }
        }

        /// Virtual seconds per wall second in this phase, once there is a wall time to
        /// divide by.
        fn rate(&self, done_s: f64) -> Option<f64> {
            let wall = self.phase.as_ref()?.1.elapsed().as_secs_f64();
            (wall >= 0.05).then(|| done_s / wall)
        }

        fn virtual_time(&mut self, what: &str, done_us: u64, total_us: u64) {
            self.begin(what);
            if self.due() {
                let (done, total) = (done_us as f64 / 1e6, total_us as f64 / 1e6);
                let rate = self
                    .rate(done)
                    .map_or(String::new(), |r| format!(", {r:.1} virtual s per wall s"));
                self.show(format!(
                    "{what}: {done:.1} / {total:.1} virtual s ({:.0} %){rate}",
                    100.0 * done / total.max(1e-9)
                ));
            }
        }

        fn fraction(&mut self, what: &str, done: f64) {
            self.begin(what);
            if self.due() {
                self.show(format!("{what}: {:.0} %", done * 100.0));
            }
        }

        fn due(&self) -> bool {
            let now = Instant::now();
            now.duration_since(self.started) >= self.after
                && self
                    .last
                    .is_none_or(|t| now.duration_since(t) >= self.every)
        }

        fn show(&mut self, text: String) {
            self.last = Some(Instant::now());
            self.shown_any = true;
            let mut err = std::io::stderr().lock();
            if self.tty {
                // Pad over a longer previous line instead of relying on terminal escapes.
                let pad = self
                    .last_text
                    .chars()
                    .count()
                    .saturating_sub(text.chars().count());
                let _ = write!(err, "\rstatelab-cli: {text}{}", " ".repeat(pad));
                self.open_line = true;
            } else {
                let _ = writeln!(err, "statelab-cli: {text}");
            }
            let _ = err.flush();
            self.last_text = text;
        }

        fn end_line(&mut self) {
            if std::mem::take(&mut self.open_line) {
                eprintln!();
            }
        }

        /// A warning about `what` (the run, or one config of a comparison).
        fn warn(&mut self, what: &str, text: &str) {
            self.end_line();
            if what == RUN {
                eprintln!("statelab-cli: warning: {text}");
            } else {
                eprintln!("statelab-cli: warning: {what}: {text}");
            }
        }

        /// Ends a phase: if progress was shown, its last line says the phase is done.
        fn finish(&mut self) {
            if let Some((what, since)) = self.phase.take() {
                if self.shown_any {
                    let wall = since.elapsed().as_secs_f64();
                    self.show(format!("{what}: done in {wall:.1} wall s"));
                }
            }
            self.end_line();
            self.last_text.clear();
            // The next phase reports at once if the command has already run long.
            self.last = None;
        }
    }

    fn seconds_to_us(flag: &str, seconds: f64) -> Result<u64, String> {
        if seconds.is_finite() && (0.0..=86_400.0).contains(&seconds) {
            // Rounded: 2.05 s is 2 049 999.99… µs in binary floating point.
            Ok((seconds * 1e6).round() as u64)
        } else {
            Err(format!("{flag} must be between 0 and 86400, got {seconds}"))
        }
    }

    #[derive(Serialize)]
    struct CompareRow {
        config: String,
        policy: &'static str,
        codec: &'static str,
        incremental: bool,
        completed: u64,
        failed: u64,
        avg_duration_ms: f64,
        avg_checkpointed_bytes: f64,
        shipped_bytes_per_hour: f64,
        link_utilisation: f64,
        recoveries: usize,
        avg_recovery_ms: Option<f64>,
        exactly_once: &'static str,
    }

    fn compare(
        configs: &[PathBuf],
        seconds: f64,
        json: bool,
        progress: &mut Progress,
    ) -> Result<(), String> {
        let until = seconds_to_us("--seconds", seconds)?;
        // Every file is read before any runs, so a bad one is named at once.
        let mut loaded = Vec::new();
        for path in configs {
            loaded.push(read_config(path)?);
        }
        let mut seed = None;
        let mut rows = Vec::new();
        for (i, (path, mut config)) in configs.iter().zip(loaded).enumerate() {
            // The same seed for every run, so differences come from the settings alone.
            config.seed = *seed.get_or_insert(config.seed);
            let faults = config.faults.clone();
            let mut sim =
                Simulation::new(config, None).map_err(|e| format!("{}: {e}", path.display()))?;
            let what = format!(
                "{} ({}/{})",
                path.file_stem().map_or_else(
                    || path.display().to_string(),
                    |s| s.to_string_lossy().into()
                ),
                i + 1,
                configs.len()
            );
            run_to(&mut sim, until, &what, progress);
            progress.finish();
            warn_late_faults(&faults, until, &what, progress);
            let done: Vec<_> = sim
                .history()
                .iter()
                .filter(|h| {
                    h.status == statelab::engine::report::stats::CheckpointStatus::Completed
                })
                .collect();
            let mean =
                |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
            let recoveries: Vec<_> = sim
                .recoveries()
                .iter()
                .filter_map(|r| r.recovery_time_us())
                .collect();
            let checks: Vec<bool> = sim
                .recoveries()
                .iter()
                .filter_map(|r| r.exactly_once.as_ref().map(|e| e.ok()))
                .collect();
            let totals = sim.totals();
            let c = sim.config();
            rows.push(CompareRow {
                config: path.file_stem().map_or_else(
                    || path.display().to_string(),
                    |s| s.to_string_lossy().into_owned(),
                ),
                policy: c.checkpointing.policy.name(),
                codec: c.checkpointing.codec.name(),
                incremental: c.checkpointing.incremental,
                completed: totals.completed,
                failed: totals.failed,
                avg_duration_ms: mean(
                    done.iter()
                        .filter_map(|h| h.end_to_end_duration_us)
                        .map(|d| d as f64 / 1000.0)
                        .collect(),
                )
                .unwrap_or(0.0),
                avg_checkpointed_bytes: mean(
                    done.iter()
                        .map(|h| h.checkpointed_data_size as f64)
                        .collect(),
                )
                .unwrap_or(0.0),
                shipped_bytes_per_hour: totals.shipped_encoded as f64 / (until as f64 / 3.6e9),
                link_utilisation: totals.uploaded as f64
                    / (c.link.bandwidth_mbit_s * 1e6 / 8.0 * until as f64 / 1e6),
                recoveries: sim.recoveries().len(),
                avg_recovery_ms: mean(recoveries.iter().map(|r| *r as f64 / 1000.0).collect()),
                exactly_once: match (checks.is_empty(), checks.iter().all(|x| *x)) {
                    (true, _) => "n/a",
                    (false, true) => "ok",
                    (false, false) => "VIOLATED",
                },
            });
        }
        if json {
            return emit(&to_json(&rows)?);
        }
        let mut table = format!(
            "{:<28} {:<28} {:<6} {:<5} {:>5} {:>5} {:>10} {:>12} {:>12} {:>6} {:>5} {:>10} {}",
            "config",
            "policy",
            "codec",
            "incr",
            "done",
            "fail",
            "avg ms",
            "avg bytes",
            "bytes/h",
            "link%",
            "recov",
            "recov ms",
            "exactly-once"
        );
        for r in &rows {
            table.push_str(&format!(
                "\n{:<28} {:<28} {:<6} {:<5} {:>5} {:>5} {:>10.1} {:>12.0} {:>12.3e} {:>6.1} {:>5} {:>10} {}",
                r.config,
                r.policy,
                r.codec,
                r.incremental,
                r.completed,
                r.failed,
                r.avg_duration_ms,
                r.avg_checkpointed_bytes,
                r.shipped_bytes_per_hour,
                r.link_utilisation * 100.0,
                r.recoveries,
                r.avg_recovery_ms.map_or("-".into(), |m| format!("{m:.1}")),
                r.exactly_once
            ));
        }
        emit(&table)
    }

    fn write_files<B: AsRef<[u8]>>(dir: &Path, files: &[(String, B)]) -> Result<(), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(())
    }

    /// `calibrate`'s flags, as the command line gave them.
    struct CalibrateOptions<'a> {
        seconds: Option<f64>,
        json: bool,
        yaml: bool,
        save: Option<&'a Path>,
        check_aims: bool,
        workload: Option<&'a Path>,
        scale: Option<u32>,
    }

    /// `calibrate`: load, derive, run, compare; all errors name their file and field.
    fn calibrate(
        source: &str,
        options: &CalibrateOptions<'_>,
        progress: &mut Progress,
    ) -> Result<(), String> {
        use statelab::flink;
        let &CalibrateOptions {
            seconds,
            json,
            yaml,
            save,
            check_aims,
            workload,
            scale,
        } = options;
        // Read before anything is fetched: a bad file is refused before the network.
        let known = match workload {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let value = statelab::engine::config::parse_json(&text)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                Some((value, path.display().to_string()))
            }
            None => None,
        };
        let answers = if source.contains("://") {
            let files = flink::http::fetch_job(source).map_err(|e| e.to_string())?;
            if let Some(dir) = save {
                write_files(dir, &files)?;
                eprintln!("saved {} answers to {}", files.len(), dir.display());
            }
            flink::rest::load(&files)
        } else {
            if save.is_some() {
                return Err(
                    "--save keeps answers fetched from a URL; the source is already a directory"
                        .into(),
                );
            }
            flink::rest::load_dir(Path::new(source))
        }
        .map_err(|e| e.to_string())?;
        let mut cal = flink::calibrate(&answers).map_err(|e| e.to_string())?;
        if let Some((value, path)) = &known {
            cal = flink::known::apply(&cal, value, path).map_err(|e| e.to_string())?;
        }
        if let Some(f) = scale {
            cal.config = statelab::engine::scale::rescaled(&cal.config, f)
                .map_err(|e| format!("--scale {f}: {e}"))?;
        }
        let secs = seconds.unwrap_or(cal.real.running_s);
        let until = seconds_to_us("--seconds", secs)?;
        if until == 0 {
            return Err(
                "the answers give no running time (no RUNNING timestamp): pass --seconds".into(),
            );
        }
        let mut sim = Simulation::new(cal.config.clone(), None).map_err(|e| e.to_string())?;
        run_to(&mut sim, until, RUN, progress);
        progress.finish();
        let comparison = flink::compare::compare_with(&cal, &sim, until as f64 / 1e6);
        let misses = flink::size_aims(&comparison);
        if json {
            #[derive(Serialize)]
            struct Doc<'a> {
                calibration: &'a flink::Calibration,
                comparison: &'a flink::Comparison,
                size_aims_missed: &'a [String],
            }
            emit(&to_json(&Doc {
                calibration: &cal,
                comparison: &comparison,
                size_aims_missed: &misses,
            })?)?;
        } else {
            let settings = if yaml {
                statelab::engine::report::flink_config::flink_yaml(&sim)
            } else {
                to_json(&cal.config)?
            };
            emit(&format!(
                "{cal}derived config{}:\n{}\n\n{comparison}size aims (±2 %): {}",
                if yaml {
                    " as Flink YAML (comments: the lab's run)"
                } else {
                    ""
                },
                settings.trim_end(),
                if misses.is_empty() {
                    "met".to_string()
                } else {
                    format!("missed\n  {}", misses.join("\n  "))
                }
            ))?;
        }
        if check_aims && !misses.is_empty() {
            return Err(format!(
                "the lab's sizes miss real Flink's by more than ±2 %: {}",
                misses.join("; ")
            ));
        }
        Ok(())
    }

    fn read(path: &Path) -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
    }

    #[derive(Serialize)]
    struct Summary<'a> {
        virtual_seconds: f64,
        source_offset: u64,
        records_processed: u64,
        counts: &'a statelab::engine::report::stats::CheckpointCounts,
        summary: statelab::engine::report::summary::CheckpointSummary,
        job_metrics: statelab::engine::report::summary::JobMetrics,
        state_bytes: u64,
        store_bytes: u64,
        history: &'a [CheckpointStats],
        recoveries: &'a [RecoveryStats],
        transfers: statelab::engine::report::stats::TransferCounts,
        policy: statelab::engine::report::view::PolicyView,
        seed_model: statelab::engine::report::view::SeedModel,
        samples: Vec<&'a statelab::engine::report::metrics::Sample>,
        /// A scale model's figures as the real job's (absent for a run at 1:1): the other
        /// figures are the model's own.
        #[serde(skip_serializing_if = "Option::is_none")]
        scale_model: Option<statelab::engine::scale::Figures>,
    }

    impl<'a> Summary<'a> {
        fn of(sim: &'a Simulation) -> Self {
            let max_p = sim.partitioning().max_parallelism();
            Summary {
                virtual_seconds: sim.now_us() as f64 / 1e6,
                source_offset: sim.source_offset(),
                records_processed: sim.records_processed(),
                counts: sim.counts(),
                summary: sim.checkpoint_summary(),
                job_metrics: sim.job_metrics(),
                state_bytes: (0..max_p)
                    .map(|kg| sim.key_group_state(kg).raw_bytes())
                    .sum(),
                store_bytes: sim.store().stored_bytes(),
                history: sim.history(),
                recoveries: sim.recoveries(),
                transfers: sim.transfer_counts(),
                policy: sim.view().policy,
                seed_model: sim.seed_model(64 * 1024 * 1024),
                // One sample per virtual second keeps the summary readable.
                samples: sim.samples().step_by(10).collect(),
                scale_model: (statelab::engine::scale::factor(sim.config()) > 1)
                    .then(|| statelab::engine::scale::Figures::of(sim)),
            }
        }
    }

    /// Writes the latest completed checkpoint as Flink lays it out: one state file per
    /// keyed subtask (its header, then its key groups in order, each as the heap backend
    /// writes it) and a manifest with each key group's offset, source offset and sizes.
    fn export(sim: &Simulation, out: &Path) -> Result<(), String> {
        let exported = statelab::flink::checkpoint::export(sim)?;
        std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
        for w in &exported.warnings {
            eprintln!("statelab-cli: warning: {w}");
        }
        write_files(out, &exported.files)?;
        let m = &exported.manifest;
        std::fs::write(out.join("manifest.json"), to_json(m)?)
            .map_err(|e| format!("manifest.json: {e}"))?;
        eprintln!(
            "wrote checkpoint {} ({} state files, {} key groups) to {}",
            m.checkpoint,
            m.parallelism,
            m.chunks.len(),
            out.display()
        );
        Ok(())
    }

    /// `read-checkpoint`: verify and decode an exported checkpoint, print its files, key
    /// groups and `key:value` lines (at most `limit`).
    fn read_checkpoint(dir: &Path, limit: usize) -> Result<(), String> {
        use statelab::flink::checkpoint;
        let manifest = std::fs::read_to_string(dir.join("manifest.json"))
            .map_err(|e| format!("{}: {e}", dir.join("manifest.json").display()))?;
        let back = checkpoint::read(&manifest, |name| {
            std::fs::read(dir.join(name)).map_err(|e| e.to_string())
        })
        .map_err(|e| format!("{}/{e}", dir.display()))?;
        let entries = back.entries();
        let mut text = format!(
            "checkpoint {} at source offset {}: parallelism {}, {} key groups, {} keys; every file verified and decoded\n",
            back.checkpoint,
            back.source_offset,
            back.parallelism,
            back.max_parallelism,
            entries.len()
        );
        for (file, bytes, groups) in &back.files {
            text.push_str(&format!("  {file}: {bytes} B, {groups} key groups\n"));
        }
        let lines = entries
            .iter()
            .map(|(key, value)| format!("{key}:{}", checkpoint::show_value(value)));
        push_limited(&mut text, lines, entries.len(), limit);
        emit(text.trim_end())
    }

    /// At most `limit` of `total` lines, then a line counting the rest.
    fn push_limited(
        text: &mut String,
        lines: impl Iterator<Item = String>,
        total: usize,
        limit: usize,
    ) {
        for line in lines.take(limit) {
            text.push_str(&line);
            text.push('\n');
        }
        if total > limit {
            text.push_str(&format!(
                "… {} more keys ({total} in all; --limit shows more)\n",
                total - limit
            ));
        }
    }

    /// `result`: the job's keyed result after the run, `key:value` sorted (at most `limit`).
    fn print_result(sim: &Simulation, limit: usize) -> Result<(), String> {
        let rows = statelab::engine::report::result::keyed_result(sim);
        let mut text = String::new();
        push_limited(
            &mut text,
            rows.iter().map(ToString::to_string),
            rows.len(),
            limit,
        );
        emit(text.trim_end())
    }
}
