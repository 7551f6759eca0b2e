//! Changing settings while the job runs, as far as Flink would let you: checkpointing,
//! link and cost settings apply live; a new parallelism rescales from the latest
//! checkpoint; anything that changes the job's input or its key groups needs a new run.

use super::Simulation;
use crate::engine::config::{Config, ConfigErrors, FieldError};
use crate::engine::report::events::Event;
use serde::Serialize;

/// What `reconfigure` did with a new config.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Reconfigured {
    /// Applied to the running job (names the changed sections).
    Live(Vec<&'static str>),
    /// The parallelism changed: the job restarts from the latest checkpoint with it.
    Rescaled { from: u32, to: u32 },
    /// These fields cannot change under a running job; nothing was applied. Start a new
    /// run with the config.
    NeedsNewRun(Vec<&'static str>),
}

impl Simulation {
    pub fn reconfigure(&mut self, new: Config) -> Result<Reconfigured, ConfigErrors> {
        self.settle();
        let old = &self.config;
        if new.faults == old.faults {
            new.validate_settings()?;
        } else {
            new.validate()?;
        }
        let mut fixed = Vec::new();
        if new.seed != old.seed {
            fixed.push("seed");
        }
        if new.workload != old.workload {
            fixed.push("workload");
        }
        if new.job.max_parallelism != old.job.max_parallelism {
            fixed.push("job.max_parallelism");
        }
        if new.job.records_per_s_per_subtask != old.job.records_per_s_per_subtask
            || new.job.channel_capacity != old.job.channel_capacity
            || new.job.restart_delay_ms != old.job.restart_delay_ms
        {
            fixed.push("job");
        }
        if new.tick_us != old.tick_us {
            fixed.push("tick_us");
        }
        if new.faults != old.faults {
            fixed.push("faults");
        }
        if !fixed.is_empty() {
            return Ok(Reconfigured::NeedsNewRun(fixed));
        }
        let mut live = Vec::new();
        if new.checkpointing != old.checkpointing {
            live.push("checkpointing");
        }
        if new.link != old.link {
            live.push("link");
            self.link.configure(&new.link);
        }
        if new.costs != old.costs {
            live.push("costs");
        }
        let (from, to) = (old.job.parallelism, new.job.parallelism);
        self.config = new;
        if !live.is_empty() {
            self.emit(Event::SettingsChanged {
                sections: live.clone(),
            });
            self.rearm_trigger();
        }
        if from != to {
            self.rescale(to).map_err(|e| {
                ConfigErrors(vec![FieldError {
                    field: "job.parallelism".into(),
                    message: e.to_string(),
                }])
            })?;
            return Ok(Reconfigured::Rescaled { from, to });
        }
        Ok(Reconfigured::Live(live))
    }
}
