//! Frame pacing: how far each animation frame should move the run, whether it really
//! moved that far, how many records a dot stands for, and how often the views are
//! refreshed.
//!
//! Each frame advances virtual time by the frame's speed × wall time (the speed asked, or
//! slow motion's, `super::slowmo`), but the engine work stops when the frame's budget is
//! spent (the driver measures it with the clock the shell passes in, never inside the
//! engine); the run then falls behind and the page says so instead of freezing frames.
//! Nothing here reads a clock: the shell passes frame timestamps in, the session passes
//! what the engine reached.
//!
//! "Behind" compares what the clock really advanced with what the frames planned, over a
//! sliding window of wall time, so slow motion (planned) never reads as "cannot keep up",
//! and running faster than asked (catching up) never does either. It shows only when
//! clearly slower, and hides only when clearly caught up again, so it does not flicker.

/// Engine work allowed per animation frame, in ms of wall time: well under half a 60 Hz
/// frame, leaving the rest for the views, the canvas and the browser.
pub const FRAME_BUDGET_MS: f64 = 7.0;
/// Wall time a frame may stand for; longer gaps (a stalled tab) do not turn into a burst
/// of catch-up work.
pub const MAX_FRAME_DT_MS: f64 = 100.0;
/// The frame a first frame is taken to stand for: one at 60 Hz.
const FIRST_FRAME_DT_MS: f64 = 1000.0 / 60.0;
/// How far behind the requested speed the run may fall before the debt is forgiven, in
/// ms of wall time.
pub const MAX_LAG_MS: f64 = 250.0;
/// Publishing a picture (building the view, history, log and samples) should stay under
/// this per frame; past it, pictures are published every few frames instead.
pub const PUBLISH_BUDGET_MS: f64 = 2.5;
/// The speed range, in virtual seconds per wall second.
pub const MIN_SPEED: f64 = 0.01;
pub const MAX_SPEED: f64 = 100.0;
/// The sliding window "behind" is judged over, in wall ms, and the least of it needed.
const BEHIND_WINDOW_MS: f64 = 2_000.0;
const BEHIND_MIN_WINDOW_MS: f64 = 1_000.0;
/// Shown below this share of the planned advance, hidden again above the second.
const BEHIND_SHOW_BELOW: f64 = 0.8;
const BEHIND_HIDE_ABOVE: f64 = 0.92;

/// One frame's advance: wall ms, virtual µs planned and really reached.
#[derive(Clone, Copy, Debug)]
struct Advance {
    wall_ms: f64,
    planned_us: f64,
    reached_us: f64,
}

/// The pacing of one run on one page.
#[derive(Clone, Debug)]
pub struct Pacer {
    /// Virtual seconds per wall second asked for.
    speed: f64,
    last_frame_ms: Option<f64>,
    /// Virtual time the run should have reached while playing, in µs.
    target_us: f64,
    /// The last frames' advances, newest last, covering about `BEHIND_WINDOW_MS`.
    window: std::collections::VecDeque<Advance>,
    /// Whether the page says the run is behind (kept until clearly caught up).
    behind: bool,
    /// Smoothed records emitted per wall second, for choosing the dot sampling.
    emit_rate: f64,
    /// The source offset at the previous frame, for `emit_rate`.
    frame_offset: u64,
    /// Smoothed cost of publishing a picture, and frames since the last one.
    publish_ms: f64,
    frames_unpublished: u32,
}

impl Default for Pacer {
    fn default() -> Self {
        Self {
            speed: 1.0,
            last_frame_ms: None,
            target_us: 0.0,
            window: std::collections::VecDeque::new(),
            behind: false,
            emit_rate: 0.0,
            frame_offset: 0,
            publish_ms: 0.0,
            frames_unpublished: 0,
        }
    }
}

impl Pacer {
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Sets the speed, within [`MIN_SPEED`]..=[`MAX_SPEED`]; a speed that is not a number
    /// is ignored. The run goes on from `now_us` at the new speed, with no debt.
    pub fn set_speed(&mut self, speed: f64, now_us: u64) {
        if speed.is_finite() {
            self.speed = speed.clamp(MIN_SPEED, MAX_SPEED);
            self.rebase(now_us);
        }
    }

    /// The run starts (or goes on) from `now_us`, with no debt and no sign of lag.
    pub fn rebase(&mut self, now_us: u64) {
        self.target_us = now_us as f64;
        self.window.clear();
        self.behind = false;
    }

    /// Drops what is left of this frame's aim (the run stopped early on purpose, at the
    /// start of a moment): the next frame goes on from `now_us` at its own speed.
    pub fn settle_at(&mut self, now_us: u64) {
        self.target_us = now_us as f64;
    }

    /// Forgets when the last frame was: the next frame stands for one 60 Hz frame, not
    /// for the pause before it (frames stopped while idle or in a hidden tab).
    pub fn forget_frame_time(&mut self) {
        self.last_frame_ms = None;
    }

    /// The wall time the frame at `ts_ms` stands for, in ms.
    pub fn frame_dt(&mut self, ts_ms: f64) -> f64 {
        let dt = self.last_frame_ms.map_or(FIRST_FRAME_DT_MS, |last| {
            (ts_ms - last).clamp(0.0, MAX_FRAME_DT_MS)
        });
        self.last_frame_ms = Some(ts_ms);
        dt
    }

    /// Where a playing run should be after a frame of `dt_ms` at `speed` (the speed
    /// asked, or slow motion's), in virtual µs.
    pub fn target_after(&mut self, dt_ms: f64, speed: f64) -> u64 {
        self.target_us += speed * dt_ms * 1000.0;
        self.target_us as u64
    }

    /// Learns how far a frame of `dt_ms` planned to move the run (`planned_us`) and how
    /// far it really did (`from_us` to `now_us`). Debt beyond [`MAX_LAG_MS`] at `speed`
    /// is forgiven: the run slows down instead of trying to catch up in a burst later.
    pub fn reached(&mut self, from_us: u64, now_us: u64, dt_ms: f64, planned_us: f64, speed: f64) {
        let now = now_us as f64;
        let max_lag = speed * MAX_LAG_MS * 1000.0;
        if self.target_us - now > max_lag {
            self.target_us = now + max_lag;
        }
        if dt_ms <= 0.0 {
            return;
        }
        self.window.push_back(Advance {
            wall_ms: dt_ms,
            planned_us: planned_us.max(0.0),
            reached_us: (now - from_us as f64).max(0.0),
        });
        let mut span: f64 = self.window.iter().map(|a| a.wall_ms).sum();
        while span > BEHIND_WINDOW_MS {
            match self.window.pop_front() {
                Some(a) => span -= a.wall_ms,
                None => break,
            }
        }
        if span < BEHIND_MIN_WINDOW_MS {
            return;
        }
        let share = self.share_reached();
        if self.behind {
            self.behind = share < BEHIND_HIDE_ABOVE;
        } else {
            self.behind = share < BEHIND_SHOW_BELOW;
        }
    }

    /// Virtual time reached over the window, as a share of what was planned (1 when
    /// nothing was planned).
    fn share_reached(&self) -> f64 {
        let planned: f64 = self.window.iter().map(|a| a.planned_us).sum();
        let reached: f64 = self.window.iter().map(|a| a.reached_us).sum();
        if planned <= 0.0 {
            1.0
        } else {
            reached / planned
        }
    }

    /// While playing and clearly slower than planned: the speeds really reached and
    /// planned over the window (virtual seconds per wall second). `None` otherwise.
    pub fn behind(&self, playing: bool) -> Option<(f64, f64)> {
        if !(playing && self.behind) {
            return None;
        }
        let wall: f64 = self.window.iter().map(|a| a.wall_ms).sum::<f64>() * 1000.0;
        let planned: f64 = self.window.iter().map(|a| a.planned_us).sum();
        let reached: f64 = self.window.iter().map(|a| a.reached_us).sum();
        (wall > 0.0).then(|| (reached / wall, planned / wall))
    }

    /// Learns how many records the source emitted in a frame of `dt_ms` (its offset is
    /// now `offset`; a rewind counts as none).
    pub fn count_emitted(&mut self, offset: u64, dt_ms: f64) {
        let emitted = offset.saturating_sub(self.frame_offset.min(offset));
        self.frame_offset = offset;
        if dt_ms > 0.0 {
            let rate = emitted as f64 * 1000.0 / dt_ms;
            self.emit_rate = 0.9 * self.emit_rate + 0.1 * rate;
        }
    }

    /// Smoothed records per wall second.
    pub fn emit_rate(&self) -> f64 {
        self.emit_rate
    }

    /// Whether this frame should publish a picture: every frame while building one is
    /// cheap, every few frames when it costs more than [`PUBLISH_BUDGET_MS`] (the engine
    /// keeps its per-frame budget meanwhile); always when not playing, so a step or a
    /// pause shows at once.
    pub fn publish_due(&mut self, playing: bool) -> bool {
        let every = (self.publish_ms / PUBLISH_BUDGET_MS).ceil().max(1.0) as u32;
        self.frames_unpublished += 1;
        let due = self.frames_unpublished >= every || !playing;
        if due {
            self.frames_unpublished = 0;
        }
        due
    }

    /// Learns what publishing a picture cost, in wall ms.
    pub fn published(&mut self, cost_ms: f64) {
        self.publish_ms = 0.8 * self.publish_ms + 0.2 * cost_ms.max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_stays_in_range_and_ignores_non_numbers() {
        let cases: &[(f64, f64)] = &[
            (1.0, 1.0),
            (0.5, 0.5),
            (0.001, MIN_SPEED),
            (1e6, MAX_SPEED),
            (-3.0, MIN_SPEED),
            (f64::NAN, 4.0),
            (f64::INFINITY, 4.0),
        ];
        for (asked, want) in cases {
            let mut p = Pacer::default();
            p.set_speed(4.0, 0);
            p.set_speed(*asked, 0);
            assert_eq!(p.speed(), *want, "asked {asked}");
        }
    }

    #[test]
    fn frames_stand_for_the_wall_time_between_them_within_bounds() {
        let mut p = Pacer::default();
        // (timestamp, wall ms the frame stands for)
        let frames: &[(f64, f64)] = &[
            (1_000.0, FIRST_FRAME_DT_MS),
            (1_016.0, 16.0),
            (1_016.0, 0.0),
            (1_010.0, 0.0),
            (5_000.0, MAX_FRAME_DT_MS),
            (5_033.0, 33.0),
        ];
        for (ts, want) in frames {
            assert_eq!(p.frame_dt(*ts), *want, "frame at {ts}");
        }
        p.forget_frame_time();
        assert_eq!(p.frame_dt(9_000.0), FIRST_FRAME_DT_MS, "after a pause");
    }

    #[test]
    fn a_playing_run_aims_at_speed_times_wall_time() {
        let mut p = Pacer::default();
        p.set_speed(2.0, 1_000_000);
        assert_eq!(p.target_after(16.0, p.speed()), 1_032_000);
        assert_eq!(p.target_after(16.0, p.speed()), 1_064_000);
        // Slow motion plans less for the same wall time.
        assert_eq!(p.target_after(16.0, 0.5), 1_072_000);
        p.rebase(0);
        assert_eq!(p.target_after(10.0, 2.0), 20_000);
        p.settle_at(5_000);
        assert_eq!(p.target_after(10.0, 1.0), 15_000);
    }

    /// Frames of 16 ms at `speed`, each reaching `share` of what it planned.
    fn frames(p: &mut Pacer, now: &mut u64, n: usize, speed: f64, share: f64) {
        for _ in 0..n {
            let planned = speed * 16_000.0;
            let _ = p.target_after(16.0, speed);
            let next = *now + (planned * share) as u64;
            p.reached(*now, next, 16.0, planned, speed);
            *now = next;
        }
    }

    #[test]
    fn behind_means_clearly_slower_than_planned_and_does_not_flicker() {
        let mut p = Pacer::default();
        p.rebase(0);
        let mut now = 0;
        // Keeping up, at 1× and in deep slow motion alike: not behind.
        frames(&mut p, &mut now, 200, 1.0, 1.0);
        assert_eq!(p.behind(true), None);
        frames(&mut p, &mut now, 200, 0.001, 1.0);
        assert_eq!(p.behind(true), None, "slow motion is planned, not lag");
        // Faster than planned (catching up): not behind either.
        frames(&mut p, &mut now, 200, 1.0, 1.09);
        assert_eq!(p.behind(true), None);

        // Half of what was planned for two seconds: behind, at the speeds really reached.
        frames(&mut p, &mut now, 130, 1.0, 0.5);
        let (reached, planned) = p.behind(true).expect("behind");
        assert!((reached - 0.5).abs() < 0.02, "{reached}");
        assert!((planned - 1.0).abs() < 0.02, "{planned}");
        assert_eq!(p.behind(false), None, "not while paused");

        // Around the threshold (between 0.8 and 0.92): it stays as it is, either way.
        frames(&mut p, &mut now, 200, 1.0, 0.86);
        assert!(
            p.behind(true).is_some(),
            "still behind: not clearly caught up"
        );
        frames(&mut p, &mut now, 200, 1.0, 1.0);
        assert_eq!(p.behind(true), None, "caught up");
        frames(&mut p, &mut now, 200, 1.0, 0.86);
        assert_eq!(p.behind(true), None, "not clearly behind: stays hidden");

        // A frame or two out of budget does not show it.
        frames(&mut p, &mut now, 125, 1.0, 1.0);
        frames(&mut p, &mut now, 3, 1.0, 0.1);
        assert_eq!(p.behind(true), None);
    }

    #[test]
    fn debt_is_forgiven_past_the_lag_bound() {
        let mut p = Pacer::default();
        p.rebase(0);
        let mut now = 0u64;
        for _ in 0..100 {
            let target = p.target_after(16.0, 1.0);
            assert!(
                target <= now + (MAX_LAG_MS * 1000.0) as u64 + 16_000,
                "debt stays bounded: {target} vs {now}"
            );
            let next = now + 4_000;
            p.reached(now, next, 16.0, 16_000.0, 1.0);
            now = next;
        }
    }

    #[test]
    fn emitted_records_are_counted_per_wall_second() {
        let mut p = Pacer::default();
        for frame in 1..=200u64 {
            p.count_emitted(frame * 100, 10.0);
        }
        assert!((p.emit_rate() - 10_000.0).abs() < 1.0, "{}", p.emit_rate());
        // A rewind (a restore) emits nothing; it does not count as negative.
        p.count_emitted(0, 10.0);
        assert!(p.emit_rate() > 8_000.0);
    }

    #[test]
    fn costly_pictures_are_published_every_few_frames() {
        let mut p = Pacer::default();
        let due = |p: &mut Pacer| (0..12).filter(|_| p.publish_due(true)).count();
        assert_eq!(due(&mut p), 12, "cheap: every frame");
        for _ in 0..50 {
            p.published(4.0 * PUBLISH_BUDGET_MS);
        }
        assert_eq!(due(&mut p), 3, "four times the budget: every fourth frame");
        assert!(p.publish_due(false), "paused: at once");
    }
}
