//! The sweep behind the page's "What if" tab: one or two settings varied over a grid,
//! each cell a fork of the run on the page (same seed, same moment) measured in a Web
//! Worker, with progress per cell, cancel, and results as they arrive; then the Pareto
//! plot, the recommendation in words and the expected cost of failures for the run as it
//! stands. This module is the state machine: the shell owns the workers and carries
//! their messages in ([`Sweep::reply`]) and this module's [`Order`]s out.
//!
//! - [`form`]: what to vary, over what, how far ahead, the failure rate assumed.
//! - [`job`]: the messages to and from a worker, and what a worker does (DOM-free, so
//!   `cargo test` runs a worker's whole job).
//! - [`plot`]: the Pareto plot's geometry.
//! - [`current`]: the expected cost of failures for the run on the page.

pub mod current;
pub mod form;
pub mod job;
pub mod plot;

use std::collections::VecDeque;
use std::rc::Rc;

use crate::engine::config::Config;
use crate::engine::memory::BROWSER_LIMIT_BYTES;
use crate::engine::report::exposure::CrashTimes;
use crate::engine::report::format::{at, bytes_f, percent, sig3};
use crate::engine::report::sweep::{
    apply, cells, check_memory, recommend, Cell, CellResult, Param, Recommendation, Span,
    SweepError,
};
use crate::engine::report::sweep_scale::{self, ScaleChoice, ScalePlan};
use crate::engine::scale::{factor, rescaled};
use crate::engine::sim::Simulation;

use current::RunCost;
use form::Form;
use job::{Job, Phase, Reply};
use plot::{Exposure, Overhead};

/// The sweep's time aim, natively on this project's 2-core machine (issue 12); the
/// browser's is twice it. `ScaleChoice::Auto` picks the scale model that fits it.
pub const SWEEP_AIM_S: f64 = 30.0;

/// What all of a sweep's workers may use together: each is its own wasm instance (at
/// most [`BROWSER_LIMIT_BYTES`] each), and together they share the device with the page.
pub const WORKERS_BUDGET_BYTES: u64 = 4 << 30;

/// What a person asks of the sweep.
#[derive(Clone, Debug, PartialEq)]
pub enum SweepIntent {
    /// Choose the parameter of the first (0) or second (1) axis; `None` drops the second.
    /// The values start as suggestions around the running setting.
    SetParam {
        axis: usize,
        param: Option<Param>,
    },
    /// The values of an axis, as typed.
    SetValues {
        axis: usize,
        text: String,
    },
    SetHorizon(u32),
    /// The assumed MTBF in hours, as typed.
    SetMtbf(String),
    /// Run the cells as the real job, a scale model 1:F, or auto.
    SetScale(ScaleChoice),
    /// Run the grid on up to `cores` workers (the browser's `hardwareConcurrency`).
    Run {
        cores: usize,
    },
    /// Stop the workers; the cells measured so far stay.
    Cancel,
    /// Show the sweep over the stage, or the pipeline again.
    Show(bool),
    /// Put this cell's setting on the run on the page.
    Apply(usize),
    SetOverhead(Overhead),
    SetExposure(Exposure),
}

/// What the shell does with the workers.
#[derive(Clone, Debug, PartialEq)]
pub enum Order {
    /// Start this many workers; each says [`Reply::Ready`] once its engine is loaded.
    Start { workers: usize },
    /// Send this job text to worker `worker`.
    Post { worker: usize, text: String },
    /// Stop every worker now (cancel, or the sweep is over).
    Terminate,
}

/// Where a cell is.
#[derive(Clone, Debug, PartialEq)]
pub enum CellStatus {
    Waiting,
    Running {
        worker: usize,
        phase: Phase,
        fraction: f64,
        /// Wall ms when it was sent.
        since_ms: f64,
    },
    Done {
        wall_ms: f64,
    },
    Failed(String),
    Cancelled,
}

/// One cell of the grid as the page shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct CellRow {
    pub cell: Cell,
    /// The running setting's own cell.
    pub current: bool,
    pub status: CellStatus,
    pub result: Option<CellResult>,
    pub flink_yaml: Option<String>,
}

impl CellRow {
    /// `interval_ms=20000 codec=lz4`, or "current setting" for the reference cell the
    /// sweep adds when the grid does not hold it.
    pub fn label(&self) -> String {
        if self.cell.setting.is_empty() {
            "current setting".into()
        } else {
            self.cell.label()
        }
    }

    /// What the cell is doing, in words.
    pub fn doing(&self) -> String {
        match &self.status {
            CellStatus::Waiting => "waiting for a worker".into(),
            CellStatus::Running {
                worker,
                phase,
                fraction,
                ..
            } => {
                let what = match phase {
                    Phase::RebuildRun => "rebuilding the run to the fork",
                    Phase::CatchUpToFork => "new run to the fork (setting needs a restart)",
                    Phase::Horizon => "measuring the horizon",
                };
                format!("worker {}: {what}, {:.0} %", worker + 1, fraction * 100.0)
            }
            CellStatus::Done { wall_ms } => format!("done in {} s", sig3(wall_ms / 1000.0)),
            CellStatus::Failed(why) => format!("failed: {why}"),
            CellStatus::Cancelled => "cancelled".into(),
        }
    }

    /// Share of the cell's work done, for its progress bar.
    pub fn progress(&self) -> f64 {
        match &self.status {
            CellStatus::Waiting | CellStatus::Cancelled => 0.0,
            CellStatus::Running {
                phase, fraction, ..
            } => match phase {
                Phase::RebuildRun | Phase::CatchUpToFork => 0.3 * fraction,
                Phase::Horizon => 0.3 + 0.7 * fraction,
            },
            CellStatus::Done { .. } | CellStatus::Failed(_) => 1.0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Running,
    Done,
    Cancelled,
}

/// One sweep: its grid, where each cell is, and what the run looked like at the fork.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepRun {
    pub id: u64,
    pub stage: Stage,
    pub fork_at_us: u64,
    pub horizon_s: u32,
    pub mtbf_s: f64,
    pub bandwidth_mbit_s: f64,
    pub base: Config,
    pub rows: Vec<CellRow>,
    pub workers: usize,
    pub started_ms: f64,
    pub finished_ms: Option<f64>,
    /// The page's run digest at the fork, and whether a worker rebuilt another run (the
    /// page's run was changed by hand: crashes, faults, settings under the running job).
    pub digest: u64,
    pub rebuilt_differs: bool,
    /// The scale model the cells run as, and why.
    pub scale: ScalePlan,
    queue: VecDeque<usize>,
    /// The cell each worker is on; `None` idle; a worker that stopped is `dead`.
    busy: Vec<Option<usize>>,
    dead: Vec<bool>,
}

impl SweepRun {
    pub fn done(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.status, CellStatus::Done { .. } | CellStatus::Failed(_)))
            .count()
    }

    /// The measured cells, with their indices.
    pub fn results(&self) -> Vec<(usize, &CellResult)> {
        self.rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.result.as_ref().map(|res| (i, res)))
            .collect()
    }

    pub fn current(&self) -> Option<usize> {
        self.rows.iter().position(|r| r.current)
    }

    /// The recommendation over the cells measured so far (their Pareto front), against
    /// the current setting's cell, once that is measured.
    pub fn advice(&self) -> Option<Advice> {
        let results = self.results();
        let current = self.current()?;
        let reference = results.iter().position(|(i, _)| *i == current)?;
        let list: Vec<CellResult> = results.iter().map(|(_, r)| (*r).clone()).collect();
        let rec = recommend(&list, reference, self.bandwidth_mbit_s, self.mtbf_s)?;
        let cell = results[rec.cell].0;
        Some(Advice {
            cell,
            text: advice_text(&rec, &self.rows[cell], &self.rows[current], self.mtbf_s),
            flink_yaml: self.rows[cell].flink_yaml.clone(),
            recommendation: rec,
        })
    }
}

/// The recommendation as the page shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Advice {
    pub cell: usize,
    pub recommendation: Recommendation,
    pub text: String,
    pub flink_yaml: Option<String>,
}

/// The engine's recommendation in words, with the numbers it rests on and the
/// assumptions it is sensitive to.
fn advice_text(rec: &Recommendation, best: &CellRow, current: &CellRow, mtbf_s: f64) -> String {
    let approx = if rec.scale > 1 { "≈ " } else { "" };
    let mut text = if std::ptr::eq(best, current) || best.cell.config == current.cell.config {
        let model = if rec.scale > 1 {
            format!("Measured on the scale model 1:{}: ", rec.scale)
        } else {
            String::new()
        };
        format!(
            "{model}For this job the current setting is already the best trade-off measured: \
             p95 recovery {} s. ",
            sig3(rec.recovery_p95_s)
        )
    } else {
        let mut t = rec.to_string();
        if best.cell.setting.is_empty() {
            t = t.replace("For this job, ", "For this job, the current setting ");
        }
        t.push(' ');
        t
    };
    if let (Some(b), Some(c)) = (&best.result, &current.result) {
        let rp = |r: &CellResult| r.exposure.recovery_point_s.map_or(f64::NAN, |s| s.mean);
        let per_hour = |r: &CellResult| r.exposure.recovery_s_per_hour.unwrap_or(f64::NAN);
        text.push_str(&format!(
            "It ships {approx}{} per hour ({} of the link) against {approx}{} ({}); a crash \
             restores state {} s old on average (current {} s); at one failure every {} that \
             is {} s of recovery per hour (current {} s).",
            bytes_f(b.bytes_shipped_per_hour),
            percent(b.link_utilisation),
            bytes_f(c.bytes_shipped_per_hour),
            percent(c.link_utilisation),
            sig3(rp(b)),
            sig3(rp(c)),
            hours(mtbf_s),
            sig3(per_hour(b)),
            sig3(per_hour(c)),
        ));
    }
    text
}

fn hours(s: f64) -> String {
    if s >= 3600.0 {
        format!("{} h", sig3(s / 3600.0))
    } else {
        format!("{} min", sig3(s / 60.0))
    }
}

/// The sweep as the page draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepView {
    pub form: Form,
    pub open: bool,
    /// Why the last Run was refused.
    pub refused: Option<String>,
    pub run: Option<SweepRun>,
    pub advice: Option<Advice>,
    pub overhead: Overhead,
    pub exposure: Exposure,
    /// The expected cost of failures for the run on the page.
    pub now: Option<RunCost>,
    /// Wall ms since the sweep started (to its end once it ended).
    pub elapsed_ms: f64,
}

/// The sweep's state in the session.
pub struct Sweep {
    form: Form,
    open: bool,
    refused: Option<String>,
    run: Option<SweepRun>,
    next_id: u64,
    orders: Vec<Order>,
    overhead: Overhead,
    exposure: Exposure,
    now: Option<RunCost>,
    now_at_ms: f64,
    /// Bumped on every change, so the published view is rebuilt only then.
    revision: u64,
    shown: Option<(u64, f64, Rc<SweepView>)>,
}

/// The run's figures are refreshed at most this often, in wall ms.
pub const RUN_COST_EVERY_MS: f64 = 1_000.0;

impl Sweep {
    pub fn new(config: &Config) -> Self {
        Self {
            form: Form::for_config(config),
            open: false,
            refused: None,
            run: None,
            next_id: 1,
            orders: Vec::new(),
            overhead: Overhead::default(),
            exposure: Exposure::default(),
            now: None,
            now_at_ms: f64::NEG_INFINITY,
            revision: 0,
            shown: None,
        }
    }

    pub fn run(&self) -> Option<&SweepRun> {
        self.run.as_ref()
    }

    pub fn running(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.stage == Stage::Running)
    }

    /// The orders for the shell since the last call.
    pub fn take_orders(&mut self) -> Vec<Order> {
        std::mem::take(&mut self.orders)
    }

    fn changed(&mut self) {
        self.revision += 1;
    }

    /// The form's intents and cancel; `Run` and `Apply` need the run and go through
    /// [`Sweep::start`] and [`Sweep::setting_of`].
    pub fn handle(&mut self, intent: SweepIntent, config: &Config) {
        match intent {
            SweepIntent::SetParam { axis, param } => match (axis, param) {
                (0, Some(p)) => self.form.first = (p, form::suggested(p, config)),
                (_, Some(p)) => self.form.second = Some((p, form::suggested(p, config))),
                (_, None) => self.form.second = None,
            },
            SweepIntent::SetValues { axis, text } => {
                if axis == 0 {
                    self.form.first.1 = text;
                } else if let Some(second) = &mut self.form.second {
                    second.1 = text;
                }
            }
            SweepIntent::SetHorizon(s) => self.form.horizon_s = s,
            SweepIntent::SetScale(choice) => self.form.scale = choice,
            SweepIntent::SetMtbf(text) => {
                self.form.mtbf_h = text;
                self.now_at_ms = f64::NEG_INFINITY;
            }
            SweepIntent::Cancel => self.cancel(),
            SweepIntent::Show(open) => self.open = open,
            SweepIntent::SetOverhead(o) => self.overhead = o,
            SweepIntent::SetExposure(e) => self.exposure = e,
            SweepIntent::Run { .. } | SweepIntent::Apply(_) => {}
        }
        self.changed();
    }

    /// Starts the grid the form describes, forked from `sim` now, on up to `cores`
    /// workers; refused (and said why) when the form or the memory does not allow it.
    pub fn start(&mut self, sim: &Simulation, cores: usize, now_ms: f64) {
        self.changed();
        match self.plan(sim, cores, now_ms) {
            Ok(run) => {
                if self.running() {
                    self.orders.push(Order::Terminate);
                }
                self.orders.push(Order::Start {
                    workers: run.workers,
                });
                self.refused = None;
                self.open = true;
                self.run = Some(run);
            }
            Err(why) => self.refused = Some(why),
        }
    }

    fn plan(&mut self, sim: &Simulation, cores: usize, now_ms: f64) -> Result<SweepRun, String> {
        let config = sim.config();
        let axes = self.form.axes().map_err(|e| e.to_string())?;
        let mtbf_s = self.form.mtbf_s()?;
        let mut grid = cells(config, &axes).map_err(|e| e.to_string())?;
        // The running setting is the yardstick: when the grid does not hold it, it is
        // measured too.
        let current = match grid.iter().position(|c| c.config == *config) {
            Some(i) => i,
            None => {
                grid.push(Cell {
                    index: grid.len(),
                    setting: Vec::new(),
                    config: config.clone(),
                });
                grid.len() - 1
            }
        };
        // The scale model, when chosen or when the real job's grid would be slow: the
        // factor is chosen as the CLI chooses it (natively, against the native aim), so
        // both run the same cells; a worker is about twice as slow as a native thread.
        let span = Span {
            warmup_us: sim.now_us(),
            horizon_us: u64::from(self.form.horizon_s) * 1_000_000,
        };
        let at_once = cores.clamp(1, grid.len());
        let mut scale = sweep_scale::plan(
            &grid,
            span,
            at_once,
            self.form.scale,
            SWEEP_AIM_S,
            &sweep_scale::NATIVE,
        )
        .map_err(|e| e.to_string())?;
        let browser = sweep_scale::plan(
            &grid,
            span,
            at_once,
            ScaleChoice::Factor(scale.factor),
            SWEEP_AIM_S * 2.0,
            &sweep_scale::BROWSER,
        )
        .map_err(|e| e.to_string())?;
        scale = ScalePlan {
            estimated_real_s: browser.estimated_real_s,
            estimated_s: browser.estimated_s,
            aim_s: browser.aim_s,
            ..scale
        };
        let grid = sweep_scale::scaled_cells(&grid, scale.factor).map_err(|e| e.to_string())?;
        // Every cell must fit one worker's wasm instance, and the workers together the
        // budget: fewer workers rather than none.
        check_memory(&grid, 1, true, BROWSER_LIMIT_BYTES).map_err(|e| e.to_string())?;
        let mut workers = at_once;
        while workers > 1 && check_memory(&grid, workers, true, WORKERS_BUDGET_BYTES).is_err() {
            workers -= 1;
        }
        let id = self.next_id;
        self.next_id += 1;
        // The current setting first, so the recommendation has its yardstick early.
        let queue = std::iter::once(current)
            .chain((0..grid.len()).filter(|&i| i != current))
            .collect();
        Ok(SweepRun {
            id,
            stage: Stage::Running,
            fork_at_us: sim.now_us(),
            horizon_s: self.form.horizon_s,
            mtbf_s,
            // A model's bytes are scaled back up: link time is valued at the real job's.
            bandwidth_mbit_s: rescaled(config, 1)
                .map_or(config.link.bandwidth_mbit_s, |c| c.link.bandwidth_mbit_s),
            base: config.clone(),
            scale,
            rows: grid
                .into_iter()
                .enumerate()
                .map(|(i, cell)| CellRow {
                    cell,
                    current: i == current,
                    status: CellStatus::Waiting,
                    result: None,
                    flink_yaml: None,
                })
                .collect(),
            workers,
            started_ms: now_ms,
            finished_ms: None,
            digest: sim.digest(),
            rebuilt_differs: false,
            queue,
            busy: vec![None; workers],
            dead: vec![false; workers],
        })
    }

    /// A worker's message.
    pub fn reply(&mut self, worker: usize, text: &str, now_ms: f64) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        if run.stage != Stage::Running || worker >= run.busy.len() {
            return;
        }
        let reply: Reply = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                self.worker_failed(worker, &format!("an unreadable reply ({e})"), now_ms);
                return;
            }
        };
        match reply {
            Reply::Ready => self.dispatch(worker, now_ms),
            Reply::Progress {
                sweep,
                cell,
                phase,
                fraction,
            } if sweep == run.id => {
                if let Some(row) = run.rows.get_mut(cell) {
                    if let CellStatus::Running {
                        phase: p,
                        fraction: f,
                        ..
                    } = &mut row.status
                    {
                        *p = phase;
                        *f = fraction;
                    }
                }
                self.changed();
            }
            Reply::Done {
                sweep,
                cell,
                result,
                base_digest,
                flink_yaml,
            } if sweep == run.id => {
                if let Some(row) = run.rows.get_mut(cell) {
                    let since = match row.status {
                        CellStatus::Running { since_ms, .. } => since_ms,
                        _ => now_ms,
                    };
                    row.status = CellStatus::Done {
                        wall_ms: now_ms - since,
                    };
                    row.result = Some(*result);
                    row.flink_yaml = Some(flink_yaml);
                }
                // A model of the page's run is another run: only the same run compares.
                if run.scale.factor == factor(&run.base) {
                    run.rebuilt_differs |= base_digest != run.digest;
                }
                run.busy[worker] = None;
                self.dispatch(worker, now_ms);
            }
            Reply::Failed { sweep, cell, error } if sweep == run.id || sweep == 0 => {
                if let Some(row) = run.rows.get_mut(cell) {
                    row.status = CellStatus::Failed(error);
                }
                run.busy[worker] = None;
                self.dispatch(worker, now_ms);
            }
            // From a sweep that was replaced.
            _ => {}
        }
    }

    /// A worker stopped (its script failed to load, or its engine trapped): its cell
    /// fails with the reason and it gets no more work.
    pub fn worker_failed(&mut self, worker: usize, why: &str, now_ms: f64) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        if worker >= run.busy.len() || run.stage != Stage::Running {
            return;
        }
        run.dead[worker] = true;
        if let Some(cell) = run.busy[worker].take() {
            run.rows[cell].status = CellStatus::Failed(format!("the worker stopped: {why}"));
        }
        if run.dead.iter().all(|d| *d) {
            while let Some(cell) = run.queue.pop_front() {
                run.rows[cell].status =
                    CellStatus::Failed(format!("no worker left to run it (the last: {why})"));
            }
        }
        self.finish_if_done(now_ms);
        self.changed();
    }

    /// Gives worker `worker` the next cell, if any.
    fn dispatch(&mut self, worker: usize, now_ms: f64) {
        self.changed();
        let Some(run) = self.run.as_mut() else {
            return;
        };
        if run.dead[worker] || run.busy[worker].is_some() {
            return;
        }
        if let Some(cell) = run.queue.pop_front() {
            let job = Job {
                sweep: run.id,
                cell: run.rows[cell].cell.clone(),
                base: run.base.clone(),
                fork_at_us: run.fork_at_us,
                horizon_us: u64::from(run.horizon_s) * 1_000_000,
                crash_times: CrashTimes::Exponential { mtbf_s: run.mtbf_s },
                scale: run.scale.factor,
            };
            match serde_json::to_string(&job) {
                Ok(text) => {
                    run.busy[worker] = Some(cell);
                    run.rows[cell].status = CellStatus::Running {
                        worker,
                        phase: if run.fork_at_us > 0 {
                            Phase::RebuildRun
                        } else {
                            Phase::Horizon
                        },
                        fraction: 0.0,
                        since_ms: now_ms,
                    };
                    self.orders.push(Order::Post { worker, text });
                }
                Err(e) => {
                    run.rows[cell].status = CellStatus::Failed(format!("could not be sent: {e}"))
                }
            }
        }
        self.finish_if_done(now_ms);
    }

    fn finish_if_done(&mut self, now_ms: f64) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        if run.stage == Stage::Running
            && run.queue.is_empty()
            && run.busy.iter().all(Option::is_none)
        {
            run.stage = Stage::Done;
            run.finished_ms = Some(now_ms);
            // Each worker holds a run in memory: let them go.
            self.orders.push(Order::Terminate);
        }
    }

    /// Stops the workers; measured cells stay, the others say they were cancelled.
    pub fn cancel(&mut self) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        if run.stage != Stage::Running {
            return;
        }
        self.orders.push(Order::Terminate);
        run.stage = Stage::Cancelled;
        for row in &mut run.rows {
            if matches!(row.status, CellStatus::Waiting | CellStatus::Running { .. }) {
                row.status = CellStatus::Cancelled;
            }
        }
        run.queue.clear();
        run.busy.iter_mut().for_each(|b| *b = None);
        self.changed();
    }

    /// The run was replaced (reset, new seed, new configuration): a sweep forked from
    /// the old one stops; its results stay, labelled with the moment they forked from.
    pub fn new_run(&mut self, config: &Config) {
        self.cancel();
        self.form = Form {
            horizon_s: self.form.horizon_s,
            mtbf_h: self.form.mtbf_h.clone(),
            scale: self.form.scale,
            ..Form::for_config(config)
        };
        self.now = None;
        self.now_at_ms = f64::NEG_INFINITY;
        self.changed();
    }

    /// The configuration with cell `cell`'s setting put on `config`, and its label.
    pub fn setting_of(&self, cell: usize, config: &Config) -> Result<(Config, String), String> {
        let row = self
            .run
            .as_ref()
            .and_then(|r| r.rows.get(cell))
            .ok_or_else(|| format!("no cell {cell} in the sweep"))?;
        if row.cell.setting.is_empty() {
            return Err("that is the current setting already".into());
        }
        let mut new = config.clone();
        for (param, value) in &row.cell.setting {
            apply(&mut new, *param, value).map_err(|e: SweepError| e.to_string())?;
        }
        Ok((new, row.label()))
    }

    /// Refreshes the run's own figures when due (at most every [`RUN_COST_EVERY_MS`])
    /// and wanted (the tab or the sweep is showing).
    pub fn refresh_run_cost(&mut self, sim: &Simulation, now_ms: f64, wanted: bool) {
        if !wanted || now_ms - self.now_at_ms < RUN_COST_EVERY_MS {
            return;
        }
        let Ok(mtbf_s) = self.form.mtbf_s() else {
            return;
        };
        self.now_at_ms = now_ms;
        let cost = current::run_cost(sim, mtbf_s);
        if cost != self.now {
            self.now = cost;
            self.changed();
        }
    }

    /// The run's figures are refreshed at the next chance (the tab was just opened).
    pub fn refresh_soon(&mut self) {
        self.now_at_ms = f64::NEG_INFINITY;
    }

    pub fn open(&self) -> bool {
        self.open
    }

    /// The picture to draw; the same `Rc` while nothing changed.
    pub fn view(&mut self, now_ms: f64) -> Rc<SweepView> {
        let elapsed_ms = self
            .run
            .as_ref()
            .map_or(0.0, |r| r.finished_ms.unwrap_or(now_ms) - r.started_ms);
        let running = self.running();
        if let Some((rev, shown_elapsed, view)) = &self.shown {
            // While running, the elapsed time is refreshed every half second.
            if *rev == self.revision && (!running || elapsed_ms - shown_elapsed < 500.0) {
                return view.clone();
            }
        }
        let view = Rc::new(SweepView {
            form: self.form.clone(),
            open: self.open,
            refused: self.refused.clone(),
            advice: self.run.as_ref().and_then(SweepRun::advice),
            run: self.run.clone(),
            overhead: self.overhead,
            exposure: self.exposure,
            now: self.now.clone(),
            elapsed_ms,
        });
        self.shown = Some((self.revision, elapsed_ms, view.clone()));
        view
    }
}

/// "forked at 12.345 s, 300 virtual s ahead, MTBF 1 h": what a sweep's figures are over.
pub fn basis(run: &SweepRun) -> String {
    let fork = if run.scale.factor == factor(&run.base) {
        "forked from this run".to_string()
    } else {
        format!(
            "forked from the scale model 1:{} of this run",
            run.scale.factor
        )
    };
    format!(
        "each cell {fork} at {} (same seed), {} virtual s ahead; crash times exponential \
         with MTBF {}",
        at(run.fork_at_us),
        run.horizon_s,
        hours(run.mtbf_s)
    )
}

/// "≈ " before a figure of a scale model's cells (scaled back up), nothing for the real job.
pub fn approx(run: &SweepRun) -> &'static str {
    if run.scale.is_model() {
        "≈ "
    } else {
        ""
    }
}

#[cfg(test)]
mod tests;
