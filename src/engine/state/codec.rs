//! The checkpoint codec a run uses, and the LZ4 frame the lab writes for its LZ4 option.
//!
//! A chunk is a key group in Flink's heap format (see `flink_heap.rs`); the codec chooses
//! what wraps each of its state sections: nothing (Flink's default), Flink's Snappy framing
//! (`execution.checkpointing.snapshot-compression`), or, going beyond Flink, one standard
//! LZ4 frame with its content checksum, which opens with the stock `lz4 -d`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::hash::Hasher;
use std::io::Read;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Codec {
    /// Uncompressed, as Flink writes by default; the store keeps a CRC-32 of the chunk.
    None,
    /// One LZ4 frame per state section, with a content checksum (the lab beyond Flink).
    Lz4,
    /// Flink's `snapshot-compression`: Snappy framing, CRC-32C per block.
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

/// The LZ4 frame of `raw`, in an allocation of exactly its size.
pub fn lz4_encode(raw: &[u8]) -> Vec<u8> {
    let mut encoder = Lz4Encoder::new(raw.len());
    encoder.write(raw);
    encoder.finish()
}

/// An LZ4 frame of `raw_len` bytes fed piece by piece: a state section is written a
/// piece at a time into it, so a large key group is never held uncompressed. However the
/// bytes are cut, the frame is the one [`lz4_encode`] writes.
pub struct Lz4Encoder {
    out: Vec<u8>,
    /// The start of the next block, until it is whole.
    pending: Vec<u8>,
    hash: twox_hash::XxHash32,
}

impl Lz4Encoder {
    pub fn new(raw_len: usize) -> Self {
        Self {
            out: lz4_frame_header(raw_len, Vec::with_capacity(raw_len / 2 + 64)),
            pending: Vec::new(),
            hash: twox_hash::XxHash32::with_seed(0),
        }
    }

    /// Encodes the next bytes of the frame.
    pub fn write(&mut self, mut bytes: &[u8]) {
        self.hash.write(bytes);
        if !self.pending.is_empty() {
            let take = bytes.len().min(LZ4_BLOCK - self.pending.len());
            self.pending.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.pending.len() < LZ4_BLOCK {
                return;
            }
            lz4_block(&mut self.out, &self.pending);
            self.pending.clear();
        }
        let mut blocks = bytes.chunks_exact(LZ4_BLOCK);
        for block in &mut blocks {
            lz4_block(&mut self.out, block);
        }
        self.pending.extend_from_slice(blocks.remainder());
    }

    /// The finished frame: its last block, the end mark and the content checksum, in an
    /// allocation of exactly its size (the buffer was sized for poor compression).
    pub fn finish(mut self) -> Vec<u8> {
        if !self.pending.is_empty() {
            lz4_block(&mut self.out, &self.pending);
        }
        self.out.extend_from_slice(&0u32.to_le_bytes());
        self.out
            .extend_from_slice(&(self.hash.finish_32()).to_le_bytes());
        self.out.shrink_to_fit();
        self.out
    }
}

/// Decodes and verifies an LZ4 frame. `expected_raw_len` bounds the output, so a corrupt
/// length field cannot make a restore allocate without limit.
pub fn lz4_decode(encoded: &[u8], expected_raw_len: usize) -> Result<Vec<u8>, CodecError> {
    let out = read_bounded(
        lz4_flex::frame::FrameDecoder::new(encoded),
        expected_raw_len,
    )?;
    verify_lz4_trailer(encoded, &out)?;
    if out.len() != expected_raw_len {
        return Err(CodecError::LengthMismatch {
            expected: expected_raw_len,
            found: out.len(),
        });
    }
    Ok(out)
}

/// A standard LZ4 frame (magic, descriptor with content size and content checksum,
/// independent blocks, end mark, xxHash32 of the content) begins with this header.
///
/// Written here rather than with lz4_flex's `FrameEncoder` because that encoder hashes 5
/// bytes on 64-bit targets and 4 on 32-bit ones, so the same state would compress to
/// different bytes natively and in wasm, and the run would stop being reproducible across
/// targets. lz4_flex's block compressor with inputs below 64 KiB uses the 4-byte hash on
/// every target, so the frame is assembled from blocks of at most `LZ4_BLOCK` bytes.
fn lz4_frame_header(raw_len: usize, mut out: Vec<u8>) -> Vec<u8> {
    const MAGIC: u32 = 0x184D_2204;
    // Version 01, independent blocks, content size present, content checksum present.
    const FLG: u8 = 0b0110_1100;
    // Block maximum size 64 KiB.
    const BD: u8 = 0b0100_0000;
    out.extend_from_slice(&MAGIC.to_le_bytes());
    let descriptor_start = out.len();
    out.push(FLG);
    out.push(BD);
    out.extend_from_slice(&(raw_len as u64).to_le_bytes());
    let header_checksum = (twox_hash::XxHash32::oneshot(0, &out[descriptor_start..]) >> 8) as u8;
    out.push(header_checksum);
    out
}

/// One block of an LZ4 frame: compressed, or stored as is when that is not smaller.
fn lz4_block(out: &mut Vec<u8>, block: &[u8]) {
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

/// Below lz4_flex's 64 KiB threshold for its target-independent hash table.
const LZ4_BLOCK: usize = 32 * 1024;

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

/// Why a chunk or an LZ4 frame could not be read.
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
