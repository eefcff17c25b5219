//! The editor by mouse: a press selects (and starts dragging) the object under the pointer, or
//! one of the selection's corners to resize it; moving drags it whole tiles at a time; letting
//! go sends the new place. With a palette class chosen, a click on the floor places a new one.

use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use madang_shared::Vec2 as TileVec;
use madang_shared::edit::MapEdit;
use madang_shared::map::{HallMap, Rect as TileRect};

use super::objects::{self, Object};
use super::{Editor, panel};
use crate::app::hall::DrawnHall;
use crate::app::net::Net;

/// How close (in tiles) a press must be to a corner to take it.
pub(super) const HANDLE_REACH: f32 = 0.45;

/// A move or resize under way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Drag {
    pub id: u32,
    pub grab: Grab,
    /// The object's rectangle when the press came, and where the pointer was then.
    pub from: TileRect,
    pub start: TileVec,
    /// Where it is now (whole tiles).
    pub rect: TileRect,
}

/// What the pointer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Grab {
    Move,
    /// A corner: 0 top left, 1 top right, 2 bottom left, 3 bottom right.
    Corner(usize),
}

/// The corners of a rectangle, in [`Grab::Corner`]'s order.
pub(super) fn corners(r: &TileRect) -> [TileVec; 4] {
    [
        TileVec::new(r.x, r.y),
        TileVec::new(r.x + r.w, r.y),
        TileVec::new(r.x, r.y + r.h),
        TileVec::new(r.x + r.w, r.y + r.h),
    ]
}

/// The corner of the selection within reach of `p`, if any.
fn corner_at(obj: &Object, p: TileVec) -> Option<usize> {
    if obj.point {
        return None;
    }
    corners(&obj.rect)
        .iter()
        .position(|c| (c.x - p.x).abs() <= HANDLE_REACH && (c.y - p.y).abs() <= HANDLE_REACH)
}

/// What a press at `p` takes among the objects as drawn: a corner of the selection within
/// reach, else the object under it to move.
fn target(all: &[Object], selected: Option<u32>, p: TileVec) -> Option<(&Object, Grab)> {
    let selected = selected.and_then(|id| all.iter().find(|o| o.id == id));
    if let Some((o, c)) = selected.and_then(|o| Some((o, corner_at(o, p)?))) {
        return Some((o, Grab::Corner(c)));
    }
    objects::pick(all, p).map(|o| (o, Grab::Move))
}

/// The rectangle a drag to `p` makes: moved by whole tiles, or the held corner snapped to the
/// nearest tile line with the opposite corner kept, never smaller than a tile.
pub(super) fn dragged(drag: &Drag, p: TileVec) -> TileRect {
    let f = drag.from;
    match drag.grab {
        Grab::Move => TileRect {
            x: f.x + (p.x - drag.start.x).round(),
            y: f.y + (p.y - drag.start.y).round(),
            ..f
        },
        Grab::Corner(c) => {
            let (mut left, mut top, mut right, mut bottom) = (f.x, f.y, f.x + f.w, f.y + f.h);
            let (sx, sy) = (p.x.round(), p.y.round());
            if c == 0 || c == 2 {
                left = sx.min(right - 1.0);
            } else {
                right = sx.max(left + 1.0);
            }
            if c < 2 {
                top = sy.min(bottom - 1.0);
            } else {
                bottom = sy.max(top + 1.0);
            }
            TileRect {
                x: left,
                y: top,
                w: right - left,
                h: bottom - top,
            }
        }
    }
}

/// A new object of the palette's class centred on tile `p`.
pub(super) fn placed_new(map: &HallMap, what: panel::Palette, p: TileVec) -> MapEdit {
    let (class, name, w, h, props) = what.template(map);
    MapEdit::Add {
        class: class.into(),
        name: name.into(),
        rect: TileRect {
            x: (p.x - w / 2.0).round(),
            y: (p.y - h / 2.0).round(),
            w,
            h,
        },
        properties: props,
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn press_and_drag(
    mouse: Res<ButtonInput<MouseButton>>,
    windows: Query<&Window, With<PrimaryWindow>>,
    cameras: Query<(&Camera, &GlobalTransform)>,
    ui: Query<&Interaction>,
    drawn: Res<DrawnHall>,
    time: Res<Time<Real>>,
    mut editor: ResMut<Editor>,
    mut net: ResMut<Net>,
    mut last: Local<Option<TileVec>>,
) {
    if !editor.on {
        editor.drag = None;
        return;
    }
    let Some(map) = drawn.map.as_ref() else {
        return;
    };
    let here = crate::app::walk::pointer_in_hall(&windows, &cameras, &ui);
    // Over a panel during a drag, the last place in the hall holds.
    if here.is_some() {
        *last = here;
    }
    if mouse.just_pressed(MouseButton::Left) {
        let Some(p) = here else { return };
        if let Some(what) = editor.armed.take() {
            editor.send(&mut net, placed_new(map, what, p));
            return;
        }
        let seen = editor.seen(map);
        let target = target(&seen, editor.selected, p);
        editor.selected = target.as_ref().map(|(o, _)| o.id);
        editor.drag = target.map(|(o, grab)| Drag {
            id: o.id,
            grab,
            from: o.rect,
            start: p,
            rect: o.rect,
        });
        return;
    }
    let Some(mut drag) = editor.drag else { return };
    if let Some(p) = *last {
        drag.rect = dragged(&drag, p);
        editor.drag = Some(drag);
    }
    if !mouse.pressed(MouseButton::Left) {
        editor.drag = None;
        if drag.rect != drag.from {
            editor.placed = Some(super::Placed {
                id: drag.id,
                rect: drag.rect,
                generation: drawn.generation,
                at: time.elapsed(),
            });
            editor.send(
                &mut net,
                MapEdit::Place {
                    id: drag.id,
                    rect: drag.rect,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: f32, y: f32, w: f32, h: f32) -> TileRect {
        TileRect { x, y, w, h }
    }

    #[test]
    fn a_drag_moves_by_whole_tiles_and_a_corner_resizes_from_the_opposite_one() {
        let from = rect(4.0, 4.0, 3.0, 2.0);
        let drag = |grab| Drag {
            id: 1,
            grab,
            from,
            start: TileVec::new(5.2, 5.1),
            rect: from,
        };
        assert_eq!(
            dragged(&drag(Grab::Move), TileVec::new(7.6, 4.0)),
            rect(6.0, 3.0, 3.0, 2.0)
        );
        // The bottom right corner to (9.4, 8.6): the top left stays.
        assert_eq!(
            dragged(&drag(Grab::Corner(3)), TileVec::new(9.4, 8.6)),
            rect(4.0, 4.0, 5.0, 5.0)
        );
        // The top left corner past the bottom right: a tile at least.
        assert_eq!(
            dragged(&drag(Grab::Corner(0)), TileVec::new(20.0, 20.0)),
            rect(6.0, 5.0, 1.0, 1.0)
        );
        assert_eq!(
            dragged(&drag(Grab::Corner(1)), TileVec::new(2.0, 2.2)),
            rect(4.0, 2.0, 1.0, 4.0)
        );
    }

    /// The server saves an edit at once but sends the hall to everyone only when its watcher
    /// next looks (within a second): until then the booth is drawn where it was put, and a
    /// press on its corner there resizes it (it used to miss it and let go of the selection).
    #[test]
    fn a_booth_just_put_is_taken_where_it_is_drawn_before_the_hall_comes_back() {
        let map = madang_shared::map::load_hall(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/maps/hall.tmx"),
        )
        .expect("the demo hall loads");
        let booth = objects::objects(&map)
            .into_iter()
            .find(|o| o.class == "booth")
            .expect("the hall has a booth");
        let put = TileRect {
            x: booth.rect.x + 3.0,
            ..booth.rect
        };
        let mut editor = Editor {
            on: true,
            selected: Some(booth.id),
            placed: Some(super::super::Placed {
                id: booth.id,
                rect: put,
                generation: 0,
                at: std::time::Duration::ZERO,
            }),
            ..Editor::default()
        };
        let corner = TileVec::new(put.x + put.w + 0.1, put.y + put.h - 0.1);
        let seen = editor.seen(&map);
        let (o, grab) = target(&seen, editor.selected, corner).expect("the corner is taken");
        assert_eq!((o.id, o.rect, grab), (booth.id, put, Grab::Corner(3)));
        // Inside where it was put (and outside where the map still has it): a move of it.
        let inside = TileVec::new(put.x + put.w - 0.5, put.y + 0.5);
        assert!(!booth.rect.contains(inside));
        let (o, grab) = target(&seen, None, inside).expect("the booth is under the pointer");
        assert_eq!((o.id, grab), (booth.id, Grab::Move));
        // Once the hall is back, the map's place is the one.
        editor.placed = None;
        let seen = editor.seen(&map);
        let moved = target(&seen, editor.selected, corner);
        assert!(moved.is_none_or(|(o, g)| (o.id, g) != (booth.id, Grab::Corner(3))));
    }

    #[test]
    fn a_press_near_a_corner_takes_it() {
        let obj = Object {
            id: 1,
            class: "booth",
            rect: rect(4.0, 4.0, 3.0, 2.0),
            point: false,
            props: Vec::new(),
        };
        assert_eq!(corner_at(&obj, TileVec::new(7.2, 6.3)), Some(3));
        assert_eq!(corner_at(&obj, TileVec::new(4.1, 3.9)), Some(0));
        assert_eq!(corner_at(&obj, TileVec::new(5.5, 5.0)), None);
    }
}
