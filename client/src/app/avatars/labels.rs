//! Name labels in a crowd: your own label is always shown, on a plate of its own colour and
//! above the others; so are the labels of the people in your conversation (on theirs, lifted
//! over one another where they would cover each other). The rest are placed nearest first, and a label that would cover one already placed is hidden,
//! as are labels far away; labels fade with distance. A ♪ over someone says they are talking.
//!
//! The placement is linear in the people drawn (after sorting them by distance): each label is
//! tested only against the labels in the grid cells it covers.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::text::{TextBackgroundColor, TextLayoutInfo};
use madang_shared::protocol::AvatarId;

use madang_shared::map::TILE_PX;

use super::{LABEL_OFFSET, Speaking};
use crate::app::base::FrameSet;
use crate::app::net::Net;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<LabelStats>();
    app.add_systems(Update, arrange_labels.in_set(FrameSet::View));
}

/// Labels start fading this far from you (pixels of the hall).
const FADE_FROM: f32 = 8.0 * TILE_PX as f32;
/// Labels farther than this are hidden (but for your conversation).
const HIDE_BEYOND: f32 = 18.0 * TILE_PX as f32;
/// At most this many labels of others at once.
const MAX_SHOWN: usize = 60;
/// The grid's cell, in pixels of the hall.
const CELL: f32 = 96.0;
/// How long after a voice frame someone counts as talking.
const TALKING_FOR: Duration = Duration::from_millis(400);

/// The plates: yours, your conversation's, everyone else's.
pub const OWN_PLATE: Color = Color::srgb(0.08, 0.16, 0.29);
pub const TALK_PLATE: Color = Color::srgb(0.05, 0.24, 0.22);
pub const PLATE: Color = Color::srgb(0.1, 0.11, 0.14);

/// A name label, by whose it is (`None`: yours).
#[derive(Component, Clone, Copy)]
pub struct NameLabel(pub Option<AvatarId>);

/// The ♪ over someone, by whose it is.
#[derive(Component, Clone, Copy)]
pub struct TalkingMark(pub AvatarId);

/// What the last arrangement did, for the screenshot's notes and the tests.
#[derive(Resource, Default, Debug, Clone, Copy)]
pub struct LabelStats {
    /// Others' avatars drawn, and their labels shown.
    pub people: usize,
    pub shown: usize,
    /// Labels shown that overlap another shown one.
    pub overlapping: usize,
    /// How many would overlap if every label were shown (as before this arrangement).
    pub overlapping_if_all: usize,
}

/// One label to place: its rectangle (centre and size, pixels), how far its person is from you,
/// and whether it must show.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub centre: Vec2,
    pub size: Vec2,
    pub distance: f32,
    pub always: bool,
}

/// How a label is drawn: shown, how opaque, and how far it was lifted (pixels) to clear the
/// labels placed before it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    pub shown: bool,
    pub alpha: f32,
    pub lift: f32,
}

/// How many label heights a label of your conversation may be lifted to clear the others;
/// past that it is hidden like any other (the conversation box still names everyone in it).
const MAX_LIFTS: usize = 8;

/// How each candidate is drawn. `own` is your label, placed first; then your conversation's,
/// lifted over one another where they would cover each other; then the rest, nearest first,
/// hidden where they would cover one already placed.
pub fn arrange(own: Option<Rect>, candidates: &[Candidate]) -> Vec<Placed> {
    let hidden = Placed {
        shown: false,
        alpha: 1.0,
        lift: 0.0,
    };
    let mut out = vec![hidden; candidates.len()];
    let mut grid = Grid::default();
    if let Some(r) = own {
        grid.insert(r);
    }
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| {
        let (ca, cb) = (&candidates[a], &candidates[b]);
        cb.always
            .cmp(&ca.always)
            .then(ca.distance.total_cmp(&cb.distance))
            .then(a.cmp(&b))
    });
    let mut shown = 0;
    for i in order {
        let c = &candidates[i];
        let rect = Rect::from_center_size(c.centre, c.size);
        let fade = ((c.distance - FADE_FROM) / (HIDE_BEYOND - FADE_FROM)).clamp(0.0, 1.0);
        let alpha = 1.0 - 0.6 * fade;
        if c.always {
            // Lifted a label's height at a time until clear (or as high as it may go).
            let lift = (0..=MAX_LIFTS)
                .map(|k| k as f32 * (c.size.y + 2.0))
                .find(|&dy| !grid.overlaps(rect.lifted(dy)));
            if let Some(lift) = lift {
                grid.insert(rect.lifted(lift));
                out[i] = Placed {
                    shown: true,
                    alpha: 1.0,
                    lift,
                };
            }
        } else if shown < MAX_SHOWN && c.distance <= HIDE_BEYOND && !grid.overlaps(rect) {
            grid.insert(rect);
            shown += 1;
            out[i] = Placed {
                shown: true,
                alpha,
                lift: 0.0,
            };
        }
    }
    out
}

/// A rectangle moved up (y up, as the hall is drawn).
trait Lift {
    fn lifted(self, dy: f32) -> Rect;
}

impl Lift for Rect {
    fn lifted(self, dy: f32) -> Rect {
        Rect::from_corners(self.min + Vec2::Y * dy, self.max + Vec2::Y * dy)
    }
}

/// How many of `rects` overlap at least one other.
pub fn overlapping(rects: &[Rect]) -> usize {
    let mut grid = Grid::default();
    for r in rects {
        grid.insert(*r);
    }
    rects
        .iter()
        .filter(|r| grid.count_overlaps(**r) > 1)
        .count()
}

/// Rectangles by the grid cells they cover.
#[derive(Default)]
struct Grid {
    rects: Vec<Rect>,
    cells: HashMap<(i32, i32), Vec<usize>>,
}

impl Grid {
    fn cells_of(r: Rect) -> impl Iterator<Item = (i32, i32)> {
        let (x0, y0) = (
            (r.min.x / CELL).floor() as i32,
            (r.min.y / CELL).floor() as i32,
        );
        let (x1, y1) = (
            (r.max.x / CELL).floor() as i32,
            (r.max.y / CELL).floor() as i32,
        );
        (y0..=y1).flat_map(move |y| (x0..=x1).map(move |x| (x, y)))
    }

    fn insert(&mut self, r: Rect) {
        let i = self.rects.len();
        self.rects.push(r);
        for c in Self::cells_of(r) {
            self.cells.entry(c).or_default().push(i);
        }
    }

    fn touching(&self, r: Rect) -> Vec<usize> {
        let mut found: Vec<usize> = Self::cells_of(r)
            .filter_map(|c| self.cells.get(&c))
            .flatten()
            .copied()
            .filter(|&i| {
                let o = self.rects[i];
                !o.intersect(r).is_empty() && o.intersect(r).size().min_element() > 0.5
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    fn overlaps(&self, r: Rect) -> bool {
        !self.touching(r).is_empty()
    }

    fn count_overlaps(&self, r: Rect) -> usize {
        self.touching(r).len()
    }
}

#[allow(clippy::type_complexity)]
fn arrange_labels(
    net: Res<Net>,
    speaking: Res<Speaking>,
    parents: Query<&GlobalTransform>,
    mut labels: Query<(
        &NameLabel,
        &ChildOf,
        &TextLayoutInfo,
        &mut Transform,
        &mut Visibility,
        &mut TextColor,
        &mut TextBackgroundColor,
    )>,
    mut marks: Query<(&TalkingMark, &mut Visibility), Without<NameLabel>>,
    mut stats: ResMut<LabelStats>,
) {
    let Some(session) = net.session.as_ref() else {
        return;
    };
    let in_talk: Vec<AvatarId> = session
        .talk
        .conversation
        .as_ref()
        .map(|c| c.members.clone())
        .unwrap_or_default();
    let Some(me) = session.me.as_ref() else {
        return;
    };
    let my_pos = crate::app::base::to_world(me.pos);
    let mut own = None;
    let mut candidates = Vec::new();
    let mut entities = Vec::new();
    for (label, parent, layout, ..) in &labels {
        let Ok(at) = parents.get(parent.parent()) else {
            continue;
        };
        let size = layout.size.max(Vec2::splat(1.0));
        // Anchored at its bottom centre, `local.translation.y` above the avatar.
        let centre = at.translation().truncate() + Vec2::new(0.0, LABEL_OFFSET + size.y / 2.0);
        match label.0 {
            None => own = Some(Rect::from_center_size(centre, size)),
            Some(id) => {
                candidates.push(Candidate {
                    centre,
                    size,
                    distance: centre.distance(my_pos),
                    always: in_talk.contains(&id),
                });
                entities.push(id);
            }
        }
    }
    let placed = arrange(own, &candidates);
    let shown_rects: Vec<Rect> = candidates
        .iter()
        .zip(&placed)
        .filter(|(_, p)| p.shown)
        .map(|(c, p)| Rect::from_center_size(c.centre, c.size).lifted(p.lift))
        .collect();
    let all_rects: Vec<Rect> = candidates
        .iter()
        .map(|c| Rect::from_center_size(c.centre, c.size))
        .collect();
    *stats = LabelStats {
        people: candidates.len(),
        shown: shown_rects.len(),
        overlapping: overlapping(&shown_rects),
        overlapping_if_all: overlapping(&all_rects),
    };
    let placed_by: HashMap<AvatarId, Placed> = entities.into_iter().zip(placed).collect();
    for (label, _, _, mut local, mut vis, mut color, mut plate) in &mut labels {
        let mut lift = 0.0;
        let (show, alpha, bg) = match label.0 {
            None => (true, 1.0, OWN_PLATE),
            Some(id) => {
                let p = placed_by.get(&id).copied().unwrap_or(Placed {
                    shown: false,
                    alpha: 1.0,
                    lift: 0.0,
                });
                let (show, alpha) = (p.shown, p.alpha);
                lift = p.lift;
                let bg = if in_talk.contains(&id) {
                    TALK_PLATE
                } else {
                    PLATE
                };
                (show, alpha, bg)
            }
        };
        let y = LABEL_OFFSET + lift;
        if local.translation.y != y {
            local.translation.y = y;
        }
        let want = if show {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
        if *vis != want {
            *vis = want;
        }
        let ink = Color::WHITE.with_alpha(alpha);
        if color.0 != ink {
            color.0 = ink;
        }
        let bg = bg.with_alpha(alpha);
        if plate.0 != bg {
            plate.0 = bg;
        }
    }
    let now = Instant::now();
    for (mark, mut vis) in &mut marks {
        let talking = speaking
            .0
            .iter()
            .any(|(id, at)| *id == mark.0 && now.duration_since(*at) < TALKING_FOR);
        let want = if talking {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
        if *vis != want {
            *vis = want;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(x: f32, y: f32, d: f32) -> Candidate {
        Candidate {
            centre: Vec2::new(x, y),
            size: Vec2::new(60.0, 18.0),
            distance: d,
            always: false,
        }
    }

    #[test]
    fn the_nearer_of_two_covering_labels_shows_and_yours_wins_over_both() {
        let placed = arrange(None, &[at(10.0, 0.0, 50.0), at(0.0, 0.0, 20.0)]);
        let shown: Vec<bool> = placed.iter().map(|p| p.shown).collect();
        assert_eq!(shown, [false, true]);
        let own = Rect::from_center_size(Vec2::new(5.0, 0.0), Vec2::new(60.0, 18.0));
        let placed = arrange(Some(own), &[at(10.0, 0.0, 50.0), at(0.0, 0.0, 20.0)]);
        assert!(
            placed.iter().all(|p| !p.shown),
            "your own label covers both"
        );
    }

    #[test]
    fn your_conversation_always_shows_and_the_far_fade_or_hide() {
        let mut talk = at(0.0, 0.0, 900.0);
        talk.always = true;
        let placed = arrange(None, &[talk, at(500.0, 0.0, 100.0), at(900.0, 0.0, 2000.0)]);
        assert!(placed[0].shown, "in your conversation, even far away");
        assert!(
            placed[1].shown && placed[1].alpha == 1.0,
            "near: fully drawn"
        );
        assert!(!placed[2].shown, "far: hidden");
        let fading = arrange(None, &[at(0.0, 0.0, (FADE_FROM + HIDE_BEYOND) / 2.0)]);
        assert!(fading[0].shown && fading[0].alpha < 1.0 && fading[0].alpha > 0.4);
    }

    #[test]
    fn people_talking_together_are_all_named_one_over_another() {
        let mut a = at(0.0, 0.0, 10.0);
        a.always = true;
        let mut b = at(8.0, 0.0, 12.0);
        b.always = true;
        let own = Rect::from_center_size(Vec2::new(4.0, 0.0), Vec2::new(60.0, 18.0));
        let placed = arrange(Some(own), &[a, b]);
        assert!(placed.iter().all(|p| p.shown));
        assert!(
            placed[0].lift > 0.0 && placed[1].lift > placed[0].lift,
            "{placed:?}"
        );
        let rects: Vec<Rect> = [a, b]
            .iter()
            .zip(&placed)
            .map(|(c, p)| Rect::from_center_size(c.centre, c.size).lifted(p.lift))
            .chain([own])
            .collect();
        assert_eq!(overlapping(&rects), 0);
    }

    #[test]
    fn a_crowd_shows_no_two_labels_on_each_other() {
        // 300 people on a 20 × 15 grid of tiles, a tile apart: every label would cover its
        // neighbours'.
        let cands: Vec<Candidate> = (0..300)
            .map(|i| {
                let (x, y) = ((i % 20) as f32 * 32.0, (i / 20) as f32 * 32.0);
                at(x, y, Vec2::new(x, y).distance(Vec2::new(320.0, 240.0)))
            })
            .collect();
        let placed = arrange(None, &cands);
        let rects = |f: &dyn Fn(usize) -> bool| -> Vec<Rect> {
            (0..cands.len())
                .filter(|&i| f(i))
                .map(|i| Rect::from_center_size(cands[i].centre, cands[i].size))
                .collect()
        };
        let shown = rects(&|i| placed[i].shown);
        assert!(shown.len() >= 30, "{} shown", shown.len());
        assert_eq!(overlapping(&shown), 0);
        assert!(overlapping(&rects(&|_| true)) > 250);
    }
}
