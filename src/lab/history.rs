//! The checkpoint history as text, column for column as Flink's UI has it: one row's
//! cells (sizes in IEC units, three significant digits, to compare at a glance) and the
//! sizes in a row's details (exact counts too, as the inspector gives them).

use crate::engine::report::stats::{CheckpointStats, CheckpointStatus};

use crate::engine::report::format;

/// One row's cells, in the table's column order after the id and the status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub acknowledged: String,
    pub trigger_time: String,
    pub latest_acknowledgement: String,
    pub end_to_end_duration: String,
    pub checkpointed_data_size: String,
    pub full_checkpoint_size: String,
    pub raw_data_size: String,
    pub ratio: String,
    pub key_groups: String,
}

pub fn row(s: &CheckpointStats) -> Row {
    Row {
        acknowledged: format!("{}/{}", s.acknowledged_subtasks, s.parallelism),
        trigger_time: format::at(s.trigger_time_us),
        latest_acknowledgement: s
            .latest_acknowledgement_us
            .map_or_else(|| format::DASH.into(), format::at),
        end_to_end_duration: format::duration_opt(s.end_to_end_duration_us),
        checkpointed_data_size: format::bytes(s.checkpointed_data_size),
        full_checkpoint_size: format::bytes(s.full_checkpoint_size),
        raw_data_size: format::bytes(s.raw_data_size),
        ratio: format::ratio(s.raw_data_size, s.checkpointed_data_size),
        key_groups: format!("{} / {}", s.key_groups_shipped, s.key_groups_skipped),
    }
}

/// The sizes of a row, in detail, under the table's own names.
pub fn sizes_in_detail(s: &CheckpointStats) -> [(&'static str, String); 3] {
    [
        (
            "Checkpointed Data Size",
            format::bytes_in_detail(s.checkpointed_data_size),
        ),
        (
            "Full Checkpoint Size",
            format::bytes_in_detail(s.full_checkpoint_size),
        ),
        ("Raw Data Size", format::bytes_in_detail(s.raw_data_size)),
    ]
}

/// The status as the table's `data-status` names it.
pub fn status_key(s: &CheckpointStatus) -> &'static str {
    match s {
        CheckpointStatus::InProgress => "in_progress",
        CheckpointStatus::Completed => "completed",
        CheckpointStatus::Failed(_) => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::report::format::DIGIT_GROUP;
    use crate::lab::inspect;
    use crate::lab::intent::Intent;
    use crate::lab::session::Session;

    #[test]
    fn the_inspector_and_the_history_say_the_same_sizes() {
        let (mut s, _) = Session::open("", "http://lab.test/".into(), true, "", Box::new(|| 0.0));
        s.handle(Intent::StepCheckpoint);
        let mut ts = 0.0;
        while s.busy() {
            ts += 16.0;
            s.frame(ts);
        }
        let lab = s.publish();
        let stats = lab.history.last().expect("a checkpoint");
        assert_eq!(stats.status, CheckpointStatus::Completed);
        assert!(
            stats.checkpointed_data_size >= 1024,
            "big enough for a unit"
        );

        let facts = inspect::checkpoint(&lab, stats.id).unwrap();
        let fact = |name: &str| {
            facts
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("no {name} in {facts:?}"))
        };
        let row = row(stats);
        let details = sizes_in_detail(stats);

        // The same words, in detail, in the inspector and in the row's details.
        assert_eq!(fact("checkpointed data size"), details[0].1);
        assert_eq!(fact("full checkpoint size"), details[1].1);
        // The row's cell is the detail's first part, in the same units.
        assert!(details[0]
            .1
            .starts_with(&format!("{} (", row.checkpointed_data_size)));
        assert!(details[2]
            .1
            .starts_with(&format!("{} (", row.raw_data_size)));
        for cell in [&row.checkpointed_data_size, &row.raw_data_size] {
            assert!(cell.ends_with("KiB") || cell.ends_with("MiB"), "{cell}");
        }
        // The exact count is the very number the table carries in data-bytes.
        let exact = stats.checkpointed_data_size.to_string();
        let shown: String = details[0]
            .1
            .split('(')
            .nth(1)
            .unwrap()
            .chars()
            .filter(|c| c.is_ascii_digit())
            .collect();
        assert_eq!(shown, exact);
        assert!(details[0].1.contains(DIGIT_GROUP));
        // A first checkpoint holds only its own chunks: they add up to what it uploaded.
        assert_eq!(fact("encoded bytes held"), details[0].1);
        assert_eq!(fact("raw bytes held"), details[2].1);
        assert_eq!(fact("compression ratio"), row.ratio);
    }

    #[test]
    fn rows_read_in_flinks_columns() {
        let (mut s, _) = Session::open("", "http://lab.test/".into(), true, "", Box::new(|| 0.0));
        s.handle(Intent::TriggerCheckpoint);
        let lab = s.publish();
        let running = row(lab.history.last().unwrap());
        assert_eq!(running.acknowledged, "0/4");
        assert_eq!(running.trigger_time, "0.000 s");
        assert_eq!(running.latest_acknowledgement, format::DASH);
        assert_eq!(running.end_to_end_duration, format::DASH);
        assert_eq!(running.checkpointed_data_size, "0 B");
        assert_eq!(running.ratio, format::DASH);
        assert_eq!(
            status_key(&lab.history.last().unwrap().status),
            "in_progress"
        );
    }
}
