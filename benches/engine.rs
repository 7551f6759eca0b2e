//! Engine speed: the record path (route + state update) and the snapshot path
//! (serialise + compress) next to raw lz4_flex on the same bytes.
//! Run with `cargo bench --bench engine`; figures and aims are in README.md.

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use criterion::{criterion_group, BatchSize, Criterion, Throughput};
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
            limit: None,
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

    fn record_path(c: &mut Criterion) {
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

    fn snapshot_path(c: &mut Criterion) {
        for (name, model) in [
            ("events", ValueModel::Events { keep: 4 }),
            ("counter", ValueModel::Counter),
        ] {
            let w = workload(model);
            let keys = w.keys().clone();
            let state = filled(&w, 400_000);
            let raw: Vec<Vec<u8>> = state
                .iter()
                .map(|s| snapshot::serialize(s, model, &keys))
                .collect();
            let total: u64 = raw.iter().map(|r| r.len() as u64).sum();
            let mut g = c.benchmark_group(format!("snapshot_path_{name}"));
            g.throughput(Throughput::Bytes(total));
            g.sample_size(20);
            for codec in [Codec::Lz4, Codec::Snappy] {
                g.bench_function(format!("serialize_and_{codec}"), |b| {
                    let mut buf = Vec::new();
                    b.iter(|| {
                        let mut out = 0;
                        for s in &state {
                            buf.clear();
                            snapshot::serialize_into(s, model, &keys, &mut buf);
                            out += codec.encode(&buf).len();
                        }
                        black_box(out)
                    })
                });
            }
            g.bench_function("raw_lz4_flex_frame_same_bytes", |b| {
                b.iter(|| {
                    let mut out = 0;
                    for r in &raw {
                        out += Codec::Lz4.encode(r).len();
                    }
                    black_box(out)
                })
            });
            g.finish();
        }
    }

    criterion_group!(benches, record_path, snapshot_path);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    bench::benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}

#[cfg(target_arch = "wasm32")]
fn main() {}
