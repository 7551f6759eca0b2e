//! The page's time travel: the run's [`Timeline`], which branch the page shows, and the
//! branch's recorded actions still ahead of the moment shown.
//!
//! The driver owns the live simulation; this keeps what makes any other moment
//! reachable. After every engine call the driver hands the simulation here
//! ([`Travel::moved`]): the actions the branch took in its past are replayed as their
//! moments come (a run scrubbed back and played again does what it did before), and the
//! moment is recorded (markers, keyframes, the head). When a person acts in a branch's
//! past, the driver starts a new branch there ([`Travel::fork`], the original kept) and
//! logs the action on it ([`Travel::took`]), so a branch's past never changes. What the
//! page draws of all this is [`TimelineView`]. The timeline in a link, and back:
//! [`link`].

use std::collections::VecDeque;
use std::rc::Rc;

use crate::engine::report::events::Event;
use crate::engine::report::format;
use crate::engine::sim::Simulation;

use std::collections::BTreeSet;

use crate::engine::transfer::store::ChunkId;

use super::compare::Comparison;
use super::publish::{Publisher, Run, RunPicture};
use super::timeline::{
    run_with, Action, MarkerKind, Timeline, TimelineMemory, BROWSER_BUDGET_BYTES, MAX_BRANCHES,
};

pub mod link;

/// Markers closer than this fraction of the track are drawn as one.
const MARKER_BUCKETS: u64 = 600;
/// The compared branch follows the shown one by running forward at most this much
/// virtual time per picture (further behind, it catches up over the next pictures, and
/// says so), so one picture never waits for a long run.
const CATCH_UP_US: u64 = 2_000_000;
/// Further behind than this (and within what it was run to), the compared branch is
/// sought on its timeline instead of run forward.
const SEEK_GAP_US: u64 = 1_000_000;
/// While the run moves, the comparison's figures are made again every this many
/// pictures (they cost two digests).
const COMPARE_EVERY: u32 = 20;

/// What a comparison was made for: the branch shown, the other, the moment asked, the
/// other's head then.
type ComparedFor = (usize, usize, u64, u64);
/// What markers were placed for: the branch, how many it had, the track's end.
type DrawnFor = (usize, usize, u64);

pub struct Travel {
    timeline: Timeline,
    branch: usize,
    /// The shown branch's actions after the simulation's moment (it is in the branch's
    /// past), in time order: replayed as the run reaches them.
    pending: VecDeque<(u64, Action)>,
    /// The branch compared with the one shown, if any.
    compare: Option<usize>,
    /// The last comparison and what it was made for: (shown, other, moment asked, the
    /// other's head then).
    comparison: Option<(Rc<Comparison>, ComparedFor)>,
    /// The drawn markers and what they were drawn for: (branch, count, track end).
    drawn: Option<(Rc<Vec<MarkerMark>>, DrawnFor)>,
    /// Each branch's origin in words, and how many actions it had then: the words
    /// compare settings as JSON, too dear for every frame.
    origins: Vec<(usize, Option<String>)>,
    /// The compared branch, kept at the shown moment (lockstep) and pictured.
    companion: Option<Companion>,
    /// Pictures made since the comparison was last made.
    views_since_compared: u32,
}

/// The compared branch in lockstep with the shown one: its own simulation at the shown
/// moment (or catching up to it), run forward as the shown one plays, its actions
/// replayed at their moments, and run on past its end when the shown one goes further
/// (both branches play, as two runs side by side would).
struct Companion {
    branch: usize,
    sim: Simulation,
    pending: VecDeque<(u64, Action)>,
    publisher: Publisher,
    /// Bumped at every jump, so its picture's motion starts afresh.
    generation: u64,
    picture: Option<Rc<RunPicture>>,
}

/// The compared branch as the page draws it beside the shown one, with the same code.
#[derive(Clone, Debug)]
pub struct CompanionView {
    pub branch: usize,
    pub name: String,
    /// Its moment: the shown one's, or behind it while it catches up.
    pub now_us: u64,
    pub picture: Rc<RunPicture>,
}

impl PartialEq for CompanionView {
    fn eq(&self, other: &Self) -> bool {
        self.branch == other.branch
            && self.now_us == other.now_us
            && Rc::ptr_eq(&self.picture, &other.picture)
    }
}

/// One marker as the track draws it: where, what, and the exact event to jump to.
#[derive(Clone, Debug, PartialEq)]
pub struct MarkerMark {
    pub at_us: u64,
    pub seq: u64,
    pub kind: MarkerKind,
    /// Its place on the track, 0 … 1.
    pub x: f64,
    /// What its title says: the event in words, at its moment.
    pub title: String,
    /// How many markers of this kind it stands for (close ones are drawn as one).
    pub count: u32,
}

/// A branch as the timeline lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct BranchRow {
    pub index: usize,
    pub name: String,
    /// "from A at 2.300 s: checkpointing.codec = none"; `None` for the first branch.
    pub origin: Option<String>,
    pub head_us: u64,
}

/// What the timeline strip and the branches panel draw.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineView {
    pub now_us: u64,
    /// How far the shown branch has been run.
    pub head_us: u64,
    /// Where the track ends: a round length past the head and the moment shown, grown
    /// in steps so the markers stay put while the run plays.
    pub end_us: u64,
    pub branch: usize,
    /// Where the shown branch left its parent, 0 … 1 on the track.
    pub fork_x: Option<f64>,
    pub branches: Vec<BranchRow>,
    pub markers: Rc<Vec<MarkerMark>>,
    pub memory: TimelineMemory,
    /// Whether another branch can still be made.
    pub can_fork: bool,
    pub compare: Option<usize>,
    pub comparison: Option<Rc<Comparison>>,
    /// The compared branch at the same moment, for its picture beside the shown one.
    pub companion: Option<CompanionView>,
}

impl TimelineView {
    /// The moment shown is in the branch's past (playing replays what it did).
    pub fn in_past(&self) -> bool {
        self.now_us < self.head_us
    }
}

impl Travel {
    /// Time travel for a run that starts as `sim`.
    pub fn new(sim: &Simulation) -> Self {
        Self {
            timeline: Timeline::new(sim, BROWSER_BUDGET_BYTES),
            branch: 0,
            pending: VecDeque::new(),
            compare: None,
            comparison: None,
            drawn: None,
            origins: Vec::new(),
            companion: None,
            views_since_compared: 0,
        }
    }

    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    pub fn branch(&self) -> usize {
        self.branch
    }

    pub fn compare_with(&self) -> Option<usize> {
        self.compare
    }

    /// The compared branch is still catching up with the moment shown (`now_us`): more
    /// pictures are wanted, even while paused.
    pub fn catching_up(&self, now_us: u64) -> bool {
        self.compare.is_some()
            && self
                .companion
                .as_ref()
                .is_some_and(|c| c.sim.now_us() < now_us)
    }

    /// When the next recorded action is due, so an engine call ends there.
    pub fn next_action_at(&self) -> Option<u64> {
        self.pending.front().map(|(at, _)| *at)
    }

    /// After an engine call: replays the recorded actions now due, then records the
    /// moment. A step under way goes on past a replayed crash unless the crash is what it
    /// stops at, as stepping the timeline does (`timeline::run_with`).
    pub fn moved(&mut self, sim: &mut Simulation) {
        while self
            .pending
            .front()
            .is_some_and(|(at, _)| *at <= sim.now_us())
        {
            if let Some((_, action)) = self.pending.pop_front() {
                // It was accepted when it was first taken, at this same moment of this
                // same run: it applies the same way.
                let _ = action.apply(sim);
            }
        }
        self.timeline.record(self.branch, sim);
    }

    /// `action` was applied to `sim`, at its moment: the branch's head.
    pub fn took(&mut self, sim: &Simulation, action: Action) {
        // The moment is the head (every engine call was recorded, a fork starts at its
        // moment), so this cannot be refused. Logged before recording: a keyframe taken
        // now holds the action and must count it.
        let _ = self.timeline.log_action(self.branch, sim.now_us(), action);
        self.timeline.record(self.branch, sim);
    }

    /// A new branch, an exact copy of `sim` (the shown branch at its moment), shown from
    /// now on. Returns its name.
    pub fn fork(&mut self, sim: &Simulation) -> Result<String, String> {
        if self.timeline.len() >= MAX_BRANCHES {
            return Err(format!(
                "at most {MAX_BRANCHES} branches (A … Z): reset the run to start afresh"
            ));
        }
        let from = self.branch;
        let b = self.timeline.fork_from(from, sim);
        self.branch = b;
        self.pending.clear();
        // The branch it came from is what a person compares it with first.
        self.compare = Some(from);
        Ok(self.timeline.name(b).to_string())
    }

    /// The shown branch exactly at `t_us` (capped at its head); the actions after it are
    /// replayed when the run plays on.
    pub fn seek(&mut self, t_us: u64) -> Simulation {
        let t = t_us.min(self.timeline.head(self.branch));
        let sim = self.timeline.seek(self.branch, t);
        self.pending = self.timeline.pending_after(self.branch, sim.now_us());
        sim
    }

    /// The shown branch right where the marker's event was logged.
    pub fn seek_marker(&mut self, at_us: u64, seq: u64) -> Simulation {
        let sim = self.timeline.seek_event(self.branch, at_us, seq);
        self.pending = self.timeline.pending_after(self.branch, sim.now_us());
        sim
    }

    /// Where stepping forward by `stops_at` last stopped before `now_us`.
    pub fn step_back(
        &mut self,
        now_us: u64,
        stops_at: impl Fn(&Event) -> bool,
    ) -> Option<Simulation> {
        let sim = self.timeline.step_back(self.branch, now_us, stops_at)?;
        self.pending = self.timeline.pending_after(self.branch, sim.now_us());
        Some(sim)
    }

    /// Shows `branch` at `t_us` (or its head, if it has not been run that far).
    pub fn switch(&mut self, branch: usize, t_us: u64) -> Option<Simulation> {
        if branch >= self.timeline.len() {
            return None;
        }
        if self.compare == Some(branch) {
            // Comparing with itself says nothing: compare with the one left instead.
            self.compare = Some(self.branch);
        }
        self.branch = branch;
        Some(self.seek(t_us))
    }

    /// Compare the shown branch with `other` (`None`: stop comparing).
    pub fn set_compare(&mut self, other: Option<usize>) {
        self.compare = other.filter(|o| *o < self.timeline.len() && *o != self.branch);
    }

    /// Keeps the compared branch at `t_us`, the shown moment: sought on its timeline
    /// after a jump, otherwise run forward (at most [`CATCH_UP_US`] per call), past its
    /// end if need be, recording what it runs on its timeline.
    fn follow(&mut self, t_us: u64) {
        let Some(other) = self.compare else {
            self.companion = None;
            return;
        };
        let head = self.timeline.head(other);
        let jump = match &self.companion {
            Some(c) => {
                let now = c.sim.now_us();
                c.branch != other || now > t_us || t_us.min(head) > now + SEEK_GAP_US
            }
            None => true,
        };
        if jump {
            let sim = self.timeline.seek(other, t_us.min(head));
            let pending = self.timeline.pending_after(other, sim.now_us());
            let offset = sim.source_offset();
            let generation = self.companion.as_ref().map_or(0, |c| c.generation + 1);
            self.companion = Some(Companion {
                branch: other,
                sim,
                publisher: Publisher::starting_at(offset),
                pending,
                generation,
                picture: None,
            });
        }
        let Some(c) = self.companion.as_mut() else {
            return;
        };
        let target = t_us.min(c.sim.now_us().saturating_add(CATCH_UP_US));
        if c.sim.now_us() < target {
            run_with(&mut c.sim, &mut c.pending, target, None);
            self.timeline.record(other, &c.sim);
        }
    }

    /// The comparison for the moment shown, made from the compared branch in lockstep:
    /// made again for another moment when `refresh`, or every [`COMPARE_EVERY`] pictures
    /// while both stand at the same moment; otherwise the last one (which says its
    /// moment). When the compared branch is still catching up, both are compared where it
    /// stands (the shown one sought there, only when `refresh`).
    fn comparison(&mut self, sim: &Simulation, refresh: bool) -> Option<Rc<Comparison>> {
        let other = self.compare?;
        let c = self.companion.as_ref()?;
        let at = c.sim.now_us();
        let key = (self.branch, other, sim.now_us(), at);
        self.views_since_compared = self.views_since_compared.saturating_add(1);
        let due = refresh || (at == sim.now_us() && self.views_since_compared >= COMPARE_EVERY);
        let stale = match &self.comparison {
            Some((_, k)) => (k.0, k.1) != (key.0, key.1) || (due && *k != key),
            None => true,
        };
        if stale {
            let sought;
            let shown = if at == sim.now_us() {
                sim
            } else {
                sought = self.timeline.seek(self.branch, at);
                &sought
            };
            let t = &self.timeline;
            let comparison = Comparison::of(
                (t.name(self.branch), shown, t.markers(self.branch)),
                (t.name(other), &c.sim, t.markers(other)),
                at,
                t.divergence(self.branch, other),
            );
            self.comparison = Some((Rc::new(comparison), key));
            self.views_since_compared = 0;
        }
        self.comparison.as_ref().map(|(c, _)| c.clone())
    }

    /// The compared branch's picture, made again when it moved.
    fn companion_view(&mut self) -> Option<CompanionView> {
        let c = self.companion.as_mut()?;
        let now_us = c.sim.now_us();
        let stale = c
            .picture
            .as_ref()
            .is_none_or(|p| p.view.now_us != now_us || p.generation != c.generation);
        if stale {
            let corrupted = corrupted_on(&self.timeline, c.branch, now_us);
            let run = Run {
                sim: &c.sim,
                corrupted: &corrupted,
                stepping: false,
                generation: c.generation,
            };
            // Its dots are sampled by the picture's own bound, not the page's emit rate.
            c.picture = Some(Rc::new(c.publisher.publish(&run, 0.0, None)));
        }
        Some(CompanionView {
            branch: c.branch,
            name: self.timeline.name(c.branch).to_string(),
            now_us,
            picture: c.picture.clone()?,
        })
    }

    /// What the page draws. `settled`: the run stands still (paused, no step under
    /// way), so a comparison may be made again for this moment.
    pub fn view(&mut self, sim: &Simulation, settled: bool) -> TimelineView {
        let now_us = sim.now_us();
        self.refresh_origins();
        // First, as it may run the compared branch further (its end, keyframes).
        self.follow(now_us);
        let comparison = self.comparison(sim, settled);
        let companion = self.companion_view();
        let t = &self.timeline;
        let head_us = t.head(self.branch);
        let end_us = track_end(head_us.max(now_us));
        let branches = (0..t.len())
            .map(|index| BranchRow {
                index,
                name: t.name(index).to_string(),
                origin: self.origins[index].1.clone(),
                head_us: t.head(index),
            })
            .collect();
        let fork_x = t
            .origin(self.branch)
            .map(|o| o.at_us as f64 / end_us as f64);
        let memory = t.memory();
        let can_fork = t.len() < MAX_BRANCHES;
        let markers = self.markers(end_us);
        TimelineView {
            now_us,
            head_us,
            end_us,
            branch: self.branch,
            fork_x,
            branches,
            markers,
            memory,
            can_fork,
            compare: self.compare,
            comparison,
            companion,
        }
    }

    /// Words for the origin of each branch that is new or acted since they were written.
    fn refresh_origins(&mut self) {
        let t = &self.timeline;
        for index in 0..t.len() {
            let actions = t.own_actions(index).len();
            if self.origins.get(index).is_some_and(|(n, _)| *n == actions) {
                continue;
            }
            let info = &t.branches()[index];
            let words = info.origin.as_ref().map(|o| {
                let change = match &info.change {
                    Some(c) => c.to_string(),
                    None if actions == 0 => "nothing changed yet".to_string(),
                    // It acted, but later than where it forked.
                    None => format!("the same there, then {actions} action(s) of its own"),
                };
                format!(
                    "from {} at {}: {change}",
                    t.name(o.parent),
                    format::at(o.at_us)
                )
            });
            if index < self.origins.len() {
                self.origins[index] = (actions, words);
            } else {
                self.origins.push((actions, words));
            }
        }
    }

    /// The shown branch's markers on a track ending at `end_us`, close ones of a kind
    /// drawn as one; kept while nothing changed.
    fn markers(&mut self, end_us: u64) -> Rc<Vec<MarkerMark>> {
        let all = self.timeline.markers(self.branch);
        let key = (self.branch, all.len(), end_us);
        if let Some((drawn, k)) = &self.drawn {
            if *k == key {
                return drawn.clone();
            }
        }
        let drawn = Rc::new(place_markers(all, end_us));
        self.drawn = Some((drawn.clone(), key));
        drawn
    }
}

/// The chunks the page corrupted on `branch` up to `t_us` and did not lose since: the
/// store does not flag them, the pipeline does.
pub fn corrupted_on(timeline: &Timeline, branch: usize, t_us: u64) -> BTreeSet<ChunkId> {
    let mut set = BTreeSet::new();
    for (at, action) in timeline.effective_actions(branch) {
        if at > t_us {
            break;
        }
        match action {
            Action::CorruptChunk { chunk, .. } => {
                set.insert(chunk);
            }
            Action::LoseChunk { chunk } => {
                set.remove(&chunk);
            }
            _ => {}
        }
    }
    set
}

/// The round length a track ending after `t_us` is drawn with: 5 s, 10 s, 20 s, 30 s,
/// 1, 2, 3, 5, 10, 15, 20, 30 min, then whole hours.
pub fn track_end(t_us: u64) -> u64 {
    const STEPS_S: [u64; 12] = [5, 10, 20, 30, 60, 120, 180, 300, 600, 900, 1_200, 1_800];
    let t = t_us.max(1);
    STEPS_S
        .iter()
        .map(|s| s * 1_000_000)
        .find(|end| *end >= t)
        .unwrap_or_else(|| t.div_ceil(3_600_000_000) * 3_600_000_000)
}

/// Markers placed on a track from 0 to `end_us`: of each kind, those in the same
/// 1/[`MARKER_BUCKETS`] of the track are drawn as their first, counting the rest.
pub fn place_markers(markers: &[super::timeline::Marker], end_us: u64) -> Vec<MarkerMark> {
    let end = end_us.max(1);
    let mut out: Vec<MarkerMark> = Vec::new();
    let mut last_bucket: Vec<(MarkerKind, u64, usize)> = Vec::new();
    for m in markers {
        let bucket = m.at_us.min(end) * MARKER_BUCKETS / end;
        if let Some(slot) = last_bucket.iter_mut().find(|(k, _, _)| *k == m.kind) {
            if slot.1 == bucket {
                out[slot.2].count += 1;
                continue;
            }
            slot.1 = bucket;
            slot.2 = out.len();
        } else {
            last_bucket.push((m.kind, bucket, out.len()));
        }
        out.push(MarkerMark {
            at_us: m.at_us,
            seq: m.seq,
            kind: m.kind,
            x: m.at_us.min(end) as f64 / end as f64,
            title: format!("{} — {}", format::at(m.at_us), m.event),
            count: 1,
        });
    }
    out
}

/// What a person asks of the timeline.
#[derive(Clone, Debug, PartialEq)]
pub enum TravelIntent {
    /// Show the branch at this moment (the scrubber).
    Seek(u64),
    /// Show the branch right where a marker's event was logged.
    SeekMarker { at_us: u64, seq: u64 },
    /// Back to where stepping forward (the kind chosen) last stopped (←).
    StepBack,
    /// Back to the end of the previous checkpoint (Shift + ←).
    StepBackCheckpoint,
    /// The run's first moment (Home).
    Start,
    /// The branch's head, where it was run to (End).
    End,
    /// A new branch here (B).
    Fork,
    /// Show another branch, at the same moment.
    Switch(usize),
    /// Compare the shown branch with another (`None`: stop).
    Compare(Option<usize>),
}
