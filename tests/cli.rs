//! statelab-cli end to end: key groups as Flink computes them, config errors that name
//! the field, and exported chunks that the stock `lz4` tool opens.

use std::process::Command;

mod common;

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_statelab-cli"))
        .args(args)
        .output()
        .expect("runs")
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
    for c in chunks {
        let file = out_dir.join(c["file"].as_str().unwrap());
        let Some(raw) = common::stock_lz4_decompress(&file) else {
            break;
        };
        assert_eq!(raw.len() as u64, c["raw_bytes"].as_u64().unwrap());
        assert_eq!(&raw[..4], b"SLKG");
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
