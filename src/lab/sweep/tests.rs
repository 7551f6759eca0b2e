//! The sweep's state machine driven as the browser drives it, with the workers run
//! natively through the same `job::Worker` the Web Workers run.

use super::job::{Reply, Worker};
use super::*;
use crate::engine::report::sweep::{run_cell_from, Param};

fn running_sim() -> Simulation {
    let mut sim = Simulation::new(Config::default(), None).unwrap();
    sim.advance_to(3_000_000);
    sim
}

fn sweep_for(sim: &Simulation) -> Sweep {
    let mut s = Sweep::new(sim.config());
    s.handle(
        SweepIntent::SetValues {
            axis: 0,
            text: "1000,2000".into(),
        },
        sim.config(),
    );
    s.handle(
        SweepIntent::SetParam {
            axis: 1,
            param: Some(Param::Codec),
        },
        sim.config(),
    );
    s.handle(
        SweepIntent::SetValues {
            axis: 1,
            text: "none,lz4".into(),
        },
        sim.config(),
    );
    s.handle(SweepIntent::SetHorizon(8), sim.config());
    s
}

/// Plays the shell: starts workers, carries jobs to them and their replies back.
fn drive(s: &mut Sweep, workers: &mut Vec<Worker>, clock: &mut f64) -> usize {
    let mut posted = 0;
    loop {
        let orders = s.take_orders();
        if orders.is_empty() {
            return posted;
        }
        for order in orders {
            *clock += 10.0;
            match order {
                Order::Start { workers: n } => {
                    workers.clear();
                    workers.resize_with(n, Worker::default);
                    for w in 0..n {
                        s.reply(w, &Reply::Ready.to_json(), *clock);
                    }
                }
                Order::Post { worker, text } => {
                    posted += 1;
                    let mut progress = Vec::new();
                    let last = workers[worker].handle(&text, |r| progress.push(r.to_json()));
                    for p in progress {
                        s.reply(worker, &p, *clock);
                    }
                    s.reply(worker, &last.to_json(), *clock);
                }
                Order::Terminate => workers.clear(),
            }
        }
    }
}

#[test]
fn a_sweep_runs_every_cell_on_workers_and_each_is_a_fork_of_the_run() {
    let sim = running_sim();
    let mut s = sweep_for(&sim);
    s.start(&sim, 2, 0.0);
    assert_eq!(s.take_orders()[0], Order::Start { workers: 2 });
    // (Taken above: start again to replay it through the shell.)
    let mut s = sweep_for(&sim);
    s.start(&sim, 2, 0.0);
    let mut workers = Vec::new();
    let mut clock = 0.0;
    let posted = drive(&mut s, &mut workers, &mut clock);
    let run = s.run().unwrap();
    // 2 × 2 cells, plus the current setting (2 s interval, LZ4 is not the default).
    assert_eq!(run.rows.len(), 5);
    assert_eq!(posted, 5);
    assert_eq!(run.stage, Stage::Done);
    assert!(
        !run.rebuilt_differs,
        "the worker rebuilt the page's run exactly"
    );
    let current = run.current().unwrap();
    assert_eq!(run.rows[current].label(), "current setting");
    // Each cell is what a native fork of the run measures.
    for row in &run.rows {
        let fork = run_cell_from(
            &row.cell,
            &sim,
            None,
            8_000_000,
            CrashTimes::Exponential { mtbf_s: 3600.0 },
        )
        .unwrap();
        assert_eq!(row.result.as_ref(), Some(&fork), "{}", row.label());
        assert!(row
            .flink_yaml
            .as_ref()
            .unwrap()
            .contains("execution.checkpointing"));
        assert_eq!(row.progress(), 1.0);
    }
    let view = s.view(clock);
    let advice = view.advice.as_ref().expect("a recommendation");
    assert!(advice.text.starts_with("For this job"), "{}", advice.text);
    assert!(advice.text.contains("per hour"), "{}", advice.text);
    assert!(advice.flink_yaml.is_some());
    // Applying a cell puts its setting on the page's configuration.
    let (config, label) = s.setting_of(3, sim.config()).unwrap();
    assert_eq!(label, "interval_ms=2000 codec=lz4");
    assert_eq!(config.checkpointing.interval_ms, Some(2000));
    assert!(s.setting_of(current, sim.config()).is_err());
}

#[test]
fn cancel_stops_the_workers_and_keeps_what_was_measured() {
    let sim = running_sim();
    let mut s = sweep_for(&sim);
    s.start(&sim, 1, 0.0);
    let orders = s.take_orders();
    assert_eq!(orders, vec![Order::Start { workers: 1 }]);
    s.reply(0, &Reply::Ready.to_json(), 5.0);
    let Order::Post { text, .. } = &s.take_orders()[0] else {
        panic!("a job for the ready worker");
    };
    let mut worker = Worker::default();
    let mut progress = Vec::new();
    let done = worker.handle(text, |r| progress.push(r.clone()));
    // Progress is reported in phases, rising, about a hundred times at most.
    assert!(
        progress.len() > 10 && progress.len() <= 210,
        "{}",
        progress.len()
    );
    s.reply(0, &progress[3].to_json(), 6.0);
    let running = &s.run().unwrap().rows[s.run().unwrap().current().unwrap()];
    assert!(
        running.doing().starts_with("worker 1: "),
        "{}",
        running.doing()
    );
    s.reply(0, &done.to_json(), 50.0);
    assert_eq!(s.run().unwrap().done(), 1);
    s.cancel();
    assert!(s.take_orders().contains(&Order::Terminate));
    let run = s.run().unwrap();
    assert_eq!(run.stage, Stage::Cancelled);
    assert_eq!(run.results().len(), 1);
    assert!(
        run.rows
            .iter()
            .filter(|r| r.status == CellStatus::Cancelled)
            .count()
            == 4
    );
    // A late reply from a terminated worker changes nothing.
    s.reply(0, &done.to_json(), 60.0);
    assert_eq!(s.run().unwrap().results().len(), 1);
}

#[test]
fn a_worker_that_stops_fails_its_cell_and_the_sweep_still_ends() {
    let sim = running_sim();
    let mut s = sweep_for(&sim);
    s.start(&sim, 1, 0.0);
    s.take_orders();
    s.reply(0, &Reply::Ready.to_json(), 1.0);
    s.take_orders();
    s.worker_failed(0, "out of memory", 2.0);
    let run = s.run().unwrap();
    assert_eq!(run.stage, Stage::Done);
    assert!(run
        .rows
        .iter()
        .all(|r| matches!(&r.status, CellStatus::Failed(why) if why.contains("out of memory"))));
}

#[test]
fn bad_forms_are_refused_with_the_reason() {
    let sim = running_sim();
    let mut s = Sweep::new(sim.config());
    s.handle(
        SweepIntent::SetValues {
            axis: 0,
            text: "soon".into(),
        },
        sim.config(),
    );
    s.start(&sim, 2, 0.0);
    assert!(s.take_orders().is_empty());
    let view = s.view(0.0);
    assert_eq!(
        view.refused.as_deref(),
        Some("interval_ms: `soon` is not a value it takes (milliseconds, or `off`)")
    );
    s.handle(
        SweepIntent::SetValues {
            axis: 0,
            text: "1000".into(),
        },
        sim.config(),
    );
    s.handle(SweepIntent::SetMtbf("-1".into()), sim.config());
    s.start(&sim, 2, 0.0);
    assert!(s
        .view(0.0)
        .refused
        .clone()
        .unwrap()
        .starts_with("MTBF: `-1`"));
}

#[test]
fn a_worker_rebuilding_another_run_is_noticed() {
    // The page's run was changed by hand: a crash the worker cannot know about.
    let mut sim = running_sim();
    sim.crash_job();
    sim.advance_to(4_000_000);
    let mut s = sweep_for(&sim);
    s.handle(
        SweepIntent::SetParam {
            axis: 1,
            param: None,
        },
        sim.config(),
    );
    s.start(&sim, 1, 0.0);
    let mut workers = Vec::new();
    let mut clock = 0.0;
    drive(&mut s, &mut workers, &mut clock);
    assert!(s.run().unwrap().rebuilt_differs);
}

#[test]
fn a_sweep_on_the_scale_model_runs_the_model_of_the_run_and_says_so() {
    let sim = running_sim();
    let mut s = sweep_for(&sim);
    s.handle(SweepIntent::SetScale(ScaleChoice::Factor(4)), sim.config());
    s.start(&sim, 2, 0.0);
    let mut workers = Vec::new();
    let mut clock = 0.0;
    drive(&mut s, &mut workers, &mut clock);
    let run = s.run().unwrap();
    assert_eq!(run.stage, Stage::Done);
    assert_eq!(run.scale.factor, 4);
    assert_eq!(approx(run), "≈ ");
    assert!(
        basis(run).contains("scale model 1:4 of this run"),
        "{}",
        basis(run)
    );
    // The workers' rebuilt run is the model, not the page's run: no false alarm.
    assert!(!run.rebuilt_differs);
    // Each cell is a native fork of the page's run as the model, at the same moment.
    let mut model = Simulation::new(rescaled(sim.config(), 4).unwrap(), None).unwrap();
    model.advance_to(sim.now_us());
    for row in &run.rows {
        assert_eq!(row.cell.config.workload.sample_every, 4, "{}", row.label());
        let fork = run_cell_from(
            &row.cell,
            &model,
            None,
            8_000_000,
            CrashTimes::Exponential { mtbf_s: 3600.0 },
        )
        .unwrap();
        let result = row.result.as_ref().unwrap();
        assert_eq!(result, &fork, "{}", row.label());
        assert_eq!(result.scale, 4);
        assert!(row.flink_yaml.as_ref().unwrap().contains("scale model 1:4"));
    }
    let advice = s.view(clock).advice.clone().expect("a recommendation");
    assert!(
        advice.text.starts_with("Measured on the scale model 1:4"),
        "{}",
        advice.text
    );
    assert!(advice.text.contains("≈ "), "{}", advice.text);
}

#[test]
fn auto_runs_a_small_job_as_it_is() {
    let sim = running_sim();
    let mut s = sweep_for(&sim);
    s.start(&sim, 2, 0.0);
    let run = s.run().unwrap();
    assert_eq!(run.scale.choice, ScaleChoice::Auto);
    assert_eq!(run.scale.factor, 1, "{}", run.scale);
    assert_eq!(approx(run), "");
    assert!(run
        .rows
        .iter()
        .all(|r| r.cell.config.workload.sample_every == 1));
}
