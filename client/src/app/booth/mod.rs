//! Booths and kiosks up close: a prompt when you stand at one, and its panel when you open it
//! (E or a click): the organization, theme, title and description, the photo gallery (next,
//! previous, zoom), the video, hearts, the vote and the comments with a text field. Esc or
//! walking away closes it.
//!
//! # Layout
//! - `panel`: the panel's parts, spawned once;
//! - `actions`: keys and buttons;
//! - `show`: the prompt, the panel and the zoomed view drawn from the state here;
//! - `photos`: gallery photos decoded off the frame;
//! - `comments`, `vote`: what a booth's visitors leave.

mod actions;
mod comments;
mod documents;
mod link;
mod panel;
mod photos;
mod show;
mod vote;

use std::path::PathBuf;

use bevy::prelude::*;
use madang_shared::map::{HallMap, Lang};
use madang_shared::protocol::CommentView;
use madang_shared::visit::{KIOSK_REACH, Visit, distance_to};

pub use photos::Photos;

use super::base::{FrameSet, Phase};
use super::hall::{DrawnHall, map_and_me};
use super::i18n::{Key, t};
use super::net::Net;
use super::screen::Screens;
use super::walk::{self, OpenVisit};
use crate::session::Session;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Panel>();
    app.init_resource::<Photos>();
    app.add_systems(OnEnter(Phase::Hall), panel::spawn);
    app.add_systems(OnExit(Phase::Hall), |mut p: ResMut<Panel>| {
        p.drawn_generation = u64::MAX
    });
    app.add_systems(
        Update,
        (
            open_visits,
            close_when_away,
            actions::keys,
            actions::buttons,
            comments::send_comment,
            comments::hear_the_server,
            photos::load_photos,
            link::ask_and_open,
            documents::open_documents,
        )
            .chain()
            .in_set(FrameSet::Sync)
            .after(walk::arrive),
    );
    app.add_systems(
        Update,
        (
            show::show_prompt,
            show::show_panel,
            comments::show_comments,
            documents::list_documents,
            show::show_zoom,
        )
            .chain()
            .in_set(FrameSet::View),
    );
}

/// What the panel shows, and what it waits for from the server.
#[derive(Resource, Default)]
pub struct Panel {
    /// The booth or kiosk open now.
    pub open: Option<Visit>,
    /// The photo on show, in the gallery's order.
    photo: usize,
    pub zoom: Option<Zoom>,
    comments: Vec<CommentView>,
    more: bool,
    /// Bumped whenever `comments` changes, so the list is redrawn only then.
    comments_generation: u64,
    drawn_generation: u64,
    /// The request for the newest page, and for an older one.
    first_page: Option<u32>,
    older_page: Option<u32>,
    /// The booth's comment count when the list was last read.
    read_count: Option<u32>,
    /// Requests waiting for the server's answer.
    asked: Vec<(u32, Ask)>,
    /// The last answer worth telling: the text, and whether it is an error.
    notice: Option<(String, bool)>,
    /// A link kiosk's address to open once the visitor agrees (`link`).
    open_link: Option<(String, String)>,
}

/// What the zoomed view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zoom {
    Photo,
    Video,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    Heart,
    Comment,
    Vote,
    Hide,
}

impl Panel {
    /// Opens a booth or kiosk; a booth's comments are asked for at once.
    pub fn open(&mut self, visit: Visit, session: Option<&mut Session>) {
        if self.open == Some(visit) {
            return;
        }
        *self = Panel {
            open: Some(visit),
            comments_generation: self.comments_generation + 1,
            ..default()
        };
        if let (Visit::Booth(id), Some(session)) = (visit, session) {
            self.first_page = Some(session.read_comments(id, None));
        }
    }

    pub fn close(&mut self) {
        self.open = None;
        self.zoom = None;
    }

    pub(super) fn booth(&self) -> Option<u32> {
        match self.open {
            Some(Visit::Booth(id)) => Some(id),
            _ => None,
        }
    }

    pub(super) fn tell(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Some((text.into(), error));
    }
}

/// What an open visit holds: its photos (with captions) and its screen.
pub(super) struct Contents {
    title: String,
    subtitle: String,
    description: String,
    photos: Vec<(PathBuf, String)>,
    screen: Option<u32>,
    booth: Option<u32>,
    /// A link kiosk's address.
    link: Option<String>,
    /// PDFs to read (casebooks), in the map's order.
    pub documents: Vec<PathBuf>,
}

pub(super) fn contents(map: &HallMap, visit: Visit, lang: Lang) -> Option<Contents> {
    let gallery = |k: &madang_shared::map::PhotoKiosk| {
        k.images
            .iter()
            .cloned()
            .zip(k.captions.iter().cloned())
            .collect::<Vec<_>>()
    };
    match visit {
        Visit::Booth(id) => {
            let b = map.booths.iter().find(|b| b.object_id == id)?;
            Some(Contents {
                title: b.title.get(lang).to_owned(),
                subtitle: format!("{} · {}", b.org.get(lang), b.theme.name().get(lang)),
                description: b.description.get(lang).to_owned(),
                photos: map.galleries_of(b).flat_map(gallery).collect(),
                screen: map.screens_of(b).next().map(|k| k.object_id),
                booth: Some(id),
                link: None,
                documents: map.documents_of(b),
            })
        }
        Visit::Gallery(id) => {
            let k = map.photo_kiosks.iter().find(|k| k.object_id == id)?;
            Some(Contents {
                title: k.title.get(lang).to_owned(),
                subtitle: t(lang, Key::Gallery).to_owned(),
                description: String::new(),
                photos: gallery(k),
                screen: None,
                booth: None,
                link: None,
                documents: Vec::new(),
            })
        }
        Visit::Screen(id) => {
            let k = map.video_kiosks.iter().find(|k| k.object_id == id)?;
            Some(Contents {
                title: k.title.get(lang).to_owned(),
                subtitle: t(lang, Key::Screen).to_owned(),
                description: String::new(),
                photos: Vec::new(),
                screen: Some(id),
                booth: None,
                link: None,
                documents: Vec::new(),
            })
        }
        Visit::Link(i) => {
            let k = map.link_kiosks.get(i as usize)?;
            Some(Contents {
                title: k.title.get(lang).to_owned(),
                subtitle: t(lang, Key::Website).to_owned(),
                description: k.url.clone(),
                photos: Vec::new(),
                screen: None,
                booth: None,
                link: Some(k.url.clone()),
                documents: Vec::new(),
            })
        }
        Visit::Documents(id) => {
            let k = map.document_kiosks.iter().find(|k| k.object_id == id)?;
            Some(Contents {
                title: k.title.get(lang).to_owned(),
                subtitle: t(lang, Key::Documents).to_owned(),
                description: String::new(),
                photos: Vec::new(),
                screen: None,
                booth: None,
                link: None,
                documents: k.documents.clone(),
            })
        }
    }
}

/// Where a visit stands in the hall.
fn visit_rect(map: &HallMap, visit: Visit) -> Option<madang_shared::map::Rect> {
    match visit {
        Visit::Booth(id) => map
            .booths
            .iter()
            .find(|b| b.object_id == id)
            .map(|b| b.rect),
        Visit::Gallery(id) => map
            .photo_kiosks
            .iter()
            .find(|k| k.object_id == id)
            .map(|k| k.rect),
        Visit::Screen(id) => map
            .video_kiosks
            .iter()
            .find(|k| k.object_id == id)
            .map(|k| k.rect),
        Visit::Link(i) => map.link_kiosks.get(i as usize).map(|k| k.rect),
        Visit::Documents(id) => map
            .document_kiosks
            .iter()
            .find(|k| k.object_id == id)
            .map(|k| k.rect),
    }
}

/// A walk reached a booth or kiosk, or a click opened the one you stand at.
fn open_visits(
    mut opens: MessageReader<OpenVisit>,
    mut panel: ResMut<Panel>,
    mut net: ResMut<Net>,
) {
    for OpenVisit(v) in opens.read() {
        panel.open(*v, net.session.as_mut());
    }
}

// --- input ----------------------------------------------------------------------------------

fn close_when_away(mut panel: ResMut<Panel>, net: Res<Net>, drawn: Res<DrawnHall>) {
    let Some(open) = panel.open else { return };
    let Some((map, me)) = map_and_me(&net, &drawn) else {
        panel.close();
        return;
    };
    let still_there = match visit_rect(map, open) {
        None => false,
        Some(r) => match open {
            Visit::Booth(_) => r.contains(me.pos),
            _ => distance_to(&r, me.pos) <= KIOSK_REACH + 0.5,
        },
    };
    if !still_there {
        panel.close();
    }
}

/// Whether the panel shows a booth with its photo decoded and its video's first picture:
/// what the screenshot test waits for.
pub fn showing_media(panel: &Panel, photos: &Photos, screens: &Screens, map: &HallMap) -> bool {
    let Some(c) = panel.open.and_then(|v| contents(map, v, Lang::En)) else {
        return false;
    };
    let photo_ready = c.photos.first().is_none_or(|(p, _)| {
        photos
            .by_path
            .get(p)
            .is_some_and(|s| s.size.is_some() || s.failed)
    });
    let video_ready = c.screen.is_none_or(|id| {
        screens
            .by_kiosk
            .get(&id)
            .is_some_and(|s| s.has_picture || s.failure.is_some())
    });
    photo_ready && video_ready
}
