//! The awards ceremony, run by an organizer step by step: open it (everyone in the expo is
//! invited to the ceremony room and may go there at once), announce an award, call its winner
//! (moved onto the stage, where the whole room sees and hears them, their name and award shown
//! to the room), the audience applauds (reactions), next; close. What was awarded, to whom and
//! when is kept in the store and exported with the report.
//!
//! The awards and their winners come from the settings: a winner is named by visitor id, or
//! claims the award at the join endpoint with the one-time code the organizers handed them
//! ([`AwardClaims`]). A winner is never found by display name, and the winners' labels are
//! reserved names. Giving an award is acknowledged to the organizer once the store has it.

use bevy::prelude::*;
use madang_shared::protocol::{
    AwardView, CeremonyStep, CeremonyView, ClientMsg, Role, ServerMsg, channel,
};
use madang_shared::refusal::Refusal;
use tracing::info;

use crate::halls::Halls;
use crate::movement::Inputs;
use crate::net::{ClientRequest, Outbox};
use crate::portal::hand_over;
use crate::presence::{Avatar, InHall, Position};
use crate::snapshot::{InterestRes, Notices, ViewMoved};
use crate::store::Write;
use crate::{ServerSet, SettingsRes, StoreRes, unix_now};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Ceremony>();
    app.init_resource::<AwardClaims>();
    app.init_resource::<PendingAwards>();
    app.add_systems(
        Update,
        (
            open_on_schedule,
            take_requests,
            finish_awards,
            tell_arrivals,
        )
            .chain()
            .in_set(ServerSet::Simulate)
            .after(crate::portal::take_portals),
    );
}

/// Who claimed which award (by award name), shared with the join endpoint, which records claims.
#[derive(Resource, Debug, Clone, Default)]
pub struct AwardClaims(
    pub std::sync::Arc<std::sync::RwLock<std::collections::HashMap<String, u64>>>,
);

impl AwardClaims {
    pub fn from_loaded(loaded: &crate::store::Loaded) -> Self {
        let map = loaded.award_claims.iter().cloned().collect();
        AwardClaims(std::sync::Arc::new(std::sync::RwLock::new(map)))
    }

    pub fn holder(&self, award: &str) -> Option<u64> {
        self.0.read().ok().and_then(|m| m.get(award).copied())
    }

    pub fn record(&self, award: &str, visitor: u64) {
        if let Ok(mut m) = self.0.write() {
            m.insert(award.to_owned(), visitor);
        }
    }
}

/// Whether `visitor` is the winner of `award`: by the settings' visitor id or by a claim.
pub fn is_winner(
    award: &crate::settings::AwardSetting,
    claims: &AwardClaims,
    visitor: u64,
) -> bool {
    award.winner_visitor == Some(visitor) || claims.holder(&award.name) == Some(visitor)
}

/// Awards given, waiting for the store before the organizer hears they are done.
#[derive(Resource, Default)]
struct PendingAwards(Vec<(crate::store::Receipt, renet::ClientId, u32)>);

/// Where the ceremony stands.
#[derive(Resource, Default)]
pub struct Ceremony {
    open: bool,
    /// The award being given (index into the settings' awards), and whether its winner has
    /// been called to the stage.
    current: Option<(usize, Option<String>)>,
}

fn view(c: &Ceremony, settings: &SettingsRes, hall: u16) -> CeremonyView {
    let awards = &settings.0.awards;
    CeremonyView {
        open: c.open,
        hall,
        award: c.current.as_ref().and_then(|(i, winner)| {
            awards.get(*i).map(|a| AwardView {
                index: *i as u16,
                name: a.name.clone(),
                name_en: a.name_en.clone(),
                winner: winner.clone(),
            })
        }),
        awards: awards.len() as u16,
    }
}

/// The ceremony hall (by the settings, else the first hall with a stage) and its stage's
/// centre.
fn stage(halls: &Halls, settings: &SettingsRes) -> Option<(u16, madang_shared::Vec2)> {
    let by_name = settings
        .0
        .ceremony_hall
        .as_deref()
        .and_then(|h| halls.index_of(h));
    let hall = by_name.or_else(|| {
        (0..halls.maps.len() as u16)
            .find(|&h| halls.get(h).is_some_and(|m| !m.spotlights.is_empty()))
    })?;
    let spot = halls.get(hall)?.spotlights.first()?.rect.center();
    Some((hall, spot))
}

#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn take_requests(
    mut requests: MessageReader<ClientRequest>,
    mut avatars: Query<(&Avatar, &mut Position, &mut InHall, &mut Inputs)>,
    halls: Res<Halls>,
    settings: Res<SettingsRes>,
    store: Res<StoreRes>,
    mut ceremony: ResMut<Ceremony>,
    mut interest: ResMut<InterestRes>,
    mut notices: ResMut<Notices>,
    mut views: MessageWriter<ViewMoved>,
    awarding: (Res<AwardClaims>, ResMut<PendingAwards>),
    mut out: Outbox,
) {
    let (claims, mut pending) = awarding;
    for request in requests.read() {
        let Ok((me, _, _, _)) = avatars.get(request.avatar) else {
            continue;
        };
        let (client, role, my_name) = (me.client, me.role, me.name.to_string());
        match &request.msg {
            ClientMsg::Ceremony { req, .. } if role != Role::Organizer => {
                out.refuse(client, *req, Refusal::OrganizersOnly);
            }
            ClientMsg::Ceremony { req, step } => {
                let req = *req;
                let Some((hall, spot)) = stage(&halls, &settings) else {
                    out.refuse(client, req, Refusal::NoStage);
                    continue;
                };
                let awards = &settings.0.awards;
                // Who hears of this step: the whole expo for opening and closing, the
                // ceremony room for the awards.
                let mut everyone = false;
                match *step {
                    CeremonyStep::Open => {
                        ceremony.open = true;
                        ceremony.current = None;
                        everyone = true;
                    }
                    CeremonyStep::Close => {
                        ceremony.open = false;
                        ceremony.current = None;
                        everyone = true;
                    }
                    _ if !ceremony.open => {
                        out.refuse(client, req, Refusal::CeremonyNotOpen);
                        continue;
                    }
                    CeremonyStep::Announce(i) => {
                        if awards.get(i as usize).is_none() {
                            out.refuse(client, req, Refusal::NoSuchAward);
                            continue;
                        }
                        ceremony.current = Some((i as usize, None));
                    }
                    CeremonyStep::CallWinner => {
                        let Some((i, _)) = ceremony.current.clone() else {
                            out.refuse(client, req, Refusal::AnnounceAwardFirst);
                            continue;
                        };
                        let award = &awards[i];
                        let winner = avatars
                            .iter_mut()
                            .find(|(a, ..)| is_winner(award, &claims, a.visitor_id));
                        let Some((avatar, mut pos, mut in_hall, mut inputs)) = winner else {
                            out.refuse(
                                client,
                                req,
                                Refusal::WinnerAbsent {
                                    winner: award.winner.clone(),
                                },
                            );
                            continue;
                        };
                        let (name, visitor) = (avatar.name.to_string(), avatar.visitor_id);
                        hand_over(
                            avatar,
                            (&mut pos, &mut in_hall, &mut inputs),
                            (hall, spot),
                            &mut interest,
                            &mut notices,
                            &mut views,
                            &mut out,
                        );
                        let receipt = store.0.submit(Write::Award {
                            award: award.name.clone(),
                            winner: name.clone(),
                            visitor: Some(visitor),
                            at: unix_now(),
                        });
                        info!(by = %my_name, award = %award.name, winner = %name, "award given");
                        ceremony.current = Some((i, Some(award.winner.clone())));
                        pending.0.push((receipt, client, req));
                    }
                }
                let msg = ServerMsg::Ceremony(view(&ceremony, &settings, hall));
                for (a, _, in_hall, _) in &avatars {
                    if everyone || in_hall.0 == hall {
                        out.send(a.client, channel::RELIABLE, &msg);
                    }
                }
                // An award given is acknowledged once it is kept (finish_awards).
                if !matches!(step, CeremonyStep::CallWinner) {
                    out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
                }
            }
            ClientMsg::JoinCeremony { req } => {
                let req = *req;
                let Some((hall, _)) = stage(&halls, &settings) else {
                    continue;
                };
                if !ceremony.open {
                    out.refuse(client, req, Refusal::CeremonyNotOpen);
                    continue;
                }
                let Some(spawn) = halls.get(hall).and_then(|m| m.spawn(None)).map(|s| s.pos) else {
                    continue;
                };
                if let Ok((avatar, mut pos, mut in_hall, mut inputs)) =
                    avatars.get_mut(request.avatar)
                    && in_hall.0 != hall
                {
                    {
                        hand_over(
                            avatar,
                            (&mut pos, &mut in_hall, &mut inputs),
                            (hall, spawn),
                            &mut interest,
                            &mut notices,
                            &mut views,
                            &mut out,
                        );
                    }
                }
                out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
            }
            _ => {}
        }
    }
}

/// The organizer hears an award was given once the store has it.
fn finish_awards(mut pending: ResMut<PendingAwards>, mut out: Outbox) {
    pending
        .0
        .retain(|(receipt, client, req)| match receipt.poll() {
            None => true,
            Some(Ok(_)) => {
                out.send(*client, channel::RELIABLE, &ServerMsg::Done { req: *req });
                false
            }
            Some(Err(e)) => {
                tracing::warn!("an award could not be saved: {e}");
                out.refuse(*client, *req, Refusal::AwardNotSaved);
                false
            }
        });
}

/// An item of the timetable that opens the ceremony opens it by itself at its time.
fn open_on_schedule(
    clock: Res<crate::screen::ServerClock>,
    settings: Res<SettingsRes>,
    halls: Res<Halls>,
    avatars: Query<&Avatar>,
    mut ceremony: ResMut<Ceremony>,
    mut last: Local<Option<i64>>,
    mut out: Outbox,
) {
    let now = clock.wall_ms();
    let Some(before) = last.replace(now) else {
        return;
    };
    let offset = settings.0.utc_offset_minutes;
    let due = settings.0.schedule.iter().any(|item| {
        item.opens_ceremony
            && item.minute_of_day().is_some_and(|m| {
                let at = madang_shared::video::next_daily(before, offset, m);
                before < at && at <= now
            })
    });
    if !due || ceremony.open {
        return;
    }
    let Some((hall, _)) = stage(&halls, &settings) else {
        return;
    };
    ceremony.open = true;
    ceremony.current = None;
    info!("the ceremony opens, as the timetable says");
    let msg = ServerMsg::Ceremony(view(&ceremony, &settings, hall));
    for a in &avatars {
        out.send(a.client, channel::RELIABLE, &msg);
    }
}

/// Arrivals are told the ceremony while it is open.
fn tell_arrivals(
    mut arrived: MessageReader<ViewMoved>,
    ceremony: Res<Ceremony>,
    halls: Res<Halls>,
    settings: Res<SettingsRes>,
    connections: Res<crate::presence::Connections>,
    mut out: Outbox,
) {
    if !ceremony.open {
        arrived.clear();
        return;
    }
    let Some((hall, _)) = stage(&halls, &settings) else {
        return;
    };
    for v in arrived.read().filter(|v| v.from.is_none()) {
        if let Some(who) = connections.avatars.get(&v.avatar) {
            out.send(
                who.client,
                channel::RELIABLE,
                &ServerMsg::Ceremony(view(&ceremony, &settings, hall)),
            );
        }
    }
}
