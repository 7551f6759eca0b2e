//! The Pareto plot's geometry: overhead (bytes shipped per hour, or the link's use)
//! across, expected recovery (the mean recovery time, or the recovery point: how old
//! the restored state is) up, every measured cell a point, the front of cells no other
//! beats on both drawn as a staircase. Pixel positions are computed here, for a plot of
//! the size the page has, so the Yew component only draws them.

use crate::engine::report::format::{bytes_f, percent, sig3};
use crate::engine::report::sweep::CellResult;

/// What goes across.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Overhead {
    #[default]
    BytesPerHour,
    LinkUse,
}

/// What goes up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Exposure {
    #[default]
    RecoveryTime,
    RecoveryPoint,
}

impl Overhead {
    pub fn label(self) -> &'static str {
        match self {
            Overhead::BytesPerHour => "bytes shipped per hour",
            Overhead::LinkUse => "link use (share of its capacity)",
        }
    }

    pub fn of(self, r: &CellResult) -> f64 {
        match self {
            Overhead::BytesPerHour => r.bytes_shipped_per_hour,
            Overhead::LinkUse => r.link_utilisation,
        }
    }

    pub fn text(self, v: f64) -> String {
        match self {
            Overhead::BytesPerHour => bytes_f(v),
            Overhead::LinkUse => percent(v),
        }
    }
}

impl Exposure {
    pub fn label(self) -> &'static str {
        match self {
            Exposure::RecoveryTime => "expected recovery time (mean over crash times)",
            Exposure::RecoveryPoint => "expected recovery point (age of the restored state)",
        }
    }

    /// The mean over crash times; infinite when the job never catches up.
    pub fn of(self, r: &CellResult) -> f64 {
        match self {
            Exposure::RecoveryTime => crate::engine::report::sweep::expected_recovery_s(r),
            Exposure::RecoveryPoint => r
                .exposure
                .recovery_point_s
                .map_or(f64::INFINITY, |s| s.mean),
        }
    }
}

/// One cell on the plot.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// The cell's index in the sweep.
    pub cell: usize,
    pub x: f64,
    pub y: f64,
    pub on_front: bool,
    pub flink_possible: bool,
    /// The running setting's cell.
    pub current: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub at: f64,
    pub text: String,
}

/// A plot laid out in pixels, y growing downwards.
#[derive(Clone, Debug, PartialEq)]
pub struct Plot {
    pub width: f64,
    pub height: f64,
    /// The drawing area inside the axes: left, top, right, bottom.
    pub area: (f64, f64, f64, f64),
    pub points: Vec<Point>,
    /// The front as a staircase through its points, left to right.
    pub front: Vec<(f64, f64)>,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    pub x_label: &'static str,
    pub y_label: &'static str,
    /// Cells that cannot be placed: the job never catches up after a crash.
    pub off_chart: Vec<usize>,
}

/// Indices (into `points`) of those no other point matches or beats on both, the lower
/// the better; sorted by x.
pub fn front(points: &[(f64, f64)]) -> Vec<usize> {
    let mut on: Vec<usize> = (0..points.len())
        .filter(|&i| {
            let (x, y) = points[i];
            x.is_finite()
                && y.is_finite()
                && !points
                    .iter()
                    .enumerate()
                    .any(|(j, &(ox, oy))| j != i && ox <= x && oy <= y && (ox < x || oy < y))
        })
        .collect();
    on.sort_by(|&a, &b| points[a].0.total_cmp(&points[b].0));
    on
}

/// A round step for about `n` ticks up to `max`.
fn step_for(max: f64, n: f64) -> f64 {
    let raw = (max / n).max(f64::MIN_POSITIVE);
    let magnitude = libm::pow(10.0, libm::floor(libm::log10(raw)));
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// Lays out `results` (cell index, result) in a `width` × `height` plot. `current` is the
/// running setting's cell.
pub fn layout(
    results: &[(usize, &CellResult)],
    current: Option<usize>,
    overhead: Overhead,
    exposure: Exposure,
    width: f64,
    height: f64,
) -> Plot {
    let (left, top, right, bottom) = (64.0, 12.0, width - 16.0, height - 44.0);
    let values: Vec<(f64, f64)> = results
        .iter()
        .map(|(_, r)| (overhead.of(r), exposure.of(r)))
        .collect();
    let on_front = front(&values);
    let placed: Vec<usize> = (0..values.len())
        .filter(|&i| values[i].0.is_finite() && values[i].1.is_finite())
        .collect();
    let max_of =
        |f: fn(&(f64, f64)) -> f64| placed.iter().map(|&i| f(&values[i])).fold(0.0f64, f64::max);
    let x_step = step_for(max_of(|v| v.0).max(1e-9), 5.0);
    let y_step = step_for(max_of(|v| v.1).max(1e-9), 4.0);
    // The axes end on the first tick at or past the largest value.
    let x_max = libm::ceil(max_of(|v| v.0) / x_step).max(1.0) * x_step;
    let y_max = libm::ceil(max_of(|v| v.1) / y_step).max(1.0) * y_step;
    let px = |x: f64| left + (right - left) * x / x_max;
    let py = |y: f64| bottom - (bottom - top) * y / y_max;
    let ticks = |step: f64, max: f64, at: &dyn Fn(f64) -> f64, text: &dyn Fn(f64) -> String| {
        let n = libm::round(max / step) as usize;
        (0..=n)
            .map(|i| {
                let v = step * i as f64;
                Tick {
                    at: at(v),
                    text: text(v),
                }
            })
            .collect::<Vec<_>>()
    };
    let points: Vec<Point> = placed
        .iter()
        .map(|&i| {
            let (cell, r) = results[i];
            Point {
                cell,
                x: px(values[i].0),
                y: py(values[i].1),
                on_front: on_front.contains(&i),
                flink_possible: r.flink_possible,
                current: current == Some(cell),
            }
        })
        .collect();
    let mut staircase = Vec::new();
    for (n, &i) in on_front.iter().enumerate() {
        let (x, y) = (px(values[i].0), py(values[i].1));
        if n > 0 {
            // Across at the previous (higher) recovery, then down to this point.
            let (_, prev_y) = *staircase.last().unwrap_or(&(x, y));
            staircase.push((x, prev_y));
        }
        staircase.push((x, y));
    }
    Plot {
        width,
        height,
        area: (left, top, right, bottom),
        points,
        front: staircase,
        x_ticks: ticks(x_step, x_max, &px, &|v| overhead.text(v)),
        y_ticks: ticks(y_step, y_max, &py, &|v| format!("{} s", sig3(v))),
        x_label: overhead.label(),
        y_label: exposure.label(),
        off_chart: (0..values.len())
            .filter(|i| !placed.contains(i))
            .map(|i| results[i].0)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_front_of_a_hand_checked_set() {
        // (overhead, recovery): 0, 2 and 4 are on the front; 1 is beaten by 0, 3 by 2
        // (same recovery, more bytes), 5 never catches up.
        let points = [
            (10.0, 9.0),
            (12.0, 9.5),
            (20.0, 4.0),
            (25.0, 4.0),
            (40.0, 1.0),
            (5.0, f64::INFINITY),
        ];
        assert_eq!(front(&points), vec![0, 2, 4]);
        // Two equal points do not beat each other.
        assert_eq!(front(&[(1.0, 1.0), (1.0, 1.0)]), vec![0, 1]);
    }

    #[test]
    fn ticks_are_round_and_cover_the_values() {
        assert_eq!(step_for(100.0, 5.0), 20.0);
        assert_eq!(step_for(9.0, 4.0), 2.5);
        assert_eq!(step_for(0.7, 5.0), 0.2);
    }
}
