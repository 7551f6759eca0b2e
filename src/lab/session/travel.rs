//! What the timeline's intents do to the session: the run jumps to another moment or
//! branch (paused: a person scrubbing is looking, not playing), the page forgets what
//! belonged to the moment it left, and the driver's words are shown.

use super::super::prefs::DockTab;
use super::super::stepping::StepKind;
use super::super::travel::TravelIntent;
use super::{Effect, Session};

impl Session {
    pub(super) fn travel(&mut self, intent: TravelIntent) -> Option<Effect> {
        match intent {
            TravelIntent::Seek(t_us) => {
                self.set_playing(false);
                self.driver.seek(t_us);
            }
            TravelIntent::SeekMarker { at_us, seq } => {
                self.set_playing(false);
                self.driver.seek_marker(at_us, seq);
            }
            TravelIntent::StepBack => {
                self.set_playing(false);
                let result = self.driver.step_back(self.page.step_kind);
                self.say(result.map(|()| None));
            }
            TravelIntent::StepBackCheckpoint => {
                self.set_playing(false);
                let result = self.driver.step_back(StepKind::Checkpoint);
                self.say(result.map(|()| None));
            }
            TravelIntent::Start => {
                self.set_playing(false);
                self.driver.seek(0);
            }
            TravelIntent::End => {
                self.set_playing(false);
                self.driver.seek(u64::MAX);
            }
            TravelIntent::Fork => {
                self.set_playing(false);
                let result = self.driver.fork();
                self.say(result.map(Some));
            }
            TravelIntent::Switch(branch) => {
                self.set_playing(false);
                let result = self.driver.switch_branch(branch);
                self.say(result.map(Some));
            }
            TravelIntent::Compare(other) => {
                self.driver.set_compare(other);
                if other.is_some() && self.page.dock_tab != DockTab::Branches {
                    self.page.dock_tab = DockTab::Branches;
                    self.page.prefs_dirty = true;
                }
                return None;
            }
        }
        self.after_jump();
        None
    }

    /// The run now shows another moment: pacing and slow motion start from it, and the
    /// inspector reads the key group again. (A sweep's cells keep the moment they were
    /// forked at, which they show.)
    fn after_jump(&mut self) {
        self.pacer.rebase(self.driver.sim().now_us());
        self.slow_motion.forget();
        self.page.slowed = None;
        self.page.inspection_stale = true;
        self.refresh_inspection(true);
    }
}
