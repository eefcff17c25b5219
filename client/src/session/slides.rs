//! Slides: what the slide screens of your hall show (the server decides: a deck, a page), the
//! presenter's pointer over them, and, for presenters, opening decks and turning pages.

use std::collections::HashMap;
use std::time::Instant;

use madang_shared::protocol::{ClientMsg, SlideAction, SlideState, channel, encode};

use super::Session;

/// What a session knows of the slide screens of its hall.
#[derive(Debug, Default)]
pub struct Slides {
    /// By screen object id.
    pub shown: HashMap<u32, SlideState>,
    /// The presenter's pointer over a screen, and when it came.
    pub pointers: HashMap<u32, ((u16, u16), Instant)>,
    /// When this session last sent its own pointer.
    last_pointer: Option<Instant>,
}

/// How often a presenter's pointer is sent at most (the server passes on one per 50 ms).
const POINTER_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

impl Slides {
    /// The slide screens of `hall`; kept while you are in it (`here`).
    pub(super) fn slides_came(&mut self, here: Option<u16>, hall: u16, screens: Vec<SlideState>) {
        if here != Some(hall) {
            return;
        }
        for s in screens {
            if s.deck.is_none() {
                self.pointers.remove(&s.screen);
            }
            self.shown.insert(s.screen, s);
        }
    }

    pub(super) fn pointer_came(&mut self, screen: u32, at: Option<(u16, u16)>) {
        match at {
            Some(at) => {
                self.pointers.insert(screen, (at, Instant::now()));
            }
            None => {
                self.pointers.remove(&screen);
            }
        }
    }

    /// Forgets the hall you left.
    pub(super) fn clear(&mut self) {
        self.shown.clear();
        self.pointers.clear();
    }
}

impl Session {
    /// What a slide screen of your hall shows.
    pub fn slide(&self, screen: u32) -> Option<&SlideState> {
        self.slides.shown.get(&screen)
    }

    /// Opens a deck on, turns a page of, or takes the deck off a slide screen of your hall:
    /// presenters and organizers on the stage or at the screen.
    pub fn control_slides(&mut self, screen: u32, action: SlideAction) -> u32 {
        self.request(|req| ClientMsg::SlideControl {
            req,
            screen,
            action,
        })
    }

    /// Your pointer over a slide screen (from its top-left, 0 to 65535 each way), or `None`
    /// when it leaves; sent at most once per 50 ms (`None` always), unreliably.
    pub fn point_at_slide(&mut self, screen: u32, at: Option<(u16, u16)>) {
        let now = Instant::now();
        if at.is_some()
            && self
                .slides
                .last_pointer
                .is_some_and(|t| now.duration_since(t) < POINTER_EVERY)
        {
            return;
        }
        self.slides.last_pointer = Some(now);
        self.client.send_message(
            channel::VOICE,
            encode(&ClientMsg::SlidePointer { screen, at }),
        );
    }
}
