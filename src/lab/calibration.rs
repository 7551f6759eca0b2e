//! The Flink tab behind the page: a real job's REST answers (dropped files, or fetched from
//! a JobManager by the shell) calibrated into a lab config, with what the engineer knows
//! applied over it, and the calibrated config run beside the lab for as long as the real
//! job ran, in its own slice of each frame, to put real and simulated side by side.
//!
//! Refusals keep what was there: a bad file names its file and field and the last good
//! calibration stays on the page. Nothing here touches the DOM; the shell reads files and
//! fetches, and hands the texts over.

use std::rc::Rc;

use crate::engine::config::parse_json;
use crate::engine::memory::{self, BROWSER_LIMIT_BYTES};
use crate::engine::sim::Simulation;
use crate::flink::{self, Calibration, Comparison};

/// Engine time per frame for the comparison run, in ms of wall time.
pub const COMPARE_BUDGET_MS: f64 = 4.0;
/// The most answer files the tab takes at once (a job keeps at most a few dozen).
pub const MAX_FILES: usize = 200;
/// The most bytes of answers the tab takes at once.
pub const MAX_ANSWER_BYTES: usize = 32 << 20;

/// What the engineer told the lab about the job's records (`--workload` in the CLI).
#[derive(Clone, Debug, PartialEq)]
pub struct Known {
    pub name: String,
    pub value: serde_json::Value,
}

/// One calibration, as the tab shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibrated {
    /// Where the answers came from: a URL, or "N dropped files".
    pub from: String,
    pub files: Vec<String>,
    pub calibration: Rc<Calibration>,
    /// The name of the workload file applied over it, if any.
    pub known: Option<String>,
    /// The comparison's progress (0–1) while it runs.
    pub progress: Option<f64>,
    pub comparison: Option<Rc<Comparison>>,
    /// The size rows that miss the ±2 % aim, in words.
    pub misses: Vec<String>,
    /// Why the comparison did not run (it would not fit beside the lab's run).
    pub not_compared: Option<String>,
}

/// The tab's state as the page draws it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CalibrationView {
    /// A fetch the shell has under way.
    pub fetching: Option<String>,
    /// The last refusal, naming file and field; the calibration below it is kept.
    pub error: Option<String>,
    pub calibrated: Option<Rc<Calibrated>>,
    /// The workload file waiting for answers (or applied to them).
    pub known: Option<String>,
}

/// A calibration with its answers (to recalibrate when the workload changes) and the
/// comparison run.
#[derive(Default)]
pub struct CalibrationTab {
    answers: Option<(String, Vec<(String, String)>)>,
    known: Option<Known>,
    run: Option<CompareRun>,
    view: CalibrationView,
}

struct CompareRun {
    sim: Simulation,
    until_us: u64,
}

impl CalibrationTab {
    pub fn view(&self) -> &CalibrationView {
        &self.view
    }

    pub fn running(&self) -> bool {
        self.run.is_some()
    }

    /// The shell started fetching `url`.
    pub fn fetching(&mut self, url: String) {
        self.view.fetching = Some(url);
        self.view.error = None;
    }

    /// A fetch failed (the network, CORS, a status): nothing changes but the message.
    pub fn fetch_failed(&mut self, url: &str, message: &str) {
        self.view.fetching = None;
        self.view.error = Some(format!("{url}: {message}"));
    }

    /// New answers: loaded and calibrated (with the known workload, if any) or refused
    /// whole. `lab_bytes` is the lab run's own memory estimate: the comparison runs beside
    /// it, so together they must fit in the tab.
    pub fn answers(&mut self, from: String, files: Vec<(String, String)>, lab_bytes: u64) {
        self.view.fetching = None;
        if let Err(why) = check_files(&files) {
            self.view.error = Some(why);
            return;
        }
        match calibrate(&files, self.known.as_ref()) {
            Ok(cal) => {
                self.answers = Some((from, files));
                self.start(cal, lab_bytes);
            }
            Err(why) => self.view.error = Some(why),
        }
    }

    /// What the engineer knows, as a workload-shaped JSON text: parsed, and applied to the
    /// answers already loaded; refused whole if either fails.
    pub fn known(&mut self, name: String, text: &str, lab_bytes: u64) {
        let value = match parse_json(text) {
            Ok(v) => v,
            Err(e) => {
                self.view.error = Some(format!("{name}: {e}"));
                return;
            }
        };
        let known = Known { name, value };
        if let Some((_, files)) = &self.answers {
            match calibrate(files, Some(&known)) {
                Ok(cal) => {
                    self.known = Some(known);
                    self.start(cal, lab_bytes);
                }
                Err(why) => {
                    self.view.error = Some(why);
                    return;
                }
            }
        } else {
            self.known = Some(known);
            self.view.error = None;
        }
        self.view.known = self.known.as_ref().map(|k| k.name.clone());
    }

    /// Forgets the known workload and recalibrates from the answers alone.
    pub fn forget_known(&mut self, lab_bytes: u64) {
        self.known = None;
        self.view.known = None;
        if let Some((_, files)) = &self.answers {
            if let Ok(cal) = calibrate(files, None) {
                self.start(cal, lab_bytes);
            }
        }
    }

    /// The calibrated config, to open in the lab.
    pub fn config(&self) -> Option<crate::engine::config::Config> {
        self.view
            .calibrated
            .as_ref()
            .map(|c| c.calibration.config.clone())
    }

    fn start(&mut self, cal: Calibration, lab_bytes: u64) {
        let from = self
            .answers
            .as_ref()
            .map_or_else(String::new, |a| a.0.clone());
        let files = self
            .answers
            .as_ref()
            .map(|a| a.1.iter().map(|(n, _)| n.clone()).collect())
            .unwrap_or_default();
        let until_us = (cal.real.running_s.max(0.0) * 1e6) as u64;
        let room = BROWSER_LIMIT_BYTES.saturating_sub(lab_bytes);
        let not_compared = if until_us == 0 {
            Some("the answers give no running time (no RUNNING timestamp), so there is nothing to run the comparison for".to_string())
        } else {
            memory::estimate(&cal.config, None)
                .refusal(&cal.config, None, room)
                .map(|why| format!("the comparison would run beside the lab's run: {why}"))
        };
        self.run = None;
        if not_compared.is_none() {
            match Simulation::new(cal.config.clone(), None) {
                Ok(sim) => self.run = Some(CompareRun { sim, until_us }),
                Err(e) => {
                    self.view.error = Some(format!("the calibrated config does not run: {e}"));
                    return;
                }
            }
        }
        self.view.error = None;
        self.view.calibrated = Some(Rc::new(Calibrated {
            from,
            files,
            known: self.known.as_ref().map(|k| k.name.clone()),
            calibration: Rc::new(cal),
            progress: self.run.as_ref().map(|_| 0.0),
            comparison: None,
            misses: Vec::new(),
            not_compared,
        }));
    }

    /// Runs the comparison for [`COMPARE_BUDGET_MS`] of `clock` (wall ms).
    pub fn work(&mut self, clock: &dyn Fn() -> f64) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        let deadline = clock() + COMPARE_BUDGET_MS;
        let slice = (run.until_us / 400).max(1_000);
        while run.sim.now_us() < run.until_us && clock() < deadline {
            let to = (run.sim.now_us() + slice).min(run.until_us);
            run.sim.advance_to(to);
        }
        let Some(calibrated) = self.view.calibrated.as_mut() else {
            self.run = None;
            return;
        };
        let c = Rc::make_mut(calibrated);
        if run.sim.now_us() >= run.until_us {
            let comparison =
                flink::compare::compare_with(&c.calibration, &run.sim, run.until_us as f64 / 1e6);
            c.misses = flink::size_aims(&comparison);
            c.comparison = Some(Rc::new(comparison));
            c.progress = None;
            self.run = None;
        } else {
            c.progress = Some(run.sim.now_us() as f64 / run.until_us as f64);
        }
    }
}

/// Whether `n` files can be one job's answers (checked before reading them).
pub fn check_count(n: usize) -> Result<(), String> {
    if n > MAX_FILES {
        return Err(format!(
            "{n} files: one job's answers are a few dozen at most (up to {MAX_FILES})"
        ));
    }
    Ok(())
}

/// Answers are all JSON files of a bounded size.
fn check_files(files: &[(String, String)]) -> Result<(), String> {
    if files.is_empty() {
        return Err("no files: drop the JSON answers of one job (job.json, checkpoints.json, checkpoints-config.json, …)".into());
    }
    check_count(files.len())?;
    let total: usize = files.iter().map(|(_, t)| t.len()).sum();
    if total > MAX_ANSWER_BYTES {
        return Err(format!(
            "{} of answers: one job's are far smaller (up to {})",
            crate::engine::report::format::bytes(total as u64),
            crate::engine::report::format::bytes(MAX_ANSWER_BYTES as u64)
        ));
    }
    Ok(())
}

fn calibrate(files: &[(String, String)], known: Option<&Known>) -> Result<Calibration, String> {
    let answers = flink::rest::load(files).map_err(|e| e.to_string())?;
    let cal = flink::calibrate(&answers).map_err(|e| e.to_string())?;
    match known {
        Some(k) => flink::known::apply(&cal, &k.value, &k.name).map_err(|e| e.to_string()),
        None => Ok(cal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn fixture(run: &str) -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/flink-real")
            .join(run);
        let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    }

    fn known_text() -> String {
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/flink-real/known/count-job.workload.json"),
        )
        .unwrap()
    }

    /// A clock that moves 1 ms per reading: every `work` call does a few slices.
    fn ticking() -> impl Fn() -> f64 {
        let t = Cell::new(0.0);
        move || {
            t.set(t.get() + 1.0);
            t.get()
        }
    }

    fn finish(tab: &mut CalibrationTab) -> Rc<Calibrated> {
        let clock = ticking();
        let mut frames = 0;
        while tab.running() {
            tab.work(&clock);
            frames += 1;
            assert!(frames < 100_000, "the comparison never ends");
        }
        assert!(frames > 1, "the comparison is spread over frames");
        tab.view().calibrated.clone().unwrap()
    }

    #[test]
    fn dropped_answers_calibrate_and_compare_over_frames() {
        let mut tab = CalibrationTab::default();
        tab.answers("3 dropped files".into(), fixture("count-hashmap-nocomp"), 0);
        let c = tab.view().calibrated.clone().unwrap();
        assert_eq!(c.progress, Some(0.0));
        assert_eq!(c.calibration.config.job.parallelism, 2);
        let done = finish(&mut tab);
        let cmp = done.comparison.as_ref().unwrap();
        let state = cmp
            .rows
            .iter()
            .find(|r| r.figure == "state size, median of the second half")
            .unwrap();
        assert_eq!(state.real, Some(1_904_924.0));
        // The same figures the CLI prints for the same answers.
        let cli = flink::compare::compare(&done.calibration, None).unwrap();
        assert_eq!(**cmp, cli);
        assert_eq!(done.misses, flink::size_aims(&cli));
    }

    #[test]
    fn a_known_workload_before_or_after_the_answers_gives_the_same_calibration() {
        let mut after = CalibrationTab::default();
        after.answers("dir".into(), fixture("count-hashmap-nocomp"), 0);
        after.known("count-job.workload.json".into(), &known_text(), 0);
        let mut before = CalibrationTab::default();
        before.known("count-job.workload.json".into(), &known_text(), 0);
        assert!(before.view().calibrated.is_none());
        assert_eq!(
            before.view().known.as_deref(),
            Some("count-job.workload.json")
        );
        before.answers("dir".into(), fixture("count-hashmap-nocomp"), 0);
        let (a, b) = (finish(&mut after), finish(&mut before));
        assert_eq!(a.calibration, b.calibration);
        assert_eq!(a.known.as_deref(), Some("count-job.workload.json"));
        assert!(a.misses.is_empty(), "{:?}", a.misses);
        // Forgetting it goes back to the estimates.
        after.forget_known(0);
        let c = finish(&mut after);
        assert!(c.known.is_none());
        assert!(!c.misses.is_empty());
    }

    #[test]
    fn refusals_name_the_file_and_keep_the_last_calibration() {
        let mut tab = CalibrationTab::default();
        tab.answers("dir".into(), fixture("seed"), 0);
        let good = tab.view().calibrated.clone().unwrap();
        let mut broken = fixture("seed");
        for (name, text) in &mut broken {
            if name == "checkpoints.json" {
                *text = "{\"counts\": [}".into();
            }
        }
        tab.answers("dir".into(), broken, 0);
        let err = tab.view().error.clone().unwrap();
        assert!(err.starts_with("checkpoints.json: line 1"), "{err}");
        assert_eq!(tab.view().calibrated, Some(good.clone()));
        tab.answers("dir".into(), Vec::new(), 0);
        assert!(tab.view().error.as_ref().unwrap().starts_with("no files"));
        assert!(check_count(MAX_FILES).is_ok());
        assert!(check_count(MAX_FILES + 1)
            .unwrap_err()
            .contains("a few dozen at most"));
        tab.known("w.json".into(), "{\"values\": {\"min\": 2, \"max\": 1}}", 0);
        let err = tab.view().error.clone().unwrap();
        assert!(
            err.contains("w.json") && err.contains("workload.values.min"),
            "{err}"
        );
        assert_eq!(tab.view().known, None);
        assert_eq!(tab.view().calibrated, Some(good));
        tab.known("w.json".into(), "{ nope", 0);
        assert!(tab.view().error.as_ref().unwrap().starts_with("w.json: "));
        tab.fetch_failed("http://jm:8081", "the browser could not reach it");
        assert_eq!(
            tab.view().error.as_deref(),
            Some("http://jm:8081: the browser could not reach it")
        );
    }

    #[test]
    fn a_comparison_that_would_not_fit_beside_the_run_says_so() {
        let mut tab = CalibrationTab::default();
        tab.answers(
            "dir".into(),
            fixture("count-hashmap-nocomp"),
            BROWSER_LIMIT_BYTES,
        );
        let c = tab.view().calibrated.clone().unwrap();
        assert!(!tab.running());
        assert!(c.comparison.is_none());
        assert!(
            c.not_compared
                .as_ref()
                .unwrap()
                .contains("beside the lab's run"),
            "{:?}",
            c.not_compared
        );
    }
}
