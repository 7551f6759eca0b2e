//! The event log: what happened, when, in words a lecture can use.
//!
//! Stored as sealed shared blocks plus a tail so that cloning a simulation for time
//! travel copies a handful of pointers, not the whole history.

use serde::Serialize;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventCategory {
    Checkpoint,
    Store,
    Fault,
    Recovery,
    Check,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogEntry {
    pub at_us: u64,
    pub category: EventCategory,
    pub text: String,
}

const BLOCK: usize = 256;

#[derive(Clone, Debug, Default)]
pub struct EventLog {
    sealed: Vec<Arc<Vec<LogEntry>>>,
    tail: Vec<LogEntry>,
}

impl EventLog {
    pub fn push(&mut self, at_us: u64, category: EventCategory, text: String) {
        self.tail.push(LogEntry {
            at_us,
            category,
            text,
        });
        if self.tail.len() == BLOCK {
            self.sealed.push(Arc::new(std::mem::take(&mut self.tail)));
        }
    }

    pub fn len(&self) -> usize {
        self.sealed.len() * BLOCK + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogEntry> {
        self.sealed
            .iter()
            .flat_map(|b| b.iter())
            .chain(self.tail.iter())
    }

    /// Entries at or after `t_us`.
    pub fn since(&self, t_us: u64) -> impl Iterator<Item = &LogEntry> {
        self.iter().filter(move |e| e.at_us >= t_us)
    }
}
