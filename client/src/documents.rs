//! PDF pages drawn to bitmaps for the document reader and the slide screens, with `hayro`
//! (pure Rust, no system library). Every page is drawn on a thread of its own with a time limit
//! ([`RENDER_LIMIT`]) and a size limit ([`MAX_SIDE`], [`MAX_PIXELS`]), its panics caught: a
//! broken or hostile PDF is an error the reader shows, never a stalled frame or a crash. A
//! drawing that overruns is given up (its thread finishes alone); while [`MAX_STUCK`] of them
//! still run, further pages are refused rather than piling up threads.
//!
//! Fonts: what a PDF embeds is used; the standard 14 come with hayro; an unembedded Korean
//! (or other CJK) font is drawn with the bundled NanumGothic.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, unbounded};
pub use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_interpret::font::{FontData, FontQuery};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings};
use madang_shared::document::{
    DocumentError, DocumentInfo, inspect_bytes, open_pdf, read_document, within,
};
use tracing::warn;

/// The longest one page may take to draw.
pub const RENDER_LIMIT: Duration = Duration::from_secs(8);
/// The longest side of a drawn page, in pixels.
pub const MAX_SIDE: u32 = 4096;
/// The most pixels of a drawn page.
pub const MAX_PIXELS: u64 = 8 * 1024 * 1024;
/// Drawings past their time limit that may still be running before more are refused.
pub const MAX_STUCK: usize = 2;
/// Documents whose bytes are kept between pages.
const KEPT: usize = 8;

/// A drawn page, 8-bit RGBA rows from the top (opaque: drawn on white).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageImage {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

/// The fonts hayro asks for that a PDF does not carry: the standard 14 from hayro itself, and
/// NanumGothic (when given) for Korean, Chinese and Japanese ones.
pub fn interpreter_settings(fallback: Option<Arc<Vec<u8>>>) -> InterpreterSettings {
    let resolver = move |query: &FontQuery| -> Option<(FontData, u32)> {
        match query {
            FontQuery::Standard(s) => Some(s.get_font_data()),
            FontQuery::Fallback(f) => {
                if f.character_collection.is_some()
                    && let Some(bytes) = &fallback
                {
                    let data: FontData = bytes.clone();
                    return Some((data, 0));
                }
                Some(f.pick_standard_font().get_font_data())
            }
        }
    };
    InterpreterSettings {
        font_resolver: Arc::new(resolver),
        ..Default::default()
    }
}

/// Draws page `page` (from 1) of a PDF's bytes `width` pixels wide (less if the size limits
/// say so), on the calling thread. `path` is for the errors only.
pub fn render_page(
    bytes: Vec<u8>,
    page: u32,
    width: u32,
    settings: &InterpreterSettings,
    path: &Path,
) -> Result<PageImage, DocumentError> {
    let damaged = |why: String| DocumentError::Damaged {
        path: path.to_owned(),
        why,
    };
    let pdf = open_pdf(bytes, path)?;
    let pages = pdf.pages();
    let p = pages
        .get(page.saturating_sub(1) as usize)
        .ok_or_else(|| damaged(format!("it has no page {page}")))?;
    let (w, h) = p.render_dimensions();
    if !(w.is_finite() && h.is_finite() && w >= 1.0 && h >= 1.0) {
        return Err(damaged(format!("page {page} measures {w}×{h}")));
    }
    let mut scale = width.max(16) as f32 / w;
    scale = scale.min(MAX_SIDE as f32 / w).min(MAX_SIDE as f32 / h);
    let area = (w * scale) as f64 * (h * scale) as f64;
    if area > MAX_PIXELS as f64 {
        scale *= (MAX_PIXELS as f64 / area).sqrt() as f32;
    }
    if (w * scale) < 1.0 || (h * scale) < 1.0 {
        return Err(damaged(format!("page {page} measures {w}×{h}")));
    }
    let cache = RenderCache::new();
    let pixmap = hayro::render(
        p,
        &cache,
        settings,
        &RenderSettings::default(),
        &PixmapSettings {
            x_scale: scale,
            y_scale: scale,
            bg_color: WHITE,
        },
    );
    Ok(PageImage {
        width: pixmap.width() as u32,
        height: pixmap.height() as u32,
        rgba: pixmap.data_as_u8_slice().to_vec(),
    })
}

/// What the worker is asked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ask {
    /// The page count and the table of contents.
    Info { path: PathBuf },
    /// A page (from 1), about `width` pixels wide.
    Page {
        path: PathBuf,
        page: u32,
        width: u32,
    },
}

/// What the worker answers.
#[derive(Debug, Clone)]
pub enum Answer {
    Info(Result<DocumentInfo, DocumentError>),
    Page(Result<Arc<PageImage>, DocumentError>),
}

/// Draws pages off the frame: asks go in, answers come back under the same [`Ask`].
pub struct Renderer {
    asks: Sender<Ask>,
    answers: Receiver<(Ask, Answer)>,
}

impl Renderer {
    /// Starts the worker; `font` is the bundled Hangul font for unembedded Korean text.
    pub fn new(font: Option<&Path>) -> std::io::Result<Renderer> {
        let fallback = font.and_then(|f| match std::fs::read(f) {
            Ok(b) => Some(Arc::new(b)),
            Err(e) => {
                warn!(font = %f.display(), error = %e, "no fallback font for PDFs: unembedded Korean text will not show");
                None
            }
        });
        let (asks, ask_rx) = unbounded::<Ask>();
        let (answer_tx, answers) = unbounded();
        std::thread::Builder::new()
            .name("madang-pdf-pages".into())
            .spawn(move || work(ask_rx, answer_tx, fallback))?;
        Ok(Renderer { asks, answers })
    }

    pub fn ask(&self, ask: Ask) {
        let _ = self.asks.send(ask);
    }

    /// The answers come so far.
    pub fn poll(&self) -> Vec<(Ask, Answer)> {
        self.answers.try_iter().collect()
    }
}

fn work(asks: Receiver<Ask>, answers: Sender<(Ask, Answer)>, fallback: Option<Arc<Vec<u8>>>) {
    let stuck = Arc::new(AtomicUsize::new(0));
    let mut kept: HashMap<PathBuf, Arc<Vec<u8>>> = HashMap::new();
    let settings = interpreter_settings(fallback);
    for ask in asks {
        let path = match &ask {
            Ask::Info { path } | Ask::Page { path, .. } => path.clone(),
        };
        let bytes = match kept.get(&path) {
            Some(b) => Ok(b.clone()),
            None => read_document(&path).map(Arc::new),
        };
        let bytes = match bytes {
            Ok(b) => {
                if kept.len() >= KEPT {
                    kept.clear();
                }
                kept.insert(path.clone(), b.clone());
                b
            }
            Err(e) => {
                let answer = match ask {
                    Ask::Info { .. } => Answer::Info(Err(e)),
                    Ask::Page { .. } => Answer::Page(Err(e)),
                };
                if answers.send((ask, answer)).is_err() {
                    return;
                }
                continue;
            }
        };
        let answer = if stuck.load(Ordering::Relaxed) >= MAX_STUCK {
            let e = DocumentError::TimedOut {
                path: path.clone(),
                limit: RENDER_LIMIT,
            };
            match ask {
                Ask::Info { .. } => Answer::Info(Err(e)),
                Ask::Page { .. } => Answer::Page(Err(e)),
            }
        } else {
            match ask.clone() {
                Ask::Info { path } => {
                    let owned = path.clone();
                    let bytes = bytes.clone();
                    Answer::Info(guarded(&path, &stuck, move || {
                        inspect_bytes(bytes.to_vec(), &owned)
                    }))
                }
                Ask::Page { path, page, width } => {
                    let owned = path.clone();
                    let settings = settings.clone();
                    Answer::Page(
                        guarded(&path, &stuck, move || {
                            render_page(bytes.to_vec(), page, width, &settings, &owned)
                        })
                        .map(Arc::new),
                    )
                }
            }
        };
        if answers.send((ask, answer)).is_err() {
            return;
        }
    }
}

/// `f` within [`RENDER_LIMIT`], counted as stuck from its overrun until it ends.
fn guarded<T: Send + 'static>(
    path: &Path,
    stuck: &Arc<AtomicUsize>,
    f: impl FnOnce() -> Result<T, DocumentError> + Send + 'static,
) -> Result<T, DocumentError> {
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (flag, count) = (done.clone(), stuck.clone());
    let result = within(path, RENDER_LIMIT, move || {
        let r = f();
        // A drawing that overran is counted stuck until here.
        if flag.swap(true, Ordering::AcqRel) {
            count.fetch_sub(1, Ordering::AcqRel);
        }
        r
    });
    if matches!(result, Err(DocumentError::TimedOut { .. })) && !done.swap(true, Ordering::AcqRel) {
        stuck.fetch_add(1, Ordering::AcqRel);
    }
    result
}
