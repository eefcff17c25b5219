//! Every button by keyboard: Tab and Shift+Tab go from button to button in reading order (top
//! to bottom, then left to right), the arrows too once a button has the focus; Enter or Space
//! presses it; Esc lets go. A ring shows the button in focus. While the settings or a question
//! is open, only its own buttons take part. Text fields keep their own keys (the chat's Tab
//! changes its scope; the join screen has its own order).

use bevy::input_focus::{FocusCause, InputFocus};
use bevy::prelude::*;
use bevy::text::EditableText;

use super::base::FrameSet;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<KeyPressed>();
    app.add_systems(
        Update,
        (release_pressed, navigate, show_ring)
            .chain()
            .in_set(FrameSet::Net)
            .in_set(KeysSet),
    );
}

/// The focus moves before anything reads the keys as commands (walking reads the arrows only
/// when no button has the focus).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeysSet;

/// A part of the window that keeps Tab to itself while it is shown (a dialog).
#[derive(Component)]
pub struct FocusScope;

const RING: Color = Color::srgb(0.45, 0.8, 1.0);

/// Whether the focus is on a button (then the arrows move it, and do not walk).
pub fn on_a_button(focus: &InputFocus, buttons: &Query<(), With<Button>>) -> bool {
    focus.get().is_some_and(|e| buttons.contains(e))
}

/// The button a key pressed last frame: let go in this one.
#[derive(Resource, Default)]
struct KeyPressed(Option<Entity>);

fn release_pressed(mut pressed: ResMut<KeyPressed>, mut interactions: Query<&mut Interaction>) {
    if let Some(e) = pressed.0.take()
        && let Ok(mut i) = interactions.get_mut(e)
        && *i == Interaction::Pressed
    {
        *i = Interaction::None;
    }
}

/// The order to go through: the shown buttons (of the open dialog, if any) in reading order.
pub fn reading_order(mut buttons: Vec<(Entity, Vec2)>) -> Vec<Entity> {
    // Rows a few pixels apart count as one.
    buttons.sort_by(|a, b| {
        let (ya, yb) = ((a.1.y / 8.0).round(), (b.1.y / 8.0).round());
        ya.total_cmp(&yb).then(a.1.x.total_cmp(&b.1.x))
    });
    buttons.into_iter().map(|(e, _)| e).collect()
}

#[allow(clippy::too_many_arguments)]
fn navigate(
    mut commands: Commands,
    keys: Res<ButtonInput<KeyCode>>,
    mut focus: ResMut<InputFocus>,
    fields: Query<(), With<EditableText>>,
    buttons: Query<
        (
            Entity,
            &ComputedNode,
            &UiGlobalTransform,
            &InheritedVisibility,
        ),
        With<Button>,
    >,
    scopes: Query<(Entity, &ComputedNode), With<FocusScope>>,
    parents: Query<&ChildOf>,
    mut interactions: Query<&mut Interaction>,
    mut handed: ResMut<KeyPressed>,
    phase: Res<State<super::base::Phase>>,
) {
    // The join screen has its own order.
    if *phase.get() == super::base::Phase::Join {
        return;
    }
    // A button that is no longer drawn (its panel closed) or outside an open dialog lets go
    // of the focus: keys must not press what cannot be seen.
    let scope = scopes
        .iter()
        .find(|(_, n)| n.size().x > 0.0)
        .map(|(e, _)| e);
    let inside = |mut e: Entity| loop {
        if Some(e) == scope {
            return true;
        }
        match parents.get(e) {
            Ok(p) => e = p.parent(),
            Err(_) => return false,
        }
    };
    if let Some(f) = focus.get()
        && let Ok((_, n, _, v)) = buttons.get(f)
        && (!v.get() || n.size().x <= 0.0 || (scope.is_some() && !inside(f)))
    {
        focus.clear();
    }
    let focused = focus.get();
    if focused.is_some_and(|e| fields.contains(e)) {
        return;
    }
    let on_button = focused.and_then(|e| buttons.get(e).ok()).is_some();
    let shift = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
    let step = if keys.just_pressed(KeyCode::Tab) {
        Some(if shift { -1 } else { 1 })
    } else if on_button
        && (keys.just_pressed(KeyCode::ArrowDown) || keys.just_pressed(KeyCode::ArrowRight))
    {
        Some(1)
    } else if on_button
        && (keys.just_pressed(KeyCode::ArrowUp) || keys.just_pressed(KeyCode::ArrowLeft))
    {
        Some(-1)
    } else {
        None
    };
    if on_button && keys.just_pressed(KeyCode::Escape) {
        focus.clear();
        return;
    }
    if on_button
        && (keys.just_pressed(KeyCode::Enter)
            || keys.just_pressed(KeyCode::NumpadEnter)
            || keys.just_pressed(KeyCode::Space))
        && let Some(e) = focused
        && let Ok(mut i) = interactions.get_mut(e)
    {
        *i = Interaction::Pressed;
        handed.0 = Some(e);
        return;
    }
    let Some(step) = step else { return };
    // A shown dialog keeps the focus among its own buttons.
    let shown: Vec<(Entity, Vec2)> = buttons
        .iter()
        .filter(|(_, n, _, v)| v.get() && n.size().x > 0.0 && n.size().y > 0.0)
        .filter(|(e, ..)| scope.is_none() || inside(*e))
        .map(|(e, _, at, _)| (e, at.translation))
        .collect();
    let order = reading_order(shown);
    if order.is_empty() {
        return;
    }
    let n = order.len() as i32;
    let at = focused.and_then(|f| order.iter().position(|e| *e == f));
    let next = match at {
        Some(i) => (i as i32 + step).rem_euclid(n),
        None if step > 0 => 0,
        None => n - 1,
    };
    let to = order[next as usize];
    focus.set(to, FocusCause::Navigated);
    // In a list longer than its box, the button in focus is scrolled into view.
    commands.trigger(bevy::ui_widgets::ScrollIntoView { entity: to });
}

fn show_ring(
    mut commands: Commands,
    focus: Res<InputFocus>,
    buttons: Query<Entity, With<Button>>,
    ringed: Query<Entity, (With<Outline>, With<Button>, With<Ringed>)>,
) {
    let want = focus.get().filter(|e| buttons.contains(*e));
    for e in &ringed {
        if Some(e) != want {
            commands.entity(e).remove::<(Outline, Ringed)>();
        }
    }
    if let Some(e) = want
        && !ringed.contains(e)
    {
        commands
            .entity(e)
            .insert((Outline::new(px(2.0), px(1.0), RING), Ringed));
    }
}

/// Marks the ring this module put on a button (buttons may have outlines of their own).
#[derive(Component)]
struct Ringed;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_are_gone_through_as_one_reads() {
        let e = |i| Entity::from_raw_u32(i).unwrap();
        let order = reading_order(vec![
            (e(1), Vec2::new(300.0, 100.0)),
            (e(2), Vec2::new(10.0, 103.0)),
            (e(3), Vec2::new(10.0, 40.0)),
            (e(4), Vec2::new(500.0, 40.0)),
        ]);
        assert_eq!(order, vec![e(3), e(4), e(2), e(1)]);
    }
}
