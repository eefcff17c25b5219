//! The join screen, when the window opens without `--name`: the name others will see, the
//! language (switching it rewords the screen at once), the server's address, an optional
//! invite code, and the join button. Enter joins from anywhere on it; Tab and Shift+Tab go from
//! field to field and button to button, with a visible ring; Enter or Space presses the button
//! in focus. A refusal or an unreachable server is said here in the chosen language, and the
//! button becomes "try again". What was chosen is remembered for next time.

mod form;

use bevy::input_focus::{FocusCause, InputFocus};
use bevy::prelude::*;
use bevy::text::EditableText;
use madang_shared::protocol::Look;

use crate::app::base::{ClientArgs, Phase, Prefs};
use crate::app::i18n::{Key, join_error, lang_code, t};
use crate::app::net::{Net, begin};
use crate::session::{LostWhy, server_url};
use form::{
    FOCUS_RING, InviteField, JoinButton, JoinButtonLabel, JoinStatus, LangButton, NameField, Pick,
    Preview, ServerField, Stop,
};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<JoinForm>();
    app.add_systems(OnEnter(Phase::Join), form::spawn);
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
