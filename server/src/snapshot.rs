//! What each client is sent every tick: who entered and left its view (reliable), and the
//! moves in its area of interest with its own acknowledged state (unreliable).

use bevy::prelude::*;
use madang_shared::protocol::{Moved, ServerMsg, channel};

use crate::interest::{Interest, Notice};
use crate::movement::Inputs;
use crate::net::Outbox;
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
    deliver_notices(&mut notices.0, &interest.0, &connections, &mut out);
    interest.0.collect_moves();
}

fn send_snapshots(
    mut avatars: Query<(&Avatar, &Position, &InHall, &mut Inputs)>,
    interest: Res<InterestRes>,
    settings: Res<SettingsRes>,
    tick: Res<Tick>,
    mut out: Outbox,
    mut moves: Local<Vec<Moved>>,
) {
    let limit = settings.0.max_moves_per_snapshot;
    for (avatar, pos, hall, mut inputs) in &mut avatars {
        interest
            .0
            .moves_for(avatar.id, tick.count, limit, &mut moves);
        let own_changed =
            inputs.sent_ack != Some(inputs.last_applied) || inputs.sent_pos != Some(pos.0);
        if moves.is_empty() && !own_changed {
            continue;
        }
        inputs.sent_ack = Some(inputs.last_applied);
        inputs.sent_pos = Some(pos.0);
        out.send(
            avatar.client,
            channel::SNAPSHOT,
            &ServerMsg::Snapshot {
                tick: tick.count,
                hall: hall.0,
                ack: inputs.last_applied,
                pos: pos.0,
                moved: std::mem::take(&mut *moves),
            },
        );
    }
}
