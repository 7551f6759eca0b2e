//! Time series sampled on the virtual clock, for the charts and the CLI.

use serde::Serialize;

/// One sample; rates are averages over the interval since the previous sample.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Sample {
    pub at_us: u64,
    /// Bytes leaving the job towards the store per second.
    pub upload_bytes_per_s: f64,
    /// Bytes coming back from the store per second (restores).
    pub download_bytes_per_s: f64,
    /// Encoded bytes acknowledged by the store so far.
    pub shipped_encoded_total: u64,
    /// Raw (serialised, uncompressed) bytes of those chunks.
    pub shipped_raw_total: u64,
    /// Serialised size of all keyed state now.
    pub state_bytes: u64,
    /// State change rate D over the policy's sliding window.
    pub change_bytes_per_s: f64,
    /// Distinct keys changed per second (each key once per sample period).
    pub changed_keys_per_s: f64,
    /// The checkpoint interval the policy has chosen now, if checkpointing is on.
    pub interval_ms: Option<f64>,
    /// Records waiting in all channels, and in the fullest one.
    pub queued_records: u64,
    pub max_queue: u32,
    pub source_lag_records: u64,
    /// Where the source stands: the offset a crash now would have to replay up to.
    pub source_offset: u64,
    /// The checkpoint a crash now would restore: the latest completed one.
    pub restorable_checkpoint: Option<u64>,
    /// The job is running (not restarting or restoring).
    pub running: bool,
}

pub const SAMPLE_INTERVAL_US: u64 = 100_000;
