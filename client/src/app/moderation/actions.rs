//! What the organizer panel's buttons do: search, mute, ask before a removal or a ban (done
//! once the organizer says yes), move someone to the stage, banners, the ceremony's steps and
//! the results report's charts.

use bevy::prelude::*;
use bevy::text::EditableText;
use madang_shared::protocol::{CeremonyStep, ModAction};

use super::panel::{AnnounceField, BanMinutesField, ReasonField, SearchField};
use super::{OrgAction, Organizer};
use crate::app::base::ClientArgs;
use crate::app::confirm::{Confirm, Pending};
use crate::app::i18n::{Key, t};
use crate::app::net::Net;

fn text_of<T: Component>(fields: &Query<(&EditableText, Has<T>)>) -> String {
    fields
        .iter()
        .find(|(_, has)| *has)
        .map(|(f, _)| f.value().to_string())
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
pub(super) fn organizer_buttons(
    args: Res<ClientArgs>,
    pressed: Query<(&Interaction, &OrgAction), Changed<Interaction>>,
    search: Query<(&EditableText, Has<SearchField>)>,
    reason: Query<(&EditableText, Has<ReasonField>)>,
    announce: Query<(&EditableText, Has<AnnounceField>)>,
    minutes: Query<(&EditableText, Has<BanMinutesField>)>,
    mut org: ResMut<Organizer>,
    mut net: ResMut<Net>,
    mut confirm: ResMut<Confirm>,
) {
    let Some(session) = net.session.as_mut() else {
        return;
    };
    // A removal or a ban the organizer said yes to.
    let ours = |p: &Pending| matches!(p, Pending::Kick { .. } | Pending::Ban { .. });
    match confirm.take_confirmed(ours) {
        Some(Pending::Kick { who, reason, .. }) => {
            let req = session.moderate(ModAction::Kick { who, reason });
            org.actions.push(req);
        }
        Some(Pending::Ban {
            who,
            reason,
            minutes,
            ..
        }) => {
            let req = session.moderate(ModAction::Ban {
                who,
                reason,
                minutes,
            });
            org.actions.push(req);
        }
        _ => {}
    }
    let name_of = |org: &Organizer, who| {
        org.people
            .iter()
            .find(|p| p.id == who)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| format!("#{}", who.0))
    };
    for (i, action) in &pressed {
        if *i != Interaction::Pressed {
            continue;
        }
        let reason = text_of::<ReasonField>(&reason);
        let req = match *action {
            OrgAction::Refresh => {
                org.asked_people = Some(session.ask_people(&text_of::<SearchField>(&search)));
                continue;
            }
            OrgAction::Reports => {
                org.asked_reports = Some(session.ask_reports());
                continue;
            }
            OrgAction::DismissBanner => {
                org.dismissed = session.moderation.announcement.clone();
                continue;
            }
            OrgAction::Figures => {
                org.asked_figures = Some(session.ask_figures(args.lang));
                continue;
            }
            OrgAction::NextFigure => {
                let n = org.figures.len().max(1);
                org.figure = org.figure.map(|i| (i + 1) % n);
                continue;
            }
            OrgAction::CloseFigures => {
                org.figure = None;
                continue;
            }
            OrgAction::Mute(who, muted) => session.mute(who, muted),
            OrgAction::Kick(who) => {
                // Asked first; done when the organizer says yes (above).
                confirm.ask(Pending::Kick {
                    who,
                    name: name_of(&org, who),
                    reason,
                });
                continue;
            }
            OrgAction::Ban(who) => {
                // Empty: for good; a number: that many minutes.
                let text = text_of::<BanMinutesField>(&minutes);
                let minutes = match text.trim() {
                    "" => None,
                    n => match n.parse::<u32>() {
                        Ok(m) if m > 0 => Some(m),
                        _ => {
                            org.notice = Some((t(args.lang, Key::BanMinutesBad).to_owned(), true));
                            continue;
                        }
                    },
                };
                confirm.ask(Pending::Ban {
                    who,
                    name: name_of(&org, who),
                    reason,
                    minutes,
                });
                continue;
            }
            OrgAction::ToStage(who) => session.moderate(ModAction::ToStage { who }),
            OrgAction::AnnounceExpo | OrgAction::AnnounceHall => {
                let text = text_of::<AnnounceField>(&announce);
                let hall = (*action == OrgAction::AnnounceHall)
                    .then(|| session.me.as_ref().map(|m| m.hall))
                    .flatten();
                session.announce(hall, Some(&text))
            }
            OrgAction::CeremonyOpen => session.ceremony_step(CeremonyStep::Open),
            OrgAction::CeremonyProgram => session.ceremony_step(CeremonyStep::Next),
            OrgAction::CeremonyNext => {
                let next = session
                    .ceremony
                    .view
                    .as_ref()
                    .and_then(|c| c.award.as_ref())
                    .map_or(0, |a| a.index + 1);
                session.ceremony_step(CeremonyStep::Announce(next))
            }
            OrgAction::CeremonyCall => session.ceremony_step(CeremonyStep::CallWinner),
            OrgAction::CeremonyClose => session.ceremony_step(CeremonyStep::Close),
            OrgAction::TakeDown => {
                let hall = session.me.as_ref().map(|m| m.hall);
                // Both: the banner of this hall and the one for the whole expo.
                session.announce(hall, None);
                session.announce(None, None)
            }
        };
        org.actions.push(req);
    }
}
