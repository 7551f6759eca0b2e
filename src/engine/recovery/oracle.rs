//! The oracle: the same workload with no failure. Applying records `0..n` in order to
//! empty state is what any exactly-once run must hold once it has processed `n` records.

use crate::engine::partitioning::workload::Workload;
use crate::engine::state::keyed::KeyGroupState;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Oracle {
    state: Vec<Arc<KeyGroupState>>,
    applied: u64,
}

impl Oracle {
    pub fn new(workload: &Workload) -> Self {
        let keys = workload.keys();
        Self {
            state: (0..keys.max_parallelism())
                .map(|kg| Arc::new(KeyGroupState::empty(kg, keys)))
                .collect(),
            applied: 0,
        }
    }

    /// Applies records up to (excluding) `offset`; the oracle only moves forward.
    pub fn advance_to(&mut self, workload: &Workload, seed: u64, offset: u64) {
        let keys = workload.keys();
        let model = workload.config().value_model;
        while self.applied < offset {
            let record = workload.record(self.applied);
            let kg = keys.key_group(record.key) as usize;
            Arc::make_mut(&mut self.state[kg]).apply(&record, model, keys, seed);
            self.applied += 1;
        }
    }

    pub fn applied(&self) -> u64 {
        self.applied
    }

    pub fn key_group(&self, kg: u32) -> &KeyGroupState {
        &self.state[kg as usize]
    }

    /// Key groups whose state differs from the oracle's.
    pub fn differing(&self, state: &[Arc<KeyGroupState>]) -> Vec<u32> {
        self.state
            .iter()
            .zip(state)
            .enumerate()
            .filter(|(_, (a, b))| !Arc::ptr_eq(a, b) && a != b)
            .map(|(kg, _)| kg as u32)
            .collect()
    }
}
