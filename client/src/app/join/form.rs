//! The join screen's parts: the title, the name, the language, the look with its preview,
//! the server and the invite, the join button and the line that says how the join goes; each
//! field and button with its place in the Tab order.

use bevy::input_focus::{FocusCause, InputFocus};
use bevy::prelude::*;
use madang_shared::map::Lang;
use madang_shared::protocol::Look;

use crate::app::base::{ClientArgs, Phase, Prefs};
use crate::app::i18n::{Key, t};
use crate::app::ui::{Tr, font, text_field};

#[derive(Component)]
pub(super) struct NameField;
#[derive(Component)]
pub(super) struct ServerField;
#[derive(Component)]
pub(super) struct InviteField;
#[derive(Component, Clone, Copy)]
pub(super) struct LangButton(pub Lang);
#[derive(Component)]
pub(super) struct JoinButton;
/// The look's arrows: the outfit or the colour, back or on.
#[derive(Component, Clone, Copy)]
pub(super) enum Pick {
    Body(i8),
    Colour(i8),
}
#[derive(Component, Clone, Copy, PartialEq)]
pub(super) enum Preview {
    Body,
    Detail,
}
#[derive(Component)]
pub(super) struct JoinButtonLabel;
#[derive(Component)]
pub(super) struct JoinStatus;
/// What Tab goes through, in this order.
#[derive(Component, Clone, Copy)]
pub(super) struct Stop(pub u8);

pub(super) const FIELD_FONT: f32 = 18.0;
pub(super) const LABEL_FONT: f32 = 16.0;
pub(super) const FOCUS_RING: Color = Color::srgb(0.45, 0.8, 1.0);

pub(super) fn spawn(
    mut commands: Commands,
    mut args: ResMut<ClientArgs>,
    prefs: Res<Prefs>,
    mut focus: ResMut<InputFocus>,
) {
    // A look to start from (remembered, else any), shown and joined with.
    if args.look.is_none() {
        args.look = Some(Look::from_number(rand::random::<u64>()));
    }
    let lang = args.lang;
    let name = args
        .name
        .clone()
        .or_else(|| prefs.settings.name.clone())
        .unwrap_or_default();
    let label = |key: Key| {
        (
            Text::new(t(lang, key)),
            Tr(key),
            font(LABEL_FONT),
            TextColor(Color::srgb(0.8, 0.83, 0.88)),
            // A fixed height too: a text's own measure of its height can run tall and push it
            // off its row.
            Node {
                width: px(190.0),
                height: px(22.0),
                flex_shrink: 0.0,
                ..default()
            },
        )
    };
    // Fixed heights: a field's first layout (before its width is known) would stretch the row.
    let row = || Node {
        flex_direction: FlexDirection::Row,
        align_items: AlignItems::Center,
        column_gap: px(10.0),
        width: percent(100.0),
        height: px(44.0),
        ..default()
    };
    let mut name_field = Entity::PLACEHOLDER;
    commands
        .spawn((
            DespawnOnExit(Phase::Join),
            Node {
                width: percent(100.0),
                height: percent(100.0),
                justify_content: JustifyContent::Center,
                align_items: AlignItems::Center,
                ..default()
            },
            BackgroundColor(Color::srgb(0.11, 0.12, 0.15)),
            GlobalZIndex(50),
        ))
        .with_children(|screen| {
            screen
                .spawn((
                    Node {
                        flex_direction: FlexDirection::Column,
                        row_gap: px(14.0),
                        padding: UiRect::all(px(28.0)),
                        width: px(620.0),
                        ..default()
                    },
                    BackgroundColor(Color::srgb(0.16, 0.18, 0.23)),
                ))
                .with_children(|form| {
                    form.spawn((
                        Text::new(t(lang, Key::JoinTitle)),
                        Tr(Key::JoinTitle),
                        font(24.0),
                        TextColor(Color::WHITE),
                    ));
                    form.spawn(row()).with_children(|r| {
                        r.spawn(label(Key::JoinName));
                        name_field = r
                            .spawn((text_field(NameField, &name, 32, FIELD_FONT), Stop(0)))
                            .id();
                    });
                    form.spawn(row()).with_children(|r| {
                        r.spawn(label(Key::JoinLanguage));
                        r.spawn(form_button(LangButton(Lang::Ko), "한국어", 1));
                        r.spawn(form_button(LangButton(Lang::En), "English", 2));
                    });
                    form.spawn(Node {
                        height: px(60.0),
                        ..row()
                    })
                    .with_children(|r| {
                        r.spawn(label(Key::JoinLook));
                        r.spawn(form_button(Pick::Body(-1), "<", 10));
                        r.spawn(form_button(Pick::Body(1), ">", 11));
                        // The preview: the clothes tinted, what keeps its colour over them.
                        r.spawn((
                            Node {
                                width: px(56.0),
                                height: px(56.0),
                                ..default()
                            },
                            children![
                                (
                                    Preview::Body,
                                    ImageNode::default(),
                                    Node {
                                        position_type: PositionType::Absolute,
                                        width: percent(100.0),
                                        height: percent(100.0),
                                        ..default()
                                    },
                                ),
                                (
                                    Preview::Detail,
                                    ImageNode::default(),
                                    Node {
                                        position_type: PositionType::Absolute,
                                        width: percent(100.0),
                                        height: percent(100.0),
                                        ..default()
                                    },
                                ),
                            ],
                        ));
                        r.spawn(form_button(Pick::Colour(-1), "<", 12));
                        r.spawn(form_button(Pick::Colour(1), ">", 13));
                    });
                    form.spawn(row()).with_children(|r| {
                        r.spawn(label(Key::JoinServer));
                        r.spawn((
                            text_field(ServerField, &args.server, 200, FIELD_FONT),
                            Stop(20),
                        ));
                    });
                    form.spawn(row()).with_children(|r| {
                        r.spawn(label(Key::JoinInvite));
                        let invite = args.invite.clone().unwrap_or_default();
                        r.spawn((text_field(InviteField, &invite, 64, FIELD_FONT), Stop(21)));
                    });
                    form.spawn((
                        Button,
                        JoinButton,
                        Stop(30),
                        Node {
                            padding: UiRect::axes(px(24.0), px(10.0)),
                            border: UiRect::all(px(2.0)),
                            align_self: AlignSelf::Center,
                            ..default()
                        },
                        BorderColor::all(Color::NONE),
                        BackgroundColor(Color::srgb(0.2, 0.45, 0.3)),
                        children![(
                            Text::new(t(lang, Key::JoinButton)),
                            JoinButtonLabel,
                            font(20.0),
                            TextColor(Color::WHITE),
                        )],
                    ));
                    form.spawn((
                        Text::new(""),
                        JoinStatus,
                        font(LABEL_FONT),
                        TextColor(Color::WHITE),
                    ));
                    form.spawn((
                        Text::new(t(lang, Key::JoinHint)),
                        Tr(Key::JoinHint),
                        font(14.0),
                        TextColor(Color::srgb(0.65, 0.68, 0.74)),
                    ));
                });
        });
    focus.set(name_field, FocusCause::Navigated);
}

/// A button of the form: what it does (`action`), its word, and its place in the Tab order.
fn form_button(action: impl Component, word: &str, stop: u8) -> impl Bundle {
    (
        Button,
        action,
        Stop(stop),
        Node {
            padding: UiRect::axes(px(13.0), px(6.0)),
            border: UiRect::all(px(2.0)),
            ..default()
        },
        BorderColor::all(Color::NONE),
        BackgroundColor(Color::srgb(0.2, 0.24, 0.32)),
        children![(Text::new(word), font(LABEL_FONT), TextColor(Color::WHITE),)],
    )
}
