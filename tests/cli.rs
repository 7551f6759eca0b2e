//! statelab-cli end to end: key groups as Flink computes them, config errors that name
//! the field, and exported chunks that the stock `lz4` tool opens.

use std::path::PathBuf;
use std::process::Command;

mod common;

fn cli(args: &[&str]) -> std::process::Output {
    cli_env(args, &[])
}

fn cli_env(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_statelab-cli"))
        .args(args)
        // The test's own environment must not switch progress on.
        .env_remove("STATELAB_PROGRESS_AFTER_MS")
        .envs(env.iter().copied())
        .output()
        .expect("runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh directory for one test's files, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("statelab-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// Writes `contents` to `name` in the directory and returns its path as text.
    fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path.to_str().unwrap().to_string()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

#[test]
fn keygroup_prints_flink_assignment_as_tsv() {
    let out = cli(&[
        "keygroup",
        "--max-parallelism",
        "128",
        "--parallelism",
        "4",
        "a",
        "user-42",
    ]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "key\tjava_hashCode\tkey_group\tsubtask\na\t97\t81\t2\nuser-42\t-147182656\t20\t0\n"
    );
    let out = cli(&["keygroup", "--parallelism", "4", "--long", "2147483648"]);
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .ends_with("2147483648\t-2147483648\t108\t3\n"));
    let out = cli(&["keygroup", "--parallelism", "4", "--long", "x"]);
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("key 1 (`x`) is not a 64-bit integer"));
}

#[test]
fn a_bad_config_names_its_field() {
    let dir = std::env::temp_dir().join(format!("statelab-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.json");
    std::fs::write(
        &path,
        r#"{"job": {"parallelism": 0}, "checkpointing": {"num_retained": 0}}"#,
    )
    .unwrap();
    let out = cli(&["simulate", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("job.parallelism: must be between 1 and 256, got 0"),
        "{err}"
    );
    assert!(err.contains("checkpointing.num_retained"), "{err}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn exported_lz4_chunks_decompress_with_the_lz4_tool() {
    let dir = std::env::temp_dir().join(format!("statelab-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("lz4.json");
    std::fs::write(
        &config,
        r#"{"checkpointing": {"codec": "lz4"}, "job": {"max_parallelism": 16}}"#,
    )
    .unwrap();
    let out_dir = dir.join("cp");
    let out = cli(&[
        "export-checkpoint",
        config.to_str().unwrap(),
        "--seconds",
        "5",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap())
            .unwrap();
    let chunks = manifest["chunks"].as_array().unwrap();
    assert_eq!(chunks.len(), 16);
    // One state file per subtask, as Flink writes: its header, then its key groups.
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 4);
    for f in files {
        let bytes = std::fs::read(out_dir.join(f["file"].as_str().unwrap())).unwrap();
        assert_eq!(bytes.len() as u64, f["bytes"].as_u64().unwrap());
        // Proxy version 6, then the compression flag: LZ4 sections are compressed.
        assert_eq!(&bytes[..5], &[0, 0, 0, 6, 1]);
    }
    // Each key group is its 4-byte id and then one standard LZ4 frame per state section,
    // which the stock tool opens as concatenated frames.
    for c in chunks {
        let file = std::fs::read(out_dir.join(c["file"].as_str().unwrap())).unwrap();
        let start = c["offset_in_file"].as_u64().unwrap() as usize;
        let header = if c["with_header"].as_bool().unwrap() {
            files[0]["header_bytes"].as_u64().unwrap()
        } else {
            0
        };
        let len = (c["encoded_bytes"].as_u64().unwrap() - header) as usize;
        let kg = &file[start..start + len];
        assert_eq!(
            &kg[..4],
            &(c["key_group"].as_u64().unwrap() as u32).to_be_bytes()
        );
        let frames = dir.join(format!("kg-{}.lz4", c["key_group"]));
        std::fs::write(&frames, &kg[4..]).unwrap();
        let Some(raw) = common::stock_lz4_decompress(
            &frames,
            "exported_lz4_chunks_decompress_with_the_lz4_tool",
        ) else {
            break;
        };
        // The sections uncompressed: everything of the key group but its id.
        assert_eq!(
            raw.len() as u64,
            c["raw_bytes"].as_u64().unwrap() - header - 4
        );
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn flink_config_uses_real_option_names_with_measured_comments() {
    let dir = std::env::temp_dir().join(format!("statelab-flink-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("lz4.json");
    std::fs::write(
        &config,
        r#"{"checkpointing": {"codec": "lz4", "incremental": true, "policy": {"kind": "adaptive", "window_ms": 5000, "change_budget_bytes": 100000, "min_interval_ms": 200, "max_interval_ms": 5000, "ship_threshold_bytes": 1000, "max_staleness_ms": 10000}}}"#,
    )
    .unwrap();
    let out = cli(&["flink-config", config.to_str().unwrap(), "--seconds", "6"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let yaml = String::from_utf8(out.stdout).unwrap();
    for key in [
        "execution.checkpointing.interval:",
        "execution.checkpointing.min-pause:",
        "execution.checkpointing.timeout:",
        "execution.checkpointing.max-concurrent-checkpoints:",
        "execution.checkpointing.tolerable-failed-checkpoints:",
        "execution.checkpointing.num-retained:",
        "execution.checkpointing.incremental: true",
        "execution.checkpointing.snapshot-compression: true",
        "pipeline.max-parallelism: 128",
        "parallelism.default: 4",
    ] {
        assert!(yaml.contains(key), "missing {key} in\n{yaml}");
    }
    assert!(
        yaml.contains("FLINK-11313"),
        "LZ4 must be flagged as beyond Flink"
    );
    assert!(
        yaml.contains("no Flink equivalent"),
        "the adaptive policy must be flagged"
    );
    // Every non-comment line is `key: value`, as a Flink config file wants.
    for l in yaml.lines().filter(|l| !l.starts_with('#')) {
        assert!(l.split_once(": ").is_some(), "{l}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn compare_runs_every_config_on_one_seed() {
    let out = cli(&[
        "compare",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/configs/fixed-snappy-full.json"
        ),
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/configs/fixed-lz4-incremental.json"
        ),
        "--seconds",
        "8",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["codec"], "snappy");
    assert_eq!(rows[1]["codec"], "lz4");
    assert!(rows.iter().all(|r| r["completed"].as_u64().unwrap() >= 3));
}

#[test]
fn keys_with_tabs_newlines_or_backslashes_are_escaped_in_the_tsv() {
    let out = cli(&[
        "keygroup",
        "--max-parallelism",
        "128",
        "--parallelism",
        "4",
        "a\tb",
        "x\\y",
        "n\nl",
        "cr\r",
        "plain key",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    // Each line keeps four fields; the key column shows the escapes.
    let keys: Vec<&str> = lines[1..]
        .iter()
        .map(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            assert_eq!(fields.len(), 4, "{l}");
            fields[0]
        })
        .collect();
    assert_eq!(keys, ["a\\tb", "x\\\\y", "n\\nl", "cr\\r", "plain key"]);
    // The hash is of the key itself, not of its escaped form.
    assert!(lines[1].starts_with("a\\tb\t93594\t"), "{}", lines[1]);
    let help = text(&cli(&["keygroup", "--help"]).stdout);
    assert!(help.contains("a tab is written \\t"), "{help}");
}

#[test]
fn config_files_default_omitted_fields_and_refuse_unknown_ones() {
    let dir = Scratch::new("cli-config");
    let limited = dir.file("limit.json", r#"{"workload":{"limit":5}}"#);
    let out = cli(&["simulate", &limited, "--seconds", "1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["source_offset"], 5);
    // --seconds is rounded to the microsecond, not truncated below it.
    let out = cli(&["simulate", &limited, "--seconds", "2.05"]);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["virtual_seconds"], 2.05);

    for (name, json, expected) in [
        (
            "policy.json",
            r#"{"checkpointing":{"policy":{"kind":"fixed","interval_ms":100}}}"#,
            "checkpointing.policy: unknown field `interval_ms`: kind `fixed` has no fields besides `kind`",
        ),
        (
            "list.json",
            "[7]",
            "(top level): a config is a JSON object such as {\"job\": {\"parallelism\": 4}}, found a list",
        ),
        (
            "crash.json",
            r#"{"faults":[{"at_ms":1000,"fault":{"kind":"crash_subtask","subtask":99}}]}"#,
            "faults[0].fault.subtask: must be between 0 and 3: the job has 4 subtasks (job.parallelism), got 99",
        ),
        (
            "corrupt.json",
            r#"{"faults":[{"at_ms":1000,"fault":{"kind":"corrupt_chunk","key_group":5000}}]}"#,
            "faults[0].fault.key_group: must be between 0 and 127: the job has 128 key groups (job.max_parallelism), got 5000",
        ),
    ] {
        let path = dir.file(name, json);
        let out = cli(&["simulate", &path, "--seconds", "1"]);
        assert!(!out.status.success(), "{name} was accepted");
        let err = text(&out.stderr);
        assert_eq!(err, format!("statelab-cli: {path}: {expected}\n"), "{name}");
        assert!(out.stdout.is_empty(), "{name}: nothing is printed for a refused config");
    }
}

#[test]
fn a_trace_and_its_config_must_agree_on_the_source() {
    let dir = Scratch::new("cli-trace");
    let trace = dir.file("t.csv", "\u{feff}key,value\na,1\nb,2\na,3\n");
    let header_only = dir.file("h.csv", "key,value\r\n\r\n");
    let generated = dir.file("gen.json", r#"{"workload":{"limit":5}}"#);
    let trace_source = dir.file("trace.json", r#"{"workload":{"source":{"kind":"trace"}}}"#);

    // Runs: the config's source is a trace, or there is no config.
    for args in [
        vec![
            "simulate",
            &trace_source,
            "--trace",
            &trace,
            "--seconds",
            "1",
        ],
        vec!["simulate", "--trace", &trace, "--seconds", "1"],
    ] {
        let out = cli(&args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(summary["records_processed"], 3, "{args:?}");
    }

    for (args, expected) in [
        (
            vec!["simulate", &generated, "--trace", &trace],
            format!(
                "--trace {trace}: {generated}'s workload.source is `generated`, so the trace would be ignored; to run it, set \"workload\": {{\"source\": {{\"kind\": \"trace\"}}}} in the config"
            ),
        ),
        (
            vec!["simulate", &trace_source],
            format!("{trace_source}: workload.source is `trace`: give the records with --trace FILE.csv"),
        ),
        (
            vec!["simulate", "--trace", &header_only],
            format!("{header_only}: the trace has no records: lines 1 to 2 are blank or the `key,value` header"),
        ),
    ] {
        let out = cli(&args);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert_eq!(text(&out.stderr), format!("statelab-cli: {expected}\n"), "{args:?}");
    }
}

#[test]
fn faults_the_run_could_not_apply_are_warned_about_on_stderr() {
    let dir = Scratch::new("cli-faults");
    // Valid, but at 0.5 s no checkpoint has completed yet (the first is at 2 s), and the
    // crash at 90 s comes after a 3 s run.
    let config = dir.file(
        "f.json",
        r#"{"faults":[{"at_ms":500,"fault":{"kind":"corrupt_chunk","key_group":5}},{"at_ms":90000,"fault":{"kind":"crash_job"}}]}"#,
    );
    let out = cli(&["simulate", &config, "--seconds", "3"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "statelab-cli: warning: at 0.500 virtual s a scheduled fault was not applied (corrupt the chunk of key group 5 in the latest checkpoint): no completed checkpoint holds a chunk of key group 5\n\
         statelab-cli: warning: faults[1] (crash the job at 90000 ms) is after the end of the run (3 virtual s) and was not applied\n"
    );
    // A comparison names the config each warning is about.
    let out = cli(&["compare", &config, "--seconds", "1", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("statelab-cli: warning: f (1/1): at 0.500 virtual s"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn long_runs_show_progress_on_stderr_without_changing_the_run() {
    let dir = Scratch::new("cli-progress");
    // Parallelism 1 is backpressured (4 000 records/s for 5 000 arriving), which makes
    // the run sensitive to where it is cut.
    let config = dir.file("c.json", r#"{"seed": 5, "job": {"parallelism": 1}}"#);
    // The CLI cuts a run into slices for the progress line; it must be the run that one
    // `advance_to` gives.
    let mut sim = statelab::engine::sim::Simulation::new(
        statelab::engine::config::Config::from_json(&std::fs::read_to_string(&config).unwrap())
            .unwrap(),
        None,
    )
    .unwrap();
    sim.advance_to(2_500_000);
    let digest = format!("{:016x}\n", sim.digest());
    // A short run says nothing on stderr.
    let quiet = cli(&["digest", &config, "--seconds", "2.5"]);
    assert!(quiet.status.success(), "{}", text(&quiet.stderr));
    assert_eq!(text(&quiet.stdout), digest);
    assert!(quiet.stderr.is_empty(), "{}", text(&quiet.stderr));
    // With the one-second threshold at zero every run is "long": progress lines, plain
    // ones (stderr is not a terminal here), and the same run.
    let shown = cli_env(
        &["digest", &config, "--seconds", "2.5"],
        &[("STATELAB_PROGRESS_AFTER_MS", "0")],
    );
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    assert_eq!(text(&shown.stdout), digest);
    let err = text(&shown.stderr);
    assert!(
        !err.contains('\r'),
        "no carriage returns off a terminal: {err:?}"
    );
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[0].starts_with("statelab-cli: run: 0.1 / 2.5 virtual s (4 %)"),
        "{err}"
    );
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("statelab-cli: run: done in "),
        "{err}"
    );
}

#[test]
fn the_reference_digest_refuses_run_arguments_it_would_ignore() {
    for args in [
        vec!["digest", "--reference", "--seconds", "5"],
        vec!["digest", "--reference", "--trace", "t.csv"],
        vec!["digest", "--reference", "my.json"],
    ] {
        let out = cli(&args);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(
            text(&out.stderr).contains("cannot be used with"),
            "{args:?}"
        );
    }
}

#[test]
fn exported_manifests_give_each_chunk_its_own_source_offset() {
    let dir = Scratch::new("cli-manifest");
    // The adaptive policy with a high ship threshold leaves most key groups waiting, so
    // their chunks (and offsets) come from older checkpoints. The workload is written out:
    // it needs the busy Zipf source, not the lab's slower default.
    let config = dir.file(
        "adaptive.json",
        r#"{"workload":{"source":{"kind":"generated","distribution":{"kind":"zipf","exponent":1.0}},"rate":{"kind":"constant","records_per_s":5000}},"job":{"max_parallelism":32},"checkpointing":{"incremental":true,"codec":"lz4","policy":{"kind":"adaptive","window_ms":1000,"change_budget_bytes":20000,"min_interval_ms":200,"max_interval_ms":1000,"ship_threshold_bytes":200000,"max_staleness_ms":4000}}}"#,
    );
    let out_dir = dir.path("cp");
    let out = cli(&[
        "export-checkpoint",
        &config,
        "--seconds",
        "6",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap())
            .unwrap();
    let checkpoint_offset = manifest["source_offset"].as_u64().unwrap();
    let chunks = manifest["chunks"].as_array().unwrap();
    assert_eq!(chunks.len(), 32);
    let offsets: Vec<u64> = chunks
        .iter()
        .map(|c| c["source_offset"].as_u64().unwrap())
        .collect();
    assert!(offsets.iter().all(|o| *o <= checkpoint_offset));
    let older = chunks
        .iter()
        .filter(|c| c["source_offset"].as_u64().unwrap() < checkpoint_offset)
        .collect::<Vec<_>>();
    assert!(!older.is_empty(), "no chunk waited: {manifest}");
    // A waiting key group's chunk was uploaded by an older checkpoint.
    for c in &older {
        assert!(
            c["uploaded_by_checkpoint"].as_u64().unwrap()
                < manifest["checkpoint"].as_u64().unwrap()
        );
    }
    assert_eq!(
        manifest["replay_from_offset"].as_u64().unwrap(),
        *offsets.iter().min().unwrap()
    );
}

#[test]
fn a_sweep_measures_every_cell_and_recommends_one() {
    let dir = Scratch::new("sweep");
    let config = dir.file(
        "small.json",
        r#"{"workload": {"rate": {"kind": "constant", "records_per_s": 1000.0}},
            "job": {"parallelism": 2, "max_parallelism": 16}}"#,
    );
    let csv = dir.0.join("cells.csv");
    let out = cli(&[
        "sweep",
        &config,
        "--param",
        "interval_ms=500,2000",
        "--param",
        "codec=none,snappy",
        "--warmup",
        "2",
        "--horizon",
        "6",
        "--threads",
        "2",
        "--json",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 4);
    assert_eq!(cells[1]["label"], "interval_ms=500 codec=snappy");
    assert!(!v["pareto_front"].as_array().unwrap().is_empty());
    assert!(v["recommendation_text"]
        .as_str()
        .unwrap()
        .starts_with("For this job, "));
    assert!(v["recommended_flink_yaml"]
        .as_str()
        .unwrap()
        .contains("execution.checkpointing.interval:"));
    let csv = std::fs::read_to_string(csv).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    // Threads do not change the answer: one thread gives the same cells.
    let one = cli(&[
        "sweep",
        &config,
        "--param",
        "interval_ms=500,2000",
        "--param",
        "codec=none,snappy",
        "--warmup",
        "2",
        "--horizon",
        "6",
        "--threads",
        "1",
        "--json",
    ]);
    let w: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(w["cells"], v["cells"]);
}

#[test]
fn a_sweep_on_the_scale_model_says_so_and_refuses_a_bad_factor() {
    let dir = Scratch::new("sweep-scale");
    let config = dir.file(
        "keys.json",
        r#"{"workload": {"rate": {"kind": "constant", "records_per_s": 2000.0}},
            "job": {"parallelism": 2, "max_parallelism": 16}}"#,
    );
    let run = |scale: &str| {
        cli(&[
            "sweep",
            &config,
            "--param",
            "interval_ms=500,2000",
            "--warmup",
            "2",
            "--horizon",
            "6",
            "--threads",
            "2",
            "--scale",
            scale,
        ])
    };
    let out = run("4");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(
        table.contains("Sweep: cells run as the scale model 1:4 (chosen)"),
        "{table}"
    );
    assert!(table.contains("≈ bytes/h"), "{table}");
    // The plan, both rows, the recommendation, its YAML's comments and the restore's
    // assumptions (the model's link and rates).
    assert_eq!(
        table.matches("scale model 1:4").count(),
        1 + 2 + 1 + 1 + 1,
        "{table}"
    );
    assert!(table.contains("Measured on the scale model 1:4"), "{table}");
    // Auto keeps this small job real.
    let out = run("auto");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(
        table.contains("cells run the real job (1:1, auto)"),
        "{table}"
    );
    assert!(!table.contains("≈"), "{table}");
    let out = run("0");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--scale: `0` is not `auto` or a factor"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_sweep_names_what_it_cannot_take() {
    for (param, words) in [
        ("colour=red", "unknown parameter `colour`"),
        ("codec=zstd", "codec: `zstd` is not a value it takes"),
        ("interval_ms=", "interval_ms: the range holds no value"),
    ] {
        let out = cli(&["sweep", "--param", param]);
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains(words),
            "{param}: {}",
            text(&out.stderr)
        );
    }
}
