//! Areas of interest: who sees whom, and which moves each client is sent.
//!
//! Each hall is cut into square cells ([`madang_shared::rules::cell_of`]); a person sees the 3×3
//! block of cells around their own. Because everyone has the same reach, "A sees B" is
//! symmetric, and it only changes when someone crosses a cell border (or arrives, or leaves).
//! So the relation is kept up to date incrementally: a crossing costs the people near it, and a
//! tick in which nobody crosses a border costs nothing here.
//!
//! Moves are gathered once per tick by cell ([`Interest::collect_moves`]). Each client's snapshot
//! ([`Interest::moves_for`]) holds the nearest movers in its view every tick (found by a ring
//! search over finer cells, so a crowd costs the few cells around the viewer), and the rest of
//! the people in view in turns, as many as a fixed number of bytes per tick holds: neighbours
//! move smoothly and a stranger across the room a few times a second, and what a client is
//! sent per tick is the same whatever the crowd. The work per tick is the number of moves plus
//! the size of what is sent, never the square of the people in the hall.

use bevy::platform::collections::HashMap;
use std::sync::Arc;

use madang_shared::Vec2;
use madang_shared::protocol::{AvatarId, AvatarInfo, Look, Moved, Role, moved_len};
use madang_shared::rules::{Cell, QPos, QUANT_PER_TILE, cell_of, cells_adjacent, cells_around};

/// The fine cells at Chebyshev distance `r` from the centre: the top and bottom rows, then
/// the two sides between them (only the ring's own cells are visited, `8 r` of them).
fn ring(r: i32) -> impl Iterator<Item = (i32, i32)> {
    let rows = [-r, r].into_iter().take(if r == 0 { 1 } else { 2 });
    let row_cells = rows.flat_map(move |dy| (-r..=r).map(move |dx| (dx, dy)));
    let sides = (-r + 1..r).flat_map(move |dy| [(-r, dy), (r, dy)]);
    row_cells.chain(sides)
}

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

impl Notice {
    /// Whom it is to be told to.
    pub fn to(&self) -> AvatarId {
        match *self {
            Notice::Enter { to, .. } | Notice::Leave { to, .. } => to,
        }
    }
}

/// What one snapshot may hold: the nearest movers, and a budget for everyone else in view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotBudget {
    /// The nearest moving people, sent every tick.
    pub near: usize,
    /// Bytes per snapshot for the others in view, sent in turns.
    pub far_bytes: usize,
    /// Rounds over the view in which a change is sent again (1 to [`ROUNDS_KEPT`]): two
    /// mostly, more to a client that loses packets.
    pub rounds: usize,
}

/// The most rounds a viewer's turns remember.
pub const ROUNDS_KEPT: usize = 4;

#[derive(Debug)]
struct Tracked {
    hall: u16,
    cell: Cell,
    qpos: QPos,
    name: Arc<str>,
    role: Role,
    look: Look,
    /// Ticks left during which this avatar's position is sent to those who see it.
    fresh: u8,
    /// The tick its position last changed.
    changed_at: u32,
    /// Where this viewer's turns over the people in its view stand.
    turns: Turns,
    /// Its place in its cell's list.
    slot: usize,
}

/// A viewer's round over the others in its view, for those beyond the nearest.
#[derive(Debug, Default, Clone, Copy)]
struct Turns {
    /// Position in the view's members (the nine cells in order), wrapping.
    cursor: usize,
    /// When the last rounds began, oldest first: a person is sent in its turn if it moved
    /// since the round `rounds` back began, so every move is sent at least once after it
    /// happened (`rounds` times, mostly, against loss).
    began: [u32; ROUNDS_KEPT],
}

/// Someone in a cell, with what a viewer's turns need of them (so that the turns read the
/// cell's list and nothing else).
#[derive(Debug, Clone, Copy)]
struct Member {
    id: AvatarId,
    qpos: QPos,
    changed_at: u32,
}

/// The people counted in one cell, and when one of them last moved.
#[derive(Debug, Default)]
struct CellList {
    members: Vec<Member>,
    changed: u32,
}

/// One mover in a fine cell: its move and the (interest) cell it counts in.
#[derive(Debug, Clone, Copy)]
struct FineMove {
    moved: Moved,
    cell: Cell,
}

/// One hall's movers of this tick by fine cell, laid out flat over the box of fine cells they
/// span (`start[c]..start[c + 1]` of `movers` are those of cell `c`): a cell is found by
/// arithmetic, where a map's probing was a tenth of the search. Rebuilt every tick in the
/// movers plus the cells of their box (at most a hall's 1,024² fine cells).
#[derive(Debug, Default)]
struct FineGrid {
    origin: Cell,
    width: i32,
    height: i32,
    start: Vec<u32>,
    movers: Vec<FineMove>,
    /// Scratch for `build`: where each cell's next mover goes.
    next: Vec<u32>,
}

impl FineGrid {
    /// The movers of fine cell `c`.
    fn get(&self, c: Cell) -> &[FineMove] {
        let (x, y) = (c.0 - self.origin.0, c.1 - self.origin.1);
        if x < 0 || y < 0 || x >= self.width || y >= self.height {
            return &[];
        }
        let i = (y * self.width + x) as usize;
        &self.movers[self.start[i] as usize..self.start[i + 1] as usize]
    }

    /// Lays out `movers` (fine cell, move), reusing the room of the last tick.
    fn build(&mut self, movers: &[(Cell, FineMove)]) {
        self.movers.clear();
        self.start.clear();
        let (Some(min_x), Some(max_x), Some(min_y), Some(max_y)) = (
            movers.iter().map(|(c, _)| c.0).min(),
            movers.iter().map(|(c, _)| c.0).max(),
            movers.iter().map(|(c, _)| c.1).min(),
            movers.iter().map(|(c, _)| c.1).max(),
        ) else {
            self.width = 0;
            self.height = 0;
            return;
        };
        self.origin = (min_x, min_y);
        self.width = max_x - min_x + 1;
        self.height = max_y - min_y + 1;
        let cells = (self.width as usize) * (self.height as usize);
        // Counts, then where each cell starts, then each mover into its place.
        self.start.resize(cells + 1, 0);
        let index = |c: Cell| ((c.1 - min_y) * (max_x - min_x + 1) + (c.0 - min_x)) as usize;
        for (c, _) in movers {
            self.start[index(*c) + 1] += 1;
        }
        for i in 1..=cells {
            self.start[i] += self.start[i - 1];
        }
        let placeholder = movers[0].1;
        self.movers.resize(movers.len(), placeholder);
        self.next.clear();
        self.next.extend_from_slice(&self.start);
        for (c, m) in movers {
            let slot = &mut self.next[index(*c)];
            self.movers[*slot as usize] = *m;
            *slot += 1;
        }
    }
}

/// Fine cells per interest cell side, for the nearest-movers search (2 tiles at 16).
const FINE_PER_CELL: i32 = 8;

/// Up to this many movers in view, the nearest are found by reading them all; beyond, by
/// searching the fine cells outwards from the viewer, which reads a few cells of a crowd
/// whatever its size.
const SCAN_MOVERS: usize = 256;

/// The interest state of every hall.
#[derive(Debug)]
pub struct Interest {
    cell_tiles: u32,
    cells: HashMap<(u16, Cell), CellList>,
    tracked: HashMap<AvatarId, Tracked>,
    /// Avatars with `fresh > 0`.
    fresh: Vec<AvatarId>,
    /// This tick's moves by cell, built by [`Interest::collect_moves`].
    moves: HashMap<(u16, Cell), Vec<Moved>>,
    /// The same moves by hall and fine cell (an eighth of a cell's side), for the
    /// nearest-first search.
    fine: Vec<FineGrid>,
    /// Scratch for building `fine`: each hall's movers with their fine cells.
    fine_scratch: Vec<Vec<(Cell, FineMove)>>,
    /// The tick [`Interest::collect_moves`] last gathered.
    tick: u32,
    /// Up to how many movers in view the nearest are found by reading them all
    /// ([`SCAN_MOVERS`]; tests set 0 to search always).
    scan_movers: usize,
    /// Scratch for [`Interest::moves_for`].
    scratch: MovesScratch,
}

/// Scratch room for finding one viewer's moves ([`Interest::plan_moves`]), kept from viewer
/// to viewer: the movers found so far with their key (distance squared, then id), and the
/// nearest's ids.
#[derive(Debug, Default)]
pub struct MovesScratch {
    near: Vec<(u64, Moved)>,
    near_ids: Vec<AvatarId>,
}

/// Where a viewer's turns stand after [`Interest::plan_moves`], to be kept with
/// [`Interest::keep_turns`].
#[derive(Debug, Clone, Copy)]
pub struct TurnsAfter(Turns);

impl Interest {
    pub fn new(cell_tiles: u32) -> Self {
        Interest {
            cell_tiles: cell_tiles.max(1),
            cells: HashMap::new(),
            tracked: HashMap::new(),
            fresh: Vec::new(),
            moves: HashMap::new(),
            fine: Vec::new(),
            fine_scratch: Vec::new(),
            tick: 0,
            scan_movers: SCAN_MOVERS,
            scratch: MovesScratch::default(),
        }
    }

    /// The fine cell of a position.
    fn fine_of(&self, pos: QPos) -> Cell {
        let size = self.cell_tiles as f32 / FINE_PER_CELL as f32;
        let p = pos.to_tiles();
        ((p.x / size).floor() as i32, (p.y / size).floor() as i32)
    }

    /// The cell `id` is in.
    pub fn cell(&self, id: AvatarId) -> Option<Cell> {
        self.tracked.get(&id).map(|t| t.cell)
    }

    /// Everyone in a hall whose view holds `cell`: those in the 3×3 cells around it.
    pub fn viewers_of(&self, hall: u16, cell: Cell) -> impl Iterator<Item = AvatarId> + '_ {
        cells_around(cell)
            .filter_map(move |c| self.cells.get(&(hall, c)))
            .flat_map(|l| l.members.iter())
            .map(|m| m.id)
    }

    /// The side of a cell, in tiles.
    pub fn cell_tiles(&self) -> u32 {
        self.cell_tiles
    }

    /// Who `id` currently sees: everyone else in the 3×3 block of cells around its own.
    pub fn known_by(&self, id: AvatarId) -> impl Iterator<Item = AvatarId> + '_ {
        self.tracked.get(&id).into_iter().flat_map(move |t| {
            cells_around(t.cell)
                .filter_map(move |c| self.cells.get(&(t.hall, c)))
                .flat_map(|list| list.members.iter().map(|m| m.id))
                .filter(move |&m| m != id)
        })
    }

    /// What others are told about `id` when it enters their view.
    pub fn info(&self, id: AvatarId) -> Option<AvatarInfo> {
        self.tracked.get(&id).map(|t| AvatarInfo {
            id,
            name: t.name.to_string(),
            role: t.role,
            look: t.look,
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
        look: Look,
        out: &mut Vec<Notice>,
    ) {
        let cell = cell_of(pos, self.cell_tiles);
        let qpos = QPos::from_tiles(pos);
        let slot = self.add_to_cell(hall, cell, id, qpos, self.tick);
        self.tracked.insert(
            id,
            Tracked {
                hall,
                cell,
                qpos,
                name,
                role,
                look,
                fresh: 0,
                changed_at: self.tick,
                turns: Turns::default(),
                slot,
            },
        );
        self.change_view(id, None, (hall, cell), out);
    }

    /// Someone leaves the hall (or the expo): everyone who saw them is told.
    pub fn remove(&mut self, id: AvatarId, out: &mut Vec<Notice>) {
        self.remove_many(&[id], out);
    }

    /// People who leave together, as a tick's departures do: everyone who stays and saw one of
    /// them is told, but those leaving are not told of one another. A room that empties at once
    /// (a ceremony's end, or every link cut by one network failure) costs no notices rather
    /// than half the square of the room in one tick (500,000 at 1,000).
    pub fn remove_many(&mut self, ids: &[AvatarId], out: &mut Vec<Notice>) {
        let mut gone = Vec::with_capacity(ids.len());
        for &id in ids {
            if let Some(t) = self.tracked.remove(&id) {
                self.remove_from_cell(t.hall, t.cell, t.slot);
                gone.push((id, t.hall, t.cell));
            }
        }
        for &(id, hall, cell) in &gone {
            for c in cells_around(cell) {
                if let Some(list) = self.cells.get(&(hall, c)) {
                    out.extend(
                        list.members
                            .iter()
                            .map(|m| Notice::Leave { to: m.id, who: id }),
                    );
                }
            }
        }
        if !gone.is_empty() {
            let mut ids: Vec<AvatarId> = gone.iter().map(|g| g.0).collect();
            ids.sort_unstable();
            self.fresh.retain(|f| ids.binary_search(f).is_err());
        }
    }

    /// Someone moved within their hall.
    pub fn set_position(&mut self, id: AvatarId, pos: Vec2, out: &mut Vec<Notice>) {
        let cell_tiles = self.cell_tiles;
        let Some(t) = self.tracked.get_mut(&id) else {
            return;
        };
        let qpos = QPos::from_tiles(pos);
        let cell = cell_with_hysteresis(pos, t.cell, cell_tiles);
        if qpos != t.qpos {
            t.qpos = qpos;
            if t.fresh == 0 {
                self.fresh.push(id);
            }
            t.fresh = RESEND_TICKS;
            if cell == t.cell
                && let Some(m) = self
                    .cells
                    .get_mut(&(t.hall, t.cell))
                    .and_then(|l| l.members.get_mut(t.slot))
            {
                m.qpos = qpos;
            }
        }
        if cell != t.cell {
            let (hall, old, slot, changed_at) = (t.hall, t.cell, t.slot, t.changed_at);
            t.cell = cell;
            // A new view: its turns begin again from its first cell.
            t.turns.cursor = 0;
            self.remove_from_cell(hall, old, slot);
            let slot = self.add_to_cell(hall, cell, id, qpos, changed_at);
            if let Some(t) = self.tracked.get_mut(&id) {
                t.slot = slot;
            }
            self.change_view(id, Some((hall, old)), (hall, cell), out);
        }
    }

    /// Tells both sides of every change in whom `id` sees, now that it has moved from the cell
    /// `from` (none: it just arrived) to `to` and stands in `to`'s list. A view is the 3×3 block
    /// of cells around one's own, the same from both sides, so the changes are the people of
    /// the cells that left the block and of those that joined it: a step to the next cell reads
    /// five cells' lists at most, never the whole view.
    fn change_view(
        &mut self,
        id: AvatarId,
        from: Option<(u16, Cell)>,
        to: (u16, Cell),
        out: &mut Vec<Notice>,
    ) {
        let in_block = |c: (u16, Cell), centre: Option<(u16, Cell)>| {
            centre.is_some_and(|(hall, cell)| hall == c.0 && cells_adjacent(cell, c.1))
        };
        if let Some((hall, cell)) = from {
            for c in cells_around(cell) {
                if in_block((hall, c), Some(to)) {
                    continue;
                }
                if let Some(list) = self.cells.get(&(hall, c)) {
                    for m in list.members.iter().filter(|m| m.id != id) {
                        out.push(Notice::Leave { to: id, who: m.id });
                        out.push(Notice::Leave { to: m.id, who: id });
                    }
                }
            }
        }
        let (hall, cell) = to;
        for c in cells_around(cell) {
            if in_block((hall, c), from) {
                continue;
            }
            if let Some(list) = self.cells.get(&(hall, c)) {
                for m in list.members.iter().filter(|m| m.id != id) {
                    out.push(Notice::Enter { to: id, who: m.id });
                    out.push(Notice::Enter { to: m.id, who: id });
                }
            }
        }
    }

    /// Puts `id` in a cell's list; returns its slot there.
    fn add_to_cell(
        &mut self,
        hall: u16,
        cell: Cell,
        id: AvatarId,
        qpos: QPos,
        changed_at: u32,
    ) -> usize {
        let list = &mut self.cells.entry((hall, cell)).or_default().members;
        list.push(Member {
            id,
            qpos,
            changed_at,
        });
        list.len() - 1
    }

    /// Takes the one at `slot` out of a cell's list; whoever filled the gap learns its slot.
    fn remove_from_cell(&mut self, hall: u16, cell: Cell, slot: usize) {
        let Some(list) = self.cells.get_mut(&(hall, cell)) else {
            return;
        };
        list.changed = self.tick;
        let members = &mut list.members;
        if slot < members.len() {
            members.swap_remove(slot);
            let tick = self.tick;
            if let Some(moved) = members.get_mut(slot)
                && let Some(t) = self.tracked.get_mut(&moved.id)
            {
                t.slot = slot;
                // It moved in the viewers' turns, which may pass it by this round: its last
                // position counts as news again, so the next round sends it.
                moved.changed_at = tick;
                t.changed_at = tick;
            }
        }
        if members.is_empty() {
            self.cells.remove(&(hall, cell));
        }
    }

    /// Gathers this tick's moves by cell, and ages the resend counters. Call once per tick,
    /// after every position is set and before [`Interest::moves_for`].
    pub fn collect_moves(&mut self, tick: u32) {
        self.tick = tick;
        // The lists are emptied, not dropped: the cells people walk keep their room from tick to
        // tick (as many as the halls have cells, at most).
        for list in self.moves.values_mut() {
            list.clear();
        }
        for list in &mut self.fine_scratch {
            list.clear();
        }
        let size = self.cell_tiles as f32 / FINE_PER_CELL as f32;
        let tracked = &mut self.tracked;
        let moves = &mut self.moves;
        let fine = &mut self.fine_scratch;
        let cells = &mut self.cells;
        self.fresh.retain(|id| {
            let Some(t) = tracked.get_mut(id) else {
                return false;
            };
            if t.fresh == RESEND_TICKS {
                t.changed_at = tick;
                if let Some(l) = cells.get_mut(&(t.hall, t.cell)) {
                    l.changed = tick;
                    if let Some(m) = l.members.get_mut(t.slot) {
                        m.changed_at = tick;
                    }
                }
            }
            let moved = Moved {
                id: *id,
                pos: t.qpos,
            };
            moves.entry((t.hall, t.cell)).or_default().push(moved);
            let p = t.qpos.to_tiles();
            let f = ((p.x / size).floor() as i32, (p.y / size).floor() as i32);
            let h = t.hall as usize;
            if fine.len() <= h {
                fine.resize_with(h + 1, Vec::new);
            }
            fine[h].push((
                f,
                FineMove {
                    moved,
                    cell: t.cell,
                },
            ));
            t.fresh = t.fresh.saturating_sub(1);
            t.fresh > 0
        });
        self.fine.resize_with(
            self.fine_scratch.len().max(self.fine.len()),
            Default::default,
        );
        for (grid, movers) in self.fine.iter_mut().zip(&self.fine_scratch) {
            grid.build(movers);
        }
    }

    /// The moves `id` should be sent this tick (not its own): the `budget.near` nearest movers
    /// in its view, then others in its view in turns, as many as `budget.far_bytes` hold.
    pub fn moves_for(&mut self, id: AvatarId, budget: SnapshotBudget, out: &mut Vec<Moved>) {
        let mut scratch = std::mem::take(&mut self.scratch);
        if let Some(turns) = self.plan_moves(id, budget, &mut scratch, out) {
            self.keep_turns(id, turns);
        }
        self.scratch = scratch;
    }

    /// [`Interest::moves_for`] without changing anything, so that many viewers' moves can be
    /// found at once (on several threads, each with its own scratch): where the viewer's turns
    /// then stand is returned, to be kept with [`Interest::keep_turns`] before the next tick.
    pub fn plan_moves(
        &self,
        id: AvatarId,
        budget: SnapshotBudget,
        scratch: &mut MovesScratch,
        out: &mut Vec<Moved>,
    ) -> Option<TurnsAfter> {
        out.clear();
        let t = self.tracked.get(&id)?;
        let (hall, cell, at, mut turns) = (t.hall, t.cell, t.qpos, t.turns);
        self.nearest_movers(id, hall, cell, at, budget.near, &mut scratch.near, out);
        if budget.far_bytes > 0 {
            self.far_turns(
                id,
                hall,
                cell,
                budget,
                &mut turns,
                &mut scratch.near_ids,
                out,
            );
        }
        Some(TurnsAfter(turns))
    }

    /// Keeps where a viewer's turns stand after [`Interest::plan_moves`].
    pub fn keep_turns(&mut self, id: AvatarId, turns: TurnsAfter) {
        if let Some(t) = self.tracked.get_mut(&id) {
            t.turns = turns.0;
        }
    }

    /// The `near` nearest movers in the view of `id` (at `at` in `cell`), into `out`.
    #[allow(clippy::too_many_arguments)]
    fn nearest_movers(
        &self,
        id: AvatarId,
        hall: u16,
        cell: Cell,
        at: QPos,
        near: usize,
        found: &mut Vec<(u64, Moved)>,
        out: &mut Vec<Moved>,
    ) {
        if near == 0 {
            return;
        }
        let mut lists: [&[Moved]; 9] = [&[]; 9];
        for (i, c) in cells_around(cell).enumerate() {
            if let Some(moves) = self.moves.get(&(hall, c)) {
                lists[i] = moves;
            }
        }
        let total: usize = lists.iter().map(|l| l.len()).sum();
        if total <= near {
            // Everyone moving in view fits: no search.
            for moves in lists {
                out.extend(moves.iter().filter(|m| m.id != id));
            }
            return;
        }
        // Nearest first, and among those as near the lower id: the square of the distance in
        // the high half, the id in the low, so that the selection compares one number.
        let dist2 = |m: &Moved| {
            let dx = m.pos.x as i32 - at.x as i32;
            let dy = m.pos.y as i32 - at.y as i32;
            (((dx * dx + dy * dy) as u32 as u64) << 32) | m.id.0 as u64
        };
        let centre = self.fine_of(at);
        found.clear();
        if total <= self.scan_movers {
            // A few hundred in view: reading their nine lists is cheaper than searching.
            for moves in lists {
                found.extend(moves.iter().filter(|m| m.id != id).map(|m| (dist2(m), *m)));
            }
            if found.len() > near {
                found.select_nth_unstable_by_key(near - 1, |(key, _)| *key);
                found.truncate(near);
            }
            out.extend(found.iter().map(|(_, m)| *m));
            return;
        }
        // Rings of fine cells around the viewer's, nearest first. Anyone in ring r + 1 or
        // beyond is at least r fine cells' widths away, so once `near` movers are known within
        // that distance, the search is done.
        let fine_size = self.cell_tiles as f32 * QUANT_PER_TILE / FINE_PER_CELL as f32;
        // The view reaches at most two cells and the margin from the viewer's own cell.
        let max_ring = 2 * FINE_PER_CELL + 2;
        let Some(grid) = self.fine.get(hall as usize) else {
            return;
        };
        for r in 0..=max_ring {
            for (dx, dy) in ring(r) {
                for f in grid.get((centre.0 + dx, centre.1 + dy)) {
                    if f.moved.id != id && cells_adjacent(cell, f.cell) {
                        found.push((dist2(&f.moved), f.moved));
                    }
                }
            }
            // Done once `near` are known within reach (counted: selecting them on every ring
            // cost more than the search).
            if found.len() >= near {
                let reach = r as f32 * fine_size;
                let within = ((reach * reach) as u64) << 32 | u32::MAX as u64;
                if found.iter().filter(|(key, _)| *key <= within).count() >= near {
                    break;
                }
            }
        }
        if found.len() > near {
            found.select_nth_unstable_by_key(near - 1, |(key, _)| *key);
            found.truncate(near);
        }
        out.extend(found.iter().map(|(_, m)| *m));
    }

    /// The others in view of `id`, in its turns, while `far_bytes` last. Someone is sent in
    /// their turn if they moved since the round `rounds` back began; cells where nobody did are
    /// passed over whole, and a turn looks at no more than `far_bytes / 3` people, so an idle crowd
    /// costs nine lookups per viewer.
    #[allow(clippy::too_many_arguments)]
    fn far_turns(
        &self,
        id: AvatarId,
        hall: u16,
        cell: Cell,
        budget: SnapshotBudget,
        turns: &mut Turns,
        near: &mut Vec<AvatarId>,
        out: &mut Vec<Moved>,
    ) {
        let far_bytes = budget.far_bytes;
        let empty: &[Member] = &[];
        let mut lists = [empty; 9];
        let mut changed = [0u32; 9];
        for (i, c) in cells_around(cell).enumerate() {
            if let Some(list) = self.cells.get(&(hall, c)) {
                lists[i] = &list.members;
                changed[i] = list.changed;
            }
        }
        let members: usize = lists.iter().map(|l| l.len()).sum();
        if members <= 1 {
            return;
        }
        let tick = self.tick;
        let new_round = |t: &mut Turns| {
            t.cursor = 0;
            t.began.rotate_left(1);
            t.began[ROUNDS_KEPT - 1] = tick;
        };
        if turns.cursor >= members {
            new_round(turns);
        }
        let back = ROUNDS_KEPT - budget.rounds.clamp(1, ROUNDS_KEPT);
        let since = |t: &Turns| t.began[back].saturating_sub(RESEND_TICKS as u32);
        // The nearest, already in `out` (a few dozen: a plain scan beats a search).
        near.clear();
        near.extend(out.iter().map(|m| m.id));
        // A filter of the nearest ids' low bits in front of the scan: most looks are at someone
        // not among them, and the filter says so without reading the list.
        let mut filter = [0u64; 4];
        let bit = |id: AvatarId| ((id.0 as usize >> 6) & 3, 1u64 << (id.0 & 63));
        for &n in near.iter() {
            let (w, b) = bit(n);
            filter[w] |= b;
        }
        let is_near = |id: AvatarId| {
            let (w, b) = bit(id);
            filter[w] & b != 0 && near.contains(&id)
        };
        let mut left = far_bytes;
        // At most two looks per move that would fit: people who did not move cost a look.
        let most_looks = far_bytes / 3;
        let mut looks = 0;
        // Which list and where in it the cursor points.
        let (mut li, mut off) = (0, turns.cursor);
        while off >= lists[li].len() {
            off -= lists[li].len();
            li += 1;
        }
        let mut walked = 0;
        while walked < members && looks < most_looks {
            if changed[li] < since(turns) {
                // Nobody here moved lately: the whole rest of the cell at once.
                let rest = lists[li].len() - off;
                walked += rest;
                turns.cursor += rest;
                off = lists[li].len();
            } else {
                let o = lists[li][off];
                looks += 1;
                let wanted = o.id != id && o.changed_at >= since(turns) && !is_near(o.id);
                if wanted {
                    let m = Moved {
                        id: o.id,
                        pos: o.qpos,
                    };
                    let len = moved_len(&m);
                    if len > left {
                        break;
                    }
                    left -= len;
                    out.push(m);
                }
                walked += 1;
                turns.cursor += 1;
                off += 1;
            }
            // On to the next non-empty list, wrapping into a new round at the end.
            while off >= lists[li].len() {
                off = 0;
                li += 1;
                if li == lists.len() {
                    li = 0;
                    new_round(turns);
                }
            }
        }
    }

    /// Whether `a`'s view holds `b`: both in one hall, in cells next to each other.
    pub fn sees(&self, a: AvatarId, b: AvatarId) -> bool {
        match (self.tracked.get(&a), self.tracked.get(&b)) {
            (Some(x), Some(y)) => a != b && x.hall == y.hall && cells_adjacent(x.cell, y.cell),
            _ => false,
        }
    }

    /// People per hall.
    pub fn people_in(&self, hall: u16) -> usize {
        self.tracked.values().filter(|t| t.hall == hall).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::platform::collections::HashSet;
    use proptest::prelude::*;

    #[test]
    fn a_ring_is_the_cells_at_its_distance_each_once() {
        for r in 0..6 {
            let mut cells: Vec<(i32, i32)> = ring(r).collect();
            cells.sort();
            let mut want: Vec<(i32, i32)> = (-r..=r)
                .flat_map(|dy| (-r..=r).map(move |dx| (dx, dy)))
                .filter(|(dx, dy)| dx.abs().max(dy.abs()) == r)
                .collect();
            want.sort();
            assert_eq!(cells, want, "ring {r}");
        }
    }

    fn name(n: &str) -> Arc<str> {
        Arc::from(n)
    }

    fn at(x: f32, y: f32) -> Vec2 {
        Vec2::new(x, y)
    }

    fn put(i: &mut Interest, id: u32, hall: u16, pos: Vec2, out: &mut Vec<Notice>) {
        i.insert(
            AvatarId(id),
            hall,
            pos,
            name("p"),
            Role::Visitor,
            Look::default(),
            out,
        );
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
    fn leaving_together_tells_only_those_who_stay() {
        let mut i = Interest::new(16);
        let mut out = Vec::new();
        for k in 1..=5 {
            put(&mut i, k, 0, at(k as f32, 2.0), &mut out);
        }
        put(&mut i, 6, 0, at(80.0, 2.0), &mut out);
        // 2 was walking: its move must not reach anyone after it left.
        i.set_position(AvatarId(2), at(2.5, 2.0), &mut out);
        out.clear();
        i.remove_many(&[AvatarId(2), AvatarId(3), AvatarId(4)], &mut out);
        let mut got: Vec<(u32, u32)> = out
            .iter()
            .map(|n| match *n {
                Notice::Leave { to, who } => (to.0, who.0),
                Notice::Enter { .. } => panic!("nobody enters: {n:?}"),
            })
            .collect();
        got.sort();
        assert_eq!(got, [(1, 2), (1, 3), (1, 4), (5, 2), (5, 3), (5, 4)]);
        assert!(i.sees(AvatarId(1), AvatarId(5)));
        assert!(!i.sees(AvatarId(1), AvatarId(3)));
        assert_eq!(i.people_in(0), 3);
        // The one who stays and was moved in its cell's list (a slot freed before it) is still
        // followed: its next step reaches its neighbour.
        i.set_position(AvatarId(5), at(5.5, 2.0), &mut out);
        i.collect_moves(1);
        let mut moves = Vec::new();
        i.moves_for(AvatarId(1), ALL, &mut moves);
        let ids: Vec<u32> = moves.iter().map(|m| m.id.0).collect();
        assert!(ids.contains(&5), "5's move reaches 1: {ids:?}");
        assert!(!ids.contains(&2), "2 left: {ids:?}");
    }

    #[test]
    fn a_room_that_empties_at_once_costs_no_notices() {
        let mut i = Interest::new(16);
        let mut out = Vec::new();
        for k in 0..300 {
            put(&mut i, k, 0, at((k % 40) as f32, (k / 40) as f32), &mut out);
        }
        out.clear();
        let all: Vec<AvatarId> = (0..300).map(AvatarId).collect();
        i.remove_many(&all, &mut out);
        assert!(out.is_empty(), "{} notices", out.len());
        assert_eq!(i.people_in(0), 0);
    }

    const ALL: SnapshotBudget = SnapshotBudget {
        near: 100,
        far_bytes: 0,
        rounds: 2,
    };

    #[test]
    fn moves_reach_only_those_near_and_are_resent_a_few_ticks() {
        let mut i = Interest::new(16);
        let mut out = Vec::new();
        put(&mut i, 1, 0, at(2.0, 2.0), &mut out);
        put(&mut i, 2, 0, at(4.0, 2.0), &mut out);
        put(&mut i, 3, 0, at(60.0, 2.0), &mut out);
        i.set_position(AvatarId(2), at(5.0, 2.0), &mut out);
        let mut moves = Vec::new();
        for tick in 1..=RESEND_TICKS as u32 {
            i.collect_moves(tick);
            i.moves_for(AvatarId(1), ALL, &mut moves);
            assert_eq!(moves.len(), 1, "tick {tick}: the move is (re)sent");
            assert_eq!(moves[0].id, AvatarId(2));
            i.moves_for(AvatarId(3), ALL, &mut moves);
            assert!(moves.is_empty(), "far away sees nothing");
            i.moves_for(AvatarId(2), ALL, &mut moves);
            assert!(moves.is_empty(), "nobody is sent their own move");
        }
        i.collect_moves(9);
        i.moves_for(AvatarId(1), ALL, &mut moves);
        assert!(moves.is_empty(), "a stopped avatar stops being sent");
    }

    /// A crowd of `n` on a grid a tile apart from (1, 1), everyone moved a little.
    fn moving_crowd(n: u32, per_row: u32) -> Interest {
        let mut i = Interest::new(16);
        let mut out = Vec::new();
        let spot =
            |k: u32, dx: f32| at(1.0 + dx + (k % per_row) as f32, 1.0 + (k / per_row) as f32);
        for k in 0..n {
            i.insert(
                AvatarId(k),
                0,
                spot(k, 0.0),
                name("x"),
                Role::Visitor,
                Look::default(),
                &mut out,
            );
        }
        for k in 0..n {
            i.set_position(AvatarId(k), spot(k, 0.5), &mut out);
        }
        i
    }

    /// The `k` nearest to `id` of those who moved this tick, by the definition.
    fn nearest_by_definition(i: &Interest, id: AvatarId, k: usize) -> Vec<AvatarId> {
        let me = i.tracked[&id].qpos;
        let mut all: Vec<(u32, AvatarId)> = i
            .moves
            .values()
            .flatten()
            .filter(|m| m.id != id && i.sees(id, m.id))
            .map(|m| {
                let (dx, dy) = (m.pos.x as i32 - me.x as i32, m.pos.y as i32 - me.y as i32);
                ((dx * dx + dy * dy) as u32, m.id)
            })
            .collect();
        all.sort_by_key(|(d, id)| (*d, id.0));
        all.into_iter().take(k).map(|(_, id)| id).collect()
    }

    #[test]
    fn a_crowd_is_sent_nearest_first_and_the_rest_in_turns_within_the_budget() {
        let mut i = moving_crowd(50, 10);
        let budget = SnapshotBudget {
            near: 8,
            far_bytes: 60,
            rounds: 2,
        };
        let mut seen = HashSet::new();
        let mut moves = Vec::new();
        for tick in 1..=RESEND_TICKS as u32 {
            i.collect_moves(tick);
            i.moves_for(AvatarId(0), budget, &mut moves);
            let near: Vec<AvatarId> = moves.iter().take(8).map(|m| m.id).collect();
            let mut want = nearest_by_definition(&i, AvatarId(0), 8);
            let mut got = near.clone();
            want.sort();
            got.sort();
            assert_eq!(got, want, "tick {tick}: the eight nearest, every tick");
            let far: usize = moves[8..].iter().map(moved_len).sum();
            assert!(far <= 60, "tick {tick}: {far} bytes for the far ones");
            assert!(moves.len() > 8, "some far ones fit");
            let unique: HashSet<AvatarId> = moves.iter().map(|m| m.id).collect();
            assert_eq!(unique.len(), moves.len(), "nobody twice in a snapshot");
            seen.extend(moves.iter().map(|m| m.id));
        }
        assert_eq!(seen.len(), 49, "everyone else is sent within a few ticks");
    }

    #[test]
    fn far_ones_that_stopped_are_sent_where_they_stopped() {
        // 300 in view, 10 nearest per tick and 40 bytes for the rest: a viewer believes a
        // stranger's position only from what it is sent, and must end up with the true one.
        let mut i = moving_crowd(300, 30);
        let budget = SnapshotBudget {
            near: 10,
            far_bytes: 40,
            rounds: 2,
        };
        let mut believed: HashMap<AvatarId, QPos> = HashMap::new();
        let mut moves = Vec::new();
        for tick in 1..400 {
            if tick < 30 {
                for k in 0..300u32 {
                    let p = at(
                        1.0 + (k % 30) as f32 + tick as f32 * 0.05,
                        1.0 + (k / 30) as f32,
                    );
                    i.set_position(AvatarId(k), p, &mut Vec::new());
                }
            }
            i.collect_moves(tick);
            i.moves_for(AvatarId(0), budget, &mut moves);
            for m in &moves {
                believed.insert(m.id, m.pos);
            }
        }
        for k in 1..300u32 {
            let id = AvatarId(k);
            if i.sees(AvatarId(0), id) {
                assert_eq!(believed.get(&id), Some(&i.tracked[&id].qpos), "{id:?}");
            }
        }
        // And once everyone is where they were last sent, nothing more is sent.
        i.collect_moves(400);
        i.moves_for(AvatarId(0), budget, &mut moves);
        assert!(
            moves.is_empty(),
            "{} moves sent to an idle crowd",
            moves.len()
        );
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

    /// The server finds every viewer's moves at once (on several threads) and keeps their
    /// turns afterwards: tick after tick, that sends exactly what asking one viewer after another
    /// sends, nearest and far turns alike.
    #[test]
    fn moves_planned_for_all_at_once_are_those_asked_one_by_one() {
        let crowd = |i: &mut Interest| {
            let mut out = Vec::new();
            for k in 0..120u32 {
                let (x, y) = ((k % 12) as f32 * 3.1, (k / 12) as f32 * 2.7);
                put(i, k, 0, at(x, y), &mut out);
            }
        };
        let (mut one_by_one, mut at_once) = (Interest::new(16), Interest::new(16));
        crowd(&mut one_by_one);
        crowd(&mut at_once);
        let budget = SnapshotBudget {
            near: 8,
            far_bytes: 60,
            rounds: 2,
        };
        let mut out = Vec::new();
        let mut scratch = MovesScratch::default();
        for tick in 1..40u32 {
            for i in [&mut one_by_one, &mut at_once] {
                // A third walk each tick, a different third each time.
                for k in (0..120u32).filter(|k| (k + tick) % 3 == 0) {
                    let (x, y) = ((k % 12) as f32 * 3.1, (k / 12) as f32 * 2.7);
                    let step = tick as f32 * 0.2;
                    i.set_position(AvatarId(k), at(x + step, y + step / 2.0), &mut out);
                }
                i.collect_moves(tick);
            }
            let mut asked = Vec::new();
            for k in 0..120u32 {
                let mut moves = Vec::new();
                one_by_one.moves_for(AvatarId(k), budget, &mut moves);
                asked.push(moves);
            }
            let mut planned = Vec::new();
            let mut turns = Vec::new();
            for k in 0..120u32 {
                let mut moves = Vec::new();
                let t = at_once.plan_moves(AvatarId(k), budget, &mut scratch, &mut moves);
                turns.push(t.expect("everyone is tracked"));
                planned.push(moves);
            }
            for (k, t) in turns.into_iter().enumerate() {
                at_once.keep_turns(AvatarId(k as u32), t);
            }
            assert_eq!(planned, asked, "tick {tick}");
        }
    }

    proptest! {
        /// Whatever the crowd, the nearest movers in view are exactly the nearest by the
        /// definition, and the far ones stay within their bytes.
        #[test]
        fn the_nearest_are_the_nearest(
            people in prop::collection::vec((0f32..60.0, 0f32..60.0, any::<bool>()), 2..150),
            near in 1usize..20,
            far_bytes in 0usize..100,
            search in any::<bool>(),
        ) {
            let mut i = Interest::new(16);
            if search {
                i.scan_movers = 0;
            }
            let mut out = Vec::new();
            for (k, (x, y, _)) in people.iter().enumerate() {
                i.insert(AvatarId(k as u32), 0, at(*x, *y), name("p"), Role::Visitor, Look::default(), &mut out);
            }
            for (k, (x, y, moves)) in people.iter().enumerate() {
                if *moves {
                    i.set_position(AvatarId(k as u32), at(x + 0.3, *y), &mut out);
                }
            }
            i.collect_moves(1);
            let budget = SnapshotBudget { near, far_bytes, rounds: 2 };
            let mut moves = Vec::new();
            for k in 0..people.len() as u32 {
                let id = AvatarId(k);
                i.moves_for(id, budget, &mut moves);
                let want = nearest_by_definition(&i, id, near);
                let mut got: Vec<AvatarId> = moves.iter().take(want.len()).map(|m| m.id).collect();
                let (mut w, mut g) = (want.clone(), std::mem::take(&mut got));
                w.sort();
                g.sort();
                prop_assert_eq!(g, w);
                let far: usize = moves[want.len()..].iter().map(moved_len).sum();
                prop_assert!(far <= far_bytes);
                for m in &moves {
                    prop_assert!(i.sees(id, m.id), "only those in view are sent");
                }
            }
        }

        /// People leaving together tell those who stay exactly what leaving one by one would
        /// have told them, and leave the same views behind.
        #[test]
        fn leaving_together_is_leaving_one_by_one_for_those_who_stay(
            people in prop::collection::vec((0f32..100.0, 0f32..60.0, any::<bool>(), 0u16..2), 1..80),
        ) {
            let (mut one, mut many) = (Interest::new(16), Interest::new(16));
            let mut out = Vec::new();
            for (k, (x, y, _, hall)) in people.iter().enumerate() {
                for i in [&mut one, &mut many] {
                    i.insert(AvatarId(k as u32), *hall, at(*x, *y), name("p"), Role::Visitor, Look::default(), &mut out);
                }
            }
            let leaving: Vec<AvatarId> = people.iter().enumerate()
                .filter(|(_, p)| p.2).map(|(k, _)| AvatarId(k as u32)).collect();
            let (mut by_one, mut together) = (Vec::new(), Vec::new());
            for id in &leaving {
                one.remove(*id, &mut by_one);
            }
            many.remove_many(&leaving, &mut together);
            by_one.retain(|n| !leaving.contains(&n.to()));
            by_one.sort_by_key(|n| (n.to(), format!("{n:?}")));
            together.sort_by_key(|n| (n.to(), format!("{n:?}")));
            prop_assert_eq!(together, by_one);
            for a in 0..people.len() as u32 {
                for b in 0..people.len() as u32 {
                    prop_assert_eq!(one.sees(AvatarId(a), AvatarId(b)), many.sees(AvatarId(a), AvatarId(b)));
                }
            }
        }

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
                        i.insert(id, hall, at(x, y), name("p"), Role::Visitor, Look::default(), &mut out)
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
            // Everyone is in their cell's list, at their slot, with their position.
            for (id, t) in &i.tracked {
                let m = i.cells.get(&(t.hall, t.cell)).and_then(|l| l.members.get(t.slot));
                prop_assert!(m.is_some_and(|m| m.id == *id && m.qpos == t.qpos), "{:?}", id);
            }
            prop_assert_eq!(i.cells.values().map(|l| l.members.len()).sum::<usize>(), ids.len());
            // Nobody is counted more than the margin away from the cell they stand in.
            for t in i.tracked.values() {
                let p = t.qpos.to_tiles();
                let lo = |c: i32| c as f32 * 16.0 - CELL_HYSTERESIS_TILES - 0.01;
                let hi = |c: i32| (c + 1) as f32 * 16.0 + CELL_HYSTERESIS_TILES + 0.01;
                prop_assert!(p.x >= lo(t.cell.0) && p.x < hi(t.cell.0), "{:?} in {:?}", p, t.cell);
                prop_assert!(p.y >= lo(t.cell.1) && p.y < hi(t.cell.1), "{:?} in {:?}", p, t.cell);
            }
            for &a in &ids {
                let known: HashSet<AvatarId> = i.known_by(a).collect();
                prop_assert_eq!(views.get(&a).cloned().unwrap_or_default(), known);
            }
        }
    }
}
