//! What every part of the window builds on: how it was started ([`ClientArgs`]), where it is
//! ([`Phase`]), the visitor's remembered choices ([`Prefs`]), the order of a frame's work
//! ([`FrameSet`]), and the hall's coordinates ([`to_world`]).

use std::path::PathBuf;

use bevy::prelude::*;
use madang_shared::Vec2 as TileVec;
use madang_shared::map::{Lang, TILE_PX};

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
pub struct Prefs {
    pub settings: crate::settings::Settings,
    path: Option<PathBuf>,
}

impl Prefs {
    /// The choices kept at `path`, or the defaults when there is none.
    pub fn load(path: Option<PathBuf>) -> Self {
        Prefs {
            settings: path
                .as_deref()
                .map(crate::settings::Settings::load)
                .unwrap_or_default(),
            path,
        }
    }

    pub fn save(&self) {
        if let Some(path) = &self.path {
            self.settings.save(path);
        }
    }
}

/// The order of a frame's work.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameSet {
    /// Network in, prediction, network out.
    Net,
    /// Entities follow the session: hall, avatars.
    Sync,
    /// Camera, HUD, capture.
    View,
}

/// The parts of [`FrameSet::Net`], in order: what the server sent is read, your avatar is
/// stepped with the input decided from it (`walk`), and what it did is sent.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetSet {
    Receive,
    Steer,
    Send,
}

/// A position in tiles (y down) as a point in the world (pixels, y up).
pub fn to_world(p: TileVec) -> Vec2 {
    Vec2::new(p.x * TILE_PX as f32, -p.y * TILE_PX as f32)
}
