//! How the window shows things: the hall's zoom (Ctrl + wheel, Ctrl +/−, Ctrl+0 back), the
//! UI's scale from the settings (100–200 %, for visitors who need larger text), F12 to save a
//! screenshot into the pictures folder, and Ctrl+Q to quit.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bevy::input::mouse::MouseWheel;
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};

use super::base::{ClientArgs, FrameSet, Prefs};
use super::i18n::{Key, t};
use super::ui::font;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Zoom>();
    app.add_systems(Startup, spawn_toast);
    app.add_systems(
        Update,
        (zoom_keys, apply_zoom, apply_ui_scale, window_keys)
            .chain()
            .in_set(FrameSet::View),
    );
}

/// The hall's zoom steps: how many screen pixels a map pixel takes.
pub const ZOOMS: [f32; 7] = [0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0];
const ZOOM_NORMAL: usize = 2;

/// The hall's zoom, as an index into [`ZOOMS`].
#[derive(Resource)]
pub struct Zoom(pub usize);

impl Default for Zoom {
    fn default() -> Self {
        Zoom(ZOOM_NORMAL)
    }
}

impl Zoom {
    pub fn factor(&self) -> f32 {
        ZOOMS[self.0.min(ZOOMS.len() - 1)]
    }

    fn step(&mut self, by: i32) {
        self.0 = (self.0 as i32 + by).clamp(0, ZOOMS.len() as i32 - 1) as usize;
    }
}

fn ctrl(keys: &ButtonInput<KeyCode>) -> bool {
    keys.pressed(KeyCode::ControlLeft) || keys.pressed(KeyCode::ControlRight)
}

fn zoom_keys(
    keys: Res<ButtonInput<KeyCode>>,
    mut wheel: MessageReader<MouseWheel>,
    mut zoom: ResMut<Zoom>,
) {
    let held = ctrl(&keys);
    let scrolled: f32 = wheel.read().map(|w| w.y.signum()).sum();
    if !held {
        return;
    }
    if scrolled != 0.0 {
        zoom.step(scrolled.signum() as i32);
    }
    if keys.just_pressed(KeyCode::Equal) || keys.just_pressed(KeyCode::NumpadAdd) {
        zoom.step(1);
    }
    if keys.just_pressed(KeyCode::Minus) || keys.just_pressed(KeyCode::NumpadSubtract) {
        zoom.step(-1);
    }
    if keys.just_pressed(KeyCode::Digit0) || keys.just_pressed(KeyCode::Numpad0) {
        zoom.0 = ZOOM_NORMAL;
    }
}

fn apply_zoom(zoom: Res<Zoom>, mut cameras: Query<&mut Projection, With<Camera2d>>) {
    if !zoom.is_changed() {
        return;
    }
    for mut p in &mut cameras {
        if let Projection::Orthographic(o) = &mut *p {
            o.scale = 1.0 / zoom.factor();
        }
    }
}

fn apply_ui_scale(prefs: Res<Prefs>, mut scale: ResMut<UiScale>) {
    let want = prefs.settings.ui_scale as f32 / 100.0;
    if scale.0 != want {
        scale.0 = want;
    }
}

/// A short line at the bottom of the window (a screenshot saved).
#[derive(Component)]
struct Toast;

#[derive(Default)]
struct ToastState {
    until: Option<Instant>,
}

fn spawn_toast(mut commands: Commands) {
    commands.spawn((
        Toast,
        Text::new(""),
        font(16.0),
        TextColor(Color::srgb(0.7, 1.0, 0.7)),
        Node {
            position_type: PositionType::Absolute,
            bottom: px(16.0),
            left: percent(42.0),
            ..default()
        },
        GlobalZIndex(90),
    ));
}

/// Where F12's screenshots go: `--shots`, else the pictures folder, else home.
fn shots_folder(args: &ClientArgs) -> Option<PathBuf> {
    if let Some(d) = &args.shots {
        return Some(d.clone());
    }
    let home = PathBuf::from(std::env::var_os("HOME")?);
    let pictures = home.join("Pictures");
    Some(if pictures.is_dir() { pictures } else { home })
}

/// The first `madang-NNNN.png` not yet in `dir`.
fn next_shot(dir: &std::path::Path) -> PathBuf {
    (1..10_000)
        .map(|n| dir.join(format!("madang-{n:04}.png")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join("madang-last.png"))
}

#[allow(clippy::too_many_arguments)]
fn window_keys(
    mut commands: Commands,
    marks: Query<(&super::ui::CaptureMark, &ComputedNode, &UiGlobalTransform)>,
    labels: Res<super::avatars::labels::LabelStats>,
    keys: Res<ButtonInput<KeyCode>>,
    args: Res<ClientArgs>,
    mut toast: Query<&mut Text, With<Toast>>,
    mut state: Local<ToastState>,
    mut exit: MessageWriter<AppExit>,
) {
    if ctrl(&keys) && keys.just_pressed(KeyCode::KeyQ) {
        exit.write(AppExit::Success);
    }
    if keys.just_pressed(KeyCode::F12)
        && let Some(dir) = shots_folder(&args)
    {
        if let Err(e) = std::fs::create_dir_all(&dir) {
            warn!("cannot make the screenshot folder {}: {e}", dir.display());
            return;
        }
        let path = next_shot(&dir);
        info!(path = %path.display(), "saving a screenshot");
        super::capture::write_marks(&path, &marks, Some(&*labels));
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_to_disk(path));
        for mut text in &mut toast {
            text.0 = t(args.lang, Key::ScreenshotSaved).to_owned();
        }
        state.until = Some(Instant::now() + Duration::from_secs(3));
    }
    if state.until.is_some_and(|u| Instant::now() >= u) {
        state.until = None;
        for mut text in &mut toast {
            text.0.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_stays_within_its_steps() {
        let mut z = Zoom::default();
        assert_eq!(z.factor(), 1.0);
        for _ in 0..20 {
            z.step(1);
        }
        assert_eq!(z.factor(), *ZOOMS.last().unwrap());
        for _ in 0..20 {
            z.step(-1);
        }
        assert_eq!(z.factor(), ZOOMS[0]);
    }

    #[test]
    fn screenshots_do_not_overwrite_each_other() {
        let dir = std::env::temp_dir().join(format!("madang-shots-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let first = next_shot(&dir);
        assert!(first.ends_with("madang-0001.png"));
        std::fs::write(&first, b"x").unwrap();
        assert!(next_shot(&dir).ends_with("madang-0002.png"));
    }
}
