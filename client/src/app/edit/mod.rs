//! The edit mode for organizers (F2). By mouse: press on a booth, kiosk, zone, door or spawn
//! to select it and drag it to move it; drag one of its corners to resize it; pick a class in
//! the palette and click the floor to place a new one; a grid shows the tiles. By keyboard:
//! the arrows move the selection a tile (with Shift they resize it), Delete removes it (after
//! a confirmation), Ctrl+Z takes back your last edit and Ctrl+Y (or Ctrl+Shift+Z) makes it
//! again — each organizer's own history, kept by the server. The panel edits the selection's
//! properties, only those its class has (a booth's names, organization, description and theme;
//! a table's capacity; ...), the theme and capacity as choices. Every edit is checked by the
//! server with the rules of `check-map`, saved to the TMX file (which opens in Tiled with the
//! change) and applied live for everyone in the hall.

mod marks;
mod mouse;
mod objects;
mod panel;

use objects::Object;

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use madang_shared::edit::MapEdit;
use madang_shared::map::{HallMap, Rect as TileRect};
use madang_shared::protocol::Role;

use super::base::{ClientArgs, FrameSet, NetSet, Phase};
use super::hall::DrawnHall;
use super::i18n::{Key, t};
use super::net::Net;
use super::ui::typing;
use super::walk::Claims;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Editor>();
    app.add_systems(OnEnter(Phase::Hall), (panel::spawn, marks::spawn));
    app.add_systems(OnExit(Phase::Hall), |mut e: ResMut<Editor>| {
        e.shown = None;
        e.drag = None;
    });
    app.add_systems(
        Update,
        (
            editor_keys,
            mouse::press_and_drag,
            panel::buttons,
            panel::choices,
            take_answers,
        )
            .chain()
            .in_set(FrameSet::Sync),
    );
    app.add_systems(
        Update,
        (panel::show, marks::show, marks::grid).in_set(FrameSet::View),
    );
    app.add_systems(Update, claim_input.in_set(NetSet::Receive));
}

/// In edit mode a click selects rather than walks, and with a selection the arrows move it.
fn claim_input(editor: Res<Editor>, mut claims: ResMut<Claims>) {
    let (arrows, clicks) = (editor.captures_arrows(), editor.on);
    if claims.arrows != arrows || claims.clicks != clicks {
        claims.arrows = arrows;
        claims.clicks = clicks;
    }
}

/// An object put by mouse, drawn and taken where it was put until the hall comes back with it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Placed {
    id: u32,
    rect: TileRect,
    /// The hall's generation when the edit was sent, and the real time then.
    generation: u64,
    at: std::time::Duration,
}

impl Placed {
    /// Whether the hall drawn (`generation`, with the object at `back`) has the edit, at real
    /// time `now`.
    fn is_back(&self, generation: u64, back: Option<TileRect>, now: std::time::Duration) -> bool {
        let changed = generation.wrapping_sub(self.generation);
        let old = now.saturating_sub(self.at) >= HALL_BACK_WITHIN;
        changed >= 2 || (changed == 1 && (back == Some(self.rect) || old))
    }
}

/// How long after an edit any hall that comes is taken to hold it: the server sends the hall
/// within a second of saving it.
const HALL_BACK_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// The edit mode's state.
#[derive(Resource, Default)]
pub struct Editor {
    pub on: bool,
    selected: Option<u32>,
    /// The selection whose fields are shown, to fill them only when it changes.
    shown: Option<(u32, u64)>,
    asked: Vec<u32>,
    notice: Option<(String, bool)>,
    /// A move or resize by mouse under way.
    drag: Option<mouse::Drag>,
    /// Where an object was just put by mouse, shown there until the hall comes back with it
    /// (or the edit is refused).
    placed: Option<Placed>,
    /// The palette's class waiting for a click on the floor.
    armed: Option<panel::Palette>,
}

impl Editor {
    /// Whether the arrow keys move the selected object (not your avatar).
    pub fn captures_arrows(&self) -> bool {
        self.on && self.selected.is_some()
    }

    fn send(&mut self, net: &mut Net, edit: MapEdit) {
        if let Some(session) = net.session.as_mut() {
            self.asked.push(session.edit_map(edit));
        }
    }

    fn undo(&mut self, net: &mut Net) {
        if let Some(session) = net.session.as_mut() {
            self.asked.push(session.undo_edit());
        }
    }

    /// The hall's objects as the organizer sees them: one just put by mouse stands where it
    /// was put until the hall comes back with it, so a press or a key takes it from there.
    fn seen(&self, map: &HallMap) -> Vec<Object> {
        let mut all = objects::objects(map);
        if let Some(p) = self.placed {
            for o in all.iter_mut().filter(|o| o.id == p.id) {
                o.rect = p.rect;
            }
        }
        all
    }

    /// The object `id` as the organizer sees it (see [`Editor::seen`]).
    fn seen_one(&self, map: &HallMap, id: u32) -> Option<Object> {
        self.seen(map).into_iter().find(|o| o.id == id)
    }

    fn redo(&mut self, net: &mut Net) {
        if let Some(session) = net.session.as_mut() {
            self.asked.push(session.redo_edit());
        }
    }
}

fn is_organizer(net: &Net) -> bool {
    net.session
        .as_ref()
        .and_then(|s| s.me.as_ref())
        .is_some_and(|m| m.role == Role::Organizer)
}

#[allow(clippy::too_many_arguments)]
fn editor_keys(
    keys: Res<ButtonInput<KeyCode>>,
    focus: Res<InputFocus>,
    fields: Query<(), With<EditableText>>,
    drawn: Res<DrawnHall>,
    mut editor: ResMut<Editor>,
    mut net: ResMut<Net>,
    mut confirm: ResMut<super::confirm::Confirm>,
    buttons: Query<(), With<Button>>,
    args: Res<ClientArgs>,
) {
    if !is_organizer(&net) {
        editor.on = false;
        return;
    }
    // A deletion the organizer said yes to (by the key or the button), at once.
    if let Some(super::confirm::Pending::Delete { id, .. }) =
        confirm.take_confirmed(|p| matches!(p, super::confirm::Pending::Delete { .. }))
    {
        editor.send(&mut net, MapEdit::Delete { id });
        if editor.selected == Some(id) {
            editor.selected = None;
        }
    }
    if typing(&focus, &fields) {
        return;
    }
    if keys.just_pressed(KeyCode::F2) {
        editor.on = !editor.on;
        editor.selected = None;
        editor.drag = None;
        editor.armed = None;
    }
    if !editor.on || confirm.is_open() {
        return;
    }
    if keys.just_pressed(KeyCode::Escape) {
        // Esc lets go of what the mouse holds first, then of the palette's choice.
        if editor.drag.take().is_none() && editor.armed.take().is_none() {
            editor.selected = None;
        }
        return;
    }
    let ctrl = keys.pressed(KeyCode::ControlLeft) || keys.pressed(KeyCode::ControlRight);
    let shift = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
    if ctrl && (keys.just_pressed(KeyCode::KeyY) || (shift && keys.just_pressed(KeyCode::KeyZ))) {
        editor.redo(&mut net);
        return;
    }
    if ctrl && keys.just_pressed(KeyCode::KeyZ) {
        editor.undo(&mut net);
        return;
    }
    let (Some(id), Some(map)) = (editor.selected, drawn.map.as_ref()) else {
        return;
    };
    let Some(obj) = editor.seen_one(map, id) else {
        editor.selected = None;
        return;
    };
    if keys.just_pressed(KeyCode::Delete) {
        confirm.ask(super::confirm::Pending::Delete {
            id,
            what: obj.name(args.lang),
        });
        return;
    }
    // With a button in focus the arrows move the focus, not the object.
    if super::keys::on_a_button(&focus, &buttons) || editor.drag.is_some() {
        return;
    }
    let mut r = obj.rect;
    let mut changed = false;
    for (key, dx, dy) in [
        (KeyCode::ArrowLeft, -1.0, 0.0),
        (KeyCode::ArrowRight, 1.0, 0.0),
        (KeyCode::ArrowUp, 0.0, -1.0),
        (KeyCode::ArrowDown, 0.0, 1.0),
    ] {
        if keys.just_pressed(key) {
            changed = true;
            if shift && !obj.point {
                r.w = (r.w + dx).max(1.0);
                r.h = (r.h + dy).max(1.0);
            } else {
                r.x += dx;
                r.y += dy;
            }
        }
    }
    if changed {
        editor.send(&mut net, MapEdit::Place { id, rect: r });
    }
}

fn take_answers(
    mut editor: ResMut<Editor>,
    mut net: ResMut<Net>,
    drawn: Res<DrawnHall>,
    time: Res<Time<Real>>,
    args: Res<ClientArgs>,
) {
    // The hall came back with it: what was put by mouse is drawn from the map again. The
    // server sends the hall once a second with every edit saved by then, so the first hall
    // after the edit may come without it: that one ends the wait only where it has the object
    // where it was put, or once the edit is old enough that it must hold it; the second always.
    if let Some(p) = editor.placed {
        let back = drawn
            .map
            .as_ref()
            .and_then(|m| objects::find(m, p.id))
            .map(|o| o.rect);
        if p.is_back(drawn.generation, back, time.elapsed()) {
            editor.placed = None;
        }
    }
    let Some(session) = net.session.as_mut() else {
        return;
    };
    let asked = std::mem::take(&mut editor.asked);
    for req in asked {
        match session.take_answer(req) {
            None => editor.asked.push(req),
            Some(Ok(())) => editor.notice = Some((t(args.lang, Key::Saved).to_owned(), false)),
            Some(Err(why)) => {
                editor.placed = None;
                editor.notice = Some((super::i18n::refusal(args.lang, &why), true))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_put_object_waits_for_the_hall_that_has_it() {
        let rect = |x| TileRect {
            x,
            y: 4.0,
            w: 3.0,
            h: 2.0,
        };
        let p = Placed {
            id: 7,
            rect: rect(9.0),
            generation: 5,
            at: Duration::from_secs(100),
        };
        let soon = Duration::from_millis(100_400);
        assert!(!p.is_back(5, Some(rect(6.0)), soon), "no hall yet");
        assert!(
            !p.is_back(6, Some(rect(6.0)), soon),
            "a hall sent before the edit was saved"
        );
        assert!(p.is_back(6, Some(rect(9.0)), soon), "the hall with it");
        assert!(
            p.is_back(6, Some(rect(6.0)), Duration::from_secs(103)),
            "a hall long after the edit has it, whatever it says"
        );
        assert!(p.is_back(7, None, soon), "the second hall after it");
    }
}
