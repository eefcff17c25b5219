//! Stamp tours (the 2020 expo's "today's event", whose mileage went to charity): the settings
//! list tours of stamps, each earned by something the server itself sees a visitor do — stay
//! in a booth's area long enough in one visit, watch a video kiosk's video from its start to
//! its end, be in a timetable item's hall while it is on, leave a comment — and the causes a
//! tour's points are pledged to.
//!
//! Only the server grants stamps: there is no message a client could claim one with, and a
//! pledge is checked against what the server granted. A stamp or a pledge is saved before the
//! visitor hears of it, per visitor id, so a card survives reconnects, restarts and a killed
//! process. What a visitor costs: identities are free, so stamps and pledges are counts of
//! what identities did, not of people; a pledge moves points, never money, and the report
//! shows pledges per cause with the number of identities behind them.
//!
//! The work each check does is one look per person (booths: per visit in progress; videos:
//! per person against the video kiosks of their hall; timetable: per person in an item's hall
//! while it is on), twice a second, never per pair of people.

use std::collections::{HashMap, HashSet};

use bevy::prelude::*;
use madang_shared::protocol::{
    AvatarId, CauseView, ClientMsg, ServerMsg, StampView, TourCard, channel,
};
use madang_shared::refusal::Refusal;
use madang_shared::visit::{KIOSK_REACH, distance_to};
use renet::ClientId;
use tracing::warn;

use crate::booth::{Commented, booth_key};
use crate::halls::Halls;
use crate::net::{ClientRequest, Outbox};
use crate::presence::{Avatar, Connections, InHall, Position};
use crate::settings::{Settings, SettingsError, TourSetting};
use crate::snapshot::ViewMoved;
use crate::store::{Receipt, Write};
use crate::{ServerSet, StoreRes, Tick, unix_now};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (see_deeds, take_pledges, finish_saves, send_on_arrival)
            .chain()
            .in_set(ServerSet::Simulate)
            .after(crate::portal::take_portals),
    );
}

/// A video watched from no later than this far into it counts as watched from the start.
pub const START_GRACE_MS: u64 = 3_000;

/// What earns a stamp, resolved against the maps and the timetable.
#[derive(Debug, Clone)]
enum Target {
    Booth {
        key: String,
        secs: u32,
    },
    Video {
        hall: u16,
        object: u32,
        rect: madang_shared::map::Rect,
    },
    Timetable {
        item: usize,
        secs: u32,
    },
    /// A comment at this booth (by key), or at any.
    Comment {
        key: Option<String>,
    },
    /// Seconds in a row at a discussion table (a private area).
    Table {
        hall: u16,
        rect: madang_shared::map::Rect,
        secs: u32,
    },
}

struct Tour {
    setting: TourSetting,
    targets: Vec<Target>,
}

/// Where a visitor watching a video began (ms into it) and where it was last seen.
#[derive(Debug, Clone, Copy)]
struct Watch {
    start_ms: u64,
    last_ms: u64,
}

enum Saving {
    Stamp {
        receipt: Receipt,
        visitor: u64,
        tour: u16,
        stamp: u16,
    },
    Pledge {
        receipt: Receipt,
        visitor: u64,
        tour: u16,
        cause: String,
        points: u32,
        client: ClientId,
        req: u32,
    },
}

fn setting_cause(tours: &Tours, t: u16, c: usize) -> String {
    tours.tours[t as usize].setting.causes[c].id.clone()
}

/// The tours, what each visitor has earned and pledged, and what is being watched, attended
/// and saved.
#[derive(Resource)]
pub struct Tours {
    tours: Vec<Tour>,
    earned: HashMap<u64, HashSet<(u16, u16)>>,
    /// Per visitor and tour: (cause id, points) pledged. Pledges to causes no longer in the
    /// settings still count against the points earned.
    pledged: HashMap<(u64, u16), Vec<(String, u32)>>,
    granting: HashSet<(u64, u16, u16)>,
    pledging: HashSet<(u64, u16)>,
    saving: Vec<Saving>,
    watching: HashMap<(AvatarId, u32), Watch>,
    /// Seconds each visitor has been at a timetable item (by its index) while it is on.
    attending: HashMap<(u64, usize), u32>,
    /// Seconds in a row each person has sat at a table stamp's table: (visitor, tour, stamp).
    seated: HashMap<(u64, u16, u16), u32>,
}

/// Parses `hall#object` against the maps.
fn locate(halls: &Halls, key: &str) -> Option<(u16, u32)> {
    let (hall, object) = key.rsplit_once('#')?;
    Some((halls.index_of(hall)?, object.parse().ok()?))
}

impl Tours {
    /// The settings' tours, their targets checked against the maps, and what the store kept.
    pub fn new(
        settings: &Settings,
        halls: &Halls,
        loaded: &crate::store::Loaded,
    ) -> Result<Tours, SettingsError> {
        let mut tours = Vec::new();
        for t in &settings.tours {
            let mut targets = Vec::new();
            for s in &t.stamps {
                let bad = |why: String| SettingsError::Invalid {
                    field: "tours",
                    why: format!("tour {}, stamp {}: {why}", t.id, s.id),
                };
                // Kept as the store writes booth keys (`hall#3`, whatever `hall#03` said).
                let booth = |key: &str| {
                    locate(halls, key)
                        .and_then(|(h, o)| {
                            let m = halls.get(h)?;
                            m.booths
                                .iter()
                                .any(|b| b.object_id == o)
                                .then(|| booth_key(&m.id, o))
                        })
                        .ok_or_else(|| bad(format!("no booth `{key}` (hall#object id)")))
                };
                let target = if let Some(key) = &s.booth {
                    Target::Booth {
                        key: booth(key)?,
                        secs: s.seconds,
                    }
                } else if let Some(key) = &s.video {
                    let (hall, object) =
                        locate(halls, key).ok_or_else(|| bad(format!("no video kiosk `{key}`")))?;
                    let rect = halls
                        .get(hall)
                        .and_then(|m| m.video_kiosks.iter().find(|k| k.object_id == object))
                        .map(|k| k.rect)
                        .ok_or_else(|| bad(format!("no video kiosk `{key}` (hall#object id)")))?;
                    Target::Video { hall, object, rect }
                } else if let Some(key) = &s.table {
                    let (hall, object) =
                        locate(halls, key).ok_or_else(|| bad(format!("no table `{key}`")))?;
                    let rect = halls
                        .get(hall)
                        .and_then(|m| m.private_areas.iter().find(|a| a.object_id == object))
                        .map(|a| a.rect)
                        .ok_or_else(|| {
                            bad(format!("no discussion table `{key}` (hall#object id)"))
                        })?;
                    Target::Table {
                        hall,
                        rect,
                        secs: s.seconds,
                    }
                } else if let Some(title) = &s.timetable {
                    let item = settings
                        .schedule
                        .iter()
                        .position(|i| &i.title == title || &i.title_en == title)
                        .ok_or_else(|| bad(format!("no timetable item {title}")))?;
                    Target::Timetable {
                        item,
                        secs: s.seconds,
                    }
                } else {
                    match s.comment.as_deref() {
                        Some("*") | None => Target::Comment { key: None },
                        Some(key) => Target::Comment {
                            key: Some(booth(key)?),
                        },
                    }
                };
                targets.push(target);
            }
            tours.push(Tour {
                setting: t.clone(),
                targets,
            });
        }
        let mut me = Tours {
            tours,
            earned: HashMap::new(),
            pledged: HashMap::new(),
            granting: HashSet::new(),
            pledging: HashSet::new(),
            saving: Vec::new(),
            watching: HashMap::new(),
            attending: HashMap::new(),
            seated: HashMap::new(),
        };
        for (tour, stamp, visitor) in &loaded.stamps {
            if let Some((t, s)) = me.stamp_index(tour, stamp) {
                me.earned.entry(*visitor).or_default().insert((t, s));
            }
        }
        for (tour, visitor, cause, points) in &loaded.pledges {
            if let Some(t) = me.tour_index(tour) {
                me.pledged
                    .entry((*visitor, t))
                    .or_default()
                    .push((cause.clone(), *points));
            }
        }
        Ok(me)
    }

    fn tour_index(&self, id: &str) -> Option<u16> {
        self.tours
            .iter()
            .position(|t| t.setting.id == id)
            .map(|i| i as u16)
    }

    fn stamp_index(&self, tour: &str, stamp: &str) -> Option<(u16, u16)> {
        let t = self.tour_index(tour)?;
        let s = self.tours[t as usize]
            .setting
            .stamps
            .iter()
            .position(|s| s.id == stamp)?;
        Some((t, s as u16))
    }

    /// A visitor's card.
    pub fn card(&self, visitor: u64) -> Vec<TourCard> {
        (0..self.tours.len() as u16)
            .map(|t| self.tour_card(visitor, t))
            .collect()
    }

    /// One tour of a visitor's card.
    fn tour_card(&self, visitor: u64, t: u16) -> TourCard {
        let earned = self.earned.get(&visitor);
        let tour = &self.tours[t as usize];
        {
            {
                let s = &tour.setting;
                TourCard {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    name_en: s.name_en.clone(),
                    stamps: s
                        .stamps
                        .iter()
                        .enumerate()
                        .map(|(i, st)| StampView {
                            id: st.id.clone(),
                            label: st.label.clone(),
                            label_en: st.label_en.clone(),
                            points: st.points,
                            earned: earned.is_some_and(|e| e.contains(&(t, i as u16))),
                        })
                        .collect(),
                    causes: s
                        .causes
                        .iter()
                        .map(|c| CauseView {
                            id: c.id.clone(),
                            name: c.name.clone(),
                            name_en: c.name_en.clone(),
                        })
                        .collect(),
                    pledge_any_time: s.pledge_any_time,
                    pledged: self.pledged.get(&(visitor, t)).cloned().unwrap_or_default(),
                }
            }
        }
    }

    /// Saves a stamp for `visitor` unless it is theirs already or being saved.
    fn grant(&mut self, store: &crate::store::Store, visitor: u64, tour: u16, stamp: u16) {
        if self
            .earned
            .get(&visitor)
            .is_some_and(|e| e.contains(&(tour, stamp)))
            || !self.granting.insert((visitor, tour, stamp))
        {
            return;
        }
        let t = &self.tours[tour as usize].setting;
        let receipt = store.submit(Write::Stamp {
            tour: t.id.clone(),
            stamp: t.stamps[stamp as usize].id.clone(),
            visitor,
            at: unix_now(),
        });
        self.saving.push(Saving::Stamp {
            receipt,
            visitor,
            tour,
            stamp,
        });
    }

    /// Every stamp whose target `matches`.
    fn stamps_where(&self, matches: impl Fn(&Target) -> bool) -> Vec<(u16, u16)> {
        self.targets(|target| matches(target).then_some(()))
            .into_iter()
            .map(|(t, s, ())| (t, s))
            .collect()
    }

    /// What `pick` takes of each stamp's target, with the stamp's (tour, stamp).
    fn targets<T>(&self, pick: impl Fn(&Target) -> Option<T>) -> Vec<(u16, u16, T)> {
        let mut out = Vec::new();
        for (t, tour) in self.tours.iter().enumerate() {
            for (s, target) in tour.targets.iter().enumerate() {
                if let Some(x) = pick(target) {
                    out.push((t as u16, s as u16, x));
                }
            }
        }
        out
    }

    fn has(&self, kind: impl Fn(&Target) -> bool) -> bool {
        self.tours.iter().any(|t| t.targets.iter().any(&kind))
    }
}

/// Whether timetable item `item` is on at `wall_ms`.
fn item_on(item: &crate::settings::ScheduleItem, wall_ms: i64, offset_minutes: i32) -> bool {
    let Some(start) = item.minute_of_day() else {
        return false;
    };
    let local_minute = (wall_ms.div_euclid(60_000) + offset_minutes as i64).rem_euclid(1440) as u32;
    let since = (local_minute + 1440 - start) % 1440;
    since < item.minutes
}

/// Grants the stamps the server saw earned: comments as they are saved, and twice a second
/// the booth visits, the videos watched and the timetable attended.
#[allow(clippy::too_many_arguments)]
fn see_deeds(
    mut tours: ResMut<Tours>,
    mut commented: MessageReader<Commented>,
    tick: Res<Tick>,
    halls: Res<Halls>,
    store: Res<StoreRes>,
    (visits, screens, clock, settings): (
        Res<crate::visits::OpenVisits>,
        Res<crate::screen::Screens>,
        Res<crate::screen::ServerClock>,
        Res<crate::SettingsRes>,
    ),
    avatars: Query<(&Avatar, &Position, &InHall)>,
) {
    if tours.tours.is_empty() {
        commented.clear();
        return;
    }
    let tours = &mut *tours;
    for c in commented.read() {
        let Some(map) = halls.get(c.hall) else {
            continue;
        };
        let key = booth_key(&map.id, c.booth);
        for (t, s) in tours.stamps_where(
            |target| matches!(target, Target::Comment { key: k } if k.as_ref().is_none_or(|k| *k == key)),
        ) {
            tours.grant(&store.0, c.visitor, t, s);
        }
    }
    let hz = tick.hz.max(1);
    let half_second = tick.count.is_multiple_of((hz / 2).max(1));
    let second = tick.count.is_multiple_of(hz);
    // Booths: the visits going on, long enough.
    if half_second && tours.has(|t| matches!(t, Target::Booth { .. })) {
        let inside: Vec<(String, u64, u32)> = visits
            .inside()
            .map(|(b, v, since)| (b.to_owned(), v, tick.count.saturating_sub(since) / hz))
            .collect();
        for (booth, visitor, secs) in inside {
            for (t, s) in tours.stamps_where(|target| {
                matches!(target, Target::Booth { key, secs: need } if *key == booth && secs >= *need)
            }) {
                tours.grant(&store.0, visitor, t, s);
            }
        }
    }
    // Videos: watched from the start to the end, within reach of the kiosk.
    if half_second && tours.has(|t| matches!(t, Target::Video { .. })) {
        let now = clock.now_ms();
        let videos = tours.targets(|target| match target {
            Target::Video { hall, object, rect } => Some((*hall, *object, *rect)),
            _ => None,
        });
        let mut watching = HashMap::new();
        let mut ended = Vec::new();
        for (avatar, pos, in_hall) in &avatars {
            for &(t, s, (hall, object, rect)) in &videos {
                if hall != in_hall.0 || distance_to(&rect, pos.0) > KIOSK_REACH {
                    continue;
                }
                let Some(playback) = screens.playback(hall, object) else {
                    continue;
                };
                if !playback.playing || playback.duration_ms.is_none() {
                    continue;
                }
                let at = playback.position_at(now);
                let key = (avatar.id, object);
                let mut w = tours.watching.get(&key).copied().unwrap_or(Watch {
                    start_ms: at,
                    last_ms: at,
                });
                let wrapped = at < w.last_ms;
                let finished = playback.finished_at(now);
                if (wrapped || finished) && w.start_ms <= START_GRACE_MS {
                    ended.push((avatar.visitor_id, t, s));
                }
                if wrapped {
                    w.start_ms = at;
                }
                w.last_ms = at;
                watching.insert(key, w);
            }
        }
        tours.watching = watching;
        for (visitor, t, s) in ended {
            tours.grant(&store.0, visitor, t, s);
        }
    }
    // Discussion tables: seconds in a row inside the table's area.
    if second && tours.has(|t| matches!(t, Target::Table { .. })) {
        let tables = tours.targets(|target| match target {
            Target::Table { hall, rect, secs } => Some((*hall, *rect, *secs)),
            _ => None,
        });
        let mut seated = HashMap::new();
        let mut done = Vec::new();
        for (avatar, pos, in_hall) in &avatars {
            for &(t, s, (hall, rect, need)) in &tables {
                if hall != in_hall.0 || !rect.contains(pos.0) {
                    continue;
                }
                let key = (avatar.visitor_id, t, s);
                let secs = tours.seated.get(&key).copied().unwrap_or(0) + 1;
                seated.insert(key, secs);
                if secs >= need {
                    done.push(key);
                }
            }
        }
        tours.seated = seated;
        for (visitor, t, s) in done {
            tours.grant(&store.0, visitor, t, s);
        }
    }
    // The timetable: seconds in the item's hall while it is on.
    if second && tours.has(|t| matches!(t, Target::Timetable { .. })) {
        let wall = clock.wall_ms();
        let schedule = &settings.0.schedule;
        let offset = settings.0.utc_offset_minutes;
        let on: Vec<usize> = (0..schedule.len())
            .filter(|&i| item_on(&schedule[i], wall, offset))
            .collect();
        tours.attending.retain(|(_, item), _| on.contains(item));
        for &item in &on {
            let needs = tours
                .stamps_where(|t| matches!(t, Target::Timetable { item: i, .. } if *i == item));
            if needs.is_empty() {
                continue;
            }
            let hall = schedule[item]
                .hall
                .as_deref()
                .and_then(|h| halls.index_of(h));
            for (avatar, _, in_hall) in &avatars {
                if hall.is_some_and(|h| h != in_hall.0) {
                    continue;
                }
                let secs = tours
                    .attending
                    .entry((avatar.visitor_id, item))
                    .or_default();
                *secs += 1;
                let secs = *secs;
                for &(t, s) in &needs {
                    let need = match tours.tours[t as usize].targets[s as usize] {
                        Target::Timetable { secs, .. } => secs,
                        _ => continue,
                    };
                    if secs >= need {
                        tours.grant(&store.0, avatar.visitor_id, t, s);
                    }
                }
            }
        }
    }
}

/// A pledge: every point of the tour not yet given, to one cause, checked against what the
/// server granted.
fn take_pledges(
    mut requests: MessageReader<ClientRequest>,
    mut tours: ResMut<Tours>,
    avatars: Query<&Avatar>,
    store: Res<StoreRes>,
    mut out: Outbox,
) {
    for request in requests.read() {
        let ClientMsg::Pledge { req, tour, cause } = &request.msg else {
            continue;
        };
        let Ok(me) = avatars.get(request.avatar) else {
            continue;
        };
        let (client, req, visitor) = (me.client, *req, me.visitor_id);
        let Some(t) = tours.tour_index(tour) else {
            out.refuse(client, req, Refusal::NoSuchTour);
            continue;
        };
        let setting = &tours.tours[t as usize].setting;
        let Some(c) = setting.causes.iter().position(|c| &c.id == cause) else {
            out.refuse(client, req, Refusal::NoSuchCause);
            continue;
        };
        let card = tours.tour_card(visitor, t);
        if !card.pledge_any_time && !card.complete() {
            out.refuse(client, req, Refusal::TourNotComplete);
            continue;
        }
        let points = card.pledgeable();
        if points == 0 || tours.pledging.contains(&(visitor, t)) {
            out.refuse(client, req, Refusal::NothingToPledge);
            continue;
        }
        let receipt = store.0.submit(Write::Pledge {
            tour: tour.clone(),
            visitor,
            cause: cause.clone(),
            points,
            at: unix_now(),
        });
        tours.pledging.insert((visitor, t));
        let cause = setting_cause(&tours, t, c);
        tours.saving.push(Saving::Pledge {
            receipt,
            visitor,
            tour: t,
            cause,
            points,
            client,
            req,
        });
    }
}

/// Saved stamps and pledges are told to their visitors, with their cards.
fn finish_saves(mut tours: ResMut<Tours>, connections: Res<Connections>, mut out: Outbox) {
    if tours.saving.is_empty() {
        return;
    }
    let tours = &mut *tours;
    let mut told: Vec<(u64, Option<(u16, u16)>)> = Vec::new();
    let mut still = Vec::new();
    for saving in std::mem::take(&mut tours.saving) {
        match saving {
            Saving::Stamp {
                receipt,
                visitor,
                tour,
                stamp,
            } => match receipt.poll() {
                None => still.push(Saving::Stamp {
                    receipt,
                    visitor,
                    tour,
                    stamp,
                }),
                Some(result) => {
                    tours.granting.remove(&(visitor, tour, stamp));
                    match result {
                        Ok(_) => {
                            tours
                                .earned
                                .entry(visitor)
                                .or_default()
                                .insert((tour, stamp));
                            told.push((visitor, Some((tour, stamp))));
                        }
                        Err(e) => warn!(
                            visitor,
                            "a stamp could not be saved (it is granted again when seen again): {e}"
                        ),
                    }
                }
            },
            Saving::Pledge {
                receipt,
                visitor,
                tour,
                cause,
                points,
                client,
                req,
            } => match receipt.poll() {
                None => still.push(Saving::Pledge {
                    receipt,
                    visitor,
                    tour,
                    cause,
                    points,
                    client,
                    req,
                }),
                Some(result) => {
                    tours.pledging.remove(&(visitor, tour));
                    match result {
                        Ok(_) => {
                            tours
                                .pledged
                                .entry((visitor, tour))
                                .or_default()
                                .push((cause, points));
                            out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
                            told.push((visitor, None));
                        }
                        Err(e) => {
                            warn!(visitor, "a pledge could not be saved: {e}");
                            out.refuse(client, req, Refusal::NotSaved);
                        }
                    }
                }
            },
        }
    }
    tours.saving = still;
    if told.is_empty() {
        return;
    }
    let clients: HashMap<u64, ClientId> = connections
        .avatars
        .values()
        .map(|w| (w.visitor, w.client))
        .collect();
    for (visitor, earned) in told {
        let Some(client) = clients.get(&visitor) else {
            continue;
        };
        let earned = earned.map(|(t, s)| {
            let tour = &tours.tours[t as usize].setting;
            (tour.id.clone(), tour.stamps[s as usize].id.clone())
        });
        out.send(
            *client,
            channel::RELIABLE,
            &ServerMsg::StampCard {
                tours: tours.card(visitor),
                earned,
            },
        );
    }
}

/// A visitor arriving (in the expo, or in another hall) is sent their card.
fn send_on_arrival(
    mut arrived: MessageReader<ViewMoved>,
    tours: Res<Tours>,
    connections: Res<Connections>,
    mut out: Outbox,
) {
    if tours.tours.is_empty() {
        arrived.clear();
        return;
    }
    for v in arrived.read().filter(|v| v.from.is_none()) {
        if let Some(who) = connections.avatars.get(&v.avatar) {
            out.send(
                who.client,
                channel::RELIABLE,
                &ServerMsg::StampCard {
                    tours: tours.card(who.visitor),
                    earned: None,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_tour_names_what_the_demo_expo_has() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut settings = Settings::from_file(&root.join("assets/demo.toml")).expect("reads");
        settings.maps_dir = root.join("assets/maps");
        settings.validate().expect("valid");
        let halls = Halls::load(&settings).expect("the demo maps");
        let tours =
            Tours::new(&settings, &halls, &Default::default()).expect("every target exists");
        let card = tours.card(7);
        assert_eq!(card.len(), 1);
        assert_eq!(card[0].stamps.len(), 5);
        assert_eq!(card[0].pledgeable(), 0, "nothing earned, nothing to give");
        settings.tours[0].stamps[0].booth = Some("hall#999".into());
        let err = Tours::new(&settings, &halls, &Default::default())
            .err()
            .expect("a booth that is not there")
            .to_string();
        assert!(err.contains("hall#999"), "{err}");
    }

    #[test]
    fn an_item_is_on_from_its_start_for_its_minutes_in_the_expo_time_zone() {
        let item = crate::settings::ScheduleItem {
            time: "23:30".into(),
            title: "자정 행사".into(),
            title_en: String::new(),
            minutes: 60,
            hall: None,
            opens_ceremony: false,
            screen: None,
            deck: None,
        };
        // 2026-11-21 14:45 UTC is 23:45 in Seoul; 15:25 UTC is 00:25 the next day.
        let at = |h: i64, m: i64| 1_795_219_200_000 + (h * 60 + m) * 60_000;
        assert!(item_on(&item, at(14, 45), 540));
        assert!(item_on(&item, at(15, 25), 540), "over midnight");
        assert!(!item_on(&item, at(15, 31), 540));
        assert!(!item_on(&item, at(14, 29), 540));
    }
}
