//! Doors between halls. Stepping onto a portal hands the avatar over to the other hall: it
//! leaves everyone's view in the old hall, appears at the portal's spawn in the new one, and
//! its client is told where it now is.
//!
//! This hand-over is the seam for running halls in separate processes: it touches only the
//! avatar's hall, its position and the two halls' interest state.

use bevy::prelude::*;
use madang_shared::protocol::{ServerMsg, channel};
use tracing::info;

use crate::ServerSet;
use crate::halls::Halls;
use crate::movement::Inputs;
use crate::net::Outbox;
use crate::presence::{Avatar, InHall, Position};
use crate::snapshot::{InterestRes, Notices, ViewMoved};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        take_portals
            .in_set(ServerSet::Simulate)
            .after(crate::movement::apply_inputs),
    );
}

pub(crate) fn take_portals(
    mut avatars: Query<(&Avatar, &mut Position, &mut InHall, &mut Inputs), Changed<Position>>,
    halls: Res<Halls>,
    mut interest: ResMut<InterestRes>,
    mut notices: ResMut<Notices>,
    mut views: MessageWriter<ViewMoved>,
    mut out: Outbox,
) {
    for (avatar, mut pos, mut hall, mut inputs) in &mut avatars {
        let Some(map) = halls.get(hall.0) else {
            continue;
        };
        let Some(portal) = map.portal_at(pos.0) else {
            continue;
        };
        // Checked when the maps were loaded: the target hall and spawn exist.
        let Some(target) = halls.index_of(&portal.to_map) else {
            continue;
        };
        let Some(spawn) = halls
            .get(target)
            .and_then(|m| m.spawn(Some(&portal.to_spawn)))
        else {
            continue;
        };
        info!(
            avatar = avatar.id.0,
            from = %map.id,
            to = %portal.to_map,
            "went through a portal"
        );
        hand_over(
            avatar,
            (&mut pos, &mut hall, &mut inputs),
            (target, spawn.pos),
            &mut interest,
            &mut notices,
            &mut views,
            &mut out,
        );
    }
}

/// Moves an avatar to `pos` in hall `to` (the same hall or another): it leaves everyone's
/// view where it was, appears there, and its client is told. Portals and organizers (moving
/// someone to the stage) both use it.
pub(crate) fn hand_over(
    avatar: &Avatar,
    (pos, hall, inputs): (&mut Position, &mut InHall, &mut Inputs),
    (to, at): (u16, madang_shared::Vec2),
    interest: &mut InterestRes,
    notices: &mut Notices,
    views: &mut MessageWriter<ViewMoved>,
    out: &mut Outbox,
) {
    hall.0 = to;
    pos.0 = at;
    inputs.clear();
    interest.0.remove(avatar.id, &mut notices.0);
    // What was still waiting to be told of the old hall is moot: the client forgets it on
    // `HallChanged`, and is told of the new hall afresh.
    notices.0.retain(|n| n.to() != avatar.id);
    interest.0.insert(
        avatar.id,
        to,
        at,
        avatar.name.clone(),
        avatar.role,
        avatar.look,
        &mut notices.0,
    );
    out.send(
        avatar.client,
        channel::RELIABLE,
        &ServerMsg::HallChanged { hall: to, pos: at },
    );
    if let Some(cell) = interest.0.cell(avatar.id) {
        views.write(ViewMoved {
            avatar: avatar.id,
            hall: to,
            from: None,
            to: cell,
        });
    }
}
