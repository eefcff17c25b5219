//! What the results report is made of: every visit to a booth (who, when, for how long, in
//! ticks of the server's clock) and the number of people in each hall over time; and what the
//! vote's rules ask of a visitor ([`VisitFacts`]): how long they have been known, and how long
//! they spent at a booth.
//!
//! A visit begins on the tick someone is first inside a booth's area and ends once they have
//! been outside it for [`EDGE_GRACE_SECS`] (or leave the hall, or the expo), so that standing on
//! a booth's edge is one visit and not a row for every step. Each tick costs one look per
//! person; a visit costs one write to the store when it ends.

use madang_shared::refusal::{Counted, Refusal};

use bevy::ecs::system::SystemParam;
use bevy::platform::collections::HashMap;
use bevy::prelude::*;
use madang_shared::protocol::AvatarId;

use crate::booth::booth_key;
use crate::halls::Halls;
use crate::presence::{Avatar, Connections, InHall, Position};
use crate::store::{Loaded, Write};
use crate::{ServerSet, SettingsRes, StoreRes, Tick};

/// Seconds outside a booth before a visit ends; coming back sooner continues it.
pub const EDGE_GRACE_SECS: u32 = 1;

/// Booths remembered per visitor for the vote's rules; past it the shortest visits are
/// forgotten (a visitor cannot grow the table without bound by touring every booth forever).
pub const DWELL_BOOTHS_PER_VISITOR: usize = 512;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<OpenVisits>();
    app.init_resource::<Dwell>();
    app.add_systems(
        Update,
        (track_visits, sample_occupancy, forget_old_dwell)
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
    /// The tick they stepped outside the booth, while they are outside it.
    outside_since: Option<u32>,
}

#[derive(Resource, Default)]
pub struct OpenVisits(HashMap<AvatarId, Open>);

impl OpenVisits {
    /// The visits going on, with the visitor inside the booth now: (booth key, visitor, the
    /// tick the visit began).
    pub fn inside(&self) -> impl Iterator<Item = (&str, u64, u32)> {
        self.0
            .values()
            .filter(|v| v.outside_since.is_none())
            .map(|v| (v.booth.as_str(), v.visitor, v.tick))
    }
}

/// Time each visitor spent at each booth over finished visits, in ms, for the vote's rule
/// "visited the booth". Visitors away for [`DWELL_KEPT_SECS`] are forgotten here (their visits
/// stay in the store), so the table holds the visitors of about a day, not everyone ever: one
/// who returns later spends the minimum at a booth again before a vote for it counts.
#[derive(Resource, Default, Debug)]
pub struct Dwell(HashMap<u64, VisitorDwell>);

#[derive(Debug, Default)]
pub struct VisitorDwell {
    booths: HashMap<String, i64>,
    /// Unix seconds of the last visit added.
    touched: i64,
}

/// How long a visitor's dwell stays in memory after their last visit, in seconds.
pub const DWELL_KEPT_SECS: i64 = 24 * 3600;

impl Dwell {
    pub fn from_loaded(loaded: &Loaded) -> Self {
        let mut d = Dwell::default();
        for (visitor, booth, ms) in &loaded.dwell {
            d.add(*visitor, booth, *ms);
        }
        d
    }

    fn add(&mut self, visitor: u64, booth: &str, ms: i64) {
        let entry = self.0.entry(visitor).or_default();
        entry.touched = crate::unix_now();
        let booths = &mut entry.booths;
        *booths.entry(booth.to_owned()).or_default() += ms.max(0);
        if booths.len() > DWELL_BOOTHS_PER_VISITOR
            && let Some(shortest) = booths
                .iter()
                .min_by_key(|(_, ms)| **ms)
                .map(|(b, _)| b.clone())
        {
            booths.remove(&shortest);
        }
    }
}

/// What the vote's rules ask about a visitor.
#[derive(SystemParam)]
pub struct VisitFacts<'w> {
    dwell: Res<'w, Dwell>,
    open: Res<'w, OpenVisits>,
    tick: Res<'w, Tick>,
}

impl VisitFacts<'_> {
    /// Milliseconds `visitor` (as `avatar`, now) spent at `booth`, the visit under way included.
    pub fn dwell_ms(&self, avatar: AvatarId, visitor: u64, booth: &str) -> i64 {
        let done = self
            .dwell
            .0
            .get(&visitor)
            .and_then(|d| d.booths.get(booth))
            .copied()
            .unwrap_or(0);
        let ongoing = self
            .open
            .0
            .get(&avatar)
            .filter(|o| o.booth == booth)
            .map(|o| {
                self.tick.count.wrapping_sub(o.tick) as i64 * 1000 / self.tick.hz.max(1) as i64
            })
            .unwrap_or(0);
        done + ongoing
    }

    /// Whether `avatar`'s `what` (a vote, a heart) for the booth `key` counts under `rule`; if
    /// not, why, in words for the visitor.
    pub fn may_count(
        &self,
        avatar: &Avatar,
        key: &str,
        rule: crate::settings::VoteRule,
        what: Counted,
    ) -> Result<(), Refusal> {
        // How long the identity has existed, as its (sealed) pass says: no table of every
        // visitor ever seen is needed.
        let age = (crate::unix_now() - avatar.identity_since).max(0);
        let need = rule.min_identity_minutes as i64 * 60;
        if age < need {
            let wait = (need - age + 59) / 60;
            return Err(Refusal::IdentityTooNew {
                what,
                minutes: rule.min_identity_minutes,
                wait_minutes: wait.clamp(0, u32::MAX as i64) as u32,
            });
        }
        let dwell = self.dwell_ms(avatar.id, avatar.visitor_id, key);
        let need = rule.min_visit_secs as i64 * 1000;
        if dwell < need {
            return Err(Refusal::VisitFirst {
                what,
                need_secs: rule.min_visit_secs,
                have_secs: (dwell / 1000).clamp(0, u32::MAX as i64) as u32,
            });
        }
        Ok(())
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn close(open: Open, tick: &Tick, store: &StoreRes, dwell: &mut Dwell) {
    // A visit ends when they stepped out, not when the grace ran out.
    let end = open.outside_since.unwrap_or(tick.count);
    let ticks = end.wrapping_sub(open.tick) as i64;
    let dwell_ms = ticks * 1000 / tick.hz.max(1) as i64;
    dwell.add(open.visitor, &open.booth, dwell_ms);
    // Acknowledged to nobody, so no receipt is kept; the writer commits it with the rest.
    let _ = store.0.submit(Write::Visit {
        booth: open.booth,
        visitor: open.visitor,
        entered_ms: open.entered_ms,
        dwell_ms,
    });
}

/// Once a minute: forgets the dwell of visitors not connected and away for a day.
fn forget_old_dwell(tick: Res<Tick>, connections: Res<Connections>, mut dwell: ResMut<Dwell>) {
    if !tick.count.is_multiple_of(60 * tick.hz.max(1)) || dwell.0.is_empty() {
        return;
    }
    let here: std::collections::HashSet<u64> =
        connections.avatars.values().map(|w| w.visitor).collect();
    let before = crate::unix_now() - DWELL_KEPT_SECS;
    dwell
        .0
        .retain(|visitor, d| d.touched >= before || here.contains(visitor));
}

fn track_visits(
    avatars: Query<(&Avatar, &Position, &InHall)>,
    halls: Res<Halls>,
    tick: Res<Tick>,
    store: Res<StoreRes>,
    mut open: ResMut<OpenVisits>,
    mut dwell: ResMut<Dwell>,
) {
    let grace = EDGE_GRACE_SECS * tick.hz;
    for (avatar, pos, hall) in &avatars {
        let Some(map) = halls.get(hall.0) else {
            continue;
        };
        let here = map.booth_at(pos.0).map(|b| booth_key(&map.id, b.object_id));
        if let Some(o) = open.0.get_mut(&avatar.id) {
            o.seen = tick.count;
            if here.as_deref() == Some(o.booth.as_str()) {
                o.outside_since = None;
                continue;
            }
            if here.is_none() {
                // Stepped out: the visit goes on for a moment, in case they step back in.
                let since = *o.outside_since.get_or_insert(tick.count);
                if tick.count.wrapping_sub(since) < grace {
                    continue;
                }
            }
        }
        if let Some(o) = open.0.remove(&avatar.id) {
            close(o, &tick, &store, &mut dwell);
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
                    outside_since: None,
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
            close(o, &tick, &store, &mut dwell);
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
