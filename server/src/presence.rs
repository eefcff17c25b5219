//! Connections becoming avatars, and disconnections removing them.
//!
//! renet reports connections through an observer on [`RenetServerEvent`]; they are queued and
//! handled in [`ServerSet::Receive`], where the connect token's claims are read (and checked
//! again), the avatar is placed at its spawn, and the client is welcomed.

use std::collections::HashMap;
use std::sync::Arc;

use bevy::prelude::*;
use bevy_renet::RenetServerEvent;
use bevy_renet::netcode::NetcodeServerTransport;
use madang_shared::Vec2;
use madang_shared::protocol::{AvatarId, JoinClaims, Role, ServerMsg, channel};
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
    for event in pending.0.drain(..) {
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
                        },
                        Position(pos),
                        InHall(hall),
                        Inputs::default(),
                        Conduct::default(),
                        crate::talk::Talk::default(),
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
                    },
                );
                interest
                    .0
                    .insert(id, hall, pos, name, claims.role, &mut notices.0);
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
                    interest.0.remove(avatar.id, &mut notices.0);
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
}

/// Tells each notice's recipient who entered or left their view.
pub(crate) fn deliver_notices(
    notices: &mut Vec<Notice>,
    interest: &crate::interest::Interest,
    connections: &Connections,
    out: &mut Outbox,
) {
    for notice in notices.drain(..) {
        let (to, msg) = match notice {
            Notice::Enter { to, who } => match interest.info(who) {
                Some(info) => (to, ServerMsg::Entered(info)),
                None => continue,
            },
            Notice::Leave { to, who } => (to, ServerMsg::Left { id: who }),
        };
        if let Some(who) = connections.avatars.get(&to) {
            out.send(who.client, channel::RELIABLE, &msg);
        }
    }
}
