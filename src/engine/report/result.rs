//! The job's result: each key's current value, as the job would emit it (`a:1 b:2 c:3
//! d:4` for the seed document's example), with the key group and subtask that hold it.
//! Read from the live keyed state, so after a crash, a restore and a replay it shows what
//! the job recovered, and the exactly-once check can be seen key by key.

use std::fmt;

use crate::engine::partitioning::keygroups::Key;
use crate::engine::sim::Simulation;
use crate::engine::state::keyed::KeyValue;

/// One key's value as the job emits it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Emitted {
    /// The counter job's running sum.
    Sum(i64),
    /// The events job's last events (their values, oldest first).
    Events(Vec<i64>),
    /// The random-bytes job: how many bytes the key holds.
    Bytes(usize),
}

impl fmt::Display for Emitted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Emitted::Sum(v) => write!(f, "{v}"),
            Emitted::Events(values) => {
                f.write_str("[")?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Emitted::Bytes(n) => write!(f, "<{n} bytes>"),
        }
    }
}

/// One line of the result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultRow {
    pub key: Key,
    pub key_group: u32,
    pub subtask: u32,
    pub value: Emitted,
}

impl fmt::Display for ResultRow {
    /// `key:value`, as the document writes the example's output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.key, self.value)
    }
}

fn emitted(value: KeyValue<'_>) -> Emitted {
    match value {
        KeyValue::Counter { sum } => Emitted::Sum(sum),
        KeyValue::Events(list) => Emitted::Events(list.iter().map(|e| e.value).collect()),
        KeyValue::Bytes { bytes } => Emitted::Bytes(bytes.len()),
    }
}

/// Every key with state, sorted by key (text order; `Long` keys numerically).
pub fn keyed_result(sim: &Simulation) -> Vec<ResultRow> {
    let keys = sim.workload().keys();
    let part = sim.partitioning();
    let mut rows = Vec::new();
    for kg in 0..part.max_parallelism() {
        let members = keys.members(kg);
        let subtask = part.subtask_of_key_group(kg);
        sim.key_group_state(kg).for_each(|slot, value| {
            rows.push(ResultRow {
                key: keys.key(members[slot]),
                key_group: kg,
                subtask,
                value: emitted(value),
            });
        });
    }
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    rows
}

/// The one key's row, if it has state (a student's pick in the browser).
pub fn result_of(sim: &Simulation, key: &Key) -> Option<ResultRow> {
    let keys = sim.workload().keys();
    let index = keys.index_of(key)?;
    let (kg, slot) = (keys.key_group(index), keys.slot(index));
    let value = sim.key_group_state(kg).get(slot)?;
    Some(ResultRow {
        key: key.clone(),
        key_group: kg,
        subtask: sim.partitioning().subtask_of_key_group(kg),
        value: emitted(value),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::Config;
    use crate::engine::partitioning::workload::SourceConfig;

    #[test]
    fn the_seed_example_emits_the_documents_output() {
        let mut c = Config::default();
        c.workload.source = SourceConfig::SeedExample;
        c.workload.value_model = crate::engine::partitioning::workload::ValueModel::Counter;
        let mut sim = Simulation::new(c, None).unwrap();
        sim.advance_to(10_000_000);
        let lines: Vec<String> = keyed_result(&sim).iter().map(ToString::to_string).collect();
        assert_eq!(lines, ["a:1", "b:2", "c:3", "d:4"]);
        let b = result_of(&sim, &Key::Str("b".into())).unwrap();
        assert_eq!(b.value, Emitted::Sum(2));
        assert_eq!(
            b.subtask,
            sim.partitioning().subtask_of_key_group(b.key_group)
        );
        assert_eq!(result_of(&sim, &Key::Str("z".into())), None);
    }

    /// After a crash, a restore and a replay, and a rescale, every key's value is the one
    /// a run without failures ends with (a bounded source, so both runs drain it).
    #[test]
    fn the_result_survives_a_crash_and_a_rescale() {
        let mut c = Config::default();
        c.workload.value_model = crate::engine::partitioning::workload::ValueModel::Counter;
        c.workload.rate = crate::engine::partitioning::workload::RateProfile::Constant {
            records_per_s: 1000.0,
        };
        c.workload.limit = Some(8_000);
        let mut sim = Simulation::new(c.clone(), None).unwrap();
        sim.advance_to(3_000_000);
        sim.crash_job();
        sim.advance_to(6_000_000);
        sim.rescale(3).unwrap();
        sim.advance_to(40_000_000);
        let mut clean = Simulation::new(c, None).unwrap();
        clean.advance_to(40_000_000);
        let values = |rows: Vec<ResultRow>| {
            rows.into_iter()
                .map(|r| (r.key, r.value))
                .collect::<Vec<_>>()
        };
        let (a, b) = (keyed_result(&sim), keyed_result(&clean));
        assert!(a.iter().all(|r| r.subtask < 3));
        assert!(!a.is_empty());
        assert_eq!(values(a), values(b));
    }
}
