//! The configuration in the address bar: every panel field survives the round trip,
//! defaults stay out of links, and refused values are named and replaced.

use super::*;
use crate::lab::fields::edit::try_edit;
use crate::lab::fields::spec::Kind;
use crate::lab::fields::specs::{self, ALL};

/// A configuration that differs from the default in one field, for each field and each
/// value worth trying (every choice, a few numbers, absence): all the valid ones.
fn one_field_changes() -> Vec<(&'static str, String, Config)> {
    let bases = [
        Config::default(),
        try_edit(&specs::DISTRIBUTION, &Config::default(), "zipf").unwrap(),
        try_edit(&specs::DISTRIBUTION, &Config::default(), "hot_set").unwrap(),
        try_edit(&specs::RATE_KIND, &Config::default(), "ramp").unwrap(),
        try_edit(&specs::RATE_KIND, &Config::default(), "bursts").unwrap(),
        try_edit(&specs::VALUE_MODEL, &Config::default(), "random_bytes").unwrap(),
        try_edit(&specs::POLICY, &Config::default(), "adaptive").unwrap(),
        try_edit(&specs::POLICY, &Config::default(), "young_daly").unwrap(),
    ];
    let numbers = [
        "", "1", "3", "7", "16", "64", "250", "1500", "0.5", "2.5", "123456",
    ];
    let mut out = Vec::new();
    for spec in ALL {
        for base in &bases {
            let texts: Vec<&str> = match spec.kind {
                Kind::Choice(options) => options.iter().map(|(v, _)| *v).collect(),
                _ => numbers.to_vec(),
            };
            for text in texts {
                if let Ok(config) = try_edit(spec, base, text) {
                    if &config != base {
                        out.push((spec.path, text.to_string(), config));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_panel_field_survives_the_round_trip() {
    let changes = one_field_changes();
    for spec in ALL {
        assert!(
            changes.iter().any(|(path, ..)| *path == spec.path),
            "{} was changed by some test value",
            spec.path
        );
    }
    for (path, text, config) in changes {
        let query = to_query(&config);
        let back = from_query(&query);
        assert!(
            back.problems.is_empty(),
            "{path}={text}: {:?}",
            back.problems
        );
        assert_eq!(back.config, config, "{path}={text} via {query}");
        assert!(back.any, "{query} names a setting");
        // The seed always leads; the field (or the variant it switched) follows.
        assert!(query.starts_with("seed="), "{query}");
        if config != Config::default() {
            let object = path.rsplit_once('.').map_or(path, |(p, _)| p);
            assert!(query.contains(object), "{path}={text}: {query}");
        }
    }
}

#[test]
fn defaults_stay_out_of_links_but_the_seed_does_not() {
    assert_eq!(to_query(&Config::default()), "seed=42");
    let seeded = Config {
        seed: 7,
        ..Config::default()
    };
    assert_eq!(to_query(&seeded), "seed=7");
    let mut config = seeded.clone();
    config.job.parallelism = 8;
    config.checkpointing.codec = "lz4".parse().unwrap();
    assert_eq!(
        to_query(&config),
        "seed=7&checkpointing.codec=lz4&job.parallelism=8"
    );
    let back = from_query("?seed=7&checkpointing.codec=lz4&job.parallelism=8");
    assert_eq!(back.config, config);
    // A variant switch carries its fields with it, `kind` first.
    let adaptive = try_edit(&specs::POLICY, &Config::default(), "adaptive").unwrap();
    let query = to_query(&adaptive);
    let kind = query.find("checkpointing.policy.kind=adaptive").unwrap();
    let field = query.find("checkpointing.policy.window_ms=").unwrap();
    assert!(kind < field, "{query}");
}

#[test]
fn an_empty_or_switch_only_query_is_the_default_run() {
    for search in ["", "?", "?perf=1", "?selftest=digest&panic=test", "&&"] {
        let read = from_query(search);
        assert_eq!(read.config, Config::default(), "{search:?}");
        assert!(read.problems.is_empty(), "{search:?}: {:?}", read.problems);
        assert!(!read.any, "{search:?} names no setting");
    }
}

#[test]
fn refused_values_are_named_and_replaced_by_defaults() {
    // (query, words every problem list must contain, what must still hold)
    type Check = fn(&Config) -> bool;
    let cases: &[(&str, &[&str], Check)] = &[
        (
            "job.parallelism=0",
            &[
                "`job.parallelism=0`",
                "must be between 1 and",
                "the default 4 is used",
            ],
            |c| c.job.parallelism == 4,
        ),
        (
            "checkpointing.codec=zstd",
            &["`checkpointing.codec=zstd`", "refused"],
            |c| c.checkpointing.codec == Config::default().checkpointing.codec,
        ),
        (
            "link.bandwidth_mbit_s=fast",
            &["`link.bandwidth_mbit_s=fast`", "not a number"],
            |c| c.link.bandwidth_mbit_s == Config::default().link.bandwidth_mbit_s,
        ),
        ("bogus=1", &["`bogus`", "unknown"], |c| {
            c.workload == Config::default().workload && c.job == Config::default().job
        }),
        (
            "checkpointing.incremental=maybe",
            &["expected true or false"],
            |c| c.checkpointing.incremental == Config::default().checkpointing.incremental,
        ),
        ("seed=seven", &["`seed=seven`", "not a number"], |c| {
            c.seed == 42
        }),
        (
            "job.parallelism=3&job.parallelism=5",
            &["`job.parallelism` appears more than once"],
            |c| c.job.parallelism == 3,
        ),
        // A rule between settings: the setting the URL changed is the one dropped.
        ("job.max_parallelism=2", &["`job.max_parallelism=2`"], |c| {
            c.job.max_parallelism == Config::default().job.max_parallelism
        }),
        (
            "checkpointing.policy.kind=warp",
            &["`checkpointing.policy.kind=warp`"],
            |c| c.checkpointing.policy == Config::default().checkpointing.policy,
        ),
    ];
    for (query, words, holds) in cases {
        // Every bad value keeps the good ones beside it.
        let search = format!("?seed=7&{query}&checkpointing.incremental=true");
        let search = if query.starts_with("checkpointing.incremental") || query.starts_with("seed")
        {
            format!("?{query}")
        } else {
            search
        };
        let read = from_query(&search);
        let all = read.problems.join(" · ");
        for w in *words {
            assert!(all.contains(w), "{search}: {all:?} lacks {w:?}");
        }
        assert!(holds(&read.config), "{search}: {:?}", read.config);
        assert!(read.config.validate().is_ok(), "{search}: a valid run");
        if search.contains("&checkpointing.incremental=true") {
            assert_eq!(read.config.seed, 7, "{search}: the seed is kept");
            assert!(read.config.checkpointing.incremental, "{search}: kept");
        }
    }
}

#[test]
fn query_text_is_percent_encoded_and_decoded() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("?a=b&c=d", &[("a", "b"), ("c", "d")]),
        ("a=b", &[("a", "b")]),
        ("?a", &[("a", "")]),
        ("?a=1%202&b=x+y", &[("a", "1 2"), ("b", "x y")]),
        ("?k=%E2%86%92", &[("k", "→")]),
        ("?k=100%", &[("k", "100%")]),
        ("?k=%zz", &[("k", "%zz")]),
        ("?&&a=1&&", &[("a", "1")]),
    ];
    for (search, want) in cases {
        let got = parse_query(search);
        let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(&got, want, "{search}");
    }
    for text in ["plain", "a b", "x&y=z", "→ ✓", "50%", "[1,2]"] {
        let encoded = encode(text);
        assert!(!encoded.contains(['&', '=', ' ']), "{encoded}");
        assert_eq!(decode(&encoded), text);
    }
}

#[test]
fn the_address_bar_keeps_its_switches() {
    let cases: &[(&str, &str, &str)] = &[
        ("seed=7", "", "seed=7"),
        ("seed=7", "?seed=3&job.parallelism=2", "seed=7"),
        ("seed=7", "?perf=1&seed=3", "seed=7&perf=1"),
        (
            "seed=7",
            "?panic=test&selftest=digest",
            "seed=7&panic=test&selftest=digest",
        ),
        ("seed=7", "?present=1&seed=3", "seed=7&present=1"),
        ("seed=7", "?slowmo=0", "seed=7&slowmo=0"),
    ];
    for (settings, current, want) in cases {
        assert_eq!(address_query(settings, current), *want, "{current}");
    }
    // Presenter mode on and off keeps the rest of the address.
    assert_eq!(
        with_flag("?seed=7&perf=1", "present", true),
        "seed=7&perf=1&present=1"
    );
    assert_eq!(with_flag("?seed=7&present=1", "present", false), "seed=7");
    assert_eq!(with_flag("", "present", true), "present=1");
    // Page switches are not settings: they are never refused or written as settings.
    let read = from_query("?present=1&slowmo=0&seed=4");
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert_eq!(read.config.seed, 4);
    assert!(query_has("?perf=1&seed=2", "perf", "1"));
    assert!(query_has("selftest=digest", "selftest", "digest"));
    assert!(!query_has("?perf=10", "perf", "1"));
    assert!(!query_has("", "perf", "1"));
}
