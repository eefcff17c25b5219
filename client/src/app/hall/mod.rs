//! Draws the hall you are in: its tile layers (`tiles`), then booths with their names,
//! kiosks, private areas outlined, the stage marked, and the doors with where they lead.

mod tiles;

use std::sync::Arc;

use bevy::prelude::*;
use bevy::sprite::Anchor;
use bevy::text::TextBackgroundColor;
use madang_shared::map::{Bilingual, HallMap, Lang, Rect as TileRect, TILE_PX};

use super::base::{ClientArgs, FrameSet, to_world};
use super::i18n::{Key, t};
use super::net::Net;
use super::ui::font;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<DrawnHall>();
    app.add_systems(Update, redraw_hall.in_set(FrameSet::Sync));
    app.add_systems(Update, tiles::animate.in_set(FrameSet::View));
}

/// Which hall is on screen.
#[derive(Resource, Default)]
pub struct DrawnHall {
    pub id: Option<String>,
    pub map: Option<Arc<HallMap>>,
    /// The session's hall generation drawn (a reloaded hall is drawn again).
    pub generation: u64,
    /// The language its labels are in.
    lang: Option<madang_shared::map::Lang>,
    /// Bumped on every redraw (a new hall, a reload, another language): what is drawn over the
    /// hall follows it.
    pub redraws: u64,
}

/// Everything drawn for the hall; despawned when the hall changes.
#[derive(Component)]
pub(super) struct HallPart;

const Z_ZONES: f32 = 1.0;
const Z_LABELS: f32 = 50.0;

pub(super) fn redraw_hall(
    mut commands: Commands,
    net: Res<Net>,
    args: Res<ClientArgs>,
    mut drawn: ResMut<DrawnHall>,
    parts: Query<Entity, With<HallPart>>,
    mut images: ResMut<Assets<Image>>,
    mut layouts: ResMut<Assets<TextureAtlasLayout>>,
) {
    let session = net.session.as_ref();
    let wanted = session.and_then(|s| s.hall_id().map(str::to_owned));
    let generation = session.map_or(0, |s| s.hall_generation);
    // The labels are in the visitor's language: a new language draws the hall again.
    if wanted == drawn.id && generation == drawn.generation && drawn.lang == Some(args.lang) {
        return;
    }
    drawn.generation = generation;
    drawn.lang = Some(args.lang);
    drawn.redraws += 1;
    for e in &parts {
        commands.entity(e).despawn();
    }
    drawn.id = wanted;
    drawn.map = session.and_then(|s| s.hall_map.clone());
    let Some(map) = drawn.map.clone() else {
        return;
    };
    tiles::draw(&mut commands, &map, &mut images, &mut layouts);
    draw_things(&mut commands, &map, args.lang);
}

fn label(commands: &mut Commands, text: String, at: Vec2, size: f32, color: Color, plate: Color) {
    anchored_label(
        commands,
        text,
        at,
        Anchor::BOTTOM_CENTER,
        size,
        color,
        plate,
    );
}

fn anchored_label(
    commands: &mut Commands,
    text: String,
    at: Vec2,
    anchor: Anchor,
    size: f32,
    color: Color,
    plate: Color,
) {
    commands.spawn((
        Text2d::new(text),
        font(size),
        TextColor(color),
        TextBackgroundColor(plate),
        TextLayout::justify(Justify::Center),
        anchor,
        Transform::from_translation(at.extend(Z_LABELS)),
        HallPart,
    ));
}

fn outline(commands: &mut Commands, rect: &TileRect, color: Color, width: f32) {
    let tl = to_world(madang_shared::Vec2::new(rect.x, rect.y));
    let size = Vec2::new(rect.w, rect.h) * TILE_PX as f32;
    let center = tl + Vec2::new(size.x / 2.0, -size.y / 2.0);
    for (offset, dims) in [
        (Vec2::new(0.0, size.y / 2.0), Vec2::new(size.x, width)),
        (Vec2::new(0.0, -size.y / 2.0), Vec2::new(size.x, width)),
        (Vec2::new(-size.x / 2.0, 0.0), Vec2::new(width, size.y)),
        (Vec2::new(size.x / 2.0, 0.0), Vec2::new(width, size.y)),
    ] {
        commands.spawn((
            Sprite::from_color(color, dims),
            Transform::from_translation((center + offset).extend(Z_ZONES)),
            HallPart,
        ));
    }
}

fn fill(commands: &mut Commands, rect: &TileRect, color: Color) {
    let tl = to_world(madang_shared::Vec2::new(rect.x, rect.y));
    let size = Vec2::new(rect.w, rect.h) * TILE_PX as f32;
    commands.spawn((
        Sprite::from_color(color, size),
        Transform::from_translation((tl + Vec2::new(size.x / 2.0, -size.y / 2.0)).extend(Z_ZONES)),
        HallPart,
    ));
}

/// The top-centre of a rectangle, in the world, a few pixels above it.
fn above(rect: &TileRect) -> Vec2 {
    to_world(madang_shared::Vec2::new(rect.x + rect.w / 2.0, rect.y)) + Vec2::new(0.0, 4.0)
}

/// The bottom-centre of a rectangle, in the world, a few pixels below it.
fn below(rect: &TileRect) -> Vec2 {
    to_world(madang_shared::Vec2::new(
        rect.x + rect.w / 2.0,
        rect.y + rect.h,
    )) - Vec2::new(0.0, 4.0)
}

fn pick(text: &Bilingual, lang: Lang, fallback: &str) -> String {
    let s = text.get(lang);
    if s.is_empty() {
        fallback.to_owned()
    } else {
        s.to_owned()
    }
}

fn draw_things(commands: &mut Commands, map: &HallMap, lang: Lang) {
    let dark = Color::srgba(0.08, 0.09, 0.12, 0.82);
    let light = Color::srgba(1.0, 1.0, 1.0, 0.88);
    for booth in &map.booths {
        let theme = booth.theme.name();
        outline(commands, &booth.rect, theme_color(booth.theme.id()), 2.0);
        let text = format!(
            "{}\n{} · {}",
            booth.org.get(lang),
            booth.title.get(lang),
            theme.get(lang)
        );
        // Inside the booth, under its back desk, so neighbouring labels never overlap.
        let at = to_world(madang_shared::Vec2::new(
            booth.rect.x + booth.rect.w / 2.0,
            booth.rect.y + booth.rect.h,
        )) + Vec2::new(0.0, 6.0);
        label(commands, text, at, 14.0, Color::srgb(0.1, 0.1, 0.12), light);
    }
    let photos = map.photo_kiosks.iter().map(|k| {
        (
            &k.rect,
            &k.title,
            Key::Gallery,
            Color::srgb(0.55, 0.35, 0.2),
        )
    });
    let screens = map
        .video_kiosks
        .iter()
        .map(|k| (&k.rect, &k.title, Key::Screen, Color::srgb(0.2, 0.4, 0.7)));
    for (rect, title, kind, color) in photos.chain(screens) {
        outline(commands, rect, color, 2.0);
        if map.booth_of(rect).is_some() {
            // A booth's own board and screen: the booth's label and panel speak for them.
            continue;
        }
        let text = format!("{} {}", t(lang, kind), pick(title, lang, ""));
        // Kiosks stand against walls: the label goes on the floor in front.
        anchored_label(
            commands,
            text.trim().to_owned(),
            below(rect),
            Anchor::TOP_CENTER,
            14.0,
            Color::WHITE,
            dark,
        );
    }
    for (i, link) in map.link_kiosks.iter().enumerate() {
        outline(commands, &link.rect, Color::srgb(0.55, 0.3, 0.75), 2.0);
        // Zones read from one layer share a title: name the first only.
        if map.link_kiosks[..i].iter().any(|k| k.title == link.title) {
            continue;
        }
        let text = format!("{} {}", t(lang, Key::Website), pick(&link.title, lang, ""));
        anchored_label(
            commands,
            text.trim().to_owned(),
            below(&link.rect),
            Anchor::TOP_CENTER,
            14.0,
            Color::WHITE,
            Color::srgba(0.3, 0.15, 0.45, 0.92),
        );
    }
    for quiet in &map.silent_areas {
        fill(commands, &quiet.rect, Color::srgba(0.45, 0.55, 0.75, 0.14));
        label(
            commands,
            t(lang, Key::QuietZone).to_owned(),
            above(&quiet.rect),
            14.0,
            Color::WHITE,
            Color::srgba(0.25, 0.3, 0.45, 0.9),
        );
    }
    for area in &map.private_areas {
        outline(commands, &area.rect, Color::srgb(0.1, 0.55, 0.55), 3.0);
        let name = pick(&area.name, lang, t(lang, Key::Table));
        let text = format!("{name} ({})", area.capacity);
        label(
            commands,
            text,
            above(&area.rect),
            14.0,
            Color::WHITE,
            Color::srgba(0.05, 0.35, 0.35, 0.9),
        );
    }
    for stage in &map.spotlights {
        fill(commands, &stage.rect, Color::srgba(1.0, 0.85, 0.3, 0.18));
        outline(commands, &stage.rect, Color::srgb(0.95, 0.7, 0.15), 3.0);
        let name = pick(&stage.name, lang, t(lang, Key::Stage));
        label(
            commands,
            name,
            above(&stage.rect),
            16.0,
            Color::WHITE,
            Color::srgba(0.55, 0.35, 0.0, 0.9),
        );
    }
    for portal in &map.portals {
        let to = pick(&portal.name, lang, &portal.to_map);
        let text = format!("{} {to}", t(lang, Key::DoorTo));
        // Doors sit in the outer walls: keep the label on the inside of the hall.
        let r = &portal.rect;
        let (ax, x) = if r.x + r.w >= map.width as f32 - 1.0 {
            (0.5, r.x + r.w)
        } else if r.x <= 1.0 {
            (-0.5, r.x)
        } else {
            (0.0, r.x + r.w / 2.0)
        };
        let (ay, y, dy) = if r.y <= 1.0 {
            (0.5, r.y + r.h, -4.0)
        } else {
            (-0.5, r.y, 4.0)
        };
        let anchor = Anchor(Vec2::new(ax, ay));
        let at = to_world(madang_shared::Vec2::new(x, y)) + Vec2::new(0.0, dy);
        anchored_label(
            commands,
            text,
            at,
            anchor,
            14.0,
            Color::WHITE,
            Color::srgba(0.1, 0.4, 0.5, 0.92),
        );
    }
}

fn theme_color(theme: &str) -> Color {
    match theme {
        "social_value" => Color::srgb(0.25, 0.6, 0.3),
        "digital_services" => Color::srgb(0.2, 0.45, 0.8),
        "participation" => Color::srgb(0.85, 0.5, 0.15),
        _ => Color::srgb(0.55, 0.35, 0.75),
    }
}

/// The hall on screen and your avatar in it, once both are known.
pub fn map_and_me<'a>(
    net: &'a Net,
    drawn: &'a DrawnHall,
) -> Option<(&'a madang_shared::map::HallMap, &'a crate::session::Me)> {
    Some((drawn.map.as_deref()?, net.session.as_ref()?.me.as_ref()?))
}
