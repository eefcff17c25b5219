//! How forming conversations grows with the people in one hall: every tick the server forms
//! the bubbles (a spatial grid of cells the size of the reach, links only between neighbours)
//! and the tables' conversations. Prints the time per tick and per person for growing crowds,
//! and the ratio between consecutive sizes: linear work doubles when the crowd doubles,
//! all-pairs work quadruples.
//!
//! Two cases: the same density in a hall that grows with the crowd (the cost should double),
//! a crowd packed into a fixed 64 × 64 hall (more neighbours each, bubbles capped at 8), and
//! everyone on one tile (a crowd around a celebrity: packed cells are cut into full bubbles at
//! once, so this too stays linear).
//!
//!     cargo bench -p madang-server --bench talk

mod common;

use std::time::Instant;

use madang_shared::Vec2;
use madang_shared::protocol::AvatarId;
use madang_shared::talk::{BubbleRules, Conversations, Talker};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const TICKS: u32 = 100;

fn run(people: u32, hall: f32) -> f64 {
    let mut rng = StdRng::seed_from_u64(11);
    let mut talkers: Vec<Talker> = (0..people)
        .map(|i| Talker {
            id: AvatarId(i),
            pos: Vec2::new(rng.random_range(0.0..hall), rng.random_range(0.0..hall)),
            // One in ten sits at one of 16 tables.
            area: (i % 10 == 0).then_some(i as usize % 16),
            on_stage: false,
            lock: None,
            silent: false,
        })
        .collect();
    let mut members = 0usize;
    let start = Instant::now();
    for _ in 0..TICKS {
        for t in talkers.iter_mut() {
            let step = Vec2::new(rng.random_range(-0.2..0.2), rng.random_range(-0.2..0.2));
            t.pos = (t.pos + step).clamp(Vec2::ZERO, Vec2::splat(hall - 0.01));
        }
        let c = Conversations::form(talkers.clone(), BubbleRules::default());
        members += c.bubbles.len() + c.areas.len();
    }
    std::hint::black_box(members);
    start.elapsed().as_secs_f64() / TICKS as f64
}

fn main() {
    common::table(
        "same density, growing hall:",
        |n| 64.0 * (n as f32 / 250.0).sqrt(),
        run,
    );
    common::table("fixed 64 × 64 hall, growing density:", |_| 64.0, run);
    common::table("everyone on one tile:", |_| 1.0, run);
}
