//! Connections becoming avatars, and disconnections removing them.
//!
//! renet reports connections through an observer on [`RenetServerEvent`]; they are queued and
//! handled in [`ServerSet::Receive`], where the connect token's claims are read (and checked
//! again), the avatar is placed at its spawn, and the client is welcomed.

use std::sync::Arc;

use bevy::platform::collections::HashMap;
use bevy::prelude::*;
use bevy_renet::RenetServerEvent;
use bevy_renet::netcode::NetcodeServerTransport;
use madang_shared::Vec2;
use madang_shared::protocol::{AvatarId, AvatarInfo, JoinClaims, Role, ServerMsg, channel};
use renet::{ClientId, ServerEvent};
use tracing::{info, warn};

use crate::halls::Halls;
use crate::interest::Notice;
use crate::movement::Inputs;
use crate::net::{Conduct, Outbox};
use crate::snapshot::{InterestRes, Notices, ViewMoved};
use crate::store::Write;
use crate::{ServerSet, SettingsRes, StoreRes, Tick, unix_now};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Connections>();
    app.init_resource::<PendingEvents>();
    app.add_observer(queue_server_event);
    app.add_systems(Update, admit_and_remove.in_set(ServerSet::Receive));
}

/// A person in a hall.
#[derive(Component, Debug, Clone)]
pub struct Avatar {
    pub id: AvatarId,
    pub client: ClientId,
    pub visitor_id: u64,
    /// When the identity was made (Unix seconds), from its pass.
    pub identity_since: i64,
    pub name: Arc<str>,
    pub role: Role,
    pub look: madang_shared::protocol::Look,
}

/// Where an avatar is, in tiles.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct Position(pub Vec2);

/// Which hall an avatar is in (an index into [`Halls`]).
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct InHall(pub u16);

/// Who is connected, both ways.
#[derive(Resource, Debug, Default)]
pub struct Connections {
    pub by_client: HashMap<ClientId, Entity>,
    pub avatars: HashMap<AvatarId, Who>,
    /// Each admitted client's source address, counted in [`OpenConnections`].
    addresses: HashMap<ClientId, std::net::IpAddr>,
    next_id: u32,
}

/// Game connections open by source address (shared with the join endpoint), and the most one
/// address may have.
#[derive(Resource, Debug, Clone)]
pub struct OpenConnections {
    pub by_address: crate::join::OpenByAddress,
    pub most: usize,
}

/// A connected avatar's addresses.
#[derive(Debug, Clone, Copy)]
pub struct Who {
    pub client: ClientId,
    pub visitor: u64,
}

impl Connections {
    pub fn count(&self) -> usize {
        self.by_client.len()
    }
}

#[derive(Resource, Debug, Default)]
pub(crate) struct PendingEvents(Vec<ServerEvent>);

impl PendingEvents {
    /// Connections waiting to be placed in a hall.
    pub(crate) fn arrivals(&self) -> usize {
        self.0
            .iter()
            .filter(|e| matches!(e, ServerEvent::ClientConnected { .. }))
            .count()
    }
}

fn queue_server_event(event: On<RenetServerEvent>, mut pending: ResMut<PendingEvents>) {
    let e = match &**event {
        ServerEvent::ClientConnected { client_id } => ServerEvent::ClientConnected {
            client_id: *client_id,
        },
        ServerEvent::ClientDisconnected { client_id, reason } => ServerEvent::ClientDisconnected {
            client_id: *client_id,
            reason: *reason,
        },
    };
    pending.0.push(e);
}

/// The most newcomers placed in the halls per tick; the others wait their turn (80 a second at
/// 20 Hz).
pub const ARRIVALS_PER_TICK: usize = 4;

#[allow(clippy::too_many_arguments)]
pub(crate) fn admit_and_remove(
    mut commands: Commands,
    mut pending: ResMut<PendingEvents>,
    mut connections: ResMut<Connections>,
    mut interest: ResMut<InterestRes>,
    mut notices: ResMut<Notices>,
    mut views: MessageWriter<ViewMoved>,
    mut out: Outbox,
    store: Res<StoreRes>,
    transport: Res<NetcodeServerTransport>,
    halls: Res<Halls>,
    settings: Res<SettingsRes>,
    tick: Res<Tick>,
    avatars: Query<&Avatar>,
    door: (
        Option<Res<crate::moderation::Bans>>,
        Option<Res<OpenConnections>>,
    ),
) {
    let (bans, open) = door;
    // A rush of arrivals is let in a few per tick, in order: each tells everyone in view, so
    // a thousand at once would burst a thousand times the room into one tick. Departures are
    // never held back; one whose arrival still waits just takes it out of the queue.
    let mut now = Vec::new();
    let mut waiting = Vec::new();
    for event in pending.0.drain(..) {
        match event {
            ServerEvent::ClientConnected { .. } => {
                let admitted = now
                    .iter()
                    .filter(|e| matches!(e, ServerEvent::ClientConnected { .. }))
                    .count();
                if admitted < ARRIVALS_PER_TICK && waiting.is_empty() {
                    now.push(event);
                } else {
                    waiting.push(event);
                }
            }
            ServerEvent::ClientDisconnected { client_id, .. } => {
                let queued = waiting.len();
                waiting.retain(|e| {
                    !matches!(e, ServerEvent::ClientConnected { client_id: c } if *c == client_id)
                });
                if waiting.len() == queued {
                    now.push(event);
                }
            }
        }
    }
    pending.0 = waiting;
    // Those leaving are taken out of the views together, after the loop, so that they are not
    // told of one another (see `Interest::remove_many`).
    let mut leaving = Vec::new();
    for event in now {
        match event {
            ServerEvent::ClientConnected { client_id } => {
                let Some(data) = transport.user_data(client_id) else {
                    warn!(client = client_id, "connection without user data: refused");
                    out.disconnect(client_id);
                    continue;
                };
                let claims = match JoinClaims::from_user_data(&data) {
                    Ok(c) => c,
                    Err(e) => {
                        warn!(client = client_id, "connection refused: {e}");
                        out.disconnect(client_id);
                        continue;
                    }
                };
                // A token issued before a ban still reaches the socket: the ban holds here too.
                if let Some(why) = bans
                    .as_ref()
                    .and_then(|b| b.active(claims.visitor_id, unix_now()))
                {
                    warn!(
                        client = client_id,
                        visitor = claims.visitor_id,
                        "banned visitor refused at admission: {why}"
                    );
                    out.disconnect(client_id);
                    continue;
                }
                let ip = transport.client_addr(client_id).map(|a| a.ip());
                if let (Some(open), Some(ip)) = (&open, ip) {
                    let count = open.by_address.count(ip);
                    if count >= open.most {
                        warn!(client = client_id, %ip, count, "too many connections from one address: refused");
                        out.disconnect(client_id);
                        continue;
                    }
                    open.by_address.opened(ip);
                    connections.addresses.insert(client_id, ip);
                }
                let hall = claims
                    .hall
                    .as_deref()
                    .and_then(|h| halls.index_of(h))
                    .unwrap_or(halls.entrance);
                let map = halls
                    .get(hall)
                    .expect("hall indices come from Halls itself");
                let Some(spawn) = map
                    .spawn(claims.spawn.as_deref())
                    .or_else(|| map.spawn(None))
                else {
                    warn!(hall = %map.id, "hall has no spawn; connection refused");
                    out.disconnect(client_id);
                    continue;
                };
                connections.next_id = connections.next_id.wrapping_add(1).max(1);
                let id = AvatarId(connections.next_id);
                let name: Arc<str> = Arc::from(claims.name.as_str());
                let pos = spawn.pos;
                let entity = commands
                    .spawn((
                        Avatar {
                            id,
                            client: client_id,
                            visitor_id: claims.visitor_id,
                            identity_since: claims.identity_since as i64,
                            name: name.clone(),
                            role: claims.role,
                            look: claims.look,
                        },
                        Position(pos),
                        InHall(hall),
                        Inputs::default(),
                        Conduct::default(),
                        crate::talk::Talk::default(),
                        crate::snapshot::Pace::default(),
                    ))
                    .id();
                connections.by_client.insert(client_id, entity);
                connections.avatars.insert(
                    id,
                    Who {
                        client: client_id,
                        visitor: claims.visitor_id,
                    },
                );
                store.0.submit(Write::Visitor {
                    id: claims.visitor_id,
                    name: claims.name.clone(),
                    at: unix_now(),
                });
                out.send(
                    client_id,
                    channel::RELIABLE,
                    &ServerMsg::Welcome {
                        you: id,
                        name: claims.name.clone(),
                        role: claims.role,
                        halls: halls.ids(),
                        hall,
                        pos,
                        tick: tick.count,
                        tick_hz: tick.hz as u16,
                        speed: settings.0.speed,
                        utc_offset_minutes: settings.0.utc_offset_minutes,
                        look: claims.look,
                    },
                );
                interest.0.insert(
                    id,
                    hall,
                    pos,
                    name,
                    claims.role,
                    claims.look,
                    &mut notices.0,
                );
                views.write(ViewMoved {
                    avatar: id,
                    hall,
                    from: None,
                    to: interest.0.cell(id).expect("just inserted"),
                });
                info!(
                    client = client_id,
                    avatar = id.0,
                    visitor = claims.visitor_id,
                    name = %claims.name,
                    hall = %map.id,
                    "joined"
                );
            }
            ServerEvent::ClientDisconnected { client_id, reason } => {
                if let (Some(ip), Some(open)) = (connections.addresses.remove(&client_id), &open) {
                    open.by_address.closed(ip);
                }
                let Some(entity) = connections.by_client.remove(&client_id) else {
                    continue;
                };
                if let Ok(avatar) = avatars.get(entity) {
                    connections.avatars.remove(&avatar.id);
                    leaving.push(avatar.id);
                    info!(
                        client = client_id,
                        avatar = avatar.id.0,
                        visitor = avatar.visitor_id,
                        %reason,
                        "left"
                    );
                }
                commands.entity(entity).despawn();
            }
        }
    }
    interest.0.remove_many(&leaving, &mut notices.0);
}

/// Tells each notice's recipient who entered or left their view: one message per recipient
/// with only the net change (someone who entered and left again in between is not
/// mentioned), each recipient in its turn, one tick in [`NOTICE_TURNS`]; the others' changes
/// wait, folded, for theirs. In a wandering crowd views change on most ticks, and a quarter of
/// the messages tell the same.
pub(crate) fn deliver_notices(
    notices: &mut Vec<Notice>,
    interest: &crate::interest::Interest,
    connections: &Connections,
    tick: u32,
    out: &mut Outbox,
) {
    // Only those whose turn it is are told; the rest wait, in the order they happened.
    let turn = |to: AvatarId| tick.wrapping_add(to.0).is_multiple_of(NOTICE_TURNS);
    let mut due = Vec::new();
    notices.retain(|n| {
        let now = turn(n.to());
        if now {
            due.push(*n);
        }
        !now
    });
    for (to, left, entered) in net_changes(&mut due) {
        let Some(client) = connections.avatars.get(&to).map(|w| w.client) else {
            continue;
        };
        let entered: Vec<AvatarInfo> = entered
            .into_iter()
            .filter_map(|w| interest.info(w))
            .collect();
        if !left.is_empty() || !entered.is_empty() {
            // A room of a thousand fits in a few messages of well under the size limit.
            let mut entered = entered.into_iter().peekable();
            let mut left = Some(left);
            while left.is_some() || entered.peek().is_some() {
                let chunk: Vec<AvatarInfo> = entered.by_ref().take(SEEN_PER_MESSAGE).collect();
                out.send(
                    client,
                    channel::RELIABLE,
                    &ServerMsg::Seen {
                        left: left.take().unwrap_or_default(),
                        entered: chunk,
                    },
                );
            }
        }
    }
}

/// Ticks between two messages of who entered and left one person's view (200 ms at 20 Hz).
pub const NOTICE_TURNS: u32 = 4;

/// The most arrivals in one [`ServerMsg::Seen`] (each at most about 110 bytes).
const SEEN_PER_MESSAGE: usize = 500;

/// What each recipient's view gained and lost, net, from notices in the order they happened:
/// (to, who left, who entered). Someone seen before and after is in both (their information
/// may have changed); someone who came and went again in between is in neither.
pub(crate) fn net_changes(
    notices: &mut Vec<Notice>,
) -> Vec<(AvatarId, Vec<AvatarId>, Vec<AvatarId>)> {
    let key = |n: &Notice| match *n {
        Notice::Enter { to, who } | Notice::Leave { to, who } => (to, who),
    };
    // By recipient, then by whom; a stable sort keeps the order they happened in.
    notices.sort_by_key(key);
    let mut changes = Vec::new();
    let mut i = 0;
    while i < notices.len() {
        let to = key(&notices[i]).0;
        let (mut left, mut entered) = (Vec::new(), Vec::new());
        while i < notices.len() && key(&notices[i]).0 == to {
            let who = key(&notices[i]).1;
            // A view's first change of someone is a leave exactly when it held them before.
            let knew = matches!(notices[i], Notice::Leave { .. });
            let mut knows = knew;
            while i < notices.len() && key(&notices[i]) == (to, who) {
                knows = matches!(notices[i], Notice::Enter { .. });
                i += 1;
            }
            if knew {
                left.push(who);
            }
            if knows {
                entered.push(who);
            }
        }
        changes.push((to, left, entered));
    }
    notices.clear();
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tick_of_notices_is_told_as_its_net_change() {
        let (a, b, c, d) = (AvatarId(1), AvatarId(2), AvatarId(3), AvatarId(4));
        let mut notices = vec![
            Notice::Enter { to: a, who: b },
            Notice::Leave { to: a, who: c },
            Notice::Enter { to: a, who: d },
            Notice::Leave { to: a, who: d },
            Notice::Leave { to: b, who: a },
            Notice::Enter { to: b, who: a },
            Notice::Enter { to: a, who: c },
        ];
        let changes = net_changes(&mut notices);
        assert!(notices.is_empty());
        assert_eq!(
            changes,
            vec![
                // b came; c went and came back (told again with what is true now); d came and
                // went within the tick: not mentioned.
                (a, vec![c], vec![b, c]),
                (b, vec![a], vec![a]),
            ]
        );
    }
}
