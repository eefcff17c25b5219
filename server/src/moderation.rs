//! Keeping the expo civil: every privileged message is checked against the role in the
//! sender's connect token, and a refusal says why.
//!
//! Organizers kick (out now, with the reason shown), ban (kept in the store with a reason and
//! an optional end, and checked by the join endpoint at the door), lift bans, move people to
//! the stage, list the people online and the reports, and put up banners for one hall or the
//! whole expo. Anyone may report someone. Muting is in `talk`, hiding comments in `booth`.

use madang_shared::refusal::{JoinRefused, Refusal, ServerNotice};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use bevy::prelude::*;
use madang_shared::names::clean_comment;
use madang_shared::protocol::{
    AvatarId, ClientMsg, ModAction, PersonRow, ReportRow, Role, ServerMsg, channel,
};
use renet::ClientId;
use tracing::{info, warn};

use crate::halls::Halls;
use crate::movement::Inputs;
use crate::net::{ClientRequest, Outbox};
use crate::portal::hand_over;
use crate::presence::{Avatar, InHall, Position};
use crate::snapshot::{InterestRes, Notices, ViewMoved};
use crate::store::{Loaded, Receipt, Write, Written};
use crate::talk::Talk;
use crate::{ServerSet, StoreRes, Tick, unix_now};

/// Ticks between telling someone they are out and closing their connection, so the reason
/// reaches them first.
const GRACE_TICKS: u32 = 10;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Announcements>();
    app.init_resource::<Leaving>();
    app.init_resource::<PendingBans>();
    app.init_resource::<PendingReports>();
    app.init_resource::<PendingFigures>();
    app.add_systems(
        Update,
        (
            take_requests,
            finish_bans,
            finish_reports,
            finish_banners,
            finish_figures,
            close_leavers,
            tell_arrivals,
        )
            .chain()
            .in_set(ServerSet::Simulate)
            .after(crate::portal::take_portals),
    );
}

/// A ban as the door sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    pub reason: String,
    /// Unix seconds; `None` for good.
    pub until: Option<i64>,
}

/// The bans, shared with the join endpoint's thread.
#[derive(Resource, Clone, Default)]
pub struct Bans(Arc<RwLock<HashMap<u64, Ban>>>);

impl Bans {
    pub fn from_loaded(loaded: &Loaded) -> Self {
        let map = loaded
            .bans
            .iter()
            .map(|(v, reason, until)| {
                (
                    *v,
                    Ban {
                        reason: reason.clone(),
                        until: *until,
                    },
                )
            })
            .collect();
        Bans(Arc::new(RwLock::new(map)))
    }

    /// Why `visitor` is refused at `now`, if they are.
    pub fn active(&self, visitor: u64, now: i64) -> Option<JoinRefused> {
        let map = self.0.read().ok()?;
        let ban = map.get(&visitor)?;
        match ban.until {
            Some(until) if until <= now => None,
            until => Some(JoinRefused::Banned {
                reason: ban.reason.clone(),
                until,
            }),
        }
    }

    fn set(&self, visitor: u64, ban: Option<Ban>) {
        if let Ok(mut map) = self.0.write() {
            match ban {
                Some(b) => map.insert(visitor, b),
                None => map.remove(&visitor),
            };
        }
    }
}

/// Reports, newest last, as kept in memory (the store has them all).
#[derive(Resource, Default)]
pub struct ReportsRes(Vec<ReportRow>);

impl ReportsRes {
    pub fn from_loaded(loaded: &Loaded) -> Self {
        ReportsRes(
            loaded
                .reports
                .iter()
                .map(
                    |(id, reporter, target_visitor, target, reason, at)| ReportRow {
                        id: *id,
                        reporter: reporter.clone(),
                        target: target.clone(),
                        target_visitor: *target_visitor,
                        reason: reason.clone(),
                        at: *at,
                    },
                )
                .collect(),
        )
    }
}

/// The banners up: one for the whole expo, and one per hall (which wins in its hall).
#[derive(Resource, Default)]
pub struct Announcements {
    expo: Option<String>,
    halls: HashMap<u16, String>,
    /// Banner changes waiting for the store before the organizer hears they are done.
    pending: Vec<(Receipt, ClientId, u32)>,
}

impl Announcements {
    /// The banners kept in the store, for the halls that still exist.
    pub fn from_loaded(loaded: &Loaded, halls: &Halls) -> Self {
        let mut a = Announcements::default();
        for (hall, text) in &loaded.banners {
            if hall.is_empty() {
                a.expo = Some(text.clone());
            } else if let Some(h) = halls.index_of(hall) {
                a.halls.insert(h, text.clone());
            }
        }
        a
    }

    fn for_hall(&self, hall: u16) -> Option<String> {
        self.halls.get(&hall).cloned().or_else(|| self.expo.clone())
    }
}

/// Connections to close once their reason has had time to arrive: (client, at tick).
#[derive(Resource, Default)]
struct Leaving(Vec<(ClientId, u32)>);

/// Charts as the drawing thread sends them back: (file name, PNG), or why not.
type Charts = Result<Vec<(String, Vec<u8>)>, String>;

/// Charts being drawn for organizers: who asked, with which request.
#[derive(Resource, Default)]
struct PendingFigures(Vec<(ClientId, u32, crossbeam_channel::Receiver<Charts>)>);

fn finish_figures(mut pending: ResMut<PendingFigures>, mut out: Outbox) {
    pending.0.retain(|(client, req, rx)| match rx.try_recv() {
        Ok(Ok(charts)) => {
            out.send(
                *client,
                channel::RELIABLE,
                &ServerMsg::Figures { req: *req, charts },
            );
            false
        }
        Ok(Err(why)) => {
            warn!("the figures could not be drawn: {why}");
            out.refuse(*client, *req, Refusal::FiguresFailed);
            false
        }
        Err(crossbeam_channel::TryRecvError::Empty) => true,
        Err(crossbeam_channel::TryRecvError::Disconnected) => {
            out.refuse(*client, *req, Refusal::FiguresFailed);
            false
        }
    });
}

/// Reports waiting for their commit, and what each reporter reported lately.
#[derive(Resource, Default)]
struct PendingReports(Vec<(Receipt, ClientId, u32, ReportRow)>, ReportBudget);

/// Reports one visitor may make in an hour, and how soon they may report the same person again.
pub const REPORTS_PER_HOUR: usize = 5;
pub const SAME_TARGET_SECS: i64 = 3600;

/// Each reporter's reports of the last hour (when, whom). Pruned as it is used, and of quiet
/// reporters every few minutes, so it holds at most the last hour's reporters.
#[derive(Default)]
struct ReportBudget {
    recent: HashMap<u64, std::collections::VecDeque<(i64, u64)>>,
    last_prune: i64,
}

impl ReportBudget {
    /// Takes a report of `target` by `reporter` at `now`, or says why not.
    fn take(&mut self, reporter: u64, target: u64, now: i64) -> Result<(), Refusal> {
        if now - self.last_prune > 300 {
            self.last_prune = now;
            self.recent
                .retain(|_, q| q.back().is_some_and(|(at, _)| now - at < SAME_TARGET_SECS));
        }
        let q = self.recent.entry(reporter).or_default();
        while q
            .front()
            .is_some_and(|(at, _)| now - at >= SAME_TARGET_SECS)
        {
            q.pop_front();
        }
        if q.iter().any(|(_, t)| *t == target) {
            return Err(Refusal::ReportedAlready);
        }
        if q.len() >= REPORTS_PER_HOUR {
            return Err(Refusal::TooManyReports);
        }
        q.push_back((now, target));
        Ok(())
    }
}

/// Reports are listed (and acknowledged) once they are kept.
fn finish_reports(
    mut pending: ResMut<PendingReports>,
    mut reports: ResMut<ReportsRes>,
    mut out: Outbox,
) {
    let mut i = 0;
    while i < pending.0.len() {
        let Some(result) = pending.0[i].0.poll() else {
            i += 1;
            continue;
        };
        let (_, client, req, mut row) = pending.0.swap_remove(i);
        match result {
            Ok(Written::Comment(id)) => {
                row.id = id;
                reports.0.push(row);
                // Organizers are shown the newest; the store keeps them all.
                let over = reports.0.len().saturating_sub(crate::store::REPORTS_KEPT);
                reports.0.drain(..over);
                out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
            }
            _ => out.refuse(client, req, Refusal::NotSaved),
        }
    }
}

/// Bans waiting for their commit.
#[derive(Resource, Default)]
struct PendingBans(Vec<PendingBan>);

struct PendingBan {
    receipt: Receipt,
    organizer: ClientId,
    req: u32,
    visitor: u64,
    ban: Option<Ban>,
    /// The banned person's connection, to close once the ban is kept.
    target: Option<ClientId>,
}

/// Someone's connection, visitor id and name, by avatar id.
fn lookup<'a>(
    mut avatars: impl Iterator<Item = &'a Avatar>,
    who: AvatarId,
) -> Option<(ClientId, u64, String)> {
    avatars
        .find(|a| a.id == who)
        .map(|a| (a.client, a.visitor_id, a.name.to_string()))
}

/// The person an action is about (connection, visitor id, name) and its cleaned reason, or
/// why the action cannot be taken.
fn target_and_reason<'a>(
    avatars: impl Iterator<Item = &'a Avatar>,
    who: AvatarId,
    reason: &str,
) -> Result<(ClientId, u64, String, String), Refusal> {
    let reason = clean_reason(reason)?;
    let (client, visitor, name) = lookup(avatars, who).ok_or(Refusal::NotHere)?;
    Ok((client, visitor, name, reason))
}

fn clean_reason(raw: &str) -> Result<String, Refusal> {
    let r = clean_comment(raw)?;
    if r.chars().count() > madang_shared::protocol::REASON_MAX_CHARS {
        Err(Refusal::TooLong {
            max: madang_shared::protocol::REASON_MAX_CHARS as u32,
        })
    } else {
        Ok(r)
    }
}

#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn take_requests(
    mut requests: MessageReader<ClientRequest>,
    mut avatars: Query<(
        &Avatar,
        &mut Position,
        &mut InHall,
        &mut Inputs,
        Option<&Talk>,
    )>,
    halls: Res<Halls>,
    store: Res<StoreRes>,
    tick: Res<Tick>,
    reports: Res<ReportsRes>,
    settings: Res<crate::SettingsRes>,
    mut figures: ResMut<PendingFigures>,
    mut pending_reports: ResMut<PendingReports>,
    mut announcements: ResMut<Announcements>,
    mut leaving: ResMut<Leaving>,
    mut pending: ResMut<PendingBans>,
    mut interest: ResMut<InterestRes>,
    mut notices: ResMut<Notices>,
    mut views: MessageWriter<ViewMoved>,
    mut out: Outbox,
) {
    for request in requests.read() {
        let Ok((me, _, my_hall, _, _)) = avatars.get(request.avatar) else {
            continue;
        };
        let (client, my_id, my_name, my_visitor, my_role, my_hall) = (
            me.client,
            me.id,
            me.name.to_string(),
            me.visitor_id,
            me.role,
            my_hall.0,
        );
        let organizer = my_role == Role::Organizer;
        match &request.msg {
            ClientMsg::Moderate { req, .. }
            | ClientMsg::People { req, .. }
            | ClientMsg::Reports { req }
            | ClientMsg::Figures { req, .. }
            | ClientMsg::Announce { req, .. }
                if !organizer =>
            {
                out.refuse(client, *req, Refusal::OrganizersOnly);
            }
            ClientMsg::Moderate { req, action } => {
                let req = *req;
                match action {
                    ModAction::Kick { who, reason } => {
                        let (target, visitor, name, reason) = match target_and_reason(
                            avatars.iter().map(|(a, ..)| a),
                            *who,
                            reason,
                        ) {
                            Ok(t) => t,
                            Err(why) => {
                                out.refuse(client, req, why);
                                continue;
                            }
                        };
                        info!(by = %my_name, visitor, name = %name, %reason, "kicked");
                        out.send(
                            target,
                            channel::RELIABLE,
                            &ServerMsg::Notice(ServerNotice::Kicked {
                                reason: reason.clone(),
                            }),
                        );
                        leaving.0.push((target, tick.count));
                        out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
                    }
                    ModAction::Ban {
                        who,
                        reason,
                        minutes,
                    } => {
                        let (target, visitor, name, reason) = match target_and_reason(
                            avatars.iter().map(|(a, ..)| a),
                            *who,
                            reason,
                        ) {
                            Ok(t) => t,
                            Err(why) => {
                                out.refuse(client, req, why);
                                continue;
                            }
                        };
                        if visitor == my_visitor {
                            out.refuse(client, req, Refusal::CannotBanSelf);
                            continue;
                        }
                        let until = minutes.map(|m| unix_now() + m as i64 * 60);
                        info!(by = %my_name, visitor, name = %name, %reason, ?until, "banned");
                        let receipt = store.0.submit(Write::Ban {
                            visitor,
                            reason: reason.clone(),
                            until,
                            by: my_name.clone(),
                            at: unix_now(),
                        });
                        pending.0.push(PendingBan {
                            receipt,
                            organizer: client,
                            req,
                            visitor,
                            ban: Some(Ban { reason, until }),
                            target: Some(target),
                        });
                    }
                    ModAction::Unban { visitor } => {
                        let receipt = store.0.submit(Write::Unban { visitor: *visitor });
                        pending.0.push(PendingBan {
                            receipt,
                            organizer: client,
                            req,
                            visitor: *visitor,
                            ban: None,
                            target: None,
                        });
                    }
                    ModAction::ToStage { who } => {
                        // The organizer's own hall if it has a stage, else the first that does.
                        let stage_hall = std::iter::once(my_hall)
                            .chain(0..halls.maps.len() as u16)
                            .find(|&h| halls.get(h).is_some_and(|m| !m.spotlights.is_empty()));
                        let Some(stage_hall) = stage_hall else {
                            out.refuse(client, req, Refusal::NoStage);
                            continue;
                        };
                        let Some(spot) = halls
                            .get(stage_hall)
                            .and_then(|m| m.spotlights.first())
                            .map(|s| s.rect.center())
                        else {
                            continue;
                        };
                        let Some((avatar, mut pos, mut hall, mut inputs, _)) =
                            avatars.iter_mut().find(|(a, ..)| a.id == *who)
                        else {
                            out.refuse(client, req, Refusal::NotHere);
                            continue;
                        };
                        hand_over(
                            avatar,
                            (&mut pos, &mut hall, &mut inputs),
                            (stage_hall, spot),
                            &mut interest,
                            &mut notices,
                            &mut views,
                            &mut out,
                        );
                        out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
                    }
                }
            }
            ClientMsg::Report { req, who, reason } => {
                let req = *req;
                let reason = match clean_reason(reason) {
                    Ok(r) => r,
                    Err(e) => {
                        out.refuse(client, req, e);
                        continue;
                    }
                };
                let Some((_, visitor, name)) = lookup(avatars.iter().map(|(a, ..)| a), *who) else {
                    out.refuse(client, req, Refusal::NotHere);
                    continue;
                };
                if *who == my_id {
                    out.refuse(client, req, Refusal::CannotReportSelf);
                    continue;
                }
                let at = unix_now();
                if let Err(why) = pending_reports.1.take(my_visitor, visitor, at) {
                    out.refuse(client, req, why);
                    continue;
                }
                let receipt = store.0.submit(Write::Report {
                    reporter: my_visitor,
                    reporter_name: my_name.clone(),
                    target: visitor,
                    target_name: name.clone(),
                    reason: reason.clone(),
                    at,
                });
                pending_reports.0.push((
                    receipt,
                    client,
                    req,
                    ReportRow {
                        id: 0,
                        reporter: my_name.clone(),
                        target: name,
                        target_visitor: visitor,
                        reason,
                        at,
                    },
                ));
            }
            ClientMsg::People { req, query } => {
                let q = query.trim().to_lowercase();
                let mut rows: Vec<PersonRow> = avatars
                    .iter()
                    .filter(|(a, ..)| q.is_empty() || a.name.to_lowercase().contains(&q))
                    .map(|(a, _, hall, _, talk)| PersonRow {
                        id: a.id,
                        visitor: a.visitor_id,
                        name: a.name.to_string(),
                        hall: hall.0,
                        role: a.role,
                        muted: talk.is_some_and(|t| t.muted),
                    })
                    .collect();
                rows.sort_by(|a, b| a.hall.cmp(&b.hall).then(a.name.cmp(&b.name)));
                rows.truncate(200);
                out.send(
                    client,
                    channel::RELIABLE,
                    &ServerMsg::People { req: *req, rows },
                );
            }
            ClientMsg::Figures { req, lang } => {
                let lang = *lang;
                // Read and drawn on a thread of its own: the store may hold many visits.
                let (tx, rx) = crossbeam_channel::bounded(1);
                let settings = settings.0.clone();
                let font = settings
                    .maps_dir
                    .join("..")
                    .join("fonts")
                    .join("NanumGothic.ttf");
                let spawned = std::thread::Builder::new()
                    .name("madang-figures".into())
                    .spawn(move || {
                        let charts = crate::report::build(&settings)
                            .and_then(|r| crate::report::charts(&r, &font, Some(lang)));
                        let _ = tx.send(charts);
                    });
                match spawned {
                    Ok(_) => figures.0.push((client, *req, rx)),
                    Err(e) => {
                        warn!("no thread to draw the figures on: {e}");
                        out.refuse(client, *req, Refusal::FiguresFailed)
                    }
                }
            }
            ClientMsg::Reports { req } => {
                let rows = reports.0.iter().rev().take(100).cloned().collect();
                out.send(
                    client,
                    channel::RELIABLE,
                    &ServerMsg::Reports { req: *req, rows },
                );
            }
            ClientMsg::Announce { req, hall, text } => {
                let text = match text.as_deref().map(clean_comment) {
                    None => None,
                    Some(Ok(t)) => Some(t),
                    Some(Err(e)) => {
                        out.refuse(client, *req, e);
                        continue;
                    }
                };
                if hall.is_some_and(|h| halls.get(h).is_none()) {
                    out.refuse(client, *req, Refusal::NoSuchHall);
                    continue;
                }
                match hall {
                    Some(h) => match &text {
                        Some(t) => {
                            announcements.halls.insert(*h, t.clone());
                        }
                        None => {
                            announcements.halls.remove(h);
                        }
                    },
                    None => announcements.expo = text.clone(),
                }
                info!(by = %my_name, ?hall, ?text, "announcement");
                let hall_id = hall
                    .and_then(|h| halls.get(h))
                    .map(|m| m.id.clone())
                    .unwrap_or_default();
                let receipt = store.0.submit(Write::Banner {
                    hall: hall_id,
                    text: text.clone(),
                    at: unix_now(),
                });
                announcements.pending.push((receipt, client, *req));
                for (a, _, in_hall, ..) in &avatars {
                    if hall.is_none_or(|h| h == in_hall.0) {
                        out.send(
                            a.client,
                            channel::RELIABLE,
                            &ServerMsg::Announcement {
                                text: announcements.for_hall(in_hall.0),
                            },
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

/// A banner is acknowledged once it is kept (everyone already sees it).
fn finish_banners(mut announcements: ResMut<Announcements>, mut out: Outbox) {
    announcements
        .pending
        .retain(|(receipt, client, req)| match receipt.poll() {
            None => true,
            Some(Ok(_)) => {
                out.send(*client, channel::RELIABLE, &ServerMsg::Done { req: *req });
                false
            }
            Some(Err(e)) => {
                warn!("a banner could not be saved: {e}");
                out.refuse(*client, *req, Refusal::NotSaved);
                false
            }
        });
}

/// Bans take effect (at the door, and for the one banned) once they are kept.
fn finish_bans(
    mut pending: ResMut<PendingBans>,
    bans: Res<Bans>,
    tick: Res<Tick>,
    mut leaving: ResMut<Leaving>,
    avatars: Query<&Avatar>,
    mut out: Outbox,
) {
    let mut done = Vec::new();
    pending.0.retain_mut(|p| match p.receipt.poll() {
        None => true,
        Some(result) => {
            done.push((
                p.organizer,
                p.req,
                p.visitor,
                p.ban.take(),
                p.target,
                result,
            ));
            false
        }
    });
    for (organizer, req, visitor, ban, target, result) in done {
        if let Err(e) = result {
            warn!(visitor, "a ban could not be saved: {e}");
            out.refuse(organizer, req, Refusal::NotSaved);
            continue;
        }
        if let Some(b) = &ban {
            // Every connection of the visitor, not only the one the organizer picked.
            let clients = avatars
                .iter()
                .filter(|a| a.visitor_id == visitor)
                .map(|a| a.client)
                .chain(target);
            let mut told = std::collections::HashSet::new();
            for client in clients {
                if !told.insert(client) {
                    continue;
                }
                out.send(
                    client,
                    channel::RELIABLE,
                    &ServerMsg::Notice(ServerNotice::Banned {
                        reason: b.reason.clone(),
                    }),
                );
                leaving.0.push((client, tick.count));
            }
        }
        bans.set(visitor, ban);
        out.send(organizer, channel::RELIABLE, &ServerMsg::Done { req });
    }
}

fn close_leavers(mut leaving: ResMut<Leaving>, tick: Res<Tick>, mut out: Outbox) {
    leaving.0.retain(|&(client, at)| {
        if tick.count.wrapping_sub(at) >= GRACE_TICKS {
            out.disconnect(client);
            false
        } else {
            true
        }
    });
}

/// Arrivals in a hall are shown its banner.
fn tell_arrivals(
    mut views: MessageReader<ViewMoved>,
    announcements: Res<Announcements>,
    connections: Res<crate::presence::Connections>,
    mut out: Outbox,
) {
    for v in views.read().filter(|v| v.from.is_none()) {
        let Some(who) = connections.avatars.get(&v.avatar) else {
            continue;
        };
        if let Some(text) = announcements.for_hall(v.hall) {
            out.send(
                who.client,
                channel::RELIABLE,
                &ServerMsg::Announcement { text: Some(text) },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ban_ends_when_its_time_is_up_and_a_lifted_one_is_gone() {
        let bans = Bans::default();
        bans.set(
            7,
            Some(Ban {
                reason: "spam".into(),
                until: Some(1_000),
            }),
        );
        let why = bans.active(7, 999).expect("banned before the end");
        assert_eq!(
            why,
            JoinRefused::Banned {
                reason: "spam".into(),
                until: Some(1_000)
            }
        );
        assert!(why.to_string().contains("1970-01-01 00:16 UTC"), "{why}");
        assert_eq!(bans.active(7, 1_000), None);
        bans.set(
            8,
            Some(Ban {
                reason: "abuse".into(),
                until: None,
            }),
        );
        assert!(bans.active(8, i64::MAX).is_some());
        bans.set(8, None);
        assert_eq!(bans.active(8, 0), None);
    }

    #[test]
    fn a_reporter_is_limited_per_hour_and_per_person() {
        let mut b = ReportBudget::default();
        b.take(1, 10, 0).expect("a first report");
        assert!(
            b.take(1, 10, 60).is_err(),
            "the same person again within the hour"
        );
        for t in 11..15 {
            b.take(1, t, 100).expect("other people");
        }
        assert!(
            b.take(1, 99, 200).is_err(),
            "a sixth report within the hour"
        );
        b.take(2, 10, 200)
            .expect("another reporter has their own budget");
        b.take(1, 10, 3_700).expect("an hour later");
        b.take(3, 1, 10_000).expect("a late reporter");
        assert!(!b.recent.contains_key(&1), "quiet reporters are pruned");
    }
}
