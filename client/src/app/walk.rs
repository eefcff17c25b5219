//! Who moves your avatar: the keys held (arrows and WASD), or a walk along a path (A* around
//! the walls) that a click on the floor, on a booth or kiosk, or on the minimap started, or the
//! directory, or following someone. The walk presses the same keys a person would, so the
//! server moves you by the ordinary rule; any movement key takes over at once. At the end of a
//! walk to a booth or kiosk, [`OpenVisit`] asks for its panel. A ring on the floor shows where
//! you are going. Parts of the window that take the keys or the mouse for themselves (the
//! help, the editor) say so in [`Claims`]; this module knows none of them.

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use bevy::window::PrimaryWindow;
use madang_shared::Vec2 as TileVec;
use madang_shared::map::HallMap;
use madang_shared::path::{PathWalker, Tile, tile_center};
use madang_shared::rules::MoveInput;
use madang_shared::visit::Visit;

use super::base::{FrameSet, NetSet, to_world};
use super::hall::{DrawnHall, map_and_me};
use super::keys::{KeysSet, on_a_button};
use super::net::Net;
use super::ui::typing;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Held>();
    app.init_resource::<AutoWalk>();
    app.init_resource::<Claims>();
    app.add_message::<OpenVisit>();
    app.add_systems(Startup, spawn_goal_marker);
    app.add_systems(
        Update,
        (read_keys, step_avatar)
            .chain()
            .in_set(NetSet::Steer)
            .after(KeysSet),
    );
    app.add_systems(
        Update,
        (click_to_walk, arrive).chain().in_set(FrameSet::Sync),
    );
    app.add_systems(Update, show_goal.in_set(FrameSet::View));
}

/// What other parts of the window take for themselves now; they set it before
/// [`NetSet::Steer`] in each frame they change it.
#[derive(Resource, Default, Debug, Clone, Copy)]
pub struct Claims {
    /// No key walks (an overlay such as the help is open).
    pub keys: bool,
    /// The arrows are taken (the editor moves the selection with them); WASD still walk.
    pub arrows: bool,
    /// A click on the hall is taken (the editor selects with it).
    pub clicks: bool,
    /// A view over the whole window (the document reader) has the keys and the clicks.
    pub modal: bool,
}

/// A booth or kiosk to open: a walk reached it, or a click on it where you stand.
#[derive(Message, Debug, Clone, Copy)]
pub struct OpenVisit(pub Visit);

/// The movement keys held this frame (idle while typing).
#[derive(Resource, Default)]
pub struct Held(pub MoveInput);

/// A walk under way.
pub struct Walk {
    walker: PathWalker,
    /// What opens on arrival.
    pub open: Option<Visit>,
    /// The last tile of the path.
    pub goal: Tile,
}

/// The walk steering your avatar, if any.
#[derive(Resource, Default)]
pub struct AutoWalk {
    pub walk: Option<Walk>,
}

impl AutoWalk {
    /// Walks `path` (its first tile is where you stand), opening `open` at the end.
    pub fn start(&mut self, path: Vec<Tile>, open: Option<Visit>) {
        let goal = path.last().copied().unwrap_or_default();
        self.walk = Some(Walk {
            walker: PathWalker::new(path),
            open,
            goal,
        });
    }

    /// The input for one tick: the keys held, else the walk's next step (a key ends the
    /// walk).
    pub fn input_for_tick(
        &mut self,
        held: MoveInput,
        pos: Option<TileVec>,
        step: f32,
    ) -> MoveInput {
        if !held.is_idle() {
            self.walk = None;
            return held;
        }
        match (self.walk.as_mut(), pos) {
            (Some(w), Some(pos)) => w.walker.steer(pos, step).unwrap_or(MoveInput::IDLE),
            _ => MoveInput::IDLE,
        }
    }
}

/// The movement keys held now: arrows and WASD (WASD only while the editor has the arrows).
fn held_input(keys: &ButtonInput<KeyCode>, arrows: bool) -> MoveInput {
    let any = |a, b| (arrows && keys.pressed(a)) || keys.pressed(b);
    MoveInput::from_keys(
        any(KeyCode::ArrowLeft, KeyCode::KeyA),
        any(KeyCode::ArrowRight, KeyCode::KeyD),
        any(KeyCode::ArrowUp, KeyCode::KeyW),
        any(KeyCode::ArrowDown, KeyCode::KeyS),
    )
}

fn read_keys(
    keys: Res<ButtonInput<KeyCode>>,
    focus: Res<InputFocus>,
    fields: Query<(), With<EditableText>>,
    buttons: Query<(), With<Button>>,
    claims: Res<Claims>,
    mut held: ResMut<Held>,
    mut auto: ResMut<AutoWalk>,
) {
    // Letters typed into a text field do not walk; nor do keys under an overlay.
    held.0 = if typing(&focus, &fields) || claims.keys || claims.modal {
        MoveInput::IDLE
    } else {
        // With a button in focus the arrows move the focus (see `keys`).
        held_input(&keys, !claims.arrows && !on_a_button(&focus, &buttons))
    };
    if !held.0.is_idle() {
        auto.walk = None;
    }
}

/// Steps your avatar once for each server tick due, with the keys held or the walk's next
/// step.
fn step_avatar(mut net: ResMut<Net>, time: Res<Time>, held: Res<Held>, mut auto: ResMut<AutoWalk>) {
    let due = net.ticks_due(time.delta_secs());
    let Some(session) = net.session.as_mut() else {
        return;
    };
    let tick = session.tick_dt();
    for _ in 0..due {
        let input = auto.input_for_tick(
            held.0,
            session.me.as_ref().map(|m| m.pos),
            session.speed * tick,
        );
        session.step(input);
    }
    session.fade_correction(time.delta_secs());
}

/// Where the pointer is in the hall, in tiles (y down), when it is over the hall and not over
/// a panel or button.
pub(super) fn pointer_in_hall(
    windows: &Query<&Window, With<PrimaryWindow>>,
    cameras: &Query<(&Camera, &GlobalTransform)>,
    ui: &Query<&Interaction>,
) -> Option<TileVec> {
    if ui.iter().any(|i| *i != Interaction::None) {
        return None;
    }
    let window = windows.single().ok()?;
    let (camera, at) = cameras.single().ok()?;
    let world = camera
        .viewport_to_world_2d(at, window.cursor_position()?)
        .ok()?;
    Some(TileVec::new(world.x, -world.y) / madang_shared::map::TILE_PX as f32)
}

/// Starts the walk a click at `p` asks for: to the kiosk or booth under it (opened at once
/// when you stand there already), or to the floor tile. False when there is no way.
fn walk_to(
    map: &HallMap,
    from: TileVec,
    p: TileVec,
    auto: &mut AutoWalk,
    opens: &mut MessageWriter<OpenVisit>,
) -> bool {
    match map.clicked(p) {
        Some(v) if map.visit_at(from) == Some(v) => {
            auto.walk = None;
            opens.write(OpenVisit(v));
            true
        }
        Some(v) => match map.path_to_visit(from, v) {
            Some(path) => {
                auto.start(path, Some(v));
                true
            }
            None => false,
        },
        None => match map.path_to_point(from, p) {
            Some(path) => {
                auto.start(path, None);
                true
            }
            None => false,
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn click_to_walk(
    mouse: Res<ButtonInput<MouseButton>>,
    windows: Query<&Window, With<PrimaryWindow>>,
    cameras: Query<(&Camera, &GlobalTransform)>,
    ui: Query<&Interaction>,
    claims: Res<Claims>,
    drawn: Res<DrawnHall>,
    net: Res<Net>,
    mut auto: ResMut<AutoWalk>,
    mut opens: MessageWriter<OpenVisit>,
) {
    // In the editor a click selects.
    if claims.clicks || claims.modal || !mouse.just_pressed(MouseButton::Left) {
        return;
    }
    let Some(p) = pointer_in_hall(&windows, &cameras, &ui) else {
        return;
    };
    let Some(from) = map_and_me(&net, &drawn).map(|(_, me)| me.pos) else {
        return;
    };
    let Some(map) = drawn.map.as_deref() else {
        return;
    };
    if !walk_to(map, from, p, &mut auto, &mut opens) {
        debug!(?p, "no way there");
    }
}

/// At the end of a walk, what it was for opens.
pub(super) fn arrive(mut auto: ResMut<AutoWalk>, mut opens: MessageWriter<OpenVisit>) {
    let Some(walk) = &auto.walk else {
        return;
    };
    if walk.walker.done() {
        let open = walk.open;
        auto.walk = None;
        if let Some(v) = open {
            opens.write(OpenVisit(v));
        }
    }
}

#[derive(Component)]
struct GoalMarker;

/// A ring on the floor where the walk ends.
fn spawn_goal_marker(mut commands: Commands, mut images: ResMut<Assets<Image>>) {
    let size = 24u32;
    let mut data = Vec::with_capacity((size * size * 4) as usize);
    for y in 0..size {
        for x in 0..size {
            let d = ((x as f32 + 0.5 - 12.0).powi(2) + (y as f32 + 0.5 - 12.0).powi(2)).sqrt();
            let a = if (8.0..=11.0).contains(&d) { 200 } else { 0 };
            data.extend_from_slice(&[120, 220, 255, a]);
        }
    }
    let image = images.add(super::ui::rgba_image(size, size, data));
    commands.spawn((
        GoalMarker,
        Sprite::from_image(image),
        Transform::from_xyz(0.0, 0.0, 50.0),
        Visibility::Hidden,
    ));
}

fn show_goal(
    auto: Res<AutoWalk>,
    mut marker: Query<(&mut Transform, &mut Visibility), With<GoalMarker>>,
) {
    for (mut t, mut v) in &mut marker {
        let want = match &auto.walk {
            Some(w) if w.open.is_none() => {
                let at = to_world(tile_center(w.goal));
                t.translation.x = at.x;
                t.translation.y = at.y;
                Visibility::Visible
            }
            _ => Visibility::Hidden,
        };
        if *v != want {
            *v = want;
        }
    }
}
