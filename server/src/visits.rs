//! What the results report is made of: every visit to a booth (who, when, for how long, in
//! ticks of the server's clock) and the number of people in each hall over time.
//!
//! A visit begins on the tick someone is first inside a booth's area and ends on the tick they
//! are first outside it (or leave the hall, or the expo). Each tick costs one look per person;
//! a visit costs one write to the store when it ends.

use std::collections::HashMap;

use bevy::prelude::*;
use madang_shared::protocol::AvatarId;

use crate::booth::booth_key;
use crate::halls::Halls;
use crate::presence::{Avatar, InHall, Position};
use crate::store::Write;
use crate::{ServerSet, SettingsRes, StoreRes, Tick};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<OpenVisits>();
    app.add_systems(
        Update,
        (track_visits, sample_occupancy)
            .in_set(ServerSet::Simulate)
            .after(crate::portal::take_portals),
    );
}

/// A visit in progress.
struct Open {
    booth: String,
    visitor: u64,
    /// The tick it began, and the wall clock then (Unix ms).
    tick: u32,
    entered_ms: i64,
    /// Last tick the person was seen (to end visits of those who left the expo).
    seen: u32,
}

#[derive(Resource, Default)]
struct OpenVisits(HashMap<AvatarId, Open>);

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn close(open: Open, tick: &Tick, store: &StoreRes) {
    let ticks = tick.count.wrapping_sub(open.tick) as i64;
    // Acknowledged to nobody, so no receipt is kept; the writer commits it with the rest.
    let _ = store.0.submit(Write::Visit {
        booth: open.booth,
        visitor: open.visitor,
        entered_ms: open.entered_ms,
        dwell_ms: ticks * 1000 / tick.hz.max(1) as i64,
    });
}

fn track_visits(
    avatars: Query<(&Avatar, &Position, &InHall)>,
    halls: Res<Halls>,
    tick: Res<Tick>,
    store: Res<StoreRes>,
    mut open: ResMut<OpenVisits>,
) {
    for (avatar, pos, hall) in &avatars {
        let Some(map) = halls.get(hall.0) else {
            continue;
        };
        let here = map.booth_at(pos.0).map(|b| booth_key(&map.id, b.object_id));
        let current = open.0.get(&avatar.id).map(|o| o.booth.clone());
        if here == current {
            if let Some(o) = open.0.get_mut(&avatar.id) {
                o.seen = tick.count;
            }
            continue;
        }
        if let Some(o) = open.0.remove(&avatar.id) {
            close(o, &tick, &store);
        }
        if let Some(booth) = here {
            open.0.insert(
                avatar.id,
                Open {
                    booth,
                    visitor: avatar.visitor_id,
                    tick: tick.count,
                    entered_ms: now_ms(),
                    seen: tick.count,
                },
            );
        }
    }
    // Those not seen this tick have left the expo: their visit ends now.
    let gone: Vec<AvatarId> = open
        .0
        .iter()
        .filter(|(_, o)| o.seen != tick.count)
        .map(|(id, _)| *id)
        .collect();
    for id in gone {
        if let Some(o) = open.0.remove(&id) {
            close(o, &tick, &store);
        }
    }
}

/// Every `occupancy_interval_secs`, the number of people in each hall.
fn sample_occupancy(
    avatars: Query<&InHall>,
    halls: Res<Halls>,
    tick: Res<Tick>,
    settings: Res<SettingsRes>,
    store: Res<StoreRes>,
) {
    let every = settings.0.occupancy_interval_secs as u32 * tick.hz;
    if every == 0 || !tick.count.is_multiple_of(every) {
        return;
    }
    let mut counts = vec![0u32; halls.maps.len()];
    for hall in &avatars {
        if let Some(c) = counts.get_mut(hall.0 as usize) {
            *c += 1;
        }
    }
    let at = crate::unix_now();
    for (map, people) in halls.maps.iter().zip(counts) {
        let _ = store.0.submit(Write::Occupancy {
            hall: map.id.clone(),
            at,
            people,
        });
    }
}
