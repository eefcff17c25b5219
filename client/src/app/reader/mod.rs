//! The document reader: a PDF from a booth or a kiosk, over the whole window, a page at a
//! time. ◀ ▶ (PageUp/PageDown, the arrows, Space) turn the pages, Home and End go to the first
//! and the last, digits and Enter go to a page, + and − zoom, W fits the page's width (again:
//! the whole page), T shows the table of contents when the PDF has one, Esc closes. While it is
//! open it holds the keys and the clicks (nothing walks under it). Pages are drawn off the
//! frame ([`super::pages`]); a document that cannot be read says so in the reader.

mod view;

use std::path::PathBuf;

use bevy::prelude::*;

use madang_shared::protocol::{Role, SlideAction};

use super::base::{ClientArgs, FrameSet, Phase};
use super::net::Net;
use super::pages::Pages;
use super::walk::{self, Claims};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Reader>();
    app.add_message::<OpenDocument>();
    app.add_systems(OnEnter(Phase::Hall), view::spawn);
    app.add_systems(OnExit(Phase::Hall), |mut r: ResMut<Reader>| {
        *r = Reader::default()
    });
    app.add_systems(
        Update,
        (open_documents, follow_screen, keys, buttons, claim_input)
            .chain()
            .in_set(FrameSet::Sync)
            .before(walk::arrive),
    );
    app.add_systems(
        Update,
        (view::show, view::contents).chain().in_set(FrameSet::View),
    );
}

/// Asks the reader to open a PDF (a booth's or a kiosk's), at its first page.
#[derive(Message, Debug, Clone)]
pub struct OpenDocument {
    pub path: PathBuf,
    pub title: String,
    /// The page to open at (from 1; past the end is the end).
    pub page: u32,
    /// A slide screen of the hall to follow: the reader shows what it shows, the page the
    /// presenter turns to (a presenter's own turns go to the screen).
    pub follow: Option<u32>,
}

/// The document open in the reader.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub path: PathBuf,
    pub title: String,
    /// From 1.
    pub page: u32,
    /// The slide screen followed, if any.
    pub follow: Option<u32>,
}

/// How big the page is shown.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
enum Fit {
    /// The whole page in view.
    #[default]
    Page,
    /// The page as wide as the reader.
    Width,
    /// This many times the whole-page size.
    Scale(f32),
}

#[derive(Resource, Default)]
pub struct Reader {
    pub open: Option<Reading>,
    fit: Fit,
    /// Digits typed for a page to go to.
    typed: String,
    /// The table of contents is shown.
    toc: bool,
}

impl Reader {
    /// Turns to `page`, kept within the document once its length is known.
    fn go(&mut self, page: i64, pages: Option<u32>) {
        let Some(open) = &mut self.open else { return };
        let last = pages.unwrap_or(u32::MAX) as i64;
        open.page = page.clamp(1, last.max(1)) as u32;
    }

    fn zoom(&mut self, by: f32) {
        let now = match self.fit {
            Fit::Scale(s) => s,
            _ => 1.0,
        };
        self.fit = Fit::Scale((now * by).clamp(0.5, 4.0));
    }
}

/// What a reader's button does.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub(super) enum ReaderAction {
    Close,
    Prev,
    Next,
    ZoomIn,
    ZoomOut,
    FitWidth,
    Contents,
    Goto(u32),
}

fn open_documents(mut asked: MessageReader<OpenDocument>, mut reader: ResMut<Reader>) {
    for OpenDocument {
        path,
        title,
        page,
        follow,
    } in asked.read()
    {
        reader.open = Some(Reading {
            path: path.clone(),
            title: title.clone(),
            page: (*page).max(1),
            follow: *follow,
        });
        reader.typed.clear();
        reader.fit = Fit::Page;
    }
}

fn act(action: ReaderAction, reader: &mut Reader, pages: &mut Pages, net: &mut Net) {
    let Some(open) = reader.open.clone() else {
        return;
    };
    // Following a screen: a presenter's turns go to the screen, a visitor's nowhere.
    if let Some(screen) = open.follow
        && let Some(to) = match action {
            ReaderAction::Prev => Some(open.page.saturating_sub(1).max(1)),
            ReaderAction::Next => Some(open.page + 1),
            ReaderAction::Goto(p) => Some(p),
            _ => None,
        }
    {
        if let Some(s) = net.session.as_mut()
            && s.me
                .as_ref()
                .is_some_and(|m| matches!(m.role, Role::Presenter | Role::Organizer))
        {
            s.control_slides(screen, SlideAction::Goto { page: to });
        }
        return;
    }
    let count = pages
        .info(&open.path)
        .and_then(|i| i.as_ref().ok())
        .map(|i| i.pages);
    let page = open.page as i64;
    match action {
        ReaderAction::Close => {
            reader.open = None;
            reader.typed.clear();
        }
        ReaderAction::Prev => reader.go(page - 1, count),
        ReaderAction::Next => reader.go(page + 1, count),
        ReaderAction::ZoomIn => reader.zoom(1.25),
        ReaderAction::ZoomOut => reader.zoom(0.8),
        ReaderAction::FitWidth => {
            reader.fit = if reader.fit == Fit::Width {
                Fit::Page
            } else {
                Fit::Width
            }
        }
        ReaderAction::Contents => reader.toc = !reader.toc,
        ReaderAction::Goto(p) => reader.go(p as i64, count),
    }
}

/// The reader's keys; while it is open no other part of the window sees a key press.
fn keys(
    mut keys: ResMut<ButtonInput<KeyCode>>,
    mut reader: ResMut<Reader>,
    mut pages: ResMut<Pages>,
    mut net: ResMut<Net>,
) {
    let Some(open) = reader.open.clone() else {
        return;
    };
    let count = pages
        .info(&open.path)
        .and_then(|i| i.as_ref().ok())
        .map(|i| i.pages);
    let pressed = |k: KeyCode| keys.just_pressed(k);
    let digits = [
        KeyCode::Digit0,
        KeyCode::Digit1,
        KeyCode::Digit2,
        KeyCode::Digit3,
        KeyCode::Digit4,
        KeyCode::Digit5,
        KeyCode::Digit6,
        KeyCode::Digit7,
        KeyCode::Digit8,
        KeyCode::Digit9,
    ];
    let typed_digit = digits.iter().position(|&k| pressed(k));
    let action = if pressed(KeyCode::Escape) {
        if reader.typed.is_empty() {
            Some(ReaderAction::Close)
        } else {
            reader.typed.clear();
            None
        }
    } else if pressed(KeyCode::PageDown) || pressed(KeyCode::ArrowRight) || pressed(KeyCode::Space)
    {
        Some(ReaderAction::Next)
    } else if pressed(KeyCode::PageUp) || pressed(KeyCode::ArrowLeft) {
        Some(ReaderAction::Prev)
    } else if pressed(KeyCode::Home) {
        Some(ReaderAction::Goto(1))
    } else if pressed(KeyCode::End) {
        Some(ReaderAction::Goto(count.unwrap_or(open.page)))
    } else if pressed(KeyCode::Equal) || pressed(KeyCode::NumpadAdd) {
        Some(ReaderAction::ZoomIn)
    } else if pressed(KeyCode::Minus) || pressed(KeyCode::NumpadSubtract) {
        Some(ReaderAction::ZoomOut)
    } else if pressed(KeyCode::KeyW) {
        Some(ReaderAction::FitWidth)
    } else if pressed(KeyCode::KeyT) {
        Some(ReaderAction::Contents)
    } else if pressed(KeyCode::Enter) || pressed(KeyCode::NumpadEnter) {
        let to = reader.typed.parse::<u32>().ok();
        reader.typed.clear();
        to.map(ReaderAction::Goto)
    } else if pressed(KeyCode::Backspace) {
        reader.typed.pop();
        None
    } else if let Some(d) = typed_digit {
        if reader.typed.len() < 6 {
            reader.typed.push(char::from(b'0' + d as u8));
        }
        None
    } else {
        None
    };
    if let Some(a) = action {
        act(a, &mut reader, &mut pages, &mut net);
    }
    // Modal: the presses of this frame are the reader's, but for the window's own (F12's
    // screenshot, Ctrl+Q).
    let ctrl = keys.pressed(KeyCode::ControlLeft) || keys.pressed(KeyCode::ControlRight);
    let taken: Vec<KeyCode> = keys
        .get_just_pressed()
        .copied()
        .filter(|&k| k != KeyCode::F12 && !(ctrl && k == KeyCode::KeyQ))
        .collect();
    for k in taken {
        keys.clear_just_pressed(k);
    }
}

fn buttons(
    pressed: Query<(&Interaction, &ReaderAction), Changed<Interaction>>,
    mut reader: ResMut<Reader>,
    mut pages: ResMut<Pages>,
    mut net: ResMut<Net>,
) {
    for (interaction, action) in &pressed {
        if *interaction == Interaction::Pressed {
            act(*action, &mut reader, &mut pages, &mut net);
        }
    }
}

/// A followed screen's deck and page are the reader's; when it shows none, the reader closes.
fn follow_screen(
    mut reader: ResMut<Reader>,
    mut pages: ResMut<Pages>,
    net: Res<Net>,
    args: Res<ClientArgs>,
) {
    let Some(screen) = reader.open.as_ref().and_then(|o| o.follow) else {
        return;
    };
    let shown = net
        .session
        .as_ref()
        .and_then(|s| s.slide(screen))
        .and_then(|s| Some((pages.deck(&args.assets, s.deck.as_deref()?)?, s.page.max(1))));
    match shown {
        Some((path, page)) => {
            let open = reader.open.as_mut().expect("open");
            if open.path != path || open.page != page {
                open.path = path;
                open.page = page;
            }
        }
        None => reader.open = None,
    }
}

fn claim_input(reader: Res<Reader>, mut claims: ResMut<Claims>) {
    let open = reader.open.is_some();
    if claims.modal != open {
        claims.modal = open;
    }
}
