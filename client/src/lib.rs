//! Madang's client: the window people walk the expo in, and the headless bots.
//!
//! # Layout
//!
//! - [`session`]: the network session (join over HTTP, netcode over UDP, prediction,
//!   reconciliation, interpolation). No window and no bevy, so bots and tests use it directly.
//! - [`bots`]: many headless sessions wandering through a hall.
//! - [`identity`]: the visitor passes that keep you the same visitor when you come back.
//! - [`settings`]: what the visitor chose (name, language, server, devices, scale), kept beside
//!   the passes for next time.
//! - [`reconnect`]: which lost connections are tried again by themselves, and when.
//! - [`photos`]: gallery photos decoded off the main thread, with placeholders for broken ones.
//! - [`video`]: MP4/H.264 playing (and writing, for the demo's videos).
//! - [`feed`]: one screen's pictures decoded on a worker thread, with a time limit.
//! - [`voice`]: Opus voice frames (encode, decode per speaker, mix), WAV files for bots.
//! - [`audio`] (feature `window`): the microphone and the speakers (cpal).
//! - [`app`] (feature `window`): the bevy app, one plugin per feature, layered (see its
//!   `# Layout`): `net` pumps the session, `hall` draws the map, `walk` moves you, `avatars`
//!   the people, `screen` the videos on the kiosks, `booth` a booth or kiosk up close (photos,
//!   video, hearts, vote, comments), `talk` the conversation and the chat, `moderation` the
//!   organizer panel, `edit` the map editor, `capture` the screenshot used by tests and docs.

pub mod bots;
pub mod feed;
pub mod identity;
pub mod photos;
pub mod reconnect;
pub mod session;
pub mod settings;
pub mod video;
pub mod voice;

#[cfg(feature = "window")]
pub mod app;
#[cfg(feature = "window")]
pub mod audio;
#[cfg(feature = "window")]
pub mod documents;

pub use madang_shared::map::Lang;

/// Logs to the terminal through `tracing`, at `info` unless `RUST_LOG` says otherwise. For the
/// headless programs; the window has bevy's log plugin.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
}
