//! The byte layout of a key group snapshot, written and read by hand.
//!
//! Hand-written rather than through a serde backend because the layout is part of what
//! the lab teaches (and what `export-checkpoint` writes), it must be identical on every
//! target and across dependency upgrades, and serialising has to keep pace with LZ4.
//!
//! Layout, little-endian:
//! ```text
//! "SLKG" | version u8 = 1 | model u8 | model parameter u16 | key group u32 | entries u32
//! entry: key tag u8 (0 = string: len u32 + UTF-8, 1 = long: i64)
//!        counter: count u64, sum i64
//!        events:  n u8, n × (len u16 + text `{"offset":…,"value":…,"kind":"…"}`)
//!        bytes:   count u64, len u16, len bytes
//! ```
//! Entries appear in strictly increasing key order.

use crate::engine::decimal;
use crate::engine::partitioning::workload::{KeyRef, KeySpace, ValueModel, USER_PREFIX};
use crate::engine::state::codec::Codec;
use crate::engine::state::keyed::{Event, KeyGroupState, KeyValue, EVENT_KINDS};
use std::fmt;

const MAGIC: &[u8; 4] = b"SLKG";
const VERSION: u8 = 1;

fn model_tag(model: ValueModel) -> (u8, u16) {
    match model {
        ValueModel::Counter => (0, 0),
        ValueModel::Events { keep } => (1, u16::from(keep)),
        ValueModel::RandomBytes { len } => (2, len),
    }
}

/// Appends the snapshot of `state` to `out` (which is not cleared, so a buffer can be reused).
pub fn serialize_into(
    state: &KeyGroupState,
    model: ValueModel,
    keys: &KeySpace,
    out: &mut Vec<u8>,
) {
    out.reserve(state.raw_bytes() as usize);
    write_entries(state, model, keys, out, |_| {});
}

/// The chunk of `state` in `codec`'s frame, serialised a block at a time straight into
/// the encoder: byte for byte `codec.encode(&serialize(..))`, without ever holding the
/// raw snapshot (with one key group, a second copy of the whole state).
pub fn encode(state: &KeyGroupState, model: ValueModel, keys: &KeySpace, codec: Codec) -> Vec<u8> {
    const BLOCK: usize = 32 * 1024;
    let mut encoder = codec.encoder(state.raw_bytes() as usize);
    let mut buf = Vec::with_capacity(2 * BLOCK);
    write_entries(state, model, keys, &mut buf, |buf| {
        // Whole blocks only, so the encoder compresses straight from this buffer and
        // never has to gather a block from two pieces.
        if buf.len() >= BLOCK {
            encoder.write(&buf[..BLOCK]);
            buf.drain(..BLOCK);
        }
    });
    encoder.write(&buf);
    encoder.finish()
}

/// Writes the header and every entry to `out`, calling `after_entry` after each so a
/// caller can take what has been written so far.
fn write_entries(
    state: &KeyGroupState,
    model: ValueModel,
    keys: &KeySpace,
    out: &mut Vec<u8>,
    mut after_entry: impl FnMut(&mut Vec<u8>),
) {
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    let (tag, param) = model_tag(model);
    out.push(tag);
    out.extend_from_slice(&param.to_le_bytes());
    out.extend_from_slice(&state.key_group().to_le_bytes());
    out.extend_from_slice(&state.len().to_le_bytes());
    let members = keys.members(state.key_group());
    state.for_each(|slot, value| {
        write_key(keys.key_ref(members[slot]), out);
        match value {
            KeyValue::Counter { count, sum } => {
                let mut value = [0u8; 16];
                value[..8].copy_from_slice(&count.to_le_bytes());
                value[8..].copy_from_slice(&sum.to_le_bytes());
                out.extend_from_slice(&value);
            }
            KeyValue::Events(events) => {
                out.push(events.len() as u8);
                for e in events {
                    e.write_prefixed(out);
                }
            }
            KeyValue::Bytes { count, bytes } => {
                out.extend_from_slice(&count.to_le_bytes());
                out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
                out.extend_from_slice(bytes);
            }
        }
        after_entry(out);
    });
}

/// A key as snapshots write it: tag 0 + u32 length + UTF-8, or tag 1 + i64. Generated
/// keys are rendered here, straight into the snapshot.
#[inline]
pub fn write_key(key: KeyRef<'_>, out: &mut Vec<u8>) {
    match key {
        KeyRef::Str(s) => {
            out.push(0);
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        KeyRef::User(n) => {
            // Tag, length, prefix and digits assembled on the stack, appended in one copy:
            // this runs for every key of every snapshot.
            let digits = decimal::len_u64(u64::from(n));
            let len = 1 + 4 + USER_PREFIX.len() + digits;
            let mut buf = [0u8; 1 + 4 + 5 + 10];
            buf[1..5].copy_from_slice(&((USER_PREFIX.len() + digits) as u32).to_le_bytes());
            buf[5..10].copy_from_slice(USER_PREFIX.as_bytes());
            decimal::write_exact(&mut buf[10..len], u64::from(n));
            // The whole buffer, then cut back: a copy of known size is a few moves.
            let end = out.len() + len;
            out.extend_from_slice(&buf);
            out.truncate(end);
        }
        KeyRef::Long(v) => {
            out.push(1);
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
}

pub fn serialize(state: &KeyGroupState, model: ValueModel, keys: &KeySpace) -> Vec<u8> {
    let mut out = Vec::new();
    serialize_into(state, model, keys, &mut out);
    out
}

/// Why snapshot bytes could not be read back. Never a panic: bytes come from the store,
/// which the lab lets users corrupt.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum SnapshotError {
    Truncated { at: usize },
    BadMagic,
    UnsupportedVersion(u8),
    ModelMismatch { expected: String, found: String },
    WrongKeyGroup { expected: u32, found: u32 },
    UnknownKey { key: String },
    KeyInOtherGroup { key: String, key_group: u32 },
    KeysOutOfOrder { at: usize },
    BadKeyTag(u8),
    BadUtf8 { at: usize },
    BadEvent { at: usize },
    TooManyEvents { found: u8, keep: u8 },
    TrailingBytes { count: usize },
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SnapshotError::*;
        match self {
            Truncated { at } => write!(f, "snapshot ends early at byte {at}"),
            BadMagic => write!(f, "not a key group snapshot (bad magic)"),
            UnsupportedVersion(v) => write!(f, "unsupported snapshot version {v}"),
            ModelMismatch { expected, found } => {
                write!(f, "snapshot holds {found} state, the job keeps {expected}")
            }
            WrongKeyGroup { expected, found } => {
                write!(f, "snapshot is of key group {found}, expected {expected}")
            }
            UnknownKey { key } => write!(f, "key `{key}` is not in this job's key space"),
            KeyInOtherGroup { key, key_group } => {
                write!(f, "key `{key}` belongs to key group {key_group}")
            }
            KeysOutOfOrder { at } => write!(f, "keys out of order at byte {at}"),
            BadKeyTag(t) => write!(f, "unknown key tag {t}"),
            BadUtf8 { at } => write!(f, "invalid UTF-8 at byte {at}"),
            BadEvent { at } => write!(f, "malformed event text at byte {at}"),
            TooManyEvents { found, keep } => {
                write!(f, "{found} events for one key, the job keeps {keep}")
            }
            TrailingBytes { count } => write!(f, "{count} unexpected bytes after the last entry"),
        }
    }
}

impl std::error::Error for SnapshotError {}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or(SnapshotError::Truncated {
                at: self.bytes.len(),
            })?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, SnapshotError> {
        self.array().map(u16::from_le_bytes)
    }
    fn u32(&mut self) -> Result<u32, SnapshotError> {
        self.array().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Result<u64, SnapshotError> {
        self.array().map(u64::from_le_bytes)
    }
    fn i64(&mut self) -> Result<i64, SnapshotError> {
        self.array().map(i64::from_le_bytes)
    }
}

fn model_name(tag: u8, param: u16) -> String {
    match tag {
        0 => "counter".into(),
        1 => format!("events (keep {param})"),
        2 => format!("random bytes ({param} per key)"),
        t => format!("unknown model {t}"),
    }
}

/// Reads a key group snapshot back, checking that it is the key group expected, of the
/// job's value model, and that every key belongs to it.
pub fn deserialize(
    bytes: &[u8],
    expected_key_group: u32,
    model: ValueModel,
    keys: &KeySpace,
) -> Result<KeyGroupState, SnapshotError> {
    let mut r = Reader { bytes, pos: 0 };
    if r.take(4)? != MAGIC {
        return Err(SnapshotError::BadMagic);
    }
    let version = r.u8()?;
    if version != VERSION {
        return Err(SnapshotError::UnsupportedVersion(version));
    }
    let (tag, param) = (r.u8()?, r.u16()?);
    if (tag, param) != model_tag(model) {
        let (et, ep) = model_tag(model);
        return Err(SnapshotError::ModelMismatch {
            expected: model_name(et, ep),
            found: model_name(tag, param),
        });
    }
    let key_group = r.u32()?;
    if key_group != expected_key_group || key_group >= keys.max_parallelism() {
        return Err(SnapshotError::WrongKeyGroup {
            expected: expected_key_group,
            found: key_group,
        });
    }
    let count = r.u32()?;
    let mut state = KeyGroupState::empty(key_group, keys);
    let mut previous_slot: Option<usize> = None;
    let mut events = Vec::new();
    let mut scratch = Vec::new();
    for _ in 0..count {
        let at = r.pos;
        let key = match r.u8()? {
            0 => {
                let len = r.u32()? as usize;
                let text = r.take(len)?;
                KeyRef::Str(std::str::from_utf8(text).map_err(|_| SnapshotError::BadUtf8 { at })?)
            }
            1 => KeyRef::Long(r.i64()?),
            t => return Err(SnapshotError::BadKeyTag(t)),
        };
        let index = keys
            .index_of_ref(key)
            .ok_or_else(|| SnapshotError::UnknownKey {
                key: key.to_string(),
            })?;
        if keys.key_group(index) != key_group {
            return Err(SnapshotError::KeyInOtherGroup {
                key: key.to_string(),
                key_group: keys.key_group(index),
            });
        }
        let slot = keys.slot(index);
        if previous_slot.is_some_and(|p| p >= slot) {
            return Err(SnapshotError::KeysOutOfOrder { at });
        }
        previous_slot = Some(slot);
        let value = read_value(&mut r, model, &mut events, &mut scratch)?;
        state
            .insert(slot, value, keys.key_ref(index))
            .map_err(|()| SnapshotError::ModelMismatch {
                expected: {
                    let (t, p) = model_tag(model);
                    model_name(t, p)
                },
                found: "another model".into(),
            })?;
    }
    if r.pos != bytes.len() {
        return Err(SnapshotError::TrailingBytes {
            count: bytes.len() - r.pos,
        });
    }
    Ok(state)
}

/// Reads one value; `events` and `scratch` are buffers reused across entries.
fn read_value<'a: 'v, 'v>(
    r: &mut Reader<'a>,
    model: ValueModel,
    events: &'v mut Vec<Event>,
    scratch: &mut Vec<u8>,
) -> Result<KeyValue<'v>, SnapshotError> {
    Ok(match model {
        ValueModel::Counter => KeyValue::Counter {
            count: r.u64()?,
            sum: r.i64()?,
        },
        ValueModel::Events { keep } => {
            let n = r.u8()?;
            if n > keep {
                return Err(SnapshotError::TooManyEvents { found: n, keep });
            }
            events.clear();
            for _ in 0..n {
                let len = usize::from(r.u16()?);
                let at = r.pos;
                let text = r.take(len)?;
                events.push(parse_event(text, scratch).ok_or(SnapshotError::BadEvent { at })?);
            }
            KeyValue::Events(events)
        }
        ValueModel::RandomBytes { len } => {
            let count = r.u64()?;
            let stored = r.u16()?;
            if stored != len {
                return Err(SnapshotError::ModelMismatch {
                    expected: model_name(2, len),
                    found: model_name(2, stored),
                });
            }
            KeyValue::Bytes {
                count,
                bytes: r.take(usize::from(len))?,
            }
        }
    })
}

/// Parses exactly the text `Event::render` writes; anything else is corrupt. `scratch`
/// holds the re-rendering it is compared with.
fn parse_event(text: &[u8], scratch: &mut Vec<u8>) -> Option<Event> {
    let text = std::str::from_utf8(text).ok()?;
    let rest = text.strip_prefix("{\"offset\":")?;
    let (offset, rest) = rest.split_once(",\"value\":")?;
    let (value, rest) = rest.split_once(",\"kind\":\"")?;
    let kind = rest.strip_suffix("\"}")?;
    let event = Event {
        offset: offset.parse().ok()?,
        value: value.parse().ok()?,
    };
    scratch.clear();
    event.render_into(scratch);
    (event.kind() == kind && EVENT_KINDS.contains(&kind) && scratch.as_slice() == text.as_bytes())
        .then_some(event)
}
