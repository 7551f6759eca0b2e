//! statelab-cli end to end: key groups as Flink computes them, config errors that name
//! the field, and exported chunks that the stock `lz4` tool opens.

use std::process::Command;

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
    let has_lz4 = Command::new("lz4").arg("--version").output().is_ok();
    if !has_lz4 {
        assert!(
            std::env::var_os("STATELAB_REQUIRE_TOOLS").is_none(),
            "lz4 is not installed"
        );
        return;
    }
    for c in chunks {
        let file = out_dir.join(c["file"].as_str().unwrap());
        let out = Command::new("lz4")
            .args(["-d", "-c", "-q"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout.len() as u64, c["raw_bytes"].as_u64().unwrap());
        assert_eq!(&out.stdout[..4], b"SLKG");
    }
    std::fs::remove_dir_all(dir).ok();
}
