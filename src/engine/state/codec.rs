//! Chunk encodings: each key group snapshot is one chunk in its codec's standard frame
//! format, checksum included, so exported chunks open with stock tools (`lz4 -d`, any
//! Snappy framing decoder) and corruption is caught on restore.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::{Read, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Codec {
    /// Uncompressed, in statelab's own small frame with a CRC-32.
    None,
    /// LZ4 frame format with a content checksum (statelab going beyond Flink).
    Lz4,
    /// Snappy framing format with per-chunk CRC-32C: Flink's `snapshot-compression`.
    Snappy,
}

impl Codec {
    pub const ALL: [Codec; 3] = [Codec::None, Codec::Lz4, Codec::Snappy];

    pub fn name(self) -> &'static str {
        match self {
            Codec::None => "none",
            Codec::Lz4 => "lz4",
            Codec::Snappy => "snappy",
        }
    }

    /// File extension of an exported chunk.
    pub fn extension(self) -> &'static str {
        match self {
            Codec::None => "slraw",
            Codec::Lz4 => "lz4",
            Codec::Snappy => "sz",
        }
    }

    pub fn encode(self, raw: &[u8]) -> Vec<u8> {
        match self {
            Codec::None => {
                let mut out = Vec::with_capacity(RAW_HEADER_LEN + raw.len());
                out.extend_from_slice(RAW_MAGIC);
                out.extend_from_slice(&(raw.len() as u32).to_le_bytes());
                out.extend_from_slice(&crc32fast::hash(raw).to_le_bytes());
                out.extend_from_slice(raw);
                out
            }
            Codec::Lz4 => lz4_frame(raw),
            Codec::Snappy => {
                let mut enc =
                    snap::write::FrameEncoder::new(Vec::with_capacity(raw.len() / 2 + 64));
                enc.write_all(raw).expect("in-memory write");
                enc.into_inner().expect("in-memory write")
            }
        }
    }

    /// Decodes and verifies a chunk. `expected_raw_len` bounds the output, so a corrupt
    /// length field cannot make restore allocate without limit.
    pub fn decode(self, encoded: &[u8], expected_raw_len: usize) -> Result<Vec<u8>, CodecError> {
        let out = match self {
            Codec::None => {
                let header = encoded.get(..RAW_HEADER_LEN).ok_or(CodecError::Truncated)?;
                if &header[..4] != RAW_MAGIC {
                    return Err(CodecError::Malformed("bad magic".into()));
                }
                let len = u32::from_le_bytes(header[4..8].try_into().expect("4 bytes")) as usize;
                let crc = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes"));
                let payload = &encoded[RAW_HEADER_LEN..];
                if payload.len() != len {
                    return Err(CodecError::Malformed(format!(
                        "frame says {len} bytes, holds {}",
                        payload.len()
                    )));
                }
                if crc32fast::hash(payload) != crc {
                    return Err(CodecError::ChecksumMismatch);
                }
                payload.to_vec()
            }
            Codec::Lz4 => {
                let out = read_bounded(
                    lz4_flex::frame::FrameDecoder::new(encoded),
                    expected_raw_len,
                )?;
                verify_lz4_trailer(encoded, &out)?;
                out
            }
            Codec::Snappy => {
                read_bounded(snap::read::FrameDecoder::new(encoded), expected_raw_len)?
            }
        };
        if out.len() != expected_raw_len {
            return Err(CodecError::LengthMismatch {
                expected: expected_raw_len,
                found: out.len(),
            });
        }
        Ok(out)
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Codec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Codec::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| format!("unknown codec `{s}`; allowed: none, lz4, snappy"))
    }
}

/// Writes a standard LZ4 frame (magic, descriptor with content size and content checksum,
/// independent blocks, end mark, xxHash32 of the content).
///
/// Written here rather than with lz4_flex's `FrameEncoder` because that encoder hashes 5
/// bytes on 64-bit targets and 4 on 32-bit ones, so the same state would compress to
/// different bytes natively and in wasm, and the run would stop being reproducible across
/// targets. lz4_flex's block compressor with inputs below 64 KiB uses the 4-byte hash on
/// every target, so the frame is assembled from blocks of at most `LZ4_BLOCK` bytes.
fn lz4_frame(raw: &[u8]) -> Vec<u8> {
    const MAGIC: u32 = 0x184D_2204;
    // Version 01, independent blocks, content size present, content checksum present.
    const FLG: u8 = 0b0110_1100;
    // Block maximum size 64 KiB.
    const BD: u8 = 0b0100_0000;
    let mut out = Vec::with_capacity(raw.len() / 2 + 64);
    out.extend_from_slice(&MAGIC.to_le_bytes());
    let descriptor_start = out.len();
    out.push(FLG);
    out.push(BD);
    out.extend_from_slice(&(raw.len() as u64).to_le_bytes());
    let header_checksum = (twox_hash::XxHash32::oneshot(0, &out[descriptor_start..]) >> 8) as u8;
    out.push(header_checksum);
    for block in raw.chunks(LZ4_BLOCK) {
        let compressed = lz4_flex::block::compress(block);
        if compressed.len() < block.len() {
            out.extend_from_slice(&(compressed.len() as u32).to_le_bytes());
            out.extend_from_slice(&compressed);
        } else {
            // Incompressible: stored as is, flagged by the size's high bit.
            out.extend_from_slice(&(block.len() as u32 | 0x8000_0000).to_le_bytes());
            out.extend_from_slice(block);
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&twox_hash::XxHash32::oneshot(0, raw).to_le_bytes());
    out
}

/// Below lz4_flex's 64 KiB threshold for its target-independent hash table.
const LZ4_BLOCK: usize = 32 * 1024;

const RAW_MAGIC: &[u8; 4] = b"SLRW";
const RAW_HEADER_LEN: usize = 12;

fn read_bounded(reader: impl Read, limit: usize) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(limit);
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| classify(&e))?;
    Ok(out)
}

/// lz4_flex's decoder accepts a frame cut off right after its last block, before the end
/// mark and the content checksum, so a damaged chunk missing its tail would pass
/// unchecked. Every chunk statelab writes carries both; insist on them.
fn verify_lz4_trailer(encoded: &[u8], decoded: &[u8]) -> Result<(), CodecError> {
    let trailer = encoded
        .len()
        .checked_sub(8)
        .map(|i| &encoded[i..])
        .ok_or(CodecError::Truncated)?;
    if trailer[..4] != [0, 0, 0, 0] {
        return Err(CodecError::Truncated);
    }
    let stored = u32::from_le_bytes(trailer[4..].try_into().expect("4 bytes"));
    if twox_hash::XxHash32::oneshot(0, decoded) != stored {
        return Err(CodecError::ChecksumMismatch);
    }
    Ok(())
}

fn classify(e: &std::io::Error) -> CodecError {
    let text = e.to_string();
    if text.to_ascii_lowercase().contains("checksum") {
        CodecError::ChecksumMismatch
    } else if e.kind() == std::io::ErrorKind::UnexpectedEof {
        CodecError::Truncated
    } else {
        CodecError::Malformed(text)
    }
}

/// Why an encoded chunk could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum CodecError {
    Truncated,
    ChecksumMismatch,
    Malformed(String),
    LengthMismatch { expected: usize, found: usize },
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::Truncated => write!(f, "chunk is truncated"),
            CodecError::ChecksumMismatch => write!(f, "checksum mismatch: the chunk is corrupt"),
            CodecError::Malformed(why) => write!(f, "malformed frame: {why}"),
            CodecError::LengthMismatch { expected, found } => {
                write!(f, "decoded {found} bytes, the manifest records {expected}")
            }
        }
    }
}

impl std::error::Error for CodecError {}
