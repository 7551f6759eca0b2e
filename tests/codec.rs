//! The lab's LZ4 frames (the codec beyond Flink; Flink's Snappy framing is checked against
//! real Flink files in tests/flink_heap.rs): round trips, corruption never panics, and
//! frames the stock `lz4` tool reads.

use proptest::prelude::*;
use statelab::engine::state::codec::{lz4_decode, lz4_encode, CodecError, Lz4Encoder};

mod common;

fn sample(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| b"{\"offset\":12,\"value\":7,\"kind\":\"view\"}"[i % 37] ^ (i / 97) as u8)
        .collect()
}

/// The LZ4 frame as statelab wrote it before frames were encoded piece by piece, kept
/// here so that no encoder change can alter the bytes unnoticed.
fn reference_lz4(raw: &[u8]) -> Vec<u8> {
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
        let reference = reference_lz4(&raw);
        prop_assert_eq!(&lz4_encode(&raw), &reference);
        let mut encoder = Lz4Encoder::new(raw.len());
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

proptest! {
    #[test]
    fn frames_round_trip(data in proptest::collection::vec(any::<u8>(), 0..5000)) {
        let enc = lz4_encode(&data);
        prop_assert_eq!(lz4_decode(&enc, data.len()).unwrap(), data.clone());
    }

    #[test]
    fn damaged_frames_decode_to_an_error_or_the_original(
        flips in proptest::collection::vec((any::<usize>(), 0u8..8), 1..4),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let data = sample(3000);
        let mut enc = lz4_encode(&data);
        for (pos, bit) in &flips {
            let i = pos % enc.len();
            enc[i] ^= 1 << bit;
        }
        if let Some(c) = cut {
            enc.truncate(c % (enc.len() + 1));
        }
        if let Ok(out) = lz4_decode(&enc, data.len()) {
            prop_assert_eq!(out, data.clone(), "accepted damaged bytes");
        }
    }
}

#[test]
fn a_flipped_payload_bit_is_a_checksum_error() {
    let data = sample(10_000);
    let mut enc = lz4_encode(&data);
    let i = enc.len() - 12;
    enc[i] ^= 0x10;
    let err = lz4_decode(&enc, data.len()).unwrap_err();
    assert!(
        matches!(err, CodecError::ChecksumMismatch | CodecError::Malformed(_)),
        "{err}"
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
    let ratio = text.len() as f64 / lz4_encode(&text).len() as f64;
    assert!(ratio > 2.5, "LZ4 on text: ratio {ratio:.2}");
    assert!(lz4_encode(&noise).len() >= noise.len(), "LZ4 on noise");
}

#[test]
fn an_oversized_output_is_refused() {
    let data = sample(5000);
    assert!(lz4_decode(&lz4_encode(&data), 100).is_err());
}

#[test]
fn lz4_frames_open_with_the_stock_lz4_tool() {
    let data = sample(300_000);
    let dir = std::env::temp_dir().join(format!("statelab-lz4-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("chunk.lz4");
    std::fs::write(&file, lz4_encode(&data)).unwrap();
    if let Some(out) =
        common::stock_lz4_decompress(&file, "lz4_frames_open_with_the_stock_lz4_tool")
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
    let mut enc = lz4_encode(&data);
    enc.truncate(enc.len() - 8);
    assert_eq!(lz4_decode(&enc, data.len()), Err(CodecError::Truncated));
}

#[test]
fn lz4_frames_are_standard_with_independent_small_blocks() {
    let data = sample(100_000);
    let enc = lz4_encode(&data);
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
    assert_eq!(lz4_decode(&enc, data.len()).unwrap(), data);
    let empty = lz4_encode(&[]);
    assert_eq!(lz4_decode(&empty, 0).unwrap(), Vec::<u8>::new());
}
