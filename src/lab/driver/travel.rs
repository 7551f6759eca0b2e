//! The driver's side of time travel: showing another moment or branch of the run (the
//! simulation is replaced by the timeline's exact copy of it), and branching before an
//! action taken in a branch's past. The timeline itself is `lab::travel`.

use crate::engine::report::events::Event;
use crate::engine::report::format;
use crate::engine::sim::Simulation;

use super::super::branch_link::{LinkError, TravelLink};
use super::super::stepping::StepKind;
use super::super::timeline::{Action, MAX_BRANCHES};
use super::super::travel::{corrupted_on, TimelineView, Travel};
use super::Driver;

impl Driver {
    pub fn travel(&self) -> &Travel {
        &self.travel
    }

    /// What the timeline strip draws; `settled` (paused, no step under way) lets a
    /// comparison be made again for the moment shown.
    pub fn timeline_view(&mut self, settled: bool) -> TimelineView {
        self.travel.view(&self.sim, settled)
    }

    /// What time travel did since the last call, for the person (a branch started).
    pub fn take_travel_note(&mut self) -> Option<String> {
        self.travel_note.take()
    }

    /// Whether the moment shown is in its branch's past.
    pub fn in_past(&self) -> bool {
        self.sim.now_us() < self.travel.timeline().head(self.travel.branch())
    }

    /// Before an action: in the branch's past, a copy of the simulation as it is (the
    /// new branch starts from it once the action succeeded). Refused, with nothing
    /// changed, when no more branches can be made.
    pub(super) fn past_copy(&self) -> Result<Option<Simulation>, String> {
        if !self.in_past() {
            return Ok(None);
        }
        if self.travel.timeline().len() >= MAX_BRANCHES {
            return Err(format!(
                "this moment is in the past and acting here would start a new branch, but \
                 there are {MAX_BRANCHES} already (A … Z); go to the end (End) or reset"
            ));
        }
        Ok(Some(self.sim.clone()))
    }

    /// `action` succeeded on the simulation; `before` is the copy taken in the past, if
    /// it was: a new branch starts there, and the action is its first.
    pub(super) fn took(&mut self, before: Option<Simulation>, action: Action) {
        if let Some(before) = before {
            let parent = self
                .travel
                .timeline()
                .name(self.travel.branch())
                .to_string();
            if let Ok(name) = self.travel.fork(&before) {
                self.travel_note = Some(format!(
                    "branch {name} started at {} (\"{action}\" in {parent}'s past); {parent} \
                     is kept as it was: switch or compare them under the pipeline",
                    format::at(before.now_us())
                ));
            }
        }
        self.travel.took(&self.sim, action);
    }

    /// Shows `sim`, another moment (or branch) of the run, from now on.
    fn show(&mut self, sim: Simulation) {
        self.sim = sim;
        self.goal = None;
        // Views forget what they drew (travelling dots, flashes): this is a jump.
        self.generation += 1;
        self.corrupted = corrupted_on(
            self.travel.timeline(),
            self.travel.branch(),
            self.sim.now_us(),
        );
    }

    /// The shown branch at `t_us` (at most its head).
    pub fn seek(&mut self, t_us: u64) {
        let sim = self.travel.seek(t_us);
        self.show(sim);
    }

    /// The shown branch right where a marker's event was logged.
    pub fn seek_marker(&mut self, at_us: u64, seq: u64) {
        let sim = self.travel.seek_marker(at_us, seq);
        self.show(sim);
    }

    /// Back to where stepping forward to the next moment of `kind` last stopped.
    pub fn step_back(&mut self, kind: StepKind) -> Result<(), String> {
        let now = self.sim.now_us();
        match self.travel.step_back(now, |e: &Event| kind.stops_at(e)) {
            Some(sim) => {
                self.show(sim);
                Ok(())
            }
            None => Err(format!(
                "nothing to step back to: no {} before {}",
                kind.label(),
                format::at(now)
            )),
        }
    }

    /// A new branch here, an exact copy of the moment shown; it is shown from now on.
    pub fn fork(&mut self) -> Result<String, String> {
        let parent = self
            .travel
            .timeline()
            .name(self.travel.branch())
            .to_string();
        let name = self.travel.fork(&self.sim)?;
        Ok(format!(
            "branch {name} starts here, at {}, as an exact copy of {parent}: change a \
             setting or act, then play; {parent} is kept and the Branches tab compares them",
            format::at(self.sim.now_us())
        ))
    }

    /// Shows `branch` at the moment shown now (or its head, if it was not run that far).
    pub fn switch_branch(&mut self, branch: usize) -> Result<String, String> {
        let now = self.sim.now_us();
        let sim = self
            .travel
            .switch(branch, now)
            .ok_or_else(|| format!("no branch {}", super::super::timeline::branch_name(branch)))?;
        let at = sim.now_us();
        self.show(sim);
        let name = self.travel.timeline().name(branch);
        Ok(if at < now {
            format!(
                "branch {name}, at {} (it has been run only that far)",
                format::at(at)
            )
        } else {
            format!("branch {name}, at {}", format::at(at))
        })
    }

    pub fn set_compare(&mut self, other: Option<usize>) {
        self.travel.set_compare(other);
    }

    /// The branches a link carries, replayed on this run (which must be at its first
    /// moment, as a new page's is), and the branch it shows at its moment. What could not
    /// be rebuilt is left out and named; the run itself stays.
    pub fn open_link(&mut self, link: &TravelLink) -> Result<(), LinkError> {
        let start = self.travel.timeline().seek(0, 0);
        let (travel, sim, refused) = Travel::from_link(&start, link);
        self.travel = travel;
        self.show(sim);
        refused.map_or(Ok(()), Err)
    }

    /// The timeline as a link, the moment shown included.
    pub fn travel_link(&self) -> TravelLink {
        self.travel.to_link(self.sim.now_us())
    }
}
