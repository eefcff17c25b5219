//! Mutes belong to the visitor, not the connection: a mute is kept in the store with its end,
//! holds on every connection of the visitor at once, is applied again when they come back, and
//! is lifted by itself when it ends. Who may mute whom is talk's to check (an organizer
//! anywhere, a facilitator at their own table); this plugin carries the order out and
//! acknowledges it once the store has it.

use madang_shared::refusal::{Refusal, ServerNotice};
use std::collections::HashMap;

use bevy::prelude::*;
use madang_shared::protocol::{AvatarId, ServerMsg, channel};
use renet::ClientId;
use tracing::{info, warn};

use crate::net::Outbox;
use crate::presence::{Avatar, Connections};
use crate::snapshot::ViewMoved;
use crate::store::{Loaded, Receipt, Write};
use crate::talk::Talk;
use crate::{ServerSet, StoreRes, Tick, unix_now};

pub(super) fn plugin(app: &mut App) {
    app.add_message::<MuteOrder>();
    app.init_resource::<PendingMutes>();
    app.init_resource::<Mutes>();
    app.add_systems(
        Update,
        (carry_out, finish_mutes, mute_arrivals, end_mutes)
            .chain()
            .in_set(ServerSet::Simulate),
    );
}

/// An allowed mute or unmute, from talk.
#[derive(Message, Debug, Clone)]
pub struct MuteOrder {
    pub by: ClientId,
    pub by_name: String,
    pub req: u32,
    pub target: AvatarId,
    pub muted: bool,
    /// 0: until lifted.
    pub minutes: u32,
}

/// Muted visitors and when each mute ends (Unix seconds; `None`: until lifted).
#[derive(Resource, Debug, Default, Clone)]
pub struct Mutes(HashMap<u64, Option<i64>>);

impl Mutes {
    /// The mutes in the store that have not ended by `now`.
    pub fn from_loaded(loaded: &Loaded, now: i64) -> Self {
        Mutes(
            loaded
                .mutes
                .iter()
                .filter(|(_, until)| until.is_none_or(|u| u > now))
                .copied()
                .collect(),
        )
    }

    pub fn active(&self, visitor: u64, now: i64) -> bool {
        self.0
            .get(&visitor)
            .is_some_and(|until| until.is_none_or(|u| u > now))
    }
}

struct PendingMute {
    receipt: Receipt,
    by: ClientId,
    req: u32,
}

#[derive(Resource, Default)]
struct PendingMutes(Vec<PendingMute>);

/// Applies each order to every connection of the target's visitor at once, and keeps it.
fn carry_out(
    mut orders: MessageReader<MuteOrder>,
    mut avatars: Query<(&Avatar, &mut Talk)>,
    mut mutes: ResMut<Mutes>,
    mut pending: ResMut<PendingMutes>,
    store: Res<StoreRes>,
    mut out: Outbox,
) {
    for order in orders.read() {
        let Some(visitor) = avatars
            .iter()
            .find(|(a, _)| a.id == order.target)
            .map(|(a, _)| a.visitor_id)
        else {
            out.refuse(order.by, order.req, Refusal::NotHere);
            continue;
        };
        let now = unix_now();
        let until = (order.minutes > 0).then(|| now + order.minutes as i64 * 60);
        let write = if order.muted {
            mutes.0.insert(visitor, until);
            Write::Mute {
                visitor,
                until,
                by: order.by_name.clone(),
                at: now,
            }
        } else {
            mutes.0.remove(&visitor);
            Write::Unmute { visitor }
        };
        for (avatar, mut talk) in avatars.iter_mut().filter(|(a, _)| a.visitor_id == visitor) {
            talk.muted = order.muted;
            let notice = if order.muted {
                ServerNotice::Muted
            } else {
                ServerNotice::Unmuted
            };
            out.send(avatar.client, channel::RELIABLE, &ServerMsg::Notice(notice));
        }
        info!(visitor, muted = order.muted, minutes = order.minutes, by = %order.by_name, "mute");
        pending.0.push(PendingMute {
            receipt: store.0.submit(write),
            by: order.by,
            req: order.req,
        });
    }
}

/// A mute is acknowledged once the store has it.
fn finish_mutes(mut pending: ResMut<PendingMutes>, mut out: Outbox) {
    pending.0.retain(|p| match p.receipt.poll() {
        None => true,
        Some(Ok(_)) => {
            out.send(p.by, channel::RELIABLE, &ServerMsg::Done { req: p.req });
            false
        }
        Some(Err(e)) => {
            warn!("a mute could not be saved: {e}");
            out.refuse(p.by, p.req, Refusal::NotSaved);
            false
        }
    });
}

/// A muted visitor who comes back is muted again.
fn mute_arrivals(
    mut views: MessageReader<ViewMoved>,
    connections: Res<Connections>,
    mutes: Res<Mutes>,
    mut talks: Query<&mut Talk>,
    mut out: Outbox,
) {
    let now = unix_now();
    for v in views.read().filter(|v| v.from.is_none()) {
        let Some(who) = connections.avatars.get(&v.avatar) else {
            continue;
        };
        if !mutes.active(who.visitor, now) {
            continue;
        }
        let Some(mut talk) = connections
            .by_client
            .get(&who.client)
            .and_then(|&e| talks.get_mut(e).ok())
        else {
            continue;
        };
        talk.muted = true;
        out.send(
            who.client,
            channel::RELIABLE,
            &ServerMsg::Notice(ServerNotice::Muted),
        );
    }
}

/// Once a second: mutes whose time is up are lifted.
fn end_mutes(
    tick: Res<Tick>,
    mut mutes: ResMut<Mutes>,
    mut avatars: Query<(&Avatar, &mut Talk)>,
    mut out: Outbox,
) {
    if tick.count % tick.hz.max(1) != 0 {
        return;
    }
    let now = unix_now();
    let ended: Vec<u64> = mutes
        .0
        .iter()
        .filter(|(_, until)| until.is_some_and(|u| u <= now))
        .map(|(&v, _)| v)
        .collect();
    for visitor in ended {
        mutes.0.remove(&visitor);
        for (avatar, mut talk) in avatars.iter_mut().filter(|(a, _)| a.visitor_id == visitor) {
            talk.muted = false;
            out.send(
                avatar.client,
                channel::RELIABLE,
                &ServerMsg::Notice(ServerNotice::Unmuted),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mute_holds_until_its_end_and_one_without_an_end_holds() {
        let loaded = Loaded {
            mutes: vec![(1, Some(1_000)), (2, None), (3, Some(500))],
            ..Loaded::default()
        };
        let mutes = Mutes::from_loaded(&loaded, 600);
        assert!(mutes.active(1, 999), "muted before its end");
        assert!(!mutes.active(1, 1_000), "lifted at its end");
        assert!(mutes.active(2, i64::MAX), "until lifted");
        assert!(!mutes.active(3, 600), "an ended mute is not loaded");
        assert!(!mutes.0.contains_key(&3));
    }
}
