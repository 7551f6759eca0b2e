//! The Inspect tab's "job's result": each key's value as the job would emit it, with the
//! key group and subtask that hold it, searchable by key. Small jobs (a student's pasted
//! lines, the seed example) are listed whole; in a large key space the search looks one
//! key up, since listing a million keys every refresh would stall the page.

use std::time::Duration;

use crate::engine::partitioning::keygroups::Key;
use crate::engine::report::result::{keyed_result, result_of, ResultRow};
use crate::engine::sim::Simulation;

/// Up to this many keys with state, the result is listed (filtered by the search).
pub const LIST_UP_TO: u64 = 2_000;
/// Rows shown at most.
pub const SHOWN: usize = 40;
/// How often a playing run's result is read again.
pub const REFRESH_EVERY: Duration = Duration::from_millis(400);

/// What the result section shows.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ResultView {
    pub query: String,
    /// Keys with state in the job now.
    pub keys: u64,
    /// The rows that match, at most [`SHOWN`].
    pub rows: Vec<ResultRow>,
    /// Rows that matched beyond those shown.
    pub more: usize,
    /// Whether `rows` is a listing (small job) or one key looked up (large job).
    pub listed: bool,
}

/// Reads the result of `sim` for a search `query` (a substring in a small job, an exact
/// key in a large one).
pub fn read(sim: &Simulation, query: &str) -> ResultView {
    let keys: u64 = (0..sim.partitioning().max_parallelism())
        .map(|kg| u64::from(sim.key_group_state(kg).len()))
        .sum();
    let q = query.trim();
    if keys <= LIST_UP_TO {
        let matching: Vec<ResultRow> = keyed_result(sim)
            .into_iter()
            .filter(|r| q.is_empty() || r.key.to_string().contains(q))
            .collect();
        let more = matching.len().saturating_sub(SHOWN);
        return ResultView {
            query: query.to_string(),
            keys,
            rows: matching.into_iter().take(SHOWN).collect(),
            more,
            listed: true,
        };
    }
    // A `String` key by its text, else a `Long` key by its number.
    let found = (!q.is_empty())
        .then(|| result_of(sim, &Key::Str(q.to_string())))
        .flatten()
        .or_else(|| {
            q.parse::<i64>()
                .ok()
                .and_then(|v| result_of(sim, &Key::Long(v)))
        });
    ResultView {
        query: query.to_string(),
        keys,
        rows: found.into_iter().collect(),
        more: 0,
        listed: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::Config;
    use crate::engine::partitioning::keygroups::KeyKind;
    use crate::engine::partitioning::trace::{Trace, SEED_EXAMPLE_INPUT};
    use crate::engine::partitioning::workload::{SourceConfig, ValueModel};

    #[test]
    fn a_small_job_is_listed_and_filtered() {
        let trace = Trace::parse_csv(SEED_EXAMPLE_INPUT, KeyKind::String).unwrap();
        let mut c = Config::default();
        c.workload.source = SourceConfig::Trace;
        c.workload.value_model = ValueModel::Counter;
        let mut sim = Simulation::new(c, Some(&trace)).unwrap();
        sim.advance_to(5_000_000);
        let all = read(&sim, "");
        assert!(all.listed);
        assert_eq!(all.keys, 4);
        let lines: Vec<String> = all.rows.iter().map(ToString::to_string).collect();
        assert_eq!(lines, ["a:1", "b:2", "c:3", "d:4"]);
        assert_eq!(read(&sim, "c").rows.len(), 1);
        assert!(read(&sim, "zz").rows.is_empty());
    }

    #[test]
    fn a_large_job_looks_one_key_up() {
        let mut c = Config::default();
        c.workload.value_model = ValueModel::Counter;
        c.workload.rate = crate::engine::partitioning::workload::RateProfile::Constant {
            records_per_s: 5_000.0,
        };
        let mut sim = Simulation::new(c, None).unwrap();
        sim.advance_to(5_000_000);
        let none = read(&sim, "");
        assert!(none.keys > LIST_UP_TO, "{}", none.keys);
        assert!(!none.listed && none.rows.is_empty());
        let some = keyed_result(&sim)[7].clone();
        let found = read(&sim, &some.key.to_string());
        assert_eq!(found.rows, [some]);
        assert!(read(&sim, "user-nope").rows.is_empty());
    }
}
