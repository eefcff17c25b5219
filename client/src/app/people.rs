//! People near you (P, or the button at the top left): follow someone (your avatar walks after
//! them, around walls, until a movement key takes over) or locate them (the camera points
//! them out for a few seconds). And the minimap of the hall in the top-left corner, with you
//! and the people you can see on it.

use std::time::{Duration, Instant};

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use bevy::ui::FocusPolicy;
use madang_shared::path::{find_path, tile_of};
use madang_shared::protocol::AvatarId;

use super::avatars::Locate;
use super::base::{ClientArgs, FrameSet};
use super::hall::{DrawnHall, map_and_me};
use super::i18n::{Key, t};
use super::net::Net;
use super::ui::typing;
use super::ui::{font, rgba_image, small_button};
use super::walk::AutoWalk;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<People>();
    app.add_systems(OnEnter(super::base::Phase::Hall), spawn_people_ui);
    app.add_systems(OnExit(super::base::Phase::Hall), |mut p: ResMut<People>| {
        p.drawn = None
    });
    app.add_systems(
        Update,
        (people_keys, choose, follow, click_minimap)
            .chain()
            .in_set(FrameSet::Sync),
    );
    app.add_systems(
        Update,
        (rebuild_list, draw_minimap).chain().in_set(FrameSet::View),
    );
}

/// How long the camera points someone out.
const LOCATE_TIME: Duration = Duration::from_secs(3);
/// A follower keeps this far (tiles) behind.
const FOLLOW_GAP: f32 = 1.5;
/// The minimap's width in pixels.
const MINIMAP_W: f32 = 200.0;

#[derive(Resource, Default)]
struct People {
    open: bool,
    /// Who is listed, to redraw only on change.
    drawn: Option<(bool, Vec<AvatarId>)>,
    following: Option<AvatarId>,
    /// When the path to the followed person was last found.
    last_path: Option<Instant>,
}

#[derive(Component)]
struct PeopleToggle;
#[derive(Component)]
struct PeopleList;
#[derive(Component, Clone, Copy)]
enum PersonAction {
    Follow(AvatarId),
    Locate(AvatarId),
    Report(AvatarId),
}
#[derive(Component)]
struct Minimap;
#[derive(Component)]
struct MinimapDot;

fn spawn_people_ui(mut commands: Commands, args: Res<ClientArgs>) {
    let lang = args.lang;
    commands.spawn((
        DespawnOnExit(super::base::Phase::Hall),
        Interaction::default(),
        FocusPolicy::Block,
        GlobalZIndex(5),
        Node {
            position_type: PositionType::Absolute,
            left: px(12.0),
            top: px(52.0),
            flex_direction: FlexDirection::Column,
            row_gap: px(6.0),
            ..default()
        },
        children![
            (
                Minimap,
                // A click on it walks there (`click_minimap`).
                Interaction::default(),
                bevy::ui::RelativeCursorPosition::default(),
                ImageNode::default(),
                Node {
                    width: px(MINIMAP_W),
                    height: px(MINIMAP_W),
                    display: Display::None,
                    ..default()
                },
                BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.4)),
            ),
            (
                Node {
                    flex_direction: FlexDirection::Row,
                    ..default()
                },
                children![small_button(PeopleToggle, t(lang, Key::PeopleButton))],
            ),
            (
                PeopleList,
                bevy::ui_widgets::ScrollArea,
                Node {
                    flex_direction: FlexDirection::Column,
                    row_gap: px(3.0),
                    padding: UiRect::all(px(6.0)),
                    width: px(300.0),
                    max_height: px(420.0),
                    overflow: Overflow::scroll_y(),
                    display: Display::None,
                    ..default()
                },
                BackgroundColor(Color::srgb(0.07, 0.08, 0.11)),
            ),
        ],
    ));
}

fn people_keys(
    keys: Res<ButtonInput<KeyCode>>,
    toggle: Query<&Interaction, (Changed<Interaction>, With<PeopleToggle>)>,
    focus: Res<InputFocus>,
    fields: Query<(), With<EditableText>>,
    mut people: ResMut<People>,
    walk: Res<AutoWalk>,
    buttons: Query<(), With<Button>>,
) {
    let key = keys.just_pressed(KeyCode::KeyP) && !typing(&focus, &fields);
    if key || toggle.iter().any(|i| *i == Interaction::Pressed) {
        people.open = !people.open;
    }
    // A movement key (which clears the walk) ends following too.
    // (Arrows moving the focus between buttons are not movement.)
    if people.following.is_some()
        && walk.walk.is_none()
        && people.last_path.is_some()
        && !super::keys::on_a_button(&focus, &buttons)
    {
        let moved = [
            KeyCode::ArrowLeft,
            KeyCode::ArrowRight,
            KeyCode::ArrowUp,
            KeyCode::ArrowDown,
            KeyCode::KeyW,
            KeyCode::KeyA,
            KeyCode::KeyS,
            KeyCode::KeyD,
        ]
        .iter()
        .any(|k| keys.pressed(*k));
        if moved && !typing(&focus, &fields) {
            people.following = None;
            people.last_path = None;
        }
    }
}

fn choose(
    pressed: Query<(&Interaction, &PersonAction), Changed<Interaction>>,
    mut people: ResMut<People>,
    mut locate: ResMut<Locate>,
    mut net: ResMut<Net>,
    mut talk_ui: ResMut<super::talk::TalkUi>,
    args: Res<ClientArgs>,
) {
    for (i, action) in &pressed {
        if *i != Interaction::Pressed {
            continue;
        }
        match *action {
            PersonAction::Follow(id) => {
                people.following = if people.following == Some(id) {
                    None
                } else {
                    Some(id)
                };
                people.last_path = None;
            }
            PersonAction::Locate(id) => locate.0 = Some((id, Instant::now())),
            PersonAction::Report(id) => {
                if let Some(s) = net.session.as_mut() {
                    // The organizers see who reported whom, and when; the reason is general.
                    let req = s.report(id, t(args.lang, Key::ReportReason));
                    talk_ui.reports.push(req);
                }
            }
        }
    }
}

/// Walks after the person followed: a fresh path twice a second, stopping short of them.
fn follow(
    mut people: ResMut<People>,
    mut walk: ResMut<AutoWalk>,
    mut locate: ResMut<Locate>,
    net: Res<Net>,
    drawn: Res<DrawnHall>,
) {
    if locate.0.is_some_and(|(_, at)| at.elapsed() > LOCATE_TIME) {
        locate.0 = None;
    }
    let Some(target) = people.following else {
        return;
    };
    let (Some(session), Some(map)) = (net.session.as_ref(), drawn.map.as_ref()) else {
        return;
    };
    let (Some(me), Some(them)) = (session.me.as_ref(), session.remote_render_pos(target)) else {
        // Out of view or gone: stop following.
        people.following = None;
        walk.walk = None;
        return;
    };
    if people
        .last_path
        .is_some_and(|t| t.elapsed() < Duration::from_millis(500))
    {
        return;
    }
    people.last_path = Some(Instant::now());
    if me.pos.distance(them) <= FOLLOW_GAP {
        walk.walk = None;
        return;
    }
    if let Some(mut path) = find_path(&map.collision, tile_of(me.pos), tile_of(them)) {
        // Stop a step short: nobody likes to be stood on.
        path.pop();
        if path.len() > 1 {
            walk.start(path, None);
        }
    }
}

/// A click on the minimap walks to that place of the hall.
fn click_minimap(
    minimap: Query<
        (&Interaction, &bevy::ui::RelativeCursorPosition),
        (Changed<Interaction>, With<Minimap>),
    >,
    drawn: Res<DrawnHall>,
    net: Res<Net>,
    mut auto: ResMut<AutoWalk>,
) {
    let Some((interaction, cursor)) = minimap.iter().next() else {
        return;
    };
    let (Interaction::Pressed, Some(at)) = (interaction, cursor.normalized) else {
        return;
    };
    let Some((map, me)) = map_and_me(&net, &drawn) else {
        return;
    };
    // From (-0.5, -0.5) at the top left to (0.5, 0.5) at the bottom right.
    let p = madang_shared::Vec2::new(
        (at.x + 0.5) * map.width as f32,
        (at.y + 0.5) * map.height as f32,
    );
    match map.path_to_point(me.pos, p) {
        Some(path) => auto.start(path, None),
        None => debug!(?p, "no way there"),
    }
}

fn rebuild_list(
    mut commands: Commands,
    mut people: ResMut<People>,
    net: Res<Net>,
    args: Res<ClientArgs>,
    mut list: Query<(Entity, &mut Node), With<PeopleList>>,
) {
    let lang = args.lang;
    let mut ids: Vec<AvatarId> = net
        .session
        .as_ref()
        .map(|s| s.others.keys().copied().collect())
        .unwrap_or_default();
    ids.sort();
    let state = (people.open, ids.clone());
    if people.drawn.as_ref() == Some(&state) {
        return;
    }
    people.drawn = Some(state);
    let Ok((list, mut node)) = list.single_mut() else {
        return;
    };
    node.display = if people.open {
        Display::Flex
    } else {
        Display::None
    };
    commands.entity(list).despawn_children();
    let Some(session) = net.session.as_ref() else {
        return;
    };
    commands.entity(list).with_children(|list| {
        if ids.is_empty() {
            list.spawn((
                Text::new(t(lang, Key::NobodyNear)),
                font(14.0),
                TextColor(Color::srgb(0.7, 0.73, 0.78)),
            ));
        }
        for id in ids.iter().take(30) {
            let Some(r) = session.others.get(id) else {
                continue;
            };
            list.spawn(Node {
                flex_direction: FlexDirection::Row,
                column_gap: px(4.0),
                align_items: AlignItems::Center,
                ..default()
            })
            .with_children(|row| {
                row.spawn((
                    Text::new(r.name.clone()),
                    font(14.0),
                    TextColor(Color::WHITE),
                    Node {
                        flex_grow: 1.0,
                        ..default()
                    },
                ));
                row.spawn(small_button(
                    PersonAction::Follow(*id),
                    t(lang, Key::Follow),
                ));
                row.spawn(small_button(
                    PersonAction::Locate(*id),
                    t(lang, Key::Locate),
                ));
                row.spawn(small_button(
                    PersonAction::Report(*id),
                    t(lang, Key::ReportButton),
                ));
            });
        }
    });
}

/// The hall as a picture, one pixel a tile: walls dark, floor light.
fn minimap_image(map: &madang_shared::map::HallMap) -> Image {
    use madang_shared::rules::Blocking;
    let mut rgba = Vec::with_capacity((map.width * map.height * 4) as usize);
    for y in 0..map.height as i32 {
        for x in 0..map.width as i32 {
            let in_booth = map.booths.iter().any(|b| {
                b.rect
                    .contains(madang_shared::Vec2::new(x as f32 + 0.5, y as f32 + 0.5))
            });
            rgba.extend_from_slice(if map.collision.blocked(x, y) {
                &[40, 44, 54, 230]
            } else if in_booth {
                &[150, 170, 200, 230]
            } else {
                &[205, 205, 200, 230]
            });
        }
    }
    let mut image = rgba_image(map.width, map.height, rgba);
    image.sampler = bevy::image::ImageSampler::nearest();
    image
}

#[allow(clippy::too_many_arguments)]
fn draw_minimap(
    mut commands: Commands,
    net: Res<Net>,
    drawn: Res<DrawnHall>,
    mut images: ResMut<Assets<Image>>,
    mut minimap: Query<(Entity, &mut ImageNode, &mut Node), With<Minimap>>,
    dots: Query<Entity, With<MinimapDot>>,
    mut for_hall: Local<Option<(Option<String>, u64)>>,
) {
    let Ok((entity, mut view, mut node)) = minimap.single_mut() else {
        return;
    };
    let Some(map) = drawn.map.as_ref() else {
        node.display = Display::None;
        return;
    };
    // Every redraw, and a minimap drawn anew (after a change of language).
    let now = (drawn.id.clone(), drawn.redraws);
    if for_hall.as_ref() != Some(&now) || view.image == Handle::default() {
        *for_hall = Some(now);
        view.image = images.add(minimap_image(map));
        let h = MINIMAP_W * map.height as f32 / map.width.max(1) as f32;
        node.height = px(h);
        node.display = Display::Flex;
    }
    for d in &dots {
        commands.entity(d).despawn();
    }
    let Some(session) = net.session.as_ref() else {
        return;
    };
    let size = Vec2::new(map.width as f32, map.height as f32);
    let mut place = |p: madang_shared::Vec2, color: Color, r: f32| {
        let at = Vec2::new(p.x, p.y) / size * 100.0;
        commands.entity(entity).with_child((
            MinimapDot,
            Node {
                position_type: PositionType::Absolute,
                left: percent(at.x),
                top: percent(at.y),
                width: px(r * 2.0),
                height: px(r * 2.0),
                margin: UiRect::new(px(-r), px(0.0), px(-r), px(0.0)),
                ..default()
            },
            BackgroundColor(color),
        ));
    };
    for id in session.others.keys().take(300) {
        if let Some(p) = session.remote_render_pos(*id) {
            place(p, Color::srgb(0.2, 0.45, 0.9), 2.0);
        }
    }
    if let Some(me) = session.me.as_ref() {
        place(me.pos, Color::srgb(1.0, 0.8, 0.1), 3.0);
    }
}
