//! The branches' text: every action and fault kind survives encode → decode, times are
//! exact, and every refusal names its parameter.

use super::*;
use crate::engine::state::codec::Codec;
use crate::lab::url::parse_query;

fn settings(edit: impl Fn(&mut Config)) -> Action {
    let mut c = Config::default();
    edit(&mut c);
    Action::Settings {
        config: Box::new(c),
    }
}

fn every_action() -> Vec<Action> {
    let mut actions = vec![
        Action::TriggerCheckpoint,
        Action::CrashJob,
        Action::CrashSubtask { subtask: 3 },
        Action::Rescale { parallelism: 6 },
        Action::CorruptChunk {
            chunk: 41,
            bit: 1_234_567,
        },
        Action::LoseChunk { chunk: 9 },
        settings(|_| {}),
        settings(|c| c.checkpointing.codec = Codec::None),
        settings(|c| {
            c.checkpointing.codec = Codec::Lz4;
            c.checkpointing.interval_ms = Some(750);
            c.job.parallelism = 2;
        }),
        settings(|c| c.checkpointing.interval_ms = None),
        // Separators inside a value are escaped.
        settings(|c| c.workload.key_format.prefix = "a,b~c%d:e".into()),
    ];
    actions.extend(
        Fault::kinds()
            .into_iter()
            .map(|fault| Action::Inject { fault }),
    );
    actions.push(Action::Inject {
        fault: Fault::LatencySpike {
            latency_ms: 12.345,
            duration_ms: 800,
        },
    });
    actions.push(Action::Inject {
        fault: Fault::SetBandwidth { mbit_s: 0.1 },
    });
    actions
}

fn round_trip(link: &TravelLink) -> TravelLink {
    let base = Config::default();
    let query = to_query(link, &base);
    let decoded = decode(&parse_query(&query), &base).expect("branches in the query");
    assert_eq!(decoded.refused, None, "{query}");
    decoded.link
}

#[test]
fn every_action_and_fault_survives_the_round_trip() {
    for (i, action) in every_action().into_iter().enumerate() {
        let at = 1_000_000 + i as u64 * 1_001;
        let link = TravelLink {
            shown: 1,
            at_us: 2_000_000,
            compare: Some(0),
            branches: vec![
                BranchLink {
                    origin: None,
                    head_us: 3_000_000,
                    actions: vec![(at, action.clone())],
                },
                BranchLink {
                    origin: Some(LinkOrigin {
                        parent: 0,
                        at_us: at,
                        keep: None,
                    }),
                    head_us: 2_500_000,
                    actions: vec![(at, action.clone()), (2_500_000, Action::CrashJob)],
                },
            ],
        };
        assert_eq!(round_trip(&link), link, "{action:?}");
    }
}

#[test]
fn links_round_trip_as_a_table() {
    let table = [
        // One branch, no action, the first moment.
        TravelLink {
            shown: 0,
            at_us: 0,
            compare: None,
            branches: vec![BranchLink {
                origin: None,
                head_us: 0,
                actions: vec![],
            }],
        },
        // Three generations, a fork that keeps fewer actions, odd microseconds.
        TravelLink {
            shown: 2,
            at_us: 7_654_321,
            compare: Some(1),
            branches: vec![
                BranchLink {
                    origin: None,
                    head_us: 9_000_001,
                    actions: vec![
                        (500_000, Action::CrashJob),
                        (500_000, Action::TriggerCheckpoint),
                    ],
                },
                BranchLink {
                    origin: Some(LinkOrigin {
                        parent: 0,
                        at_us: 500_000,
                        keep: Some(1),
                    }),
                    head_us: 8_000_000,
                    actions: vec![(600_000, Action::LoseChunk { chunk: 2 })],
                },
                BranchLink {
                    origin: Some(LinkOrigin {
                        parent: 1,
                        at_us: 700_000,
                        keep: None,
                    }),
                    head_us: 7_654_321,
                    actions: vec![],
                },
            ],
        },
    ];
    for link in &table {
        assert_eq!(&round_trip(link), link);
    }
}

#[test]
fn the_text_is_compact_and_readable() {
    let link = TravelLink {
        shown: 1,
        at_us: 8_200_000,
        compare: Some(0),
        branches: vec![
            BranchLink {
                origin: None,
                head_us: 8_200_000,
                actions: vec![(3_000_000, Action::CrashJob)],
            },
            BranchLink {
                origin: Some(LinkOrigin {
                    parent: 0,
                    at_us: 1_500_000,
                    keep: None,
                }),
                head_us: 8_200_000,
                actions: vec![(1_500_000, settings(|c| c.checkpointing.codec = Codec::None))],
            },
        ],
    };
    assert_eq!(
        to_query(&link, &Config::default()),
        "branches=v1,B,8.2,A&branch.A=8.2~3:crash\
         &branch.B=A,1.5,8.2~1.5:set:checkpointing.codec:none"
    );
}

#[test]
fn seconds_are_exact_microseconds() {
    for us in [
        0,
        1,
        999_999,
        1_000_000,
        1_500_000,
        12_345_678,
        u64::MAX / 2,
    ] {
        assert_eq!(parse_seconds(&seconds(us)), Ok(us), "{us}");
    }
    assert_eq!(seconds(1_500_000), "1.5");
    assert_eq!(seconds(2_000_010), "2.00001");
    for bad in [
        "",
        ".5",
        "1.",
        "1.1234567",
        "-1",
        "1e3",
        "x",
        "99999999999999999999",
    ] {
        assert!(parse_seconds(bad).is_err(), "{bad}");
    }
}

#[test]
fn refusals_name_the_parameter_and_keep_the_branches_before() {
    let base = Config::default();
    let good_a = ("branch.A", "5~1:crash");
    /// The parameters, the one refused, how many branches are kept, words in the message.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, usize, &'a str);
    let cases: &[Case] = &[
        (&[good_a], "branches", 0, "missing"),
        (
            &[("branches", "v9,A,1"), good_a],
            "branches",
            0,
            "version `v1`",
        ),
        (&[("branches", "v1,A"), good_a], "branches", 0, "fields"),
        (
            &[("branches", "v1,a,1"), good_a],
            "branches",
            0,
            "not a branch name",
        ),
        (&[("branches", "v1,A,1")], "branches", 0, "no branch.A"),
        (
            &[("branches", "v1,A,1"), good_a, ("branch.x", "1")],
            "branch.x",
            0,
            "not a branch",
        ),
        (
            &[("branches", "v1,A,1"), good_a, ("branch.C", "A,1,2")],
            "branch.B",
            1,
            "missing",
        ),
        (
            &[("branches", "v1,A,1"), ("branch.A", "5~1:explode")],
            "branch.A",
            0,
            "not an action",
        ),
        (
            &[("branches", "v1,A,1"), ("branch.A", "5~6:crash")],
            "branch.A",
            0,
            "out of order",
        ),
        (
            &[("branches", "v1,A,1"), ("branch.A", "A,1,5")],
            "branch.A",
            0,
            "the run itself",
        ),
        (
            &[("branches", "v1,A,1"), good_a, ("branch.B", "5")],
            "branch.B",
            1,
            "PARENT,FORK,END",
        ),
        (
            &[("branches", "v1,A,1"), good_a, ("branch.B", "B,1,5")],
            "branch.B",
            1,
            "before it",
        ),
        (
            &[("branches", "v1,A,1"), good_a, ("branch.B", "A,3,2")],
            "branch.B",
            1,
            "before it forks",
        ),
        (
            &[("branches", "v1,A,1"), good_a, ("branch.B", "A,1,9999")],
            "branch.B",
            1,
            "at most",
        ),
        (
            &[
                ("branches", "v1,A,1"),
                good_a,
                ("branch.B", "A,1,2~1:fault:link_outage"),
            ],
            "branch.B",
            1,
            "takes 1 value",
        ),
        (
            &[
                ("branches", "v1,A,1"),
                good_a,
                ("branch.B", "A,1,2~1:set:job.nonsense:3"),
            ],
            "branch.B",
            1,
            "job.nonsense",
        ),
        (
            &[
                ("branches", "v1,A,1"),
                good_a,
                ("branch.B", "A,1,2~1:set:job.parallelism:0"),
            ],
            "branch.B",
            1,
            "parallelism",
        ),
        (
            &[
                ("branches", "v1,A,1"),
                good_a,
                ("branch.B", "A,1,2~1:set:workload.key_format.prefix:a%2"),
            ],
            "branch.B",
            1,
            "escape",
        ),
    ];
    for (params, param, kept, words) in cases {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let decoded = decode(&params, &base).expect("branch parameters");
        let refused = decoded
            .refused
            .unwrap_or_else(|| panic!("{params:?} refused"));
        assert_eq!(&refused.param, param, "{params:?}: {refused}");
        assert!(refused.message.contains(words), "{params:?}: {refused}");
        assert!(refused.to_string().contains(&format!("`{param}`")));
        assert_eq!(decoded.link.branches.len(), *kept, "{params:?}");
    }
    // No branch parameter: nothing to read.
    assert_eq!(decode(&[("seed".into(), "1".into())], &base), None);
}
