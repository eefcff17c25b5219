//! What each client is sent every tick: who entered and left its view (reliable), and the
//! moves in its area of interest with its own acknowledged state (unreliable).

use bevy::platform::collections::HashMap;
use bevy::prelude::*;
use bevy::tasks::{ComputeTaskPool, TaskPool};
use bevy_renet::RenetServer;
use bevy_renet::netcode::NetcodeServerTransport;
use madang_shared::Vec2;
use madang_shared::protocol::{AvatarId, Moved, channel, encode_snapshot};
use renet::ClientId;
use renet_netcode::PacketsPart;

use crate::interest::{Interest, MovesScratch, Notice, ROUNDS_KEPT, SnapshotBudget, TurnsAfter};
use crate::movement::Inputs;
use crate::net::{Link, NetStats, Outbox};
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
    app.init_resource::<SnapshotsDue>();
    app.add_message::<ViewMoved>();
    app.add_systems(
        Update,
        (track_positions, plan_snapshots)
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
    entity: Entity,
    id: AvatarId,
    budget: SnapshotBudget,
    hall: u16,
    ack: u32,
    pos: Vec2,
    own_changed: bool,
}

/// The snapshots due this tick: who is sent one and with what budget, decided in
/// [`ServerSet::Send`]; each is made and handed to its connection as that connection's
/// packets are written ([`send_packets`]), so that a connection is touched once a tick, on
/// the thread that writes its packets.
#[derive(Resource, Default)]
pub struct SnapshotsDue {
    jobs: Vec<SnapshotJob>,
    /// Where each client's job is in `jobs`.
    by_client: HashMap<ClientId, usize>,
    tick: u32,
}

/// Below this many clients a tick's snapshots and packets are made on the game thread alone:
/// waking the other threads cost more than they saved (`scripts/bench --quick`, 250 bots:
/// 0.10–0.11 cores against 0.08–0.09).
pub const SHARES_FROM: usize = 400;

/// Clients' snapshots and packets are made in this many shares, spread over the compute
/// threads (more shares than threads, so that a thread held up by another process is made up
/// for by the others).
pub const SEND_PARTS: usize = 8;

fn plan_snapshots(
    mut avatars: Query<(Entity, &Avatar, &Position, &InHall, &Inputs, &mut Pace)>,
    settings: Res<SettingsRes>,
    tick: Res<Tick>,
    out: Outbox,
    mut due: ResMut<SnapshotsDue>,
) {
    let budget = SnapshotBudget {
        near: settings.0.near_moves_per_snapshot,
        far_bytes: settings.0.far_bytes_per_snapshot,
        rounds: 2,
    };
    let due = &mut *due;
    due.jobs.clear();
    due.by_client.clear();
    due.tick = tick.count;
    // Who is sent a snapshot, and with what budget (the link's pace).
    for (entity, avatar, pos, hall, inputs, mut pace) in &mut avatars {
        if (tick.count as u64 + avatar.client).is_multiple_of(Pace::LOOK_EVERY as u64)
            && let Some(link) = out.link(avatar.client)
        {
            pace.observe(&link, tick.hz);
        }
        if !pace.sends_at(tick.count, avatar.client) {
            continue;
        }
        due.by_client.insert(avatar.client, due.jobs.len());
        due.jobs.push(SnapshotJob {
            entity,
            id: avatar.id,
            budget: pace.budget(budget),
            hall: hall.0,
            ack: inputs.last_applied,
            pos: pos.0,
            own_changed: inputs.sent_ack != Some(inputs.last_applied)
                || inputs.sent_pos != Some(pos.0),
        });
    }
}

/// A snapshot made: its job, the viewer's turns after it, and its size if it was sent (nothing
/// is sent when nobody moved and the client's own state is as last sent).
struct Made {
    job: usize,
    turns: Option<TurnsAfter>,
    sent: Option<usize>,
}

/// Writes every client's packets of the tick and hands them, sealed, to the sender thread;
/// each client's snapshot is made and sent to it just before its packets are written. With
/// many clients this is done in shares on the compute threads: each connection is its own,
/// and nothing else is changed but each viewer's turns, which are kept afterwards.
pub(crate) fn send_packets(
    mut transport: ResMut<NetcodeServerTransport>,
    mut server: ResMut<RenetServer>,
    mut interest: ResMut<InterestRes>,
    due: Res<SnapshotsDue>,
    mut inputs: Query<&mut Inputs>,
    mut stats: ResMut<NetStats>,
) {
    let interest_now = &interest.0;
    let due_now = &*due;
    let write = |part: &mut PacketsPart<'_>| {
        let mut scratch = MovesScratch::default();
        let mut moves: Vec<Moved> = Vec::new();
        let mut made = Vec::new();
        part.write_with(|client, connection| {
            let Some(&at) = due_now.by_client.get(&client) else {
                return;
            };
            let job = &due_now.jobs[at];
            let turns = interest_now.plan_moves(job.id, job.budget, &mut scratch, &mut moves);
            let mut sent = None;
            if !moves.is_empty() || job.own_changed {
                let bytes = encode_snapshot(due_now.tick, job.hall, job.ack, job.pos, &moves);
                sent = Some(bytes.len());
                connection.send_message(channel::SNAPSHOT, bytes);
            }
            made.push(Made {
                job: at,
                turns,
                sent,
            });
        });
        made
    };
    let mut made: Vec<Vec<Made>> = Vec::new();
    if transport.connected_clients() < SHARES_FROM {
        transport.send_packets_in_parts(&mut server, 1, |parts| {
            made = parts.iter_mut().map(write).collect();
        });
    } else {
        let pool = ComputeTaskPool::get_or_init(TaskPool::default);
        transport.send_packets_in_parts(&mut server, SEND_PARTS, |parts| {
            made = pool.scope(|scope| {
                for part in parts {
                    scope.spawn(async move { write(part) });
                }
            });
        });
    }
    for made in made.into_iter().flatten() {
        let job = &due.jobs[made.job];
        if let Some(turns) = made.turns {
            interest.0.keep_turns(job.id, turns);
        }
        let Some(len) = made.sent else {
            continue;
        };
        stats.count_sent(len);
        if let Ok(mut inputs) = inputs.get_mut(job.entity) {
            inputs.sent_ack = Some(job.ack);
            inputs.sent_pos = Some(job.pos);
        }
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
