//! Chunk encodings: each key group snapshot is one chunk in its codec's standard frame
//! format, checksum included, so exported chunks open with stock tools (`lz4 -d`, any
//! Snappy framing decoder) and corruption is caught on restore.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::hash::Hasher;
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

    /// The chunk of `raw` in this codec's frame, in an allocation of exactly its size.
    pub fn encode(self, raw: &[u8]) -> Vec<u8> {
        let mut encoder = self.encoder(raw.len());
        encoder.write(raw);
        encoder.finish()
    }

    /// An encoder for a chunk of `raw_len` bytes fed piece by piece: a key group is
    /// serialised a block at a time into it, so the whole raw snapshot never sits in
    /// memory (with one key group, that would be the whole state again). However the
    /// bytes are cut into pieces, the frame is the one [`Codec::encode`] writes.
    pub fn encoder(self, raw_len: usize) -> Encoder {
        let kind = match self {
            Codec::None => {
                let mut out = Vec::with_capacity(RAW_HEADER_LEN + raw_len);
                out.extend_from_slice(RAW_MAGIC);
                out.extend_from_slice(&(raw_len as u32).to_le_bytes());
                // The CRC goes here once every byte has been seen.
                out.extend_from_slice(&[0; 4]);
                EncoderKind::None {
                    out,
                    crc: crc32fast::Hasher::new(),
                }
            }
            Codec::Lz4 => EncoderKind::Lz4 {
                out: lz4_frame_header(raw_len, Vec::with_capacity(raw_len / 2 + 64)),
                pending: Vec::new(),
                hash: twox_hash::XxHash32::with_seed(0),
            },
            Codec::Snappy => EncoderKind::Snappy(Box::new(snap::write::FrameEncoder::new(
                Vec::with_capacity(raw_len / 2 + 64),
            ))),
        };
        Encoder { kind }
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

/// A chunk being encoded; see [`Codec::encoder`].
pub struct Encoder {
    kind: EncoderKind,
}

enum EncoderKind {
    None {
        out: Vec<u8>,
        crc: crc32fast::Hasher,
    },
    Lz4 {
        out: Vec<u8>,
        /// The start of the next block, until it is whole.
        pending: Vec<u8>,
        hash: twox_hash::XxHash32,
    },
    /// Boxed: the encoder carries its hash table inline.
    Snappy(Box<snap::write::FrameEncoder<Vec<u8>>>),
}

impl Encoder {
    /// Encodes the next bytes of the chunk.
    pub fn write(&mut self, mut bytes: &[u8]) {
        match &mut self.kind {
            EncoderKind::None { out, crc } => {
                crc.update(bytes);
                out.extend_from_slice(bytes);
            }
            EncoderKind::Lz4 { out, pending, hash } => {
                hash.write(bytes);
                if !pending.is_empty() {
                    let take = bytes.len().min(LZ4_BLOCK - pending.len());
                    pending.extend_from_slice(&bytes[..take]);
                    bytes = &bytes[take..];
                    if pending.len() < LZ4_BLOCK {
                        return;
                    }
                    lz4_block(out, pending);
                    pending.clear();
                }
                let mut blocks = bytes.chunks_exact(LZ4_BLOCK);
                for block in &mut blocks {
                    lz4_block(out, block);
                }
                pending.extend_from_slice(blocks.remainder());
            }
            EncoderKind::Snappy(encoder) => {
                // Snappy's framing cuts frames every 64 KiB of input as long as no single
                // write is longer than that, whatever the pieces: the frame is the same.
                for piece in bytes.chunks(SNAPPY_PIECE) {
                    encoder.write_all(piece).expect("in-memory write");
                }
            }
        }
    }

    /// The finished chunk, in an allocation of exactly its size: the store keeps chunks
    /// for as long as checkpoints are retained, and the output buffer was sized for poor
    /// compression (half the input) before the size was known.
    pub fn finish(self) -> Vec<u8> {
        let mut out = match self.kind {
            EncoderKind::None { mut out, crc } => {
                out[8..12].copy_from_slice(&crc.finalize().to_le_bytes());
                out
            }
            EncoderKind::Lz4 {
                mut out,
                pending,
                hash,
            } => {
                if !pending.is_empty() {
                    lz4_block(&mut out, &pending);
                }
                out.extend_from_slice(&0u32.to_le_bytes());
                out.extend_from_slice(&(hash.finish_32()).to_le_bytes());
                out
            }
            EncoderKind::Snappy(encoder) => encoder.into_inner().expect("in-memory write"),
        };
        out.shrink_to_fit();
        out
    }
}

/// Pieces fed to Snappy's frame encoder (see [`Encoder::write`]).
const SNAPPY_PIECE: usize = 32 * 1024;

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
