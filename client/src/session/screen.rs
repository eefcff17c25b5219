//! Screens: the videos playing on the screens of your hall, the server's clock they are read
//! against, and playing, pausing or restarting them (organizers).

use std::collections::HashMap;
use std::time::Instant;

use madang_shared::protocol::{ClientMsg, ScreenAction, ScreenState};
use madang_shared::video::Playback;

use super::Session;

/// What a session knows of the screens, and of the server's clock.
#[derive(Debug)]
pub struct Screens {
    /// The screens of your hall, by map object id.
    pub playback: HashMap<u32, Playback>,
    /// The server's clock minus ours (`created`), in ms: the largest seen, since a message's
    /// delay only ever makes it look smaller.
    clock_offset_ms: Option<i64>,
    created: Instant,
}

impl Default for Screens {
    fn default() -> Self {
        Screens {
            playback: HashMap::new(),
            clock_offset_ms: None,
            created: Instant::now(),
        }
    }
}

impl Screens {
    /// Learns the server's clock from a message stamped `server_ms` when sent.
    pub(super) fn note_server_clock(&mut self, server_ms: u64) {
        let local = self.created.elapsed().as_millis() as i64;
        let offset = server_ms as i64 - local;
        self.clock_offset_ms = Some(self.clock_offset_ms.map_or(offset, |o| o.max(offset)));
    }

    /// The screens of `hall` as the server plays them; kept while you are in it (`here`).
    pub(super) fn screens_came(
        &mut self,
        here: Option<u16>,
        hall: u16,
        server_ms: u64,
        screens: Vec<ScreenState>,
    ) {
        self.note_server_clock(server_ms);
        if here == Some(hall) {
            self.playback
                .extend(screens.into_iter().map(|s| (s.screen, s.playback)));
        }
    }

    /// The server's clock now, as estimated here (ms since the server started).
    pub fn server_now_ms(&self) -> Option<u64> {
        let local = self.created.elapsed().as_millis() as i64;
        self.clock_offset_ms.map(|o| (local + o).max(0) as u64)
    }
}

impl Session {
    /// The server's clock now, as estimated here (ms since the server started).
    pub fn server_now_ms(&self) -> Option<u64> {
        self.screen.server_now_ms()
    }

    /// Where a screen of your hall is now, in ms into its video.
    pub fn screen_position_ms(&self, screen: u32) -> Option<u64> {
        Some(
            self.screen
                .playback
                .get(&screen)?
                .position_at(self.server_now_ms()?),
        )
    }

    /// Plays, pauses or restarts a screen of your hall; organizers only.
    pub fn control_screen(&mut self, screen: u32, action: ScreenAction) -> u32 {
        self.request(|req| ClientMsg::ScreenControl {
            req,
            screen,
            action,
        })
    }
}
