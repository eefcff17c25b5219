//! The awards ceremony in the window: while it is open, everyone outside the ceremony room is
//! invited (J goes there); inside, the award being given and its winner are shown large over
//! the room. Organizers run it from their panel.

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;

use super::base::{ClientArgs, FrameSet};
use super::i18n::{Key, t};
use super::net::Net;
use super::ui::set_display;
use super::ui::{font, typing};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(super::base::Phase::Hall), spawn_ceremony_ui);
    app.add_systems(Update, accept_invitation.in_set(FrameSet::Sync));
    app.add_systems(Update, show_ceremony.in_set(FrameSet::View));
}

#[derive(Component)]
struct Invitation;
#[derive(Component)]
struct AwardTitle;

fn spawn_ceremony_ui(mut commands: Commands) {
    commands.spawn((
        DespawnOnExit(super::base::Phase::Hall),
        Invitation,
        Text::new(""),
        font(18.0),
        TextColor(Color::WHITE),
        BackgroundColor(Color::srgb(0.45, 0.3, 0.6)),
        GlobalZIndex(14),
        Node {
            position_type: PositionType::Absolute,
            top: px(64.0),
            left: percent(30.0),
            padding: UiRect::axes(px(14.0), px(8.0)),
            display: Display::None,
            ..default()
        },
    ));
    commands.spawn((
        DespawnOnExit(super::base::Phase::Hall),
        AwardTitle,
        Text::new(""),
        font(30.0),
        TextColor(Color::srgb(1.0, 0.88, 0.4)),
        TextLayout::justify(Justify::Center),
        BackgroundColor(Color::srgba(0.1, 0.08, 0.02, 0.85)),
        GlobalZIndex(14),
        Node {
            position_type: PositionType::Absolute,
            top: px(110.0),
            left: percent(20.0),
            width: percent(60.0),
            padding: UiRect::all(px(12.0)),
            justify_content: JustifyContent::Center,
            display: Display::None,
            ..default()
        },
    ));
}

fn accept_invitation(
    keys: Res<ButtonInput<KeyCode>>,
    focus: Res<InputFocus>,
    fields: Query<(), With<EditableText>>,
    mut net: ResMut<Net>,
) {
    if !keys.just_pressed(KeyCode::KeyJ) || typing(&focus, &fields) {
        return;
    }
    let Some(session) = net.session.as_mut() else {
        return;
    };
    let invited = session
        .ceremony
        .view
        .as_ref()
        .is_some_and(|c| c.open && session.me.as_ref().is_some_and(|m| m.hall != c.hall));
    if invited {
        session.join_ceremony();
    }
}

#[allow(clippy::type_complexity)]
fn show_ceremony(
    net: Res<Net>,
    args: Res<ClientArgs>,
    mut invitation: Query<(&mut Text, &mut Node), (With<Invitation>, Without<AwardTitle>)>,
    mut award: Query<(&mut Text, &mut Node), (With<AwardTitle>, Without<Invitation>)>,
) {
    let lang = args.lang;
    let session = net.session.as_ref();
    let c = session
        .and_then(|s| s.ceremony.view.as_ref())
        .filter(|c| c.open);
    let my_hall = session.and_then(|s| s.me.as_ref()).map(|m| m.hall);
    let invite_line = c
        .filter(|c| my_hall != Some(c.hall))
        .map(|_| t(lang, Key::CeremonyInvite).to_owned());
    let award_line = c.filter(|c| my_hall == Some(c.hall)).and_then(|c| {
        let a = c.award.as_ref()?;
        let name = if lang == madang_shared::map::Lang::En && !a.name_en.is_empty() {
            &a.name_en
        } else {
            &a.name
        };
        Some(match &a.winner {
            Some(w) => format!("{name}\n{w}"),
            None => name.clone(),
        })
    });
    for (line, q) in [
        (invite_line, invitation.single_mut()),
        (award_line, award.single_mut()),
    ] {
        let Ok((mut text, mut node)) = q else {
            continue;
        };
        set_display(&mut node, line.is_some());
        if let Some(line) = line
            && text.0 != line
        {
            text.0 = line;
        }
    }
}
