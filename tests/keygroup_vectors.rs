//! Key-group assignment checked against vectors computed on the JVM, plus the
//! range rules that must hold for every parallelism.

use proptest::prelude::*;
use statelab::engine::partitioning::keygroups::{Key, Partitioning, UPPER_BOUND_MAX_PARALLELISM};

const VECTORS: &str = include_str!("data/keygroup-vectors.tsv");

#[test]
fn every_jvm_vector_is_reproduced() {
    let mut checked = 0;
    for (line_no, line) in VECTORS.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 7, "line {}: {line:?}", line_no + 1);
        let max_p: u32 = cols[0].parse().unwrap();
        let p: u32 = cols[1].parse().unwrap();
        let key = match cols[2] {
            "s" => Key::Str(cols[3].to_string()),
            "l" => Key::Long(cols[3].parse().unwrap()),
            other => panic!("line {}: unknown kind {other}", line_no + 1),
        };
        let hash: i32 = cols[4].parse().unwrap();
        let kg: u32 = cols[5].parse().unwrap();
        let subtask: u32 = cols[6].parse().unwrap();
        let part = Partitioning::new(p, max_p).unwrap();
        assert_eq!(key.java_hash_code(), hash, "hashCode, line {}", line_no + 1);
        assert_eq!(
            part.key_group_of(&key),
            kg,
            "key group, line {}",
            line_no + 1
        );
        assert_eq!(
            part.subtask_of_key_group(kg),
            subtask,
            "subtask, line {}",
            line_no + 1
        );
        checked += 1;
    }
    assert_eq!(checked, 21, "every vector row must be checked");
}

proptest! {
    #[test]
    fn ranges_tile_all_key_groups(max_p in 1u32..=UPPER_BOUND_MAX_PARALLELISM, p_seed in any::<u32>()) {
        let p = 1 + p_seed % max_p;
        let part = Partitioning::new(p, max_p).unwrap();
        let mut next = 0u32;
        for i in 0..p {
            let r = part.key_group_range(i);
            prop_assert_eq!(r.start, next, "gap or overlap before subtask {}", i);
            prop_assert!(r.end >= r.start, "subtask {} has an empty range", i);
            next = r.end + 1;
        }
        prop_assert_eq!(next, max_p);
    }

    #[test]
    fn subtask_of_key_group_lies_in_its_range(max_p in 1u32..=4096, p_seed in any::<u32>(), kg_seed in any::<u32>()) {
        let p = 1 + p_seed % max_p;
        let kg = kg_seed % max_p;
        let part = Partitioning::new(p, max_p).unwrap();
        let s = part.subtask_of_key_group(kg);
        prop_assert!(s < p);
        prop_assert!(part.key_group_range(s).contains(kg));
    }

    #[test]
    fn key_group_is_below_max_parallelism(s in ".*", v in any::<i64>(), max_p in 1u32..=UPPER_BOUND_MAX_PARALLELISM) {
        let part = Partitioning::new(1, max_p).unwrap();
        prop_assert!(part.key_group_of(&Key::Str(s)) < max_p);
        prop_assert!(part.key_group_of(&Key::Long(v)) < max_p);
    }
}
