//! Who moves your avatar: the keys held (arrows and WASD), or a walk along a path (A* around
//! the walls) that a click on the floor, on a booth or kiosk, or on the minimap started, or the
//! directory, or following someone. The walk presses the same keys a person would, so the
//! server moves you by the ordinary rule; any movement key takes over at once. At the end of a
//! walk to a booth or kiosk, its panel opens. A ring on the floor shows where you are going.

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use bevy::window::PrimaryWindow;
use madang_shared::Vec2 as TileVec;
use madang_shared::map::HallMap;
use madang_shared::path::{PathWalker, Tile, tile_center};
use madang_shared::rules::MoveInput;
use madang_shared::visit::Visit;

use super::hall::DrawnHall;
use super::net::Net;
use super::panel::{Panel, typing};
use super::{FrameSet, map_and_me, to_world};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Held>();
    app.init_resource::<AutoWalk>();
    app.add_systems(Startup, spawn_goal_marker);
    app.add_systems(
        Update,
        read_keys
            .in_set(FrameSet::Net)
            .before(super::net::drive_session),
    );
    app.add_systems(
        Update,
        (click_to_walk, click_minimap, arrive)
            .chain()
            .in_set(FrameSet::Sync),
    );
    app.add_systems(Update, show_goal.in_set(FrameSet::View));
}

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

pub(super) fn read_keys(
    keys: Res<ButtonInput<KeyCode>>,
    focus: Res<InputFocus>,
    fields: Query<(), With<EditableText>>,
    buttons: Query<(), With<Button>>,
    editor: Res<super::edit::Editor>,
    help: Res<super::help::Help>,
    mut held: ResMut<Held>,
    mut auto: ResMut<AutoWalk>,
) {
    // Letters typed into a text field do not walk; nor do keys under the help.
    held.0 = if typing(&focus, &fields) || help.open {
        MoveInput::IDLE
    } else {
        // With a button in focus the arrows move the focus (see `keys`).
        held_input(
            &keys,
            !editor.captures_arrows() && !super::keys::on_a_button(&focus, &buttons),
        )
    };
    if !held.0.is_idle() {
        auto.walk = None;
    }
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
pub(super) fn walk_to(
    map: &HallMap,
    from: TileVec,
    p: TileVec,
    auto: &mut AutoWalk,
    panel: &mut Panel,
    session: Option<&mut crate::session::Session>,
) -> bool {
    match map.clicked(p) {
        Some(v) if map.visit_at(from) == Some(v) => {
            auto.walk = None;
            panel.open(v, session);
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
    editor: Res<super::edit::Editor>,
    drawn: Res<DrawnHall>,
    mut net: ResMut<Net>,
    mut auto: ResMut<AutoWalk>,
    mut panel: ResMut<Panel>,
) {
    // In the editor a click selects.
    if editor.on || !mouse.just_pressed(MouseButton::Left) {
        return;
    }
    let Some(p) = pointer_in_hall(&windows, &cameras, &ui) else {
        return;
    };
    let Some(from) = map_and_me(&net, &drawn).map(|(_, me)| me.pos) else {
        return;
    };
    // The shared map, not a copy of it: the session is borrowed mutably below.
    let Some(map) = drawn.map.clone() else { return };
    if !walk_to(&map, from, p, &mut auto, &mut panel, net.session.as_mut()) {
        debug!(?p, "no way there");
    }
}

/// A click on the minimap walks to that place of the hall.
fn click_minimap(
    minimap: Query<
        (&Interaction, &bevy::ui::RelativeCursorPosition),
        (Changed<Interaction>, With<super::people::Minimap>),
    >,
    drawn: Res<DrawnHall>,
    net: Res<Net>,
    mut auto: ResMut<AutoWalk>,
) {
    let Some((interaction, cursor)) = minimap.iter().next() else {
        return;
    };
    let (Interaction::Pressed, Some(at)) = (interaction, cursor.normalized) else {
        return;
    };
    let Some((map, me)) = map_and_me(&net, &drawn) else {
        return;
    };
    // From (-0.5, -0.5) at the top left to (0.5, 0.5) at the bottom right.
    let p = TileVec::new(
        (at.x + 0.5) * map.width as f32,
        (at.y + 0.5) * map.height as f32,
    );
    match map.path_to_point(me.pos, p) {
        Some(path) => auto.start(path, None),
        None => debug!(?p, "no way there"),
    }
}

/// At the end of a walk, what it was for opens.
fn arrive(mut auto: ResMut<AutoWalk>, mut panel: ResMut<Panel>, mut net: ResMut<Net>) {
    let Some(walk) = &auto.walk else {
        return;
    };
    if walk.walker.done() {
        let open = walk.open;
        auto.walk = None;
        if let Some(v) = open {
            panel.open(v, net.session.as_mut());
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
    let image = images.add(super::rgba_image(size, size, data));
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
