//! State and compression: keyed state per key group, the byte layout of its snapshot and
//! the codecs that frame a snapshot as a chunk.

pub mod codec;
pub mod flink_heap;
pub mod keyed;
pub mod lists;
pub mod snapshot;
