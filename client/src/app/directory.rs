//! The booth directory: every booth of the hall by theme (B, or the button at the top left).
//! Choosing one walks your avatar there along a path around the walls (A* on the tile grid),
//! pressing the same keys a person would, so the server moves you by the ordinary rule; any
//! movement key takes over. On arrival the booth's panel opens.

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use bevy::ui::FocusPolicy;
use madang_shared::map::{HallMap, booths_by_theme};
use madang_shared::visit::Visit;

use super::base::{ClientArgs, FrameSet};
use super::hall::DrawnHall;
use super::hall::map_and_me;
use super::i18n::{Key, t};
use super::net::Net;
use super::ui::{font, typing};
use super::walk::AutoWalk;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Directory>();
    app.add_systems(OnEnter(super::base::Phase::Hall), spawn_toggle);
    app.add_systems(
        OnExit(super::base::Phase::Hall),
        |mut d: ResMut<Directory>| d.drawn = None,
    );
    app.add_systems(
        Update,
        (toggle, choose, walk_on_start, rebuild_list)
            .chain()
            .in_set(FrameSet::Sync),
    );
}

#[derive(Resource, Default)]
struct Directory {
    open: bool,
    /// The hall the list was drawn for, and whether it is drawn open.
    drawn: Option<(Option<String>, bool)>,
    notice: Option<String>,
}

#[derive(Component)]
struct DirectoryRoot;
#[derive(Component)]
struct DirectoryList;
#[derive(Component)]
struct ToggleButton;
#[derive(Component, Clone, Copy)]
struct GoTo(u32);

fn spawn_toggle(mut commands: Commands, args: Res<ClientArgs>) {
    commands.spawn((
        DespawnOnExit(super::base::Phase::Hall),
        DirectoryRoot,
        Interaction::default(),
        FocusPolicy::Block,
        GlobalZIndex(6),
        Node {
            position_type: PositionType::Absolute,
            left: px(12.0),
            top: px(12.0),
            flex_direction: FlexDirection::Column,
            row_gap: px(6.0),
            ..default()
        },
        children![
            (
                Button,
                ToggleButton,
                Node {
                    padding: UiRect::axes(px(10.0), px(6.0)),
                    align_self: AlignSelf::FlexStart,
                    ..default()
                },
                BackgroundColor(Color::srgb(0.22, 0.3, 0.45)),
                children![(
                    Text::new(t(args.lang, Key::Directory)),
                    font(15.0),
                    TextColor(Color::WHITE),
                )],
            ),
            (
                DirectoryList,
                // A hall of dozens of booths is longer than the window: the wheel scrolls it.
                bevy::ui_widgets::ScrollArea,
                Node {
                    flex_direction: FlexDirection::Column,
                    row_gap: px(2.0),
                    padding: UiRect::all(px(8.0)),
                    width: px(330.0),
                    max_height: percent(80.0),
                    overflow: Overflow::scroll_y(),
                    display: Display::None,
                    ..default()
                },
                BackgroundColor(Color::srgba(0.07, 0.08, 0.11, 0.94)),
            ),
        ],
    ));
}

fn toggle(
    keys: Res<ButtonInput<KeyCode>>,
    pressed: Query<&Interaction, (Changed<Interaction>, With<ToggleButton>)>,
    focus: Res<InputFocus>,
    fields: Query<(), With<EditableText>>,
    mut dir: ResMut<Directory>,
) {
    let key = keys.just_pressed(KeyCode::KeyB) && !typing(&focus, &fields);
    if key || pressed.iter().any(|i| *i == Interaction::Pressed) {
        dir.open = !dir.open;
        dir.notice = None;
    }
}

/// Starts a walk to booth `id`; false when there is no way there.
fn start_walk(map: &HallMap, from: madang_shared::Vec2, id: u32, walk: &mut AutoWalk) -> bool {
    let Some(booth) = map.booths.iter().find(|b| b.object_id == id) else {
        return false;
    };
    match map.path_to_booth(from, booth) {
        Some(path) => {
            walk.start(path, Some(Visit::Booth(id)));
            true
        }
        None => false,
    }
}

fn choose(
    pressed: Query<(&Interaction, &GoTo), Changed<Interaction>>,
    net: Res<Net>,
    drawn: Res<DrawnHall>,
    args: Res<ClientArgs>,
    mut dir: ResMut<Directory>,
    mut walk: ResMut<AutoWalk>,
) {
    let Some(&GoTo(id)) = pressed
        .iter()
        .find(|(i, _)| **i == Interaction::Pressed)
        .map(|(_, g)| g)
    else {
        return;
    };
    let Some((map, me)) = map_and_me(&net, &drawn) else {
        return;
    };
    if start_walk(map, me.pos, id, &mut walk) {
        dir.open = false;
    } else {
        dir.notice = Some(t(args.lang, Key::NoWay).to_owned());
        dir.drawn = None;
    }
}

/// `--visit NAME`: once in the hall, walks to the booth of that title (Korean or English).
fn walk_on_start(
    args: Res<ClientArgs>,
    net: Res<Net>,
    drawn: Res<DrawnHall>,
    mut walk: ResMut<AutoWalk>,
    mut started: Local<bool>,
) {
    let Some(name) = &args.visit else { return };
    if *started {
        return;
    }
    let Some((map, me)) = map_and_me(&net, &drawn) else {
        return;
    };
    *started = true;
    let found = map
        .booths
        .iter()
        .find(|b| b.title.ko == *name || b.title.en == *name);
    match found {
        Some(b) if start_walk(map, me.pos, b.object_id, &mut walk) => {}
        Some(_) => warn!("--visit: no way to the booth {name:?}"),
        None => warn!("--visit: no booth titled {name:?} in this hall"),
    }
}

fn rebuild_list(
    mut commands: Commands,
    mut dir: ResMut<Directory>,
    drawn: Res<DrawnHall>,
    args: Res<ClientArgs>,
    mut list: Query<(Entity, &mut Node), With<DirectoryList>>,
) {
    let state = (drawn.id.clone(), dir.open);
    if dir.drawn.as_ref() == Some(&state) {
        return;
    }
    dir.drawn = Some(state);
    let Ok((list, mut node)) = list.single_mut() else {
        return;
    };
    node.display = if dir.open {
        Display::Flex
    } else {
        Display::None
    };
    commands.entity(list).despawn_children();
    let Some(map) = drawn.map.as_ref() else {
        return;
    };
    let lang = args.lang;
    let small = |s: String, size: f32, color: Color| (Text::new(s), font(size), TextColor(color));
    commands.entity(list).with_children(|list| {
        list.spawn(small(
            dir.notice
                .clone()
                .unwrap_or_else(|| t(lang, Key::DirectoryHint).to_owned()),
            14.0,
            Color::srgb(0.7, 0.73, 0.78),
        ));
        for booths in booths_by_theme(map).values() {
            let theme = booths[0].theme.name();
            list.spawn((
                Node {
                    margin: UiRect::top(px(6.0)),
                    ..default()
                },
                children![small(
                    theme.get(lang).to_owned(),
                    14.0,
                    Color::srgb(1.0, 0.85, 0.5)
                )],
            ));
            for b in booths {
                list.spawn((
                    Button,
                    GoTo(b.object_id),
                    Node {
                        padding: UiRect::axes(px(8.0), px(3.0)),
                        ..default()
                    },
                    BackgroundColor(Color::srgba(1.0, 1.0, 1.0, 0.06)),
                    children![small(
                        format!("{} · {}", b.title.get(lang), b.org.get(lang)),
                        14.0,
                        Color::WHITE
                    )],
                ));
            }
        }
    });
}
