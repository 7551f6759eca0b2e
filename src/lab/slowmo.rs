//! Slow motion: the speed of each frame, chosen so that the moments that matter take a
//! watchable wall time at any speed asked.
//!
//! At 1× a default checkpoint lasts a few ms of virtual time, one animation frame: the
//! store just flickers. While a moment runs (`super::moments`: barriers and snapshots,
//! uploads, the restart, the restore, the replay) the run slows to what spreads that
//! moment's estimated virtual duration over its wall time here (a few seconds at 1×,
//! proportionally less at higher speeds), and never goes faster than asked. A moment that
//! outlasts its estimate speeds up gradually, so a slow link cannot freeze the page.
//!
//! Easing: before a scheduled trigger the speed falls smoothly as the trigger nears (the
//! distance shrinks by a constant factor per wall second), so records slow down instead
//! of stopping dead; after a moment the speed climbs back to the one asked over a few
//! tenths of a second. A moment that starts without warning (a checkpoint triggered by
//! hand, a crash) slows the run at once: the driver stops the frame exactly at the event
//! that begins it (see [`begins_moment`]), so no part of it passes at full speed.

use super::moments::{Moment, MomentKey};
use crate::engine::report::events::Event;

/// The slowest slow motion, in virtual seconds per wall second: 1 ms of virtual time
/// takes 5 s.
pub const SLOWEST: f64 = 0.000_2;
/// Ease-in before a scheduled trigger: the speed is the distance left divided by this
/// (in seconds), so the distance shrinks by e every this many wall seconds.
const APPROACH_S: f64 = 0.09;
/// Ease-out after a moment: the speed's logarithm closes this fraction of its gap to the
/// speed asked every … (time constant, wall seconds).
const EASE_OUT_S: f64 = 0.3;

/// Wall seconds each kind of moment should take at 1× (shorter at higher speeds).
pub fn wall_s(key: &MomentKey) -> f64 {
    match key {
        // Long enough for the barriers to be seen travelling and each snapshot to flash.
        MomentKey::Barriers(_) => 1.8,
        // The chunks cross the link, then land one by one.
        MomentKey::Uploads(_) => 1.5,
        MomentKey::Landing(_) => 2.5,
        MomentKey::Restarting(_) => 1.5,
        MomentKey::Restoring(_) => 1.5,
        MomentKey::RestoreLanding(_) => 2.5,
        MomentKey::Replaying(_) => 3.0,
    }
}

/// Where a playing frame should stop during `moment`, so the next frame's speed can take
/// the new moment into account: at any event that begins one, and, while chunks are on
/// their way, at the first one that lands (only then: stopping at every chunk would cost
/// a frame each at high speeds).
pub fn stop_for(moment: Option<&Moment>) -> fn(&Event) -> bool {
    match moment.map(|m| m.key) {
        Some(MomentKey::Uploads(_)) => {
            |e| begins_moment(e) || matches!(e, Event::ChunkAcknowledged { .. })
        }
        Some(MomentKey::Restoring(_)) => {
            |e| begins_moment(e) || matches!(e, Event::ChunkRestored { .. })
        }
        _ => begins_moment,
    }
}

/// Whether `event` begins (or ends) a moment.
pub fn begins_moment(event: &Event) -> bool {
    matches!(
        event,
        Event::CheckpointTriggered { .. }
            | Event::SnapshotTaken { .. }
            | Event::CheckpointCompleted { .. }
            | Event::CheckpointFailed { .. }
            | Event::JobFailed { .. }
            | Event::RestoreStarted { .. }
            | Event::RestoreDone { .. }
            | Event::CaughtUp { .. }
    )
}

/// What slow motion decided for one frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Virtual seconds per wall second for this frame.
    pub speed: f64,
    /// While the run is slowed: what around ("checkpoint 3", "the restore").
    pub around: Option<String>,
}

#[derive(Clone, Debug)]
pub struct SlowMotion {
    enabled: bool,
    /// The speed of the last frame, for easing out.
    last: Option<f64>,
    /// The moment being slowed and the virtual duration it was given when it began.
    moment: Option<(MomentKey, f64)>,
    /// What the last slowed moment was, said while easing out of it.
    around: Option<String>,
}

impl Default for SlowMotion {
    fn default() -> Self {
        Self {
            enabled: true,
            last: None,
            moment: None,
            around: None,
        }
    }
}

impl SlowMotion {
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
        self.forget();
    }

    /// Forgets the speed of the last frame and the moment (a new run, a step, a pause):
    /// the next frame starts from the speed asked or the moment's own.
    pub fn forget(&mut self) {
        self.last = None;
        self.moment = None;
        self.around = None;
    }

    /// The speed for a frame of `dt_ms` at virtual time `now_us`: `asked` unless a moment
    /// runs (or a scheduled trigger is `trigger_in_us` away) and slow motion is on.
    pub fn plan(
        &mut self,
        moment: Option<&Moment>,
        trigger_in_us: Option<u64>,
        now_us: u64,
        asked: f64,
        dt_ms: f64,
    ) -> Plan {
        if !self.enabled {
            return Plan {
                speed: asked,
                around: None,
            };
        }
        let shrink = asked.max(1.0);
        let (target, around) = match moment {
            Some(m) => {
                let estimate = match self.moment {
                    Some((key, e)) if key == m.key => e,
                    _ => {
                        let e = m.estimate_us.max(1) as f64;
                        self.moment = Some((m.key, e));
                        e
                    }
                };
                // Past its estimate the moment stretches twice as fast as it runs, so its
                // speed grows steadily instead of holding the page at a crawl.
                let elapsed = now_us.saturating_sub(m.since_us) as f64;
                let span = if elapsed > estimate {
                    estimate + 2.0 * (elapsed - estimate)
                } else {
                    estimate
                };
                let speed = span / 1e6 / (wall_s(&m.key) / shrink);
                (speed, Some(m.around()))
            }
            None => {
                self.moment = None;
                match trigger_in_us {
                    Some(d) => (d as f64 / 1e6 / (APPROACH_S / shrink), None),
                    None => (asked, None),
                }
            }
        };
        let target = target.clamp(SLOWEST.min(asked), asked);
        // Down at once (a moment must not pass at full speed), up eased.
        let speed = match self.last {
            Some(last) if target > last => {
                let k = 1.0 - (-dt_ms.max(0.0) / 1000.0 / EASE_OUT_S).exp();
                let eased = (last.ln() + (target.ln() - last.ln()) * k).exp();
                // Close enough: the ease is over.
                if eased > target * 0.97 {
                    target
                } else {
                    eased
                }
            }
            _ => target,
        };
        self.last = Some(speed);
        if around.is_some() {
            self.around = around;
        }
        let slowed = speed < asked * 0.9;
        if !slowed && moment.is_none() {
            self.around = None;
        }
        Plan {
            speed,
            around: if slowed { self.around.clone() } else { None },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::moments::Phase;

    fn uploads(checkpoint: u64, since_us: u64, estimate_us: u64) -> Moment {
        Moment {
            phase: Phase::Uploads {
                checkpoint,
                acknowledged: 0,
                chunks: 10,
            },
            since_us,
            estimate_us,
            key: MomentKey::Uploads(checkpoint),
        }
    }

    /// Plays frames of 16 ms at `asked` through `moment` (while `during` says it runs)
    /// and returns the wall seconds it took.
    fn wall_through(asked: f64, estimate_us: u64) -> f64 {
        let mut slow = SlowMotion::default();
        let m = uploads(3, 1_000_000, estimate_us);
        let mut now = 1_000_000.0;
        let mut wall = 0.0;
        while now < 1_000_000.0 + estimate_us as f64 {
            let plan = slow.plan(Some(&m), None, now as u64, asked, 16.0);
            assert_eq!(plan.around.as_deref(), Some("checkpoint 3"));
            now += plan.speed * 16_000.0;
            wall += 0.016;
            assert!(wall < 100.0, "stuck");
        }
        wall
    }

    #[test]
    fn a_moment_takes_its_wall_time_whatever_its_virtual_length() {
        let want = wall_s(&MomentKey::Uploads(3));
        for estimate in [1_000, 7_000, 40_000, 400_000] {
            let wall = wall_through(1.0, estimate);
            assert!(
                (want - 0.1..want + 0.1).contains(&wall),
                "{estimate} µs took {wall} s"
            );
        }
        // Faster asked, shorter moments; never slower than needed.
        let wall = wall_through(4.0, 40_000);
        assert!(
            (want / 4.0 - 0.05..want / 4.0 + 0.05).contains(&wall),
            "{wall}"
        );
    }

    #[test]
    fn never_faster_than_asked_and_off_means_off() {
        let mut slow = SlowMotion::default();
        // A moment longer than its wall time at the speed asked: no speed-up.
        let long = uploads(1, 0, 60_000_000);
        let plan = slow.plan(Some(&long), None, 0, 0.5, 16.0);
        assert_eq!(plan.speed, 0.5);
        assert_eq!(plan.around, None, "not slowed");

        let m = uploads(1, 0, 5_000);
        slow.set_enabled(false);
        let plan = slow.plan(Some(&m), Some(10), 0, 1.0, 16.0);
        assert_eq!(
            plan,
            Plan {
                speed: 1.0,
                around: None
            }
        );
    }

    #[test]
    fn an_overrunning_moment_speeds_up_instead_of_freezing() {
        let mut slow = SlowMotion::default();
        // Estimated at 1 ms, really 2 s (a link outage): it still ends within seconds.
        let m = uploads(5, 0, 1_000);
        let (mut now, mut wall) = (0.0, 0.0);
        while now < 2_000_000.0 {
            now += slow.plan(Some(&m), None, now as u64, 1.0, 16.0).speed * 16_000.0;
            wall += 0.016;
            assert!(wall < 60.0, "stuck at {now}");
        }
        assert!(wall < 30.0, "{wall}");
    }

    #[test]
    fn the_speed_eases_into_a_trigger_and_out_of_a_moment() {
        let mut slow = SlowMotion::default();
        let asked = 1.0;
        // Far from the trigger: the speed asked.
        assert_eq!(
            slow.plan(None, Some(2_000_000), 0, asked, 16.0).speed,
            asked
        );
        // Nearing it, the speed falls with the distance, smoothly.
        let mut now = 1_800_000.0;
        let trigger = 2_000_000.0;
        let mut speeds = Vec::new();
        while now < trigger {
            let plan = slow.plan(None, Some((trigger - now) as u64), now as u64, asked, 16.0);
            speeds.push(plan.speed);
            now += plan.speed * 16_000.0;
            assert!(speeds.len() < 1_000, "the trigger is reached");
        }
        assert!(speeds.windows(2).all(|w| w[1] <= w[0]), "only slower");
        assert!(
            speeds.windows(2).all(|w| w[1] > w[0] * 0.5),
            "no sudden stop"
        );
        assert!(
            speeds.len() > 20,
            "the approach is seen: {} frames",
            speeds.len()
        );

        // After the moment, back up to the speed asked over a few tenths of a second.
        let m = uploads(2, 0, 5_000);
        let slowest = slow.plan(Some(&m), None, 0, asked, 16.0).speed;
        assert!(slowest < 0.01);
        let mut frames = 0;
        let mut last = slowest;
        loop {
            let plan = slow.plan(None, None, 0, asked, 16.0);
            assert!(plan.speed >= last, "rises");
            if frames < 5 {
                assert_eq!(plan.around.as_deref(), Some("checkpoint 2"), "still said");
            }
            last = plan.speed;
            frames += 1;
            if plan.speed == asked {
                assert_eq!(plan.around, None);
                break;
            }
            assert!(frames < 200);
        }
        assert!((10..120).contains(&frames), "{frames} frames");
    }

    #[test]
    fn the_estimate_is_kept_for_the_whole_moment() {
        let mut slow = SlowMotion::default();
        let first = slow
            .plan(Some(&uploads(1, 0, 9_000)), None, 0, 1.0, 16.0)
            .speed;
        // The same moment read again with a smaller estimate: the speed stays.
        let again = slow
            .plan(Some(&uploads(1, 0, 3_000)), None, 1_000, 1.0, 16.0)
            .speed;
        assert_eq!(first, again);
        // A new moment takes its own.
        let other = slow
            .plan(Some(&uploads(2, 1_000, 3_000)), None, 1_000, 1.0, 16.0)
            .speed;
        assert!(other < first);
    }

    #[test]
    fn a_landing_is_waited_for_only_while_chunks_are_on_their_way() {
        let ack = Event::ChunkAcknowledged {
            checkpoint: 1,
            subtask: 0,
            key_group: 0,
            chunk: 0,
            encoded_bytes: 1,
        };
        assert!(stop_for(Some(&uploads(1, 0, 5_000)))(&ack));
        let mut landing = uploads(1, 0, 5_000);
        landing.key = MomentKey::Landing(1);
        assert!(!stop_for(Some(&landing))(&ack));
        assert!(!stop_for(None)(&ack));
        let trigger = Event::CheckpointTriggered {
            checkpoint: 2,
            offset: 0,
        };
        assert!(stop_for(None)(&trigger) && stop_for(Some(&landing))(&trigger));
    }

    #[test]
    fn moments_begin_at_the_events_that_change_them() {
        assert!(begins_moment(&Event::CheckpointTriggered {
            checkpoint: 1,
            offset: 0
        }));
        assert!(begins_moment(&Event::RestoreDone { offset: 0 }));
        assert!(!begins_moment(&Event::BarrierReached {
            checkpoint: 1,
            subtask: 0,
            start_delay_us: 0
        }));
    }
}
