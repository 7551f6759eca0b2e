//! Memory: peak resident memory of a run against the logical size of its state (the exact
//! snapshot size the engine keeps, the sum of every key group's `raw_bytes()`).
//!
//! `cargo bench --bench memory` runs each case in a child process of its own (this binary
//! again, with `--case`), so each peak (`VmHWM` in /proc/self/status) is that case's
//! alone, and prints one table. Arguments filter the cases by name
//! (`cargo bench --bench memory -- 1M`).
//!
//! Each case fills its state for real: uniformly drawn keys at one record per key per
//! virtual second for ten virtual seconds (25 with faults: a crash every four seconds from
//! the fourth on, three crashes and two rescales), so every key is written ten times or more and
//! all but a handful of the keys (e^-10 of them) have state; checkpoints run as configured
//! by default (every 2 s, Snappy, one retained), over a 1 Gbit/s link so that several
//! complete while the state fills. The aim: peak ≤ 2 × logical + 30 MB.
//!
//! Each child also counts its heap (a counting global allocator) and, at the moment the
//! heap peaked, how much of it was the live state, the store's chunks and the oracle: what
//! dominates a case is measured, not guessed.

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use serde::{Deserialize, Serialize};
    use statelab::engine::config::Config;
    use statelab::engine::faults::{Fault, ScheduledFault};
    use statelab::engine::memory;
    use statelab::engine::partitioning::workload::{
        KeyDistribution, KeyKind, RateProfile, SourceConfig, ValueModel,
    };
    use statelab::engine::sim::Simulation;
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts live heap bytes, so a child can say what its peak was made of.
    pub struct Counting;

    static LIVE: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);

    fn grew(by: usize) {
        let live = LIVE.fetch_add(by, Ordering::Relaxed) + by;
        PEAK.fetch_max(live, Ordering::Relaxed);
    }

    // SAFETY: defers every call to the system allocator unchanged; only counts sizes.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: same contract as the caller's.
            let p = unsafe { System.alloc(layout) };
            if !p.is_null() {
                grew(layout.size());
            }
            p
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: same contract as the caller's.
            let p = unsafe { System.alloc_zeroed(layout) };
            if !p.is_null() {
                grew(layout.size());
            }
            p
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: same contract as the caller's.
            unsafe { System.dealloc(ptr, layout) };
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: same contract as the caller's.
            let p = unsafe { System.realloc(ptr, layout, new_size) };
            if !p.is_null() {
                grew(new_size);
                LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            }
            p
        }
    }

    const MB: f64 = 1e6;
    const AIM_FIXED: u64 = 30_000_000;
    const VIRTUAL_S: u64 = 10;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Scenario {
        /// Fill and checkpoint.
        Plain,
        /// The same, crashing three times and rescaling twice on the way.
        Faults,
    }

    #[derive(Clone, Debug)]
    struct Case {
        keys: u32,
        max_p: u32,
        model: ValueModel,
        scenario: Scenario,
    }

    impl Case {
        fn name(&self) -> String {
            let keys = match self.keys {
                k if k % 1_000_000 == 0 => format!("{}M", k / 1_000_000),
                k => format!("{}k", k / 1_000),
            };
            let model = match self.model {
                ValueModel::Counter => "counter".to_string(),
                ValueModel::Events { keep } => format!("events{keep}"),
                ValueModel::RandomBytes { len } => format!("bytes{len}"),
            };
            let faults = match self.scenario {
                Scenario::Plain => "",
                Scenario::Faults => "-crash3-rescale2",
            };
            format!("{keys}-p{}-{model}{faults}", self.max_p)
        }

        fn parse(name: &str) -> Option<Case> {
            cases().into_iter().find(|c| c.name() == name)
        }

        fn config(&self) -> Config {
            let mut c = Config::default();
            let rate = f64::from(self.keys);
            c.workload.source = SourceConfig::Generated {
                key_space: self.keys,
                distribution: KeyDistribution::Uniform,
                key_kind: KeyKind::String,
            };
            c.workload.rate = RateProfile::Constant {
                records_per_s: rate,
            };
            c.workload.value_model = self.model;
            let p = self.max_p.min(4);
            c.job.parallelism = p;
            c.job.max_parallelism = Some(self.max_p);
            // Each subtask could take the whole source, so a replay catches up in seconds
            // whatever the parallelism; channels hold a couple of ticks.
            c.job.records_per_s_per_subtask = rate;
            c.job.channel_capacity = ((rate / 1000.0 / f64::from(p)) as u32 * 2).max(2_000);
            c.link.bandwidth_mbit_s = 1_000.0;
            if self.scenario == Scenario::Faults {
                let fault = |at_ms, fault| ScheduledFault { at_ms, fault };
                // Four seconds apart: each recovery restores, replays, catches up (and is
                // checked) and completes a new checkpoint before the next fault.
                c.faults = vec![
                    fault(4_000, Fault::CrashJob),
                    fault(8_000, Fault::Rescale { parallelism: 8 }),
                    fault(12_000, Fault::CrashJob),
                    fault(16_000, Fault::Rescale { parallelism: 2 }),
                    fault(20_000, Fault::CrashJob),
                ];
            }
            c
        }
    }

    fn cases() -> Vec<Case> {
        let mut all = Vec::new();
        for model in [ValueModel::Counter, ValueModel::Events { keep: 4 }] {
            for keys in [100_000, 1_000_000, 4_000_000] {
                for max_p in [1, 128, 1024] {
                    all.push(Case {
                        keys,
                        max_p,
                        model,
                        scenario: Scenario::Plain,
                    });
                }
            }
            all.push(Case {
                keys: 1_000_000,
                max_p: 128,
                model,
                scenario: Scenario::Faults,
            });
        }
        all
    }

    #[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
    struct Parts {
        state: u64,
        chunks: u64,
        oracle: u64,
        keys: u64,
    }

    /// What a child reports.
    #[derive(Debug, Serialize, Deserialize)]
    struct Measured {
        case: String,
        logical: u64,
        peak_rss: u64,
        estimate: u64,
        peak_heap: u64,
        /// At the heap's peak: live state, stored chunks, oracle, key space.
        at_peak: Parts,
        /// malloc's bytes in use and free-but-held when the resident peak was reached.
        malloc: (u64, u64),
        checkpoints: u64,
        recoveries: usize,
        exactly_once: bool,
        wall_s: f64,
    }

    /// glibc's `struct mallinfo2`: how much of the heap is in use and how much is free
    /// but still held (fragmentation), to tell allocator overhead from the engine's bytes.
    #[repr(C)]
    #[derive(Default)]
    struct MallInfo2 {
        arena: usize,
        ordblks: usize,
        smblks: usize,
        hblks: usize,
        hblkhd: usize,
        usmblks: usize,
        fsmblks: usize,
        uordblks: usize,
        fordblks: usize,
        keepcost: usize,
    }

    extern "C" {
        fn mallinfo2() -> MallInfo2;
    }

    /// (heap bytes in use by malloc, free bytes malloc still holds).
    fn malloc_use() -> (u64, u64) {
        // SAFETY: glibc ≥ 2.33; reads allocator statistics only.
        let m = unsafe { mallinfo2() };
        ((m.uordblks + m.hblkhd) as u64, m.fordblks as u64)
    }

    fn vm_hwm() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    }

    fn run_case(case: &Case) -> Measured {
        let start = std::time::Instant::now();
        let config = case.config();
        let estimate = memory::estimate(&config, None);
        let mut sim = Simulation::new(config, None).expect("valid case config");
        let max_p = sim.partitioning().max_parallelism();
        let parts = |sim: &Simulation| Parts {
            state: (0..max_p)
                .map(|kg| sim.key_group_state(kg).heap_bytes())
                .sum(),
            chunks: sim.store().stored_bytes(),
            oracle: sim.oracle().heap_bytes(),
            keys: sim.workload().keys().heap_bytes(),
        };
        let mut peak_heap = 0;
        let mut at_peak = Parts::default();
        let mut peak_rss_seen = 0;
        let mut malloc_at_rss_peak = (0, 0);
        let end = match case.scenario {
            Scenario::Plain => VIRTUAL_S,
            Scenario::Faults => 25,
        } * 1_000_000;
        let step = 20_000;
        while sim.now_us() < end {
            sim.advance_by(step);
            let live = LIVE.load(Ordering::Relaxed) as u64;
            // Measuring the parts walks every page: only when the peak grew noticeably.
            if live > peak_heap + peak_heap / 50 {
                at_peak = parts(&sim);
            }
            peak_heap = peak_heap.max(live);
            let rss = vm_hwm();
            if rss > peak_rss_seen {
                peak_rss_seen = rss;
                malloc_at_rss_peak = malloc_use();
            }
        }
        // Once the source is drained, the last recovery's check has run.
        let recoveries = sim.recoveries().len();
        let exactly_once = sim
            .recoveries()
            .iter()
            .all(|r| r.exactly_once.as_ref().is_some_and(|e| e.ok()));
        let logical = (0..max_p)
            .map(|kg| sim.key_group_state(kg).raw_bytes())
            .sum();
        Measured {
            case: case.name(),
            logical,
            peak_rss: vm_hwm(),
            estimate: estimate.bytes,
            // The allocator's own record: transients inside a step count too.
            peak_heap: PEAK.load(Ordering::Relaxed) as u64,
            at_peak,
            malloc: malloc_at_rss_peak,
            checkpoints: sim.counts().completed,
            recoveries,
            exactly_once,
            wall_s: start.elapsed().as_secs_f64(),
        }
    }

    pub fn main() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        if let Some(i) = args.iter().position(|a| a == "--case") {
            let case = args
                .get(i + 1)
                .and_then(|n| Case::parse(n))
                .expect("a known case name after --case");
            let m = run_case(&case);
            println!("{}", serde_json::to_string(&m).expect("serialisable"));
            return;
        }
        let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
        let exe = std::env::current_exe().expect("own path");
        println!(
            "| case | keys | max p | value | logical MB | peak RSS MB | ratio | ≤ 2×+30 MB | estimate MB | peak heap MB | at heap peak: state / chunks / oracle / keys / rest MB | malloc at RSS peak: used / free MB | checkpoints | recoveries (exactly-once) | wall s |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for case in cases() {
            let name = case.name();
            if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
                continue;
            }
            let out = std::process::Command::new(&exe)
                .args(["--case", &name])
                .output()
                .expect("child runs");
            let line = String::from_utf8_lossy(&out.stdout);
            let Ok(m) = serde_json::from_str::<Measured>(line.trim()) else {
                println!(
                    "| {name} | failed: {} |",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                continue;
            };
            let aim = m.peak_rss <= 2 * m.logical + AIM_FIXED;
            let p = m.at_peak;
            let rest = m
                .peak_heap
                .saturating_sub(p.state + p.chunks + p.oracle + p.keys);
            let model = match case.model {
                ValueModel::Counter => "counter".to_string(),
                ValueModel::Events { keep } => format!("events (keep {keep})"),
                ValueModel::RandomBytes { len } => format!("{len} random bytes"),
            };
            println!(
                "| {} | {} | {} | {} | {:.1} | {:.1} | {:.2} | {} | {:.1} | {:.1} | {:.1} / {:.1} / {:.1} / {:.1} / {:.1} | {:.1} / {:.1} | {} | {} | {:.1} |",
                m.case,
                case.keys,
                case.max_p,
                model,
                m.logical as f64 / MB,
                m.peak_rss as f64 / MB,
                m.peak_rss as f64 / m.logical as f64,
                if aim { "yes" } else { "**no**" },
                m.estimate as f64 / MB,
                m.peak_heap as f64 / MB,
                m.at_peak.state as f64 / MB,
                m.at_peak.chunks as f64 / MB,
                m.at_peak.oracle as f64 / MB,
                m.at_peak.keys as f64 / MB,
                rest as f64 / MB,
                m.malloc.0 as f64 / MB,
                m.malloc.1 as f64 / MB,
                m.checkpoints,
                if m.recoveries == 0 {
                    "0".to_string()
                } else {
                    format!("{} ({})", m.recoveries, if m.exactly_once { "ok" } else { "VIOLATED" })
                },
                m.wall_s,
            );
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: bench::Counting = bench::Counting;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    bench::main();
}

#[cfg(target_arch = "wasm32")]
fn main() {}
