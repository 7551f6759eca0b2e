//! Time travel as the page drives it: the driver records its run on the timeline, a
//! run scrubbed back and played again replays what the person did, acting in the past
//! starts a branch and keeps the original, stepping back retraces stepping forward, and
//! two branches compare at the same moment.

mod common;

use proptest::prelude::*;
use statelab::engine::faults::Fault;
use statelab::engine::partitioning::workload::ValueModel;
use statelab::engine::state::codec::Codec;
use statelab::lab::driver::{Budget, Driver};
use statelab::lab::intent::Intent;
use statelab::lab::prefs::DockTab;
use statelab::lab::session::{Effect, Session};
use statelab::lab::stepping::StepKind;
use statelab::lab::travel::{place_markers, track_end, TravelIntent};
use statelab::lab::{branch_link, url};

fn driver(seed: u64, codec: Codec) -> Driver {
    let config = common::small_config(seed, codec, false, ValueModel::Counter, 2, 10_000_000);
    let (driver, note) = Driver::new(config);
    assert_eq!(note, None);
    driver
}

/// A budget that never runs out: frames do all the work asked.
fn run(d: &mut Driver, to_us: u64) {
    let clock = || 0.0;
    let budget = Budget {
        clock: &clock,
        deadline_ms: 1.0,
    };
    // Frame-sized pieces, as the page plays.
    while d.sim().now_us() < to_us {
        let next = (d.sim().now_us() + 16_667).min(to_us);
        d.advance_towards(next, &budget, None);
    }
}

fn step(d: &mut Driver, kind: StepKind) {
    let clock = || 0.0;
    let budget = Budget {
        clock: &clock,
        deadline_ms: 1.0,
    };
    d.step(kind);
    d.work_on_goal(&budget);
}

#[test]
fn a_run_scrubbed_back_and_played_again_replays_what_the_person_did() {
    let mut d = driver(11, Codec::Lz4);
    run(&mut d, 1_200_000);
    d.crash_subtask(1).unwrap();
    run(&mut d, 2_000_000);
    d.inject(&statelab::engine::faults::Fault::LinkOutage { duration_ms: 200 })
        .unwrap();
    run(&mut d, 4_000_000);
    let there = d.sim().digest();
    let crashes = d.sim().recoveries().len();
    assert_eq!(crashes, 1);

    d.seek(900_000);
    assert_eq!(d.sim().now_us(), 900_000);
    assert!(d.in_past());
    assert!(d.sim().recoveries().is_empty(), "before the crash");
    run(&mut d, 4_000_000);
    assert_eq!(
        d.sim().digest(),
        there,
        "the crash and the outage were replayed"
    );
    assert!(!d.in_past());
    assert_eq!(d.travel().timeline().len(), 1, "replaying starts no branch");
}

#[test]
fn acting_in_the_past_starts_a_branch_and_keeps_the_original() {
    let mut d = driver(12, Codec::Lz4);
    run(&mut d, 3_000_000);
    let original = d.sim().digest();
    d.seek(1_500_000);
    d.crash_job().unwrap();
    let note = d
        .take_travel_note()
        .expect("the person hears a branch started");
    assert!(note.contains("branch B"), "{note}");
    let t = d.travel().timeline();
    assert_eq!(t.len(), 2);
    assert_eq!(d.travel().branch(), 1);
    assert_eq!(t.head(0), 3_000_000, "A keeps its future");
    assert_eq!(t.head(1), 1_500_000);
    assert_eq!(t.seek(0, 3_000_000).digest(), original);
    run(&mut d, 3_000_000);
    assert_ne!(d.sim().digest(), original, "B crashed where A did not");
    assert!(!d.sim().recoveries().is_empty());
    // A refused action in the past starts nothing.
    d.seek(1_000_000);
    assert!(d.crash_subtask(99).is_err());
    assert_eq!(d.travel().timeline().len(), 2);
    assert_eq!(d.take_travel_note(), None);
}

#[test]
fn stepping_back_retraces_stepping_forward_in_the_driver() {
    let mut d = driver(13, Codec::Snappy);
    run(&mut d, 800_000);
    d.crash_job().unwrap();
    run(&mut d, 1_000_000);
    // From before the crash: the crash is replayed on the way.
    d.seek(600_000);
    let mut landings = Vec::new();
    for _ in 0..12 {
        step(&mut d, StepKind::Event);
        landings.push((d.sim().now_us(), d.sim().digest()));
    }
    assert!(
        landings.iter().any(|(t, _)| *t > 800_000),
        "the steps crossed the crash: {landings:?}"
    );
    for want in landings.iter().rev().skip(1) {
        d.step_back(StepKind::Event).unwrap();
        assert_eq!((d.sim().now_us(), d.sim().digest()), *want);
    }
    // Nothing before the first moment.
    d.seek(0);
    assert!(d.step_back(StepKind::Event).is_err());
}

#[test]
fn two_branches_compare_at_the_same_moment() {
    let mut d = driver(14, Codec::Snappy);
    run(&mut d, 2_000_000);
    d.seek(1_000_000);
    let note = d.fork().unwrap();
    assert!(note.contains("branch B"), "{note}");
    let mut plain = d.config().clone();
    plain.checkpointing.codec = Codec::None;
    d.apply_config(plain).unwrap();
    run(&mut d, 2_000_000);
    let view = d.timeline_view(true);
    assert_eq!(view.branch, 1);
    assert_eq!(view.compare, Some(0), "compared with where it came from");
    let c = view.comparison.expect("a comparison");
    assert_eq!(c.names, ("B".to_string(), "A".to_string()));
    assert_eq!(c.at_us, 2_000_000);
    assert_eq!(c.diverged_at_us, Some(1_000_000));
    assert!(!c.identical);
    let row = |label: &str| c.rows.iter().find(|r| r.label == label).unwrap().clone();
    assert!(row("checkpointed data size (last)").differs);
    assert!(!row("records processed").differs, "same seed, same records");
    assert!(!row("exactly-once check").differs);
    // The first difference is a consequence of the change, not the change itself.
    let first = c.first_difference.as_ref().expect("the logs part");
    assert!(first.at_us > 1_000_000, "{first:?}");
    assert!(
        ![&first.a, &first.b]
            .iter()
            .any(|t| t.as_deref().is_some_and(|t| t.contains("settings changed"))),
        "{first:?}"
    );
    assert!(view.branches[1]
        .origin
        .as_deref()
        .is_some_and(|o| o.contains("from A at 1.000 s: checkpointing.codec = none")));

    // A branch that changes nothing is identical at any moment.
    d.switch_branch(0).unwrap();
    d.seek(1_500_000);
    d.fork().unwrap();
    run(&mut d, 2_000_000);
    d.set_compare(Some(0));
    let c = d.timeline_view(true).comparison.unwrap();
    assert!(c.identical, "{c:?}");
    assert!(c.rows.iter().all(|r| !r.differs));
    assert_eq!(c.first_difference, None);
}

#[test]
fn the_compared_branch_runs_alongside_catching_up_in_steps() {
    let mut d = driver(15, Codec::Lz4);
    run(&mut d, 1_000_000);
    let a_there = d.sim().digest();
    d.fork().unwrap();
    run(&mut d, 6_000_000);
    // A was run only to 1 s: it follows B, at most 2 s of virtual time per picture, and
    // both are compared where it stands.
    let mut stands = Vec::new();
    for _ in 0..4 {
        let view = d.timeline_view(true);
        let companion = view.companion.expect("A beside B");
        assert_eq!(companion.name, "A");
        assert_eq!(view.comparison.unwrap().at_us, companion.now_us);
        assert_eq!(view.branches[0].head_us, companion.now_us, "A's end moved");
        stands.push(companion.now_us);
        assert_eq!(
            d.travel().catching_up(d.sim().now_us()),
            companion.now_us < 6_000_000,
            "frames go on while A catches up"
        );
    }
    assert_eq!(stands, [3_000_000, 5_000_000, 6_000_000, 6_000_000]);
    // What A ran is A: the same as running A itself there.
    let t = d.travel().timeline();
    assert_eq!(t.seek(0, 1_000_000).digest(), a_there);
    let c = d.timeline_view(true).comparison.unwrap();
    assert!(c.identical, "B changed nothing: {c:?}");
    // Scrubbing back: A follows at once.
    d.seek(2_000_000);
    let view = d.timeline_view(true);
    let companion = view.companion.unwrap();
    assert_eq!(companion.now_us, 2_000_000);
    assert!(
        companion.picture.emitted.is_empty(),
        "no dots for records nobody saw leave"
    );
    assert_eq!(view.comparison.unwrap().at_us, 2_000_000);
}

#[test]
fn the_track_grows_in_round_steps_and_close_markers_merge() {
    assert_eq!(track_end(0), 5_000_000);
    assert_eq!(track_end(5_000_000), 5_000_000);
    assert_eq!(track_end(5_000_001), 10_000_000);
    assert_eq!(track_end(601_000_000), 900_000_000);
    assert_eq!(track_end(7_200_000_001), 10_800_000_000);

    let mut d = driver(16, Codec::Lz4);
    run(&mut d, 3_000_000);
    let markers = d.travel().timeline().markers(0).to_vec();
    assert!(markers.len() > 4);
    let placed = place_markers(&markers, 5_000_000);
    assert_eq!(
        placed.iter().map(|m| m.count as usize).sum::<usize>(),
        markers.len(),
        "every marker is drawn or counted"
    );
    assert!(placed.iter().all(|m| (0.0..=1.0).contains(&m.x)));
    // On a track a thousand times longer, a checkpoint's trigger and completion fall
    // into one bucket each per kind.
    let squeezed = place_markers(&markers, 5_000_000_000);
    assert!(squeezed.len() < placed.len());
}

#[test]
fn the_session_pauses_to_scrub_and_opens_the_branches_tab_to_compare() {
    let (mut s, _) = Session::open("", "http://lab.test/".into(), false, "", Box::new(|| 0.0));
    let mut ts = 0.0;
    while s.driver().sim().now_us() < 1_500_000 {
        ts += 16.0;
        s.frame(ts);
    }
    assert!(s.publish().playing);
    let head = s.driver().sim().now_us();
    s.handle(Intent::Travel(TravelIntent::Seek(500_000)));
    let view = s.publish();
    assert!(!view.playing, "scrubbing pauses");
    assert_eq!(view.timeline.now_us, 500_000);
    assert_eq!(view.timeline.head_us, head);
    assert!(view.timeline.in_past());
    let marker = view
        .timeline
        .markers
        .first()
        .expect("a checkpoint marker")
        .clone();
    s.handle(Intent::Travel(TravelIntent::SeekMarker {
        at_us: marker.at_us,
        seq: marker.seq,
    }));
    let view = s.publish();
    assert!(view.events.iter().any(|e| e.seq == marker.seq));
    s.handle(Intent::Travel(TravelIntent::Fork));
    s.handle(Intent::Travel(TravelIntent::Compare(Some(0))));
    let view = s.publish();
    assert_eq!(view.dock_tab, DockTab::Branches);
    assert_eq!(view.timeline.branches.len(), 2);
    assert!(view.timeline.comparison.as_ref().unwrap().identical);
    s.handle(Intent::Travel(TravelIntent::End));
    assert_eq!(
        s.publish().timeline.now_us,
        view.timeline.now_us,
        "B's head"
    );
    s.handle(Intent::Travel(TravelIntent::Switch(0)));
    s.handle(Intent::Travel(TravelIntent::End));
    assert_eq!(s.publish().timeline.now_us, head);
}

#[test]
fn settings_changed_in_the_past_start_a_branch_named_by_the_change() {
    let mut d = driver(17, Codec::Snappy);
    run(&mut d, 2_000_000);
    let a_at_head = d.sim().digest();
    d.seek(800_000);
    let mut plain = d.config().clone();
    plain.checkpointing.codec = Codec::None;
    d.apply_config(plain).unwrap();
    assert!(d.take_travel_note().is_some_and(|n| n.contains("branch B")));
    let view = d.timeline_view(false);
    assert_eq!(view.branch, 1);
    assert_eq!(
        view.branches[1].origin.as_deref(),
        Some("from A at 0.800 s: checkpointing.codec = none")
    );
    assert_eq!(d.travel().timeline().seek(0, 2_000_000).digest(), a_at_head);

    // Settings that need a new run start afresh: one branch again, at time 0.
    let mut other = d.config().clone();
    other.seed += 1;
    d.apply_config(other).unwrap();
    assert_eq!(d.travel().timeline().len(), 1);
    assert_eq!(d.sim().now_us(), 0);
}

#[test]
fn at_most_26_branches_and_acting_in_the_past_then_changes_nothing() {
    let mut d = driver(18, Codec::Lz4);
    run(&mut d, 500_000);
    for _ in 1..26 {
        d.fork().unwrap();
    }
    assert_eq!(d.travel().timeline().len(), 26);
    assert!(d.fork().is_err());
    run(&mut d, 700_000);
    d.seek(600_000);
    let before = d.sim().digest();
    let refused = d.crash_job();
    assert!(refused.is_err_and(|e| e.contains("26 already")));
    assert_eq!(d.sim().digest(), before, "nothing was applied");
    assert_eq!(d.travel().timeline().len(), 26);
}

/// Something a person does on the page, for the link's property test.
#[derive(Clone, Debug)]
enum Op {
    Run(u64),
    Back(u64),
    Crash,
    CrashSubtask(u32),
    Checkpoint,
    Outage(u64),
    Bandwidth(u32),
    Codec(u8),
    Interval(u64),
    Rescale(u32),
    Fork,
    Switch(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (100_000u64..900_000).prop_map(Op::Run),
        2 => (0u64..1_000).prop_map(Op::Back),
        1 => Just(Op::Crash),
        1 => (0u32..3).prop_map(Op::CrashSubtask),
        1 => Just(Op::Checkpoint),
        1 => (50u64..400).prop_map(Op::Outage),
        1 => (1u32..200).prop_map(Op::Bandwidth),
        2 => (0u8..3).prop_map(Op::Codec),
        1 => (150u64..600).prop_map(Op::Interval),
        1 => (1u32..4).prop_map(Op::Rescale),
        1 => Just(Op::Fork),
        1 => (0usize..4).prop_map(Op::Switch),
    ]
}

fn perform(d: &mut Driver, op: &Op) {
    let codecs = [Codec::None, Codec::Snappy, Codec::Lz4];
    // Refusals (a subtask that is not there, a checkpoint while down) change nothing.
    match op {
        Op::Run(us) => run(d, d.sim().now_us() + us),
        Op::Back(per_mille) => d.seek(d.sim().now_us() * per_mille / 1_000),
        Op::Crash => drop(d.crash_job()),
        Op::CrashSubtask(s) => drop(d.crash_subtask(*s)),
        Op::Checkpoint => drop(d.trigger_checkpoint()),
        Op::Outage(ms) => drop(d.inject(&Fault::LinkOutage { duration_ms: *ms })),
        Op::Bandwidth(mbit) => drop(d.inject(&Fault::SetBandwidth {
            mbit_s: f64::from(*mbit) / 10.0,
        })),
        Op::Codec(i) => {
            let mut c = d.config().clone();
            c.checkpointing.codec = codecs[*i as usize];
            drop(d.apply_config(c));
        }
        Op::Interval(ms) => {
            let mut c = d.config().clone();
            c.checkpointing.interval_ms = Some(*ms);
            drop(d.apply_config(c));
        }
        Op::Rescale(p) => drop(d.rescale(*p)),
        Op::Fork => drop(d.fork()),
        Op::Switch(b) => drop(d.switch_branch(*b)),
    }
}

/// `d`'s run and branches as the page's link writes them, opened in a new driver.
fn reopened(d: &Driver) -> Driver {
    let base = d.travel().timeline().base_config().clone();
    let query = format!(
        "{}&{}",
        url::to_query(&base),
        branch_link::to_query(&d.travel_link(), &base)
    );
    let from = url::from_query(&query);
    assert!(from.problems.is_empty(), "{query}: {:?}", from.problems);
    let (mut again, note) = Driver::new(from.config);
    assert_eq!(note, None);
    let decoded = branch_link::decode(&url::parse_query(&query), again.config())
        .expect("the branches are in the link");
    assert_eq!(decoded.refused, None, "{query}");
    again
        .open_link(&decoded.link)
        .unwrap_or_else(|e| panic!("{query}: {e}"));
    again
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// A link replays every branch: same branches, same ends, and the same digest at any
    /// moment of any branch as the session it was copied from.
    #[test]
    fn a_link_reproduces_every_branch_exactly(
        seed in 0u64..1_000,
        ops in prop::collection::vec(op(), 1..14),
        probes in prop::collection::vec(0u64..1_000, 3),
    ) {
        let mut d = driver(seed, Codec::Snappy);
        run(&mut d, 600_000);
        for op in &ops {
            perform(&mut d, op);
        }
        let again = reopened(&d);
        let (t, u) = (d.travel().timeline(), again.travel().timeline());
        prop_assert_eq!(u.len(), t.len());
        prop_assert_eq!(again.travel().branch(), d.travel().branch());
        prop_assert_eq!(again.sim().now_us(), d.sim().now_us());
        prop_assert_eq!(again.sim().digest(), d.sim().digest());
        for b in 0..t.len() {
            prop_assert_eq!(u.head(b), t.head(b));
            prop_assert_eq!(u.origin(b), t.origin(b));
            prop_assert_eq!(u.own_actions(b), t.own_actions(b));
            let start = t.start_us(b);
            for p in &probes {
                let at = start + (t.head(b) - start) * p / 1_000;
                prop_assert_eq!(
                    u.seek(b, at).digest(),
                    t.seek(b, at).digest(),
                    "branch {} at {} µs", t.name(b), at
                );
            }
            prop_assert_eq!(u.seek(b, t.head(b)).digest(), t.seek(b, t.head(b)).digest());
        }
    }
}

#[test]
fn a_fork_made_before_its_parent_acted_at_the_same_moment_keeps_that_out() {
    let mut d = driver(21, Codec::Lz4);
    run(&mut d, 1_000_000);
    d.fork().unwrap();
    // Back on A at the fork moment, its head: A crashes there, after B was made.
    d.switch_branch(0).unwrap();
    d.crash_job().unwrap();
    run(&mut d, 2_000_000);
    d.switch_branch(1).unwrap();
    run(&mut d, 2_000_000);
    let link = d.travel_link();
    let keep = link.branches[1].origin.as_ref().unwrap().keep;
    assert_eq!(keep, Some(0), "B started before A's crash at that moment");
    let again = reopened(&d);
    for b in 0..2 {
        assert_eq!(
            again.travel().timeline().seek(b, 2_000_000).digest(),
            d.travel().timeline().seek(b, 2_000_000).digest()
        );
    }
    assert!(again
        .travel()
        .timeline()
        .seek(1, 2_000_000)
        .recoveries()
        .is_empty());
}

/// Runs a session's frames until its run reaches `to_us`.
fn play(s: &mut Session, ts: &mut f64, to_us: u64) {
    s.handle(Intent::Play);
    while s.driver().sim().now_us() < to_us {
        *ts += 16.0;
        if s.frame(*ts) {
            s.publish();
        }
    }
    s.publish();
    s.handle(Intent::Pause);
}

#[test]
fn the_address_bar_carries_the_branches_and_a_reload_shows_both() {
    let (mut s, _) = Session::open(
        "?slowmo=0",
        "http://lab.test/".into(),
        false,
        "",
        Box::new(|| 0.0),
    );
    let mut ts = 0.0;
    play(&mut s, &mut ts, 1_500_000);
    s.handle(Intent::Travel(TravelIntent::Seek(800_000)));
    // One branch: the address bar says the configuration, as before.
    assert_eq!(s.handle(Intent::Pause), None);
    s.handle(Intent::Travel(TravelIntent::Fork));
    let mut plain = s.driver().config().clone();
    plain.checkpointing.codec = Codec::None;
    let Some(Effect::ReplaceQuery(_)) = s.handle(Intent::ApplyConfig(Box::new(plain))) else {
        panic!("the settings go to the address bar");
    };
    play(&mut s, &mut ts, 3_000_000);
    let Some(Effect::ReplaceQuery(query)) = s.handle(Intent::Pause) else {
        panic!("a pause with branches rewrites the address bar");
    };
    assert!(query.contains("branches=v1,B,"), "{query}");
    assert!(query.contains("branch.B=A,0.8,"), "{query}");
    assert!(
        query.contains("0.8:set:checkpointing.codec:none"),
        "{query}"
    );
    assert!(
        !query.contains("checkpointing.codec=none"),
        "the base run keeps its codec: {query}"
    );
    let before = s.publish();
    let Some(Effect::CopyToClipboard(copied)) = s.handle(Intent::CopyLink) else {
        panic!("a link to copy");
    };
    assert_eq!(copied, format!("http://lab.test/?{query}"));

    // A reload: both branches, B shown where it was, still, compared with A.
    let (mut r, effect) = Session::open(
        &format!("?{query}"),
        "http://lab.test/".into(),
        false,
        "",
        Box::new(|| 0.0),
    );
    assert_eq!(effect, Some(Effect::ReplaceQuery(query.clone())));
    let view = r.publish();
    assert_eq!(view.notice, None);
    assert!(!view.playing, "a link with branches opens still");
    assert_eq!(view.timeline.branches.len(), 2);
    assert_eq!(view.timeline.branch, 1);
    assert_eq!(view.timeline.now_us, before.timeline.now_us);
    assert_eq!(r.driver().sim().digest(), s.driver().sim().digest());
    let (c, c0) = (
        view.timeline.comparison.as_ref().expect("compared with A"),
        before.timeline.comparison.as_ref().unwrap(),
    );
    assert_eq!(c.rows, c0.rows);
    let row = |label: &str| c.rows.iter().find(|r| r.label == label).unwrap().clone();
    assert!(row("checkpointed data size (last)").differs);
    assert!(!row("exactly-once check").differs);
}

#[test]
fn a_bad_branch_in_the_link_leaves_the_run_and_says_which() {
    let query = "seed=5&branches=v1,B,2,A&branch.A=2~1:crash&branch.B=A,1,2~1.5:fault:warp_drive";
    let (mut s, _) = Session::open(
        &format!("?{query}"),
        "http://lab.test/".into(),
        false,
        "",
        Box::new(|| 0.0),
    );
    let view = s.publish();
    let notice = view.notice.clone().expect("a notice");
    assert!(
        notice.contains("`branch.B`") && notice.contains("warp_drive"),
        "{notice}"
    );
    assert_eq!(view.timeline.branches.len(), 1, "A is kept, B is not");
    assert_eq!(view.config.seed, 5);
    assert_eq!(
        s.driver().travel().timeline().own_actions(0).len(),
        1,
        "A's crash"
    );
    // An action the run refuses on replay is named too; the run itself stays.
    let query = "seed=5&branches=v1,A,2&branch.A=2~1:crash:7";
    let (mut s, _) = Session::open(
        &format!("?{query}"),
        "http://lab.test/".into(),
        false,
        "",
        Box::new(|| 0.0),
    );
    let notice = s.publish().notice.clone().expect("a notice");
    assert!(
        notice.contains("`branch.A`") && notice.contains("crash subtask 7"),
        "{notice}"
    );
    assert_eq!(s.driver().travel().timeline().own_actions(0).len(), 0);
    assert_eq!(s.driver().config().seed, 5);
}
