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
    use statelab::engine::partitioning::keygroups::{Key, Partitioning};
    use statelab::engine::partitioning::trace::Trace;
    use statelab::engine::partitioning::workload::{KeyKind, SourceConfig};
    use statelab::engine::report::stats::{CheckpointStats, RecoveryStats};
    use statelab::engine::sim::Simulation;
    use statelab::engine::transfer::store::ChunkRef;
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;

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
        /// Print a digest of the run's observable state (for cross-target determinism checks).
        Digest {
            #[command(flatten)]
            run: RunArgs,
            /// Digest of the built-in reference run instead (the browser build computes the same).
            #[arg(long)]
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
        /// `key,value` CSV trace, for configs whose source is `trace`.
        #[arg(long)]
        trace: Option<PathBuf>,
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
        match command {
            Command::Keygroup {
                max_parallelism,
                parallelism,
                long,
                keys,
            } => keygroup(max_parallelism, parallelism, long, keys),
            Command::Simulate(args) => {
                let sim = simulate(&args)?;
                emit(&to_json(&Summary::of(&sim))?)
            }
            Command::ExportCheckpoint { run, out } => export(&simulate(&run)?, &out),
            Command::Digest {
                reference: true, ..
            } => emit(&statelab::engine::selfcheck::reference_digest()),
            Command::Digest { run, .. } => emit(&format!("{:016x}", simulate(&run)?.digest())),
            Command::DefaultConfig => emit(&to_json(&Config::default())?),
            Command::Compare {
                configs,
                seconds,
                json,
            } => compare(&configs, seconds, json),
            Command::FlinkConfig(args) => emit(
                statelab::engine::report::flink_config::flink_yaml(&simulate(&args)?).trim_end(),
            ),
            Command::WhatIf { run, horizon } => {
                let sim = simulate(&run)?;
                let horizon_us = seconds_to_us("--horizon", horizon)?;
                emit(&to_json(&statelab::engine::report::whatif::what_if(
                    &sim, horizon_us,
                ))?)
            }
        }
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
            table.push_str(&format!(
                "\n{key}\t{}\t{kg}\t{}",
                key.java_hash_code(),
                part.subtask_of_key_group(kg)
            ));
        }
        emit(&table)
    }

    fn simulate(args: &RunArgs) -> Result<Simulation, String> {
        let config = match &args.config {
            Some(path) => {
                Config::from_json(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => Config::default(),
        };
        let trace = match &args.trace {
            Some(path) => {
                let kind = match &config.workload.source {
                    SourceConfig::Generated { key_kind, .. } => *key_kind,
                    _ => KeyKind::String,
                };
                Some(
                    Trace::parse_csv(&read(path)?, kind)
                        .map_err(|e| format!("{}: {e}", path.display()))?,
                )
            }
            None => None,
        };
        let until = seconds_to_us("--seconds", args.seconds)?;
        let mut sim = Simulation::new(config, trace.as_ref()).map_err(|e| e.to_string())?;
        sim.advance_to(until);
        Ok(sim)
    }

    fn seconds_to_us(flag: &str, seconds: f64) -> Result<u64, String> {
        if seconds.is_finite() && (0.0..=86_400.0).contains(&seconds) {
            Ok((seconds * 1e6) as u64)
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

    fn compare(configs: &[PathBuf], seconds: f64, json: bool) -> Result<(), String> {
        let until = seconds_to_us("--seconds", seconds)?;
        let mut seed = None;
        let mut rows = Vec::new();
        for path in configs {
            let mut config =
                Config::from_json(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
            // The same seed for every run, so differences come from the settings alone.
            config.seed = *seed.get_or_insert(config.seed);
            let mut sim =
                Simulation::new(config, None).map_err(|e| format!("{}: {e}", path.display()))?;
            sim.advance_to(until);
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
            }
        }
    }

    #[derive(Serialize)]
    struct ManifestEntry {
        key_group: u32,
        chunk: u64,
        file: String,
        codec: &'static str,
        raw_bytes: u64,
        encoded_bytes: u64,
        uploaded_by_checkpoint: u64,
    }

    #[derive(Serialize)]
    struct Manifest {
        checkpoint: u64,
        source_offset: u64,
        parallelism: u32,
        max_parallelism: u32,
        value_model: statelab::engine::partitioning::workload::ValueModel,
        chunks: Vec<ManifestEntry>,
    }

    fn export(sim: &Simulation, out: &Path) -> Result<(), String> {
        let cp = sim
            .store()
            .latest()
            .ok_or("no checkpoint completed in the simulated time; raise --seconds")?;
        std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
        let mut chunks = Vec::new();
        for ChunkRef {
            key_group, chunk, ..
        } in &cp.manifest
        {
            let c = sim
                .store()
                .chunk(*chunk)
                .ok_or_else(|| format!("chunk {chunk} is missing from the store"))?;
            let file = format!("kg-{key_group:05}.{}", c.codec.extension());
            std::fs::write(out.join(&file), c.bytes.as_slice())
                .map_err(|e| format!("{file}: {e}"))?;
            chunks.push(ManifestEntry {
                key_group: *key_group,
                chunk: *chunk,
                file,
                codec: c.codec.name(),
                raw_bytes: c.raw_len,
                encoded_bytes: c.bytes.len() as u64,
                uploaded_by_checkpoint: c.checkpoint,
            });
        }
        let manifest = Manifest {
            checkpoint: cp.id,
            source_offset: cp.offset,
            parallelism: cp.parallelism,
            max_parallelism: sim.partitioning().max_parallelism(),
            value_model: sim.workload().config().value_model,
            chunks,
        };
        std::fs::write(out.join("manifest.json"), to_json(&manifest)?)
            .map_err(|e| format!("manifest.json: {e}"))?;
        eprintln!(
            "wrote checkpoint {} ({} chunks) to {}",
            cp.id,
            cp.manifest.len(),
            out.display()
        );
        Ok(())
    }
}
