//! What the editor draws over the hall: the tile grid, the selection's outline and its corner
//! handles (where the object is being dragged to, or was just put, while the hall catches up).

use bevy::prelude::*;
use madang_shared::map::{Rect as TileRect, TILE_PX};

use super::{Editor, mouse};
use crate::app::base::to_world;
use crate::app::hall::DrawnHall;

/// The outline's four edges.
#[derive(Component)]
pub(super) struct SelectionEdge(usize);
/// A corner handle, in [`mouse::Grab::Corner`]'s order.
#[derive(Component)]
pub(super) struct Handle(usize);
/// A line of the tile grid.
#[derive(Component)]
pub(super) struct GridLine;

const PINK: Color = Color::srgb(1.0, 0.3, 0.9);

pub(super) fn spawn(mut commands: Commands) {
    for i in 0..4 {
        commands.spawn((
            DespawnOnExit(crate::app::Phase::Hall),
            SelectionEdge(i),
            Sprite::from_color(PINK, Vec2::ONE),
            Transform::default(),
            Visibility::Hidden,
        ));
        commands.spawn((
            DespawnOnExit(crate::app::Phase::Hall),
            Handle(i),
            Sprite::from_color(Color::WHITE, Vec2::splat(10.0)),
            Transform::default(),
            Visibility::Hidden,
            children![(
                Sprite::from_color(PINK, Vec2::splat(6.0)),
                Transform::from_xyz(0.0, 0.0, 0.1),
            )],
        ));
    }
}

/// The centre and size (world pixels) of a rectangle of tiles.
fn world_box(r: &TileRect) -> (Vec2, Vec2) {
    let tl = to_world(madang_shared::Vec2::new(r.x, r.y));
    let size = Vec2::new(r.w.max(0.25), r.h.max(0.25)) * TILE_PX as f32;
    (tl + Vec2::new(size.x / 2.0, -size.y / 2.0), size)
}

#[allow(clippy::type_complexity)]
pub(super) fn show(
    editor: Res<Editor>,
    drawn: Res<DrawnHall>,
    mut edges: Query<
        (&SelectionEdge, &mut Sprite, &mut Transform, &mut Visibility),
        Without<Handle>,
    >,
    mut handles: Query<(&Handle, &mut Transform, &mut Visibility), Without<SelectionEdge>>,
) {
    let obj = match (editor.on, editor.selected, drawn.map.as_ref()) {
        (true, Some(id), Some(map)) => editor.seen_one(map, id),
        _ => None,
    };
    // Where to draw it: being dragged, else where it was just put or as the map has it.
    let rect = obj.as_ref().map(|o| match editor.drag {
        Some(d) if d.id == o.id => d.rect,
        _ => o.rect,
    });
    for (edge, mut sprite, mut tf, mut vis) in &mut edges {
        let Some(r) = rect else {
            *vis = Visibility::Hidden;
            continue;
        };
        let (centre, size) = world_box(&r);
        let (offset, dims) = match edge.0 {
            0 => (Vec2::new(0.0, size.y / 2.0), Vec2::new(size.x, 3.0)),
            1 => (Vec2::new(0.0, -size.y / 2.0), Vec2::new(size.x, 3.0)),
            2 => (Vec2::new(-size.x / 2.0, 0.0), Vec2::new(3.0, size.y)),
            _ => (Vec2::new(size.x / 2.0, 0.0), Vec2::new(3.0, size.y)),
        };
        sprite.custom_size = Some(dims);
        tf.translation = (centre + offset).extend(95.0);
        *vis = Visibility::Inherited;
    }
    let point = obj.as_ref().is_none_or(|o| o.point);
    for (handle, mut tf, mut vis) in &mut handles {
        let Some(r) = rect.filter(|_| !point) else {
            *vis = Visibility::Hidden;
            continue;
        };
        let c = mouse::corners(&r)[handle.0];
        tf.translation = to_world(c).extend(96.0);
        *vis = Visibility::Inherited;
    }
}

/// The tile grid, drawn while the edit mode is on (again when the hall changes).
pub(super) fn grid(
    mut commands: Commands,
    editor: Res<Editor>,
    drawn: Res<DrawnHall>,
    lines: Query<Entity, With<GridLine>>,
    mut drawn_for: Local<Option<u64>>,
) {
    let want = match (editor.on, drawn.map.as_ref()) {
        (true, Some(_)) => Some(drawn.generation),
        _ => None,
    };
    if want == *drawn_for && (want.is_none() || !lines.is_empty()) {
        return;
    }
    *drawn_for = want;
    for e in &lines {
        commands.entity(e).despawn();
    }
    let (Some(map), Some(_)) = (drawn.map.as_ref(), want) else {
        return;
    };
    let (w, h) = (map.width as f32, map.height as f32);
    // Dark lines: the floors are light.
    let colour = Color::srgba(0.1, 0.12, 0.2, 0.28);
    let px = TILE_PX as f32;
    let mut line = |centre: Vec2, size: Vec2| {
        commands.spawn((
            DespawnOnExit(crate::app::Phase::Hall),
            GridLine,
            Sprite::from_color(colour, size),
            Transform::from_translation(centre.extend(94.0)),
        ));
    };
    for x in 0..=map.width {
        let top = to_world(madang_shared::Vec2::new(x as f32, 0.0));
        line(top + Vec2::new(0.0, -h * px / 2.0), Vec2::new(1.0, h * px));
    }
    for y in 0..=map.height {
        let left = to_world(madang_shared::Vec2::new(0.0, y as f32));
        line(left + Vec2::new(w * px / 2.0, 0.0), Vec2::new(w * px, 1.0));
    }
}
