//! One queue for everything that is due at a virtual time.
//!
//! Between two due times the data plane advances records; at a due time the simulation
//! pops every timer whose time has come and handles it. Timers that fall due at the same
//! microsecond are handled in a fixed, documented order — by [`Class`], then in the order
//! they were scheduled:
//!
//! 1. **Fault**: a scheduled fault changes the world first, so everything else at that
//!    instant sees it (a crash at t aborts a checkpoint whose chunk would arrive at t).
//! 2. **Link**: the link and the store change state (latency back to normal, an outage or
//!    a store unavailability ends).
//! 3. **Retry**: a lost transfer is sent again.
//! 4. **Arrival**: a transfer reaches the store (upload) or the job (download).
//! 5. **Job**: the coordinator's and the recovery's own deadlines — a subtask's sync
//!    phase ends, a checkpoint times out, the job restarts, a restore finishes.
//! 6. **Trigger**: the periodic checkpoint trigger, after everything that could change
//!    whether it may fire (a completion that frees a concurrency slot, a failure).
//! 7. **Sample**: the time series is sampled last, so a sample shows that instant settled.
//!
//! Timers scoped to a job attempt carry its epoch; after a failure (or a restore falling
//! back) the epoch moves on and the old attempt's timers are dropped when they come due.
//! The trigger is re-armed often; each arming gets a new token and only the latest fires.

use crate::engine::report::stats::Direction;
use crate::engine::transfer::link::Transfer;
use crate::engine::transfer::store::CheckpointId;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// Ordering of timers due at the same microsecond (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Class {
    Fault,
    Link,
    Retry,
    Arrival,
    Job,
    Trigger,
    Sample,
}

#[derive(Clone, Debug)]
pub(crate) enum Timer {
    /// The scheduled fault at this index of the config's (time-sorted) schedule.
    Fault(usize),
    LatencyRestored,
    LinkRestored,
    StoreAvailable,
    /// A lost transfer's backoff is over.
    Retry(Transfer),
    /// The head of a pipe may have arrived.
    Arrival(Direction),
    SyncDone {
        checkpoint: CheckpointId,
        subtask: u32,
    },
    Timeout {
        checkpoint: CheckpointId,
        timeout_ms: u64,
    },
    Restart,
    RestoreDone,
    /// The periodic trigger armed with this token.
    Trigger(u64),
    Sample,
}

impl Timer {
    fn class(&self) -> Class {
        match self {
            Timer::Fault(_) => Class::Fault,
            Timer::LatencyRestored | Timer::LinkRestored | Timer::StoreAvailable => Class::Link,
            Timer::Retry(_) => Class::Retry,
            Timer::Arrival(_) => Class::Arrival,
            Timer::SyncDone { .. }
            | Timer::Timeout { .. }
            | Timer::Restart
            | Timer::RestoreDone => Class::Job,
            Timer::Trigger(_) => Class::Trigger,
            Timer::Sample => Class::Sample,
        }
    }
}

/// Whether a timer outlives a job failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    Global,
    /// Belongs to one job attempt (epoch); dropped once the epoch has moved on.
    Epoch(u64),
}

#[derive(Clone, Debug)]
struct Entry {
    at: u64,
    class: Class,
    seq: u64,
    scope: Scope,
    timer: Timer,
}

impl Entry {
    fn key(&self) -> (u64, Class, u64) {
        (self.at, self.class, self.seq)
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct TimerQueue {
    heap: BinaryHeap<Reverse<Entry>>,
    seq: u64,
}

impl TimerQueue {
    pub fn schedule(&mut self, at: u64, scope: Scope, timer: Timer) {
        self.seq += 1;
        self.heap.push(Reverse(Entry {
            at,
            class: timer.class(),
            seq: self.seq,
            scope,
            timer,
        }));
    }

    /// The earliest due time, stale entries included (they only end a slice early).
    pub fn next_at(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse(e)| e.at)
    }

    /// Pops the next timer due at or before `now` that is still live in `epoch`.
    pub fn pop_due(&mut self, now: u64, epoch: u64) -> Option<Timer> {
        while self.heap.peek().is_some_and(|Reverse(e)| e.at <= now) {
            let Reverse(e) = self.heap.pop().expect("peeked");
            if e.scope == Scope::Global || e.scope == Scope::Epoch(epoch) {
                return Some(e.timer);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simultaneous_timers_fire_by_class_then_scheduling_order() {
        let mut q = TimerQueue::default();
        q.schedule(10, Scope::Global, Timer::Sample);
        q.schedule(10, Scope::Global, Timer::Trigger(1));
        q.schedule(10, Scope::Epoch(0), Timer::Restart);
        q.schedule(10, Scope::Epoch(0), Timer::RestoreDone);
        q.schedule(10, Scope::Global, Timer::Fault(0));
        q.schedule(5, Scope::Global, Timer::Sample);
        let mut fired = Vec::new();
        while let Some(t) = q.pop_due(10, 0) {
            fired.push(format!("{t:?}"));
        }
        assert_eq!(
            fired,
            [
                "Sample",
                "Fault(0)",
                "Restart",
                "RestoreDone",
                "Trigger(1)",
                "Sample"
            ]
        );
        assert_eq!(q.next_at(), None);
    }

    #[test]
    fn timers_of_an_old_epoch_are_dropped() {
        let mut q = TimerQueue::default();
        q.schedule(1, Scope::Epoch(0), Timer::Restart);
        q.schedule(2, Scope::Global, Timer::LinkRestored);
        assert!(matches!(q.pop_due(5, 1), Some(Timer::LinkRestored)));
        assert!(q.pop_due(5, 1).is_none());
    }

    #[test]
    fn nothing_fires_before_its_time() {
        let mut q = TimerQueue::default();
        q.schedule(7, Scope::Global, Timer::Sample);
        assert!(q.pop_due(6, 0).is_none());
        assert_eq!(q.next_at(), Some(7));
    }
}
