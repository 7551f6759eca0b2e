//! A key group's snapshot as a chunk: the bytes Flink's heap (`hashmap`) backend writes
//! for that key group, under the checkpoint's codec (see `flink_heap.rs` for the format
//! and its sources).
//!
//! The lab ships one chunk per key group, so a key group can be shared by incremental
//! checkpoints, moved on rescale and restored alone. A Flink state file is one subtask's
//! key groups after a header (the serialization proxy: key and state serializers); the lab
//! puts that header in front of the chunk of the first key group of each subtask's range,
//! so a checkpoint's chunks add up to exactly the state files Flink would write.
//!
//! What a run's job looks like to Flink ([`layout`]): a `KeyedProcessFunction` keyed by a
//! `String` (or a `Long`) with one keyed state — `ValueState<Long>` named `counter` for the
//! counter model (`sum` for the seed document's job), `ListState<String>` named `events`,
//! `ValueState<byte[]>` named `bytes` — and its timer service, whose two queues are empty.
//!
//! Entries are written in the order the heap backend's hash table holds them, so even
//! compressed chunks are byte for byte Flink's. Writing streams: a key group is never held
//! uncompressed in full (with one key group, that would be the whole state again).

use crate::engine::partitioning::keygroups::KeyKind;
use crate::engine::partitioning::workload::{
    KeyRef, KeySpace, SourceConfig, ValueModel, Workload, WorkloadConfig,
};
use crate::engine::state::codec::Codec;
use crate::engine::state::flink_heap::{
    self, Compression, FormatError, HeapLayout, KeySerializer, SectionSink, StateType, Value,
};
use crate::engine::state::keyed::{
    Event, KeyGroupState, KeyValue, EVENT_KINDS, KEY_GROUP_FIXED_LEN,
};
use std::fmt;

/// The job's heap layout: its key serializer and its one keyed state.
pub fn layout(workload: &Workload) -> HeapLayout {
    // A trace's keys are all of one kind.
    let keys = workload.keys();
    let long_trace = !keys.is_empty() && matches!(keys.key_ref(0), KeyRef::Long(_));
    layout_of(workload.config(), long_trace)
}

/// The heap layout a workload config gives, `long_trace` saying whether a trace's keys are
/// `Long`s (a generated source's key kind is in its config).
pub fn layout_of(config: &WorkloadConfig, long_trace: bool) -> HeapLayout {
    let key = match &config.source {
        SourceConfig::Generated {
            key_kind: KeyKind::Integer,
            ..
        } => KeySerializer::Long,
        SourceConfig::Generated { .. } | SourceConfig::SeedExample => KeySerializer::String,
        SourceConfig::Trace if long_trace => KeySerializer::Long,
        SourceConfig::Trace => KeySerializer::String,
    };
    let (name, state) = match config.value_model {
        ValueModel::Counter if matches!(config.source, SourceConfig::SeedExample) => {
            ("sum", StateType::LongValue)
        }
        ValueModel::Counter => ("counter", StateType::LongValue),
        ValueModel::Events { .. } => ("events", StateType::StringList),
        ValueModel::RandomBytes { .. } => ("bytes", StateType::BytesValue),
    };
    HeapLayout::keyed_process_function(key, name, state)
}

/// The compression Flink (or the lab beyond it) wraps each state section in.
pub fn compression(codec: Codec) -> Compression {
    match codec {
        Codec::None => Compression::None,
        Codec::Snappy => Compression::Snappy,
        Codec::Lz4 => Compression::Lz4,
    }
}

/// The header of a subtask's state file, uncompressed in every codec (its flag says
/// whether the key groups after it are compressed).
pub fn header(layout: &HeapLayout, codec: Codec) -> Vec<u8> {
    let mut out = Vec::with_capacity(layout.header_len());
    layout.write_header(compression(codec), &mut out);
    out
}

/// The chunk of a key group: its bytes in Flink's format under `codec`, after the
/// subtask's header when `with_header`. In an allocation of exactly its size.
pub fn encode(
    state: &KeyGroupState,
    keys: &KeySpace,
    layout: &HeapLayout,
    codec: Codec,
    with_header: bool,
) -> Vec<u8> {
    let compression = compression(codec);
    let raw = state.raw_bytes() as usize;
    let mut out = Vec::with_capacity(match compression {
        Compression::None => raw + layout.header_len(),
        _ => raw / 2 + 256,
    });
    if with_header {
        layout.write_header(compression, &mut out);
    }
    write_key_group(state, keys, layout, compression, &mut out);
    exact(out)
}

/// `out` in an allocation of exactly its length. Small chunks are copied rather than shrunk
/// in place: shrinking leaves the tail as a hole of odd size that later chunks rarely fit,
/// while the freed working buffer is the size the next chunk asks for. Large ones (which
/// allocators map on their own and shrink without a copy) are shrunk: a copy would hold
/// the chunk twice. Measured by `cargo bench --bench memory` (the allocator's free memory
/// at the peak, and the one-key-group cases).
fn exact(mut out: Vec<u8>) -> Vec<u8> {
    const COPY_BELOW: usize = 1 << 20;
    if out.capacity() == out.len() {
        out
    } else if out.len() < COPY_BELOW {
        out.as_slice().to_vec()
    } else {
        out.shrink_to_fit();
        out
    }
}

/// The key group uncompressed: exactly [`KeyGroupState::raw_bytes`] long.
pub fn serialize(state: &KeyGroupState, keys: &KeySpace, layout: &HeapLayout) -> Vec<u8> {
    let mut out = Vec::with_capacity(state.raw_bytes() as usize);
    write_key_group(state, keys, layout, Compression::None, &mut out);
    out
}

/// The key group's id, then each state section through its compression: the value
/// state's entries in heap order, the timer queues empty.
fn write_key_group(
    state: &KeyGroupState,
    keys: &KeySpace,
    layout: &HeapLayout,
    compression: Compression,
    out: &mut Vec<u8>,
) {
    let kg = state.key_group();
    out.extend_from_slice(&kg.to_be_bytes());
    let members = keys.members(kg);
    let entries_len = (state.raw_bytes() - KEY_GROUP_FIXED_LEN) as usize;
    for &id in layout.section_order() {
        let is_value = id == HeapLayout::VALUE_STATE_ID;
        let section_len = flink_heap::SECTION_HEADER_LEN + if is_value { entries_len } else { 0 };
        let mut sink = SectionSink::begin(compression, section_len, out);
        let buf = sink.buffer(out);
        buf.extend_from_slice(&(id as i16).to_be_bytes());
        let count = if is_value { state.len() } else { 0 };
        buf.extend_from_slice(&(count as i32).to_be_bytes());
        if is_value {
            let order = state.heap_order(|slot| keys.key_ref(members[slot]).java_hash_code());
            for slot in order.slots() {
                let Some(value) = state.get(slot) else {
                    continue;
                };
                write_entry(keys.key_ref(members[slot]), value, sink.buffer(out));
                sink.flush(out);
            }
        }
        sink.finish(out);
    }
}

/// One entry as Flink writes it: namespace, key, value (big-endian, `StringValue` strings).
/// Generated keys and events are rendered straight into the bytes.
fn write_entry(key: KeyRef<'_>, value: KeyValue<'_>, out: &mut Vec<u8>) {
    out.push(0); // VoidNamespace
    write_key(key, out);
    match value {
        KeyValue::Counter { sum } => out.extend_from_slice(&sum.to_be_bytes()),
        KeyValue::Events(events) => {
            out.extend_from_slice(&(events.len() as i32).to_be_bytes());
            for e in events {
                write_ascii_len(e.rendered_len(), out);
                e.render_into(out);
            }
        }
        KeyValue::Bytes { bytes } => {
            out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
            out.extend_from_slice(bytes);
        }
    }
}

/// A key under `StringSerializer` or `LongSerializer`.
fn write_key(key: KeyRef<'_>, out: &mut Vec<u8>) {
    match key {
        // A trace's key may be any text; the format module writes its UTF-16 units. Keys
        // longer than a Java string are refused when the trace is read.
        KeyRef::Str(s) => {
            let _ = flink_heap::write_string(s, out);
        }
        KeyRef::Generated { format, n } => {
            write_ascii_len(format.text_len(n), out);
            format.write(n, out);
        }
        KeyRef::Long(v) => out.extend_from_slice(&v.to_be_bytes()),
    }
}

/// `StringValue.writeString`'s length prefix for an ASCII string: varint(length + 1).
fn write_ascii_len(len: usize, out: &mut Vec<u8>) {
    let mut v = len as u32 + 1;
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Why a chunk could not be read back. Never a panic: bytes come from the store, which the
/// lab lets users corrupt.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum SnapshotError {
    /// The bytes are not Flink's heap format as the job writes it.
    Format(FormatError),
    /// The header describes another job's state.
    OtherJob {
        expected: String,
        found: String,
    },
    UnknownKey {
        key: String,
    },
    BadEvent {
        text: String,
    },
    TooManyEvents {
        found: usize,
        keep: u8,
    },
    WrongValueLength {
        expected: usize,
        found: usize,
    },
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SnapshotError::*;
        match self {
            Format(e) => write!(f, "{e}"),
            OtherJob { expected, found } => {
                write!(f, "the chunk holds {found}, the job keeps {expected}")
            }
            UnknownKey { key } => write!(f, "key `{key}` is not in this job's key space"),
            BadEvent { text } => write!(f, "`{text}` is not an event the job writes"),
            TooManyEvents { found, keep } => {
                write!(f, "{found} events for one key, the job keeps {keep}")
            }
            WrongValueLength { expected, found } => {
                write!(f, "a value of {found} bytes, the job keeps {expected}")
            }
        }
    }
}

impl std::error::Error for SnapshotError {}

impl From<FormatError> for SnapshotError {
    fn from(e: FormatError) -> Self {
        SnapshotError::Format(e)
    }
}

fn describe(layout: &HeapLayout) -> String {
    format!(
        "{:?} `{}` keyed by {:?}",
        layout.state_type(),
        layout.state_name(),
        layout.key_serializer()
    )
}

/// Reads a chunk back into the key group's state, checking its header (when it has one)
/// against the job's layout, that it is the key group expected, that every key is the
/// job's and belongs to it, and that every value is one the job keeps.
pub fn decode(
    chunk: &[u8],
    key_group: u32,
    layout: &HeapLayout,
    codec: Codec,
    with_header: bool,
    model: ValueModel,
    keys: &KeySpace,
) -> Result<KeyGroupState, SnapshotError> {
    let compression = compression(codec);
    let start = if with_header {
        let header = flink_heap::read_header(chunk)?;
        if header.layout.key_serializer() != layout.key_serializer()
            || header.layout.state_type() != layout.state_type()
            || header.layout.state_name() != layout.state_name()
            || header.layout.state_count() != layout.state_count()
        {
            return Err(SnapshotError::OtherJob {
                expected: describe(layout),
                found: describe(&header.layout),
            });
        }
        if header.compressed != compression.header_flag() {
            return Err(SnapshotError::Format(FormatError {
                at: 4,
                decompressed_at: None,
                kind: flink_heap::FormatErrorKind::CompressionMismatch {
                    header_compressed: header.compressed,
                },
            }));
        }
        header.len
    } else {
        0
    };
    let (snapshot, end) = flink_heap::read_key_group_at(
        chunk,
        start,
        layout,
        compression,
        key_group,
        Some(keys.max_parallelism()),
    )?;
    if end != chunk.len() {
        return Err(SnapshotError::Format(FormatError {
            at: end,
            decompressed_at: None,
            kind: flink_heap::FormatErrorKind::TrailingBytes(chunk.len() - end),
        }));
    }
    let mut state = KeyGroupState::empty(key_group, keys);
    let mut events = Vec::new();
    for (key, value) in &snapshot.entries {
        let index = keys
            .index_of(key)
            .filter(|i| keys.key_group(*i) == key_group)
            .ok_or_else(|| SnapshotError::UnknownKey {
                key: key.to_string(),
            })?;
        let value = match (model, value) {
            (ValueModel::Counter, Value::Long(sum)) => KeyValue::Counter { sum: *sum },
            (ValueModel::Events { keep }, Value::Strings(texts)) => {
                if texts.len() > usize::from(keep) {
                    return Err(SnapshotError::TooManyEvents {
                        found: texts.len(),
                        keep,
                    });
                }
                events.clear();
                for t in texts {
                    events.push(parse_event(t).ok_or_else(|| SnapshotError::BadEvent {
                        text: t.chars().take(80).collect(),
                    })?);
                }
                KeyValue::Events(&events)
            }
            (ValueModel::RandomBytes { len }, Value::Bytes(bytes)) => {
                if bytes.len() != usize::from(len) {
                    return Err(SnapshotError::WrongValueLength {
                        expected: usize::from(len),
                        found: bytes.len(),
                    });
                }
                KeyValue::Bytes { bytes }
            }
            // The header or the layout decided the value type; a mismatch is another job.
            _ => {
                return Err(SnapshotError::OtherJob {
                    expected: describe(layout),
                    found: "values of another type".into(),
                })
            }
        };
        let slot = keys.slot(index);
        state
            .insert(slot, value, keys.key_ref(index))
            .map_err(|()| SnapshotError::OtherJob {
                expected: describe(layout),
                found: "values of another model".into(),
            })?;
    }
    Ok(state)
}

/// Parses exactly the text `Event::render` writes; anything else is not the job's.
fn parse_event(text: &str) -> Option<Event> {
    let rest = text.strip_prefix("{\"offset\":")?;
    let (offset, rest) = rest.split_once(",\"value\":")?;
    let (value, rest) = rest.split_once(",\"kind\":\"")?;
    let kind = rest.strip_suffix("\"}")?;
    let event = Event {
        offset: offset.parse().ok()?,
        value: value.parse().ok()?,
    };
    (event.kind() == kind && EVENT_KINDS.contains(&kind) && event.render() == text).then_some(event)
}
