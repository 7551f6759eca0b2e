// The scale model's job for the browser test and benchmark (e2e/scale.test.mjs,
// e2e/bench-scale.mjs): tests/data/scale/two-gb-job.json, 90M keys at 50k records/s,
// ~2 GB of state, 128 key groups.
//
// The job's config at 1:64, as `engine::scale::rescaled` writes it (src/engine/scale.rs's
// and tests/scale_model.rs's arithmetic): keys ⌈90M / 64⌉, rates, capacity, bandwidth and
// costs ÷64, the channel ⌈5000 / 64⌉ records.
export const TWO_GB_AT_64 = new URLSearchParams({
  seed: '7',
  'workload.sample_every': '64',
  'workload.source.key_space': '1406250',
  'workload.source.distribution.kind': 'round_robin',
  'workload.key_format.prefix': 'key-',
  'workload.key_format.digits': '9',
  'workload.values.max': '1',
  'workload.value_model.kind': 'counter',
  'workload.rate.records_per_s': '781.25',
  'job.records_per_s_per_subtask': '312.5',
  'job.channel_capacity': '79',
  'checkpointing.interval_ms': '60000',
  'checkpointing.incremental': 'false',
  'checkpointing.codec': 'none',
  'link.bandwidth_mbit_s': '6.25',
  'costs.sync_snapshot_mb_s': '31.25',
  'costs.restore_decode_mb_s': '6.25',
  slowmo: '0',
});
