//! The organizer panel (O, or the button at the top; organizers only): the people online by
//! hall with a search, and for each the actions mute, kick, ban and move to the stage (with
//! the reason from the reason field); the reports; and banners for this hall or the whole
//! expo. Also the banner itself, for everyone: top centre, until taken down (× hides it here).
//!
//! # Layout
//! - `panel`: the panel's parts, spawned once;
//! - `actions`: what its buttons do (a removal or a ban only after a yes, see `confirm`);
//! - `show`: the lists drawn from the state here;
//! - `report`: the results report's charts, over everything;
//! - `banner`: the banner every visitor sees.

mod actions;
mod banner;
mod panel;
mod report;
mod show;

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use madang_shared::map::Lang;
use madang_shared::protocol::{AvatarId, PersonRow, ReportRow, Role};

use super::base::{ClientArgs, FrameSet, Phase};
use super::i18n::{self, Key, t};
use super::net::Net;
use super::ui::{rgba_image, typing};
use crate::session::List;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Organizer>();
    app.add_systems(
        OnEnter(Phase::Hall),
        (panel::spawn, report::spawn, banner::spawn),
    );
    app.add_systems(OnExit(Phase::Hall), |mut o: ResMut<Organizer>| {
        o.drawn = u64::MAX
    });
    app.add_systems(
        Update,
        (organizer_keys, actions::organizer_buttons, take_lists)
            .chain()
            .in_set(FrameSet::Sync),
    );
    app.add_systems(
        Update,
        (
            show::show_organizer,
            banner::show_banner,
            report::show_figures,
        )
            .chain()
            .in_set(FrameSet::View),
    );
}

/// The organizer panel's state.
#[derive(Resource, Default)]
pub struct Organizer {
    pub open: bool,
    people: Vec<PersonRow>,
    reports: Vec<ReportRow>,
    /// Requests for lists, and actions whose answer is shown.
    asked_people: Option<u32>,
    asked_reports: Option<u32>,
    actions: Vec<u32>,
    notice: Option<(String, bool)>,
    /// Bumped when the lists change, so they are redrawn only then.
    generation: u64,
    drawn: u64,
    /// The people list has arrived at least once (for the screenshot test).
    pub listed: bool,
    /// The banner text hidden here by its ×.
    dismissed: Option<String>,
    /// Whether the panel was opened at start (`--organizer-panel`).
    started: bool,
    /// The results report's charts, decoded, and the one on show.
    figures: Vec<(String, Handle<Image>)>,
    figure: Option<usize>,
    asked_figures: Option<u32>,
}

#[derive(Component, Clone, Copy, PartialEq, Debug)]
pub(super) enum OrgAction {
    Refresh,
    Reports,
    Mute(AvatarId, bool),
    Kick(AvatarId),
    Ban(AvatarId),
    ToStage(AvatarId),
    AnnounceExpo,
    AnnounceHall,
    TakeDown,
    DismissBanner,
    CeremonyOpen,
    CeremonyProgram,
    CeremonyNext,
    CeremonyCall,
    CeremonyClose,
    Figures,
    NextFigure,
    CloseFigures,
}

pub(super) fn is_organizer(net: &Net) -> bool {
    net.session
        .as_ref()
        .and_then(|s| s.me.as_ref())
        .is_some_and(|m| m.role == Role::Organizer)
}

fn organizer_keys(
    keys: Res<ButtonInput<KeyCode>>,
    toggle: Query<&Interaction, (Changed<Interaction>, With<panel::OrganizerToggle>)>,
    focus: Res<InputFocus>,
    fields: Query<(), With<EditableText>>,
    args: Res<ClientArgs>,
    mut org: ResMut<Organizer>,
    mut net: ResMut<Net>,
) {
    if !is_organizer(&net) {
        org.open = false;
        return;
    }
    let mut flip = keys.just_pressed(KeyCode::KeyO) && !typing(&focus, &fields);
    flip |= toggle.iter().any(|i| *i == Interaction::Pressed);
    if args.organizer_panel && !org.started {
        org.started = true;
        flip = !org.open;
    }
    if flip {
        org.open = !org.open;
        if org.open
            && let Some(s) = net.session.as_mut()
        {
            org.asked_people = Some(s.ask_people(""));
            org.asked_reports = Some(s.ask_reports());
        }
    }
}

fn take_lists(
    mut org: ResMut<Organizer>,
    mut net: ResMut<Net>,
    args: Res<ClientArgs>,
    mut images: ResMut<Assets<Image>>,
) {
    let Some(session) = net.session.as_mut() else {
        return;
    };
    if let Some(req) = org.asked_figures {
        match session.take_list(req) {
            Some(List::Figures(charts)) => {
                org.asked_figures = None;
                org.figures = charts
                    .into_iter()
                    .filter_map(|(name, png)| {
                        match crate::photos::decode_photo(&png, 2048, std::path::Path::new(&name)) {
                            Ok(p) => {
                                Some((name, images.add(rgba_image(p.width, p.height, p.rgba))))
                            }
                            Err(e) => {
                                warn!("a chart cannot be shown: {e}");
                                None
                            }
                        }
                    })
                    .collect();
                org.figure = (!org.figures.is_empty()).then_some(0);
            }
            Some(_) => org.asked_figures = None,
            None => {}
        }
        if let Some(Err(why)) = session.take_answer(req) {
            org.asked_figures = None;
            org.notice = Some((i18n::refusal(args.lang, &why), true));
        }
    }
    if let Some(req) = org.asked_people
        && let Some(List::People(rows)) = session.take_list(req)
    {
        org.asked_people = None;
        org.people = rows;
        org.listed = true;
        org.generation += 1;
    }
    if let Some(req) = org.asked_reports
        && let Some(List::Reports(rows)) = session.take_list(req)
    {
        org.asked_reports = None;
        org.reports = rows;
        org.generation += 1;
    }
    let actions = std::mem::take(&mut org.actions);
    let mut refresh = false;
    for req in actions {
        match session.take_answer(req) {
            None => org.actions.push(req),
            Some(Ok(())) => {
                org.notice = Some((t(args.lang, Key::Saved).to_owned(), false));
                refresh = true;
            }
            Some(Err(why)) => org.notice = Some((i18n::refusal(args.lang, &why), true)),
        }
    }
    if refresh && org.open {
        org.asked_people = Some(session.ask_people(""));
    }
}

pub(super) fn role_name(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Visitor => t(lang, Key::RoleVisitor),
        Role::Facilitator => t(lang, Key::RoleFacilitator),
        Role::Presenter => t(lang, Key::RolePresenter),
        Role::Organizer => t(lang, Key::RoleOrganizer),
    }
}
