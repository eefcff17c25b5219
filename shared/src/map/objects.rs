//! Madang's own object classes: what each is and which properties it needs (see
//! `docs/maps.md`). A missing or mistyped property is a problem that names the object.

use std::path::{Path, PathBuf};

use glam::Vec2;
use tiled::{ObjectShape, PropertyValue};

use super::media::media_path;
use super::{
    Bilingual, Booth, DocumentKiosk, HallMap, LinkKiosk, PhotoKiosk, Place, Portal, PrivateArea,
    Rect, Report, SilentArea, SlideScreen, Spawn, Spotlight, Theme, VideoKiosk,
    parse_daily_schedule,
};

/// The map's grid: its cells' size in pixels, and where tile (0, 0) is (infinite maps).
#[derive(Debug, Clone, Copy)]
pub(super) struct Grid {
    pub tile_width: f32,
    pub tile_height: f32,
    pub origin: (i32, i32),
}

impl Grid {
    /// A point of the map's pixels, in tiles.
    pub fn point(&self, x: f32, y: f32) -> Vec2 {
        Vec2::new(
            x / self.tile_width - self.origin.0 as f32,
            y / self.tile_height - self.origin.1 as f32,
        )
    }

    /// A rectangle of the map's pixels, in tiles.
    pub fn rect(&self, x: f32, y: f32, w: f32, h: f32) -> Rect {
        let at = self.point(x, y);
        Rect {
            x: at.x,
            y: at.y,
            w: w / self.tile_width,
            h: h / self.tile_height,
        }
    }
}

/// An object's rectangle in tiles, if it is a rectangle with finite numbers.
pub(super) fn object_rect(object: &tiled::Object<'_>, grid: &Grid) -> Option<Rect> {
    match object.shape {
        ObjectShape::Rect { width, height }
            if [object.x, object.y, width, height]
                .iter()
                .all(|v| v.is_finite()) =>
        {
            Some(grid.rect(object.x, object.y, width, height))
        }
        _ => None,
    }
}

/// Reads one object of a Madang class into the hall, reporting what is wrong with it. False
/// when its class is not one of Madang's (the caller looks further).
pub(super) fn read_object(
    object: &tiled::Object<'_>,
    folder: &Path,
    grid: &Grid,
    hall: &mut HallMap,
    report: &mut Report<'_>,
) -> bool {
    let class = object.user_type.as_str();
    if !super::CLASSES.contains(&class) {
        return false;
    }
    let place = Place::Object {
        id: object.id(),
        name: object.name.clone(),
    };
    let mut props = Props {
        props: &object.properties,
        place: place.clone(),
        report,
        class: &object.user_type,
    };
    let finite = match object.shape {
        ObjectShape::Rect { width, height } => [object.x, object.y, width, height]
            .iter()
            .all(|v| v.is_finite()),
        _ => object.x.is_finite() && object.y.is_finite(),
    };
    if !finite {
        props.problem("the object's position or size is not a finite number");
        return true;
    }
    let rect = object_rect(object, grid);
    let size = hall.size();
    let needs_area = |props: &mut Props<'_, '_>| -> Option<Rect> {
        let Some(r) = rect else {
            props.problem(format!("a {class} must be a rectangle"));
            return None;
        };
        if r.w < 1.0 || r.h < 1.0 {
            props.problem(format!(
                "a {class} must be at least one tile each way (it is {:.2}×{:.2})",
                r.w, r.h
            ));
            return None;
        }
        if r.x < 0.0 || r.y < 0.0 || r.x + r.w > size.x || r.y + r.h > size.y {
            props.problem(format!("the {class} reaches outside the map"));
            return None;
        }
        Some(r)
    };
    let name = props.bilingual_opt("title");
    match class {
        "spawn" => {
            let pos = match rect {
                Some(r) => r.center(),
                None => grid.point(object.x, object.y),
            };
            if object.name.trim().is_empty() {
                props.problem("a spawn needs a name (the object's Name field)");
                return true;
            }
            hall.spawns.push(Spawn {
                object_id: object.id(),
                name: object.name.trim().to_owned(),
                pos,
            });
        }
        "booth" => {
            let org = props.bilingual_required("org");
            let title = props.bilingual_required("title");
            let description = props.bilingual_opt("description");
            let theme = props.string_required("theme").and_then(|t| {
                let theme = Theme::from_id(&t);
                if theme.is_none() {
                    let known: Vec<_> = Theme::ALL.iter().map(|t| t.id()).collect();
                    props.problem(format!("unknown theme `{t}` (known: {})", known.join(", ")));
                }
                theme
            });
            let ballot = props.string_opt("ballot");
            let documents = props
                .string_opt("documents")
                .map(|s| pdf_list(folder, &s, &mut props))
                .unwrap_or_default();
            let rect = needs_area(&mut props);
            if let (Some(org), Some(title), Some(theme), Some(rect)) = (org, title, theme, rect) {
                hall.booths.push(Booth {
                    object_id: object.id(),
                    rect,
                    org,
                    title,
                    description,
                    theme,
                    ballot,
                    documents,
                });
            }
        }
        "photo_kiosk" => {
            let listed = props.string_required("images");
            let images: Vec<PathBuf> = listed
                .as_deref()
                .map(|s| {
                    split_list(s, &[',', '\n'])
                        .filter_map(|p| match media_path(folder, p) {
                            Ok(path) => Some(path),
                            Err(why) => {
                                props.problem(why);
                                None
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            if images.is_empty()
                && listed.is_some_and(|s| split_list(&s, &[',', '\n']).next().is_none())
            {
                props.problem("`images` lists no file");
            }
            for image in &images {
                if !image.is_file() {
                    props.problem(format!("the image `{}` does not exist", image.display()));
                }
            }
            let mut captions: Vec<String> = props
                .string_opt("captions")
                .map(|s| s.split('|').map(|c| c.trim().to_owned()).collect())
                .unwrap_or_default();
            if captions.len() > images.len() {
                props.problem(format!(
                    "{} captions for {} images",
                    captions.len(),
                    images.len()
                ));
            }
            captions.resize(images.len(), String::new());
            let title = name;
            if let Some(rect) = needs_area(&mut props)
                && !images.is_empty()
            {
                hall.photo_kiosks.push(PhotoKiosk {
                    object_id: object.id(),
                    rect,
                    title,
                    images,
                    captions,
                });
            }
        }
        "video_kiosk" => {
            let video = props.string_required("video").and_then(|v| {
                media_path(folder, &v)
                    .map_err(|why| props.problem(why))
                    .ok()
            });
            if let Some(v) = &video
                && !v.is_file()
            {
                props.problem(format!("the video `{}` does not exist", v.display()));
            }
            let schedule = props.string_opt("schedule");
            if let Some(s) = &schedule
                && parse_daily_schedule(s).is_none()
            {
                props.problem(format!(
                    "the schedule `{s}` is not of the form `daily HH:MM`"
                ));
            }
            let title = name;
            if let (Some(rect), Some(video)) = (needs_area(&mut props), video) {
                hall.video_kiosks.push(VideoKiosk {
                    object_id: object.id(),
                    rect,
                    title,
                    video,
                    schedule,
                });
            }
        }
        "document_kiosk" => {
            let documents = props
                .string_required("documents")
                .map(|s| pdf_list(folder, &s, &mut props))
                .unwrap_or_default();
            if let Some(rect) = needs_area(&mut props)
                && !documents.is_empty()
            {
                hall.document_kiosks.push(DocumentKiosk {
                    object_id: object.id(),
                    rect,
                    title: name,
                    documents,
                });
            }
        }
        "slide_screen" => {
            let root = super::media::assets_root(folder);
            let decks: Vec<String> = props
                .string_opt("decks")
                .map(|s| pdf_list(folder, &s, &mut props))
                .unwrap_or_default()
                .iter()
                .filter_map(|p| super::media::name_in_assets(&root, p))
                .collect();
            if let Some(rect) = needs_area(&mut props) {
                hall.slide_screens.push(SlideScreen {
                    object_id: object.id(),
                    rect,
                    title: name,
                    decks,
                });
            }
        }
        "private_area" => {
            let id = props.string_required("id");
            let capacity = props.int_required("capacity").and_then(|c| {
                if (1..=1024).contains(&c) {
                    Some(c as u32)
                } else {
                    props.problem(format!("capacity {c} must be between 1 and 1024"));
                    None
                }
            });
            if let Some(id) = &id
                && hall.private_areas.iter().any(|a| &a.id == id)
            {
                props.problem(format!("another private_area already has the id `{id}`"));
            }
            if let (Some(rect), Some(id), Some(capacity)) = (needs_area(&mut props), id, capacity) {
                hall.private_areas.push(PrivateArea {
                    object_id: object.id(),
                    rect,
                    id,
                    name,
                    capacity,
                });
            }
        }
        "spotlight" => {
            if let Some(rect) = needs_area(&mut props) {
                hall.spotlights.push(Spotlight {
                    object_id: object.id(),
                    rect,
                    name,
                });
            }
        }
        "portal" => {
            let to_map = props.string_required("to_map");
            let to_spawn = props.string_required("to_spawn");
            if let (Some(rect), Some(to_map), Some(to_spawn)) =
                (needs_area(&mut props), to_map, to_spawn)
            {
                hall.portals.push(Portal {
                    object_id: object.id(),
                    object_name: object.name.clone(),
                    rect,
                    to_map,
                    to_spawn,
                    name,
                    optional: false,
                });
            }
        }
        "link_kiosk" => {
            let url = props
                .string_required("url")
                .and_then(|u| match web_address(&u) {
                    Ok(u) => Some(u),
                    Err(why) => {
                        props.problem(why);
                        None
                    }
                });
            if let (Some(rect), Some(url)) = (needs_area(&mut props), url) {
                hall.link_kiosks.push(LinkKiosk {
                    object_id: object.id(),
                    rect,
                    title: name,
                    url,
                });
            }
        }
        "silent_area" => {
            if let Some(rect) = needs_area(&mut props) {
                hall.silent_areas.push(SilentArea {
                    object_id: object.id(),
                    rect,
                });
            }
        }
        "collision" => {
            // Any rectangle, even one smaller than a tile: the tiles whose centres it covers
            // block.
            // Only its part inside the map (a rectangle may reach far out of it).
            match rect {
                Some(r) => {
                    let (x0, y0) = (r.x.max(0.0), r.y.max(0.0));
                    let (x1, y1) = ((r.x + r.w).min(size.x), (r.y + r.h).min(size.y));
                    if x1 > x0 && y1 > y0 {
                        let inside = Rect {
                            x: x0,
                            y: y0,
                            w: x1 - x0,
                            h: y1 - y0,
                        };
                        for (x, y) in inside.tiles() {
                            hall.collision.set_blocked(x as u32, y as u32, true);
                        }
                    }
                }
                None => props.problem("a collision must be a rectangle"),
            }
        }
        _ => {}
    }
    true
}

/// A web address a kiosk may open: `http` or `https`, with a host, and nothing a browser
/// would not take as it is.
pub(super) fn web_address(raw: &str) -> Result<String, String> {
    let url = raw.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("the address `{url}` is not an http or https address"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("the address `{url}` is not a web address"));
    }
    if url.len() > 2048 {
        return Err("the address is longer than 2048 characters".into());
    }
    Ok(url.to_owned())
}

pub(super) fn split_list<'a>(s: &'a str, seps: &'a [char]) -> impl Iterator<Item = &'a str> {
    s.split(seps).map(str::trim).filter(|p| !p.is_empty())
}

pub(super) fn string_prop(props: &tiled::Properties, key: &str) -> Option<String> {
    match props.get(key) {
        Some(PropertyValue::StringValue(s)) | Some(PropertyValue::FileValue(s))
            if !s.trim().is_empty() =>
        {
            Some(s.trim().to_owned())
        }
        _ => None,
    }
}

/// Reads an object's custom properties, reporting the missing and the mistyped.
pub(super) struct Props<'a, 'r> {
    props: &'a tiled::Properties,
    place: Place,
    report: &'a mut Report<'r>,
    class: &'a str,
}

impl Props<'_, '_> {
    fn problem(&mut self, message: impl Into<String>) {
        self.report.push(self.place.clone(), message);
    }

    fn string_opt(&mut self, key: &str) -> Option<String> {
        match self.props.get(key) {
            None => None,
            Some(PropertyValue::StringValue(s)) | Some(PropertyValue::FileValue(s)) => {
                let s = s.trim();
                (!s.is_empty()).then(|| s.to_owned())
            }
            Some(other) => {
                let msg = format!("property `{key}` must be a string, not {other:?}");
                self.problem(msg);
                None
            }
        }
    }

    fn string_required(&mut self, key: &str) -> Option<String> {
        match self.props.get(key) {
            None => {
                let class = self.class.to_owned();
                self.problem(format!("a {class} needs the property `{key}`"));
                None
            }
            Some(PropertyValue::StringValue(s)) | Some(PropertyValue::FileValue(s))
                if s.trim().is_empty() =>
            {
                self.problem(format!("property `{key}` is empty"));
                None
            }
            Some(_) => self.string_opt(key),
        }
    }

    fn int_required(&mut self, key: &str) -> Option<i64> {
        match self.props.get(key) {
            Some(PropertyValue::IntValue(i)) => Some(*i as i64),
            Some(PropertyValue::StringValue(s)) => match s.trim().parse() {
                Ok(i) => Some(i),
                Err(_) => {
                    self.problem(format!(
                        "property `{key}` must be a whole number, not `{s}`"
                    ));
                    None
                }
            },
            Some(other) => {
                self.problem(format!(
                    "property `{key}` must be a whole number, not {other:?}"
                ));
                None
            }
            None => {
                let class = self.class.to_owned();
                self.problem(format!("a {class} needs the property `{key}`"));
                None
            }
        }
    }

    /// `key` (Korean) and `key_en` (English), both required.
    fn bilingual_required(&mut self, key: &str) -> Option<Bilingual> {
        let ko = self.string_required(key);
        let en = self.string_required(&format!("{key}_en"));
        Some(Bilingual { ko: ko?, en: en? })
    }

    /// `key` (Korean) and `key_en` (English), each optional.
    fn bilingual_opt(&mut self, key: &str) -> Bilingual {
        Bilingual {
            ko: self.string_opt(key).unwrap_or_default(),
            en: self.string_opt(&format!("{key}_en")).unwrap_or_default(),
        }
    }
}

/// A list of PDFs (`a.pdf, b.pdf`) relative to the map's folder: each inside the expo's assets
/// folder, a file that exists and starts as a PDF (whether it opens, [`super::check_expo`]
/// finds). What is wrong is a problem; the files that pass are returned.
fn pdf_list(folder: &Path, listed: &str, props: &mut Props<'_, '_>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut any = false;
    for raw in split_list(listed, &[',', '\n']) {
        any = true;
        let path = match media_path(folder, raw) {
            Ok(p) => p,
            Err(why) => {
                props.problem(why);
                continue;
            }
        };
        if !path.is_file() {
            props.problem(format!("the document `{}` does not exist", path.display()));
            continue;
        }
        let mut head = [0u8; 1024];
        let n = std::fs::File::open(&path)
            .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
            .unwrap_or(0);
        if !crate::document::looks_like_pdf(&head[..n]) {
            props.problem(format!(
                "the document `{}` is not a PDF (it does not start with %PDF-)",
                path.display()
            ));
            continue;
        }
        out.push(path);
    }
    if !any {
        props.problem("the list of documents names no file");
    }
    out
}
