//! Time travel and the link: the timeline written as data ([`TravelLink`]) and rebuilt
//! from it by replaying every branch from the run's first moment, each action at its
//! moment, checked as the page checked it when a person took it. The text of the link is
//! `lab::branch_link`'s.

use std::collections::VecDeque;

use crate::engine::report::format;
use crate::engine::sim::Simulation;

use super::super::branch_link::{branch_param, BranchLink, LinkError, LinkOrigin, TravelLink};
use super::super::timeline::{Timeline, BROWSER_BUDGET_BYTES};
use super::Travel;

/// A branch being replayed is recorded on the timeline at least this often (markers,
/// keyframes), as the page records a playing run after each slice.
const REPLAY_STEP_US: u64 = 250_000;

impl Travel {
    /// The timeline as a link: every branch, the shown one at `at_us`, the compared one.
    pub fn to_link(&self, at_us: u64) -> TravelLink {
        link_of(&self.timeline, self.branch, at_us, self.compare)
    }

    /// Time travel rebuilt from `link` for a run that starts as `start`: every branch
    /// replayed to its end, and the shown branch at its moment (which comes back). A
    /// branch that cannot be rebuilt (an action the run refuses, a fork after its
    /// parent's end) is dropped with those after it, and named in the error.
    pub fn from_link(
        start: &Simulation,
        link: &TravelLink,
    ) -> (Self, Simulation, Option<LinkError>) {
        let (timeline, refused) = rebuild(start, link, BROWSER_BUDGET_BYTES);
        let mut travel = Travel::new(start);
        travel.timeline = timeline;
        let len = travel.timeline.len();
        travel.branch = if link.shown < len { link.shown } else { 0 };
        travel.compare = link.compare.filter(|c| *c < len && *c != travel.branch);
        let sim = travel.seek(link.at_us);
        (travel, sim, refused)
    }
}

/// `timeline` as a link, `shown` at `at_us`, compared with `compare`.
pub fn link_of(
    timeline: &Timeline,
    shown: usize,
    at_us: u64,
    compare: Option<usize>,
) -> TravelLink {
    let branches = (0..timeline.len())
        .map(|i| {
            let origin = timeline.origin(i).map(|o| {
                let upto = timeline
                    .effective_actions(o.parent)
                    .iter()
                    .filter(|(at, _)| *at <= o.at_us)
                    .count();
                LinkOrigin {
                    parent: o.parent,
                    at_us: o.at_us,
                    keep: (o.inherited != upto).then_some(o.inherited),
                }
            });
            BranchLink {
                origin,
                head_us: timeline.head(i),
                actions: timeline.own_actions(i).to_vec(),
            }
        })
        .collect();
    TravelLink {
        shown,
        at_us,
        compare,
        branches,
    }
}

/// A timeline for a run that starts as `start`, its branches replayed from `link`; the
/// branches from the first one that cannot be rebuilt on are left out, and it is named.
pub fn rebuild(
    start: &Simulation,
    link: &TravelLink,
    budget_bytes: u64,
) -> (Timeline, Option<LinkError>) {
    let mut timeline = Timeline::new(start, budget_bytes);
    for (i, branch) in link.branches.iter().enumerate() {
        if let Err(message) = replay(&mut timeline, i, branch) {
            if i == 0 {
                // The run itself is kept as it starts, none of its actions.
                timeline = Timeline::new(start, budget_bytes);
            } else {
                timeline.truncate(i);
            }
            let error = LinkError {
                param: branch_param(i),
                message: format!("{message}; it and the branches after it are left out"),
            };
            return (timeline, Some(error));
        }
    }
    (timeline, None)
}

/// Branch `index` replayed onto `timeline`: forked, each action applied at its moment
/// (refusals come back in words), run to its end.
fn replay(timeline: &mut Timeline, index: usize, branch: &BranchLink) -> Result<(), String> {
    let mut sim = match &branch.origin {
        None if index == 0 => timeline.seek(0, 0),
        None => return Err("only the first branch has no parent".into()),
        Some(_) if index == 0 => return Err("the first branch is the run itself".into()),
        Some(o) => {
            if o.parent >= index {
                return Err("its parent must come before it".into());
            }
            let head = timeline.head(o.parent);
            if o.at_us > head {
                return Err(format!(
                    "it forks at {}, after {} ends ({})",
                    format::at(o.at_us),
                    timeline.name(o.parent),
                    format::at(head)
                ));
            }
            let made = timeline.fork_keeping(o.parent, o.at_us, o.keep)?;
            if made != index {
                return Err("branches out of order".into());
            }
            timeline.seek(index, o.at_us)
        }
    };
    for (at, action) in &branch.actions {
        if *at < sim.now_us() || *at > branch.head_us {
            return Err(format!(
                "\"{action}\" at {} is outside the branch",
                format::at(*at)
            ));
        }
        run(timeline, index, &mut sim, *at);
        action
            .apply(&mut sim)
            .map_err(|e| format!("\"{action}\" at {} refused: {e}", format::at(*at)))?;
        timeline
            .log_action(index, *at, action.clone())
            .map_err(|e| e.to_string())?;
        timeline.record(index, &sim);
    }
    run(timeline, index, &mut sim, branch.head_us);
    Ok(())
}

/// Runs `sim` (branch `index` at its head, nothing pending) to `to_us`, recording it.
fn run(timeline: &mut Timeline, index: usize, sim: &mut Simulation, to_us: u64) {
    let mut none = VecDeque::new();
    while sim.now_us() < to_us {
        let next = (sim.now_us() + REPLAY_STEP_US).min(to_us);
        super::super::timeline::run_with(sim, &mut none, next, None);
        timeline.record(index, sim);
    }
}
