//! The rules both sides run, as pure functions: the server to decide, the client to predict.
//!
//! Everything here is in tiles (see the crate docs for the axes). The avatar is a square of
//! `2 × AVATAR_HALF` tiles around its position; it may never overlap a blocked tile.

use glam::Vec2;
use serde::{Deserialize, Serialize};

/// Half the side of the avatar's collision square, in tiles. 3/8 is exact in binary, so an
/// avatar stopped by a wall sits exactly on the wall's edge, and fits through a one-tile door.
pub const AVATAR_HALF: f32 = 0.375;

/// The longest distance moved in one sub-step, in tiles. Below one tile, so even a large
/// `speed × dt` (a slow tick rate in the settings) cannot jump over a wall.
pub const MAX_SUBSTEP: f32 = 0.25;

/// Quantization of positions sent to other clients: 1/16 tile (2 px at 32 px tiles).
pub const QUANT_PER_TILE: f32 = 16.0;

/// Anything that says which tiles block movement. Tiles outside the hall block.
pub trait Blocking {
    fn blocked(&self, x: i32, y: i32) -> bool;
}

/// One tick's movement intent: each axis -1, 0 or 1 (y down).
///
/// On the wire it is one byte of flags, and the bytes that make no sense (left and right at
/// once) do not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct MoveInput {
    dx: i8,
    dy: i8,
}

const LEFT: u8 = 1;
const RIGHT: u8 = 2;
const UP: u8 = 4;
const DOWN: u8 = 8;

/// A byte that is not a valid [`MoveInput`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid movement flags {0:#04x}")]
pub struct InvalidMoveFlags(pub u8);

impl MoveInput {
    pub const IDLE: MoveInput = MoveInput { dx: 0, dy: 0 };

    /// Builds an input from the pressed directions; opposite directions cancel out.
    pub fn from_keys(left: bool, right: bool, up: bool, down: bool) -> Self {
        MoveInput {
            dx: right as i8 - left as i8,
            dy: down as i8 - up as i8,
        }
    }

    /// Builds an input from axis values; anything other than -1, 0 or 1 is clamped to its sign.
    pub fn new(dx: i32, dy: i32) -> Self {
        MoveInput {
            dx: dx.signum() as i8,
            dy: dy.signum() as i8,
        }
    }

    pub fn dx(self) -> i8 {
        self.dx
    }

    pub fn dy(self) -> i8 {
        self.dy
    }

    pub fn is_idle(self) -> bool {
        self.dx == 0 && self.dy == 0
    }

    /// The direction as a vector of length 1 (or 0 when idle): diagonals are not faster.
    pub fn direction(self) -> Vec2 {
        let v = Vec2::new(self.dx as f32, self.dy as f32);
        if self.dx != 0 && self.dy != 0 {
            v * std::f32::consts::FRAC_1_SQRT_2
        } else {
            v
        }
    }
}

impl From<MoveInput> for u8 {
    fn from(input: MoveInput) -> u8 {
        let mut bits = 0;
        if input.dx < 0 {
            bits |= LEFT;
        }
        if input.dx > 0 {
            bits |= RIGHT;
        }
        if input.dy < 0 {
            bits |= UP;
        }
        if input.dy > 0 {
            bits |= DOWN;
        }
        bits
    }
}

impl TryFrom<u8> for MoveInput {
    type Error = InvalidMoveFlags;

    fn try_from(bits: u8) -> Result<Self, Self::Error> {
        if bits & !(LEFT | RIGHT | UP | DOWN) != 0
            || bits & (LEFT | RIGHT) == LEFT | RIGHT
            || bits & (UP | DOWN) == UP | DOWN
        {
            return Err(InvalidMoveFlags(bits));
        }
        Ok(MoveInput::from_keys(
            bits & LEFT != 0,
            bits & RIGHT != 0,
            bits & UP != 0,
            bits & DOWN != 0,
        ))
    }
}

/// Moves an avatar for one tick: `speed` in tiles per second, `dt` in seconds.
///
/// The two axes are resolved one after the other, so an avatar pushed diagonally into a wall
/// slides along it at the speed of the free axis. The result never overlaps a blocked tile that
/// the starting square did not already overlap.
pub fn step(grid: &impl Blocking, pos: Vec2, input: MoveInput, speed: f32, dt: f32) -> Vec2 {
    let usable = |v: f32| v.is_finite() && v > 0.0;
    if input.is_idle() || !usable(speed) || !usable(dt) {
        return pos;
    }
    let total = input.direction() * speed * dt;
    let longest = total.x.abs().max(total.y.abs());
    let substeps = (longest / MAX_SUBSTEP).ceil().clamp(1.0, 1024.0);
    let inc = total / substeps;
    let mut p = pos;
    for _ in 0..substeps as u32 {
        p.x = move_axis(grid, p, inc.x, Axis::X);
        p.y = move_axis(grid, p, inc.y, Axis::Y);
    }
    p
}

#[derive(Clone, Copy)]
enum Axis {
    X,
    Y,
}

/// Moves `p` by `delta` (at most one tile) along one axis; returns the new coordinate on it.
fn move_axis(grid: &impl Blocking, p: Vec2, delta: f32, axis: Axis) -> f32 {
    let (along, across) = match axis {
        Axis::X => (p.x, p.y),
        Axis::Y => (p.y, p.x),
    };
    if delta == 0.0 {
        return along;
    }
    let blocked = |a: i32, b: i32| match axis {
        Axis::X => grid.blocked(a, b),
        Axis::Y => grid.blocked(b, a),
    };
    // Tiles the square covers across the movement: the half-open span [c - h, c + h).
    let first = (across - AVATAR_HALF).floor() as i32;
    let last = (across + AVATAR_HALF).ceil() as i32 - 1;
    let next = along + delta;
    if delta > 0.0 {
        let old_edge = (along + AVATAR_HALF).ceil() as i32 - 1;
        let new_edge = (next + AVATAR_HALF).ceil() as i32 - 1;
        if new_edge > old_edge && (first..=last).any(|b| blocked(new_edge, b)) {
            return new_edge as f32 - AVATAR_HALF;
        }
    } else {
        let old_edge = (along - AVATAR_HALF).floor() as i32;
        let new_edge = (next - AVATAR_HALF).floor() as i32;
        if new_edge < old_edge && (first..=last).any(|b| blocked(new_edge, b)) {
            return (new_edge + 1) as f32 + AVATAR_HALF;
        }
    }
    next
}

/// Whether an avatar standing at `pos` overlaps a blocked tile.
pub fn overlaps_blocked(grid: &impl Blocking, pos: Vec2) -> bool {
    let x0 = (pos.x - AVATAR_HALF).floor() as i32;
    let x1 = (pos.x + AVATAR_HALF).ceil() as i32 - 1;
    let y0 = (pos.y - AVATAR_HALF).floor() as i32;
    let y1 = (pos.y + AVATAR_HALF).ceil() as i32 - 1;
    (y0..=y1).any(|y| (x0..=x1).any(|x| grid.blocked(x, y)))
}

/// A position as sent to other clients: 1/16 tile units, so two bytes an axis cover 4096 tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct QPos {
    pub x: u16,
    pub y: u16,
}

impl QPos {
    pub fn from_tiles(pos: Vec2) -> Self {
        let q = |v: f32| (v * QUANT_PER_TILE).round().clamp(0.0, u16::MAX as f32) as u16;
        QPos {
            x: q(pos.x),
            y: q(pos.y),
        }
    }

    pub fn to_tiles(self) -> Vec2 {
        Vec2::new(self.x as f32, self.y as f32) / QUANT_PER_TILE
    }
}

/// An interest cell: the hall is cut into squares of `cell_tiles` tiles.
pub type Cell = (i32, i32);

/// The cell a position lies in.
pub fn cell_of(pos: Vec2, cell_tiles: u32) -> Cell {
    let size = cell_tiles.max(1) as f32;
    ((pos.x / size).floor() as i32, (pos.y / size).floor() as i32)
}

/// Whether two cells are neighbours (or the same): the area of interest is the 3×3 block of
/// cells around a person.
pub fn cells_adjacent(a: Cell, b: Cell) -> bool {
    (a.0 - b.0).abs() <= 1 && (a.1 - b.1).abs() <= 1
}

/// The 3×3 block of cells around `c`.
pub fn cells_around(c: Cell) -> impl Iterator<Item = Cell> {
    (-1..=1).flat_map(move |dy| (-1..=1).map(move |dx| (c.0 + dx, c.1 + dy)))
}

/// A grid for tests, drawn as text: `#` blocks; everything outside blocks too.
#[cfg(test)]
pub(crate) mod test_grid {
    use super::Blocking;

    #[derive(Debug)]
    pub(crate) struct Grid {
        pub(crate) rows: Vec<Vec<bool>>,
    }

    impl Grid {
        pub(crate) fn parse(text: &str) -> Self {
            Grid {
                rows: text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| l.chars().map(|c| c == '#').collect())
                    .collect(),
            }
        }
    }

    impl Blocking for Grid {
        fn blocked(&self, x: i32, y: i32) -> bool {
            x < 0
                || y < 0
                || self
                    .rows
                    .get(y as usize)
                    .and_then(|r| r.get(x as usize))
                    .copied()
                    .unwrap_or(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_grid::Grid;
    use super::*;
    use proptest::prelude::*;

    fn open_room() -> Grid {
        Grid::parse(
            "
            ##########
            #........#
            #........#
            #........#
            #........#
            #........#
            ##########",
        )
    }

    const RIGHT_KEY: MoveInput = MoveInput { dx: 1, dy: 0 };

    #[test]
    fn speed_is_tiles_per_second() {
        let g = open_room();
        // 4 tiles/s for 1/16 s is exactly a quarter tile.
        let p = step(&g, Vec2::new(2.5, 2.5), RIGHT_KEY, 4.0, 0.0625);
        assert_eq!(p, Vec2::new(2.75, 2.5));
        let p = step(&g, Vec2::new(2.5, 2.5), MoveInput::new(0, -1), 4.0, 0.0625);
        assert_eq!(p, Vec2::new(2.5, 2.25));
    }

    #[test]
    fn a_long_step_is_split_but_covers_the_same_distance() {
        let g = open_room();
        // 4 tiles/s for half a second: two tiles, in eight sub-steps.
        let p = step(&g, Vec2::new(2.5, 2.5), RIGHT_KEY, 4.0, 0.5);
        assert_eq!(p, Vec2::new(4.5, 2.5));
    }

    #[test]
    fn diagonal_is_not_faster() {
        let g = open_room();
        let start = Vec2::new(3.0, 3.0);
        let p = step(&g, start, MoveInput::new(1, 1), 4.0, 0.0625);
        let moved = p - start;
        assert!((moved.length() - 0.25).abs() < 1e-6, "moved {moved}");
        assert!((moved.x - 0.25 * std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
        assert_eq!(moved.x, moved.y);
    }

    #[test]
    fn walls_stop_the_avatar_exactly_at_their_edge() {
        let g = open_room();
        // The right wall is column 9: the square's right edge stops at x = 9.
        let mut p = Vec2::new(7.0, 3.0);
        for _ in 0..20 {
            p = step(&g, p, RIGHT_KEY, 4.0, 0.0625);
        }
        assert_eq!(p, Vec2::new(9.0 - AVATAR_HALF, 3.0));
        // And the left wall (column 0) from the other side.
        for _ in 0..60 {
            p = step(&g, p, MoveInput::new(-1, 0), 4.0, 0.0625);
        }
        assert_eq!(p, Vec2::new(1.0 + AVATAR_HALF, 3.0));
    }

    #[test]
    fn pushing_diagonally_into_a_wall_slides_along_it() {
        let g = open_room();
        let start = Vec2::new(9.0 - AVATAR_HALF, 3.0);
        let p = step(&g, start, MoveInput::new(1, 1), 4.0, 0.0625);
        assert_eq!(p.x, start.x, "x is held by the wall");
        let slide = 0.25 * std::f32::consts::FRAC_1_SQRT_2;
        assert!((p.y - (3.0 + slide)).abs() < 1e-6, "y slides on: {}", p.y);
    }

    #[test]
    fn an_avatar_fits_through_a_one_tile_door() {
        let g = Grid::parse(
            "
            #######
            #.....#
            ###.###
            #.....#
            #######",
        );
        let mut p = Vec2::new(3.5, 1.5);
        for _ in 0..12 {
            p = step(&g, p, MoveInput::new(0, 1), 4.0, 0.0625);
        }
        assert_eq!(
            p,
            Vec2::new(3.5, 4.0 - AVATAR_HALF),
            "walked through the door"
        );
        // Off-centre, the door's posts stop it.
        let mut q = Vec2::new(2.9, 1.5);
        for _ in 0..8 {
            q = step(&g, q, MoveInput::new(0, 1), 4.0, 0.0625);
        }
        assert_eq!(
            q,
            Vec2::new(2.9, 2.0 - AVATAR_HALF),
            "held by the door post"
        );
    }

    #[test]
    fn idle_input_does_not_move() {
        let g = open_room();
        let p = Vec2::new(2.3, 4.1);
        assert_eq!(step(&g, p, MoveInput::IDLE, 4.0, 0.05), p);
    }

    #[test]
    fn move_flags_round_trip_and_nonsense_is_refused() {
        for dx in -1..=1 {
            for dy in -1..=1 {
                let m = MoveInput::new(dx, dy);
                assert_eq!(MoveInput::try_from(u8::from(m)), Ok(m));
            }
        }
        assert!(MoveInput::try_from(LEFT | RIGHT).is_err());
        assert!(MoveInput::try_from(UP | DOWN).is_err());
        assert!(MoveInput::try_from(0x10).is_err());
    }

    #[test]
    fn quantized_positions_are_within_half_a_unit() {
        let p = Vec2::new(12.34, 56.78);
        let back = QPos::from_tiles(p).to_tiles();
        assert!((back - p).abs().max_element() <= 0.5 / QUANT_PER_TILE);
    }

    #[test]
    fn cells_and_neighbours() {
        assert_eq!(cell_of(Vec2::new(15.9, 16.0), 16), (0, 1));
        assert!(cells_adjacent((0, 0), (1, 1)));
        assert!(!cells_adjacent((0, 0), (2, 1)));
        assert_eq!(cells_around((5, 5)).count(), 9);
    }

    fn arbitrary_grid() -> impl Strategy<Value = Grid> {
        prop::collection::vec(prop::collection::vec(prop::bool::weighted(0.25), 12), 12).prop_map(
            |mut rows| {
                // Keep a free tile in the middle so there is somewhere to start.
                rows[6][6] = false;
                Grid { rows }
            },
        )
    }

    fn arbitrary_input() -> impl Strategy<Value = MoveInput> {
        (-1i32..=1, -1i32..=1).prop_map(|(x, y)| MoveInput::new(x, y))
    }

    proptest! {
        #[test]
        fn never_enters_a_blocked_tile(
            grid in arbitrary_grid(),
            inputs in prop::collection::vec((arbitrary_input(), 0.001f32..0.6), 1..80),
            speed in 0.5f32..12.0,
        ) {
            let mut p = Vec2::new(6.5, 6.5);
            prop_assume!(!overlaps_blocked(&grid, p));
            for (input, dt) in inputs {
                let next = step(&grid, p, input, speed, dt);
                prop_assert!(!overlaps_blocked(&grid, next), "{p} -> {next} with {input:?}");
                let limit = speed * dt * (1.0 + 1e-5) + 1e-5;
                prop_assert!((next - p).length() <= limit, "moved {} > {limit}", (next - p).length());
                p = next;
            }
        }

        #[test]
        fn in_the_open_a_step_covers_exactly_speed_times_dt(
            input in arbitrary_input(),
            dt in 0.001f32..0.2,
        ) {
            let g = Grid { rows: vec![vec![false; 64]; 64] };
            let start = Vec2::new(32.0, 32.0);
            let p = step(&g, start, input, 4.0, dt);
            let expected = if input.is_idle() { 0.0 } else { 4.0 * dt };
            prop_assert!(((p - start).length() - expected).abs() < 1e-4);
        }
    }
}
