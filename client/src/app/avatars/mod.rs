//! Draws the people: your own avatar where the prediction puts it, the others where the
//! interpolation does, each with a name label; and keeps the camera on you.
//!
//! An avatar is two sprites from the sheets `assets/tools/make_avatars.py` draws: the clothes
//! (tinted with the colour chosen) and over them what keeps its colour (skin, hair, eyes,
//! shoes). It faces the way it last moved and steps through two walking frames as it goes.

pub mod labels;

use std::collections::HashMap;
use std::time::Instant;

use bevy::prelude::*;
use bevy::sprite::Anchor;
use bevy::text::TextBackgroundColor;
use madang_shared::protocol::{AvatarId, Look};

use super::base::{ClientArgs, FrameSet, to_world};
use super::net::Net;
use super::ui::load_image;
use crate::app::ui::font;
use labels::{NameLabel, TalkingMark};

pub(super) fn plugin(app: &mut App) {
    app.add_plugins(labels::plugin);
    app.init_resource::<AvatarSprites>();
    app.init_resource::<Locate>();
    app.init_resource::<Speaking>();
    app.add_systems(Startup, (load_avatar_images, spawn_camera));
    app.add_systems(
        Update,
        (sync_avatars, place_avatars, step_avatars)
            .chain()
            .in_set(FrameSet::Sync),
    );
    app.add_systems(Update, follow_camera.in_set(FrameSet::View));
}

const Z_AVATARS: f32 = 100.0;
/// Name labels sit this far above an avatar's centre, in pixels.
pub const LABEL_OFFSET: f32 = 20.0;

/// Someone the camera points out (the people list's "locate"), until when.
#[derive(Resource, Default)]
pub struct Locate(pub Option<(AvatarId, Instant)>);

/// Who was heard speaking lately, and when (the voice plugin fills it): a ♪ over them, and
/// in the conversation box.
#[derive(Resource, Default)]
pub struct Speaking(pub Vec<(AvatarId, Instant)>);

#[derive(Resource, Default)]
struct AvatarSprites {
    body: Handle<Image>,
    detail: Handle<Image>,
    layout: Handle<TextureAtlasLayout>,
    ring: Handle<Image>,
    /// Drawn remote avatars.
    remotes: HashMap<AvatarId, Entity>,
    own: Option<(AvatarId, Entity)>,
}

/// Someone else's avatar.
#[derive(Component)]
pub struct RemoteAvatar(pub AvatarId);

/// Your own avatar.
#[derive(Component)]
pub struct OwnAvatar;

/// The sheets' layout: 4 facings × 3 frames a row, one row a look.
pub const FACINGS: usize = 4;
pub const FRAMES: usize = 3;

/// The colours a look comes in (the clothes are tinted with them).
pub const PALETTE: [Color; madang_shared::protocol::Look::COLOURS as usize] = [
    Color::srgb(0.36, 0.55, 0.9),
    Color::srgb(0.86, 0.36, 0.36),
    Color::srgb(0.4, 0.75, 0.42),
    Color::srgb(0.95, 0.62, 0.25),
    Color::srgb(0.62, 0.46, 0.86),
    Color::srgb(0.3, 0.74, 0.75),
    Color::srgb(0.92, 0.52, 0.72),
    Color::srgb(0.62, 0.63, 0.67),
];

/// The colour of a look.
pub fn look_color(look: Look) -> Color {
    PALETTE[look.colour as usize % PALETTE.len()]
}

/// The frame of the sheets for a look facing a way (0 down, 1 left, 2 right, 3 up) at a step
/// of its walk (0 standing, 1 and 2 walking).
pub fn frame_index(look: Look, facing: usize, step: usize) -> usize {
    (look.body as usize % madang_shared::protocol::Look::BODIES as usize) * FACINGS * FRAMES
        + (facing % FACINGS) * FRAMES
        + step % FRAMES
}

/// The avatar sheets, for other parts of the window (the join screen's preview).
#[derive(Resource, Clone, Default)]
pub struct AvatarSheets {
    pub body: Handle<Image>,
    pub detail: Handle<Image>,
    pub layout: Handle<TextureAtlasLayout>,
}

fn load_avatar_images(
    mut commands: Commands,
    args: Res<ClientArgs>,
    mut sprites: ResMut<AvatarSprites>,
    mut images: ResMut<Assets<Image>>,
    mut layouts: ResMut<Assets<TextureAtlasLayout>>,
) {
    let dir = args.assets.join("sprites");
    sprites.body = load_image(&dir.join("avatars_body.png"), &mut images);
    sprites.detail = load_image(&dir.join("avatars_detail.png"), &mut images);
    sprites.layout = layouts.add(TextureAtlasLayout::from_grid(
        UVec2::splat(32),
        (FACINGS * FRAMES) as u32,
        madang_shared::protocol::Look::BODIES as u32,
        None,
        None,
    ));
    sprites.ring = images.add(ring_image());
    commands.insert_resource(AvatarSheets {
        body: sprites.body.clone(),
        detail: sprites.detail.clone(),
        layout: sprites.layout.clone(),
    });
}

/// Which way an avatar faces and how far it has walked, for its frame.
#[derive(Component, Default)]
struct Gait {
    look: Look,
    last: Option<Vec2>,
    facing: usize,
    walked: f32,
    moving: bool,
}

/// The sprite of what keeps its colour, over the clothes.
#[derive(Component)]
struct Detail;

impl AvatarSprites {
    fn body_sprite(&self, look: Look) -> Sprite {
        let mut s = Sprite::from_atlas_image(
            self.body.clone(),
            TextureAtlas {
                layout: self.layout.clone(),
                index: frame_index(look, 0, 0),
            },
        );
        s.color = look_color(look);
        s
    }

    fn detail_sprite(&self, look: Look) -> (Sprite, Detail, Transform) {
        (
            Sprite::from_atlas_image(
                self.detail.clone(),
                TextureAtlas {
                    layout: self.layout.clone(),
                    index: frame_index(look, 0, 0),
                },
            ),
            Detail,
            Transform::from_xyz(0.0, 0.0, 0.2),
        )
    }
}

fn spawn_camera(mut commands: Commands) {
    commands.spawn(Camera2d);
}

/// A yellow ring that marks your own avatar.
fn ring_image() -> Image {
    let size = 40u32;
    let mut data = Vec::with_capacity((size * size * 4) as usize);
    for y in 0..size {
        for x in 0..size {
            let d = ((x as f32 + 0.5 - 20.0).powi(2) + (y as f32 + 0.5 - 20.0).powi(2)).sqrt();
            let a = if (16.0..=19.0).contains(&d) { 255 } else { 0 };
            data.extend_from_slice(&[255, 210, 40, a]);
        }
    }
    super::ui::rgba_image(size, size, data)
}

/// A name label over an avatar (`whose`: `None` for yours, drawn above the others'); the
/// labels plugin decides which show.
fn name_label(name: &str, whose: Option<AvatarId>) -> impl Bundle {
    let (plate, z) = match whose {
        // Over tiles drawn above the people (z 110), yours over everyone's.
        None => (labels::OWN_PLATE, 20.0),
        Some(_) => (labels::PLATE, 15.0),
    };
    (
        Text2d::new(name.to_owned()),
        NameLabel(whose),
        font(14.0),
        TextColor(Color::WHITE),
        TextBackgroundColor(plate),
        Anchor::BOTTOM_CENTER,
        Transform::from_xyz(0.0, LABEL_OFFSET, z),
    )
}

/// The ♪ over someone talking (shown by the labels plugin).
fn talking_mark(id: AvatarId) -> impl Bundle {
    (
        Text2d::new("♪"),
        TalkingMark(id),
        font(16.0),
        TextColor(Color::srgb(1.0, 0.85, 0.3)),
        Anchor::BOTTOM_CENTER,
        Transform::from_xyz(0.0, LABEL_OFFSET + 18.0, 16.0),
        Visibility::Hidden,
    )
}

fn sync_avatars(mut commands: Commands, net: Res<Net>, mut sprites: ResMut<AvatarSprites>) {
    let sprites = &mut *sprites;
    let session = net.session.as_ref();
    let others = session.map(|s| &s.others);
    // Remove who is gone (or everyone, without a session).
    sprites.remotes.retain(|id, entity| {
        let keep = others.is_some_and(|o| o.contains_key(id));
        if !keep {
            commands.entity(*entity).despawn();
        }
        keep
    });
    if let Some(others) = others {
        for (id, remote) in others {
            if sprites.remotes.contains_key(id) {
                continue;
            }
            let look = remote.look;
            let e = commands
                .spawn((
                    sprites.body_sprite(look),
                    Transform::default(),
                    RemoteAvatar(*id),
                    Gait { look, ..default() },
                ))
                .with_child(sprites.detail_sprite(look))
                .with_child(name_label(&remote.name, Some(*id)))
                .with_child(talking_mark(*id))
                .id();
            sprites.remotes.insert(*id, e);
        }
    }
    let me = session.and_then(|s| s.me.as_ref());
    match (me, sprites.own) {
        (Some(me), Some((id, _))) if id == me.id => {}
        (me, own) => {
            if let Some((_, e)) = own {
                commands.entity(e).despawn();
            }
            sprites.own = me.map(|me| {
                let e = commands
                    .spawn((
                        sprites.body_sprite(me.look),
                        Transform::default(),
                        OwnAvatar,
                        Gait {
                            look: me.look,
                            ..default()
                        },
                    ))
                    .with_child(sprites.detail_sprite(me.look))
                    .with_child((
                        Sprite::from_image(sprites.ring.clone()),
                        // Under your avatar, over the others near it (they are 0.5 below).
                        Transform::from_xyz(0.0, 0.0, -0.1),
                    ))
                    .with_child(name_label(&me.name, None))
                    .id();
                (me.id, e)
            });
        }
    }
}

fn place_avatars(
    net: Res<Net>,
    mut own: Query<&mut Transform, (With<OwnAvatar>, Without<RemoteAvatar>)>,
    mut remotes: Query<(&RemoteAvatar, &mut Transform), Without<OwnAvatar>>,
) {
    let Some(session) = net.session.as_ref() else {
        return;
    };
    // Lower on screen is nearer: draw it on top.
    let z = |p: Vec2| Z_AVATARS - p.y * 1e-4;
    if let Some(p) = session.my_render_pos(net.alpha()) {
        let w = to_world(p);
        for mut t in &mut own {
            t.translation = w.extend(z(w) + 0.5);
        }
    }
    for (remote, mut t) in &mut remotes {
        if let Some(p) = session.remote_render_pos(remote.0) {
            let w = to_world(p);
            t.translation = w.extend(z(w));
        }
    }
}

/// Pixels walked per step of the walking frames.
const STEP_PX: f32 = 9.0;

/// Each avatar faces the way it last moved and steps while it moves.
fn step_avatars(
    mut avatars: Query<(&Transform, &mut Gait, &mut Sprite, &Children), Without<Detail>>,
    mut details: Query<&mut Sprite, With<Detail>>,
) {
    for (t, mut gait, mut sprite, children) in &mut avatars {
        let at = t.translation.truncate();
        let d = gait.last.map_or(Vec2::ZERO, |last| at - last);
        gait.last = Some(at);
        let moving = d.length() > 0.05;
        if moving {
            // y is up on screen: moving up shows the back.
            gait.facing = if d.x.abs() > d.y.abs() {
                if d.x < 0.0 { 1 } else { 2 }
            } else if d.y > 0.0 {
                3
            } else {
                0
            };
            gait.walked += d.length();
        }
        gait.moving = moving;
        let step = if moving {
            1 + (gait.walked / STEP_PX) as usize % 2
        } else {
            0
        };
        let index = frame_index(gait.look, gait.facing, step);
        let set = |s: &mut Sprite| {
            if let Some(atlas) = s.texture_atlas.as_mut()
                && atlas.index != index
            {
                atlas.index = index;
            }
        };
        set(&mut sprite);
        for c in children.iter() {
            if let Ok(mut s) = details.get_mut(c) {
                set(&mut s);
            }
        }
    }
}

fn follow_camera(
    own: Query<&Transform, (With<OwnAvatar>, Without<Camera2d>)>,
    remotes: Query<(&RemoteAvatar, &Transform), Without<Camera2d>>,
    locate: Res<Locate>,
    mut camera: Query<&mut Transform, With<Camera2d>>,
) {
    // Someone being located, else you.
    let located = locate
        .0
        .and_then(|(id, _)| remotes.iter().find(|(r, _)| r.0 == id).map(|(_, t)| t));
    let Some(target) = located.or_else(|| own.single().ok()) else {
        return;
    };
    for mut t in &mut camera {
        // Whole pixels, so the tiles do not shimmer as the camera moves.
        t.translation.x = target.translation.x.round();
        t.translation.y = target.translation.y.round();
    }
}
