//! The organizer panel's parts: the toggle at the top (organizers only), and the panel with
//! the people online (a search, the reason and a ban's minutes), the reports, the ceremony's
//! steps and the banners.

use bevy::prelude::*;
use bevy::ui::FocusPolicy;

use super::OrgAction;
use crate::app::base::{ClientArgs, Phase};
use crate::app::i18n::{Key, t};
use crate::app::ui::{CaptureMark, DIM, GOOD, small_button, text, text_field};

#[derive(Component)]
pub(super) struct OrganizerRoot;
#[derive(Component)]
pub(super) struct OrganizerToggle;
#[derive(Component)]
pub(super) struct PeopleRows;
#[derive(Component)]
pub(super) struct ReportRows;
#[derive(Component)]
pub(super) struct SearchField;
#[derive(Component)]
pub(super) struct ReasonField;
#[derive(Component)]
pub(super) struct AnnounceField;
#[derive(Component)]
pub(super) struct BanMinutesField;
#[derive(Component)]
pub(super) struct OrganizerNotice;

fn heading(s: &str) -> impl Bundle {
    text(s, 15.0, Color::srgb(1.0, 0.85, 0.5))
}

pub(super) fn row(children: impl Bundle) -> impl Bundle {
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

pub(super) fn spawn(mut commands: Commands, args: Res<ClientArgs>) {
    let lang = args.lang;
    // The toggle, shown to organizers only (see `show_organizer`).
    commands.spawn((
        DespawnOnExit(Phase::Hall),
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
        children![(text(t(lang, Key::OrganizerPanel), 15.0, Color::WHITE),)],
    ));
    commands.spawn((
        DespawnOnExit(Phase::Hall),
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
                text_field(SearchField, "", 300, 14.0),
                small_button(OrgAction::Refresh, t(lang, Key::Search)),
            ]),
            row(children![
                (text(t(lang, Key::Reason), 14.0, DIM),),
                text_field(ReasonField, t(lang, Key::DefaultReason), 300, 14.0),
                (text(t(lang, Key::BanMinutes), 14.0, DIM),),
                text_field(BanMinutesField, "", 300, 14.0),
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
            row(children![(
                small_button(OrgAction::CeremonyProgram, t(lang, Key::CeremonyProgram)),
                CaptureMark("ceremony_program"),
            )]),
            heading(t(lang, Key::AnnounceTitle)),
            row(children![text_field(AnnounceField, "", 300, 14.0)]),
            row(children![
                small_button(OrgAction::AnnounceExpo, t(lang, Key::AnnounceExpo)),
                small_button(OrgAction::AnnounceHall, t(lang, Key::AnnounceHall)),
                small_button(OrgAction::TakeDown, t(lang, Key::TakeDown)),
            ]),
            (OrganizerNotice, text("", 14.0, GOOD),),
        ],
    ));
}
