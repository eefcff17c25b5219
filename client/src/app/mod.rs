//! The window: a bevy app on the 2D renderer, UI and X11, one plugin per feature, named as the
//! server names it (`booth`, `screen`, `talk`, `moderation`, ...). A big feature is a folder.
//!
//! The hall is drawn in pixels with y up: a tile `(x, y)` of the map (y down) has its centre at
//! `((x + 0.5) × 32, −(y + 0.5) × 32)`.
//!
//! # Layout
//!
//! Layers point one way: a module imports only those above it in this list, never a feature
//! beside or below it (a feature that must steer another does it through a resource or a
//! message of the lower one, such as `walk::Claims` and `walk::OpenVisit`).
//!
//! 1. `base` (how it was started, the phase, the frame's order, coordinates) and `i18n`;
//! 2. `ui`: the shared widgets and looks; `keys`: the keyboard focus;
//! 3. `net`: the network session, pumped each frame; `hall`: the map drawn;
//! 4. `walk`: who moves your avatar (keys, a walk along a path); `avatars`: the people drawn,
//!    with their labels, and the camera;
//! 5. the features: `screen`, `booth`, `talk`, `voice`, `people`, `directory`, `ceremony`,
//!    `moderation`, `edit`, `confirm`, `settings`, `help`, `join`, `loading`, `hud`;
//! 6. `capture` and `view`: screenshots, which look at everything.

pub use bevy::app::AppExit;
use bevy::prelude::*;
use bevy::window::WindowResolution;

mod avatars;
mod base;
mod booth;
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
mod loading;
mod moderation;
mod net;
mod pages;
mod people;
mod reader;
mod rituals;
mod screen;
mod settings;
mod slides;
mod stamps;
mod talk;
mod ui;
mod view;
mod voice;
mod walk;

pub use base::{ClientArgs, Phase};
use base::{FrameSet, NetSet, Prefs};

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
    app.configure_sets(
        Update,
        (NetSet::Receive, NetSet::Steer, NetSet::Send)
            .chain()
            .in_set(FrameSet::Net),
    );
    app.insert_resource(Prefs::load(args.settings.clone()));
    app.insert_resource(args);
    app.add_plugins((
        ui::plugin,
        join::plugin,
        help::plugin,
        view::plugin,
        walk::plugin,
        settings::plugin,
        confirm::plugin,
        loading::plugin,
        keys::plugin,
        pages::plugin,
        reader::plugin,
    ));
    app.add_plugins((
        net::plugin,
        hall::plugin,
        avatars::plugin,
        hud::plugin,
        screen::plugin,
        booth::plugin,
        directory::plugin,
        talk::plugin,
        voice::plugin,
        people::plugin,
        moderation::plugin,
        ceremony::plugin,
        edit::plugin,
        capture::plugin,
    ));
    app.add_plugins((slides::plugin, rituals::plugin, stamps::plugin));
    app.run()
}
