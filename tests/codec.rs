//! Chunk codecs: round trips, corruption never panics, and frames that other tools read.

use proptest::prelude::*;
use statelab::engine::state::codec::{Codec, CodecError};

mod common;

fn sample(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| b"{\"offset\":12,\"value\":7,\"kind\":\"view\"}"[i % 37] ^ (i / 97) as u8)
        .collect()
}

/// The frames as statelab wrote them before chunks were encoded piece by piece, kept
/// here so that no encoder change can alter a chunk's bytes unnoticed.
fn reference_encode(codec: Codec, raw: &[u8]) -> Vec<u8> {
    use std::io::Write;
    match codec {
        Codec::None => {
            let mut out = b"SLRW".to_vec();
            out.extend_from_slice(&(raw.len() as u32).to_le_bytes());
            out.extend_from_slice(&crc32fast::hash(raw).to_le_bytes());
            out.extend_from_slice(raw);
            out
        }
        Codec::Lz4 => {
            let mut out = 0x184D_2204u32.to_le_bytes().to_vec();
            out.extend_from_slice(&[0b0110_1100, 0b0100_0000]);
            out.extend_from_slice(&(raw.len() as u64).to_le_bytes());
            out.push((twox_hash::XxHash32::oneshot(0, &out[4..]) >> 8) as u8);
            for block in raw.chunks(32 * 1024) {
                let compressed = lz4_flex::block::compress(block);
                if compressed.len() < block.len() {
                    out.extend_from_slice(&(compressed.len() as u32).to_le_bytes());
                    out.extend_from_slice(&compressed);
                } else {
                    out.extend_from_slice(&(block.len() as u32 | 0x8000_0000).to_le_bytes());
                    out.extend_from_slice(block);
                }
            }
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&twox_hash::XxHash32::oneshot(0, raw).to_le_bytes());
            out
        }
        Codec::Snappy => {
            let mut enc = snap::write::FrameEncoder::new(Vec::new());
            enc.write_all(raw).unwrap();
            enc.into_inner().unwrap()
        }
    }
}

/// Compressible text with incompressible stretches, so LZ4 stores some blocks as is.
fn mixed(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut text = sample(n);
    for (i, b) in text.iter_mut().enumerate() {
        if (i / 40_000) % 3 == 2 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Fed in any pieces, the encoder writes the frame statelab always wrote.
    #[test]
    fn pieces_make_the_same_frame(n in 0usize..300_000, seed in any::<u64>(), cuts in proptest::collection::vec(0usize..80_000, 0..12)) {
        let raw = mixed(n, seed);
        for codec in Codec::ALL {
            let reference = reference_encode(codec, &raw);
            prop_assert_eq!(&codec.encode(&raw), &reference);
            let mut encoder = codec.encoder(raw.len());
            let mut rest = &raw[..];
            for cut in &cuts {
                let (piece, tail) = rest.split_at((*cut).min(rest.len()));
                encoder.write(piece);
                rest = tail;
            }
            encoder.write(rest);
            let encoded = encoder.finish();
            prop_assert_eq!(encoded.capacity(), encoded.len());
            prop_assert_eq!(&encoded, &reference);
        }
    }
}

proptest! {
    #[test]
    fn every_codec_round_trips(data in proptest::collection::vec(any::<u8>(), 0..5000)) {
        for codec in Codec::ALL {
            let enc = codec.encode(&data);
            prop_assert_eq!(codec.decode(&enc, data.len()).unwrap(), data.clone());
        }
    }

    #[test]
    fn damaged_chunks_decode_to_an_error_or_the_original(
        flips in proptest::collection::vec((any::<usize>(), 0u8..8), 1..4),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let data = sample(3000);
        for codec in Codec::ALL {
            let mut enc = codec.encode(&data);
            for (pos, bit) in &flips {
                let i = pos % enc.len();
                enc[i] ^= 1 << bit;
            }
            if let Some(c) = cut {
                enc.truncate(c % (enc.len() + 1));
            }
            if let Ok(out) = codec.decode(&enc, data.len()) {
                prop_assert_eq!(out, data.clone(), "{} accepted damaged bytes", codec);
            }
        }
    }
}

#[test]
fn a_flipped_payload_bit_is_a_checksum_error() {
    let data = sample(10_000);
    for codec in Codec::ALL {
        let mut enc = codec.encode(&data);
        let i = enc.len() - 12;
        enc[i] ^= 0x10;
        let err = codec.decode(&enc, data.len()).unwrap_err();
        assert!(
            matches!(err, CodecError::ChecksumMismatch | CodecError::Malformed(_)),
            "{codec}: {err}"
        );
    }
    let mut raw = Codec::None.encode(&data);
    raw[100] ^= 1;
    assert_eq!(
        Codec::None.decode(&raw, data.len()),
        Err(CodecError::ChecksumMismatch)
    );
}

#[test]
fn compression_really_compresses_text_and_not_noise() {
    // What events state looks like in a snapshot: short JSON-like records.
    let text: Vec<u8> = (0..1500u64)
        .flat_map(|i| {
            statelab::engine::state::keyed::Event {
                offset: 1_000_000 + i * 7,
                value: (i * 37 % 1000) as i64,
            }
            .render()
            .into_bytes()
        })
        .collect();
    let noise: Vec<u8> = (0..64 * 1024u64)
        .map(|i| statelab::engine::rng::mix64(i) as u8)
        .collect();
    for codec in [Codec::Lz4, Codec::Snappy] {
        let ratio = text.len() as f64 / codec.encode(&text).len() as f64;
        assert!(ratio > 2.5, "{codec} on text: ratio {ratio:.2}");
        assert!(
            codec.encode(&noise).len() >= noise.len(),
            "{codec} on noise"
        );
    }
}

#[test]
fn an_oversized_output_is_refused() {
    let data = sample(5000);
    for codec in Codec::ALL {
        let enc = codec.encode(&data);
        assert!(codec.decode(&enc, 100).is_err(), "{codec}");
    }
}

/// CRC-32C (Castagnoli), written out here so the check does not trust the codec's own.
fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82f6_3b78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn snappy_chunks_follow_the_framing_format() {
    let data = sample(200_000);
    let enc = Codec::Snappy.encode(&data);
    assert_eq!(&enc[..10], b"\xff\x06\x00\x00sNaPpY", "stream identifier");
    let mut pos = 10;
    let mut out = Vec::new();
    while pos < enc.len() {
        let kind = enc[pos];
        let len = u32::from_le_bytes([enc[pos + 1], enc[pos + 2], enc[pos + 3], 0]) as usize;
        let body = &enc[pos + 4..pos + 4 + len];
        let masked = u32::from_le_bytes(body[..4].try_into().unwrap());
        let block = match kind {
            0x00 => snap::raw::Decoder::new()
                .decompress_vec(&body[4..])
                .unwrap(),
            0x01 => body[4..].to_vec(),
            other => panic!("unexpected chunk type {other:#x}"),
        };
        let crc = crc32c(&block);
        assert_eq!(masked, (crc.rotate_right(15)).wrapping_add(0xa282_ead8));
        assert!(block.len() <= 65536);
        out.extend_from_slice(&block);
        pos += 4 + len;
    }
    assert_eq!(out, data);
}

#[test]
fn lz4_chunks_open_with_the_stock_lz4_tool() {
    let data = sample(300_000);
    let dir = std::env::temp_dir().join(format!("statelab-lz4-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("chunk.lz4");
    std::fs::write(&file, Codec::Lz4.encode(&data)).unwrap();
    if let Some(out) =
        common::stock_lz4_decompress(&file, "lz4_chunks_open_with_the_stock_lz4_tool")
    {
        assert_eq!(out, data);
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_missing_lz4_tool_fails_the_check_unless_opted_out() {
    let file = std::path::Path::new("no-such-chunk.lz4");
    let missing = "statelab-no-such-lz4-tool";
    let failed = std::panic::catch_unwind(|| {
        common::decompress_with(missing, file, "a_missing_lz4_tool", false)
    });
    let message = failed.expect_err("a missing tool must fail the check");
    let message = message
        .downcast_ref::<String>()
        .map(String::as_str)
        .unwrap_or_default();
    assert!(
        message.contains(common::SKIP_LZ4_TOOL),
        "the failure says how to opt out: {message}"
    );
    // Opted out, the check is skipped (and says so on stderr).
    assert_eq!(
        common::decompress_with(missing, file, "a_missing_lz4_tool", true),
        None
    );
}

#[test]
fn an_lz4_frame_without_its_end_mark_and_checksum_is_refused() {
    let data = sample(3000);
    let mut enc = Codec::Lz4.encode(&data);
    enc.truncate(enc.len() - 8);
    assert_eq!(
        Codec::Lz4.decode(&enc, data.len()),
        Err(CodecError::Truncated)
    );
}

#[test]
fn lz4_chunks_are_standard_frames_with_independent_small_blocks() {
    let data = sample(100_000);
    let enc = Codec::Lz4.encode(&data);
    assert_eq!(&enc[..4], &0x184D_2204u32.to_le_bytes(), "LZ4 frame magic");
    assert_eq!(enc[4] & 0b1100_0000, 0b0100_0000, "frame version 01");
    assert_ne!(enc[4] & 0b0010_0000, 0, "independent blocks");
    assert_ne!(enc[4] & 0b0000_0100, 0, "content checksum");
    assert_ne!(enc[4] & 0b0000_1000, 0, "content size");
    assert_eq!(u64::from_le_bytes(enc[6..14].try_into().unwrap()), 100_000);
    // Blocks of at most 32 KiB keep lz4_flex on its target-independent hash table.
    let mut pos = 15;
    let mut blocks = 0;
    loop {
        let size = u32::from_le_bytes(enc[pos..pos + 4].try_into().unwrap());
        pos += 4;
        if size == 0 {
            break;
        }
        let len = (size & 0x7fff_ffff) as usize;
        assert!(len <= 32 * 1024);
        pos += len;
        blocks += 1;
    }
    assert_eq!(blocks, 4);
    assert_eq!(pos + 4, enc.len());
    assert_eq!(Codec::Lz4.decode(&enc, data.len()).unwrap(), data);
    let empty = Codec::Lz4.encode(&[]);
    assert_eq!(Codec::Lz4.decode(&empty, 0).unwrap(), Vec::<u8>::new());
}
