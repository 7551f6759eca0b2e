//! Engine speed: the record path (route + state update) and the snapshot path (Flink's
//! format written through LZ4 or Snappy) next to the bare compressors on the same bytes.
//! Run with `cargo bench --bench engine`; figures and aims are in README.md.
//!
//! `STATELAB_BENCH_CLOCK=cpu` times with the thread's CPU clock instead of the wall clock:
//! on a machine shared with other work, time spent descheduled then does not count.

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use criterion::measurement::{Measurement, ValueFormatter};
    use criterion::{BatchSize, Criterion, Throughput};
    use statelab::engine::config::Config;
    use statelab::engine::partitioning::keygroups::Partitioning;
    use statelab::engine::partitioning::workload::{
        KeyDistribution, KeyKind, RateProfile, SourceConfig, ValueModel, Workload, WorkloadConfig,
    };
    use statelab::engine::sim::Simulation;
    use statelab::engine::state::codec::Codec;
    use statelab::engine::state::keyed::KeyGroupState;
    use statelab::engine::state::snapshot;
    use std::hint::black_box;

    const KEYS: u32 = 100_000;
    const MAX_P: u32 = 128;

    fn workload(model: ValueModel) -> Workload {
        let config = WorkloadConfig {
            source: SourceConfig::Generated {
                key_space: KEYS,
                distribution: KeyDistribution::Uniform,
                key_kind: KeyKind::String,
            },
            rate: RateProfile::Constant { records_per_s: 1e6 },
            value_model: model,
            ..Default::default()
        };
        Workload::new(&config, 7, MAX_P, None)
    }

    /// State after every key has been written a few times.
    fn filled(w: &Workload, records: u64) -> Vec<KeyGroupState> {
        let keys = w.keys();
        let mut state: Vec<KeyGroupState> = (0..MAX_P)
            .map(|kg| KeyGroupState::empty(kg, keys))
            .collect();
        for i in 0..records {
            let r = w.record(i);
            state[keys.key_group(r.key) as usize].apply(&r, w.config().value_model, keys, 7);
        }
        state
    }

    /// The calling thread's CPU time, in ns (Linux's `CLOCK_THREAD_CPUTIME_ID`).
    pub struct CpuTime;

    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }

    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }

    fn thread_cpu_ns() -> u64 {
        const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
        let mut t = Timespec { sec: 0, nsec: 0 };
        // SAFETY: writes the struct it is given, nothing else.
        unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) };
        t.sec as u64 * 1_000_000_000 + t.nsec as u64
    }

    impl Measurement for CpuTime {
        type Intermediate = u64;
        type Value = u64;
        fn start(&self) -> u64 {
            thread_cpu_ns()
        }
        fn end(&self, start: u64) -> u64 {
            thread_cpu_ns() - start
        }
        fn add(&self, a: &u64, b: &u64) -> u64 {
            a + b
        }
        fn zero(&self) -> u64 {
            0
        }
        fn to_f64(&self, v: &u64) -> f64 {
            *v as f64
        }
        fn formatter(&self) -> &dyn ValueFormatter {
            &CpuFormatter
        }
    }

    struct CpuFormatter;

    impl ValueFormatter for CpuFormatter {
        fn scale_values(&self, _typical: f64, values: &mut [f64]) -> &'static str {
            values.iter_mut().for_each(|v| *v /= 1e6);
            "ms (cpu)"
        }
        fn scale_throughputs(
            &self,
            _typical: f64,
            throughput: &Throughput,
            values: &mut [f64],
        ) -> &'static str {
            let (per, unit) = match throughput {
                Throughput::Bytes(b) | Throughput::BytesDecimal(b) => {
                    (*b as f64 / 1048576.0, "MiB/s (cpu)")
                }
                Throughput::Elements(e) => (*e as f64 / 1e6, "Melem/s (cpu)"),
            };
            values.iter_mut().for_each(|v| *v = per / (*v / 1e9));
            unit
        }
        fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
            "ns"
        }
    }

    pub fn run<M: Measurement>(mut c: Criterion<M>) {
        record_path(&mut c);
        snapshot_path(&mut c);
        c.final_summary();
    }

    fn record_path<M: Measurement>(c: &mut Criterion<M>) {
        let w = workload(ValueModel::Counter);
        let keys = w.keys().clone();
        let part = Partitioning::new(16, MAX_P).unwrap();
        let mut state = filled(&w, 1_000_000);
        let batch = 1_000_000u64;
        let mut g = c.benchmark_group("record_path");
        g.throughput(Throughput::Elements(batch));
        g.bench_function("counter_100k_keys_route_and_update", |b| {
            let mut offset = 0u64;
            b.iter(|| {
                let mut per_subtask = [0u64; 16];
                for _ in 0..batch {
                    let r = w.record(offset);
                    offset += 1;
                    let kg = keys.key_group(r.key);
                    per_subtask[part.subtask_of_key_group(kg) as usize] += 1;
                    state[kg as usize].apply(&r, ValueModel::Counter, &keys, 7);
                }
                black_box(per_subtask)
            })
        });
        g.finish();

        let mut sim_group = c.benchmark_group("simulation_data_plane");
        let mut config = Config::default();
        config.workload.source = SourceConfig::Generated {
            key_space: KEYS,
            distribution: KeyDistribution::Uniform,
            key_kind: KeyKind::String,
        };
        config.workload.value_model = ValueModel::Counter;
        config.workload.rate = RateProfile::Constant {
            records_per_s: 1_000_000.0,
        };
        config.job.parallelism = 16;
        config.job.records_per_s_per_subtask = 1_000_000.0;
        config.job.channel_capacity = 100_000;
        config.checkpointing.interval_ms = None;
        sim_group.throughput(Throughput::Elements(1_000_000));
        sim_group.sample_size(10);
        sim_group.bench_function("one_virtual_second_at_1M_records_per_s", |b| {
            b.iter_batched(
                || Simulation::new(config.clone(), None).unwrap(),
                |mut sim| {
                    sim.advance_to(1_000_000);
                    black_box(sim.records_processed())
                },
                BatchSize::LargeInput,
            )
        });
        sim_group.finish();
    }

    /// The snapshot path: each key group written in Flink's heap format straight through
    /// its compression (what a checkpoint's upload runs), next to the bare compressors on
    /// the very bytes it compresses: lz4_flex's block compressor in the 32 KiB blocks the
    /// lab's LZ4 frames use, and the `snap` crate's raw Snappy in the 64 KiB blocks of
    /// Flink's Snappy framing. The difference is what writing the format costs (the lab's
    /// Snappy is a port of snappy-java's compressor, so Flink's bytes come out exactly).
    fn snapshot_path<M: Measurement>(c: &mut Criterion<M>) {
        for (name, model) in [
            ("events", ValueModel::Events { keep: 4 }),
            ("counter", ValueModel::Counter),
        ] {
            let w = workload(model);
            let keys = w.keys().clone();
            let layout = snapshot::layout(&w);
            let state = filled(&w, 400_000);
            let raw: Vec<Vec<u8>> = state
                .iter()
                .map(|s| snapshot::serialize(s, &keys, &layout))
                .collect();
            let total: u64 = raw.iter().map(|r| r.len() as u64).sum();
            let mut g = c.benchmark_group(format!("snapshot_path_{name}"));
            g.throughput(Throughput::Bytes(total));
            g.sample_size(20);
            for codec in [Codec::Lz4, Codec::Snappy] {
                g.bench_function(format!("flink_format_{codec}"), |b| {
                    b.iter(|| {
                        let mut out = 0;
                        for s in &state {
                            out += snapshot::encode(s, &keys, &layout, codec, false).len();
                        }
                        black_box(out)
                    })
                });
            }
            g.bench_function("lz4_flex_blocks_same_bytes", |b| {
                let mut buf = Vec::new();
                b.iter(|| {
                    let mut out = 0;
                    for r in &raw {
                        for block in r.chunks(32 * 1024) {
                            buf.resize(lz4_flex::block::get_maximum_output_size(block.len()), 0);
                            out += lz4_flex::block::compress_into(block, &mut buf).unwrap_or(0);
                        }
                    }
                    black_box(out)
                })
            });
            g.bench_function("snap_raw_blocks_same_bytes", |b| {
                let mut encoder = snap::raw::Encoder::new();
                let mut buf = Vec::new();
                b.iter(|| {
                    let mut out = 0;
                    for r in &raw {
                        for block in r.chunks(64 * 1024) {
                            buf.resize(snap::raw::max_compress_len(block.len()), 0);
                            out += encoder.compress(block, &mut buf).unwrap_or(0);
                        }
                    }
                    black_box(out)
                })
            });
            g.finish();
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let wall = criterion::Criterion::default().configure_from_args();
    if std::env::var("STATELAB_BENCH_CLOCK").as_deref() == Ok("cpu") {
        bench::run(wall.with_measurement(bench::CpuTime));
    } else {
        bench::run(wall);
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
