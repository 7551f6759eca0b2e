//! Scrubbing: how long it takes to show any moment of a 10-minute run of the default
//! config, with the timeline's keyframes under the browser's 256 MiB budget. Prints the
//! latency of seeking to 200 moments spread over the run (median, p95, max), the
//! keyframes kept and their estimated memory. Aim: at most 100 ms for any moment.
//! Run with `cargo bench --bench timeline`.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use statelab::engine::config::Config;
    use statelab::engine::rng::{below, draw, Stream};
    use statelab::engine::sim::Simulation;
    use statelab::lab::timeline::Timeline;
    use std::time::Instant;

    let minutes: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let end = minutes * 60_000_000;
    let mut sim = Simulation::new(Config::default(), None).expect("defaults run");
    let mut timeline = Timeline::new(&sim, 256 << 20);
    let started = Instant::now();
    // Frames of a sixtieth of a second at 1×, as the browser records them.
    while sim.now_us() < end {
        sim.advance_to((sim.now_us() + 16_667).min(end));
        timeline.record(0, &sim);
    }
    let recording = started.elapsed().as_secs_f64();
    let mut latencies: Vec<f64> = (0..200u64)
        .map(|i| {
            let t = below(draw(7, Stream::Value, i), end);
            let started = Instant::now();
            let seen = timeline.seek(0, t);
            assert_eq!(seen.now_us(), t);
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let m = timeline.memory();
    println!(
        "timeline/scrub_default_{minutes}_min: seek median {:.1} ms, p95 {:.1} ms, max {:.1} ms over 200 moments; {} keyframes every {:.0} s, estimated {:.1} MiB of a {} MiB budget (recording took {recording:.1} s)",
        latencies[100],
        latencies[190],
        latencies[199],
        m.keyframes,
        m.spacing_us as f64 / 1e6,
        m.estimated_bytes as f64 / (1 << 20) as f64,
        m.budget_bytes >> 20,
    );
}

#[cfg(target_arch = "wasm32")]
fn main() {}
