//! Slide screens in the hall: each shows the page the server says (drawn off the frame by
//! [`super::pages`]), with the presenter's pointer as a red dot. A presenter or an organizer on
//! the stage or at a screen gets its controls: the screen's decks to put up, ◀ ▶ (or
//! PageUp/PageDown) to turn, a button to take the deck down; and their mouse over the screen
//! is the pointer everyone sees.

use std::collections::HashMap;
use std::time::Duration;

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::sprite::Anchor;
use bevy::text::EditableText;
use bevy::window::PrimaryWindow;
use madang_shared::map::{HallMap, Rect, TILE_PX};
use madang_shared::protocol::{Role, SlideAction};
use madang_shared::visit::{KIOSK_REACH, distance_to};

use super::base::{ClientArgs, FrameSet, Phase, to_world};
use super::hall::{DrawnHall, HallPart};
use super::i18n::{Key, t};
use super::net::Net;
use super::pages::Pages;
use super::reader::OpenDocument;
use super::ui::{BUTTON, CaptureMark, DIM, INK, font, rgba_image, set_display, text, typing};
use super::walk;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<SlideScreens>();
    app.add_systems(OnEnter(Phase::Hall), spawn_controls);
    app.add_systems(
        Update,
        (
            draw_screens,
            show_slides,
            presenter_keys,
            control_buttons,
            point,
            open_large,
        )
            .chain()
            .in_set(FrameSet::Sync)
            .after(super::hall::redraw_hall)
            .after(walk::arrive),
    );
    app.add_systems(Update, show_controls.in_set(FrameSet::View));
}

/// Pages of slides are drawn this wide.
const SLIDE_WIDTH: u32 = 1024;
const Z_SLIDES: f32 = 2.2;
/// A pointer not moved for this long is hidden.
const POINTER_SHOWN: Duration = Duration::from_secs(3);

struct Drawn {
    rect: Rect,
    picture: Entity,
    label: Entity,
    pointer: Entity,
    /// The picture's size in the world (the largest of the page's shape in the screen's area).
    size: Vec2,
}

#[derive(Resource, Default)]
struct SlideScreens {
    hall: Option<(Option<String>, u64)>,
    by_screen: HashMap<u32, Drawn>,
    /// The screen whose controls you have, and the pointer last sent for it.
    controlling: Option<u32>,
    pointed: bool,
    /// Requests sent from the controls, and the last refusal to show.
    asked: Vec<u32>,
    notice: Option<String>,
}

#[derive(Component)]
struct ControlsRoot;
#[derive(Component)]
struct ControlsTitle;
#[derive(Component)]
struct DeckButtons;
#[derive(Component)]
struct ControlsNotice;
#[derive(Component, Clone, PartialEq, Debug)]
enum SlideButton {
    Open(String),
    Prev,
    Next,
    Close,
}

/// The largest `aspect` (height / width) picture inside `area`.
fn fit(area: Vec2, aspect: f32) -> Vec2 {
    if area.y / area.x > aspect {
        Vec2::new(area.x, area.x * aspect)
    } else {
        Vec2::new(area.y / aspect, area.y)
    }
}

fn draw_screens(
    mut commands: Commands,
    drawn: Res<DrawnHall>,
    args: Res<ClientArgs>,
    mut screens: ResMut<SlideScreens>,
    mut images: ResMut<Assets<Image>>,
) {
    let now = (drawn.id.clone(), drawn.redraws);
    if screens.hall.as_ref() == Some(&now) {
        return;
    }
    screens.hall = Some(now);
    screens.by_screen.clear();
    let Some(map) = drawn.map.clone() else { return };
    for s in &map.slide_screens {
        let area = Vec2::new(s.rect.w, s.rect.h) * TILE_PX as f32;
        let size = fit(area, 9.0 / 16.0);
        let centre = to_world(s.rect.center());
        let picture = commands
            .spawn((
                Sprite {
                    image: images.add(rgba_image(1, 1, vec![24, 26, 34, 255])),
                    custom_size: Some(size),
                    ..default()
                },
                Transform::from_translation(centre.extend(Z_SLIDES)),
                HallPart,
            ))
            .id();
        let label = commands
            .spawn((
                Text2d::new(format!(
                    "{}\n{}",
                    s.title.get(args.lang),
                    t(args.lang, Key::NoSlides)
                )),
                font(14.0),
                bevy::text::TextBounds::new_horizontal(size.x),
                TextColor(DIM),
                TextLayout::justify(Justify::Center),
                Anchor::CENTER,
                Transform::from_translation(centre.extend(Z_SLIDES + 0.3)),
                HallPart,
            ))
            .id();
        let pointer = commands
            .spawn((
                Sprite {
                    color: Color::srgb(1.0, 0.15, 0.2),
                    custom_size: Some(Vec2::splat(7.0)),
                    ..default()
                },
                Transform::from_translation(centre.extend(Z_SLIDES + 0.5)),
                Visibility::Hidden,
                HallPart,
            ))
            .id();
        screens.by_screen.insert(
            s.object_id,
            Drawn {
                rect: s.rect,
                picture,
                label,
                pointer,
                size,
            },
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn show_slides(
    net: Res<Net>,
    args: Res<ClientArgs>,
    mut screens: ResMut<SlideScreens>,
    mut pages: ResMut<Pages>,
    images: Res<Assets<Image>>,
    mut sprites: Query<(&mut Sprite, &mut Transform, &mut Visibility), Without<Text2d>>,
    mut labels: Query<(&mut Text2d, &mut Visibility), Without<Sprite>>,
) {
    let Some(session) = net.session.as_ref() else {
        return;
    };
    for (&id, d) in screens.by_screen.iter_mut() {
        let state = session.slide(id);
        let drawn = state
            .and_then(|s| Some((pages.deck(&args.assets, s.deck.as_deref()?)?, s.page)))
            .and_then(|(path, page)| pages.page(&path, page, SLIDE_WIDTH).cloned());
        let failed = matches!(drawn, Some(Err(_)));
        let shown = state.is_some_and(|s| s.deck.is_some());
        if let Ok((mut sprite, _, _)) = sprites.get_mut(d.picture) {
            match &drawn {
                Some(Ok(handle)) => {
                    if sprite.image != *handle {
                        sprite.image = handle.clone();
                    }
                    if sprite.color != Color::WHITE {
                        sprite.color = Color::WHITE;
                    }
                    if let Some(img) = images.get(handle) {
                        let aspect = img.height() as f32 / img.width().max(1) as f32;
                        d.size = fit(Vec2::new(d.rect.w, d.rect.h) * TILE_PX as f32, aspect);
                        if sprite.custom_size != Some(d.size) {
                            sprite.custom_size = Some(d.size);
                        }
                    }
                }
                _ if !shown => {
                    if sprite.color != Color::srgb(0.1, 0.1, 0.13) {
                        sprite.color = Color::srgb(0.1, 0.1, 0.13);
                    }
                    sprite.image = Handle::default();
                }
                _ => {}
            }
        }
        if let Ok((mut label, mut vis)) = labels.get_mut(d.label) {
            let want = if failed {
                Visibility::Inherited
            } else if shown {
                Visibility::Hidden
            } else {
                Visibility::Inherited
            };
            if failed && !label.0.contains(t(args.lang, Key::DocFailed)) {
                label.0 = t(args.lang, Key::DocFailed).to_owned();
            }
            if *vis != want {
                *vis = want;
            }
        }
        let pointer = session
            .slides
            .pointers
            .get(&id)
            .filter(|(_, at)| at.elapsed() < POINTER_SHOWN && shown);
        if let Ok((_, mut tf, mut vis)) = sprites.get_mut(d.pointer) {
            let want = if pointer.is_some() {
                Visibility::Inherited
            } else {
                Visibility::Hidden
            };
            if let Some(((x, y), _)) = pointer {
                let centre = to_world(d.rect.center());
                let fx = *x as f32 / 65535.0 - 0.5;
                let fy = *y as f32 / 65535.0 - 0.5;
                tf.translation.x = centre.x + fx * d.size.x;
                tf.translation.y = centre.y - fy * d.size.y;
            }
            if *vis != want {
                *vis = want;
            }
        }
    }
}

/// The screen you may control from where you stand: a presenter or an organizer on a stage
/// of the hall, or within reach of a slide screen (the nearest).
fn controlled(map: &HallMap, role: Role, pos: madang_shared::Vec2) -> Option<u32> {
    if !matches!(role, Role::Presenter | Role::Organizer) {
        return None;
    }
    let nearest = map
        .slide_screens
        .iter()
        .min_by(|a, b| distance_to(&a.rect, pos).total_cmp(&distance_to(&b.rect, pos)))?;
    (map.on_spotlight(pos) || distance_to(&nearest.rect, pos) <= KIOSK_REACH + 1.0)
        .then_some(nearest.object_id)
}

fn spawn_controls(mut commands: Commands, args: Res<ClientArgs>) {
    let lang = args.lang;
    let small = |b: SlideButton, label: &'static str, mark: &'static str| {
        (
            Button,
            b,
            CaptureMark(mark),
            Node {
                padding: UiRect::axes(px(10.0), px(5.0)),
                ..default()
            },
            BackgroundColor(BUTTON),
            children![text(label, 15.0, INK)],
        )
    };
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        ControlsRoot,
        CaptureMark("slide_controls"),
        Node {
            position_type: PositionType::Absolute,
            top: px(64.0),
            right: px(12.0),
            max_width: px(420.0),
            padding: UiRect::all(px(8.0)),
            flex_direction: FlexDirection::Column,
            row_gap: px(6.0),
            display: Display::None,
            ..default()
        },
        BackgroundColor(Color::srgb(0.07, 0.08, 0.11)),
        children![
            (text("", 15.0, INK), ControlsTitle),
            (
                DeckButtons,
                Node {
                    flex_direction: FlexDirection::Row,
                    flex_wrap: FlexWrap::Wrap,
                    column_gap: px(6.0),
                    row_gap: px(4.0),
                    ..default()
                },
            ),
            (
                Node {
                    flex_direction: FlexDirection::Row,
                    column_gap: px(6.0),
                    ..default()
                },
                children![
                    small(SlideButton::Prev, "◀", "slide_prev"),
                    small(SlideButton::Next, "▶", "slide_next"),
                    small(
                        SlideButton::Close,
                        t(lang, Key::SlideTakeDown),
                        "slide_close"
                    ),
                ],
            ),
            (text("", 14.0, super::ui::BAD), ControlsNotice),
            text(t(lang, Key::SlideKeys), 14.0, DIM),
        ],
    ));
}

/// Shows the controls while you have a screen, with its decks as buttons.
#[allow(clippy::type_complexity)]
fn show_controls(
    mut commands: Commands,
    net: Res<Net>,
    drawn: Res<DrawnHall>,
    args: Res<ClientArgs>,
    mut screens: ResMut<SlideScreens>,
    mut pages: ResMut<Pages>,
    mut root: Query<&mut Node, With<ControlsRoot>>,
    mut title: Query<&mut Text, (With<ControlsTitle>, Without<ControlsNotice>)>,
    mut notice: Query<&mut Text, (With<ControlsNotice>, Without<ControlsTitle>)>,
    decks: Query<Entity, With<DeckButtons>>,
    mut built: Local<Option<(u32, u64, usize)>>,
) {
    let mine = super::hall::map_and_me(&net, &drawn)
        .and_then(|(map, me)| Some((controlled(map, me.role, me.pos)?, map)));
    screens.controlling = mine.map(|(id, _)| id);
    if let Ok(mut node) = root.single_mut() {
        set_display(&mut node, mine.is_some());
    }
    let Some((id, map)) = mine else {
        *built = None;
        return;
    };
    let Some(screen) = map.slide_screens.iter().find(|s| s.object_id == id) else {
        return;
    };
    let page = net
        .session
        .as_ref()
        .and_then(|s| s.slide(id))
        .filter(|s| s.deck.is_some())
        .map(|s| format!(" — {} / {}", s.page, s.pages))
        .unwrap_or_default();
    if let Ok(mut text) = title.single_mut() {
        let want = format!(
            "{}: {}{page}",
            t(args.lang, Key::SlideScreen),
            screen.title.get(args.lang)
        );
        if text.0 != want {
            text.0 = want;
        }
    }
    if let Ok(mut text) = notice.single_mut() {
        let want = screens.notice.clone().unwrap_or_default();
        if text.0 != want {
            text.0 = want;
        }
    }
    // The deck buttons, named by the decks' titles once known.
    let known = screen
        .decks
        .iter()
        .filter(|d| {
            pages
                .deck(&args.assets, d)
                .is_some_and(|p| pages.info.contains_key(&p))
        })
        .count();
    let key = (id, drawn.redraws, known);
    if *built == Some(key) {
        return;
    }
    let Ok(list) = decks.single() else { return };
    *built = Some(key);
    commands.entity(list).despawn_children();
    let labels: Vec<(String, String)> = screen
        .decks
        .iter()
        .map(|d| {
            let name = pages
                .deck(&args.assets, d)
                .map(|p| pages.title(&p))
                .unwrap_or_else(|| d.clone());
            (
                d.clone(),
                format!("{} {name}", t(args.lang, Key::SlideDeckButton)),
            )
        })
        .collect();
    commands.entity(list).with_children(|l| {
        for (i, (deck, label)) in labels.into_iter().enumerate() {
            let mut b = l.spawn((
                Button,
                SlideButton::Open(deck),
                Node {
                    padding: UiRect::axes(px(10.0), px(5.0)),
                    ..default()
                },
                BackgroundColor(BUTTON),
                children![text(label, 15.0, INK)],
            ));
            if i == 0 {
                b.insert(CaptureMark("slide_deck"));
            }
        }
    });
}

fn send(net: &mut Net, screens: &mut SlideScreens, screen: u32, action: SlideAction) {
    if let Some(s) = net.session.as_mut() {
        screens.asked.push(s.control_slides(screen, action));
        screens.notice = None;
    }
}

fn turn(net: &mut Net, screens: &mut SlideScreens, screen: u32, by: i64) {
    let Some(page) = net
        .session
        .as_ref()
        .and_then(|s| s.slide(screen))
        .filter(|s| s.deck.is_some())
        .map(|s| s.page)
    else {
        return;
    };
    let to = (page as i64 + by).max(1) as u32;
    send(net, screens, screen, SlideAction::Goto { page: to });
}

fn presenter_keys(
    keys: Res<ButtonInput<KeyCode>>,
    focus: Res<InputFocus>,
    fields: Query<(), With<EditableText>>,
    mut screens: ResMut<SlideScreens>,
    mut net: ResMut<Net>,
    args: Res<ClientArgs>,
) {
    // Answers to the controls' requests: a refusal is shown in the controls.
    if let Some(s) = net.session.as_mut() {
        let mut notice = None;
        screens.asked.retain(|&req| match s.take_answer(req) {
            Some(Err(why)) => {
                notice = Some(super::i18n::refusal(args.lang, &why));
                false
            }
            Some(Ok(())) => false,
            None => true,
        });
        if notice.is_some() {
            screens.notice = notice;
        }
        screens.asked.truncate(64);
    }
    let Some(id) = screens.controlling else {
        return;
    };
    if typing(&focus, &fields) {
        return;
    }
    if keys.just_pressed(KeyCode::PageDown) {
        turn(&mut net, &mut screens, id, 1);
    } else if keys.just_pressed(KeyCode::PageUp) {
        turn(&mut net, &mut screens, id, -1);
    }
}

fn control_buttons(
    pressed: Query<(&Interaction, &SlideButton), Changed<Interaction>>,
    mut screens: ResMut<SlideScreens>,
    mut net: ResMut<Net>,
) {
    let Some(id) = screens.controlling else {
        return;
    };
    for (interaction, b) in &pressed {
        if *interaction != Interaction::Pressed {
            continue;
        }
        let s = &mut *screens;
        match b {
            SlideButton::Open(deck) => {
                send(&mut net, s, id, SlideAction::Open { deck: deck.clone() })
            }
            SlideButton::Prev => turn(&mut net, s, id, -1),
            SlideButton::Next => turn(&mut net, s, id, 1),
            SlideButton::Close => send(&mut net, s, id, SlideAction::Close),
        }
    }
}

/// A click on a screen that shows slides opens them large in the reader, following the
/// screen's page.
#[allow(clippy::too_many_arguments)]
fn open_large(
    mouse: Res<ButtonInput<MouseButton>>,
    windows: Query<&Window, With<PrimaryWindow>>,
    cameras: Query<(&Camera, &GlobalTransform)>,
    ui: Query<&Interaction>,
    claims: Res<walk::Claims>,
    screens: Res<SlideScreens>,
    net: Res<Net>,
    args: Res<ClientArgs>,
    drawn: Res<DrawnHall>,
    mut pages: ResMut<Pages>,
    mut open: MessageWriter<OpenDocument>,
) {
    if claims.clicks || claims.modal || !mouse.just_pressed(MouseButton::Left) {
        return;
    }
    let Some(p) = walk::pointer_in_hall(&windows, &cameras, &ui) else {
        return;
    };
    let Some(session) = net.session.as_ref() else {
        return;
    };
    for (&id, d) in &screens.by_screen {
        if !d.rect.contains(p) {
            continue;
        }
        let Some(deck) = session.slide(id).and_then(|s| s.deck.clone()) else {
            continue;
        };
        let Some(path) = pages.deck(&args.assets, &deck) else {
            continue;
        };
        let title = drawn
            .map
            .as_ref()
            .and_then(|m| m.slide_screens.iter().find(|s| s.object_id == id))
            .map(|s| s.title.get(args.lang).to_owned())
            .unwrap_or_default();
        open.write(OpenDocument {
            path,
            title,
            page: 1,
            follow: Some(id),
        });
    }
}

/// Your mouse over the screen you control is the pointer the room sees.
fn point(
    windows: Query<&Window, With<PrimaryWindow>>,
    cameras: Query<(&Camera, &GlobalTransform)>,
    ui: Query<&Interaction>,
    mut screens: ResMut<SlideScreens>,
    mut net: ResMut<Net>,
) {
    let Some(id) = screens.controlling else {
        screens.pointed = false;
        return;
    };
    let Some(d) = screens.by_screen.get(&id) else {
        return;
    };
    let shown = net
        .session
        .as_ref()
        .and_then(|s| s.slide(id))
        .is_some_and(|s| s.deck.is_some());
    let at = walk::pointer_in_hall(&windows, &cameras, &ui).and_then(|p| {
        let c = d.rect.center();
        let size = d.size / TILE_PX as f32;
        let fx = (p.x - c.x) / size.x + 0.5;
        let fy = (p.y - c.y) / size.y + 0.5;
        ((0.0..=1.0).contains(&fx) && (0.0..=1.0).contains(&fy))
            .then(|| ((fx * 65535.0) as u16, (fy * 65535.0) as u16))
    });
    let Some(session) = net.session.as_mut() else {
        return;
    };
    match at {
        Some(at) if shown => {
            session.point_at_slide(id, Some(at));
            screens.pointed = true;
        }
        _ if screens.pointed => {
            session.point_at_slide(id, None);
            screens.pointed = false;
        }
        _ => {}
    }
}
