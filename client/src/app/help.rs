//! The help: F1 or ? opens an overlay listing every key and click for the role you have
//! (facilitators and organizers see theirs too); F1, ? or Esc closes it. The first time a
//! visitor arrives in a hall it shows once by itself, and the settings remember that it did.

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use bevy::ui::FocusPolicy;
use madang_shared::protocol::Role;

use super::base::{ClientArgs, FrameSet, NetSet, Prefs};
use super::i18n::{Key, t};
use super::net::Net;
use super::ui::set_display;
use super::ui::{font, typing};
use super::walk::Claims;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Help>();
    app.add_systems(Startup, spawn_help);
    app.add_systems(
        Update,
        (help_keys, first_visit, show_help)
            .chain()
            .in_set(FrameSet::View),
    );
    app.add_systems(Update, claim_input.in_set(NetSet::Receive));
}

/// No key walks under the help.
fn claim_input(help: Res<Help>, mut claims: ResMut<Claims>) {
    if claims.keys != help.open {
        claims.keys = help.open;
    }
}

/// Whether the overlay is open.
#[derive(Resource, Default)]
pub struct Help {
    pub open: bool,
    /// What it was drawn for: (language, role).
    drawn: Option<(madang_shared::map::Lang, Role)>,
}

#[derive(Component)]
struct HelpRoot;
#[derive(Component)]
struct HelpBody;

fn spawn_help(mut commands: Commands) {
    commands.spawn((
        HelpRoot,
        Interaction::default(),
        FocusPolicy::Block,
        GlobalZIndex(80),
        Node {
            position_type: PositionType::Absolute,
            width: percent(100.0),
            height: percent(100.0),
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            display: Display::None,
            ..default()
        },
        BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.55)),
        children![(
            HelpBody,
            Node {
                flex_direction: FlexDirection::Column,
                row_gap: px(8.0),
                padding: UiRect::all(px(22.0)),
                max_width: px(900.0),
                ..default()
            },
            BackgroundColor(Color::srgb(0.13, 0.15, 0.2)),
        )],
    ));
}

/// The lines for a role, in order.
fn lines(role: Role) -> Vec<Key> {
    let mut keys = vec![
        Key::HelpWalk,
        Key::HelpClickWalk,
        Key::HelpOpen,
        Key::HelpPanels,
        Key::HelpVoice,
        Key::HelpView,
    ];
    if matches!(role, Role::Facilitator | Role::Organizer) {
        keys.push(Key::HelpFacilitator);
    }
    if role == Role::Organizer {
        keys.push(Key::HelpOrganizer);
    }
    keys.push(Key::HelpWindow);
    keys
}

fn help_keys(
    keys: Res<ButtonInput<KeyCode>>,
    focus: Res<InputFocus>,
    fields: Query<(), With<EditableText>>,
    mut help: ResMut<Help>,
) {
    let question = keys.just_pressed(KeyCode::Slash)
        && (keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight));
    // F1 works even in a text field; ? only outside one (it is a character there).
    if keys.just_pressed(KeyCode::F1) || (question && !typing(&focus, &fields)) {
        help.open = !help.open;
    } else if help.open && keys.just_pressed(KeyCode::Escape) {
        help.open = false;
    }
}

/// The first time in a hall, the help shows once.
fn first_visit(
    arrived: Res<super::loading::Arrived>,
    mut prefs: ResMut<Prefs>,
    mut help: ResMut<Help>,
    args: Res<ClientArgs>,
) {
    // A screenshot run (tests, the README's pictures) wants the hall, not the help.
    if prefs.settings.help_seen || args.screenshot.is_some() {
        return;
    }
    if arrived.0 {
        help.open = true;
        prefs.settings.help_seen = true;
        prefs.save();
    }
}

fn show_help(
    mut commands: Commands,
    args: Res<ClientArgs>,
    net: Res<Net>,
    mut help: ResMut<Help>,
    mut root: Query<&mut Node, With<HelpRoot>>,
    body: Query<Entity, With<HelpBody>>,
) {
    for mut node in &mut root {
        set_display(&mut node, help.open);
    }
    if !help.open {
        return;
    }
    let role = net
        .session
        .as_ref()
        .and_then(|s| s.me.as_ref())
        .map(|m| m.role)
        .unwrap_or_default();
    let want = (args.lang, role);
    if help.drawn == Some(want) {
        return;
    }
    help.drawn = Some(want);
    let Ok(body) = body.single() else { return };
    let lang = args.lang;
    commands.entity(body).despawn_children();
    commands.entity(body).with_children(|b| {
        b.spawn((
            Text::new(t(lang, Key::HelpTitle)),
            font(22.0),
            TextColor(Color::WHITE),
        ));
        for key in lines(role) {
            b.spawn((
                Text::new(t(lang, key)),
                font(16.0),
                TextColor(Color::srgb(0.88, 0.9, 0.94)),
            ));
        }
        b.spawn((
            Text::new(t(lang, Key::HelpClose)),
            font(15.0),
            TextColor(Color::srgb(1.0, 0.85, 0.4)),
        ));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_sees_its_own_keys() {
        assert!(!lines(Role::Visitor).contains(&Key::HelpOrganizer));
        assert!(!lines(Role::Visitor).contains(&Key::HelpFacilitator));
        assert!(lines(Role::Facilitator).contains(&Key::HelpFacilitator));
        assert!(lines(Role::Organizer).contains(&Key::HelpOrganizer));
        for role in [
            Role::Visitor,
            Role::Presenter,
            Role::Facilitator,
            Role::Organizer,
        ] {
            assert!(lines(role).contains(&Key::HelpClickWalk));
        }
    }
}
