//! The what-if comparison behind the page: the engine's [`WhatIfRun`] forks the run once
//! per scheduling policy, and this steps those forks in their own slice of each frame,
//! after the run's own work, so a comparison never freezes the page.

use std::rc::Rc;

use crate::engine::report::whatif::{WhatIfOutcome, WhatIfRun};
use crate::engine::sim::Simulation;

/// Engine time per frame for the forks while a comparison runs, in ms of wall time.
pub const WHAT_IF_BUDGET_MS: f64 = 4.0;
/// The longest look ahead a comparison may ask for, in virtual seconds.
pub const MAX_HORIZON_S: u32 = 3_600;

/// The comparison's progress and its last result, as the page shows them.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum WhatIfStatus {
    #[default]
    Idle,
    Running {
        progress: f64,
        horizon_s: u32,
    },
    Done {
        rows: Rc<Vec<WhatIfOutcome>>,
        horizon_s: u32,
        /// Virtual time of the run when the forks were taken.
        from_us: u64,
    },
}

/// A comparison in progress (its forks, horizon and when they were taken) and the
/// status to show.
#[derive(Default)]
pub struct WhatIf {
    run: Option<(WhatIfRun, u32, u64)>,
    status: WhatIfStatus,
}

impl WhatIf {
    /// Forks `sim` once per policy, to run `horizon_s` virtual seconds ahead (at least 1,
    /// at most [`MAX_HORIZON_S`]). A comparison already running is replaced.
    pub fn start(&mut self, sim: &Simulation, horizon_s: u32) {
        let horizon_s = horizon_s.clamp(1, MAX_HORIZON_S);
        let horizon_us = u64::from(horizon_s) * 1_000_000;
        self.run = Some((WhatIfRun::start(sim, horizon_us), horizon_s, sim.now_us()));
        self.status = WhatIfStatus::Running {
            progress: 0.0,
            horizon_s,
        };
    }

    /// Forgets the comparison and its result: it said nothing about a run that was
    /// replaced, and a cancelled one has nothing to say.
    pub fn clear(&mut self) {
        self.run = None;
        self.status = WhatIfStatus::Idle;
    }

    pub fn running(&self) -> bool {
        self.run.is_some()
    }

    pub fn status(&self) -> &WhatIfStatus {
        &self.status
    }

    /// Steps the forks for [`WHAT_IF_BUDGET_MS`] of `clock` (wall ms).
    pub fn work(&mut self, clock: &dyn Fn() -> f64) {
        let Some((run, horizon_s, from_us)) = self.run.as_mut() else {
            return;
        };
        let deadline = clock() + WHAT_IF_BUDGET_MS;
        let slice = (run.horizon_us() / 400).max(1_000);
        let mut done = false;
        while !done && clock() < deadline {
            done = run.step(slice);
        }
        self.status = match run.rows().filter(|_| done) {
            Some(rows) => WhatIfStatus::Done {
                rows: Rc::new(rows),
                horizon_s: *horizon_s,
                from_us: *from_us,
            },
            None => WhatIfStatus::Running {
                progress: run.progress(),
                horizon_s: *horizon_s,
            },
        };
        if done {
            self.run = None;
        }
    }
}
