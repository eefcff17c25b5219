//! Areas of interest: who sees whom, and which moves each client is sent.
//!
//! Each hall is cut into square cells ([`madang_shared::rules::cell_of`]); a person sees the 3×3
//! block of cells around their own. Because everyone has the same reach, "A sees B" is
//! symmetric, and it only changes when someone crosses a cell border (or arrives, or leaves).
//! So the relation is kept up to date incrementally: a crossing costs the people near it, and a
//! tick in which nobody crosses a border costs nothing here.
//!
//! Moves are gathered once per tick by cell ([`Interest::collect_moves`]); each client's snapshot
//! is then the moves of its nine cells. The work per tick is the number of moves plus the size
//! of what is sent, never the square of the people in the hall.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use madang_shared::Vec2;
use madang_shared::protocol::{AvatarId, AvatarInfo, Moved, Role};
use madang_shared::rules::{Cell, QPos, cell_of, cells_adjacent, cells_around};

/// How many ticks an avatar's position keeps being sent after it last changed, so that a lost
/// unreliable snapshot does not leave a stopped avatar in the wrong place for others.
pub const RESEND_TICKS: u8 = 5;

/// How far (in tiles) past a cell's border someone must go before they count as in the next
/// cell: a person pacing on a border would otherwise change cells every step, and each change
/// tells everyone near who entered and left their view. (A quarter of the cell at most.)
pub const CELL_HYSTERESIS_TILES: f32 = 1.0;

/// The cell of `pos` for someone now counted in `current`: `current` while `pos` is within the
/// hysteresis margin around it, else the cell `pos` is in.
pub fn cell_with_hysteresis(pos: Vec2, current: Cell, cell_tiles: u32) -> Cell {
    let size = cell_tiles.max(1) as f32;
    let margin = CELL_HYSTERESIS_TILES.min(size / 4.0);
    let near = |p: f32, c: i32| p >= c as f32 * size - margin && p < (c + 1) as f32 * size + margin;
    if near(pos.x, current.0) && near(pos.y, current.1) {
        current
    } else {
        cell_of(pos, cell_tiles)
    }
}

/// A change in who sees whom, to be told to `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Enter { to: AvatarId, who: AvatarId },
    Leave { to: AvatarId, who: AvatarId },
}

#[derive(Debug)]
struct Tracked {
    hall: u16,
    cell: Cell,
    qpos: QPos,
    name: Arc<str>,
    role: Role,
    knows: HashSet<AvatarId>,
    /// Ticks left during which this avatar's position is sent to those who see it.
    fresh: u8,
}

/// The interest state of every hall.
#[derive(Debug)]
pub struct Interest {
    cell_tiles: u32,
    cells: HashMap<(u16, Cell), Vec<AvatarId>>,
    tracked: HashMap<AvatarId, Tracked>,
    /// Avatars with `fresh > 0`.
    fresh: Vec<AvatarId>,
    /// This tick's moves by cell, built by [`Interest::collect_moves`].
    moves: HashMap<(u16, Cell), Vec<Moved>>,
}

impl Interest {
    pub fn new(cell_tiles: u32) -> Self {
        Interest {
            cell_tiles: cell_tiles.max(1),
            cells: HashMap::new(),
            tracked: HashMap::new(),
            fresh: Vec::new(),
            moves: HashMap::new(),
        }
    }

    /// The cell `id` is in.
    pub fn cell(&self, id: AvatarId) -> Option<Cell> {
        self.tracked.get(&id).map(|t| t.cell)
    }

    /// Everyone in a hall whose view holds `cell`: those in the 3×3 cells around it.
    pub fn viewers_of(&self, hall: u16, cell: Cell) -> impl Iterator<Item = AvatarId> + '_ {
        cells_around(cell)
            .filter_map(move |c| self.cells.get(&(hall, c)))
            .flatten()
            .copied()
    }

    /// The side of a cell, in tiles.
    pub fn cell_tiles(&self) -> u32 {
        self.cell_tiles
    }

    /// Who `id` currently sees.
    pub fn known_by(&self, id: AvatarId) -> impl Iterator<Item = AvatarId> + '_ {
        self.tracked
            .get(&id)
            .into_iter()
            .flat_map(|t| t.knows.iter().copied())
    }

    /// What others are told about `id` when it enters their view.
    pub fn info(&self, id: AvatarId) -> Option<AvatarInfo> {
        self.tracked.get(&id).map(|t| AvatarInfo {
            id,
            name: t.name.to_string(),
            role: t.role,
            pos: t.qpos,
        })
    }

    /// Someone arrives in a hall.
    pub fn insert(
        &mut self,
        id: AvatarId,
        hall: u16,
        pos: Vec2,
        name: Arc<str>,
        role: Role,
        out: &mut Vec<Notice>,
    ) {
        let cell = cell_of(pos, self.cell_tiles);
        self.tracked.insert(
            id,
            Tracked {
                hall,
                cell,
                qpos: QPos::from_tiles(pos),
                name,
                role,
                knows: HashSet::new(),
                fresh: 0,
            },
        );
        self.cells.entry((hall, cell)).or_default().push(id);
        self.refresh_view(id, out);
    }

    /// Someone leaves the hall (or the expo): everyone who saw them is told.
    pub fn remove(&mut self, id: AvatarId, out: &mut Vec<Notice>) {
        let Some(t) = self.tracked.remove(&id) else {
            return;
        };
        self.remove_from_cell(id, t.hall, t.cell);
        for other in t.knows {
            if let Some(o) = self.tracked.get_mut(&other) {
                o.knows.remove(&id);
            }
            out.push(Notice::Leave { to: other, who: id });
        }
        self.fresh.retain(|f| *f != id);
    }

    /// Someone moved within their hall.
    pub fn set_position(&mut self, id: AvatarId, pos: Vec2, out: &mut Vec<Notice>) {
        let cell_tiles = self.cell_tiles;
        let Some(t) = self.tracked.get_mut(&id) else {
            return;
        };
        let qpos = QPos::from_tiles(pos);
        if qpos != t.qpos {
            t.qpos = qpos;
            if t.fresh == 0 {
                self.fresh.push(id);
            }
            t.fresh = RESEND_TICKS;
        }
        let cell = cell_with_hysteresis(pos, t.cell, cell_tiles);
        if cell != t.cell {
            let (hall, old) = (t.hall, t.cell);
            t.cell = cell;
            self.remove_from_cell(id, hall, old);
            self.cells.entry((hall, cell)).or_default().push(id);
            self.refresh_view(id, out);
        }
    }

    /// Recomputes whom `id` sees from its current cell, symmetrically, telling both sides of
    /// every change.
    fn refresh_view(&mut self, id: AvatarId, out: &mut Vec<Notice>) {
        let Some(t) = self.tracked.get(&id) else {
            return;
        };
        let (hall, cell) = (t.hall, t.cell);
        let mut now: HashSet<AvatarId> = HashSet::new();
        for c in cells_around(cell) {
            if let Some(members) = self.cells.get(&(hall, c)) {
                now.extend(members.iter().copied().filter(|&m| m != id));
            }
        }
        let before = std::mem::take(
            &mut self
                .tracked
                .get_mut(&id)
                .expect("the avatar was found above")
                .knows,
        );
        for &gone in before.difference(&now) {
            if let Some(o) = self.tracked.get_mut(&gone) {
                o.knows.remove(&id);
            }
            out.push(Notice::Leave { to: id, who: gone });
            out.push(Notice::Leave { to: gone, who: id });
        }
        for &new in now.difference(&before) {
            if let Some(o) = self.tracked.get_mut(&new) {
                o.knows.insert(id);
            }
            out.push(Notice::Enter { to: id, who: new });
            out.push(Notice::Enter { to: new, who: id });
        }
        self.tracked
            .get_mut(&id)
            .expect("the avatar was found above")
            .knows = now;
    }

    fn remove_from_cell(&mut self, id: AvatarId, hall: u16, cell: Cell) {
        if let Some(members) = self.cells.get_mut(&(hall, cell)) {
            if let Some(i) = members.iter().position(|m| *m == id) {
                members.swap_remove(i);
            }
            if members.is_empty() {
                self.cells.remove(&(hall, cell));
            }
        }
    }

    /// Gathers this tick's moves by cell, and ages the resend counters. Call once per tick,
    /// after every position is set and before [`Interest::moves_for`].
    pub fn collect_moves(&mut self) {
        self.moves.clear();
        let tracked = &mut self.tracked;
        let moves = &mut self.moves;
        self.fresh.retain(|id| {
            let Some(t) = tracked.get_mut(id) else {
                return false;
            };
            moves.entry((t.hall, t.cell)).or_default().push(Moved {
                id: *id,
                pos: t.qpos,
            });
            t.fresh = t.fresh.saturating_sub(1);
            t.fresh > 0
        });
    }

    /// The moves `id` should be sent this tick (not its own), at most `limit` of them. When
    /// there are more, which ones are sent rotates with `tick`, so nobody is starved.
    pub fn moves_for(&self, id: AvatarId, tick: u32, limit: usize, out: &mut Vec<Moved>) {
        out.clear();
        let Some(t) = self.tracked.get(&id) else {
            return;
        };
        let mut total = 0;
        for c in cells_around(t.cell) {
            if let Some(m) = self.moves.get(&(t.hall, c)) {
                total += m.len();
            }
        }
        let skip = if total > limit {
            (tick as usize * limit) % total
        } else {
            0
        };
        let mut seen = 0;
        for c in cells_around(t.cell) {
            let Some(moves) = self.moves.get(&(t.hall, c)) else {
                continue;
            };
            for m in moves {
                let k = seen;
                seen += 1;
                if m.id == id {
                    continue;
                }
                // Walk the ring from `skip`, wrapping once.
                let in_window = if total > limit {
                    (k + total - skip) % total < limit
                } else {
                    true
                };
                if in_window && out.len() < limit {
                    out.push(*m);
                }
            }
        }
    }

    /// Whether `a` sees `b`, by the invariant the incremental updates keep.
    pub fn should_see(&self, a: AvatarId, b: AvatarId) -> bool {
        match (self.tracked.get(&a), self.tracked.get(&b)) {
            (Some(x), Some(y)) => a != b && x.hall == y.hall && cells_adjacent(x.cell, y.cell),
            _ => false,
        }
    }

    /// Whether `a`'s view currently holds `b`.
    pub fn sees(&self, a: AvatarId, b: AvatarId) -> bool {
        self.tracked.get(&a).is_some_and(|t| t.knows.contains(&b))
    }

    /// People per hall.
    pub fn people_in(&self, hall: u16) -> usize {
        self.tracked.values().filter(|t| t.hall == hall).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn name(n: &str) -> Arc<str> {
        Arc::from(n)
    }

    fn at(x: f32, y: f32) -> Vec2 {
        Vec2::new(x, y)
    }

    fn put(i: &mut Interest, id: u32, hall: u16, pos: Vec2, out: &mut Vec<Notice>) {
        i.insert(AvatarId(id), hall, pos, name("p"), Role::Visitor, out);
    }

    #[test]
    fn people_in_neighbouring_cells_see_each_other_and_far_ones_do_not() {
        let mut i = Interest::new(16);
        let mut out = Vec::new();
        put(&mut i, 1, 0, at(2.0, 2.0), &mut out);
        put(&mut i, 2, 0, at(20.0, 2.0), &mut out);
        put(&mut i, 3, 0, at(60.0, 2.0), &mut out);
        assert!(i.sees(AvatarId(1), AvatarId(2)) && i.sees(AvatarId(2), AvatarId(1)));
        assert!(
            !i.sees(AvatarId(1), AvatarId(3)),
            "60 tiles away is out of view"
        );
        assert!(out.contains(&Notice::Enter {
            to: AvatarId(1),
            who: AvatarId(2)
        }));
        assert!(!out.iter().any(|n| matches!(
            n,
            Notice::Enter {
                to: AvatarId(3),
                ..
            }
        )));
    }

    #[test]
    fn crossing_cells_enters_and_leaves_views() {
        let mut i = Interest::new(16);
        let mut out = Vec::new();
        put(&mut i, 1, 0, at(2.0, 2.0), &mut out);
        put(&mut i, 2, 0, at(40.0, 2.0), &mut out);
        assert!(!i.sees(AvatarId(1), AvatarId(2)));
        out.clear();
        i.set_position(AvatarId(2), at(30.0, 2.0), &mut out);
        assert!(i.sees(AvatarId(1), AvatarId(2)));
        assert!(out.contains(&Notice::Enter {
            to: AvatarId(1),
            who: AvatarId(2)
        }));
        out.clear();
        i.set_position(AvatarId(2), at(50.0, 2.0), &mut out);
        assert!(!i.sees(AvatarId(1), AvatarId(2)));
        assert!(out.contains(&Notice::Leave {
            to: AvatarId(1),
            who: AvatarId(2)
        }));
    }

    #[test]
    fn halls_do_not_see_each_other() {
        let mut i = Interest::new(16);
        let mut out = Vec::new();
        put(&mut i, 1, 0, at(2.0, 2.0), &mut out);
        put(&mut i, 2, 1, at(2.0, 2.0), &mut out);
        assert!(!i.sees(AvatarId(1), AvatarId(2)));
    }

    #[test]
    fn leaving_tells_everyone_who_saw() {
        let mut i = Interest::new(16);
        let mut out = Vec::new();
        for k in 1..=3 {
            put(&mut i, k, 0, at(k as f32, 2.0), &mut out);
        }
        out.clear();
        i.remove(AvatarId(2), &mut out);
        assert_eq!(out.len(), 2);
        assert!(out.contains(&Notice::Leave {
            to: AvatarId(1),
            who: AvatarId(2)
        }));
        assert!(!i.sees(AvatarId(1), AvatarId(2)));
    }

    #[test]
    fn moves_reach_only_those_near_and_are_resent_a_few_ticks() {
        let mut i = Interest::new(16);
        let mut out = Vec::new();
        put(&mut i, 1, 0, at(2.0, 2.0), &mut out);
        put(&mut i, 2, 0, at(4.0, 2.0), &mut out);
        put(&mut i, 3, 0, at(60.0, 2.0), &mut out);
        i.set_position(AvatarId(2), at(5.0, 2.0), &mut out);
        let mut moves = Vec::new();
        for tick in 0..RESEND_TICKS as u32 {
            i.collect_moves();
            i.moves_for(AvatarId(1), tick, 100, &mut moves);
            assert_eq!(moves.len(), 1, "tick {tick}: the move is (re)sent");
            assert_eq!(moves[0].id, AvatarId(2));
            i.moves_for(AvatarId(3), tick, 100, &mut moves);
            assert!(moves.is_empty(), "far away sees nothing");
            i.moves_for(AvatarId(2), tick, 100, &mut moves);
            assert!(moves.is_empty(), "nobody is sent their own move");
        }
        i.collect_moves();
        i.moves_for(AvatarId(1), 9, 100, &mut moves);
        assert!(moves.is_empty(), "a stopped avatar stops being sent");
    }

    #[test]
    fn a_crowd_is_sent_in_turns_within_the_limit() {
        let mut i = Interest::new(16);
        let mut out = Vec::new();
        for k in 0..50 {
            i.insert(
                AvatarId(k),
                0,
                at(1.0 + (k % 10) as f32, 1.0 + (k / 10) as f32),
                name("x"),
                Role::Visitor,
                &mut out,
            );
        }
        for k in 0..50 {
            i.set_position(
                AvatarId(k),
                at(1.5 + (k % 10) as f32, 1.0 + (k / 10) as f32),
                &mut out,
            );
        }
        let mut seen = HashSet::new();
        let mut moves = Vec::new();
        i.collect_moves();
        for tick in 0..5 {
            i.moves_for(AvatarId(0), tick, 20, &mut moves);
            assert!(moves.len() <= 20);
            seen.extend(moves.iter().map(|m| m.id));
        }
        assert_eq!(seen.len(), 49, "everyone else is sent within a few ticks");
    }

    #[test]
    fn pacing_on_a_cell_border_changes_no_views_until_one_really_crosses() {
        let mut i = Interest::new(16);
        let mut out = Vec::new();
        put(&mut i, 1, 0, at(15.5, 2.0), &mut out);
        put(&mut i, 2, 0, at(47.0, 2.0), &mut out);
        assert!(!i.sees(AvatarId(1), AvatarId(2)), "cells 0 and 2");
        out.clear();
        // Back and forth over the border at x = 16, less than a tile past it.
        for k in 0..40 {
            let x = if k % 2 == 0 { 16.4 } else { 15.6 };
            i.set_position(AvatarId(1), at(x, 2.0), &mut out);
        }
        assert!(out.is_empty(), "no view changed: {out:?}");
        assert_eq!(i.cell(AvatarId(1)), Some((0, 0)));
        // A tile and a half past it: now in cell 1, and 2 comes into view.
        i.set_position(AvatarId(1), at(17.5, 2.0), &mut out);
        assert_eq!(i.cell(AvatarId(1)), Some((1, 0)));
        assert!(i.sees(AvatarId(1), AvatarId(2)));
        // And back: it stays in cell 1 until it is a tile inside cell 0.
        i.set_position(AvatarId(1), at(15.2, 2.0), &mut out);
        assert_eq!(i.cell(AvatarId(1)), Some((1, 0)));
        i.set_position(AvatarId(1), at(14.9, 2.0), &mut out);
        assert_eq!(i.cell(AvatarId(1)), Some((0, 0)));
    }

    proptest! {
        /// After any sequence of arrivals, moves and departures, the incremental view equals the
        /// one computed from scratch, and it is symmetric.
        #[test]
        fn incremental_views_match_the_definition(
            ops in prop::collection::vec((0u32..12, 0u8..3, 0f32..100.0, 0f32..60.0, 0u16..2), 1..200)
        ) {
            let mut i = Interest::new(16);
            let mut out = Vec::new();
            // What each client would believe, from the notices it was sent.
            let mut views: HashMap<AvatarId, HashSet<AvatarId>> = HashMap::new();
            for (id, op, x, y, hall) in ops {
                let id = AvatarId(id);
                out.clear();
                match op {
                    0 if !i.tracked.contains_key(&id) => {
                        views.insert(id, HashSet::new());
                        i.insert(id, hall, at(x, y), name("p"), Role::Visitor, &mut out)
                    }
                    1 => i.set_position(id, at(x, y), &mut out),
                    2 => i.remove(id, &mut out),
                    _ => {}
                }
                for n in &out {
                    match *n {
                        Notice::Enter { to, who } => {
                            prop_assert!(views.entry(to).or_default().insert(who), "entered twice");
                        }
                        Notice::Leave { to, who } => {
                            prop_assert!(views.entry(to).or_default().remove(&who), "left without entering");
                        }
                    }
                }
            }
            let ids: Vec<AvatarId> = i.tracked.keys().copied().collect();
            // Nobody is counted more than the margin away from the cell they stand in.
            for t in i.tracked.values() {
                let p = t.qpos.to_tiles();
                let lo = |c: i32| c as f32 * 16.0 - CELL_HYSTERESIS_TILES - 0.01;
                let hi = |c: i32| (c + 1) as f32 * 16.0 + CELL_HYSTERESIS_TILES + 0.01;
                prop_assert!(p.x >= lo(t.cell.0) && p.x < hi(t.cell.0), "{:?} in {:?}", p, t.cell);
                prop_assert!(p.y >= lo(t.cell.1) && p.y < hi(t.cell.1), "{:?} in {:?}", p, t.cell);
            }
            for &a in &ids {
                for &b in &ids {
                    prop_assert_eq!(i.sees(a, b), i.should_see(a, b), "{:?} / {:?}", a, b);
                }
                let known: HashSet<AvatarId> = i.known_by(a).collect();
                prop_assert_eq!(views.get(&a).cloned().unwrap_or_default(), known);
            }
        }
    }
}
