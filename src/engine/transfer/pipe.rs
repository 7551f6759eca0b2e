//! One direction of the network: a FIFO pipe with a bandwidth (bytes leave one after
//! another) and a latency (each transfer arrives that much after its last byte left).

use std::collections::VecDeque;

#[derive(Clone, Debug)]
pub struct Pipe<T> {
    bytes_per_us: f64,
    latency_us: u64,
    queue: VecDeque<Queued<T>>,
    /// Bytes of the head transfer already sent.
    head_sent: f64,
    /// Sent transfers on their way, by arrival time (FIFO, as latency is constant).
    arriving: VecDeque<(u64, T, u64)>,
    sent_bytes: u64,
}

#[derive(Clone, Debug)]
struct Queued<T> {
    item: T,
    size: u64,
    enqueued_at: u64,
}

/// A transfer as drawn: what it carries, its size and how far along it is.
#[derive(Clone, Debug, PartialEq)]
pub struct InFlight<'a, T> {
    pub item: &'a T,
    pub size: u64,
    /// 0..=1 of the bytes sent; 1 while it is propagating.
    pub sent_fraction: f64,
    pub arrives_at_us: Option<u64>,
}

impl<T> Pipe<T> {
    pub fn new(bandwidth_mbit_s: f64, latency_ms: f64) -> Self {
        Self {
            bytes_per_us: bandwidth_mbit_s / 8.0,
            latency_us: (latency_ms * 1000.0).round() as u64,
            queue: VecDeque::new(),
            head_sent: 0.0,
            arriving: VecDeque::new(),
            sent_bytes: 0,
        }
    }

    pub fn set_bandwidth(&mut self, bandwidth_mbit_s: f64) {
        self.bytes_per_us = bandwidth_mbit_s / 8.0;
    }

    pub fn set_latency(&mut self, latency_ms: f64) {
        self.latency_us = (latency_ms * 1000.0).round() as u64;
    }

    pub fn latency_ms(&self) -> f64 {
        self.latency_us as f64 / 1000.0
    }

    pub fn enqueue(&mut self, item: T, size: u64, now: u64) {
        self.queue.push_back(Queued {
            item,
            size,
            enqueued_at: now,
        });
    }

    /// Sends bytes during `[from, to)`; a transfer whose last byte leaves at `t` arrives at
    /// `t + latency`. The exact departure time inside the interval is kept.
    pub fn advance(&mut self, from: u64, to: u64) {
        self.advance_fed(from, to, |_| None);
    }

    /// Like `advance`, but when the pipe runs empty at time `t` it asks `refill(t)` for the
    /// next transfer. Work that produces a transfer (encoding a chunk) then happens only when
    /// the link can take it, spread over the run instead of all at once.
    pub fn advance_fed(
        &mut self,
        from: u64,
        to: u64,
        mut refill: impl FnMut(u64) -> Option<(T, u64)>,
    ) {
        let mut t = from as f64;
        let end = to as f64;
        loop {
            if self.queue.is_empty() && t < end && self.bytes_per_us > 0.0 {
                match refill(t.ceil() as u64) {
                    Some((item, size)) => self.enqueue(item, size, t.ceil() as u64),
                    None => break,
                }
            }
            let Some(head) = self.queue.front() else {
                break;
            };
            let start = t.max(head.enqueued_at as f64);
            if start >= end || self.bytes_per_us <= 0.0 {
                break;
            }
            let remaining = head.size as f64 - self.head_sent;
            let needed = remaining / self.bytes_per_us;
            if start + needed <= end {
                let done = start + needed;
                let q = self.queue.pop_front().expect("head exists");
                self.head_sent = 0.0;
                self.sent_bytes += q.size;
                let arrive = done.ceil() as u64 + self.latency_us;
                self.arriving.push_back((arrive, q.item, q.size));
                t = done;
            } else {
                self.head_sent =
                    (self.head_sent + (end - start) * self.bytes_per_us).min(head.size as f64);
                break;
            }
        }
    }

    /// The earliest arrival not yet taken.
    pub fn next_arrival(&self) -> Option<u64> {
        self.arriving.front().map(|(t, _, _)| *t)
    }

    pub fn take_arrival(&mut self, now: u64) -> Option<(T, u64)> {
        if self.arriving.front().is_some_and(|(t, _, _)| *t <= now) {
            self.arriving
                .pop_front()
                .map(|(_, item, size)| (item, size))
        } else {
            None
        }
    }

    /// Bytes waiting or in the pipe.
    pub fn backlog_bytes(&self) -> u64 {
        self.queue.iter().map(|q| q.size).sum::<u64>() - self.head_sent as u64
    }

    /// Every byte that has left this end so far.
    pub fn sent_bytes(&self) -> u64 {
        self.sent_bytes + self.head_sent as u64
    }

    pub fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.arriving.is_empty()
    }

    pub fn clear(&mut self) {
        self.queue.clear();
        self.arriving.clear();
        self.head_sent = 0.0;
    }

    pub fn in_flight(&self) -> Vec<InFlight<'_, T>> {
        let propagating = self.arriving.iter().map(|(t, item, size)| InFlight {
            item,
            size: *size,
            sent_fraction: 1.0,
            arrives_at_us: Some(*t),
        });
        let queued = self.queue.iter().enumerate().map(|(i, q)| InFlight {
            item: &q.item,
            size: q.size,
            sent_fraction: if i == 0 && q.size > 0 {
                self.head_sent / q.size as f64
            } else {
                0.0
            },
            arrives_at_us: None,
        });
        propagating.chain(queued).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfers_serialise_on_bandwidth_then_add_latency() {
        // 8 Mbit/s = 1 byte per µs; 2 ms latency.
        let mut p: Pipe<&str> = Pipe::new(8.0, 2.0);
        p.enqueue("a", 1000, 0);
        p.enqueue("b", 500, 0);
        p.advance(0, 600);
        assert_eq!(p.next_arrival(), None);
        p.advance(600, 1600);
        assert_eq!(p.next_arrival(), Some(3000));
        assert_eq!(p.take_arrival(2999), None);
        assert_eq!(p.take_arrival(3000), Some(("a", 1000)));
        assert_eq!(p.next_arrival(), Some(3500));
        assert_eq!(p.sent_bytes(), 1500);
    }

    #[test]
    fn a_transfer_enqueued_later_starts_then() {
        let mut p: Pipe<u8> = Pipe::new(8.0, 0.0);
        p.enqueue(1, 100, 50);
        p.advance(0, 1000);
        assert_eq!(p.take_arrival(1000), Some((1, 100)));
        assert!(p.is_idle());
    }
}
