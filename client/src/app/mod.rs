//! The window: a bevy app on the 2D renderer, UI and X11, one plugin per file.
//!
//! The hall is drawn in pixels with y up: a tile `(x, y)` of the map (y down) has its centre at
//! `((x + 0.5) × 32, −(y + 0.5) × 32)`.

use std::path::{Path, PathBuf};

pub use bevy::app::AppExit;
use bevy::prelude::*;
use bevy::window::WindowResolution;
use madang_shared::Vec2 as TileVec;
use madang_shared::map::{Lang, TILE_PX};

mod avatars;
mod capture;
mod ceremony;
mod confirm;
mod directory;
mod edit;
mod hall;
mod help;
mod hud;
pub mod i18n;
mod join;
mod keys;
mod labels;
mod loading;
mod net;
mod organizer;
mod panel;
mod people;
mod screens;
mod settings;
mod talk;
mod view;
mod voice;
mod walk;

/// How the window app was started.
#[derive(Resource, Debug, Clone)]
pub struct ClientArgs {
    /// The display name to join with; without one the window opens on the join screen.
    pub name: Option<String>,
    /// The join endpoint, e.g. `https://127.0.0.1:7780`.
    pub server: String,
    /// The server's certificate, to trust it alone (see
    /// [`crate::session::JoinOptions::server_cert`]).
    pub server_cert: Option<std::path::PathBuf>,
    /// The folder holding `maps/`, `tilesets/`, `sprites/`, `fonts/`.
    pub assets: PathBuf,
    pub lang: Lang,
    /// The hall to arrive in (the entrance if absent).
    pub hall: Option<String>,
    pub spawn: Option<String>,
    /// Save a screenshot here once the hall and your avatar are drawn, then quit.
    pub screenshot: Option<PathBuf>,
    /// Walk to the booth with this title (Korean or English) on arrival, and open it. With
    /// `screenshot`, the capture waits for its photo and video.
    pub visit: Option<String>,
    /// The file of visitor passes ([`crate::identity`]); `None` keeps no identity.
    pub passes: Option<PathBuf>,
    /// The visitor's remembered choices ([`crate::settings`]); `None` remembers nothing.
    pub settings: Option<PathBuf>,
    /// Where F12 saves screenshots (`madang-0001.png`, …); `None`: the pictures folder.
    pub shots: Option<PathBuf>,
    pub width: u32,
    pub height: u32,
    /// Open the microphone and the speaker (off: no voice at all).
    pub voice: bool,
    /// The audio devices by name (see `--audio-devices`), or the defaults.
    pub mic: Option<String>,
    pub speaker: Option<String>,
    /// Send your voice only while Space is held.
    pub push_to_talk: bool,
    /// An invite code from the organizers, for a role other than visitor.
    pub invite: Option<String>,
    /// How your avatar looks (the join screen chooses it); `None` lets the server choose.
    pub look: Option<madang_shared::protocol::Look>,
    /// Open the organizer panel at start (organizers); with `screenshot`, the capture waits
    /// for the list of people online.
    pub organizer_panel: bool,
}

/// Where the window is: the join screen, or the hall (everything else is spawned on entering
/// it, in the language chosen by then).
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Phase {
    #[default]
    Join,
    Hall,
}

/// The visitor's remembered choices, and where they are kept.
#[derive(Resource, Default)]
pub(super) struct Prefs {
    pub settings: crate::settings::Settings,
    path: Option<PathBuf>,
}

impl Prefs {
    pub fn save(&self) {
        if let Some(path) = &self.path {
            self.settings.save(path);
        }
    }
}

/// A text that says `Key` in the current language: rewritten when the language changes.
#[derive(Component, Clone, Copy)]
pub(super) struct Tr(pub i18n::Key);

/// The order of a frame's work.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum FrameSet {
    /// Network in, prediction, network out.
    Net,
    /// Entities follow the session: hall, avatars.
    Sync,
    /// Camera, HUD, capture.
    View,
}

/// Runs the window until it is closed. Returns the app's exit status.
pub fn run(args: ClientArgs) -> AppExit {
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: i18n::t(args.lang, i18n::Key::WindowTitle).into(),
                    resolution: WindowResolution::new(args.width, args.height),
                    ..default()
                }),
                ..default()
            })
            .set(ImagePlugin::default_nearest()),
    );
    app.insert_resource(ClearColor(Color::srgb(0.11, 0.12, 0.15)));
    app.insert_state(if args.name.is_some() {
        Phase::Hall
    } else {
        Phase::Join
    });
    app.configure_sets(
        Update,
        (FrameSet::Net, FrameSet::Sync, FrameSet::View).chain(),
    );
    app.insert_resource(Prefs {
        settings: args
            .settings
            .as_deref()
            .map(crate::settings::Settings::load)
            .unwrap_or_default(),
        path: args.settings.clone(),
    });
    app.insert_resource(args);
    app.add_systems(PreStartup, install_font);
    app.add_plugins((
        join::plugin,
        help::plugin,
        view::plugin,
        walk::plugin,
        settings::plugin,
        labels::plugin,
        confirm::plugin,
        loading::plugin,
        keys::plugin,
    ));
    app.add_plugins((
        net::plugin,
        hall::plugin,
        avatars::plugin,
        hud::plugin,
        screens::plugin,
        panel::plugin,
        directory::plugin,
        talk::plugin,
        voice::plugin,
        people::plugin,
        organizer::plugin,
        ceremony::plugin,
        edit::plugin,
        capture::plugin,
    ));
    app.add_systems(
        Update,
        (light_up_buttons, retranslate).in_set(FrameSet::View),
    );
    app.run()
}

/// Buttons brighten under the pointer and when pressed.
#[allow(clippy::type_complexity)]
fn light_up_buttons(
    mut buttons: Query<
        (Entity, &Interaction, &mut BackgroundColor),
        (Changed<Interaction>, With<Button>),
    >,
    mut base: Local<std::collections::HashMap<Entity, Color>>,
) {
    for (e, interaction, mut bg) in &mut buttons {
        let was = *base.entry(e).or_insert(bg.0);
        let lift = match interaction {
            Interaction::Pressed => 0.35,
            Interaction::Hovered => 0.18,
            Interaction::None => 0.0,
        };
        bg.0 = was.mix(&Color::WHITE, lift);
    }
}

/// Texts marked [`Tr`] follow a change of language (the window's title too).
fn retranslate(
    args: Res<ClientArgs>,
    mut texts: Query<(&Tr, &mut Text)>,
    mut windows: Query<&mut Window>,
    mut last: Local<Option<Lang>>,
) {
    if *last == Some(args.lang) {
        return;
    }
    *last = Some(args.lang);
    for (tr, mut text) in &mut texts {
        let want = i18n::t(args.lang, tr.0);
        if text.0 != want {
            text.0 = want.to_owned();
        }
    }
    for mut w in &mut windows {
        w.title = i18n::t(args.lang, i18n::Key::WindowTitle).into();
    }
}

/// Makes the bundled Hangul font the default for every text: without it, no Korean renders.
fn install_font(args: Res<ClientArgs>, mut fonts: ResMut<Assets<Font>>) {
    let path = args.assets.join("fonts").join("NanumGothic.ttf");
    match std::fs::read(&path) {
        Ok(bytes) => {
            if let Err(e) = fonts.insert(&Handle::<Font>::default(), Font::from_bytes(bytes)) {
                error!("cannot install the font {}: {e}", path.display());
            }
        }
        Err(e) => error!(
            "cannot read the font {} ({e}); text will not be drawn",
            path.display()
        ),
    }
}

/// The hall on screen and your avatar in it, once both are known.
fn map_and_me<'a>(
    net: &'a net::Net,
    drawn: &'a hall::DrawnHall,
) -> Option<(&'a madang_shared::map::HallMap, &'a crate::session::Me)> {
    Some((drawn.map.as_deref()?, net.session.as_ref()?.me.as_ref()?))
}

/// Shows or hides a UI node (touching it only when that changes).
pub(super) fn set_display(node: &mut Node, shown: bool) {
    let d = if shown { Display::Flex } else { Display::None };
    if node.display != d {
        node.display = d;
    }
}

/// A small button: its label, and what it does (`action`, a component the button's system
/// reads when it is pressed).
pub(super) fn small_button(action: impl Bundle, label: &str) -> impl Bundle {
    (
        Button,
        action,
        Node {
            padding: UiRect::axes(px(7.0), px(3.0)),
            ..default()
        },
        BackgroundColor(Color::srgb(0.22, 0.3, 0.45)),
        children![(
            Text::new(label),
            TextFont::from_font_size(12.0),
            TextColor(Color::WHITE),
        )],
    )
}

/// A one-line text field (bevy's `EditableText`, with IME for Korean), marked by `marker`.
pub(super) fn text_field(
    marker: impl Component,
    initial: &str,
    max_chars: usize,
    font_size: f32,
) -> impl Bundle {
    (
        marker,
        bevy::text::EditableText {
            max_characters: Some(max_chars),
            ..bevy::text::EditableText::new(initial)
        },
        TextFont::from_font_size(font_size),
        TextColor(Color::srgb(0.93, 0.94, 0.96)),
        Node {
            flex_grow: 1.0,
            padding: UiRect::all(px(4.0)),
            border: UiRect::all(px(1.0)),
            ..default()
        },
        BorderColor::all(Color::srgb(0.4, 0.45, 0.55)),
        BackgroundColor(Color::srgb(0.12, 0.13, 0.17)),
    )
}

/// Shows the last answer worth telling (green) or refusal (red) in a line of text.
pub(super) fn show_notice(text: &mut Text, color: &mut TextColor, notice: &Option<(String, bool)>) {
    let (line, error) = notice.clone().unwrap_or_default();
    if text.0 != line {
        text.0 = line;
    }
    color.0 = if error {
        Color::srgb(1.0, 0.55, 0.5)
    } else {
        Color::srgb(0.6, 1.0, 0.6)
    };
}

/// A position in tiles (y down) as a point in the world (pixels, y up).
pub fn to_world(p: TileVec) -> Vec2 {
    Vec2::new(p.x * TILE_PX as f32, -p.y * TILE_PX as f32)
}

/// Reads an image file into an asset; a missing or broken file gives a magenta placeholder
/// and a warning naming it, never a crash.
pub fn load_image(path: &Path, images: &mut Assets<Image>) -> Handle<Image> {
    use bevy::asset::RenderAssetUsages;
    use bevy::image::{CompressedImageFormats, ImageSampler, ImageType};
    let loaded = std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            Image::from_buffer(
                &bytes,
                ImageType::Extension("png"),
                CompressedImageFormats::NONE,
                true,
                ImageSampler::nearest(),
                RenderAssetUsages::default(),
            )
            .map_err(|e| e.to_string())
        });
    match loaded {
        Ok(image) => images.add(image),
        Err(e) => {
            warn!(
                "cannot load image {}: {e}; drawing a placeholder",
                path.display()
            );
            images.add(placeholder_image())
        }
    }
}

/// An image from 8-bit sRGB RGBA rows, top first.
pub fn rgba_image(width: u32, height: u32, rgba: Vec<u8>) -> Image {
    use bevy::asset::RenderAssetUsages;
    use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
    Image::new(
        Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        rgba,
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::default(),
    )
}

fn placeholder_image() -> Image {
    let mut data = Vec::with_capacity(32 * 32 * 4);
    for y in 0..32 {
        for x in 0..32 {
            let on = (x / 8 + y / 8) % 2 == 0;
            data.extend_from_slice(if on {
                &[255, 0, 255, 255]
            } else {
                &[40, 0, 40, 255]
            });
        }
    }
    rgba_image(32, 32, data)
}
