//! The Faults panel's inputs, checked before their buttons can be pressed: against the
//! running job (which subtasks and key groups exist, what the latest checkpoint holds)
//! and against the engine's own rules for a fault schedule. Each check returns the
//! intent's argument, or the message shown next to the input.

use crate::engine::config::{Config, MAX_PARALLELISM_IN_LAB};
use crate::engine::faults::{Fault, ScheduledFault};
use crate::engine::report::view::StoredCheckpointView;
use crate::engine::transfer::store::ChunkId;

use super::fields::numbers::{parse_f64, parse_u32, parse_u64};

/// A subtask of a job running `parallelism` of them.
pub fn subtask(text: &str, parallelism: u32) -> Result<u32, String> {
    let s = parse_u32(text)?;
    if s < parallelism {
        Ok(s)
    } else {
        Err(format!(
            "the job has subtasks 0 to {}",
            parallelism.saturating_sub(1)
        ))
    }
}

/// A new parallelism: at least 1, at most the lab's cap and the job's key groups.
pub fn rescale(text: &str, key_groups: u32) -> Result<u32, String> {
    let cap = MAX_PARALLELISM_IN_LAB.min(key_groups.max(1));
    let p = parse_u32(text)?;
    if (1..=cap).contains(&p) {
        Ok(p)
    } else {
        Err(format!(
            "must be between 1 and {cap} (at most the {key_groups} key groups)"
        ))
    }
}

/// The chunk of a key group in the latest completed checkpoint, still in the store.
pub fn chunk_of(
    text: &str,
    key_groups: u32,
    latest: Option<&StoredCheckpointView>,
) -> Result<ChunkId, String> {
    let kg = parse_u32(text)?;
    if kg >= key_groups {
        return Err(format!(
            "key groups are 0 to {}",
            key_groups.saturating_sub(1)
        ));
    }
    let cp = latest.ok_or("no completed checkpoint yet")?;
    let chunk = cp
        .chunks
        .iter()
        .find(|c| c.key_group == kg)
        .ok_or_else(|| format!("checkpoint {} holds no chunk for key group {kg}", cp.id))?;
    if !chunk.present {
        return Err(format!(
            "the chunk of key group {kg} in checkpoint {} is already lost",
            cp.id
        ));
    }
    Ok(chunk.chunk)
}

pub fn drop_transfers(config: &Config, count: &str) -> Result<Fault, String> {
    let count = parse_u32(count)?;
    engine_check(config, Fault::DropTransfers { count })
}

pub fn link_outage(config: &Config, duration_ms: &str) -> Result<Fault, String> {
    let duration_ms = parse_u64(duration_ms)?;
    engine_check(config, Fault::LinkOutage { duration_ms })
}

pub fn latency_spike(
    config: &Config,
    latency_ms: &str,
    duration_ms: &str,
) -> Result<Fault, String> {
    let latency_ms = parse_f64(latency_ms)?;
    let duration_ms = parse_u64(duration_ms)?;
    engine_check(
        config,
        Fault::LatencySpike {
            latency_ms,
            duration_ms,
        },
    )
}

pub fn store_unavailable(config: &Config, duration_ms: &str) -> Result<Fault, String> {
    let duration_ms = parse_u64(duration_ms)?;
    engine_check(config, Fault::StoreUnavailable { duration_ms })
}

pub fn set_bandwidth(config: &Config, mbit_s: &str) -> Result<Fault, String> {
    let mbit_s = parse_f64(mbit_s)?;
    engine_check(config, Fault::SetBandwidth { mbit_s })
}

/// Checks a fault with the engine's rules for a fault schedule, so the panel never
/// repeats them.
fn engine_check(config: &Config, fault: Fault) -> Result<Fault, String> {
    let mut c = config.clone();
    c.faults = vec![ScheduledFault {
        at_ms: 0,
        fault: fault.clone(),
    }];
    match c.validate() {
        Ok(()) => Ok(fault),
        Err(e) => Err(e
            .0
            .iter()
            .filter(|e| e.field.starts_with("faults["))
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::report::view::StoredChunkView;
    use crate::engine::state::codec::Codec;

    /// Words the result must contain, or the value it must be.
    fn check<T: std::fmt::Debug + PartialEq>(got: Result<T, String>, want: Result<T, &str>) {
        match (&got, &want) {
            (Ok(g), Ok(w)) => assert_eq!(g, w),
            (Err(g), Err(w)) => assert!(g.contains(w), "{g:?} lacks {w:?}"),
            _ => panic!("got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn subtasks_and_parallelisms_exist_in_the_running_job() {
        let cases: &[(&str, u32, Result<u32, &str>)] = &[
            ("0", 4, Ok(0)),
            ("3", 4, Ok(3)),
            ("4", 4, Err("the job has subtasks 0 to 3")),
            ("x", 4, Err("`x` is not a number")),
            ("0", 0, Err("the job has subtasks 0 to 0")),
        ];
        for (text, parallelism, want) in cases {
            check(subtask(text, *parallelism), *want);
        }
        let cases: &[(&str, u32, Result<u32, &str>)] = &[
            ("1", 128, Ok(1)),
            ("128", 128, Ok(128)),
            (
                "129",
                128,
                Err("between 1 and 128 (at most the 128 key groups)"),
            ),
            ("0", 128, Err("between 1 and 128")),
            ("256", 4_096, Ok(256)),
            ("257", 4_096, Err("between 1 and 256")),
            ("", 128, Err("enter a whole number")),
        ];
        for (text, key_groups, want) in cases {
            check(rescale(text, *key_groups), *want);
        }
    }

    #[test]
    fn a_chunk_must_be_in_the_latest_checkpoint_and_in_the_store() {
        let chunk = |key_group, chunk, present| StoredChunkView {
            key_group,
            chunk,
            shared_from: None,
            encoded_bytes: 10,
            raw_bytes: 20,
            codec: Codec::Snappy,
            present,
        };
        let latest = StoredCheckpointView {
            id: 3,
            offset: 100,
            completed_at_us: 5,
            parallelism: 2,
            chunks: vec![chunk(0, 40, true), chunk(1, 41, false)],
        };
        let cases: &[(&str, Option<&StoredCheckpointView>, Result<ChunkId, &str>)] = &[
            ("0", Some(&latest), Ok(40)),
            (
                "1",
                Some(&latest),
                Err("key group 1 in checkpoint 3 is already lost"),
            ),
            (
                "2",
                Some(&latest),
                Err("checkpoint 3 holds no chunk for key group 2"),
            ),
            ("8", Some(&latest), Err("key groups are 0 to 7")),
            ("0", None, Err("no completed checkpoint yet")),
            ("-1", Some(&latest), Err("not a whole number")),
        ];
        for (text, latest, want) in cases {
            check(chunk_of(text, 8, *latest), *want);
        }
    }

    #[test]
    fn link_and_store_faults_follow_the_engines_rules() {
        let c = Config::default();
        check(
            drop_transfers(&c, "3"),
            Ok(Fault::DropTransfers { count: 3 }),
        );
        check(drop_transfers(&c, "0"), Err("between 1 and 1000"));
        check(drop_transfers(&c, "many"), Err("not a number"));
        check(
            link_outage(&c, "2000"),
            Ok(Fault::LinkOutage { duration_ms: 2_000 }),
        );
        check(link_outage(&c, "0"), Err("between 1 and 3600000"));
        check(
            latency_spike(&c, "200", "3000"),
            Ok(Fault::LatencySpike {
                latency_ms: 200.0,
                duration_ms: 3_000,
            }),
        );
        check(latency_spike(&c, "-1", "3000"), Err("between 0 and 60000"));
        check(latency_spike(&c, "200", "soon"), Err("not a number"));
        check(
            store_unavailable(&c, "5000"),
            Ok(Fault::StoreUnavailable { duration_ms: 5_000 }),
        );
        check(store_unavailable(&c, "0"), Err("between 1 and"));
        check(
            set_bandwidth(&c, "10"),
            Ok(Fault::SetBandwidth { mbit_s: 10.0 }),
        );
        check(set_bandwidth(&c, "0"), Err("between 0.001 and"));
    }
}
