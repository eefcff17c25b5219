//! The join screen, when the window opens without `--name`: the name others will see, the
//! language (switching it rewords the screen at once), the server's address, an optional
//! invite code, and the join button. Enter joins from anywhere on it; Tab and Shift+Tab go from
//! field to field and button to button, with a visible ring; Enter or Space presses the button
//! in focus. A refusal or an unreachable server is said here in the chosen language, and the
//! button becomes "try again". What was chosen is remembered for next time.

use bevy::input_focus::{FocusCause, InputFocus};
use bevy::prelude::*;
use bevy::text::EditableText;
use madang_shared::map::Lang;
use madang_shared::protocol::Look;

use super::i18n::{Key, join_error, lang_code, t};
use super::net::{Net, begin};
use super::{ClientArgs, Phase, Prefs, Tr, text_field};
use crate::session::{LostWhy, server_url};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<JoinForm>();
    app.add_systems(OnEnter(Phase::Join), spawn_join_screen);
    app.add_systems(OnExit(Phase::Join), |mut focus: ResMut<InputFocus>| {
        focus.clear()
    });
    app.add_systems(
        Update,
        (
            join_keys,
            join_buttons,
            advance,
            show_join_state,
            show_preview,
        )
            .chain()
            .run_if(in_state(Phase::Join)),
    );
}

/// The screen's own state: a problem found before asking the server.
#[derive(Resource, Default)]
struct JoinForm {
    need_name: bool,
    /// Whether a join was asked from this screen (so an old failure is not shown first).
    asked: bool,
}

#[derive(Component)]
struct NameField;
#[derive(Component)]
struct ServerField;
#[derive(Component)]
struct InviteField;
#[derive(Component, Clone, Copy)]
struct LangButton(Lang);
#[derive(Component)]
struct JoinButton;
/// The look's arrows: the outfit or the colour, back or on.
#[derive(Component, Clone, Copy)]
enum Pick {
    Body(i8),
    Colour(i8),
}
#[derive(Component, Clone, Copy, PartialEq)]
enum Preview {
    Body,
    Detail,
}

/// The look one arrow further.
fn picked(look: Look, pick: Pick) -> Look {
    let step = |v: u8, by: i8, n: u8| (v as i16 + by as i16).rem_euclid(n as i16) as u8;
    match pick {
        Pick::Body(by) => Look {
            body: step(look.body, by, Look::BODIES),
            ..look
        },
        Pick::Colour(by) => Look {
            colour: step(look.colour, by, Look::COLOURS),
            ..look
        },
    }
}
#[derive(Component)]
struct JoinButtonLabel;
#[derive(Component)]
struct JoinStatus;
/// What Tab goes through, in this order.
#[derive(Component, Clone, Copy)]
struct Stop(u8);

const FIELD_FONT: f32 = 18.0;
const LABEL_FONT: f32 = 16.0;
const FOCUS_RING: Color = Color::srgb(0.45, 0.8, 1.0);

fn spawn_join_screen(
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
            TextFont::from_font_size(LABEL_FONT),
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
                        TextFont::from_font_size(24.0),
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
                            TextFont::from_font_size(20.0),
                            TextColor(Color::WHITE),
                        )],
                    ));
                    form.spawn((
                        Text::new(""),
                        JoinStatus,
                        TextFont::from_font_size(LABEL_FONT),
                        TextColor(Color::WHITE),
                    ));
                    form.spawn((
                        Text::new(t(lang, Key::JoinHint)),
                        Tr(Key::JoinHint),
                        TextFont::from_font_size(14.0),
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
        children![(
            Text::new(word),
            TextFont::from_font_size(LABEL_FONT),
            TextColor(Color::WHITE),
        )],
    )
}

/// Tab and Shift+Tab move the focus; Enter joins (or presses the button in focus, as Space
/// does).
#[allow(clippy::too_many_arguments)]
fn join_keys(
    keys: Res<ButtonInput<KeyCode>>,
    mut focus: ResMut<InputFocus>,
    stops: Query<(Entity, &Stop)>,
    fields: Query<&EditableText>,
    langs: Query<&LangButton>,
    picks: Query<&Pick>,
    joins: Query<(), With<JoinButton>>,
    mut args: ResMut<ClientArgs>,
    mut form: ResMut<JoinForm>,
    mut net: ResMut<Net>,
    mut prefs: ResMut<Prefs>,
    inputs: Inputs,
) {
    let focused = focus.get();
    if keys.just_pressed(KeyCode::Tab) {
        let back = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
        let mut order: Vec<(u8, Entity)> = stops.iter().map(|(e, s)| (s.0, e)).collect();
        order.sort();
        let at = focused.and_then(|f| order.iter().position(|(_, e)| *e == f));
        let n = order.len();
        if n > 0 {
            let next = match (at, back) {
                (None, false) => 0,
                (None, true) => n - 1,
                (Some(i), false) => (i + 1) % n,
                (Some(i), true) => (i + n - 1) % n,
            };
            focus.set(order[next].1, FocusCause::Navigated);
        }
        return;
    }
    let composing = focused
        .and_then(|f| fields.get(f).ok())
        .is_some_and(|f| f.is_composing());
    if composing {
        return;
    }
    let on_lang = focused.and_then(|f| langs.get(f).ok()).copied();
    if let Some(pick) = focused.and_then(|f| picks.get(f).ok()).copied() {
        if keys.just_pressed(KeyCode::Enter) || keys.just_pressed(KeyCode::Space) {
            choose_look(&mut args, &mut prefs, pick);
        }
        return;
    }
    let space = keys.just_pressed(KeyCode::Space);
    let enter = keys.just_pressed(KeyCode::Enter) || keys.just_pressed(KeyCode::NumpadEnter);
    if let Some(LangButton(l)) = on_lang {
        if enter || space {
            args.lang = l;
        }
        return;
    }
    let on_join = focused.is_some_and(|f| joins.contains(f));
    if enter || (space && on_join) {
        submit(&mut args, &mut form, &mut net, &mut prefs, &inputs);
    }
}

/// The three fields, read when joining.
#[derive(bevy::ecs::system::SystemParam)]
struct Inputs<'w, 's> {
    name: Query<'w, 's, &'static EditableText, With<NameField>>,
    server: Query<'w, 's, &'static EditableText, With<ServerField>>,
    invite: Query<'w, 's, &'static EditableText, With<InviteField>>,
}

/// Another look chosen: shown at once, remembered, and joined with.
fn choose_look(args: &mut ClientArgs, prefs: &mut Prefs, pick: Pick) {
    let look = picked(args.look.unwrap_or_default(), pick);
    args.look = Some(look);
    prefs.settings.look = Some(look.body);
    prefs.settings.colour = Some(look.colour);
}

fn join_buttons(
    picks: Query<(&Interaction, &Pick), Changed<Interaction>>,
    langs: Query<(&Interaction, &LangButton), Changed<Interaction>>,
    join: Query<&Interaction, (Changed<Interaction>, With<JoinButton>)>,
    mut args: ResMut<ClientArgs>,
    mut form: ResMut<JoinForm>,
    mut net: ResMut<Net>,
    mut prefs: ResMut<Prefs>,
    inputs: Inputs,
) {
    for (i, l) in &langs {
        if *i == Interaction::Pressed && args.lang != l.0 {
            args.lang = l.0;
        }
    }
    for (i, pick) in &picks {
        if *i == Interaction::Pressed {
            choose_look(&mut args, &mut prefs, *pick);
        }
    }
    if join.iter().any(|i| *i == Interaction::Pressed) {
        submit(&mut args, &mut form, &mut net, &mut prefs, &inputs);
    }
}

/// Asks the server to let the visitor in with what the form says, and remembers it.
fn submit(
    args: &mut ClientArgs,
    form: &mut JoinForm,
    net: &mut Net,
    prefs: &mut Prefs,
    inputs: &Inputs,
) {
    if net.is_joining() {
        return;
    }
    fn read<F: bevy::ecs::query::QueryFilter>(q: &Query<&EditableText, F>) -> String {
        q.single()
            .map(|f| f.value().to_string().trim().to_owned())
            .unwrap_or_default()
    }
    let name = read(&inputs.name);
    form.need_name = name.is_empty();
    if form.need_name {
        return;
    }
    let server = read(&inputs.server);
    if !server.is_empty() {
        args.server = server_url(&server);
    }
    let invite = read(&inputs.invite);
    args.invite = (!invite.is_empty()).then_some(invite);
    args.name = Some(name.clone());
    prefs.settings.name = Some(name);
    prefs.settings.lang = Some(lang_code(args.lang).to_owned());
    prefs.settings.server = Some(args.server.clone());
    prefs.save();
    form.asked = true;
    begin(args, net);
}

/// Into the hall once the server has let the visitor in.
fn advance(net: Res<Net>, mut next: ResMut<NextState<Phase>>) {
    if net.session.is_some() {
        next.set(Phase::Hall);
    }
}

#[allow(clippy::type_complexity)]
fn show_preview(
    args: Res<ClientArgs>,
    sheets: Option<Res<super::avatars::AvatarSheets>>,
    mut previews: Query<(&Preview, &mut ImageNode)>,
) {
    let Some(sheets) = sheets else { return };
    let look = args.look.unwrap_or_default();
    let index = super::avatars::frame_index(look, 0, 0);
    for (part, mut node) in &mut previews {
        let (image, color) = match part {
            Preview::Body => (&sheets.body, super::avatars::look_color(look)),
            Preview::Detail => (&sheets.detail, Color::WHITE),
        };
        let atlas = TextureAtlas {
            layout: sheets.layout.clone(),
            index,
        };
        if node.image != *image
            || node.color != color
            || node.texture_atlas.as_ref() != Some(&atlas)
        {
            node.image = image.clone();
            node.color = color;
            node.texture_atlas = Some(atlas);
        }
    }
}

fn show_join_state(
    args: Res<ClientArgs>,
    form: Res<JoinForm>,
    net: Res<Net>,
    focus: Res<InputFocus>,
    mut status: Query<(&mut Text, &mut TextColor), (With<JoinStatus>, Without<JoinButtonLabel>)>,
    mut label: Query<&mut Text, (With<JoinButtonLabel>, Without<JoinStatus>)>,
    mut rings: Query<
        (
            Entity,
            Option<&LangButton>,
            Has<JoinButton>,
            Has<Pick>,
            &mut BorderColor,
        ),
        With<Stop>,
    >,
) {
    let lang = args.lang;
    let failed = match &net.failure {
        Some(LostWhy::Join(e)) if form.asked => Some(join_error(lang, e)),
        Some(other) if form.asked => Some(super::i18n::lost_why(lang, other)),
        _ => None,
    };
    let (line, error) = if form.need_name {
        (t(lang, Key::JoinNeedName).to_owned(), true)
    } else if net.is_joining() {
        (t(lang, Key::Joining).to_owned(), false)
    } else if let Some(why) = &failed {
        (why.clone(), true)
    } else {
        (String::new(), false)
    };
    for (mut text, mut color) in &mut status {
        if text.0 != line {
            text.0 = line.clone();
        }
        color.0 = if error {
            Color::srgb(1.0, 0.55, 0.5)
        } else {
            Color::srgb(1.0, 0.85, 0.3)
        };
    }
    let button = t(
        lang,
        if failed.is_some() {
            Key::JoinRetry
        } else {
            Key::JoinButton
        },
    );
    for mut text in &mut label {
        if text.0 != button {
            text.0 = button.to_owned();
        }
    }
    for (e, l, is_button, is_pick, mut border) in &mut rings {
        let is_button = is_button || is_pick;
        let want = if focus.get() == Some(e) {
            FOCUS_RING
        } else if l.is_some_and(|l| l.0 == lang) {
            Color::srgb(1.0, 0.82, 0.3)
        } else if l.is_some() || is_button {
            Color::NONE
        } else {
            // The fields keep their own quiet border.
            Color::srgb(0.4, 0.45, 0.55)
        };
        if border.top != want {
            *border = BorderColor::all(want);
        }
    }
}
