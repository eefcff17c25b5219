//! Authoritative movement: each client's input frames are queued and applied one per tick with
//! the shared movement rule, and the last applied frame is acknowledged in snapshots so the
//! client can reconcile its prediction.

use madang_shared::refusal::ServerNotice;
use std::collections::VecDeque;

use bevy::platform::collections::HashMap;
use bevy::prelude::*;
use madang_shared::protocol::{InputFrame, ServerMsg, channel};
use madang_shared::rules::step;

use crate::halls::Halls;
use crate::net::Outbox;
use crate::presence::{Avatar, InHall, Position};
use crate::{ServerSet, SettingsRes, Tick};

/// Frames kept waiting; older ones are dropped when a client runs ahead.
pub const MAX_QUEUED_FRAMES: usize = 8;
/// Frames that may be applied in one tick after a late packet. One frame is earned per tick,
/// so over time nobody moves faster than the rule allows, however many frames they send.
pub const MAX_CREDITS: u8 = 3;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, apply_inputs.in_set(ServerSet::Simulate));
}

/// A client's input frames, and what the server has applied and acknowledged.
#[derive(Component, Debug, Default)]
pub struct Inputs {
    queue: VecDeque<InputFrame>,
    /// The newest sequence number received.
    newest: u32,
    /// The last frame applied: acknowledged in the next snapshot.
    pub last_applied: u32,
    credits: u8,
    /// The full private area this person was last stopped at, so they are told once.
    refused_area: Option<usize>,
    /// What the last snapshot told the client, so unchanged state is not resent.
    pub sent_ack: Option<u32>,
    pub sent_pos: Option<madang_shared::Vec2>,
}

impl Inputs {
    /// Queues the frames not seen before. Messages repeat recent frames, so most are old.
    pub fn receive(&mut self, frames: &[InputFrame]) {
        for f in frames {
            if f.seq > self.newest {
                self.newest = f.seq;
                self.queue.push_back(*f);
            }
        }
        while self.queue.len() > MAX_QUEUED_FRAMES {
            self.queue.pop_front();
        }
    }

    /// Forgets waiting frames (after a teleport, say): they were meant for another place.
    pub fn clear(&mut self) {
        if let Some(last) = self.queue.back() {
            self.last_applied = last.seq;
        }
        self.queue.clear();
    }
}

/// The private area (by index) holding a position.
fn area_at(map: &madang_shared::map::HallMap, p: madang_shared::Vec2) -> Option<usize> {
    map.private_areas.iter().position(|a| a.rect.contains(p))
}

pub(crate) fn apply_inputs(
    mut avatars: Query<(&mut Position, &mut Inputs, &InHall, Option<&Avatar>)>,
    halls: Res<Halls>,
    settings: Res<SettingsRes>,
    tick: Res<Tick>,
    mut out: Outbox,
) {
    let dt = tick.dt();
    let speed = settings.0.speed;
    // How many stand in each private area: a full one refuses entry at its edge.
    let mut seated: HashMap<(u16, usize), u32> = HashMap::new();
    for (pos, _, hall, _) in &avatars {
        if let Some(a) = halls.get(hall.0).and_then(|m| area_at(m, pos.0)) {
            *seated.entry((hall.0, a)).or_default() += 1;
        }
    }
    for (mut pos, mut inputs, hall, avatar) in &mut avatars {
        let Some(map) = halls.get(hall.0) else {
            continue;
        };
        inputs.credits = (inputs.credits + 1).min(MAX_CREDITS);
        let mut p = pos.0;
        let from_area = area_at(map, p);
        while inputs.credits > 0 {
            let Some(frame) = inputs.queue.pop_front() else {
                break;
            };
            let next = step(&map.collision, p, frame.input, speed, dt);
            let to_area = area_at(map, next);
            let full = to_area.filter(|&a| {
                to_area != from_area
                    && seated.get(&(hall.0, a)).copied().unwrap_or(0)
                        >= map.private_areas[a].capacity
            });
            if let Some(a) = full {
                // Stopped at the edge; told once per approach, not every tick.
                if inputs.refused_area != Some(a)
                    && let Some(avatar) = avatar
                {
                    let area = &map.private_areas[a];
                    out.send(
                        avatar.client,
                        channel::RELIABLE,
                        &ServerMsg::Notice(ServerNotice::AreaFull {
                            area: area.id.clone(),
                            capacity: area.capacity,
                        }),
                    );
                }
                inputs.refused_area = Some(a);
            } else {
                p = next;
            }
            inputs.last_applied = frame.seq;
            inputs.credits -= 1;
        }
        if area_at(map, p) != from_area {
            if let Some(n) = from_area.and_then(|a| seated.get_mut(&(hall.0, a))) {
                *n = n.saturating_sub(1);
            }
            if let Some(a) = area_at(map, p) {
                *seated.entry((hall.0, a)).or_default() += 1;
            }
        }
        if p != pos.0 {
            pos.0 = p;
            // (An area a reload took away is forgotten too.)
            if inputs.refused_area.is_some_and(|a| {
                map.private_areas
                    .get(a)
                    .is_none_or(|area| madang_shared::visit::distance_to(&area.rect, p) > 1.0)
            }) {
                inputs.refused_area = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tick;
    use crate::settings::Settings;
    use madang_shared::Vec2;
    use madang_shared::map::load_hall;
    use madang_shared::rules::MoveInput;
    use std::sync::Arc;

    /// The movement plugin alone, on the 8 × 6 test hall (walls all around), at 16 Hz and
    /// 4 tiles/s: a quarter tile a frame, exact in binary.
    fn movement_app() -> (App, Entity) {
        let map = load_hall(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../tests/fixtures/maps/good.tmx"),
        )
        .expect("the fixture loads");
        let mut app = App::new();
        app.insert_resource(Halls {
            maps: vec![Arc::new(map)],
            entrance: 0,
        });
        app.insert_resource(SettingsRes(Settings {
            tick_hz: 16,
            speed: 4.0,
            ..Settings::default()
        }));
        app.insert_resource(Tick { count: 0, hz: 16 });
        app.insert_resource(bevy_renet::RenetServer::new(
            madang_shared::protocol::connection_config(),
        ));
        app.init_resource::<crate::net::NetStats>();
        app.add_plugins(plugin);
        let avatar = app
            .world_mut()
            .spawn((Position(Vec2::new(2.0, 2.0)), Inputs::default(), InHall(0)))
            .id();
        (app, avatar)
    }

    fn x_of(app: &App, e: Entity) -> f32 {
        app.world()
            .get::<Position>(e)
            .expect("the avatar has a position")
            .0
            .x
    }

    fn send(app: &mut App, e: Entity, seqs: std::ops::RangeInclusive<u32>) {
        let frames: Vec<InputFrame> = seqs.map(frame).collect();
        app.world_mut()
            .get_mut::<Inputs>(e)
            .expect("the avatar has inputs")
            .receive(&frames);
    }

    #[test]
    fn one_frame_is_applied_per_tick_with_a_small_allowance_for_late_packets() {
        let (mut app, a) = movement_app();
        send(&mut app, a, 1..=1);
        app.update();
        assert_eq!(x_of(&app, a), 2.25, "one frame, a quarter tile");
        // Two ticks without input bank the allowance (at most three frames)...
        app.update();
        app.update();
        send(&mut app, a, 2..=9);
        app.update();
        assert_eq!(x_of(&app, a), 3.0, "a late burst catches up three frames");
        // ...after which it is one frame a tick again, however many are waiting.
        app.update();
        assert_eq!(x_of(&app, a), 3.25);
        let acked = app.world().get::<Inputs>(a).expect("inputs").last_applied;
        assert_eq!(acked, 5, "the acknowledgement names the last frame applied");
    }

    #[test]
    fn the_server_stops_an_avatar_at_the_wall() {
        let (mut app, a) = movement_app();
        for k in 0..40 {
            send(&mut app, a, k + 1..=k + 1);
            app.update();
        }
        assert_eq!(x_of(&app, a), 7.0 - madang_shared::rules::AVATAR_HALF);
    }

    fn frame(seq: u32) -> InputFrame {
        InputFrame {
            seq,
            input: MoveInput::new(1, 0),
        }
    }

    #[test]
    fn repeated_frames_are_queued_once() {
        let mut i = Inputs::default();
        i.receive(&[frame(1), frame(2)]);
        i.receive(&[frame(1), frame(2), frame(3)]);
        assert_eq!(
            i.queue.iter().map(|f| f.seq).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
    }

    #[test]
    fn a_client_running_ahead_loses_its_oldest_frames() {
        let mut i = Inputs::default();
        i.receive(&(1..=12).map(frame).collect::<Vec<_>>()[..]);
        assert_eq!(i.queue.len(), MAX_QUEUED_FRAMES);
        assert_eq!(i.queue.front().map(|f| f.seq), Some(5));
    }
}
