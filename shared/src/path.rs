//! Finding the way: A* over the tile grid, and steering an avatar along the path with the same
//! inputs a person would press. The client walks a visitor to a booth chosen from the directory
//! this way, so the server moves them by the ordinary movement rule and nobody is teleported.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use glam::Vec2;

use crate::rules::{Blocking, MoveInput};

/// A tile, by column and row.
pub type Tile = (i32, i32);

/// The most tiles one search may open, so a path request costs a bounded amount of time even
/// in the largest hall.
pub const MAX_OPENED: usize = 200_000;

#[derive(Clone, Copy, PartialEq)]
struct Open {
    /// Cost so far plus the heuristic, in tiles.
    f: f32,
    g: f32,
    tile: Tile,
}

impl Eq for Open {}

impl Ord for Open {
    fn cmp(&self, other: &Self) -> Ordering {
        // The heap is a max-heap: the smallest `f` must come out first; ties prefer the larger
        // `g` (nearer the goal).
        other
            .f
            .total_cmp(&self.f)
            .then(self.g.total_cmp(&other.g))
            .then(self.tile.cmp(&other.tile))
    }
}

impl PartialOrd for Open {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The octile distance: the length of the shortest 8-way path with no walls.
fn octile(a: Tile, b: Tile) -> f32 {
    let dx = (a.0 - b.0).abs() as f32;
    let dy = (a.1 - b.1).abs() as f32;
    dx.max(dy) + (std::f32::consts::SQRT_2 - 1.0) * dx.min(dy)
}

/// The shortest path of walkable tiles from `start` to `goal`, both included, moving in eight
/// directions; a diagonal step needs both tiles beside it free, so the path never cuts a wall's
/// corner. `None` when there is no way (or the goal is a wall).
pub fn find_path(grid: &impl Blocking, start: Tile, goal: Tile) -> Option<Vec<Tile>> {
    if grid.blocked(start.0, start.1) || grid.blocked(goal.0, goal.1) {
        return None;
    }
    let mut open = BinaryHeap::new();
    let mut came_from: HashMap<Tile, Tile> = HashMap::new();
    let mut best: HashMap<Tile, f32> = HashMap::new();
    best.insert(start, 0.0);
    open.push(Open {
        f: octile(start, goal),
        g: 0.0,
        tile: start,
    });
    let mut opened = 0;
    while let Some(Open { g, tile, .. }) = open.pop() {
        if tile == goal {
            let mut path = vec![tile];
            let mut t = tile;
            while let Some(&prev) = came_from.get(&t) {
                path.push(prev);
                t = prev;
            }
            path.reverse();
            return Some(path);
        }
        if g > best.get(&tile).copied().unwrap_or(f32::INFINITY) {
            continue;
        }
        opened += 1;
        if opened > MAX_OPENED {
            return None;
        }
        for dy in -1..=1 {
            for dx in -1..=1 {
                if dx == 0 && dy == 0 {
                    continue;
                }
                let next = (tile.0 + dx, tile.1 + dy);
                if grid.blocked(next.0, next.1) {
                    continue;
                }
                let diagonal = dx != 0 && dy != 0;
                if diagonal
                    && (grid.blocked(tile.0 + dx, tile.1) || grid.blocked(tile.0, tile.1 + dy))
                {
                    continue;
                }
                let cost = if diagonal {
                    std::f32::consts::SQRT_2
                } else {
                    1.0
                };
                let g2 = g + cost;
                if g2 < best.get(&next).copied().unwrap_or(f32::INFINITY) {
                    best.insert(next, g2);
                    came_from.insert(next, tile);
                    open.push(Open {
                        f: g2 + octile(next, goal),
                        g: g2,
                        tile: next,
                    });
                }
            }
        }
    }
    None
}

/// The length of a path in tiles (1 per straight step, √2 per diagonal one).
pub fn path_length(path: &[Tile]) -> f32 {
    path.windows(2)
        .map(|w| {
            if w[0].0 != w[1].0 && w[0].1 != w[1].1 {
                std::f32::consts::SQRT_2
            } else {
                1.0
            }
        })
        .sum()
}

/// The centre of a tile, in tiles.
pub fn tile_center(t: Tile) -> Vec2 {
    Vec2::new(t.0 as f32 + 0.5, t.1 as f32 + 0.5)
}

/// The tile a position lies in.
pub fn tile_of(p: Vec2) -> Tile {
    (p.x.floor() as i32, p.y.floor() as i32)
}

/// Walks a path tick by tick: which key to press now to get from `pos` towards the next tile
/// centre. `step_len` is how far one tick moves (speed × dt); within half of it of a centre the
/// waypoint counts as reached. Returns `None` once the last waypoint is reached.
#[derive(Debug, Clone)]
pub struct PathWalker {
    path: Vec<Tile>,
    next: usize,
}

impl PathWalker {
    pub fn new(path: Vec<Tile>) -> Self {
        // The first tile is where the walk starts.
        PathWalker { path, next: 1 }
    }

    /// Whether every waypoint has been reached.
    pub fn done(&self) -> bool {
        self.next >= self.path.len()
    }

    /// The input for this tick.
    pub fn steer(&mut self, pos: Vec2, step_len: f32) -> Option<MoveInput> {
        let near = (step_len / 2.0).max(1e-3);
        while let Some(&t) = self.path.get(self.next) {
            let d = tile_center(t) - pos;
            if d.x.abs() <= near && d.y.abs() <= near {
                self.next += 1;
                continue;
            }
            let axis = |v: f32| {
                if v > near {
                    1
                } else if v < -near {
                    -1
                } else {
                    0
                }
            };
            return Some(MoveInput::new(axis(d.x), axis(d.y)));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_grid::Grid;
    use crate::rules::{overlaps_blocked, step};
    use proptest::prelude::*;

    #[test]
    fn a_straight_corridor_is_walked_straight() {
        let g = Grid::parse(
            "
            #######
            #.....#
            #######",
        );
        let p = find_path(&g, (1, 1), (5, 1)).expect("a way");
        assert_eq!(p, vec![(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)]);
        assert_eq!(path_length(&p), 4.0);
    }

    #[test]
    fn the_way_goes_around_a_wall_through_its_door() {
        let g = Grid::parse(
            "
            #######
            #..#..#
            #..#..#
            #.....#
            #######",
        );
        let p = find_path(&g, (1, 1), (5, 1)).expect("a way round");
        assert!(p.contains(&(3, 3)), "through the gap under the wall: {p:?}");
        // One diagonal down, straight down and along the bottom past the wall's foot (a
        // diagonal there would cut its corner), one diagonal up, straight up: 2√2 + 4.
        let expected = 2.0 * std::f32::consts::SQRT_2 + 4.0;
        assert!((path_length(&p) - expected).abs() < 1e-5, "{p:?}");
    }

    #[test]
    fn corners_are_not_cut() {
        let g = Grid::parse(
            "
            ####
            #.##
            ##.#
            ####",
        );
        assert_eq!(
            find_path(&g, (1, 1), (2, 2)),
            None,
            "only a corner joins them"
        );
    }

    #[test]
    fn no_way_and_walls_give_none() {
        let g = Grid::parse(
            "
            #####
            #.#.#
            #####",
        );
        assert_eq!(find_path(&g, (1, 1), (3, 1)), None);
        assert_eq!(find_path(&g, (1, 1), (2, 1)), None, "the goal is a wall");
    }

    fn arbitrary_grid() -> impl Strategy<Value = Grid> {
        prop::collection::vec(prop::collection::vec(prop::bool::weighted(0.3), 14), 14).prop_map(
            |mut rows| {
                rows[1][1] = false;
                rows[12][12] = false;
                Grid { rows }
            },
        )
    }

    /// The shortest 8-way distance by plain Dijkstra, to check A* against.
    fn dijkstra(g: &Grid, start: Tile, goal: Tile) -> Option<f32> {
        let mut dist: HashMap<Tile, f32> = HashMap::new();
        let mut todo = vec![(start, 0.0f32)];
        dist.insert(start, 0.0);
        while let Some(i) = (0..todo.len()).min_by(|&a, &b| todo[a].1.total_cmp(&todo[b].1)) {
            let (t, d) = todo.swap_remove(i);
            if d > dist[&t] {
                continue;
            }
            for dy in -1..=1i32 {
                for dx in -1..=1i32 {
                    let n = (t.0 + dx, t.1 + dy);
                    if (dx, dy) == (0, 0) || g.blocked(n.0, n.1) {
                        continue;
                    }
                    let diag = dx != 0 && dy != 0;
                    if diag && (g.blocked(t.0 + dx, t.1) || g.blocked(t.0, t.1 + dy)) {
                        continue;
                    }
                    let nd = d + if diag { std::f32::consts::SQRT_2 } else { 1.0 };
                    if nd < dist.get(&n).copied().unwrap_or(f32::INFINITY) - 1e-6 {
                        dist.insert(n, nd);
                        todo.push((n, nd));
                    }
                }
            }
        }
        dist.get(&goal).copied()
    }

    proptest! {
        #[test]
        fn paths_are_shortest_walkable_and_joined(grid in arbitrary_grid()) {
            let found = find_path(&grid, (1, 1), (12, 12));
            let best = dijkstra(&grid, (1, 1), (12, 12));
            prop_assert_eq!(found.is_some(), best.is_some());
            if let (Some(p), Some(best)) = (found, best) {
                prop_assert!((path_length(&p) - best).abs() < 1e-4, "A* {} vs {}", path_length(&p), best);
                for w in p.windows(2) {
                    prop_assert!((w[0].0 - w[1].0).abs() <= 1 && (w[0].1 - w[1].1).abs() <= 1);
                }
                prop_assert!(p.iter().all(|t| !grid.blocked(t.0, t.1)));
            }
        }

        /// Pressing the keys the walker says, with the real movement rule, gets the avatar to the
        /// goal tile without ever touching a wall.
        #[test]
        fn the_walker_arrives_by_the_movement_rule(grid in arbitrary_grid()) {
            let Some(path) = find_path(&grid, (1, 1), (12, 12)) else { return Ok(()) };
            let (speed, dt) = (4.0, 0.05);
            let mut walker = PathWalker::new(path.clone());
            let mut pos = tile_center((1, 1));
            let budget = (path_length(&path) / (speed * dt)) as usize * 2 + 40;
            for _ in 0..budget {
                let Some(input) = walker.steer(pos, speed * dt) else { break };
                pos = step(&grid, pos, input, speed, dt);
                prop_assert!(!overlaps_blocked(&grid, pos), "touched a wall at {pos}");
            }
            prop_assert!(walker.done(), "did not arrive; stopped at {pos}");
            prop_assert_eq!(tile_of(pos), (12, 12));
        }
    }
}
