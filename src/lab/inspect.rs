//! The inspector's facts, as text: what a selected subtask, key group, chunk or stored
//! checkpoint holds, read from the published picture. Sizes are given in detail (IEC
//! units and the exact count), since the inspector is where a person looks closely; they
//! read the same as a history row's details (`super::history`).

use crate::engine::report::stats::{CheckpointFailure, CheckpointStatus};
use crate::engine::state::codec::Codec;
use crate::engine::transfer::policy::{ShipDecision, ShipReason};
use crate::engine::transfer::store::{CheckpointId, ChunkId};

use super::view::LabView;
use crate::engine::report::format;

/// Named facts, in the order shown.
pub type Facts = Vec<(&'static str, String)>;

/// `Err` carries the sentence shown instead, when the thing is gone.
pub type Inspected = Result<Facts, String>;

/// A codec as the inspector names it, with where it stands towards Flink.
pub fn codec_label(codec: Codec) -> &'static str {
    match codec {
        Codec::None => "none (Flink's default)",
        Codec::Lz4 => "LZ4 frame (beyond Flink)",
        Codec::Snappy => "Snappy (Flink)",
    }
}

pub fn subtask(lab: &LabView, index: u32) -> Inspected {
    let view = &lab.view;
    let Some(s) = view.subtasks.iter().find(|s| s.index == index) else {
        return Err(format!(
            "Subtask {index} no longer exists (the job was rescaled)."
        ));
    };
    let groups = &view.key_groups[s.key_groups.start as usize..=s.key_groups.end as usize];
    let dirty = groups.iter().filter(|k| k.dirty).count();
    let barriers = if s.barriers.is_empty() {
        "none".to_string()
    } else {
        s.barriers
            .iter()
            .map(|(pos, id)| format!("checkpoint {id} behind {pos} records"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(vec![
        (
            "key groups",
            format!(
                "{}–{} ({} groups, {} changed since the last checkpoint)",
                s.key_groups.start,
                s.key_groups.end,
                s.key_groups.len(),
                dirty
            ),
        ),
        ("state", format::bytes_in_detail(s.state_bytes)),
        (
            "input channel",
            format!(
                "{} of {} records",
                format::count(u64::from(s.queued_records)),
                format::count(u64::from(s.channel_capacity))
            ),
        ),
        ("barriers in the channel", barriers),
        ("records processed", format::count(s.processed)),
        (
            "synchronous phase",
            if s.busy_in_sync_phase {
                "taking its snapshot now"
            } else {
                "idle"
            }
            .into(),
        ),
        (
            "last snapshot",
            s.last_snapshot_at_us
                .map_or("none yet".into(), |t| format!("at {}", format::at(t))),
        ),
    ])
}

pub fn key_group(lab: &LabView, kg: u32) -> Inspected {
    let view = &lab.view;
    let Some(k) = view.key_groups.get(kg as usize) else {
        return Err(format!("Key group {kg} does not exist in this run."));
    };
    // Which retained checkpoints hold it, and whether as their own upload or shared.
    let held_by: Vec<String> = view
        .store
        .checkpoints
        .iter()
        .filter_map(|c| {
            c.chunks
                .iter()
                .find(|ch| ch.key_group == kg)
                .map(|ch| match ch.shared_from {
                    Some(from) => format!(
                        "checkpoint {} (chunk {}, shared from checkpoint {from})",
                        c.id, ch.chunk
                    ),
                    None => format!("checkpoint {} (chunk {}, its own upload)", c.id, ch.chunk),
                })
        })
        .collect();
    let mut facts = vec![
        ("subtask", k.subtask.to_string()),
        ("keys", format::count(u64::from(k.keys))),
        ("state size", format::bytes_in_detail(k.raw_bytes)),
        (
            "since the last checkpoint",
            if k.chunk.is_none() && k.changed_records == 0 {
                "no completed checkpoint holds it yet".into()
            } else if k.dirty {
                format!(
                    "changed: {} records, {}",
                    format::count(k.changed_records),
                    format::bytes_in_detail(k.changed_bytes)
                )
            } else {
                "unchanged".into()
            },
        ),
    ];
    if let Some(decision) = &k.ship {
        facts.push((
            "last shipping decision",
            ship_explanation(decision, lab.config.checkpointing.incremental),
        ));
    }
    facts.push((
        "chunk in the latest checkpoint",
        k.chunk.map_or("none".into(), |c| format!("chunk {c}")),
    ));
    facts.push((
        "held by",
        if held_by.is_empty() {
            "no retained checkpoint".into()
        } else {
            held_by.join("; ")
        },
    ));
    if lab.inspection.as_ref().is_none_or(|i| i.key_group != kg) {
        facts.push(("keys and values", "reading…".into()));
    }
    Ok(facts)
}

pub fn chunk(lab: &LabView, id: ChunkId) -> Inspected {
    let view = &lab.view;
    let holders: Vec<_> = view
        .store
        .checkpoints
        .iter()
        .filter_map(|c| c.chunks.iter().find(|ch| ch.chunk == id).map(|ch| (c, ch)))
        .collect();
    let Some((first, ch)) = holders.first() else {
        return Err(format!(
            "Chunk {id} is no longer referenced by a retained checkpoint (it was deleted)."
        ));
    };
    let state = if !ch.present {
        "missing from the store"
    } else if lab.corrupted.contains(&id) {
        "corrupted from this page: a restore will fail its checksum"
    } else {
        "stored"
    };
    Ok(vec![
        ("key group", ch.key_group.to_string()),
        (
            "uploaded by checkpoint",
            ch.shared_from.unwrap_or(first.id).to_string(),
        ),
        (
            "referenced by",
            holders
                .iter()
                .map(|(c, _)| c.id.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("codec", codec_label(ch.codec).to_string()),
        ("raw bytes", format::bytes_in_detail(ch.raw_bytes)),
        ("encoded bytes", format::bytes_in_detail(ch.encoded_bytes)),
        (
            "compression ratio",
            format::ratio(ch.raw_bytes, ch.encoded_bytes),
        ),
        ("state", state.to_string()),
    ])
}

pub fn checkpoint(lab: &LabView, id: CheckpointId) -> Inspected {
    let stats = lab.history.iter().rev().find(|h| h.id == id);
    let stored = lab.view.store.checkpoints.iter().find(|c| c.id == id);
    let mut facts = Vec::new();
    if let Some(h) = stats {
        let status = match &h.status {
            CheckpointStatus::InProgress => "in progress".to_string(),
            CheckpointStatus::Completed => "completed".to_string(),
            CheckpointStatus::Failed(why) => format!("failed: {why}"),
        };
        facts.push(("status", status));
        if let CheckpointStatus::Failed(why) = &h.status {
            facts.push(("why it failed", failure_explanation(why)));
        }
        facts.push(("triggered at", format::at(h.trigger_time_us)));
        facts.push(("source offset", format::count(h.offset)));
        facts.push((
            "acknowledged subtasks",
            format!("{}/{}", h.acknowledged_subtasks, h.parallelism),
        ));
        if let Some(d) = h.end_to_end_duration_us {
            facts.push(("end-to-end duration", format::duration_us(d)));
        }
        facts.push((
            "checkpointed data size",
            format::bytes_in_detail(h.checkpointed_data_size),
        ));
        if h.full_checkpoint_size > 0 {
            facts.push((
                "full checkpoint size",
                format::bytes_in_detail(h.full_checkpoint_size),
            ));
        }
        facts.push((
            "key groups shipped / referenced",
            format!("{} / {}", h.key_groups_shipped, h.key_groups_skipped),
        ));
    }
    if let Some(c) = stored {
        let own = c
            .chunks
            .iter()
            .filter(|ch| ch.shared_from.is_none())
            .count();
        let missing = c.chunks.iter().filter(|ch| !ch.present).count();
        let raw: u64 = c.chunks.iter().map(|ch| ch.raw_bytes).sum();
        let enc: u64 = c.chunks.iter().map(|ch| ch.encoded_bytes).sum();
        if stats.is_none() {
            facts.push(("status", "completed".into()));
            facts.push(("source offset", format::count(c.offset)));
        }
        facts.push(("completed at", format::at(c.completed_at_us)));
        facts.push(("parallelism", c.parallelism.to_string()));
        facts.push((
            "chunks",
            format!(
                "{} ({} its own, {} shared with earlier checkpoints{})",
                c.chunks.len(),
                own,
                c.chunks.len() - own,
                if missing > 0 {
                    format!(", {missing} missing")
                } else {
                    String::new()
                }
            ),
        ));
        facts.push(("raw bytes held", format::bytes_in_detail(raw)));
        facts.push(("encoded bytes held", format::bytes_in_detail(enc)));
        facts.push(("compression ratio", format::ratio(raw, enc)));
        facts.push(("retained", "yes: a restore can use it".into()));
    } else if stats.is_some() {
        facts.push(("retained", "no".into()));
    }
    if facts.is_empty() {
        return Err(format!("Checkpoint {id} is no longer known."));
    }
    Ok(facts)
}

/// Why a key group was shipped or held back at its last barrier, with the numbers the
/// policy decided on.
pub fn ship_explanation(d: &ShipDecision, incremental: bool) -> String {
    let changed = format::bytes(d.facts.changed_bytes);
    let threshold = d.threshold_bytes.map_or_else(String::new, format::bytes);
    let age = if d.facts.age_us == u64::MAX {
        "never".to_string()
    } else {
        format!("{} before", format::duration_us(d.facts.age_us))
    };
    let bound = d
        .staleness_bound_us
        .map_or_else(String::new, format::duration_us);
    let at = d.checkpoint;
    match d.reason {
        ShipReason::FullCheckpoint => format!(
            "checkpoint {at} shipped it: incremental checkpoints are {}, so every checkpoint \
             ships every key group, changed or not",
            if incremental {
                "on but this one was full"
            } else {
                "off"
            }
        ),
        ShipReason::Changed => format!(
            "checkpoint {at} shipped it: {changed} changed since its chunk in the latest \
             completed checkpoint, and an incremental checkpoint ships what changed"
        ),
        ShipReason::Unchanged => format!(
            "checkpoint {at} held it back: nothing changed since its chunk in the latest \
             completed checkpoint, which the new checkpoint references instead of uploading \
             it again"
        ),
        ShipReason::NeverUploaded => {
            format!("checkpoint {at} shipped it: no usable chunk of it was stored yet")
        }
        ShipReason::OverThreshold => format!(
            "checkpoint {at} shipped it: {changed} changed, at least the adaptive policy's \
             ship threshold of {threshold}"
        ),
        ShipReason::BelowThreshold => format!(
            "checkpoint {at} held it back: only {changed} changed, under the ship threshold \
             of {threshold}; its older chunk (captured {age}) stands in until it reaches the \
             staleness bound of {bound}"
        ),
        ShipReason::StalenessBound => format!(
            "checkpoint {at} shipped it: only {changed} changed (under the threshold of \
             {threshold}), but its stored chunk was captured {age}, at the staleness bound \
             of {bound}"
        ),
    }
}

/// Why a checkpoint failed, with the Flink option that decided it.
pub fn failure_explanation(failure: &CheckpointFailure) -> String {
    let counted = if failure.counts_against_tolerance() {
        " It counts against execution.checkpointing.tolerable-failed-checkpoints."
    } else {
        " It does not count against execution.checkpointing.tolerable-failed-checkpoints."
    };
    let why = match failure {
        CheckpointFailure::Expired { timeout_ms } => format!(
            "not every chunk was acknowledged within execution.checkpointing.timeout ({}): \
             uploads were still on the link (a slow link, an outage or a latency spike make \
             them late).",
            format::duration_us(timeout_ms * 1000)
        ),
        CheckpointFailure::Subsumed { by } => format!(
            "checkpoint {by}, started later, completed first; Flink then aborts the older one."
        ),
        CheckpointFailure::StoreUnavailable { key_group } => format!(
            "the checkpoint store was unavailable and refused the upload of key group \
             {key_group}."
        ),
        CheckpointFailure::UploadFailed(t) => format!(
            "the upload of key group {} was lost on every attempt ({} attempts, \
             link.max-retries).",
            t.key_group, t.attempts
        ),
        CheckpointFailure::JobFailed => {
            "the job failed while it ran; a failure aborts every running checkpoint.".into()
        }
    };
    format!("{why}{counted}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::report::stats::{LossCause, TransferFailure};
    use crate::engine::transfer::policy::KeyGroupFacts;

    fn decision(reason: ShipReason, changed: u64, age_us: u64) -> ShipDecision {
        ShipDecision {
            checkpoint: 7,
            reason,
            facts: KeyGroupFacts {
                has_chunk: true,
                dirty: changed > 0,
                changed_bytes: changed,
                age_us,
            },
            threshold_bytes: Some(16 * 1024),
            staleness_bound_us: Some(60_000_000),
        }
    }

    #[test]
    fn a_shipping_decision_says_why_with_its_numbers() {
        let held = ship_explanation(
            &decision(ShipReason::BelowThreshold, 2_048, 4_000_000),
            true,
        );
        assert!(held.starts_with("checkpoint 7 held it back"), "{held}");
        for part in ["2.00 KiB", "16.0 KiB", "4.00 s before", "1 min 00 s"] {
            assert!(held.contains(part), "{held} lacks {part}");
        }
        let stale = ship_explanation(&decision(ShipReason::StalenessBound, 100, 61_000_000), true);
        assert!(
            stale.contains("shipped it") && stale.contains("staleness bound"),
            "{stale}"
        );
        let over = ship_explanation(&decision(ShipReason::OverThreshold, 40_000, 1), true);
        assert!(
            over.contains("at least the adaptive policy's ship threshold"),
            "{over}"
        );
        let unchanged = ship_explanation(&decision(ShipReason::Unchanged, 0, 1), true);
        assert!(unchanged.contains("held it back") && unchanged.contains("references"));
        let full = ship_explanation(&decision(ShipReason::FullCheckpoint, 0, 1), false);
        assert!(full.contains("incremental checkpoints are off"), "{full}");
        let changed = ship_explanation(&decision(ShipReason::Changed, 5_000, 1), true);
        assert!(changed.contains("4.88 KiB changed"), "{changed}");
    }

    #[test]
    fn a_failed_checkpoint_says_why_and_whether_it_counts() {
        let expired = failure_explanation(&CheckpointFailure::Expired { timeout_ms: 1_000 });
        assert!(
            expired.contains("execution.checkpointing.timeout (1.00 s)"),
            "{expired}"
        );
        assert!(expired.contains("It counts against"), "{expired}");
        let lost = failure_explanation(&CheckpointFailure::UploadFailed(TransferFailure {
            key_group: 3,
            attempts: 6,
            cause: LossCause::LostOnLink,
        }));
        assert!(
            lost.contains("key group 3") && lost.contains("6 attempts"),
            "{lost}"
        );
        let aborted = failure_explanation(&CheckpointFailure::JobFailed);
        assert!(aborted.contains("does not count"), "{aborted}");
        let subsumed = failure_explanation(&CheckpointFailure::Subsumed { by: 9 });
        assert!(subsumed.contains("checkpoint 9"), "{subsumed}");
    }
}
