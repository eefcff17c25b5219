//! What each client is sent every tick: who entered and left its view (reliable), and the
//! moves in its area of interest with its own acknowledged state (unreliable).

use bevy::prelude::*;
use bevy::tasks::{ComputeTaskPool, TaskPool};
use madang_shared::Vec2;
use madang_shared::protocol::{AvatarId, Moved, channel, encode_snapshot};

use crate::interest::{Interest, MovesScratch, Notice, ROUNDS_KEPT, SnapshotBudget, TurnsAfter};
use crate::movement::Inputs;
use crate::net::{Link, Outbox};
use crate::presence::{Avatar, Connections, InHall, Position, deliver_notices};
use crate::{ServerSet, SettingsRes, Tick};

pub(super) fn plugin(app: &mut App) {
    let cell = app
        .world()
        .get_resource::<SettingsRes>()
        .map(|s| s.0.interest_cell_tiles)
        .unwrap_or(16);
    app.insert_resource(InterestRes(Interest::new(cell)));
    app.init_resource::<Notices>();
    app.add_message::<ViewMoved>();
    app.add_systems(
        Update,
        (track_positions, send_snapshots)
            .chain()
            .in_set(ServerSet::Send),
    );
}

/// The interest state of every hall.
#[derive(Resource, Debug)]
pub struct InterestRes(pub Interest);

/// Someone's area of interest moved: they arrived in a hall (`from` is `None`) or crossed
/// into another cell. Features that show things in view (booths) follow these.
#[derive(Message, Debug, Clone, Copy)]
pub struct ViewMoved {
    pub avatar: madang_shared::protocol::AvatarId,
    pub hall: u16,
    pub from: Option<madang_shared::rules::Cell>,
    pub to: madang_shared::rules::Cell,
}

/// Changes of view waiting to be told, in the order they happened.
#[derive(Resource, Debug, Default)]
pub struct Notices(pub Vec<Notice>);

pub(crate) fn track_positions(
    moved: Query<(&Avatar, &Position, &InHall), Changed<Position>>,
    mut interest: ResMut<InterestRes>,
    mut notices: ResMut<Notices>,
    mut views: MessageWriter<ViewMoved>,
    connections: Res<Connections>,
    tick: Res<Tick>,
    mut out: Outbox,
) {
    for (avatar, pos, hall) in &moved {
        let before = interest.0.cell(avatar.id);
        interest.0.set_position(avatar.id, pos.0, &mut notices.0);
        let after = interest.0.cell(avatar.id);
        if let (Some(from), Some(to)) = (before, after)
            && from != to
        {
            views.write(ViewMoved {
                avatar: avatar.id,
                hall: hall.0,
                from: Some(from),
                to,
            });
        }
    }
    deliver_notices(
        &mut notices.0,
        &interest.0,
        &connections,
        tick.count,
        &mut out,
    );
    interest.0.collect_moves(tick.count);
}

/// How far behind a client has fallen, and so how much it is sent: a client whose link loses
/// packets or lags is sent snapshots less often and with fewer far moves, never cut off for it
/// (one that stops answering altogether is still timed out by netcode).
#[derive(Component, Debug, Default, Clone, Copy)]
pub struct Pace {
    /// 0: every tick, the full budget; 1: every second tick, half the far bytes; 2: every
    /// fourth tick, half the nearest and a quarter of the far bytes.
    pub level: u8,
    /// Ticks the link has looked better than `level` calls for.
    better_for: u32,
}

impl Pace {
    pub const MAX_LEVEL: u8 = 2;
    /// How often the link is looked at, in ticks.
    pub const LOOK_EVERY: u32 = 5;

    /// The level a link calls for.
    pub fn level_for(link: &Link) -> u8 {
        if link.loss > 0.25 || link.rtt > 1.0 || link.unacked_reliable > 1024 * 1024 {
            2
        } else if link.loss > 0.08 || link.rtt > 0.35 || link.unacked_reliable > 256 * 1024 {
            1
        } else {
            0
        }
    }

    /// Follows the link: worse at once, better one level at a time after two seconds of it.
    pub fn observe(&mut self, link: &Link, hz: u32) {
        let want = Self::level_for(link);
        if want >= self.level {
            self.level = want;
            self.better_for = 0;
        } else {
            self.better_for += Self::LOOK_EVERY;
            if self.better_for >= 2 * hz {
                self.level -= 1;
                self.better_for = 0;
            }
        }
    }

    /// Whether `client` is sent a snapshot at `tick` (clients at one level take turns).
    pub fn sends_at(&self, tick: u32, client: u64) -> bool {
        let every = 1u64 << self.level.min(Self::MAX_LEVEL);
        (tick as u64 + client) % every == 0
    }

    /// What a snapshot may hold at this level. A client that loses packets is sent changes
    /// over more rounds, so that what it sees comes true in the end.
    pub fn budget(&self, full: SnapshotBudget) -> SnapshotBudget {
        match self.level {
            0 => full,
            1 => SnapshotBudget {
                near: full.near,
                far_bytes: full.far_bytes / 2,
                rounds: ROUNDS_KEPT,
            },
            _ => SnapshotBudget {
                near: full.near.div_ceil(2),
                far_bytes: full.far_bytes / 4,
                rounds: ROUNDS_KEPT,
            },
        }
    }
}

/// One client's snapshot to be made this tick.
#[derive(Clone, Copy)]
struct SnapshotJob {
    id: AvatarId,
    budget: SnapshotBudget,
    hall: u16,
    ack: u32,
    pos: Vec2,
    own_changed: bool,
}

/// Snapshots are made in this many parts, shared among the compute threads (more parts than
/// threads, so that a thread another process holds up is made up for by the others).
const SNAPSHOT_PARTS: usize = 8;

/// Below this many clients a tick's snapshots and packets are made on the game thread alone:
/// waking the other threads cost more than they saved (`scripts/bench --quick`, 250 bots:
/// 0.10–0.11 cores against 0.08–0.09).
pub const SHARES_FROM: usize = 400;

fn send_snapshots(
    mut avatars: Query<(&Avatar, &Position, &InHall, &mut Inputs, &mut Pace)>,
    mut interest: ResMut<InterestRes>,
    settings: Res<SettingsRes>,
    tick: Res<Tick>,
    mut out: Outbox,
    mut jobs: Local<Vec<SnapshotJob>>,
) {
    let budget = SnapshotBudget {
        near: settings.0.near_moves_per_snapshot,
        far_bytes: settings.0.far_bytes_per_snapshot,
        rounds: 2,
    };
    // Who is sent a snapshot, and with what budget (the link's pace).
    jobs.clear();
    let mut senders = Vec::new();
    for (avatar, pos, hall, inputs, mut pace) in &mut avatars {
        if (tick.count as u64 + avatar.client) % Pace::LOOK_EVERY as u64 == 0
            && let Some(link) = out.link(avatar.client)
        {
            pace.observe(&link, tick.hz);
        }
        if !pace.sends_at(tick.count, avatar.client) {
            continue;
        }
        jobs.push(SnapshotJob {
            id: avatar.id,
            budget: pace.budget(budget),
            hall: hall.0,
            ack: inputs.last_applied,
            pos: pos.0,
            own_changed: inputs.sent_ack != Some(inputs.last_applied)
                || inputs.sent_pos != Some(pos.0),
        });
        senders.push((avatar.client, inputs));
    }
    // Each one's moves found and encoded, in parts on the compute threads: nothing is changed
    // but each viewer's turns, which are kept afterwards.
    let interest_now = &interest.0;
    let count = tick.count;
    let part = jobs.len().div_ceil(SNAPSHOT_PARTS).max(1);
    let make = |chunk: &[SnapshotJob]| {
        let mut scratch = MovesScratch::default();
        let mut moves: Vec<Moved> = Vec::new();
        let mut made = Vec::with_capacity(chunk.len());
        for job in chunk {
            let turns = interest_now.plan_moves(job.id, job.budget, &mut scratch, &mut moves);
            let bytes = (!moves.is_empty() || job.own_changed)
                .then(|| encode_snapshot(count, job.hall, job.ack, job.pos, &moves));
            made.push((turns, bytes));
        }
        made
    };
    let made: Vec<Vec<(Option<TurnsAfter>, Option<Vec<u8>>)>> = if jobs.len() < SHARES_FROM {
        vec![make(&jobs)]
    } else {
        ComputeTaskPool::get_or_init(TaskPool::default).scope(|scope| {
            for chunk in jobs.chunks(part) {
                scope.spawn(async move { make(chunk) });
            }
        })
    };
    for ((job, (client, mut inputs)), (turns, bytes)) in
        jobs.iter().zip(senders).zip(made.into_iter().flatten())
    {
        if let Some(turns) = turns {
            interest.0.keep_turns(job.id, turns);
        }
        let Some(bytes) = bytes else {
            continue;
        };
        inputs.sent_ack = Some(job.ack);
        inputs.sent_pos = Some(job.pos);
        out.send_encoded(client, channel::SNAPSHOT, bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(loss: f64, rtt: f64) -> Link {
        Link {
            rtt,
            loss,
            unacked_reliable: 0,
        }
    }

    #[test]
    fn a_link_that_loses_packets_is_sent_less_at_once_and_more_again_slowly() {
        let mut pace = Pace::default();
        let full = SnapshotBudget {
            near: 24,
            far_bytes: 180,
            rounds: 2,
        };
        let sent = |p: &Pace| (0..40).filter(|t| p.sends_at(*t, 7)).count();
        assert_eq!(sent(&pace), 40);
        pace.observe(&link(0.4, 0.05), 20);
        assert_eq!(pace.level, 2, "four in ten lost: the lowest pace at once");
        assert_eq!(sent(&pace), 10);
        let low = pace.budget(full);
        assert!(low.near < full.near && low.far_bytes < full.far_bytes && low.far_bytes > 0);
        assert_eq!(
            low.rounds, ROUNDS_KEPT,
            "changes are resent over more rounds"
        );
        // A healthy link for a while: one level back every two seconds (looked at every
        // fifth tick).
        let looks_in_two_secs = 2 * 20 / Pace::LOOK_EVERY;
        for _ in 0..looks_in_two_secs - 1 {
            pace.observe(&link(0.0, 0.05), 20);
        }
        assert_eq!(pace.level, 2, "not yet");
        pace.observe(&link(0.0, 0.05), 20);
        assert_eq!(pace.level, 1);
        assert_eq!(sent(&pace), 20);
        for _ in 0..looks_in_two_secs {
            pace.observe(&link(0.0, 0.05), 20);
        }
        assert_eq!(pace.level, 0);
        assert_eq!(pace.budget(full), full);
        // Lag alone, or reliable data piling up unacknowledged, counts too.
        pace.observe(&link(0.0, 0.5), 20);
        assert_eq!(pace.level, 1);
        pace.observe(
            &Link {
                rtt: 0.05,
                loss: 0.0,
                unacked_reliable: 2 << 20,
            },
            20,
        );
        assert_eq!(pace.level, 2);
    }
}
