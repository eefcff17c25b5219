//! PDF pages as images for the window: asked of the drawing worker ([`crate::documents`]) and
//! kept, the newest [`KEPT_PAGES`] of them, for the reader and the slide screens alike. What a
//! document is (pages, contents, title) is asked once and kept too; a document that cannot be
//! read is kept as its error, which the reader shows.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use bevy::prelude::*;
use madang_shared::document::DocumentInfo;
use tracing::warn;

use super::base::{ClientArgs, FrameSet};
use super::ui::rgba_image;
use crate::documents::{Answer, Ask, Renderer};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Pages>();
    app.add_systems(Startup, start);
    app.add_systems(Update, take_answers.in_set(FrameSet::Sync));
}

/// Drawn pages kept at once (each at most a few megabytes).
pub const KEPT_PAGES: usize = 24;

/// A page at a width, as asked.
pub type PageKey = (PathBuf, u32, u32);

/// What is known of the documents on show.
#[derive(Resource, Default)]
pub struct Pages {
    renderer: Option<Renderer>,
    /// By document: what it is, or why it cannot be read.
    pub info: HashMap<PathBuf, Result<DocumentInfo, String>>,
    /// Drawn pages, and the order they came in (oldest first).
    drawn: HashMap<PageKey, Result<Handle<Image>, String>>,
    order: VecDeque<PageKey>,
    asked: HashSet<Ask>,
    /// Decks named by the server, resolved in the assets (or refused) once, not every frame.
    decks: HashMap<String, Option<PathBuf>>,
}

impl Pages {
    /// What `path` is, asked of the worker the first time.
    pub fn info(&mut self, path: &Path) -> Option<&Result<DocumentInfo, String>> {
        if !self.info.contains_key(path) {
            self.ask(Ask::Info {
                path: path.to_owned(),
            });
        }
        self.info.get(path)
    }

    /// Page `page` of `path` drawn about `width` pixels wide: `None` while it is drawn.
    pub fn page(
        &mut self,
        path: &Path,
        page: u32,
        width: u32,
    ) -> Option<&Result<Handle<Image>, String>> {
        let key = (path.to_owned(), page, width);
        if !self.drawn.contains_key(&key) {
            self.ask(Ask::Page {
                path: path.to_owned(),
                page,
                width,
            });
        }
        self.drawn.get(&key)
    }

    /// Where a deck the server names is in this window's assets (`None`: outside them, or not
    /// a PDF's name), looked up once per name (at most 256 kept).
    pub fn deck(&mut self, assets: &Path, deck: &str) -> Option<PathBuf> {
        if let Some(known) = self.decks.get(deck) {
            return known.clone();
        }
        if self.decks.len() >= 256 {
            self.decks.clear();
        }
        let path = madang_shared::document::document_path(assets, deck).ok();
        self.decks.insert(deck.to_owned(), path.clone());
        path
    }

    fn ask(&mut self, ask: Ask) {
        if let Some(r) = &self.renderer
            && self.asked.insert(ask.clone())
        {
            r.ask(ask);
        }
    }

    /// A document's title for a list: its title in the PDF, else its file name.
    pub fn title(&mut self, path: &Path) -> String {
        let file = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match self.info(path) {
            Some(Ok(info)) if !info.title.trim().is_empty() => info.title.clone(),
            _ => file,
        }
    }
}

fn start(mut pages: ResMut<Pages>, args: Res<ClientArgs>) {
    let font = args.assets.join("fonts").join("NanumGothic.ttf");
    match Renderer::new(Some(&font)) {
        Ok(r) => pages.renderer = Some(r),
        Err(e) => warn!(error = %e, "no thread to draw PDF pages on: documents cannot be shown"),
    }
}

fn take_answers(mut pages: ResMut<Pages>, mut images: ResMut<Assets<Image>>) {
    let Some(r) = &pages.renderer else { return };
    let answers = r.poll();
    for (ask, answer) in answers {
        pages.asked.remove(&ask);
        match (ask, answer) {
            (Ask::Info { path }, Answer::Info(result)) => {
                if let Err(e) = &result {
                    warn!(error = %e, "a document cannot be read");
                }
                // Documents named by maps and the server: a few; a server naming thousands
                // only makes them be read again.
                if pages.info.len() >= 256 {
                    pages.info.clear();
                }
                pages.info.insert(path, result.map_err(|e| e.to_string()));
            }
            (Ask::Page { path, page, width }, Answer::Page(result)) => {
                let key = (path, page, width);
                let value = match result {
                    Ok(img) => Ok(images.add(rgba_image(img.width, img.height, img.rgba.clone()))),
                    Err(e) => {
                        warn!(error = %e, page, "a page cannot be drawn");
                        Err(e.to_string())
                    }
                };
                pages.order.push_back(key.clone());
                pages.drawn.insert(key, value);
                while pages.order.len() > KEPT_PAGES {
                    if let Some(old) = pages.order.pop_front()
                        && let Some(Ok(handle)) = pages.drawn.remove(&old)
                    {
                        images.remove(&handle);
                    }
                }
            }
            _ => {}
        }
    }
}
