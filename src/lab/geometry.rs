//! Where things are drawn, without a canvas: rectangles, and picking what a click or tap
//! touched from the hit regions the last frame recorded.

use super::intent::Selection;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Self {
        Self { x, y, w, h }
    }
    pub fn contains(&self, px: f64, py: f64) -> bool {
        px >= self.x && px <= self.x + self.w && py >= self.y && py <= self.y + self.h
    }
    pub fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }
    pub fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    /// Squared distance from a point to the rectangle (0 inside).
    pub fn distance2(&self, px: f64, py: f64) -> f64 {
        let dx = (self.x - px).max(0.0).max(px - self.right());
        let dy = (self.y - py).max(0.0).max(py - self.bottom());
        dx * dx + dy * dy
    }
    /// The rectangle `t` (0..1) of the way from `a` to `b`.
    pub fn lerp(a: Rect, b: Rect, t: f64) -> Rect {
        Rect::new(
            a.x + (b.x - a.x) * t,
            a.y + (b.y - a.y) * t,
            a.w + (b.w - a.w) * t,
            a.h + (b.h - a.h) * t,
        )
    }
}

/// The smallest text the pipeline draws, in CSS pixels at scale 1 (footers, offsets);
/// every other size is larger. The canvas exposes it × the scale as `data-text-px`.
pub const SMALLEST_TEXT_PX: f64 = 9.5;

/// How much larger the pipeline draws its text and marks than at the normal font: more
/// with the large-font switch, and in presenter mode enough that the smallest text is at
/// least 14 px, readable from the back of a room on a 1080p projector.
pub fn canvas_scale(large_font: bool, presenter: bool) -> f64 {
    match (large_font, presenter) {
        (false, false) => 1.0,
        (true, false) => 1.35,
        (false, true) => 1.6,
        (true, true) => 1.9,
    }
}

/// Something drawn that a click can select.
#[derive(Clone, Debug)]
pub struct Hit {
    pub rect: Rect,
    pub selection: Selection,
}

/// How far from a hit region a tap may land and still pick it, in CSS pixels: fingers are
/// wider than cells.
pub const TAP_SLOP: f64 = 9.0;

/// What a click or tap at (`x`, `y`) picks: the topmost region containing the point (the
/// last drawn), else the nearest within [`TAP_SLOP`].
pub fn pick(hits: &[Hit], x: f64, y: f64) -> Option<Selection> {
    if let Some(h) = hits.iter().rev().find(|h| h.rect.contains(x, y)) {
        return Some(h.selection.clone());
    }
    hits.iter()
        .rev()
        .map(|h| (h.rect.distance2(x, y), h))
        .filter(|(d, _)| *d <= TAP_SLOP * TAP_SLOP)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, h)| h.selection.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presenter_text_is_readable_from_the_back_of_the_room() {
        assert_eq!(canvas_scale(false, false), 1.0);
        assert!(
            canvas_scale(true, false) > 1.2,
            "large font enlarges the canvas too"
        );
        for large in [false, true] {
            assert!(SMALLEST_TEXT_PX * canvas_scale(large, true) >= 14.0);
            assert!(canvas_scale(large, true) >= canvas_scale(large, false));
        }
    }

    #[test]
    fn rectangles() {
        let r = Rect::new(10.0, 20.0, 30.0, 40.0);
        assert_eq!(
            (r.cx(), r.cy(), r.right(), r.bottom()),
            (25.0, 40.0, 40.0, 60.0)
        );
        let cases: &[(f64, f64, bool, f64)] = &[
            (10.0, 20.0, true, 0.0),
            (40.0, 60.0, true, 0.0),
            (25.0, 40.0, true, 0.0),
            (9.0, 40.0, false, 1.0),
            (45.0, 40.0, false, 25.0),
            (43.0, 64.0, false, 25.0),
            (f64::NAN, 40.0, false, 0.0),
        ];
        for (x, y, inside, d2) in cases {
            assert_eq!(r.contains(*x, *y), *inside, "({x}, {y})");
            if x.is_finite() {
                assert_eq!(r.distance2(*x, *y), *d2, "({x}, {y})");
            }
        }
        let b = Rect::new(30.0, 20.0, 10.0, 0.0);
        assert_eq!(Rect::lerp(r, b, 0.0), r);
        assert_eq!(Rect::lerp(r, b, 1.0), b);
        assert_eq!(Rect::lerp(r, b, 0.5), Rect::new(20.0, 20.0, 20.0, 20.0));
    }

    #[test]
    fn a_click_picks_the_topmost_region_and_a_tap_the_nearest() {
        let hits = [
            Hit {
                rect: Rect::new(0.0, 0.0, 100.0, 100.0),
                selection: Selection::Subtask(0),
            },
            Hit {
                rect: Rect::new(10.0, 10.0, 4.0, 4.0),
                selection: Selection::KeyGroup(7),
            },
            Hit {
                rect: Rect::new(200.0, 0.0, 4.0, 4.0),
                selection: Selection::Chunk(3),
            },
            Hit {
                rect: Rect::new(220.0, 0.0, 4.0, 4.0),
                selection: Selection::Checkpoint(2),
            },
        ];
        let cases: &[(f64, f64, Option<Selection>)] = &[
            (12.0, 12.0, Some(Selection::KeyGroup(7))),
            (50.0, 50.0, Some(Selection::Subtask(0))),
            (202.0, 2.0, Some(Selection::Chunk(3))),
            // Between the two: the nearer one.
            (207.0, 2.0, Some(Selection::Chunk(3))),
            (216.0, 2.0, Some(Selection::Checkpoint(2))),
            // Just within the slop, and just beyond it.
            (233.0, 2.0, Some(Selection::Checkpoint(2))),
            (233.5, 2.0, None),
            (150.0, 150.0, None),
        ];
        for (x, y, want) in cases {
            assert_eq!(pick(&hits, *x, *y), *want, "({x}, {y})");
        }
        assert_eq!(pick(&[], 0.0, 0.0), None);
    }
}
