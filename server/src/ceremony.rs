//! The ceremony, run by an organizer step by step through the event's program (the settings'
//! `ceremony_program`, [`CeremonyStep::Next`]) or a step at a time: open it (everyone in the
//! expo is invited to the ceremony room and may go there at once), announce an award, call its
//! winner (moved onto the stage, where the whole room sees and hears them, their name and award
//! shown to the room), the audience applauds (reactions), next; the partnership signing and
//! the relay handover ([`crate::rituals`]); close. What was awarded, to whom and when is kept
//! in the store and exported with the report.
//!
//! The awards and their winners come from the settings: a winner is named by visitor id, or
//! claims the award at the join endpoint with the one-time code the organizers handed them
//! ([`AwardClaims`]). A winner is never found by display name, and the winners' labels are
//! reserved names. Giving an award is acknowledged to the organizer once the store has it.

use bevy::prelude::*;
use madang_shared::protocol::{
    AwardView, CeremonyStep, CeremonyView, ClientMsg, ProgramStep, RelayView, Role, ServerMsg,
    channel,
};
use madang_shared::refusal::Refusal;
use tracing::info;

use crate::halls::Halls;
use crate::movement::Inputs;
use crate::net::{ClientRequest, Outbox};
use crate::portal::hand_over;
use crate::presence::{Avatar, InHall, Position};
use crate::rituals::{Finished, Rituals};
use crate::settings::AwardSetting;
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
            finish_rituals,
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
    /// The place in the program of the step [`CeremonyStep::Next`] runs.
    next: usize,
    /// A step of the program that `Next` found waiting for someone absent: `Next` again
    /// goes on without them.
    skip: Option<usize>,
}

/// The ceremony as told to someone in the room (`in_room`) or elsewhere (the invitation
/// alone: the signing and the relay are the room's).
fn view(
    c: &Ceremony,
    settings: &SettingsRes,
    (rituals, relay): (&Rituals, Option<RelayView>),
    hall: u16,
    in_room: bool,
) -> CeremonyView {
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
        program: rituals.program.clone(),
        next: c.next as u16,
        signing: rituals.signing_view().filter(|_| in_room),
        relay: relay.filter(|_| in_room),
    }
}

/// The ceremony hall (by the settings, else the first hall with a stage) and its stage.
fn stage(halls: &Halls, settings: &SettingsRes) -> Option<(u16, madang_shared::map::Rect)> {
    let by_name = settings
        .0
        .ceremony_hall
        .as_deref()
        .and_then(|h| halls.index_of(h));
    let hall = by_name.or_else(|| {
        (0..halls.maps.len() as u16)
            .find(|&h| halls.get(h).is_some_and(|m| !m.spotlights.is_empty()))
    })?;
    let rect = halls.get(hall)?.spotlights.first()?.rect;
    Some((hall, rect))
}

type Movable<'w, 's> = Query<
    'w,
    's,
    (
        Entity,
        &'static Avatar,
        &'static mut Position,
        &'static mut InHall,
        &'static mut Inputs,
    ),
>;

/// Moving someone onto the stage: what [`hand_over`] needs besides the avatar.
struct Mover<'a, 'w> {
    interest: &'a mut InterestRes,
    notices: &'a mut Notices,
    views: &'a mut MessageWriter<'w, ViewMoved>,
}

impl Mover<'_, '_> {
    fn call(
        &mut self,
        avatars: &mut Movable,
        who: Entity,
        to: (u16, madang_shared::Vec2),
        out: &mut Outbox,
    ) {
        if let Ok((_, avatar, mut pos, mut in_hall, mut inputs)) = avatars.get_mut(who) {
            hand_over(
                avatar,
                (&mut pos, &mut in_hall, &mut inputs),
                to,
                self.interest,
                self.notices,
                self.views,
                out,
            );
        }
    }
}

/// The first avatar `claimable` names (a winner, a representative, a host).
fn find_called(
    avatars: &Movable,
    claims: &AwardClaims,
    claimable: &AwardSetting,
) -> Option<Entity> {
    avatars
        .iter()
        .find(|(_, a, ..)| is_winner(claimable, claims, a.visitor_id))
        .map(|(e, ..)| e)
}

/// Someone a step needs is absent: refused, and when the program's `Next` ran the step,
/// `Next` again goes on without them.
fn absent(
    ceremony: &mut Ceremony,
    after: Option<usize>,
    who: String,
    (client, req): (renet::ClientId, u32),
    out: &mut Outbox,
) {
    match after {
        Some(at) => {
            ceremony.next = at;
            ceremony.skip = Some(at);
            out.refuse(client, req, Refusal::AbsentNextSkips { who });
        }
        None => out.refuse(client, req, Refusal::Absent { who }),
    }
}

/// The step `Next` runs, and where the program stands after it; none past the end.
fn next_step(
    c: &Ceremony,
    rituals: &Rituals,
    claims: &AwardClaims,
) -> Option<(CeremonyStep, usize)> {
    let mut at = c.next;
    loop {
        let step = *rituals.program.get(at)?;
        return Some(match step {
            ProgramStep::Open => (CeremonyStep::Open, at + 1),
            ProgramStep::Award(i) => (CeremonyStep::Announce(i), at + 1),
            ProgramStep::CallWinner => (CeremonyStep::CallWinner, at + 1),
            ProgramStep::Close => (CeremonyStep::Close, at + 1),
            // The signing is one step of the program however many sign: each run calls the
            // next representative, and once all have signed the program goes on.
            ProgramStep::Signing
                if rituals.signing.record.is_some()
                    && rituals.signing.open
                    && rituals.unsigned().is_empty()
                    && rituals.signing.pending.is_none() =>
            {
                at += 1;
                continue;
            }
            ProgramStep::Signing => (CeremonyStep::Signing, at),
            // Handed over already (by hand, or at an earlier run of the program).
            ProgramStep::Handover
                if rituals.relay.as_ref().is_some_and(|r| {
                    r.pending.is_none()
                        && r.holder
                            .as_ref()
                            .is_some_and(|(v, _)| is_winner(&r.receiver, claims, *v))
                }) =>
            {
                at += 1;
                continue;
            }
            ProgramStep::Handover => {
                let passes = rituals.relay.as_ref().is_some_and(|r| r.called);
                (CeremonyStep::Handover, if passes { at + 1 } else { at })
            }
        });
    }
}

#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn take_requests(
    mut requests: MessageReader<ClientRequest>,
    mut avatars: Movable,
    halls: Res<Halls>,
    settings: Res<SettingsRes>,
    store: Res<StoreRes>,
    mut ceremony: ResMut<Ceremony>,
    (mut interest, mut notices, mut views): (
        ResMut<InterestRes>,
        ResMut<Notices>,
        MessageWriter<ViewMoved>,
    ),
    awarding: (Res<AwardClaims>, ResMut<PendingAwards>),
    (mut rituals, clock): (ResMut<Rituals>, Res<crate::screen::ServerClock>),
    mut out: Outbox,
) {
    let (claims, mut pending) = awarding;
    let mut mover = Mover {
        interest: &mut interest,
        notices: &mut notices,
        views: &mut views,
    };
    for request in requests.read() {
        let Ok((_, me, _, _, _)) = avatars.get(request.avatar) else {
            continue;
        };
        let (client, role, my_name) = (me.client, me.role, me.name.to_string());
        match &request.msg {
            ClientMsg::Ceremony { req, .. } if role != Role::Organizer => {
                out.refuse(client, *req, Refusal::OrganizersOnly);
            }
            ClientMsg::Ceremony { req, step } => {
                let req = *req;
                let Some((hall, rect)) = stage(&halls, &settings) else {
                    out.refuse(client, req, Refusal::NoStage);
                    continue;
                };
                let spot = rect.center();
                let via_next = *step == CeremonyStep::Next;
                if via_next && ceremony.skip.is_some_and(|at| at == ceremony.next) {
                    // Asked again after someone was absent: go on without them.
                    ceremony.next += 1;
                }
                ceremony.skip = None;
                let (step, after) = match *step {
                    CeremonyStep::Next => match next_step(&ceremony, &rituals, &claims) {
                        Some((s, after)) => (s, Some(after)),
                        None => {
                            out.refuse(client, req, Refusal::ProgramDone);
                            continue;
                        }
                    },
                    s => (s, None),
                };
                let awards = &settings.0.awards;
                // Who hears of this step: the whole expo for opening and closing, the
                // ceremony room for the rest.
                let mut everyone = false;
                // Acknowledged at once, or once the store has it (an award given).
                let mut done = true;
                match step {
                    CeremonyStep::Next => continue,
                    CeremonyStep::Open => {
                        ceremony.open = true;
                        ceremony.current = None;
                        ceremony.next = rituals
                            .program
                            .iter()
                            .position(|p| *p == ProgramStep::Open)
                            .map_or(0, |i| i + 1);
                        everyone = true;
                    }
                    CeremonyStep::Close => {
                        ceremony.open = false;
                        ceremony.current = None;
                        ceremony.next = 0;
                        rituals.signing.open = false;
                        rituals.signing.at_desk = None;
                        if let Some(r) = &mut rituals.relay {
                            r.called = false;
                            r.from = None;
                        }
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
                        let Some(winner) = find_called(&avatars, &claims, award) else {
                            out.refuse(
                                client,
                                req,
                                Refusal::WinnerAbsent {
                                    winner: award.winner.clone(),
                                },
                            );
                            continue;
                        };
                        mover.call(&mut avatars, winner, (hall, spot), &mut out);
                        let Ok((_, avatar, ..)) = avatars.get(winner) else {
                            continue;
                        };
                        let (name, visitor) = (avatar.name.to_string(), avatar.visitor_id);
                        let receipt = store.0.submit(Write::Award {
                            award: award.name.clone(),
                            winner: name.clone(),
                            visitor: Some(visitor),
                            at: unix_now(),
                        });
                        info!(by = %my_name, award = %award.name, winner = %name, "award given");
                        ceremony.current = Some((i, Some(award.winner.clone())));
                        pending.0.push((receipt, client, req));
                        done = false;
                    }
                    CeremonyStep::Signing => {
                        if rituals.signing.record.is_none() {
                            out.refuse(client, req, Refusal::NoAgreement);
                            continue;
                        }
                        if rituals.signing.pending.is_some() {
                            out.refuse(client, req, Refusal::SignatureSaving);
                            continue;
                        }
                        let was_open = rituals.signing.open;
                        rituals.signing.open = true;
                        let unsigned = rituals.unsigned();
                        if unsigned.is_empty() && was_open {
                            out.refuse(client, req, Refusal::AllSigned);
                            continue;
                        }
                        // The next representative present, after the one at the desk (who
                        // may have stepped away).
                        let desk = rituals.signing.at_desk;
                        let order = unsigned
                            .iter()
                            .copied()
                            .filter(|&i| desk.is_none_or(|d| i > d))
                            .chain(
                                unsigned
                                    .iter()
                                    .copied()
                                    .filter(|&i| desk.is_some_and(|d| i <= d)),
                            );
                        let called = order.into_iter().find_map(|i| {
                            find_called(&avatars, &claims, &rituals.signing.reps[i]).map(|e| (i, e))
                        });
                        match called {
                            Some((i, who)) => {
                                mover.call(&mut avatars, who, (hall, spot), &mut out);
                                rituals.signing.at_desk = Some(i);
                                if let Ok((_, rep, ..)) = avatars.get(who)
                                    && let Some(ask) = rituals.sign_request(i, rep)
                                {
                                    info!(organization = %ask.organization, name = %rep.name, "called to the signing desk");
                                    out.send(
                                        rep.client,
                                        channel::RELIABLE,
                                        &ServerMsg::SignPlease(ask),
                                    );
                                }
                            }
                            None if was_open => {
                                let who = unsigned
                                    .first()
                                    .map(|&i| rituals.signing.reps[i].winner.clone())
                                    .unwrap_or_default();
                                absent(&mut ceremony, after, who, (client, req), &mut out);
                                continue;
                            }
                            None => {}
                        }
                    }
                    CeremonyStep::Handover => {
                        let Some(relay) = rituals.relay.as_mut() else {
                            out.refuse(client, req, Refusal::NoRelay);
                            continue;
                        };
                        if relay.pending.is_some() {
                            out.refuse(client, req, Refusal::HandoverNotSaved);
                            continue;
                        }
                        let holder = avatars
                            .iter()
                            .find(|(_, a, ..)| relay.holds(&claims, a.visitor_id))
                            .map(|(e, a, ..)| (e, a.id, a.name.to_string()));
                        if relay
                            .holder
                            .as_ref()
                            .is_some_and(|(v, _)| is_winner(&relay.receiver, &claims, *v))
                        {
                            out.refuse(client, req, Refusal::AlreadyHandedOver);
                            continue;
                        }
                        let receiver = find_called(&avatars, &claims, &relay.receiver);
                        let (Some((holder, holder_id, holder_name)), Some(receiver)) =
                            (holder.clone(), receiver)
                        else {
                            let who = match &relay.holder {
                                Some((_, n)) if holder.is_none() => n.clone(),
                                None if holder.is_none() => relay.giver.winner.clone(),
                                _ => relay.receiver.winner.clone(),
                            };
                            absent(&mut ceremony, after, who, (client, req), &mut out);
                            continue;
                        };
                        if !relay.called {
                            // Both onto the stage: the holder on its left, the next on its
                            // right.
                            let left = madang_shared::Vec2::new(rect.x + rect.w * 0.25, spot.y);
                            let right = madang_shared::Vec2::new(rect.x + rect.w * 0.75, spot.y);
                            mover.call(&mut avatars, holder, (hall, left), &mut out);
                            mover.call(&mut avatars, receiver, (hall, right), &mut out);
                            relay.called = true;
                            relay.from = None;
                        } else {
                            let Ok((_, to, ..)) = avatars.get(receiver) else {
                                continue;
                            };
                            let to = (to.visitor_id, relay.receiver.winner.clone());
                            let receipt = store.0.submit(Write::Handover {
                                object: relay.object.clone(),
                                from_name: relay
                                    .holder
                                    .as_ref()
                                    .map_or_else(|| relay.giver.winner.clone(), |(_, n)| n.clone()),
                                to_name: to.1.clone(),
                                to_visitor: to.0,
                                at: unix_now(),
                            });
                            info!(by = %my_name, object = %relay.object, from = %holder_name, to = %to.1, "the relay object passes");
                            // The room is told, and the program goes on, once it is kept
                            // (finish_rituals).
                            relay.pending = Some(crate::rituals::PendingHandover {
                                receipt,
                                client,
                                req,
                                to,
                                from: holder_id,
                                after,
                            });
                            continue;
                        }
                    }
                }
                if let Some(after) = after {
                    ceremony.next = after;
                }
                let relay = rituals.relay_view(&claims, avatars.iter().map(|(_, a, ..)| a));
                let in_room = view(&ceremony, &settings, (&rituals, relay), hall, true);
                let elsewhere = view(&ceremony, &settings, (&rituals, None), hall, false);
                let (in_room, elsewhere) =
                    (ServerMsg::Ceremony(in_room), ServerMsg::Ceremony(elsewhere));
                for (_, a, _, in_hall, _) in &avatars {
                    if in_hall.0 == hall {
                        out.send(a.client, channel::RELIABLE, &in_room);
                    } else if everyone {
                        out.send(a.client, channel::RELIABLE, &elsewhere);
                    }
                }
                if done {
                    out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
                }
            }
            ClientMsg::Sign {
                req,
                public_key,
                signature,
            } => {
                let signed = rituals.sign(
                    me,
                    &claims,
                    (public_key, signature),
                    clock.wall_ms(),
                    &store.0,
                    (client, *req),
                );
                if let Err(why) = signed {
                    out.refuse(client, *req, why.clone());
                    // The representative at the desk whose signature did not hold is asked
                    // again, with the record as it stands.
                    let at_desk = rituals.signing.at_desk;
                    if why == Refusal::SignatureInvalid
                        && let Some(i) = at_desk
                        && rituals
                            .signing
                            .reps
                            .get(i)
                            .is_some_and(|r| is_winner(r, &claims, me.visitor_id))
                        && let Some(ask) = rituals.sign_request(i, me)
                    {
                        out.send(client, channel::RELIABLE, &ServerMsg::SignPlease(ask));
                    }
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
                if avatars
                    .get(request.avatar)
                    .is_ok_and(|(_, _, _, h, _)| h.0 != hall)
                {
                    mover.call(&mut avatars, request.avatar, (hall, spawn), &mut out);
                }
                out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
            }
            _ => {}
        }
    }
}

/// A signature or a handover kept: the room is shown it.
fn finish_rituals(
    mut rituals: ResMut<Rituals>,
    mut ceremony: ResMut<Ceremony>,
    claims: Res<AwardClaims>,
    halls: Res<Halls>,
    settings: Res<SettingsRes>,
    avatars: Query<(&Avatar, &InHall)>,
    mut out: Outbox,
) {
    match crate::rituals::finish(&mut rituals, &mut out) {
        Finished::Nothing => return,
        Finished::Kept { next } => {
            if let Some(next) = next {
                ceremony.next = next;
            }
        }
    }
    let Some((hall, _)) = stage(&halls, &settings) else {
        return;
    };
    let relay = rituals.relay_view(&claims, avatars.iter().map(|(a, _)| a));
    let msg = ServerMsg::Ceremony(view(&ceremony, &settings, (&rituals, relay), hall, true));
    for (a, in_hall) in &avatars {
        if in_hall.0 == hall {
            out.send(a.client, channel::RELIABLE, &msg);
        }
    }
    // The room has seen it pass; later arrivals see it where it is.
    if let Some(r) = &mut rituals.relay {
        r.from = None;
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
#[allow(clippy::too_many_arguments)]
fn open_on_schedule(
    clock: Res<crate::screen::ServerClock>,
    settings: Res<SettingsRes>,
    halls: Res<Halls>,
    avatars: Query<(&Avatar, &InHall)>,
    (rituals, claims): (Res<Rituals>, Res<AwardClaims>),
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
    ceremony.next = rituals
        .program
        .iter()
        .position(|p| *p == ProgramStep::Open)
        .map_or(0, |i| i + 1);
    info!("the ceremony opens, as the timetable says");
    let relay = rituals.relay_view(&claims, avatars.iter().map(|(a, _)| a));
    let in_room = ServerMsg::Ceremony(view(&ceremony, &settings, (&rituals, relay), hall, true));
    let elsewhere = ServerMsg::Ceremony(view(&ceremony, &settings, (&rituals, None), hall, false));
    for (a, in_hall) in &avatars {
        let msg = if in_hall.0 == hall {
            &in_room
        } else {
            &elsewhere
        };
        out.send(a.client, channel::RELIABLE, msg);
    }
}

/// Arrivals are told the ceremony while it is open; when the relay's holder arrives in the
/// ceremony room, the whole room is told (the object is over them again).
#[allow(clippy::too_many_arguments)]
fn tell_arrivals(
    mut arrived: MessageReader<ViewMoved>,
    ceremony: Res<Ceremony>,
    halls: Res<Halls>,
    settings: Res<SettingsRes>,
    connections: Res<crate::presence::Connections>,
    (rituals, claims): (Res<Rituals>, Res<AwardClaims>),
    avatars: Query<(&Avatar, &InHall)>,
    mut out: Outbox,
) {
    if !ceremony.open {
        arrived.clear();
        return;
    }
    let Some((hall, _)) = stage(&halls, &settings) else {
        return;
    };
    let mut relay = None;
    let mut holder_arrived = false;
    for v in arrived.read().filter(|v| v.from.is_none()) {
        let Some(who) = connections.avatars.get(&v.avatar) else {
            continue;
        };
        let in_room = v.hall == hall;
        if in_room
            && rituals
                .relay
                .as_ref()
                .is_some_and(|r| r.holds(&claims, who.visitor))
        {
            holder_arrived = true;
            continue;
        }
        let relay = relay
            .get_or_insert_with(|| rituals.relay_view(&claims, avatars.iter().map(|(a, _)| a)))
            .clone();
        let msg = view(&ceremony, &settings, (&rituals, relay), hall, in_room);
        out.send(who.client, channel::RELIABLE, &ServerMsg::Ceremony(msg));
    }
    if holder_arrived {
        let relay = rituals.relay_view(&claims, avatars.iter().map(|(a, _)| a));
        let msg = ServerMsg::Ceremony(view(&ceremony, &settings, (&rituals, relay), hall, true));
        for (a, in_hall) in &avatars {
            if in_hall.0 == hall {
                out.send(a.client, channel::RELIABLE, &msg);
            }
        }
    }
}
