//! While the hall loads: a bar and what is being done (asking the server, connecting, drawing
//! the hall and its tilesets, decoding the first photo of each gallery), instead of a blank
//! window. It also starts those first photos decoding, so a gallery opens at once. A lost
//! connection hides it (the status panel says why and when the window tries again).

use bevy::prelude::*;

use super::base::{ClientArgs, FrameSet, Phase};
use super::booth::Photos;
use super::hall::DrawnHall;
use super::i18n::{Key, t};
use super::net::Net;
use super::ui::{font, set_display};
use crate::session::ConnState;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Arrived>();
    app.add_systems(OnEnter(Phase::Hall), spawn_loading);
    app.add_systems(
        Update,
        show_loading
            .in_set(FrameSet::View)
            .run_if(in_state(Phase::Hall)),
    );
}

/// Whether the hall is loaded and shown (the screenshot waits for it).
#[derive(Resource, Default)]
pub struct Arrived(pub bool);

/// Frames drawn after the hall before it counts as shown (textures uploaded, text laid out).
const SETTLE_FRAMES: u32 = 10;

/// The steps of arriving, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Asking,
    Connecting,
    Drawing,
    Photos,
    Done,
}

/// What is done so far: (step under way, fraction of the whole done).
pub fn progress(
    joined: bool,
    ready: bool,
    drawn: bool,
    settled: bool,
    photos: (usize, usize),
) -> (Step, f32) {
    let (done, total) = photos;
    let photo_share = if total == 0 {
        1.0
    } else {
        done.min(total) as f32 / total as f32
    };
    match (joined, ready, drawn && settled) {
        (false, _, _) => (Step::Asking, 0.05),
        (true, false, _) => (Step::Connecting, 0.25),
        (true, true, false) => (Step::Drawing, 0.5),
        (true, true, true) if photo_share < 1.0 => (Step::Photos, 0.75 + 0.25 * photo_share),
        (true, true, true) => (Step::Done, 1.0),
    }
}

fn step_key(step: Step) -> Key {
    match step {
        Step::Asking => Key::LoadingAsking,
        Step::Connecting => Key::LoadingConnecting,
        Step::Drawing => Key::LoadingDrawing,
        Step::Photos => Key::LoadingPhotos,
        Step::Done => Key::LoadingDrawing,
    }
}

#[derive(Component)]
struct LoadingRoot;
#[derive(Component)]
struct Bar;
#[derive(Component)]
struct StepText;

fn spawn_loading(mut commands: Commands, args: Res<ClientArgs>) {
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        LoadingRoot,
        GlobalZIndex(60),
        Node {
            position_type: PositionType::Absolute,
            width: percent(100.0),
            height: percent(100.0),
            flex_direction: FlexDirection::Column,
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            row_gap: px(14.0),
            ..default()
        },
        BackgroundColor(Color::srgb(0.11, 0.12, 0.15)),
        children![
            (
                Text::new(t(args.lang, Key::WindowTitle)),
                font(24.0),
                TextColor(Color::WHITE),
            ),
            (
                Node {
                    width: px(420.0),
                    height: px(16.0),
                    border: UiRect::all(px(1.0)),
                    ..default()
                },
                BorderColor::all(Color::srgb(0.4, 0.45, 0.55)),
                BackgroundColor(Color::srgb(0.16, 0.18, 0.23)),
                children![(
                    Bar,
                    Node {
                        width: percent(5.0),
                        height: percent(100.0),
                        ..default()
                    },
                    BackgroundColor(Color::srgb(0.35, 0.7, 0.45)),
                )],
            ),
            (
                StepText,
                Text::new(t(args.lang, Key::LoadingAsking)),
                font(16.0),
                TextColor(Color::srgb(0.8, 0.83, 0.88)),
            ),
        ],
    ));
}

#[allow(clippy::too_many_arguments)]
fn show_loading(
    args: Res<ClientArgs>,
    net: Res<Net>,
    drawn: Res<DrawnHall>,
    mut photos: ResMut<Photos>,
    mut images: ResMut<Assets<Image>>,
    mut root: Query<&mut Node, (With<LoadingRoot>, Without<Bar>)>,
    mut bar: Query<&mut Node, (With<Bar>, Without<LoadingRoot>)>,
    mut text: Query<&mut Text, With<StepText>>,
    mut settle: Local<(Option<(Option<String>, u64)>, u32)>,
    mut arrived: ResMut<Arrived>,
    mut arrived_once: Local<bool>,
    mut arrived_in: Local<Option<String>>,
) {
    let session = net.session.as_ref();
    let lost = matches!(net.state(), ConnState::Lost(_));
    let joined = session.is_some();
    let ready = session.is_some_and(|s| s.is_ready());
    let hall_drawn =
        drawn.map.is_some() && drawn.id.as_deref() == session.and_then(|s| s.hall_id());
    // Frames since this hall was drawn; a new hall starts again, and starts its photos. A hall
    // redrawn after an edit or a reload (a new generation of the same hall) starts its new
    // photos but is not loaded again: the bar stays away.
    let key = (drawn.id.clone(), drawn.generation);
    if settle.0.as_ref() != Some(&key) {
        if settle.0.as_ref().is_none_or(|(id, _)| *id != drawn.id) {
            settle.1 = 0;
        }
        settle.0 = Some(key);
        if let Some(map) = drawn.map.as_ref() {
            for kiosk in &map.photo_kiosks {
                if let Some(first) = kiosk.images.first() {
                    photos.preload(first, &mut images);
                }
            }
        }
    }
    if hall_drawn {
        settle.1 = settle.1.saturating_add(1);
    }
    let first_photos = drawn.map.as_ref().map_or((0, 0), |map| {
        let firsts: Vec<_> = map
            .photo_kiosks
            .iter()
            .filter_map(|k| k.images.first())
            .collect();
        let done = firsts.iter().filter(|p| photos.is_done(p)).count();
        (done, firsts.len())
    });
    let (mut step, share) = progress(
        joined,
        ready,
        hall_drawn,
        settle.1 >= SETTLE_FRAMES,
        first_photos,
    );
    // Arrived in this hall already: a gallery added since loads in its kiosk, not on the bar.
    // A new connection arrives again.
    if !ready {
        *arrived_in = None;
    }
    if hall_drawn && arrived_in.is_some() && *arrived_in == drawn.id {
        step = Step::Done;
    }
    arrived.0 = step == Step::Done;
    if arrived.0 {
        *arrived_once = true;
        if hall_drawn {
            *arrived_in = drawn.id.clone();
        }
    }
    // Once arrived, a reconnecting window keeps the hall (and the status's countdown) on show:
    // the bar comes back only while a new session draws its hall.
    let shown = step != Step::Done && !lost && (!*arrived_once || ready);
    for mut node in &mut root {
        set_display(&mut node, shown);
    }
    if !shown {
        return;
    }
    for mut node in &mut bar {
        let w = percent(share * 100.0);
        if node.width != w {
            node.width = w;
        }
    }
    let line = t(args.lang, step_key(step));
    for mut text in &mut text {
        if text.0 != line {
            text.0 = line.to_owned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arriving_goes_step_by_step_to_the_end() {
        assert_eq!(progress(false, false, false, false, (0, 0)).0, Step::Asking);
        assert_eq!(
            progress(true, false, false, false, (0, 0)).0,
            Step::Connecting
        );
        assert_eq!(progress(true, true, true, false, (0, 2)).0, Step::Drawing);
        let (step, share) = progress(true, true, true, true, (1, 2));
        assert_eq!(step, Step::Photos);
        assert!((share - 0.875).abs() < 1e-6);
        assert_eq!(progress(true, true, true, true, (2, 2)), (Step::Done, 1.0));
        assert_eq!(
            progress(true, true, true, true, (0, 0)),
            (Step::Done, 1.0),
            "no galleries"
        );
        // Never backwards as the steps go by.
        let shares: Vec<f32> = [
            progress(false, false, false, false, (0, 1)),
            progress(true, false, false, false, (0, 1)),
            progress(true, true, false, false, (0, 1)),
            progress(true, true, true, true, (0, 1)),
            progress(true, true, true, true, (1, 1)),
        ]
        .iter()
        .map(|p| p.1)
        .collect();
        assert!(shares.windows(2).all(|w| w[0] <= w[1]), "{shares:?}");
    }
}
