//! A checkpoint out and back in: `export` writes Flink's state files and a manifest,
//! `read` verifies and decodes them to the state the job had, in every codec, and names
//! the file, key group and byte of any damage; the CLI's `result`, `export-checkpoint`
//! and `read-checkpoint` give the seed document's output.

use proptest::prelude::*;
use statelab::engine::config::Config;
use statelab::engine::partitioning::workload::{RateProfile, ValueModel};
use statelab::engine::recovery::retained::RetainedCheckpoint;
use statelab::engine::report::result::keyed_result;
use statelab::engine::sim::Simulation;
use statelab::engine::state::codec::Codec;
use statelab::flink::checkpoint::{self, Exported};

/// A bounded source drained well before the run ends, so the latest checkpoint holds the
/// job's final state.
fn drained(codec: Codec, model: ValueModel) -> Simulation {
    let mut c = Config::default();
    c.workload.value_model = model;
    c.workload.rate = RateProfile::Constant {
        records_per_s: 2000.0,
    };
    c.workload.limit = Some(6_000);
    c.checkpointing.codec = codec;
    let mut sim = Simulation::new(c, None).unwrap();
    sim.advance_to(20_000_000);
    sim
}

fn read_back(e: &Exported) -> Result<checkpoint::ReadBack, checkpoint::ReadError> {
    let manifest = serde_json::to_string(&e.manifest).unwrap();
    checkpoint::read(&manifest, |name| {
        e.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| "No such file or directory".to_string())
    })
}

#[test]
fn an_exported_checkpoint_reads_back_to_the_jobs_state_in_every_codec() {
    for codec in Codec::ALL {
        let sim = drained(codec, ValueModel::Counter);
        let e = checkpoint::export(&sim).unwrap();
        let back = read_back(&e).unwrap_or_else(|err| panic!("{codec:?}: {err}"));
        let read: Vec<String> = back
            .entries()
            .iter()
            .map(|(k, v)| format!("{k}:{}", checkpoint::show_value(v)))
            .collect();
        let live: Vec<String> = keyed_result(&sim).iter().map(ToString::to_string).collect();
        assert!(!live.is_empty());
        assert_eq!(read, live, "{codec:?}");
        assert_eq!(back.key_groups.len(), 128);
    }
    for model in [
        ValueModel::Events { keep: 3 },
        ValueModel::RandomBytes { len: 40 },
    ] {
        let sim = drained(Codec::Snappy, model);
        let back = read_back(&checkpoint::export(&sim).unwrap()).unwrap();
        assert_eq!(back.entries().len(), keyed_result(&sim).len(), "{model:?}");
    }
}

#[test]
fn damage_is_named_by_file_key_group_and_byte() {
    let sim = drained(Codec::Lz4, ValueModel::Counter);
    let e = checkpoint::export(&sim).unwrap();
    // A flipped byte inside a key group's compressed section.
    let mut broken = checkpoint::export(&sim).unwrap();
    let f = &e.manifest.files[1];
    let (kg, start) = f.key_group_offsets[5];
    broken.files[1].1[start as usize + 12] ^= 0x40;
    let err = read_back(&broken).unwrap_err();
    assert_eq!(err.file, broken.files[1].0);
    assert!(
        err.message.starts_with(&format!("key group {kg}, at byte")),
        "{err}"
    );
    // Cut short.
    let mut cut = checkpoint::export(&sim).unwrap();
    cut.files[0].1.truncate(100);
    let err = read_back(&cut).unwrap_err();
    assert!(err.to_string().contains("but the manifest says"), "{err}");
    // A missing file, and a manifest that is not one.
    let mut missing = checkpoint::export(&sim).unwrap();
    missing.files.pop();
    let err = read_back(&missing).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "subtask-{}: No such file or directory",
            e.manifest.files.len() - 1
        )
    );
    let err = checkpoint::read("{\"checkpoint\": 1}", |_| Ok(Vec::new())).unwrap_err();
    assert_eq!(err.file, "manifest.json");
}

fn load_back(e: &Exported) -> Result<RetainedCheckpoint, checkpoint::ReadError> {
    let manifest = serde_json::to_string(&e.manifest).unwrap();
    checkpoint::load(&manifest, |name| {
        e.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| "No such file or directory".to_string())
    })
}

/// A job still running when exported (its source goes on), so the restore has records to
/// replay and new ones to read before both runs drain the bounded source.
fn running(parallelism: u32, codec: Codec) -> Config {
    let mut c = Config::default();
    c.job.parallelism = parallelism;
    c.workload.value_model = ValueModel::Counter;
    c.workload.rate = RateProfile::Constant {
        records_per_s: 2000.0,
    };
    c.workload.limit = Some(40_000);
    c.checkpointing.codec = codec;
    c
}

/// Export at 9 s at parallelism 2, restore from the files at 3 and at 1, run to 40 s: the
/// job's result is the one of a run straight through, and the exactly-once check passed.
#[test]
fn an_exported_checkpoint_restores_at_another_parallelism_to_the_straight_runs_result() {
    for codec in Codec::ALL {
        let mut before = Simulation::new(running(2, codec), None).unwrap();
        before.advance_to(9_000_000);
        let e = checkpoint::export(&before).unwrap();
        let retained = load_back(&e).unwrap();
        assert_eq!(retained.stopped_at_us, 9_000_000);
        assert_eq!(retained.stopped_at_offset, before.source_offset());
        assert_eq!(retained.chunks.len(), 128);
        let mut straight = Simulation::new(running(2, codec), None).unwrap();
        straight.advance_to(40_000_000);
        let want: Vec<String> = keyed_result(&straight)
            .iter()
            .map(ToString::to_string)
            .collect();
        for p in [3, 1] {
            let mut sim = Simulation::from_checkpoint(running(p, codec), None, &retained).unwrap();
            sim.advance_to(40_000_000);
            let got: Vec<String> = keyed_result(&sim).iter().map(ToString::to_string).collect();
            assert_eq!(got, want, "{codec:?} at parallelism {p}");
            let verdict = sim.recoveries()[0].exactly_once.clone().expect("checked");
            assert!(verdict.differing_key_groups.is_empty());
            assert_eq!(sim.partitioning().parallelism(), p);
        }
    }
}

#[test]
fn a_damaged_or_foreign_checkpoint_is_refused_before_the_restore() {
    let mut before = Simulation::new(running(2, Codec::Snappy), None).unwrap();
    before.advance_to(9_000_000);
    let mut e = checkpoint::export(&before).unwrap();
    let retained = load_back(&e).unwrap();
    let mut other = running(2, Codec::Snappy);
    other.workload.value_model = ValueModel::Events { keep: 3 };
    let err = Simulation::from_checkpoint(other, None, &retained).unwrap_err();
    assert!(err.to_string().contains("workload: "), "{err}");
    let (kg, start) = e.manifest.files[0].key_group_offsets[7];
    e.files[0].1[start as usize + 20] ^= 0x04;
    let err = load_back(&e).unwrap_err();
    assert_eq!(err.file, "subtask-0");
    assert!(
        err.message.starts_with(&format!("key group {kg}, ")),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    /// Any one flipped byte in any file is refused with a named error or reads back to
    /// some state; never a panic.
    #[test]
    fn any_flipped_byte_is_refused_or_read(file in 0usize..4, at in any::<prop::sample::Index>(), bit in 0u8..8, codec in prop::sample::select(Codec::ALL.to_vec())) {
        let sim = drained(codec, ValueModel::Counter);
        let mut e = checkpoint::export(&sim).unwrap();
        let bytes = &mut e.files[file].1;
        let i = at.index(bytes.len());
        bytes[i] ^= 1 << bit;
        if let Err(err) = read_back(&e) {
            prop_assert!(err.file.starts_with("subtask-"), "{err}");
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::path::PathBuf;

    fn cli(args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_statelab-cli"))
            .args(args)
            .env_remove("STATELAB_PROGRESS_AFTER_MS")
            .output()
            .expect("runs")
    }

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("statelab-chk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// The seed document's lines as it writes them (`value,key`), through the CLI.
    #[test]
    fn the_documents_lines_give_its_output_live_and_from_a_checkpoint() {
        let dir = scratch("seed");
        let trace = dir.join("input.csv");
        std::fs::write(&trace, "1,a\n2,b\n3,c\n4,d\n").unwrap();
        let t = trace.to_str().unwrap();
        let out = cli(&["result", "--trace", t, "--seconds", "10"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "a:1\nb:2\nc:3\nd:4\n");
        assert!(String::from_utf8_lossy(&out.stderr).contains("key: column 2, value: column 1"));
        let chk = dir.join("chk");
        let out = cli(&[
            "export-checkpoint",
            "--trace",
            t,
            "--seconds",
            "10",
            "--out",
            chk.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = cli(&["read-checkpoint", chk.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.ends_with("a:1\nb:2\nc:3\nd:4\n"), "{text}");
        assert!(text.contains("every file verified and decoded"), "{text}");
        // Damaged: named, exit 1.
        let file = chk.join("subtask-0");
        let mut bytes = std::fs::read(&file).unwrap();
        bytes.truncate(bytes.len() - 3);
        std::fs::write(&file, bytes).unwrap();
        let out = cli(&["read-checkpoint", chk.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("subtask-0: "),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Columns by name, and a name that is not there.
        std::fs::write(&trace, "n,word\n1,a\n2,b\n").unwrap();
        let out = cli(&[
            "result",
            "--trace",
            t,
            "--seconds",
            "5",
            "--key-column",
            "word",
            "--value-column",
            "n",
        ]);
        assert_eq!(String::from_utf8_lossy(&out.stdout), "a:1\nb:2\n");
        let out = cli(&["result", "--trace", t, "--key-column", "name"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr)
            .contains("no column named `name` for the key; the header has `n`, `word`"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// export-checkpoint at 20 s and parallelism 2 → restore-from at 3, run to 60 s →
    /// `--result` prints exactly what `result` prints for the run straight through, and the
    /// exactly-once verdict passed; another trace is refused before anything runs.
    #[test]
    fn restore_from_an_export_at_another_parallelism_prints_the_straight_runs_result() {
        let dir = scratch("restore");
        let config = dir.join("job.json");
        std::fs::write(
            &config,
            r#"{"job": {"parallelism": 2}, "workload": {"value_model": {"kind": "counter"}, "rate": {"kind": "constant", "records_per_s": 2000}, "limit": 80000}, "checkpointing": {"codec": "lz4"}}"#,
        )
        .unwrap();
        let (c, chk) = (config.to_str().unwrap(), dir.join("chk"));
        let k = chk.to_str().unwrap();
        let out = cli(&["export-checkpoint", c, "--seconds", "20", "--out", k]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let straight = cli(&["result", c, "--seconds", "60", "--limit", "100000"]);
        let restored = cli(&[
            "restore-from",
            k,
            c,
            "--parallelism",
            "3",
            "--seconds",
            "60",
            "--result",
            "--limit",
            "100000",
        ]);
        let err = String::from_utf8_lossy(&restored.stderr);
        assert!(restored.status.success(), "{err}");
        assert!(
            err.contains("taken at parallelism 2, restored at 3"),
            "{err}"
        );
        assert!(
            err.contains("every key group equals the run without a restore"),
            "{err}"
        );
        let lines = String::from_utf8_lossy(&restored.stdout);
        assert!(lines.lines().count() > 1000, "{lines}");
        assert_eq!(lines, String::from_utf8_lossy(&straight.stdout));
        // The summary (default output) counts the restore as a recovery of the checkpoint.
        let summary = cli(&["restore-from", k, c, "--seconds", "30"]);
        let json: serde_json::Value = serde_json::from_slice(&summary.stdout).unwrap();
        assert_eq!(json["recoveries"][0]["cause"]["kind"], "resubmitted");
        // A trace job's checkpoint given another trace.
        let trace = dir.join("in.csv");
        std::fs::write(&trace, "1,a\n2,b\n3,c\n4,d\n").unwrap();
        let t = trace.to_str().unwrap();
        let chk2 = dir.join("chk2");
        let k2 = chk2.to_str().unwrap();
        let out = cli(&[
            "export-checkpoint",
            "--trace",
            t,
            "--seconds",
            "10",
            "--out",
            k2,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = cli(&[
            "restore-from",
            k2,
            "--trace",
            t,
            "--seconds",
            "12",
            "--result",
        ]);
        assert_eq!(String::from_utf8_lossy(&out.stdout), "a:1\nb:2\nc:3\nd:4\n");
        std::fs::write(&trace, "1,a\n2,b\n3,c\n5,d\n").unwrap();
        let out = cli(&[
            "restore-from",
            k2,
            "--trace",
            t,
            "--seconds",
            "12",
            "--result",
        ]);
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(
                "the checkpoint: workload: the checkpoint was taken by a job reading other records"
            ),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
