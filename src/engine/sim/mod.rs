//! The simulation: one virtual clock in microseconds, and the components it composes —
//! the job's data plane ([`job`]), the checkpoint coordinator, the link and the store
//! (`transfer/`), the recovery (`recovery/`), the sampler and the event log (`report/`) —
//! with one timer queue ([`timers`]) for everything due at a time.
//!
//! Between two due times the data plane advances in slices of at most `tick_us`, moving
//! records from the source through FIFO channels into subtasks; at a due time every timer
//! that came due is handled, in the documented order of `timers.rs`. The components own
//! their state; the files here are the glue that lets them act on each other:
//! `checkpointing.rs` (trigger, barrier, sync, upload, acknowledgement, completion and
//! failure), `restore.rs` (failure, restart, restore, replay and the exactly-once check),
//! `faults.rs` (injecting faults, lost transfers) and `reconfigure.rs` (settings changed
//! under a running job).

mod checkpointing;
mod faults;
pub(crate) mod job;
mod reconfigure;
mod restore;
mod retained;
pub(crate) mod timers;

pub use job::ChannelItem;
pub use reconfigure::Reconfigured;

use crate::engine::config::{Config, ConfigErrors, FieldError};
use crate::engine::partitioning::keygroups::Partitioning;
use crate::engine::partitioning::trace::Trace;
use crate::engine::partitioning::workload::{SourceConfig, Workload};
use crate::engine::recovery::restore::Recovery;
use crate::engine::report::events::{Event, EventLog};
use crate::engine::report::metrics::{Sample, SAMPLE_INTERVAL_US};
use crate::engine::report::sampler::{Readings, Sampler, CHANGE_WINDOW_US};
use crate::engine::report::stats::{
    CheckpointCounts, CheckpointStats, Direction, JobStatus, RecoveryStats, Refusal, Totals,
    TransferCounts,
};
use crate::engine::state::flink_heap::HeapLayout;
use crate::engine::state::keyed::KeyGroupState;
use crate::engine::transfer::coordinator::{Barrier, BarrierTaken, Coordinator, Keyed};
use crate::engine::transfer::link::Link;
use crate::engine::transfer::policy::{IntervalDecision, Measured, ShipDecision, ShipReason};
use crate::engine::transfer::store::CheckpointId;
use crate::engine::transfer::store::Store;
use job::{DataPlaneHooks, Job, Throughput};
use std::sync::Arc;
use timers::{Scope, Timer, TimerQueue};

/// The checkpoint coordinator as the data plane sees it while records flow: barriers to
/// capture, and captures to encode before a record writes the state they share.
struct Hooks<'a> {
    coordinator: &'a mut Coordinator,
    store: &'a mut Store,
    config: &'a Config,
    workload: Arc<Workload>,
    layout: Arc<HeapLayout>,
    /// The barriers taken, for the simulation to schedule once the data plane is done.
    barriers: Vec<(u32, CheckpointId, u64, BarrierTaken)>,
}

impl DataPlaneHooks for Hooks<'_> {
    fn on_barrier(&mut self, job: &mut Job, subtask: u32, id: CheckpointId, at: u64) {
        let keyed = Keyed {
            partitioning: job.partitioning(),
            state: job.state(),
            tracking: job.trackings(),
        };
        if let Some(taken) = self.coordinator.on_barrier(
            keyed,
            self.store,
            &self.config.checkpointing,
            self.config.costs.sync_snapshot_mb_s,
            Barrier {
                checkpoint: id,
                subtask,
                at,
            },
        ) {
            job.snapshot_taken(subtask, at, taken.sync_us);
            self.barriers.push((subtask, id, at, taken));
        }
    }

    fn before_shared_write(&mut self, kg: u32) {
        self.coordinator
            .encode_before_write(kg, &self.workload, &self.layout);
    }
}

#[derive(Clone, Debug)]
pub struct Simulation {
    config: Config,
    /// The clock.
    now: u64,
    /// Where the data plane stands: the last boundary at or before `now`.
    plane_at: u64,
    timers: TimerQueue,
    job: Job,
    coordinator: Coordinator,
    link: Link,
    store: Store,
    recovery: Recovery,
    sampler: Sampler,
    log: EventLog,
    /// Scheduled faults that could not apply when their time came.
    refused: Vec<Refusal>,
    /// The arrival each pipe's wake-up timer is set for.
    arrival_alarms: [Option<u64>; 2],
}

impl Simulation {
    pub fn new(config: Config, trace: Option<&Trace>) -> Result<Self, ConfigErrors> {
        Self::start_at(config, trace, 0)
    }

    /// A job whose clock starts at `start_us` (a job resubmitted from a retained
    /// checkpoint continues the clock of the job that took it, so the source's arrivals,
    /// a function of virtual time, stay the same). Faults scheduled before it are in the
    /// past and do not happen.
    fn start_at(
        config: Config,
        trace: Option<&Trace>,
        start_us: u64,
    ) -> Result<Self, ConfigErrors> {
        config.validate()?;
        let partitioning = config.partitioning()?;
        if matches!(config.workload.source, SourceConfig::Trace) && trace.is_none() {
            return Err(ConfigErrors(vec![FieldError {
                field: "workload.source".into(),
                message: "a trace source needs a loaded `key,value` trace".into(),
            }]));
        }
        let workload = Arc::new(Workload::new(
            &config.workload,
            config.seed,
            partitioning.max_parallelism(),
            trace,
        ));
        let mut config = config;
        // Faults replay in time order whatever order the file lists them in.
        config.faults.sort_by_key(|f| f.at_ms);
        let mut timers = TimerQueue::default();
        for (i, f) in config.faults.iter().enumerate() {
            if f.at_ms * 1000 >= start_us {
                timers.schedule(f.at_ms * 1000, Scope::Global, Timer::Fault(i));
            }
        }
        // The first sample once the first tick has run, so it has a rate to report.
        timers.schedule(start_us + config.tick_us, Scope::Global, Timer::Sample);
        let mut sim = Self {
            job: Job::new(workload.clone(), config.seed, partitioning),
            coordinator: Coordinator::new(partitioning.max_parallelism(), config.seed),
            link: Link::new(&config.link),
            store: Store::default(),
            recovery: Recovery::new(&workload),
            sampler: Sampler::default(),
            log: EventLog::default(),
            refused: Vec::new(),
            arrival_alarms: [None; 2],
            timers,
            now: start_us,
            plane_at: start_us,
            config,
        };
        sim.emit(Event::JobStarted {
            parallelism: partitioning.parallelism(),
            key_groups: partitioning.max_parallelism(),
            codec: sim.config.checkpointing.codec,
            incremental: sim.config.checkpointing.incremental,
        });
        sim.rearm_trigger();
        Ok(sim)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn now_us(&self) -> u64 {
        self.now
    }

    pub fn partitioning(&self) -> Partitioning {
        self.job.partitioning()
    }

    pub fn workload(&self) -> &Workload {
        self.job.workload()
    }

    pub fn source_offset(&self) -> u64 {
        self.job.source_offset()
    }

    pub fn status(&self) -> &JobStatus {
        self.recovery.status()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn link(&self) -> &Link {
        &self.link
    }

    pub fn history(&self) -> &[CheckpointStats] {
        self.coordinator.history()
    }

    pub fn counts(&self) -> &CheckpointCounts {
        self.coordinator.counts()
    }

    pub fn log(&self) -> &EventLog {
        &self.log
    }

    pub fn recoveries(&self) -> &[RecoveryStats] {
        self.recovery.recoveries()
    }

    /// Scheduled faults that could not apply when their time came (also in the log).
    pub fn refused_faults(&self) -> &[Refusal] {
        &self.refused
    }

    pub fn key_group_state(&self, kg: u32) -> &KeyGroupState {
        self.job.key_group(kg)
    }

    pub fn records_processed(&self) -> u64 {
        self.job.records_processed()
    }

    pub fn transfer_counts(&self) -> TransferCounts {
        self.link.counts()
    }

    /// Why each key group was or was not shipped by the latest barrier that reached it.
    pub fn ship_decisions(&self) -> &[Option<ShipDecision>] {
        self.coordinator.ship_decisions()
    }

    /// The reasons alone of [`Self::ship_decisions`].
    pub fn ship_reasons(&self) -> Vec<Option<ShipReason>> {
        self.ship_decisions()
            .iter()
            .map(|d| d.map(|d| d.reason))
            .collect()
    }

    /// How Flink's heap backend lays this job's state out.
    pub fn heap_layout(&self) -> &crate::engine::state::flink_heap::HeapLayout {
        self.job.layout()
    }

    pub(crate) fn job(&self) -> &Job {
        &self.job
    }

    pub(crate) fn coordinator(&self) -> &Coordinator {
        &self.coordinator
    }

    /// The run's oracle (what its memory holds is measured by the memory benchmark).
    pub fn oracle(&self) -> &crate::engine::recovery::oracle::Oracle {
        self.recovery.oracle()
    }

    /// What restoring each recently completed checkpoint would cost.
    pub fn restore_plans(&self) -> &crate::engine::recovery::plans::RestorePlans {
        self.recovery.plans()
    }

    fn emit(&mut self, event: Event) {
        self.log.push(self.now, event);
    }

    /// Schedules a timer of the current job attempt (dropped if the job fails first).
    fn schedule_in_epoch(&mut self, at: u64, timer: Timer) {
        let epoch = self.recovery.epoch();
        self.timers.schedule(at, Scope::Epoch(epoch), timer);
    }

    /// The next moment the data plane stops at: the next multiple of `tick_us` or the next
    /// timer, whichever comes first.
    fn next_boundary(&self) -> u64 {
        let tick = self.config.tick_us.max(1);
        let grid = (self.plane_at / tick + 1) * tick;
        self.timers
            .next_at()
            .filter(|due| *due > self.plane_at)
            .map_or(grid, |due| due.min(grid))
    }

    /// Brings the data plane up to the clock before an action (a person's crash, trigger,
    /// fault or settings change) acts at `now`. A run is a function of the moments actions
    /// happen at, so this partial slice is part of the run, however the caller got to `now`.
    fn settle(&mut self) {
        if self.plane_at < self.now {
            let now = self.now;
            self.cross_boundary(now);
        }
    }

    /// Runs the data plane up to boundary `b` and handles the timers due there.
    fn cross_boundary(&mut self, b: u64) {
        self.run_data_plane(self.plane_at, b);
        self.plane_at = b;
        self.now = self.now.max(b);
        self.fire_due();
    }

    /// Advances virtual time to `t_us`.
    ///
    /// The data plane only ever stops at boundaries (multiples of `tick_us` and timer due
    /// times), never at `t_us` itself, so a run is the same however its advances are cut:
    /// advancing to 10 s in one call or in a thousand uneven ones gives the same state. In
    /// between, the clock shows `t_us` while the data plane waits at the last boundary.
    pub fn advance_to(&mut self, t_us: u64) {
        self.fire_due();
        loop {
            let b = self.next_boundary();
            if b > t_us {
                break;
            }
            self.cross_boundary(b);
        }
        self.now = self.now.max(t_us);
    }

    pub fn advance_by(&mut self, dt_us: u64) {
        self.advance_to(self.now.saturating_add(dt_us));
    }

    /// Advances to the next moment a main (not detail) event is logged, or until
    /// `limit_us` passes. Returns whether one was.
    pub fn step_event(&mut self, limit_us: u64) -> bool {
        self.step_until(limit_us, |e| !e.is_detail())
    }

    /// Advances boundary by boundary until an event matching `stop` is logged (and stops
    /// right there) or `limit_us` passes. Returns whether one was.
    pub fn step_until(&mut self, limit_us: u64, stop: impl Fn(&Event) -> bool) -> bool {
        let deadline = self.now.saturating_add(limit_us);
        let from = self.log.next_seq();
        self.fire_due();
        loop {
            if self.log.since_seq(from).iter().any(|e| stop(&e.event)) {
                return true;
            }
            let b = self.next_boundary();
            if b > deadline {
                self.now = self.now.max(deadline);
                return false;
            }
            self.cross_boundary(b);
        }
    }

    fn run_data_plane(&mut self, from: u64, end: u64) {
        let Simulation {
            link,
            coordinator,
            job,
            ..
        } = self;
        let workload = job.workload().clone();
        let layout = job.layout().clone();
        link.send(from, end, |_| coordinator.next_upload(&workload, &layout));
        self.arm_arrivals();
        if !self.recovery.is_running() {
            return;
        }
        let speed = Throughput {
            records_per_us: self.config.job.records_per_s_per_subtask / 1e6,
            channel_capacity: self.config.job.channel_capacity as usize,
        };
        let barriers = {
            let Simulation {
                job,
                coordinator,
                store,
                config,
                ..
            } = self;
            let mut hooks = Hooks {
                coordinator,
                store,
                config,
                workload: job.workload().clone(),
                layout: job.layout().clone(),
                barriers: Vec::new(),
            };
            job.run(from, end, speed, &mut hooks);
            hooks.barriers
        };
        for (subtask, id, at, taken) in barriers {
            self.on_barrier_taken(subtask, id, at, taken);
        }
        self.check_caught_up();
    }

    /// Makes sure the timer queue wakes up when the head of each pipe arrives.
    fn arm_arrivals(&mut self) {
        for (i, d) in [Direction::Upload, Direction::Download]
            .into_iter()
            .enumerate()
        {
            if let Some(at) = self.link.next_arrival(d) {
                if self.arrival_alarms[i] != Some(at) {
                    self.arrival_alarms[i] = Some(at);
                    self.timers.schedule(at, Scope::Global, Timer::Arrival(d));
                }
            }
        }
    }

    fn fire_due(&mut self) {
        while let Some(timer) = self.timers.pop_due(self.now, self.recovery.epoch()) {
            self.on_timer(timer);
        }
    }

    fn on_timer(&mut self, timer: Timer) {
        match timer {
            Timer::Fault(i) => self.fire_scheduled_fault(i),
            Timer::LatencyRestored => {
                if let Some(latency_ms) = self.link.end_spike(self.now) {
                    self.emit(Event::LatencyRestored { latency_ms });
                }
            }
            Timer::LinkRestored => {
                if self.link.outage_until() == self.now {
                    self.emit(Event::LinkRestored);
                }
            }
            Timer::StoreAvailable => {
                if self.store.is_available(self.now)
                    && !self.store.is_available(self.now.saturating_sub(1))
                {
                    self.emit(Event::StoreAvailable);
                }
            }
            Timer::Retry(transfer) => self.resend(transfer),
            Timer::Arrival(d) => {
                self.arrival_alarms[d as usize] = None;
                if let Some((transfer, size)) = self.link.take_arrival(d, self.now) {
                    self.on_arrival(transfer, size);
                }
                self.arm_arrivals();
            }
            Timer::SyncDone {
                checkpoint,
                subtask,
            } => self.on_sync_done(checkpoint, subtask),
            Timer::Timeout {
                checkpoint,
                timeout_ms,
            } => self.on_timeout(checkpoint, timeout_ms),
            Timer::Restart => self.begin_restore(),
            Timer::RestoreDone => self.finish_restore(),
            Timer::Trigger(token) => {
                if self.coordinator.take_trigger(token) {
                    self.try_trigger();
                }
            }
            Timer::Sample => self.take_sample(),
        }
    }

    /// What the interval rules read right now.
    pub fn measured(&self) -> Measured {
        let (change_bytes_per_s, changed_keys_per_s) = self.sampler.change_rate();
        let bytes_per_s = self.config.link.bandwidth_mbit_s * 1e6 / 8.0;
        Measured {
            change_bytes_per_s,
            changed_keys_per_s,
            checkpoint_cost_s: self.coordinator.cost_ewma_s(),
            estimated_cost_s: self.job.state_bytes() as f64 / bytes_per_s
                + self.config.link.latency_ms / 1e3,
        }
    }

    /// The policy's current interval and its reasons; `None` while checkpointing is off.
    pub fn interval_decision(&self) -> Option<IntervalDecision> {
        self.coordinator
            .interval_decision(&self.config.checkpointing, &self.measured())
    }

    /// When the next checkpoint is due (`None`: not scheduled, e.g. one is still running
    /// at the concurrency limit, the job is restoring, or checkpointing is off).
    pub fn next_trigger_at_us(&self) -> Option<u64> {
        self.coordinator.next_trigger_at()
    }

    /// How far back the change rate D is measured.
    pub fn change_window_us(&self) -> u64 {
        CHANGE_WINDOW_US
    }

    /// The state change rate D over the sliding window: (bytes/s, keys/s). A key counts once
    /// per 100 ms sample period however often it changed in it.
    pub fn change_rate(&self) -> (f64, f64) {
        self.sampler.change_rate()
    }

    fn take_sample(&mut self) {
        self.timers
            .schedule(self.now + SAMPLE_INTERVAL_US, Scope::Global, Timer::Sample);
        self.job.next_period();
        let (shipped_encoded_total, shipped_raw_total) = self.coordinator.shipped_totals();
        let queues = self.job.queued();
        let readings = Readings {
            changed_bytes_total: self.job.changed_bytes_total(),
            changed_keys_total: self.job.changed_keys_total(),
            uploaded_total: self.link.sent_bytes(Direction::Upload),
            downloaded_total: self.link.sent_bytes(Direction::Download),
            shipped_encoded_total,
            shipped_raw_total,
            state_bytes: self.job.state_bytes(),
            queued_records: queues.clone().sum(),
            max_queue: queues.max().unwrap_or(0) as u32,
            source_lag_records: self
                .workload()
                .available(self.now)
                .saturating_sub(self.job.source_offset()),
            source_offset: self.job.source_offset(),
            restorable_checkpoint: self.store.latest().map(|c| c.id),
            running: self.recovery.is_running(),
        };
        let Simulation {
            sampler,
            coordinator,
            config,
            job,
            ..
        } = self;
        let bytes_per_s = config.link.bandwidth_mbit_s * 1e6 / 8.0;
        let estimated_cost_s =
            job.state_bytes() as f64 / bytes_per_s + config.link.latency_ms / 1e3;
        sampler.sample(self.now, readings, |sampler| {
            let (change_bytes_per_s, changed_keys_per_s) = sampler.change_rate();
            let measured = Measured {
                change_bytes_per_s,
                changed_keys_per_s,
                checkpoint_cost_s: coordinator.cost_ewma_s(),
                estimated_cost_s,
            };
            coordinator
                .interval_decision(&config.checkpointing, &measured)
                .map(|d| d.interval_us as f64 / 1000.0)
        });
        if self.coordinator.next_trigger_at().is_some()
            && !matches!(
                self.config.checkpointing.policy,
                crate::engine::transfer::policy::PolicyConfig::Fixed
            )
        {
            // The measured inputs moved: the due time follows them.
            self.rearm_trigger();
        }
    }

    /// Running totals that the what-if calculator and the CLI difference over an interval.
    pub fn totals(&self) -> Totals {
        let (shipped_encoded, shipped_raw) = self.coordinator.shipped_totals();
        Totals {
            shipped_encoded,
            shipped_raw,
            uploaded: self.link.sent_bytes(Direction::Upload),
            completed: self.counts().completed,
            failed: self.counts().failed,
            records_processed: self.job.records_processed(),
        }
    }

    /// The sampled time series, oldest first (a bounded recent window on long runs).
    pub fn samples(&self) -> impl DoubleEndedIterator<Item = &Sample> {
        self.sampler.samples()
    }

    /// True when every record the source has emitted has been processed.
    pub fn is_drained(&self) -> bool {
        self.recovery.is_running() && self.job.is_drained()
    }

    /// What identifies the records this job reads: its workload settings and seed, and
    /// for a trace its keys and records. A checkpoint's source offsets mean the same
    /// records only to a job with the same fingerprint (a restore checks it).
    pub fn source_fingerprint(&self) -> u64 {
        let mut h = Fnv::new();
        let workload = self.workload();
        h.bytes(
            serde_json::to_string(workload.config())
                .unwrap_or_default()
                .as_bytes(),
        );
        h.u64(self.config.seed);
        if matches!(workload.config().source, SourceConfig::Trace) {
            let keys = workload.keys();
            for i in 0..keys.len() as u32 {
                h.bytes(keys.key(i).to_string().as_bytes());
                h.bytes(&[0]);
            }
            for offset in 0..workload.length().unwrap_or(0) {
                let r = workload.record(offset);
                h.u64(u64::from(r.key));
                h.u64(r.value as u64);
            }
        }
        h.0
    }

    /// A digest of everything observable, for comparing runs across targets.
    pub fn digest(&self) -> u64 {
        let mut h = Fnv::new();
        h.u64(self.now);
        h.u64(self.job.source_offset());
        h.u64(self.job.records_processed());
        let keys = self.workload().keys();
        let layout = self.job.layout();
        for s in self.job.state() {
            h.bytes(&crate::engine::state::snapshot::serialize(s, keys, layout));
        }
        for c in self.store.chunks() {
            h.u64(c.id);
            h.bytes(&c.bytes);
        }
        for row in self.history() {
            h.bytes(serde_json::to_string(row).unwrap_or_default().as_bytes());
        }
        h.0
    }
}

/// FNV-1a, 64-bit: tiny, portable and stable.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, b: &[u8]) {
        for x in b {
            self.0 = (self.0 ^ u64::from(*x)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
}
