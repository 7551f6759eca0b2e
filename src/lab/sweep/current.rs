//! The expected cost of failures for the run on the page, as it stands: from the run so
//! far (no failure injected), which checkpoint a crash at each sampled moment would
//! restore and what that recovery would cost (`engine::report::exposure`), weighed by
//! crash times exponentially distributed with the assumed MTBF; beside it the overhead
//! the run paid for that protection (bytes shipped per hour, the link's use).

use crate::engine::report::exposure::{exposure, CrashTimes, Exposure};
use crate::engine::sim::Simulation;

/// The figures for one run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunCost {
    pub exposure: Exposure,
    /// Over the run so far.
    pub bytes_shipped_per_hour: f64,
    pub link_utilisation: f64,
    pub mtbf_s: f64,
}

/// Virtual time a run needs before its figures mean anything.
pub const MIN_RUN_US: u64 = 1_000_000;

/// The figures for `sim` so far, or `None` before [`MIN_RUN_US`].
pub fn run_cost(sim: &Simulation, mtbf_s: f64) -> Option<RunCost> {
    let now = sim.now_us();
    if now < MIN_RUN_US {
        return None;
    }
    let totals = sim.totals();
    let hours = now as f64 / 3.6e9;
    let capacity = sim.config().link.bandwidth_mbit_s * 1e6 / 8.0 * (now as f64 / 1e6);
    Some(RunCost {
        exposure: exposure(sim, 0, now, CrashTimes::Exponential { mtbf_s }),
        bytes_shipped_per_hour: totals.shipped_encoded as f64 / hours,
        link_utilisation: totals.uploaded as f64 / capacity.max(1.0),
        mtbf_s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::Config;

    #[test]
    fn figures_follow_the_run_and_the_assumed_mtbf() {
        let mut sim = Simulation::new(Config::default(), None).unwrap();
        assert_eq!(run_cost(&sim, 3600.0), None);
        sim.advance_to(12_000_000);
        let hourly = run_cost(&sim, 3600.0).unwrap();
        let e = &hourly.exposure;
        let r = e.recovery_s.unwrap();
        assert!(r.p50 <= r.p95 && r.p95 <= r.max);
        assert_eq!(e.failures_per_hour, Some(1.0));
        assert!((e.recovery_s_per_hour.unwrap() - r.mean).abs() < 1e-12);
        assert!(hourly.bytes_shipped_per_hour > 0.0);
        assert!(hourly.link_utilisation > 0.0 && hourly.link_utilisation < 1.0);
        // Ten times the failures: ten times the hourly cost, over the same moments
        // weighed differently.
        let often = run_cost(&sim, 360.0).unwrap();
        assert_eq!(often.exposure.failures_per_hour, Some(10.0));
        assert_eq!(often.exposure.moments, e.moments);
    }
}
