//! Where a callout goes: beside the thing it points at, never over it. The pipeline is a
//! canvas, so the shell passes in the rectangle the scene really drew the target in this
//! frame (and those of the other callouts' targets); this module picks the callout's box
//! and the two ends of its pointer. Called every frame the picture changes, so a callout
//! follows a barrier down its channel or a chunk along the link.
//!
//! The rules, in order: the box stays inside the bounds (the canvas, or the dock); it
//! never overlaps its own target; among the places that satisfy both it prefers the one
//! covering the least of the other targets and callouts, then the side it took last frame
//! (so it does not jump about while its target moves), then the order of sides asked for.
//! The pointer runs from the box's edge to a point just inside the target, so the pointer
//! lands on the thing and the text stays off it.

use crate::lab::geometry::Rect;

/// Space between a target and its callout, in CSS pixels.
pub const GAP: f64 = 12.0;
/// How far inside the target the pointer ends, at most.
const TIP_INSET: f64 = 3.0;

/// Which side of its target a callout sits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Right,
    Left,
    Below,
    Above,
}

impl Side {
    pub const ALL: [Side; 4] = [Side::Right, Side::Left, Side::Below, Side::Above];

    pub fn id(self) -> &'static str {
        match self {
            Side::Right => "right",
            Side::Left => "left",
            Side::Below => "below",
            Side::Above => "above",
        }
    }
}

/// A callout's place this frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placement {
    /// The callout's box.
    pub rect: Rect,
    pub side: Side,
    /// Where the pointer leaves the box …
    pub from: (f64, f64),
    /// … and where it ends, just inside the target.
    pub tip: (f64, f64),
    /// No place beside the target fits inside the bounds: the box had to cover part of it
    /// (a target as large as the bounds). Never the case for the pipeline's targets.
    pub covers_target: bool,
}

/// `v` held within `[lo, hi]`, without `f64::clamp`'s panic when rounding leaves `lo` a
/// hair above `hi` (a target's inset from both sides of a thin box): then `lo` wins.
fn within(v: f64, lo: f64, hi: f64) -> f64 {
    v.min(hi).max(lo)
}

fn overlap(a: &Rect, b: &Rect) -> f64 {
    let w = (a.right().min(b.right()) - a.x.max(b.x)).max(0.0);
    let h = (a.bottom().min(b.bottom()) - a.y.max(b.y)).max(0.0);
    w * h
}

/// Whether `outer` contains all of `inner`.
fn encloses(outer: &Rect, inner: &Rect) -> bool {
    inside(inner, outer)
}

fn inside(r: &Rect, bounds: &Rect) -> bool {
    r.x >= bounds.x - 0.5
        && r.y >= bounds.y - 0.5
        && r.right() <= bounds.right() + 0.5
        && r.bottom() <= bounds.bottom() + 0.5
}

/// `start` moved so that `[start, start + len]` lies within `[lo, hi]` (if it can).
fn clamp_span(start: f64, len: f64, lo: f64, hi: f64) -> f64 {
    start.min(hi - len).max(lo)
}

/// The box on `side` of `target`, slid along that side to stay in the bounds.
fn candidate(target: &Rect, (w, h): (f64, f64), side: Side, bounds: &Rect) -> Rect {
    match side {
        Side::Right | Side::Left => {
            let x = if side == Side::Right {
                target.right() + GAP
            } else {
                target.x - GAP - w
            };
            let y = clamp_span(target.cy() - h / 2.0, h, bounds.y, bounds.bottom());
            Rect::new(x, y, w, h)
        }
        Side::Below | Side::Above => {
            let y = if side == Side::Below {
                target.bottom() + GAP
            } else {
                target.y - GAP - h
            };
            let x = clamp_span(target.cx() - w / 2.0, w, bounds.x, bounds.right());
            Rect::new(x, y, w, h)
        }
    }
}

/// The pointer from `rect` on `side` of `target` to just inside it.
fn pointer(target: &Rect, rect: &Rect, side: Side) -> ((f64, f64), (f64, f64)) {
    let inset_x = TIP_INSET.min(target.w / 2.0);
    let inset_y = TIP_INSET.min(target.h / 2.0);
    // Along the side, the middle of where box and target face each other (or the nearest
    // point of the target when they do not).
    let along_y = {
        let lo = rect.y.max(target.y);
        let hi = rect.bottom().min(target.bottom());
        if lo <= hi {
            (lo + hi) / 2.0
        } else {
            within(rect.cy(), target.y, target.bottom())
        }
    };
    let along_x = {
        let lo = rect.x.max(target.x);
        let hi = rect.right().min(target.right());
        if lo <= hi {
            (lo + hi) / 2.0
        } else {
            within(rect.cx(), target.x, target.right())
        }
    };
    let clamp_y = |y: f64| within(y, target.y + inset_y, target.bottom() - inset_y);
    let clamp_x = |x: f64| within(x, target.x + inset_x, target.right() - inset_x);
    match side {
        Side::Right => (
            (rect.x, within(along_y, rect.y, rect.bottom())),
            (target.right() - inset_x, clamp_y(along_y)),
        ),
        Side::Left => (
            (rect.right(), within(along_y, rect.y, rect.bottom())),
            (target.x + inset_x, clamp_y(along_y)),
        ),
        Side::Below => (
            (within(along_x, rect.x, rect.right()), rect.y),
            (clamp_x(along_x), target.bottom() - inset_y),
        ),
        Side::Above => (
            (within(along_x, rect.x, rect.right()), rect.bottom()),
            (clamp_x(along_x), target.y + inset_y),
        ),
    }
}

/// Places a callout of `size` (width, height) for `target` inside `bounds`, covering as
/// little of `avoid` (other targets, callouts already placed) as it can. `prefer` orders
/// the sides tried; `last` is the side the callout had last frame.
pub fn place(
    target: Rect,
    size: (f64, f64),
    bounds: Rect,
    avoid: &[Rect],
    prefer: &[Side],
    last: Option<Side>,
) -> Placement {
    let size = (size.0.min(bounds.w).max(1.0), size.1.min(bounds.h).max(1.0));
    let order: Vec<Side> = prefer
        .iter()
        .chain(Side::ALL.iter())
        .fold(Vec::new(), |mut seen, s| {
            if !seen.contains(s) {
                seen.push(*s);
            }
            seen
        });
    let mut best: Option<(f64, Placement)> = None;
    for (rank, side) in order.iter().enumerate() {
        let rect = candidate(&target, size, *side, &bounds);
        if !inside(&rect, &bounds) || overlap(&rect, &target) > 0.0 {
            continue;
        }
        let covered: f64 = avoid.iter().map(|a| overlap(&rect, a)).sum();
        // Covering a little of another thing costs more than any preference of sides;
        // staying on last frame's side is worth a little covering, so small moves of the
        // target do not flip the callout from side to side.
        let stay = if last == Some(*side) { -40.0 } else { 0.0 };
        let score = covered + rank as f64 + stay;
        if best.as_ref().is_none_or(|(b, _)| score < *b) {
            let (from, tip) = pointer(&target, &rect, *side);
            best = Some((
                score,
                Placement {
                    rect,
                    side: *side,
                    from,
                    tip,
                    covers_target: false,
                },
            ));
        }
    }
    if let Some((_, placement)) = best {
        return placement;
    }
    // Nothing beside the target fits: the side with the most room, pushed into the bounds.
    let room = |s: Side| match s {
        Side::Right => bounds.right() - target.right(),
        Side::Left => target.x - bounds.x,
        Side::Below => bounds.bottom() - target.bottom(),
        Side::Above => target.y - bounds.y,
    };
    let side = Side::ALL
        .into_iter()
        .max_by(|a, b| room(*a).total_cmp(&room(*b)))
        .unwrap_or(Side::Right);
    let r = candidate(&target, size, side, &bounds);
    let rect = Rect::new(
        clamp_span(r.x, r.w, bounds.x, bounds.right()),
        clamp_span(r.y, r.h, bounds.y, bounds.bottom()),
        r.w,
        r.h,
    );
    let (from, tip) = pointer(&target, &rect, side);
    Placement {
        rect,
        side,
        from,
        tip,
        covers_target: overlap(&rect, &target) > 0.0,
    }
}

/// One callout to place: its target's rectangle (`None` while the thing is not drawn)
/// and its box's size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Wanted {
    pub target: Option<Rect>,
    pub size: (f64, f64),
    /// The side it had last frame.
    pub last: Option<Side>,
}

/// Places a step's callouts in order: each beside its own target, covering as little as
/// it can of every target, of the callouts placed before it and of `scenery` (the large
/// things drawn around: subtasks, the store). A callout whose target is not drawn gets
/// `None` (the page hides it).
pub fn place_all(
    wanted: &[Wanted],
    scenery: &[Rect],
    bounds: Rect,
    prefer: &[Side],
) -> Vec<Option<Placement>> {
    let targets: Vec<Rect> = wanted.iter().filter_map(|w| w.target).collect();
    let mut placed: Vec<Rect> = Vec::new();
    wanted
        .iter()
        .map(|w| {
            let target = w.target?;
            // A target inside a piece of scenery (a key group in its subtask) covers some
            // of it whatever the side; what it is inside costs every side the same.
            let around = scenery.iter().filter(|r| !encloses(r, &target));
            let avoid: Vec<Rect> = targets
                .iter()
                .filter(|t| **t != target)
                .chain(placed.iter())
                .chain(around)
                .copied()
                .collect();
            let p = place(target, w.size, bounds, &avoid, prefer, w.last);
            placed.push(p.rect);
            Some(p)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: Rect = Rect {
        x: 0.0,
        y: 0.0,
        w: 800.0,
        h: 500.0,
    };

    fn contains(r: &Rect, (x, y): (f64, f64)) -> bool {
        r.contains(x, y)
    }

    #[test]
    fn a_callout_sits_beside_its_target_with_the_pointer_ending_on_it() {
        let target = Rect::new(300.0, 200.0, 100.0, 60.0);
        let p = place(target, (160.0, 50.0), BOUNDS, &[], &[Side::Right], None);
        assert_eq!(p.side, Side::Right);
        assert!(!p.covers_target);
        assert_eq!(overlap(&p.rect, &target), 0.0);
        assert!(inside(&p.rect, &BOUNDS));
        assert!(contains(&target, p.tip), "the pointer ends on the target");
        assert!(
            p.rect.contains(p.from.0, p.from.1),
            "and starts at the callout"
        );
        assert_eq!(p.rect.x, target.right() + GAP);
        assert_eq!(p.rect.cy(), target.cy());
    }

    #[test]
    fn without_room_on_the_preferred_side_it_takes_another() {
        // A target at the right edge: the callout goes left.
        let target = Rect::new(700.0, 0.0, 100.0, 500.0);
        let p = place(target, (160.0, 50.0), BOUNDS, &[], &[Side::Right], None);
        assert_eq!(p.side, Side::Left);
        assert!(!p.covers_target && inside(&p.rect, &BOUNDS));
        // A full-width target at the top: below it.
        let top = Rect::new(0.0, 0.0, 800.0, 100.0);
        let p = place(top, (160.0, 50.0), BOUNDS, &[], &[Side::Right], None);
        assert_eq!(p.side, Side::Below);
        assert!(contains(&top, p.tip));
    }

    #[test]
    fn it_avoids_other_targets_when_it_can() {
        let target = Rect::new(300.0, 200.0, 100.0, 60.0);
        let other = Rect::new(400.0, 100.0, 400.0, 300.0);
        let p = place(
            target,
            (160.0, 50.0),
            BOUNDS,
            &[other],
            &[Side::Right],
            None,
        );
        assert_eq!(overlap(&p.rect, &other), 0.0, "{p:?}");
        assert_ne!(p.side, Side::Right);
    }

    #[test]
    fn it_follows_a_moving_target_and_keeps_its_side() {
        let size = (120.0, 40.0);
        let mut last = None;
        for step in 0..50 {
            let x = 100.0 + step as f64 * 10.0;
            let target = Rect::new(x, 240.0, 12.0, 20.0);
            let p = place(target, size, BOUNDS, &[], &[Side::Above], last);
            assert!(!p.covers_target, "step {step}: {p:?}");
            assert!(contains(&target, p.tip));
            assert!((p.rect.cx() - target.cx()).abs() < 1e-9, "centred above it");
            if let Some(side) = last {
                assert_eq!(side, p.side, "step {step}: no jumping about");
            }
            last = Some(p.side);
        }
    }

    #[test]
    fn near_an_edge_it_slides_along_the_side_instead_of_leaving_the_bounds() {
        let target = Rect::new(300.0, 480.0, 60.0, 18.0);
        let p = place(target, (160.0, 80.0), BOUNDS, &[], &[Side::Right], None);
        assert!(inside(&p.rect, &BOUNDS));
        assert_eq!(p.rect.bottom(), BOUNDS.bottom());
        assert!(contains(&target, p.tip));
    }

    #[test]
    fn a_target_as_large_as_the_bounds_is_the_only_case_covered_and_it_says_so() {
        let p = place(BOUNDS, (160.0, 50.0), BOUNDS, &[], &[Side::Right], None);
        assert!(p.covers_target);
        assert!(inside(&p.rect, &BOUNDS));
    }

    #[test]
    fn tiny_targets_still_get_a_pointer_inside() {
        let target = Rect::new(50.0, 50.0, 2.0, 2.0);
        for side in Side::ALL {
            let p = place(target, (100.0, 30.0), BOUNDS, &[], &[side], None);
            assert!(contains(&target, p.tip), "{side:?}: {p:?}");
            assert!(!p.covers_target);
        }
    }

    #[test]
    fn several_callouts_keep_off_each_other_and_every_target() {
        let a = Rect::new(300.0, 200.0, 40.0, 40.0);
        let b = Rect::new(300.0, 260.0, 40.0, 40.0);
        let wanted = [
            Wanted {
                target: Some(a),
                size: (160.0, 50.0),
                last: None,
            },
            Wanted {
                target: None,
                size: (160.0, 50.0),
                last: None,
            },
            Wanted {
                target: Some(b),
                size: (160.0, 50.0),
                last: None,
            },
        ];
        let placed = place_all(&wanted, &[], BOUNDS, &[Side::Right]);
        assert!(placed[1].is_none(), "a target not drawn hides its callout");
        let (pa, pb) = (placed[0].unwrap(), placed[2].unwrap());
        for p in [pa, pb] {
            assert!(inside(&p.rect, &BOUNDS));
            assert_eq!(overlap(&p.rect, &a) + overlap(&p.rect, &b), 0.0, "{p:?}");
        }
        assert_eq!(overlap(&pa.rect, &pb.rect), 0.0, "{pa:?} {pb:?}");
        assert!(contains(&a, pa.tip) && contains(&b, pb.tip));
    }

    #[test]
    fn thin_targets_and_rounding_never_panic() {
        // Half of an odd height, inset from both sides, can leave the lower bound a hair
        // above the upper one: the pointer still ends on the target.
        let target = Rect::new(700.1, 134.36424411240122, 0.3, 5.0151156742359495);
        for side in Side::ALL {
            let p = place(target, (120.0, 40.0), BOUNDS, &[], &[side], None);
            assert!((p.tip.1 - target.cy()).abs() < 2.0, "{p:?}");
        }
        // Degenerate rectangles (a scene drawn at a tiny size) give a placement, not a panic.
        for bad in [
            Rect::new(10.0, 10.0, -5.0, -5.0),
            Rect::new(f64::NAN, 0.0, 1.0, 1.0),
            Rect::new(0.0, 0.0, 0.0, 0.0),
        ] {
            let _ = place(bad, (50.0, 20.0), BOUNDS, &[], &[Side::Right], None);
        }
    }

    #[test]
    fn callouts_keep_off_the_scenery_around_their_target() {
        // A source box at the left, a subtask box to its right: the callout goes below
        // the source rather than over the subtask.
        let source = Rect::new(10.0, 200.0, 80.0, 100.0);
        let subtask = Rect::new(200.0, 0.0, 300.0, 500.0);
        let wanted = [Wanted {
            target: Some(source),
            size: (160.0, 50.0),
            last: None,
        }];
        let p = place_all(
            &wanted,
            &[subtask, source],
            BOUNDS,
            &[Side::Right, Side::Below],
        )[0]
        .unwrap();
        assert_eq!(overlap(&p.rect, &subtask), 0.0, "{p:?}");
        assert_eq!(p.side, Side::Below);
        // Without the scenery the preferred side wins.
        let p = place_all(&wanted, &[], BOUNDS, &[Side::Right, Side::Below])[0].unwrap();
        assert_eq!(p.side, Side::Right);
    }
}
