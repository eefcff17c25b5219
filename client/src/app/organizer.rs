//! The organizer panel (O, or the button at the top; organizers only): the people online by
//! hall with a search, and for each the actions mute, kick, ban and move to the stage (with
//! the reason from the reason field); the reports; and banners for this hall or the whole
//! expo. Also the banner itself, for everyone: top centre, until taken down (× hides it here).

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use bevy::ui::FocusPolicy;
use madang_shared::protocol::{CeremonyStep, ModAction, PersonRow, ReportRow, Role};

use super::i18n::{Key, t};
use super::net::Net;
use super::panel::{CaptureMark, typing};
use super::{ClientArgs, FrameSet, set_display, show_notice, small_button, text_field};
use crate::session::List;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Organizer>();
    app.add_systems(OnEnter(super::Phase::Hall), spawn_organizer_ui);
    app.add_systems(OnExit(super::Phase::Hall), |mut o: ResMut<Organizer>| {
        o.drawn = u64::MAX
    });
    app.add_systems(
        Update,
        (organizer_keys, organizer_buttons, take_lists)
            .chain()
            .in_set(FrameSet::Sync),
    );
    app.add_systems(
        Update,
        (show_organizer, show_banner, show_figures)
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

#[derive(Component)]
struct FiguresRoot;
#[derive(Component)]
struct FigureView;
#[derive(Component)]
struct FigureCaption;

#[derive(Component)]
struct OrganizerRoot;
#[derive(Component)]
struct OrganizerToggle;
#[derive(Component)]
struct PeopleRows;
#[derive(Component)]
struct ReportRows;
#[derive(Component)]
struct SearchField;
#[derive(Component)]
struct ReasonField;
#[derive(Component)]
struct AnnounceField;
#[derive(Component)]
struct BanMinutesField;
#[derive(Component)]
struct OrganizerNotice;
#[derive(Component)]
struct BannerRoot;
#[derive(Component)]
struct BannerText;

#[derive(Component, Clone, Copy, PartialEq, Debug)]
enum OrgAction {
    Refresh,
    Reports,
    Mute(madang_shared::protocol::AvatarId, bool),
    Kick(madang_shared::protocol::AvatarId),
    Ban(madang_shared::protocol::AvatarId),
    ToStage(madang_shared::protocol::AvatarId),
    AnnounceExpo,
    AnnounceHall,
    TakeDown,
    DismissBanner,
    CeremonyOpen,
    CeremonyNext,
    CeremonyCall,
    CeremonyClose,
    Figures,
    NextFigure,
    CloseFigures,
}

const INK: Color = Color::srgb(0.93, 0.94, 0.96);
const DIM: Color = Color::srgb(0.68, 0.71, 0.76);

fn heading(s: &str) -> impl Bundle {
    (
        Text::new(s),
        TextFont::from_font_size(14.0),
        TextColor(Color::srgb(1.0, 0.85, 0.5)),
    )
}

fn row(children: impl Bundle) -> impl Bundle {
    (
        Node {
            flex_direction: FlexDirection::Row,
            column_gap: px(4.0),
            align_items: AlignItems::Center,
            ..default()
        },
        children,
    )
}

fn spawn_organizer_ui(mut commands: Commands, args: Res<ClientArgs>) {
    let lang = args.lang;
    // The toggle, shown to organizers only (see `show_organizer`).
    commands.spawn((
        DespawnOnExit(super::Phase::Hall),
        OrganizerToggle,
        Button,
        GlobalZIndex(7),
        Node {
            position_type: PositionType::Absolute,
            left: px(240.0),
            top: px(12.0),
            padding: UiRect::axes(px(10.0), px(6.0)),
            display: Display::None,
            ..default()
        },
        BackgroundColor(Color::srgb(0.55, 0.25, 0.2)),
        children![(
            Text::new(t(lang, Key::OrganizerPanel)),
            TextFont::from_font_size(15.0),
            TextColor(Color::WHITE),
        )],
    ));
    commands.spawn((
        DespawnOnExit(super::Phase::Hall),
        OrganizerRoot,
        CaptureMark("organizer"),
        Interaction::default(),
        FocusPolicy::Block,
        GlobalZIndex(12),
        Node {
            position_type: PositionType::Absolute,
            left: px(240.0),
            top: px(52.0),
            bottom: px(12.0),
            width: px(520.0),
            padding: UiRect::all(px(10.0)),
            flex_direction: FlexDirection::Column,
            row_gap: px(6.0),
            display: Display::None,
            ..default()
        },
        BackgroundColor(Color::srgb(0.07, 0.08, 0.11)),
        children![
            heading(t(lang, Key::PeopleOnline)),
            row(children![
                text_field(SearchField, "", 300, 13.0),
                small_button(OrgAction::Refresh, t(lang, Key::Search)),
            ]),
            row(children![
                (
                    Text::new(t(lang, Key::Reason)),
                    TextFont::from_font_size(12.0),
                    TextColor(DIM),
                ),
                text_field(ReasonField, t(lang, Key::DefaultReason), 300, 13.0),
                (
                    Text::new(t(lang, Key::BanMinutes)),
                    TextFont::from_font_size(12.0),
                    TextColor(DIM),
                ),
                text_field(BanMinutesField, "", 300, 13.0),
            ]),
            (
                PeopleRows,
                bevy::ui_widgets::ScrollArea,
                Node {
                    flex_direction: FlexDirection::Column,
                    row_gap: px(3.0),
                    flex_grow: 1.0,
                    min_height: px(0.0),
                    overflow: Overflow::scroll_y(),
                    ..default()
                },
            ),
            row(children![
                heading(t(lang, Key::ReportsTitle)),
                small_button(OrgAction::Reports, t(lang, Key::Search)),
                small_button(OrgAction::Figures, t(lang, Key::Figures)),
            ]),
            (
                ReportRows,
                bevy::ui_widgets::ScrollArea,
                Node {
                    flex_direction: FlexDirection::Column,
                    row_gap: px(2.0),
                    max_height: px(110.0),
                    overflow: Overflow::scroll_y(),
                    ..default()
                },
            ),
            heading(t(lang, Key::CeremonyTitle)),
            row(children![
                small_button(OrgAction::CeremonyOpen, t(lang, Key::CeremonyOpen)),
                small_button(OrgAction::CeremonyNext, t(lang, Key::CeremonyNext)),
                small_button(OrgAction::CeremonyCall, t(lang, Key::CeremonyCall)),
                small_button(OrgAction::CeremonyClose, t(lang, Key::CeremonyClose)),
            ]),
            heading(t(lang, Key::AnnounceTitle)),
            row(children![text_field(AnnounceField, "", 300, 13.0)]),
            row(children![
                small_button(OrgAction::AnnounceExpo, t(lang, Key::AnnounceExpo)),
                small_button(OrgAction::AnnounceHall, t(lang, Key::AnnounceHall)),
                small_button(OrgAction::TakeDown, t(lang, Key::TakeDown)),
            ]),
            (
                OrganizerNotice,
                Text::new(""),
                TextFont::from_font_size(12.0),
                TextColor(Color::srgb(0.6, 1.0, 0.6)),
            ),
        ],
    ));
    // The results report's charts, over everything.
    commands.spawn((
        DespawnOnExit(super::Phase::Hall),
        FiguresRoot,
        Interaction::default(),
        FocusPolicy::Block,
        GlobalZIndex(25),
        Node {
            position_type: PositionType::Absolute,
            width: percent(100.0),
            height: percent(100.0),
            flex_direction: FlexDirection::Column,
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            row_gap: px(8.0),
            display: Display::None,
            ..default()
        },
        BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.92)),
        children![
            (
                FigureView,
                ImageNode::default(),
                Node {
                    width: px(960.0),
                    height: px(560.0),
                    ..default()
                },
            ),
            (
                FigureCaption,
                Text::new(""),
                TextFont::from_font_size(14.0),
                TextColor(INK),
            ),
            row(children![
                small_button(OrgAction::NextFigure, t(lang, Key::Next)),
                small_button(OrgAction::CloseFigures, t(lang, Key::Close)),
            ]),
        ],
    ));
    // The banner, top centre, over the hall.
    commands.spawn((
        DespawnOnExit(super::Phase::Hall),
        BannerRoot,
        CaptureMark("banner"),
        GlobalZIndex(15),
        Node {
            position_type: PositionType::Absolute,
            top: px(12.0),
            left: percent(25.0),
            width: percent(50.0),
            padding: UiRect::axes(px(14.0), px(8.0)),
            flex_direction: FlexDirection::Row,
            justify_content: JustifyContent::SpaceBetween,
            align_items: AlignItems::Center,
            column_gap: px(10.0),
            display: Display::None,
            ..default()
        },
        BackgroundColor(Color::srgb(0.75, 0.22, 0.18)),
        children![
            (
                BannerText,
                Text::new(""),
                TextFont::from_font_size(17.0),
                TextColor(Color::WHITE),
            ),
            small_button(OrgAction::DismissBanner, "×"),
        ],
    ));
}

fn is_organizer(net: &Net) -> bool {
    net.session
        .as_ref()
        .and_then(|s| s.me.as_ref())
        .is_some_and(|m| m.role == Role::Organizer)
}

fn organizer_keys(
    keys: Res<ButtonInput<KeyCode>>,
    toggle: Query<&Interaction, (Changed<Interaction>, With<OrganizerToggle>)>,
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

fn text_of<T: Component>(fields: &Query<(&EditableText, Has<T>)>) -> String {
    fields
        .iter()
        .find(|(_, has)| *has)
        .map(|(f, _)| f.value().to_string())
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn organizer_buttons(
    args: Res<ClientArgs>,
    pressed: Query<(&Interaction, &OrgAction), Changed<Interaction>>,
    search: Query<(&EditableText, Has<SearchField>)>,
    reason: Query<(&EditableText, Has<ReasonField>)>,
    announce: Query<(&EditableText, Has<AnnounceField>)>,
    minutes: Query<(&EditableText, Has<BanMinutesField>)>,
    mut org: ResMut<Organizer>,
    mut net: ResMut<Net>,
    mut confirm: ResMut<super::confirm::Confirm>,
) {
    let Some(session) = net.session.as_mut() else {
        return;
    };
    // A removal or a ban the organizer said yes to.
    use super::confirm::Pending;
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
                org.dismissed = session.announcement.clone();
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
            OrgAction::CeremonyNext => {
                let next = session
                    .ceremony
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
                            Ok(p) => Some((
                                name,
                                images.add(super::rgba_image(p.width, p.height, p.rgba)),
                            )),
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
            org.notice = Some((crate::app::i18n::refusal(args.lang, &why), true));
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
            Some(Err(why)) => org.notice = Some((crate::app::i18n::refusal(args.lang, &why), true)),
        }
    }
    if refresh && org.open {
        org.asked_people = Some(session.ask_people(""));
    }
}

fn role_name(lang: madang_shared::map::Lang, role: Role) -> &'static str {
    match role {
        Role::Visitor => t(lang, Key::RoleVisitor),
        Role::Facilitator => t(lang, Key::RoleFacilitator),
        Role::Presenter => t(lang, Key::RolePresenter),
        Role::Organizer => t(lang, Key::RoleOrganizer),
    }
}

#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn show_organizer(
    mut commands: Commands,
    mut org: ResMut<Organizer>,
    mut net: ResMut<Net>,
    args: Res<ClientArgs>,
    mut root: Query<&mut Node, (With<OrganizerRoot>, Without<OrganizerToggle>)>,
    mut toggle: Query<&mut Node, (With<OrganizerToggle>, Without<OrganizerRoot>)>,
    people_rows: Query<Entity, With<PeopleRows>>,
    report_rows: Query<Entity, With<ReportRows>>,
    mut notice: Query<(&mut Text, &mut TextColor), With<OrganizerNotice>>,
) {
    let lang = args.lang;
    let organizer = is_organizer(&net);
    for mut n in &mut toggle {
        set_display(&mut n, organizer);
    }
    for mut n in &mut root {
        set_display(&mut n, org.open);
    }
    if let Ok((mut text, mut color)) = notice.single_mut() {
        show_notice(&mut text, &mut color, &org.notice);
    }
    if org.drawn == org.generation {
        return;
    }
    org.drawn = org.generation;
    // The halls by their titles in the organizer's language (from the maps), not their ids.
    let halls: Vec<String> = match net.session.as_mut() {
        Some(s) => (0..s.halls.len() as u16)
            .map(|h| s.hall_title(h, lang))
            .collect(),
        None => Vec::new(),
    };
    if let Ok(list) = people_rows.single() {
        commands.entity(list).despawn_children();
        commands.entity(list).with_children(|list| {
            let mut last_hall = None;
            for p in &org.people {
                if last_hall != Some(p.hall) {
                    last_hall = Some(p.hall);
                    let hall = halls.get(p.hall as usize).cloned().unwrap_or_default();
                    list.spawn((
                        Text::new(hall),
                        TextFont::from_font_size(12.0),
                        TextColor(Color::srgb(0.65, 0.8, 1.0)),
                    ));
                }
                let mut label = format!("{} · {}", p.name, role_name(lang, p.role));
                if p.muted {
                    label.push_str(&format!(" · {}", t(lang, Key::MuteAction)));
                }
                list.spawn(Node {
                    flex_direction: FlexDirection::Row,
                    column_gap: px(3.0),
                    align_items: AlignItems::Center,
                    flex_shrink: 0.0,
                    ..default()
                })
                .with_children(|r| {
                    r.spawn((
                        Text::new(label),
                        TextFont::from_font_size(13.0),
                        TextColor(INK),
                        Node {
                            flex_grow: 1.0,
                            ..default()
                        },
                    ));
                    let mute_label = if p.muted {
                        t(lang, Key::Unmute)
                    } else {
                        t(lang, Key::MuteAction)
                    };
                    r.spawn(small_button(OrgAction::Mute(p.id, !p.muted), mute_label));
                    r.spawn(small_button(OrgAction::Kick(p.id), t(lang, Key::Kick)));
                    r.spawn(small_button(OrgAction::Ban(p.id), t(lang, Key::BanAction)));
                    r.spawn(small_button(
                        OrgAction::ToStage(p.id),
                        t(lang, Key::ToStage),
                    ));
                });
            }
        });
    }
    if let Ok(list) = report_rows.single() {
        commands.entity(list).despawn_children();
        commands.entity(list).with_children(|list| {
            if org.reports.is_empty() {
                list.spawn((
                    Text::new(t(lang, Key::NoReports)),
                    TextFont::from_font_size(12.0),
                    TextColor(DIM),
                ));
            }
            for r in org.reports.iter().take(20) {
                list.spawn((
                    Text::new(format!("{} → {}: {}", r.reporter, r.target, r.reason)),
                    TextFont::from_font_size(12.0),
                    TextColor(INK),
                ));
            }
        });
    }
}

#[allow(clippy::type_complexity)]
fn show_figures(
    org: Res<Organizer>,
    mut root: Query<&mut Node, With<FiguresRoot>>,
    mut view: Query<&mut ImageNode, With<FigureView>>,
    mut caption: Query<&mut Text, With<FigureCaption>>,
) {
    let shown = org.figure.and_then(|i| org.figures.get(i));
    for mut n in &mut root {
        set_display(&mut n, shown.is_some());
    }
    let Some((name, image)) = shown else { return };
    for mut v in &mut view {
        if v.image != *image {
            v.image = image.clone();
        }
    }
    for mut c in &mut caption {
        if c.0 != *name {
            c.0 = name.clone();
        }
    }
}

fn show_banner(
    net: Res<Net>,
    org: Res<Organizer>,
    mut root: Query<&mut Node, With<BannerRoot>>,
    mut text: Query<&mut Text, With<BannerText>>,
) {
    let line = net
        .session
        .as_ref()
        .and_then(|s| s.announcement.clone())
        .filter(|a| org.dismissed.as_ref() != Some(a));
    for mut n in &mut root {
        set_display(&mut n, line.is_some());
    }
    if let Some(line) = line {
        for mut t in &mut text {
            if t.0 != line {
                t.0 = line.clone();
            }
        }
    }
}
