//! Draws the people: your own avatar where the prediction puts it, the others where the
//! interpolation does, each with a name label; and keeps the camera on you.

use std::collections::HashMap;

use bevy::prelude::*;
use bevy::sprite::Anchor;
use bevy::text::TextBackgroundColor;
use madang_shared::protocol::AvatarId;

use super::labels::{NameLabel, TalkingMark};
use super::net::Net;
use super::{ClientArgs, FrameSet, load_image, to_world};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<AvatarSprites>();
    app.add_systems(Startup, (load_avatar_images, spawn_camera));
    app.add_systems(
        Update,
        (sync_avatars, place_avatars).chain().in_set(FrameSet::Sync),
    );
    app.add_systems(Update, follow_camera.in_set(FrameSet::View));
}

const Z_AVATARS: f32 = 100.0;
/// Name labels sit this far above an avatar's centre, in pixels.
pub const LABEL_OFFSET: f32 = 20.0;

#[derive(Resource, Default)]
struct AvatarSprites {
    body: Handle<Image>,
    ring: Handle<Image>,
    /// Drawn remote avatars.
    remotes: HashMap<AvatarId, Entity>,
    own: Option<(AvatarId, Entity)>,
}

/// Someone else's avatar.
#[derive(Component)]
struct RemoteAvatar(AvatarId);

/// Your own avatar.
#[derive(Component)]
pub struct OwnAvatar;

fn load_avatar_images(
    args: Res<ClientArgs>,
    mut sprites: ResMut<AvatarSprites>,
    mut images: ResMut<Assets<Image>>,
) {
    sprites.body = load_image(&args.assets.join("sprites").join("avatar.png"), &mut images);
    sprites.ring = images.add(ring_image());
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
    super::rgba_image(size, size, data)
}

/// A colour of its own for each person, from their id.
pub fn avatar_color(id: AvatarId) -> Color {
    let hue = (id.0 as f32 * 137.508) % 360.0;
    Color::hsl(hue, 0.65, 0.6)
}

/// A name label over an avatar (`whose`: `None` for yours, drawn above the others'); the
/// labels plugin decides which show.
fn name_label(name: &str, whose: Option<AvatarId>) -> impl Bundle {
    let (plate, z) = match whose {
        None => (super::labels::OWN_PLATE, 20.0),
        Some(_) => (super::labels::PLATE, 1.0),
    };
    (
        Text2d::new(name.to_owned()),
        NameLabel(whose),
        TextFont::from_font_size(14.0),
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
        TextFont::from_font_size(16.0),
        TextColor(Color::srgb(1.0, 0.85, 0.3)),
        Anchor::BOTTOM_CENTER,
        Transform::from_xyz(0.0, LABEL_OFFSET + 18.0, 2.0),
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
            let mut body = Sprite::from_image(sprites.body.clone());
            body.color = avatar_color(*id);
            let e = commands
                .spawn((body, Transform::default(), RemoteAvatar(*id)))
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
                        Sprite::from_image(sprites.body.clone()),
                        Transform::default(),
                        OwnAvatar,
                    ))
                    .with_child((
                        Sprite::from_image(sprites.ring.clone()),
                        Transform::from_xyz(0.0, 0.0, -0.5),
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

fn follow_camera(
    own: Query<&Transform, (With<OwnAvatar>, Without<Camera2d>)>,
    remotes: Query<(&RemoteAvatar, &Transform), Without<Camera2d>>,
    locate: Res<super::people::Locate>,
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
