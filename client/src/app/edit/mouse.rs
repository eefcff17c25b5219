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
        let selected = editor.selected.and_then(|id| objects::find(map, id));
        let corner = selected.as_ref().and_then(|o| corner_at(o, p));
        let target = match corner {
            Some(c) => selected.map(|o| (o, Grab::Corner(c))),
            None => objects::pick(map, p)
                .and_then(|id| objects::find(map, id))
                .map(|o| (o, Grab::Move)),
        };
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
            editor.placed = Some((drag.id, drag.rect, drawn.generation));
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
