//! Authoritative movement: each client's input frames are queued and applied one per tick with
//! the shared movement rule, and the last applied frame is acknowledged in snapshots so the
//! client can reconcile its prediction.

use std::collections::VecDeque;

use bevy::prelude::*;
use madang_shared::protocol::InputFrame;
use madang_shared::rules::step;

use crate::halls::Halls;
use crate::presence::{InHall, Position};
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

pub(crate) fn apply_inputs(
    mut avatars: Query<(&mut Position, &mut Inputs, &InHall)>,
    halls: Res<Halls>,
    settings: Res<SettingsRes>,
    tick: Res<Tick>,
) {
    let dt = tick.dt();
    let speed = settings.0.speed;
    for (mut pos, mut inputs, hall) in &mut avatars {
        let Some(map) = halls.get(hall.0) else {
            continue;
        };
        inputs.credits = (inputs.credits + 1).min(MAX_CREDITS);
        let mut p = pos.0;
        while inputs.credits > 0 {
            let Some(frame) = inputs.queue.pop_front() else {
                break;
            };
            p = step(&map.collision, p, frame.input, speed, dt);
            inputs.last_applied = frame.seq;
            inputs.credits -= 1;
        }
        if p != pos.0 {
            pos.0 = p;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use madang_shared::rules::MoveInput;

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
