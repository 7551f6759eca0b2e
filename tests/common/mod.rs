//! Helpers shared by the simulation tests.
#![allow(dead_code)]

use statelab::engine::config::Config;
use statelab::engine::partitioning::workload::{
    KeyDistribution, KeyKind, RateProfile, SourceConfig, ValueModel,
};
use statelab::engine::sim::Simulation;
use statelab::engine::state::codec::Codec;

/// A small, quick job: 500 Zipf keys at 2 000 records/s, 32 key groups, a 20 Mbit/s link.
pub fn small_config(
    seed: u64,
    codec: Codec,
    incremental: bool,
    model: ValueModel,
    parallelism: u32,
    limit: u64,
) -> Config {
    let mut c = Config {
        seed,
        ..Config::default()
    };
    c.workload.source = SourceConfig::Generated {
        key_space: 500,
        distribution: KeyDistribution::Zipf { exponent: 1.1 },
        key_kind: if seed % 2 == 0 {
            KeyKind::String
        } else {
            KeyKind::Integer
        },
    };
    c.workload.rate = RateProfile::Constant {
        records_per_s: 2_000.0,
    };
    c.workload.value_model = model;
    c.workload.limit = Some(limit);
    c.job.parallelism = parallelism;
    c.job.max_parallelism = Some(32);
    c.job.records_per_s_per_subtask = 3_000.0;
    c.job.restart_delay_ms = 100;
    c.checkpointing.interval_ms = Some(300);
    c.checkpointing.codec = codec;
    c.checkpointing.incremental = incremental;
    c.checkpointing.num_retained = 2;
    c.link.bandwidth_mbit_s = 20.0;
    c.link.latency_ms = 3.0;
    c
}

/// Runs until the bounded source is fully processed (or `budget_us` of virtual time
/// passes), then checks the state against the no-failure run.
pub fn run_to_end(sim: &mut Simulation, limit: u64, budget_us: u64) {
    let deadline = sim.now_us() + budget_us;
    while !(sim.source_offset() == limit && sim.is_drained()) && sim.now_us() < deadline {
        sim.advance_by(50_000);
    }
    assert_eq!(
        sim.source_offset(),
        limit,
        "source did not reach its end; status {:?}",
        sim.status()
    );
    for kg in 0..sim.partitioning().max_parallelism() {
        let st = sim.key_group_state(kg);
        let bytes = statelab::engine::state::snapshot::serialize(
            st,
            sim.workload().keys(),
            sim.heap_layout(),
        );
        assert_eq!(
            st.raw_bytes(),
            bytes.len() as u64,
            "key group {kg}: the size kept on every write must be the serialised size"
        );
    }
    let report = sim.exactly_once_check().expect("drained");
    assert!(
        report.ok(),
        "key groups {:?} differ from the oracle",
        report.differing_key_groups
    );
}

/// Set to skip the checks against the stock `lz4` tool on a machine without it; each
/// skipped check then says so on the terminal. Without it a missing tool fails the test:
/// `scripts/test.sh` installs the tool, so its absence is a broken set-up, not a pass.
pub const SKIP_LZ4_TOOL: &str = "STATELAB_SKIP_LZ4_TOOL";

/// Decompresses an LZ4 file with the stock `lz4` tool. `None` only when the tool is
/// missing and `STATELAB_SKIP_LZ4_TOOL` is set (and `STATELAB_REQUIRE_TOOLS`, which
/// `scripts/test.sh` sets, is not); `check` names the skipped check.
pub fn stock_lz4_decompress(file: &std::path::Path, check: &str) -> Option<Vec<u8>> {
    let opted_out = std::env::var_os(SKIP_LZ4_TOOL).is_some()
        && std::env::var_os("STATELAB_REQUIRE_TOOLS").is_none();
    decompress_with("lz4", file, check, opted_out)
}

/// [`stock_lz4_decompress`] with the program and the opt-out given, so a test can check
/// what a missing tool does without changing the environment other tests read.
pub fn decompress_with(
    program: &str,
    file: &std::path::Path,
    check: &str,
    opted_out: bool,
) -> Option<Vec<u8>> {
    let out = match std::process::Command::new(program)
        .args(["-d", "-c", "-q"])
        .arg(file)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            assert!(
                opted_out,
                "the stock lz4 tool could not run ({e}); install it (apt-get install lz4) or set \
                 {SKIP_LZ4_TOOL}=1 to skip the checks that need it"
            );
            // Straight to stderr, not through eprintln!, which the test harness captures
            // and hides for a passing test: a skip must be seen.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {check}: the stock lz4 tool is not installed and {SKIP_LZ4_TOOL} is set"
            );
            return None;
        }
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}
