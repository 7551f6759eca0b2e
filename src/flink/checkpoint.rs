//! A checkpoint out of the lab and back in: `export` lays the latest completed checkpoint
//! out as Flink does (one state file per keyed subtask: the serialization-proxy header,
//! then its key groups in order, each as the heap backend writes it) with a manifest of
//! each key group's offset, source offset, codec and sizes; `read` verifies and decodes
//! such a directory, the way Flink's State Processor API reads a checkpoint offline,
//! naming the file, key group and byte of anything damaged. Pure: the caller reads and
//! writes the files.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::engine::partitioning::keygroups::{Key, Partitioning};
use crate::engine::partitioning::workload::ValueModel;
use crate::engine::recovery::retained::{RetainedCheckpoint, RetainedChunk};
use crate::engine::sim::Simulation;
use crate::engine::state::codec::Codec;
use crate::engine::state::flink_heap::{self, Value};
use crate::engine::state::snapshot;
use crate::engine::transfer::store::ChunkRef;

/// What `export` produced: the manifest, the state files `(name, bytes)` and warnings.
pub struct Exported {
    pub manifest: Manifest,
    pub files: Vec<(String, Vec<u8>)>,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestChunk {
    pub key_group: u32,
    pub subtask: u32,
    /// The subtask's state file and where this key group starts in it
    /// (`KeyGroupRangeOffsets`).
    pub file: String,
    pub offset_in_file: u64,
    /// The source offset this chunk's state is valid at: the checkpoint's own, or
    /// older for a key group the adaptive policy left waiting (its chunk comes from an
    /// earlier checkpoint). A restore replays this key group from here.
    pub source_offset: u64,
    /// Virtual time the chunk's state was captured.
    pub captured_at_us: u64,
    pub chunk: u64,
    pub codec: String,
    /// Its bytes uncompressed and as stored; the first key group of a file carries the
    /// file's header.
    pub raw_bytes: u64,
    pub encoded_bytes: u64,
    pub with_header: bool,
    pub uploaded_by_checkpoint: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub subtask: u32,
    pub file: String,
    pub first_key_group: u32,
    pub last_key_group: u32,
    pub bytes: u64,
    /// The header (serialization proxy) at the file's start.
    pub header_bytes: u64,
    /// Every key group's start in the file, as Flink keeps them in `_metadata`.
    pub key_group_offsets: Vec<(u32, u64)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub checkpoint: u64,
    /// The offset recorded with the checkpoint's barrier.
    pub source_offset: u64,
    /// Where a restore of this checkpoint starts replaying: the oldest chunk's offset.
    pub replay_from_offset: u64,
    pub parallelism: u32,
    pub max_parallelism: u32,
    pub value_model: ValueModel,
    /// When the checkpoint was triggered and completed (virtual µs).
    pub triggered_at_us: u64,
    pub completed_at_us: u64,
    /// When it was exported and how far the job's source had read then: a job restored
    /// from it (`restore-from`) continues the clock from here and catches up with this
    /// offset before its exactly-once check.
    pub exported_at_us: u64,
    pub source_offset_at_export: u64,
    /// The job's record source (`Simulation::source_fingerprint`, hex): a restore refuses
    /// a job reading other records.
    pub source_fingerprint: String,
    /// The keyed state as Flink's heap backend declares it.
    pub state_name: String,
    pub files: Vec<ManifestFile>,
    pub chunks: Vec<ManifestChunk>,
}

pub fn export(sim: &Simulation) -> Result<Exported, String> {
    let cp = sim
        .store()
        .latest()
        .ok_or("no checkpoint completed in the simulated time; raise --seconds")?;
    let max_p = sim.partitioning().max_parallelism();
    let part = Partitioning::new(cp.parallelism, max_p).map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    let mut chunks = Vec::new();
    let mut written = Vec::new();
    let mut warnings = Vec::new();
    for subtask in 0..cp.parallelism {
        let range = part.key_group_range(subtask);
        let file = format!("subtask-{subtask}");
        let mut bytes = Vec::new();
        let mut offsets = Vec::new();
        let mut codecs = std::collections::BTreeSet::new();
        for ChunkRef {
            key_group,
            chunk,
            offset,
            captured_at_us,
        } in cp.manifest.iter().filter(|m| range.contains(m.key_group))
        {
            let c = sim
                .store()
                .chunk(*chunk)
                .ok_or_else(|| format!("chunk {chunk} is missing from the store"))?;
            let start = bytes.len() as u64;
            // The key group's own start is after the header its chunk may carry.
            let header = if c.with_header {
                sim.heap_layout().header_len() as u64
            } else {
                0
            };
            bytes.extend_from_slice(&c.bytes);
            offsets.push((*key_group, start + header));
            codecs.insert(c.codec.name());
            chunks.push(ManifestChunk {
                key_group: *key_group,
                subtask,
                file: file.clone(),
                offset_in_file: start + header,
                source_offset: *offset,
                captured_at_us: *captured_at_us,
                chunk: *chunk,
                codec: c.codec.name().to_string(),
                raw_bytes: c.raw_len,
                encoded_bytes: c.bytes.len() as u64,
                with_header: c.with_header,
                uploaded_by_checkpoint: c.checkpoint,
            });
        }
        if codecs.len() > 1 {
            warnings.push(format!(
                "{file} mixes compressions ({}): incremental checkpoints kept chunks written before the codec changed; Flink could not read such a file",
                codecs.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        let len = bytes.len() as u64;
        written.push((file.clone(), bytes));
        files.push(ManifestFile {
            subtask,
            file,
            first_key_group: range.start,
            last_key_group: range.end,
            bytes: len,
            header_bytes: sim.heap_layout().header_len() as u64,
            key_group_offsets: offsets,
        });
    }
    let manifest = Manifest {
        checkpoint: cp.id,
        source_offset: cp.offset,
        replay_from_offset: cp.replay_offset(),
        parallelism: cp.parallelism,
        max_parallelism: max_p,
        value_model: sim.workload().config().value_model,
        triggered_at_us: cp.triggered_at_us,
        completed_at_us: cp.completed_at_us,
        exported_at_us: sim.now_us(),
        source_offset_at_export: sim.source_offset(),
        source_fingerprint: format!("{:016x}", sim.source_fingerprint()),
        state_name: sim.heap_layout().state_name().to_string(),
        files,
        chunks,
    };
    Ok(Exported {
        manifest,
        files: written,
        warnings,
    })
}

/// A checkpoint directory read back: every key group's entries, by subtask.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadBack {
    pub checkpoint: u64,
    pub source_offset: u64,
    pub parallelism: u32,
    pub max_parallelism: u32,
    /// (file, its bytes, key groups read).
    pub files: Vec<(String, u64, usize)>,
    /// key group → (subtask, entries).
    pub key_groups: BTreeMap<u32, (u32, Vec<(Key, Value)>)>,
}

impl ReadBack {
    /// Every key's value, sorted by key: `key:value` lines.
    pub fn entries(&self) -> Vec<(&Key, &Value)> {
        let mut out: Vec<(&Key, &Value)> = self
            .key_groups
            .values()
            .flat_map(|(_, entries)| entries.iter().map(|(k, v)| (k, v)))
            .collect();
        out.sort_by(|a, b| a.0.cmp(b.0));
        out
    }
}

/// A value as the job emits it (`1`, `[3,4]`, `<64 bytes>`).
pub fn show_value(value: &Value) -> String {
    match value {
        Value::Long(v) => v.to_string(),
        Value::Bytes(b) => format!("<{} bytes>", b.len()),
        Value::Strings(s) => format!("[{}]", s.join(",")),
    }
}

/// Why a directory is not a readable checkpoint: the file (`manifest.json` or a state
/// file) and what is wrong, with the key group and byte where the bytes are damaged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    pub file: String,
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

impl std::error::Error for ReadError {}

/// Reads a checkpoint directory: `manifest` is `manifest.json`'s text, `file(name)` a
/// state file's bytes. Every file is checked against the manifest (size, key groups,
/// offsets, codec) and every key group decoded, its keys checked to hash into it.
pub fn read(
    manifest: &str,
    mut file: impl FnMut(&str) -> Result<Vec<u8>, String>,
) -> Result<ReadBack, ReadError> {
    let err = |file: &str, message: String| ReadError {
        file: file.to_string(),
        message,
    };
    let m: Manifest = serde_json::from_str(manifest).map_err(|e| {
        err(
            "manifest.json",
            format!("not a statelab checkpoint manifest: {e}"),
        )
    })?;
    Partitioning::new(m.parallelism, m.max_parallelism)
        .map_err(|e| err("manifest.json", e.to_string()))?;
    let mut out = ReadBack {
        checkpoint: m.checkpoint,
        source_offset: m.source_offset,
        parallelism: m.parallelism,
        max_parallelism: m.max_parallelism,
        files: Vec::new(),
        key_groups: BTreeMap::new(),
    };
    for f in &m.files {
        let bytes = file(&f.file).map_err(|e| err(&f.file, e))?;
        if bytes.len() as u64 != f.bytes {
            return Err(err(
                &f.file,
                format!(
                    "{} bytes, but the manifest says {} (cut short or appended to)",
                    bytes.len(),
                    f.bytes
                ),
            ));
        }
        let codecs: std::collections::BTreeSet<&str> = m
            .chunks
            .iter()
            .filter(|c| c.file == f.file)
            .map(|c| c.codec.as_str())
            .collect();
        let codec = match codecs.iter().next() {
            Some(name) if codecs.len() == 1 => Codec::ALL
                .into_iter()
                .find(|c| c.name() == *name)
                .ok_or_else(|| {
                err(&f.file, format!("unknown codec `{name}` in the manifest"))
            })?,
            Some(_) => return Err(err(
                &f.file,
                "its key groups were written with different codecs; Flink cannot read such a file"
                    .into(),
            )),
            None => return Err(err(&f.file, "the manifest lists no key group in it".into())),
        };
        let subtask = flink_heap::read_subtask(
            &bytes,
            f.first_key_group,
            snapshot::compression(codec),
            Some(m.max_parallelism),
        )
        .map_err(|e| {
            // Name the key group whose bytes hold the damage.
            let kg = f
                .key_group_offsets
                .iter()
                .rev()
                .find(|(_, start)| *start as usize <= e.at)
                .map_or_else(
                    || "the header".to_string(),
                    |(kg, _)| format!("key group {kg}"),
                );
            err(&f.file, format!("{kg}, {e}"))
        })?;
        if subtask.offsets != f.key_group_offsets {
            return Err(err(
                &f.file,
                format!(
                    "key groups start at {:?}, but the manifest says {:?}",
                    subtask.offsets, f.key_group_offsets
                ),
            ));
        }
        let last = subtask.key_groups.last().map(|g| g.key_group);
        if subtask.key_groups.first().map(|g| g.key_group) != Some(f.first_key_group)
            || last != Some(f.last_key_group)
        {
            return Err(err(
                &f.file,
                format!(
                    "holds key groups up to {last:?}, but the manifest says {}..={}",
                    f.first_key_group, f.last_key_group
                ),
            ));
        }
        out.files
            .push((f.file.clone(), f.bytes, subtask.key_groups.len()));
        for g in subtask.key_groups {
            out.key_groups.insert(g.key_group, (f.subtask, g.entries));
        }
    }
    if out.key_groups.len() != m.max_parallelism as usize {
        return Err(err(
            "manifest.json",
            format!(
                "the files hold {} key groups; a checkpoint holds all {}",
                out.key_groups.len(),
                m.max_parallelism
            ),
        ));
    }
    Ok(out)
}

/// Reads a checkpoint directory for a restore: verified and decoded by [`read`] first
/// (every file, key group and byte), then each key group's chunk cut out of its state file
/// as the manifest places it, for `Simulation::from_checkpoint`.
pub fn load(
    manifest: &str,
    mut file: impl FnMut(&str) -> Result<Vec<u8>, String>,
) -> Result<RetainedCheckpoint, ReadError> {
    let mut files = BTreeMap::new();
    read(manifest, |name| {
        let bytes = file(name)?;
        files.insert(name.to_string(), bytes.clone());
        Ok(bytes)
    })?;
    let err = |file: &str, message: String| ReadError {
        file: file.to_string(),
        message,
    };
    // `read` parsed it already.
    let m: Manifest =
        serde_json::from_str(manifest).map_err(|e| err("manifest.json", e.to_string()))?;
    let source_fingerprint = u64::from_str_radix(&m.source_fingerprint, 16).map_err(|_| {
        err(
            "manifest.json",
            format!(
                "source_fingerprint `{}` is not 16 hex digits",
                m.source_fingerprint
            ),
        )
    })?;
    let header = |f: &str| m.files.iter().find(|x| x.file == f).map(|x| x.header_bytes);
    let mut chunks = Vec::with_capacity(m.chunks.len());
    for c in &m.chunks {
        let bytes = files
            .get(&c.file)
            .ok_or_else(|| err(&c.file, "listed by a key group but not in `files`".into()))?;
        // The chunk starts with its file's header when it is the file's first.
        let header = if c.with_header {
            header(&c.file).unwrap_or(0)
        } else {
            0
        };
        let start = c.offset_in_file.saturating_sub(header);
        let slice = c
            .offset_in_file
            .checked_sub(header)
            .and_then(|start| Some((start, start.checked_add(c.encoded_bytes)?)))
            .and_then(|(start, end)| bytes.get(start as usize..end as usize))
            .ok_or_else(|| {
                err(
                    &c.file,
                    format!(
                        "key group {}: bytes {start}..+{} are outside the file",
                        c.key_group, c.encoded_bytes
                    ),
                )
            })?;
        let codec = Codec::ALL
            .into_iter()
            .find(|x| x.name() == c.codec)
            .ok_or_else(|| err(&c.file, format!("unknown codec `{}`", c.codec)))?;
        chunks.push(RetainedChunk {
            key_group: c.key_group,
            source_offset: c.source_offset,
            captured_at_us: c.captured_at_us,
            codec,
            with_header: c.with_header,
            raw_len: c.raw_bytes,
            bytes: slice.to_vec(),
        });
    }
    Ok(RetainedCheckpoint {
        checkpoint: m.checkpoint,
        source_offset: m.source_offset,
        triggered_at_us: m.triggered_at_us,
        completed_at_us: m.completed_at_us,
        parallelism: m.parallelism,
        max_parallelism: m.max_parallelism,
        source_fingerprint,
        stopped_at_us: m.exported_at_us,
        stopped_at_offset: m.source_offset_at_export,
        chunks,
    })
}
