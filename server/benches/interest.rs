//! How the interest manager's cost per tick grows with the people in one hall.
//!
//! Everyone random-walks at walking speed; each tick every position is set, the moves are
//! gathered by cell and every person's snapshot is assembled. Prints the time per tick and per
//! person for growing crowds, and the ratio between consecutive sizes: linear work doubles when
//! the crowd doubles, quadratic work quadruples.
//!
//! Three cases: the same density in a hall that grows with the crowd (the cost should double),
//! a fixed 256 × 256 hall that gets denser, and everyone in one 40 × 40 room (a ceremony: all
//! see all). Each snapshot holds the 24 nearest movers and 180 bytes of the others, so what a
//! person costs does not grow with what they see.
//!
//! Then a room that empties in one tick (everyone's link cut at once, or the bots of the crowd
//! benchmark stopping): the notices and the time of taking them out one by one and together.
//!
//!     cargo bench -p madang-server --bench interest

use std::sync::Arc;
mod common;

use std::time::Instant;

use madang_server::interest::{Interest, SnapshotBudget};
use madang_shared::Vec2;
use madang_shared::protocol::{AvatarId, Moved, Role};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const TICKS: u32 = 200;

/// The server's default snapshot budget.
const BUDGET: SnapshotBudget = SnapshotBudget {
    near: 24,
    far_bytes: 180,
    rounds: 2,
};

fn run(people: u32, hall: f32) -> f64 {
    let mut rng = StdRng::seed_from_u64(7);
    let mut interest = Interest::new(16);
    let mut notices = Vec::new();
    let mut pos: Vec<Vec2> = (0..people)
        .map(|_| Vec2::new(rng.random_range(0.0..hall), rng.random_range(0.0..hall)))
        .collect();
    let mut dir: Vec<Vec2> = vec![Vec2::ZERO; people as usize];
    let name: Arc<str> = Arc::from("bot");
    for (i, p) in pos.iter().enumerate() {
        interest.insert(
            AvatarId(i as u32),
            0,
            *p,
            name.clone(),
            Role::Visitor,
            madang_shared::protocol::Look::default(),
            &mut notices,
        );
    }
    notices.clear();
    let mut moves: Vec<Moved> = Vec::new();
    let mut sent = 0usize;
    let start = Instant::now();
    for tick in 0..TICKS {
        for i in 0..people as usize {
            if tick % 40 == (i as u32 % 40) {
                dir[i] = Vec2::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0))
                    .normalize_or_zero();
            }
            // 4 tiles/s at 20 Hz.
            pos[i] = (pos[i] + dir[i] * 0.2).clamp(Vec2::ZERO, Vec2::splat(hall - 0.01));
            interest.set_position(AvatarId(i as u32), pos[i], &mut notices);
        }
        sent += notices.len();
        notices.clear();
        interest.collect_moves(tick);
        for i in 0..people {
            interest.moves_for(AvatarId(i), BUDGET, &mut moves);
            sent += moves.len();
        }
    }
    let per_tick = start.elapsed().as_secs_f64() / TICKS as f64;
    std::hint::black_box(sent);
    per_tick
}

fn main() {
    // 250 people in 64 × 64 tiles, like a busy exhibition hall.
    common::table(
        "same density, growing hall:",
        |n| 64.0 * (n as f32 / 250.0).sqrt(),
        run,
    );
    common::table("fixed 256 × 256 hall, growing density:", |_| 256.0, run);
    common::table("everyone in one 40 × 40 room:", |_| 40.0, run);
    println!("a 40 × 40 room that empties in one tick (notices for the tick's delivery):");
    println!("  people  one by one: ms  notices  together: ms  notices");
    for people in [250, 500, 1000, 2000] {
        let (t1, n1) = empty_room(people, false);
        let (t2, n2) = empty_room(people, true);
        println!(
            "  {people:>6}  {:>14.3}  {n1:>7}  {:>12.3}  {n2:>7}",
            t1 * 1e3,
            t2 * 1e3
        );
    }
}

/// Everyone in one 40 × 40 room, all having just moved, leaves: seconds and notices.
fn empty_room(people: u32, together: bool) -> (f64, usize) {
    let mut rng = StdRng::seed_from_u64(7);
    let mut interest = Interest::new(16);
    let mut notices = Vec::new();
    let name: Arc<str> = Arc::from("bot");
    for i in 0..people {
        let p = Vec2::new(rng.random_range(0.0..40.0), rng.random_range(0.0..40.0));
        let look = madang_shared::protocol::Look::default();
        interest.insert(
            AvatarId(i),
            0,
            p,
            name.clone(),
            Role::Visitor,
            look,
            &mut notices,
        );
    }
    for i in 0..people {
        let p = Vec2::new(rng.random_range(0.0..40.0), rng.random_range(0.0..40.0));
        interest.set_position(AvatarId(i), p, &mut notices);
    }
    notices.clear();
    let ids: Vec<AvatarId> = (0..people).map(AvatarId).collect();
    let start = Instant::now();
    if together {
        interest.remove_many(&ids, &mut notices);
    } else {
        for id in &ids {
            interest.remove(*id, &mut notices);
        }
    }
    (start.elapsed().as_secs_f64(), notices.len())
}
