//! Calibration from real Flink 2.3.0 REST answers (`tests/data/flink-real/`, copied from the
//! recorded runs; `roundtrip-counter` is a capture of `scripts/flink-roundtrip.sh`): each run
//! loads and calibrates to its recorded settings, the comparison runs, and bad or partial
//! answers are refused or reported by file and field.

use statelab::engine::partitioning::workload::{RateProfile, SourceConfig};
use statelab::engine::state::codec::Codec;
use statelab::flink::calibrate::{Backend, Source};
use statelab::flink::{self, compare, rest};
use std::path::PathBuf;

fn dir(run: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/flink-real")
        .join(run)
}

fn files(run: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir(run))
        .expect("fixture dir")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).expect("text"),
            )
        })
        .collect();
    out.sort();
    out
}

fn calibrate(run: &str) -> flink::Calibration {
    let answers = rest::load_dir(&dir(run)).unwrap_or_else(|e| panic!("{run}: {e}"));
    flink::calibrate(&answers).unwrap_or_else(|e| panic!("{run}: {e}"))
}

struct Expect {
    run: &'static str,
    interval_ms: u64,
    backend: Backend,
    incremental: bool,
    codec: Codec,
}

const RUNS: [Expect; 5] = [
    Expect {
        run: "seed",
        interval_ms: 2_000,
        backend: Backend::HashMap,
        incremental: false,
        codec: Codec::None,
    },
    Expect {
        run: "count-hashmap-nocomp",
        interval_ms: 3_000,
        backend: Backend::HashMap,
        incremental: false,
        codec: Codec::None,
    },
    Expect {
        run: "count-hashmap-comp",
        interval_ms: 3_000,
        backend: Backend::HashMap,
        incremental: false,
        codec: Codec::Snappy,
    },
    Expect {
        run: "count-rocksdb-incr",
        interval_ms: 3_000,
        backend: Backend::RocksDb,
        incremental: true,
        // Snapshot compression does not apply to RocksDB; its own block compression is
        // approximated by Snappy chunks, and the provenance says so.
        codec: Codec::Snappy,
    },
    Expect {
        run: "count-rocksdb-full",
        interval_ms: 3_000,
        backend: Backend::RocksDb,
        incremental: false,
        codec: Codec::Snappy,
    },
];

#[test]
fn every_recorded_run_calibrates_to_its_settings() {
    for e in &RUNS {
        let cal = calibrate(e.run);
        let c = &cal.config;
        assert_eq!(c.job.parallelism, 2, "{}", e.run);
        assert_eq!(c.job.max_parallelism, Some(128), "{}", e.run);
        assert_eq!(
            c.checkpointing.interval_ms,
            Some(e.interval_ms),
            "{}",
            e.run
        );
        assert_eq!(c.checkpointing.min_pause_ms, 500, "{}", e.run);
        assert_eq!(c.checkpointing.timeout_ms, 60_000, "{}", e.run);
        assert_eq!(c.checkpointing.max_concurrent, 1, "{}", e.run);
        assert_eq!(c.checkpointing.tolerable_failed, 3, "{}", e.run);
        assert_eq!(cal.backend, e.backend, "{}", e.run);
        assert_eq!(c.checkpointing.incremental, e.incremental, "{}", e.run);
        assert_eq!(c.checkpointing.codec, e.codec, "{}", e.run);
        // Every setting says where it came from.
        for setting in [
            "job.parallelism",
            "job.max_parallelism",
            "checkpointing.interval_ms",
            "checkpointing.min_pause_ms",
            "checkpointing.timeout_ms",
            "checkpointing.max_concurrent",
            "checkpointing.tolerable_failed",
            "checkpointing.incremental",
            "checkpointing.codec",
            "workload.source.key_space",
            "workload.rate.records_per_s",
            "link.bandwidth_mbit_s",
            "link.latency_ms",
        ] {
            assert!(
                cal.provenance.iter().any(|p| p.setting == setting),
                "{}: no provenance for {setting}",
                e.run
            );
        }
        assert!(
            cal.not_inferred
                .iter()
                .any(|n| n.what == "key distribution and order"),
            "{}",
            e.run
        );
        assert!(!cal.real.checkpoints.is_empty(), "{}", e.run);
        assert!(
            cal.real.checkpoints.iter().all(|c| c.keyed_only),
            "{}: details-all gives the keyed vertex's sizes",
            e.run
        );
    }
}

#[test]
fn count_runs_read_the_record_rate_from_the_final_counters() {
    // The jobs ran at RateLimiterStrategy.perSecond(15000). job.json's read-records over the
    // vertex's duration says so (≈14.96k/s); the sampled numRecordsIn metric lags by up to
    // Flink's metric fetch interval (10 s) and gives ≈13.3k/s, which the provenance shows.
    for run in [
        "count-hashmap-nocomp",
        "count-hashmap-comp",
        "count-rocksdb-incr",
        "count-rocksdb-full",
    ] {
        let cal = calibrate(run);
        let RateProfile::Constant { records_per_s } = cal.config.workload.rate else {
            panic!("{run}: not a constant rate");
        };
        assert!(
            (14_800.0..15_100.0).contains(&records_per_s),
            "{run}: {records_per_s}"
        );
        let p = cal
            .provenance
            .iter()
            .find(|p| p.setting == "workload.rate.records_per_s")
            .unwrap();
        assert!(
            matches!(&p.source, Source::Derived { how, .. } if how.contains("numRecordsIn says")),
            "{run}: {:?}",
            p.source
        );
    }
}

#[test]
fn the_uncompressed_heap_run_gives_its_exact_key_count() {
    let cal = calibrate("count-hashmap-nocomp");
    let SourceConfig::Generated { key_space, .. } = cal.config.workload.source else {
        panic!("not generated");
    };
    assert_eq!(key_space, 100_000);
    // The estimate is labelled as one.
    let p = cal
        .provenance
        .iter()
        .find(|p| p.setting == "workload.source.key_space")
        .unwrap();
    assert!(matches!(p.source, Source::Estimated { .. }));
}

#[test]
fn the_finished_seed_job_bounds_the_source() {
    let cal = calibrate("seed");
    assert_eq!(cal.real.job_state, "FINISHED");
    assert_eq!(cal.config.workload.limit, Some(4));
    assert_eq!(cal.real.completed, 10);
}

#[test]
fn the_comparison_runs_for_every_recorded_run() {
    for e in &RUNS {
        let cal = calibrate(e.run);
        // A shorter run than the real one keeps the debug-build test quick; the figures
        // are all there.
        let cmp = compare(&cal, Some(12.0)).unwrap_or_else(|err| panic!("{}: {err}", e.run));
        assert_eq!(cmp.rows.len(), 9, "{}", e.run);
        for row in &cmp.rows {
            assert!(
                row.real.is_some(),
                "{}: {} has no real figure",
                e.run,
                row.figure
            );
        }
        let text = cmp.to_string();
        assert!(text.contains("real vs simulated"), "{text}");
        assert!(
            text.contains("state size, median of the second half"),
            "{text}"
        );
    }
}

#[test]
fn a_recorded_heap_run_compares_within_its_key_names_gap() {
    let cal = calibrate("count-hashmap-nocomp");
    let cmp = compare(&cal, None).unwrap();
    let state = cmp
        .rows
        .iter()
        .find(|r| r.figure == "state size, median of the second half")
        .unwrap();
    assert_eq!(state.real, Some(1_904_924.0));
    // The lab writes Flink's heap format; what is left is the workload: the lab's keys
    // are `user-N`, the recorded job's `key-%05d` (shorter).
    assert!(state.error.unwrap().abs() < 0.1, "{:?}", state.error);
    let count = cmp
        .rows
        .iter()
        .find(|r| r.figure == "completed checkpoints")
        .unwrap();
    assert_eq!(count.real, Some(16.0));
}

/// The round trip's aim: the lab's prediction for the exported job within ±2 % of the sizes
/// real Flink reported for it (`roundtrip-counter`: 20,000 keys, `ValueState<Long>`, captured by scripts/flink-roundtrip.sh).
#[test]
fn the_round_trip_meets_the_size_aim() {
    let cal = calibrate("roundtrip-counter");
    let cmp = compare(&cal, None).unwrap();
    let misses = flink::size_aims(&cmp);
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

#[test]
fn the_exported_job_is_calibrated_from_its_own_config() {
    let cal = calibrate("roundtrip-counter");
    let exported: statelab::engine::config::Config = statelab::engine::config::Config::from_json(
        &std::fs::read_to_string(dir("roundtrip-counter.config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(cal.config.workload, exported.workload);
    assert_eq!(cal.config.seed, exported.seed);
    assert_eq!(cal.config.checkpointing.num_retained, 3);
    assert_eq!(cal.config.checkpointing.codec, Codec::None);
    let p = cal
        .provenance
        .iter()
        .find(|p| p.setting == "workload")
        .unwrap();
    assert!(matches!(&p.source, Source::Field { field, .. } if field.ends_with("statelab.config")));
}

// ---------------------------------------------------------------- bad and partial answers

fn with(run: &str, name: &str, text: Option<&str>) -> Vec<(String, String)> {
    let mut f = files(run);
    f.retain(|(n, _)| n != name);
    if let Some(t) = text {
        f.push((name.to_string(), t.to_string()));
    }
    f
}

#[test]
fn a_syntax_error_names_the_file_and_line() {
    let good = files("count-hashmap-nocomp")
        .into_iter()
        .find(|f| f.0 == "checkpoints-config.json")
        .unwrap()
        .1;
    let bad = format!(
        "{{\n  \"interval\": 3000,\n  \"timeout\": ,\n{}",
        &good[1..]
    );
    let err = rest::load(&with(
        "count-hashmap-nocomp",
        "checkpoints-config.json",
        Some(&bad),
    ))
    .unwrap_err();
    assert_eq!(err.file, "checkpoints-config.json");
    assert!(err.at.starts_with("line 3,"), "{err}");
    assert!(err.message.contains("not valid JSON"), "{err}");
}

#[test]
fn a_wrong_type_names_the_file_and_the_json_path() {
    let text = files("count-hashmap-nocomp")
        .into_iter()
        .find(|f| f.0 == "checkpoints.json")
        .unwrap()
        .1;
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["history"][3]["state_size"] = serde_json::json!("1.9 MB");
    let err = rest::load(&with(
        "count-hashmap-nocomp",
        "checkpoints.json",
        Some(&v.to_string()),
    ))
    .unwrap_err();
    assert_eq!(err.file, "checkpoints.json");
    assert_eq!(err.at, "history[3].state_size");
    assert!(err.message.contains("the string \"1.9 MB\""), "{err}");
    assert_eq!(
        err.to_string(),
        "checkpoints.json: history[3].state_size: expected a non-negative integer, found the string \"1.9 MB\""
    );
    // Deeper: a vertex's parallelism in job.json.
    let text = files("seed")
        .into_iter()
        .find(|f| f.0 == "job.json")
        .unwrap()
        .1;
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["vertices"][1]["parallelism"] = serde_json::json!(-2);
    let err = rest::load(&with("seed", "job.json", Some(&v.to_string()))).unwrap_err();
    assert_eq!(
        (err.file.as_str(), err.at.as_str()),
        ("job.json", "vertices[1].parallelism")
    );
}

#[test]
fn a_missing_required_file_or_field_is_named() {
    let err = rest::load(&with("seed", "checkpoints-config.json", None)).unwrap_err();
    assert_eq!(err.file, "checkpoints-config.json");
    assert!(err.message.starts_with("missing"), "{err}");
    let err = rest::load(&with(
        "seed",
        "checkpoints-config.json",
        Some("{\"timeout\": 1}"),
    ))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "checkpoints-config.json: interval: missing field `interval`"
    );
    let err = rest::load(&[]).unwrap_err();
    assert_eq!(err.file, "job.json");
}

#[test]
fn a_subtasks_file_must_name_a_vertex_of_the_job() {
    let mut f = files("seed");
    f.push((
        "checkpoint-subtasks-latest-no-such-vertex.json".into(),
        "{}".into(),
    ));
    let err = rest::load(&f).unwrap_err();
    assert_eq!(err.file, "checkpoint-subtasks-latest-no-such-vertex.json");
    assert!(err.message.contains("names no vertex"), "{err}");
}

#[test]
fn partial_answers_calibrate_and_say_what_is_missing() {
    // No job config, no details, no subtasks, no metrics; checkpoints-config without
    // min_pause and tolerable_failed_checkpoints.
    let f: Vec<(String, String)> = files("count-hashmap-nocomp")
        .into_iter()
        .filter(|(n, _)| {
            matches!(
                n.as_str(),
                "job.json" | "checkpoints.json" | "checkpoints-config.json"
            )
        })
        .map(|(n, t)| {
            if n == "checkpoints-config.json" {
                let mut v: serde_json::Value = serde_json::from_str(&t).unwrap();
                let o = v.as_object_mut().unwrap();
                o.remove("min_pause");
                o.remove("tolerable_failed_checkpoints");
                (n, v.to_string())
            } else {
                (n, t)
            }
        })
        .collect();
    let answers = rest::load(&f).expect("partial answers load");
    let cal = flink::calibrate(&answers).expect("and calibrate");
    assert_eq!(cal.config.job.parallelism, 2);
    assert_eq!(cal.config.checkpointing.min_pause_ms, 0, "Flink's default");
    assert_eq!(
        cal.config.checkpointing.tolerable_failed, 0,
        "Flink's default"
    );
    let min_pause = cal
        .provenance
        .iter()
        .find(|p| p.setting == "checkpointing.min_pause_ms")
        .unwrap();
    assert!(
        matches!(&min_pause.source, Source::Estimated { because } if because.contains("no `min_pause`"))
    );
    assert!(
        cal.not_inferred
            .iter()
            .any(|n| n.what == "link bandwidth and latency"),
        "{:?}",
        cal.not_inferred
    );
    // Without details the real sizes are the whole job's, and the comparison says so.
    assert!(cal.real.checkpoints.iter().all(|c| !c.keyed_only));
    let cmp = compare(&cal, Some(5.0)).unwrap();
    assert!(cmp.notes.iter().any(|n| n.contains("whole job's")));
}

#[test]
fn nothing_is_half_applied() {
    // A bad optional file fails the whole load: no answers, so no calibration.
    let f = with(
        "count-hashmap-nocomp",
        "vertex-subtask-metrics.json",
        Some("{\"count-per-key -> discard: Writer\": {\"values_aggregated_over_subtasks\": [{\"id\": 7}]}}"),
    );
    let err = rest::load(&f).unwrap_err();
    assert_eq!(err.file, "vertex-subtask-metrics.json");
    assert_eq!(
        err.at,
        "count-per-key -> discard: Writer.values_aggregated_over_subtasks[0].id"
    );
}

// ---------------------------------------------------------------- export

#[test]
fn the_exported_job_carries_the_config_and_flinks_option_names() {
    let config = statelab::engine::config::Config::from_json(
        &std::fs::read_to_string(dir("roundtrip-counter.config.json")).unwrap(),
    )
    .unwrap();
    let job = flink::export::flink_job(&config).unwrap();
    let arg = |k: &str| {
        job.args
            .iter()
            .find_map(|a| a.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("no {k}"))
            .to_string()
    };
    assert_eq!(arg("parallelism.default"), "2");
    assert_eq!(arg("pipeline.max-parallelism"), "128");
    assert_eq!(arg("execution.checkpointing.interval"), "3000ms");
    assert_eq!(arg("execution.checkpointing.min-pause"), "500ms");
    assert_eq!(arg("execution.checkpointing.snapshot-compression"), "false");
    assert_eq!(arg("state.backend.type"), "hashmap");
    assert_eq!(arg("statelab.key_space"), "20000");
    let back = statelab::engine::config::Config::from_json(&arg("statelab.config")).unwrap();
    assert_eq!(back, config);
    assert!(job.files.iter().any(|f| f.0 == "StatelabJob.java"));
    // What a real job cannot regenerate is refused with the reason.
    let mut trace = config.clone();
    trace.workload.source = SourceConfig::Trace;
    assert!(flink::export::flink_job(&trace)
        .unwrap_err()
        .contains("trace"));
}

#[test]
fn history_exports_as_csv() {
    let mut sim =
        statelab::engine::sim::Simulation::new(statelab::engine::config::Config::default(), None)
            .unwrap();
    sim.advance_to(5_000_000);
    let csv = flink::export::history_csv(sim.history());
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("id,status,trigger_time_us"));
    assert_eq!(lines.len(), sim.history().len() + 1);
    let columns = lines[0].split(',').count();
    assert!(lines.iter().all(|l| l.split(',').count() == columns));
    let metrics = flink::export::samples_csv(&sim);
    assert_eq!(metrics.lines().count(), sim.samples().count() + 1);
}

// ---------------------------------------------------------------- live JobManager (HTTP)

#[cfg(not(target_arch = "wasm32"))]
/// Serves the recorded `count-hashmap-nocomp` answers the way a JobManager's REST API
/// does, on a loopback port, for `requests` connections; one endpoint answers chunked.
fn serve_recorded(requests: usize) -> (String, std::thread::JoinHandle<Vec<String>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let read =
        |name: &str| std::fs::read_to_string(dir("count-hashmap-nocomp").join(name)).unwrap();
    let job = read("job.json");
    let jid = "e81d5d9c33bf330bffa720df27d85083";
    let keyed = "5b61d6019ab04da71a4e62533c1a8c40";
    let details: serde_json::Value =
        serde_json::from_str(&read("checkpoint-details-all.json")).unwrap();
    let metrics: serde_json::Value =
        serde_json::from_str(&read("vertex-subtask-metrics.json")).unwrap();
    let keyed_metrics =
        metrics["count-per-key -> discard: Writer"]["values_aggregated_over_subtasks"].to_string();
    let subtasks = read("checkpoint-subtasks-latest-count-per-key----discard--Writer.json");
    let (cps, cfg, jcfg) = (
        read("checkpoints.json"),
        read("checkpoints-config.json"),
        read("job-config.json"),
    );
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..requests {
            let (mut stream, _) = listener.accept().unwrap();
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            reader.read_line(&mut line).unwrap();
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                if h == "\r\n" || h.is_empty() {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let base = format!("/jobs/{jid}");
            let body: Option<String> = match path.split('?').next().unwrap() {
                "/jobs/overview" => Some(format!(
                    "{{\"jobs\":[{{\"jid\":\"{jid}\",\"state\":\"CANCELED\",\"start-time\":1}}]}}"
                )),
                p if p == base => Some(job.clone()),
                p if p == format!("{base}/checkpoints") => Some(cps.clone()),
                p if p == format!("{base}/checkpoints/config") => Some(cfg.clone()),
                p if p == format!("{base}/config") => Some(jcfg.clone()),
                p if p == format!("{base}/checkpoints/details/16/subtasks/{keyed}") => {
                    Some(subtasks.clone())
                }
                p if p.starts_with(&format!("{base}/checkpoints/details/16/subtasks/")) => {
                    Some("{\"id\":16,\"status\":\"COMPLETED\",\"subtasks\":[]}".into())
                }
                p if p.starts_with(&format!("{base}/checkpoints/details/")) => {
                    let cid = p.rsplit('/').next().unwrap();
                    Some(details[cid].to_string())
                }
                p if p == format!("{base}/vertices/{keyed}/subtasks/metrics") => {
                    Some(keyed_metrics.clone())
                }
                p if p.ends_with("/subtasks/metrics") => Some("[]".into()),
                p if p == format!("{base}/metrics") => Some("[]".into()),
                _ => None,
            };
            let response = match body {
                // The checkpoints answer goes chunked, the others with a Content-Length.
                Some(b) if path.ends_with("/checkpoints") => {
                    let (a, c) = b.split_at(b.len() / 2);
                    format!(
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{c}\r\n0\r\n\r\n",
                        a.len(),
                        c.len()
                    )
                }
                Some(b) => format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}", b.len()),
                None => "HTTP/1.1 404 Not Found\r\nContent-Length: 27\r\n\r\n{\"errors\":[\"Not found.\"]}\r\n".into(),
            };
            stream.write_all(response.as_bytes()).unwrap();
            seen.push(path);
        }
        seen
    });
    (format!("http://{addr}"), handle)
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn a_live_jobmanager_is_fetched_over_http_and_calibrates_like_the_directory() {
    // overview, job, checkpoints, checkpoints config, job config, 10 details, 2 subtasks,
    // 2 vertex metrics, job metrics.
    let (url, server) = serve_recorded(20);
    let files = flink::http::fetch_job(&url).unwrap_or_else(|e| panic!("{e}"));
    let seen = server.join().unwrap();
    assert_eq!(seen.len(), 20, "{seen:?}");
    let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    for n in [
        "job.json",
        "checkpoints.json",
        "checkpoints-config.json",
        "job-config.json",
        "vertex-subtask-metrics.json",
    ] {
        assert!(names.contains(&n), "{names:?}");
    }
    let live = flink::calibrate(&rest::load(&files).unwrap()).unwrap();
    let recorded = calibrate("count-hashmap-nocomp");
    assert_eq!(live.config.job, recorded.config.job);
    assert_eq!(live.config.checkpointing, recorded.config.checkpointing);
    assert_eq!(
        live.config.link.bandwidth_mbit_s,
        recorded.config.link.bandwidth_mbit_s
    );
    assert_eq!(live.config.workload.rate, recorded.config.workload.rate);
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn an_unreachable_or_https_jobmanager_is_a_clear_error() {
    let err = flink::http::fetch_job("https://jm:8081").unwrap_err();
    assert!(err.message.contains("HTTPS is not supported"), "{err}");
    // A port nothing listens on: bind one, then close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = flink::http::fetch_job(&format!("http://127.0.0.1:{port}")).unwrap_err();
    assert!(err.message.contains("cannot connect"), "{err}");
    assert!(err.file.ends_with("/jobs/overview"), "{err}");
}

// ---------------------------------------------------------------- the CLI

#[cfg(not(target_arch = "wasm32"))]
fn cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_statelab-cli"))
        .args(args)
        .env_remove("STATELAB_PROGRESS_AFTER_MS")
        .output()
        .expect("runs")
}

#[cfg(not(target_arch = "wasm32"))]
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("statelab-calibrate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn cli_calibrate_prints_json_and_checks_the_aims_on_request() {
    let run = dir("count-hashmap-nocomp");
    let run = run.to_str().unwrap();
    let out = cli(&["calibrate", run, "--seconds", "10", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["calibration"]["config"]["job"]["parallelism"], 2);
    assert_eq!(doc["comparison"]["rows"].as_array().unwrap().len(), 9);
    assert_eq!(doc["size_aims_missed"].as_array().unwrap().len(), 2);
    // --check-aims: the same run fails, naming the rows.
    let out = cli(&["calibrate", run, "--seconds", "10", "--check-aims"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("miss real Flink's by more than ±2 %"), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("where each value comes from:"), "{text}");
    assert!(text.contains("what the answers could not tell:"), "{text}");
    // A bad directory is named.
    let out = cli(&["calibrate", "/no/such/dir"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/dir"));
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn cli_exports_the_job_and_the_history() {
    let config = dir("roundtrip-counter.config.json");
    let job = scratch("job");
    let out = cli(&[
        "export-flink-job",
        config.to_str().unwrap(),
        "--out",
        job.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "StatelabJob.java",
        "job-args.txt",
        "cluster-config.yaml",
        "submit.sh",
        "README.txt",
    ] {
        assert!(job.join(f).is_file(), "{f}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(job.join("submit.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_ne!(mode & 0o111, 0, "submit.sh is executable");
    }
    let hist = scratch("history");
    let out = cli(&[
        "export-history",
        "--seconds",
        "5",
        "--format",
        "csv",
        "--out",
        hist.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(hist.join("history.csv")).unwrap();
    assert!(csv.starts_with("id,status,"));
    assert!(hist.join("metrics.csv").is_file());
    let _ = std::fs::remove_dir_all(&job);
    let _ = std::fs::remove_dir_all(&hist);
}

fn known(name: &str) -> (serde_json::Value, String) {
    let path = dir("known").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    (
        statelab::engine::config::parse_json(&text).unwrap(),
        path.display().to_string(),
    )
}

fn state_row(cmp: &compare::Comparison) -> compare::Row {
    cmp.rows
        .iter()
        .find(|r| r.figure == "state size, median of the second half")
        .unwrap()
        .clone()
}

/// With the job's key spelling, key order and values told (REST shows none of them), the
/// lab writes the uncompressed heap run's checkpoints to the byte.
#[test]
fn what_the_engineer_knows_makes_the_uncompressed_heap_run_exact() {
    let cal = calibrate("count-hashmap-nocomp");
    let (value, by) = known("count-job.workload.json");
    let told = flink::known::apply(&cal, &value, &by).unwrap();
    let w = &told.config.workload;
    assert_eq!(w.key_format.prefix, "key-");
    assert_eq!(w.key_format.digits, 5);
    assert_eq!((w.values.min, w.values.max), (1, 1));
    let state = state_row(&compare(&told, None).unwrap());
    assert_eq!(state.real, Some(1_904_924.0));
    assert_eq!(state.simulated, Some(1_904_924.0));
    // Without it, the estimate misses by the key names' length.
    let guessed = state_row(&compare(&cal, None).unwrap());
    assert!(guessed.error.unwrap().abs() > 0.02, "{guessed:?}");
}

#[test]
fn what_the_engineer_knows_brings_the_compressed_heap_run_within_its_aims() {
    let cal = calibrate("count-hashmap-comp");
    let before = flink::size_aims(&compare(&cal, None).unwrap());
    assert!(!before.is_empty(), "the estimate alone should miss");
    let (value, by) = known("count-job.workload.json");
    let told = flink::known::apply(&cal, &value, &by).unwrap();
    let misses = flink::size_aims(&compare(&told, None).unwrap());
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

#[test]
fn what_is_given_is_labelled_and_closes_the_gaps_it_answers() {
    let cal = calibrate("count-hashmap-nocomp");
    let gaps_before = cal.not_inferred.len();
    let (value, by) = known("count-job.workload.json");
    let told = flink::known::apply(&cal, &value, &by).unwrap();
    for setting in [
        "workload.source",
        "workload.key_format.prefix",
        "workload.values.max",
        "workload.value_model",
    ] {
        let p = told
            .provenance
            .iter()
            .find(|p| p.setting == setting)
            .unwrap_or_else(|| panic!("no provenance for {setting}: {:#?}", told.provenance));
        assert_eq!(p.source, Source::Given { by: by.clone() }, "{setting}");
    }
    // The estimate it replaces is gone: one origin per setting.
    assert!(!told
        .provenance
        .iter()
        .any(|p| p.setting == "workload.source.key_space"
            && matches!(p.source, Source::Estimated { .. })));
    assert!(
        told.not_inferred.len() < gaps_before,
        "{:#?}",
        told.not_inferred
    );
    // What REST did tell stays as it was.
    assert_eq!(told.config.checkpointing, cal.config.checkpointing);
    assert_eq!(told.config.job, cal.config.job);
}

#[test]
fn a_bad_workload_is_refused_by_field_and_changes_nothing() {
    let cal = calibrate("count-hashmap-nocomp");
    let cases = [
        (
            r#"{"key_format": {"prefix": "ключ-"}}"#,
            "workload.key_format.prefix",
            "printable ASCII",
        ),
        (
            r#"{"values": {"min": 5, "max": 1}}"#,
            "workload.values.min",
            "above max",
        ),
        (
            r#"{"source": {"key_space": 0}}"#,
            "workload.source.key_space",
            "",
        ),
        (r#"[1, 2]"#, "(top level)", "JSON object"),
    ];
    for (text, field, words) in cases {
        let value = statelab::engine::config::parse_json(text).unwrap();
        let err = flink::known::apply(&cal, &value, "mine.json").unwrap_err();
        assert_eq!(err.field, field, "{text}: {err}");
        assert_eq!(err.file, "mine.json");
        assert!(err.to_string().contains(words), "{text}: {err}");
    }
    // A syntax error names its line.
    let err =
        statelab::engine::config::parse_json("{\n  \"values\": {\"min\": 1,,}\n}").unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn cli_calibrate_takes_what_the_engineer_knows() {
    let run = dir("count-hashmap-nocomp");
    let workload = dir("known").join("count-job.workload.json");
    let out = cli(&[
        "calibrate",
        run.to_str().unwrap(),
        "--seconds",
        "10",
        "--json",
        "--workload",
        workload.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let w = &doc["calibration"]["config"]["workload"];
    assert_eq!(w["key_format"]["prefix"], "key-");
    assert_eq!(w["source"]["distribution"]["kind"], "round_robin");
    // A bad file is refused before anything is read from the run, naming the file.
    let bad = scratch("bad-workload");
    std::fs::create_dir_all(&bad).unwrap();
    let file = bad.join("w.json");
    std::fs::write(&file, "{\"values\": {\"min\": 3, \"max\": 2}}").unwrap();
    let out = cli(&[
        "calibrate",
        run.to_str().unwrap(),
        "--workload",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("w.json") && err.contains("workload.values"),
        "{err}"
    );
    let out = cli(&[
        "calibrate",
        run.to_str().unwrap(),
        "--workload",
        "/no/such/workload.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/workload.json"));
    let _ = std::fs::remove_dir_all(&bad);
}
