//! Halls, read from Tiled TMX files into one model that the server and the client share.
//!
//! Madang's own conventions (object classes, their properties, the `collides` tile property)
//! and the maps drawn for other tools that it reads as they are (WorkAdventure's above all) are
//! documented for organizers in `docs/maps.md`; this module is their one implementation.
//!
//! Whatever a map holds is sorted into two kinds of findings, each naming the file, the object,
//! layer or tile, and what it is about:
//! - **problems** stop a hall from working (no way to read the file, a booth without its
//!   organization, a video that does not exist): the map is refused with *every* problem
//!   listed, so an organizer can fix it in one pass;
//! - **notes** are what a map holds that Madang does not use (an object of a class it does not
//!   know, a WorkAdventure script, an image layer): the hall loads, and `check-map` says what
//!   was left aside.
//!
//! # Layout
//! - this file: the model ([`HallMap`] and its parts), the findings, loading a hall or an expo;
//! - `read`: the TMX file (tilesets, layers, collision, the grid of any tile size, infinite
//!   maps);
//! - `objects`: Madang's object classes;
//! - `workadventure`: WorkAdventure's conventions (start layers, `area` objects, `floorLayer`);
//! - `check`: what needs the whole hall (spawns in walls, booths in walls);
//! - `media`: files a map names (photos, videos), kept inside the expo's folder.

mod check;
mod media;
mod objects;
mod read;
mod workadventure;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use glam::Vec2;

use crate::rules::Blocking;

pub use media::{assets_root, media_path, name_in_assets};
pub use workadventure::{ExitTarget, exit_target};

/// The size a tile is drawn at on screen, in pixels, whatever the size of the map's own tiles
/// (which are scaled to it).
pub const TILE_PX: u32 = 32;

/// Text in the two languages the UI speaks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bilingual {
    pub ko: String,
    pub en: String,
}

impl Bilingual {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ko if !self.ko.is_empty() => &self.ko,
            Lang::En if !self.en.is_empty() => &self.en,
            _ if self.ko.is_empty() => &self.en,
            _ => &self.ko,
        }
    }

    /// The same text in both languages (a name from a map drawn for another tool).
    pub fn both(s: impl Into<String>) -> Self {
        let s = s.into();
        Bilingual {
            ko: s.clone(),
            en: s,
        }
    }
}

/// The UI languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Lang {
    #[default]
    Ko,
    En,
}

/// An axis-aligned rectangle in tiles; `x`, `y` is the top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect {
    pub fn contains(&self, p: Vec2) -> bool {
        p.x >= self.x && p.x < self.x + self.w && p.y >= self.y && p.y < self.y + self.h
    }

    pub fn center(&self) -> Vec2 {
        Vec2::new(self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// The tiles whose centres lie inside the rectangle.
    pub fn tiles(&self) -> impl Iterator<Item = (i32, i32)> + use<> {
        let x0 = (self.x - 0.5).ceil() as i32;
        let x1 = (self.x + self.w - 0.5).ceil() as i32;
        let y0 = (self.y - 0.5).ceil() as i32;
        let y1 = (self.y + self.h - 0.5).ceil() as i32;
        (y0..y1).flat_map(move |y| (x0..x1).map(move |x| (x, y)))
    }
}

/// The four themes of the model expo's halls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Theme {
    SocialValue,
    DigitalServices,
    Participation,
    RegionalInnovation,
}

impl Theme {
    pub const ALL: [Theme; 4] = [
        Theme::SocialValue,
        Theme::DigitalServices,
        Theme::Participation,
        Theme::RegionalInnovation,
    ];

    /// The id used in maps (the booth's `theme` property).
    pub fn id(self) -> &'static str {
        match self {
            Theme::SocialValue => "social_value",
            Theme::DigitalServices => "digital_services",
            Theme::Participation => "participation",
            Theme::RegionalInnovation => "regional_innovation",
        }
    }

    pub fn name(self) -> Bilingual {
        let (ko, en) = match self {
            Theme::SocialValue => ("사회적 가치", "Social value"),
            Theme::DigitalServices => ("디지털 서비스", "Digital services"),
            Theme::Participation => ("참여·협력", "Participation and cooperation"),
            Theme::RegionalInnovation => ("지역 혁신", "Regional innovation"),
        };
        Bilingual {
            ko: ko.into(),
            en: en.into(),
        }
    }

    pub fn from_id(id: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.id() == id)
    }
}

/// Where arrivals appear.
#[derive(Debug, Clone, PartialEq)]
pub struct Spawn {
    /// The object it was read from (0 for a start layer or the middle of a map with none).
    pub object_id: u32,
    pub name: String,
    pub pos: Vec2,
}

/// An organization's booth area.
#[derive(Debug, Clone, PartialEq)]
pub struct Booth {
    pub object_id: u32,
    pub rect: Rect,
    pub org: Bilingual,
    pub title: Bilingual,
    pub description: Bilingual,
    pub theme: Theme,
    pub ballot: Option<String>,
    /// PDFs shown in the booth's panel (casebooks), resolved against the map file's folder.
    pub documents: Vec<PathBuf>,
}

/// A photo gallery.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoKiosk {
    pub object_id: u32,
    pub rect: Rect,
    pub title: Bilingual,
    /// Image files, resolved against the map file's folder.
    pub images: Vec<PathBuf>,
    /// One caption per image (empty where the map gives none).
    pub captions: Vec<String>,
}

/// A video screen.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoKiosk {
    pub object_id: u32,
    pub rect: Rect,
    pub title: Bilingual,
    /// The video file, resolved against the map file's folder.
    pub video: PathBuf,
    /// When it plays by itself, e.g. `daily 14:00` (in the expo's time zone).
    pub schedule: Option<String>,
}

/// A stand of PDF documents (casebooks, leaflets) a visitor pages through.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentKiosk {
    pub object_id: u32,
    pub rect: Rect,
    pub title: Bilingual,
    /// PDF files, resolved against the map file's folder.
    pub documents: Vec<PathBuf>,
}

/// A big screen for slides, which presenters turn for the whole hall.
#[derive(Debug, Clone, PartialEq)]
pub struct SlideScreen {
    pub object_id: u32,
    pub rect: Rect,
    pub title: Bilingual,
    /// Decks offered to its presenters, by their names in the expo's assets folder
    /// (`documents/daegu.pdf`, as [`crate::protocol::SlideAction::Open`] names them).
    pub decks: Vec<String>,
}

/// A place that shows a web address and opens it in the visitor's browser once they agree
/// (WorkAdventure's `openWebsite`, or Madang's `link_kiosk`).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkKiosk {
    pub object_id: u32,
    pub rect: Rect,
    pub title: Bilingual,
    /// An `http` or `https` address.
    pub url: String,
}

/// A discussion table or meeting room.
#[derive(Debug, Clone, PartialEq)]
pub struct PrivateArea {
    pub object_id: u32,
    pub rect: Rect,
    /// The area's id, unique in its hall.
    pub id: String,
    pub name: Bilingual,
    /// How many people fit, at least 1.
    pub capacity: u32,
}

/// A place where proximity talk is off: nobody in it joins a conversation bubble
/// (WorkAdventure's `silent`, or Madang's `silent_area`).
#[derive(Debug, Clone, PartialEq)]
pub struct SilentArea {
    pub object_id: u32,
    pub rect: Rect,
}

/// A stage: whoever stands on it reaches the whole room.
#[derive(Debug, Clone, PartialEq)]
pub struct Spotlight {
    pub object_id: u32,
    pub rect: Rect,
    pub name: Bilingual,
}

/// A door to another hall.
#[derive(Debug, Clone, PartialEq)]
pub struct Portal {
    pub object_id: u32,
    /// The object's (or layer's) name in Tiled, for messages.
    pub object_name: String,
    pub rect: Rect,
    pub to_map: String,
    /// The spawn to arrive at; empty for the other hall's first.
    pub to_spawn: String,
    pub name: Bilingual,
    /// Read from a map drawn for another tool (WorkAdventure's `exitUrl`): a door to a map that
    /// is not in the expo is left out with a note rather than refused.
    pub optional: bool,
}

/// One tile on a layer: which tileset, which tile in it, and how it is flipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileRef {
    pub tileset: u16,
    pub index: u32,
    pub flip_h: bool,
    pub flip_v: bool,
    /// Flipped across its top-left to bottom-right diagonal (with the others, Tiled's
    /// rotations).
    pub flip_d: bool,
}

/// A tile layer, row by row from the top-left, as it is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct TileLayer {
    /// Its name, with the groups it is in (`walls/front`).
    pub name: String,
    /// 0 to 1, with the opacities of its groups.
    pub opacity: f32,
    /// Where it is drawn, in the map's pixels (with its groups' offsets).
    pub offset: (f32, f32),
    /// Drawn over the people (after WorkAdventure's `floorLayer`, or with `above = true`).
    pub above: bool,
    pub tiles: Vec<Option<TileRef>>,
}

/// One frame of an animated tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// The tile shown, in the same tileset.
    pub tile: u32,
    pub ms: u32,
}

/// The pictures of a tileset's tiles.
#[derive(Debug, Clone, PartialEq)]
pub enum TileImages {
    /// One image cut into tiles of the tileset's size.
    Sheet {
        /// The image file, resolved against the tileset's folder.
        image: PathBuf,
        width: u32,
        height: u32,
        columns: u32,
        margin: u32,
        spacing: u32,
    },
    /// A collection: an image of its own for each tile, by tile id.
    Collection(BTreeMap<u32, TileImage>),
}

/// The image of one tile of a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct TileImage {
    pub image: PathBuf,
    pub width: u32,
    pub height: u32,
}

/// A tileset as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Tileset {
    pub name: String,
    /// The size of its tiles, in pixels (a tile larger than the map's grid stands on its
    /// cell's bottom-left corner and reaches up and right, as in Tiled).
    pub tile_width: u32,
    pub tile_height: u32,
    pub tile_count: u32,
    /// Pixels its tiles are drawn shifted by (Tiled's tile offset).
    pub offset: (i32, i32),
    pub images: TileImages,
    /// Animated tiles: the tile's frames, by tile id.
    pub animations: BTreeMap<u32, Vec<Frame>>,
}

/// A tile placed as an object (Tiled's "insert tile"): drawn, with no other meaning.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoration {
    pub object_id: u32,
    pub tile: TileRef,
    /// Where the picture is drawn, in tiles (its top-left corner and size).
    pub rect: Rect,
    pub opacity: f32,
    /// Drawn over the people (on an object layer after `floorLayer`, or `above = true`).
    pub above: bool,
}

/// Which tiles block movement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollisionGrid {
    pub width: u32,
    pub height: u32,
    blocked: Vec<bool>,
}

impl CollisionGrid {
    pub fn new(width: u32, height: u32) -> Self {
        CollisionGrid {
            width,
            height,
            blocked: vec![false; (width * height) as usize],
        }
    }

    pub fn set_blocked(&mut self, x: u32, y: u32, blocked: bool) {
        if x < self.width && y < self.height {
            self.blocked[(y * self.width + x) as usize] = blocked;
        }
    }

    /// How many tiles block.
    pub fn count(&self) -> usize {
        self.blocked.iter().filter(|b| **b).count()
    }
}

impl Blocking for CollisionGrid {
    fn blocked(&self, x: i32, y: i32) -> bool {
        if x < 0 || y < 0 || x as u32 >= self.width || y as u32 >= self.height {
            return true;
        }
        self.blocked[(y as u32 * self.width + x as u32) as usize]
    }
}

/// One hall, as both sides see it. Everything is in tiles (y down) but the tile layers'
/// offsets, which are in the map's pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct HallMap {
    /// The hall's id: the file name without `.tmx`.
    pub id: String,
    /// The TMX file it was read from.
    pub source: PathBuf,
    pub title: Bilingual,
    /// Size in tiles.
    pub width: u32,
    pub height: u32,
    /// The size of the map's grid cells, in its own pixels.
    pub tile_width: u32,
    pub tile_height: u32,
    /// For an infinite map, the tile of Tiled's grid that is tile (0, 0) here (the corner of
    /// the box its tiles fill); (0, 0) for a finite map.
    pub origin: (i32, i32),
    pub tilesets: Vec<Tileset>,
    pub layers: Vec<TileLayer>,
    pub decorations: Vec<Decoration>,
    pub collision: CollisionGrid,
    pub spawns: Vec<Spawn>,
    pub booths: Vec<Booth>,
    pub photo_kiosks: Vec<PhotoKiosk>,
    pub video_kiosks: Vec<VideoKiosk>,
    pub link_kiosks: Vec<LinkKiosk>,
    pub document_kiosks: Vec<DocumentKiosk>,
    pub slide_screens: Vec<SlideScreen>,
    pub private_areas: Vec<PrivateArea>,
    pub silent_areas: Vec<SilentArea>,
    pub spotlights: Vec<Spotlight>,
    pub portals: Vec<Portal>,
    /// What the map holds that Madang does not use (see the module's notes).
    pub notes: Vec<MapProblem>,
}

impl HallMap {
    /// A hall of `width` × `height` cells of [`TILE_PX`] with nothing in it, for tests and
    /// tools that build one by hand.
    pub fn empty(id: &str, width: u32, height: u32) -> Self {
        HallMap {
            id: id.to_owned(),
            source: PathBuf::new(),
            title: Bilingual::both(id),
            width,
            height,
            tile_width: TILE_PX,
            tile_height: TILE_PX,
            origin: (0, 0),
            tilesets: Vec::new(),
            layers: Vec::new(),
            decorations: Vec::new(),
            collision: CollisionGrid::new(width, height),
            spawns: Vec::new(),
            booths: Vec::new(),
            photo_kiosks: Vec::new(),
            video_kiosks: Vec::new(),
            link_kiosks: Vec::new(),
            document_kiosks: Vec::new(),
            slide_screens: Vec::new(),
            private_areas: Vec::new(),
            silent_areas: Vec::new(),
            spotlights: Vec::new(),
            portals: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The spawn with this name, or the first one (for no name or an empty one).
    pub fn spawn(&self, name: Option<&str>) -> Option<&Spawn> {
        match name {
            Some(n) if !n.is_empty() => self.spawns.iter().find(|s| s.name == n),
            _ => self.spawns.first(),
        }
    }

    /// The portal whose area holds this position.
    pub fn portal_at(&self, pos: Vec2) -> Option<&Portal> {
        self.portals.iter().find(|p| p.rect.contains(pos))
    }

    /// The private area whose area holds this position.
    pub fn private_area_at(&self, pos: Vec2) -> Option<&PrivateArea> {
        self.private_areas.iter().find(|a| a.rect.contains(pos))
    }

    /// Whether proximity talk is off at this position.
    pub fn silent_at(&self, pos: Vec2) -> bool {
        self.silent_areas.iter().any(|a| a.rect.contains(pos))
    }

    /// Whether this position is on a stage.
    pub fn on_spotlight(&self, pos: Vec2) -> bool {
        self.spotlights.iter().any(|s| s.rect.contains(pos))
    }

    /// Size in tiles, as a vector.
    pub fn size(&self) -> Vec2 {
        Vec2::new(self.width as f32, self.height as f32)
    }
}

/// Where in a map a finding is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    File,
    Object { id: u32, name: String },
    Tile { x: u32, y: u32, layer: String },
    Tileset { name: String },
    Layer { name: String },
}

/// One finding about a map: a problem, or a note (by the list it is in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapProblem {
    pub file: PathBuf,
    pub place: Place,
    pub message: String,
}

impl fmt::Display for MapProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file.display())?;
        match &self.place {
            Place::File => {}
            Place::Object { id, name } if name.is_empty() => write!(f, "object {id}: ")?,
            Place::Object { id, name } => write!(f, "object {id} ({name}): ")?,
            Place::Tile { x, y, layer } => write!(f, "tile ({x}, {y}) in layer `{layer}`: ")?,
            Place::Tileset { name } => write!(f, "tileset `{name}`: ")?,
            Place::Layer { name } => write!(f, "layer `{name}`: ")?,
        }
        f.write_str(&self.message)
    }
}

/// Every problem found in a set of maps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct MapErrors(pub Vec<MapProblem>);

impl fmt::Display for MapErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "{n} problem{} in the maps:",
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.0 {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

/// The object classes Madang knows.
pub const CLASSES: [&str; 12] = [
    "spawn",
    "booth",
    "photo_kiosk",
    "video_kiosk",
    "link_kiosk",
    "document_kiosk",
    "slide_screen",
    "private_area",
    "silent_area",
    "spotlight",
    "portal",
    "collision",
];

/// Loads one hall and checks it on its own (portals to other maps are checked by
/// [`load_expo`]).
pub fn load_hall(path: &Path) -> Result<HallMap, MapErrors> {
    let mut problems = Vec::new();
    match read::read_hall(path, None, &mut problems) {
        Some(hall) if problems.is_empty() => Ok(hall),
        _ => Err(MapErrors(problems)),
    }
}

/// Loads a hall from TMX text that stands for the file at `path` (tilesets and images are
/// still read next to it): how a client takes a hall the server reloaded.
pub fn load_hall_text(path: &Path, tmx: &str) -> Result<HallMap, MapErrors> {
    let mut problems = Vec::new();
    match read::read_hall(path, Some(tmx), &mut problems) {
        Some(hall) if problems.is_empty() => Ok(hall),
        _ => Err(MapErrors(problems)),
    }
}

/// Loads a set of halls and checks them together: each on its own, and every portal against
/// the hall it leads to. A portal to a map not in `paths` is looked for next to the map that
/// holds it (`<to_map>.tmx`), and that map is loaded and checked too. A door read from another
/// tool's map that leads nowhere in the expo is left out, with a note.
pub fn load_expo(paths: &[PathBuf]) -> Result<Vec<HallMap>, MapErrors> {
    let (halls, problems) = read_expo(paths);
    if problems.is_empty() {
        Ok(halls)
    } else {
        Err(MapErrors(problems))
    }
}

/// What `check-map` finds, whether or not there are problems: the halls that could be read
/// (with their notes), and every problem, including the PDFs that do not open (each opened with
/// the document module's size and time limits). [`load_expo`] makes the same checks but that
/// last: it runs where a stall is not allowed (a live reload on the server's tick), and a
/// document that does not open is shown as such where it is used.
pub fn check_expo(paths: &[PathBuf]) -> (Vec<HallMap>, Vec<MapProblem>) {
    let (halls, mut problems) = read_expo(paths);
    check_documents(&halls, &mut problems);
    (halls, problems)
}

/// The halls and their problems, every check but opening the PDFs.
fn read_expo(paths: &[PathBuf]) -> (Vec<HallMap>, Vec<MapProblem>) {
    let mut problems = Vec::new();
    let mut halls: Vec<HallMap> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut queue: Vec<PathBuf> = paths.to_vec();
    let mut i = 0;
    while i < queue.len() {
        let path = queue[i].clone();
        i += 1;
        let id = hall_id(&path);
        if !seen.insert(id.clone()) {
            continue;
        }
        let Some(hall) = read::read_hall(&path, None, &mut problems) else {
            continue;
        };
        for portal in &hall.portals {
            if seen.contains(&portal.to_map) || queue.iter().any(|p| hall_id(p) == portal.to_map) {
                continue;
            }
            let sibling = path
                .parent()
                .unwrap_or(Path::new(""))
                .join(format!("{}.tmx", portal.to_map));
            if sibling.is_file() {
                queue.push(sibling);
            }
        }
        halls.push(hall);
    }
    let mut notes: Vec<(usize, MapProblem)> = Vec::new();
    let mut dropped: Vec<(usize, u32, String)> = Vec::new();
    for (h, hall) in halls.iter().enumerate() {
        for portal in &hall.portals {
            let place = Place::Object {
                id: portal.object_id,
                name: portal.object_name.clone(),
            };
            let finding = |message: String| MapProblem {
                file: hall.source.clone(),
                place: place.clone(),
                message,
            };
            let target = halls.iter().find(|t| t.id == portal.to_map);
            let trouble = match target {
                None if !seen.contains(&portal.to_map) => Some(format!(
                    "portal leads to map `{}`, but there is no {}.tmx beside this map",
                    portal.to_map, portal.to_map
                )),
                // The target exists but is broken: its own problems are listed already.
                None => None,
                Some(t) if t.spawn(Some(&portal.to_spawn)).is_none() => Some(format!(
                    "portal leads to spawn `{}` in map `{}`, which has no spawn of that name",
                    portal.to_spawn, portal.to_map
                )),
                Some(_) => None,
            };
            match trouble {
                Some(why) if portal.optional => {
                    notes.push((h, finding(format!("{why}; the door is left out"))));
                    dropped.push((h, portal.object_id, portal.object_name.clone()));
                }
                Some(why) => problems.push(finding(why)),
                None => {}
            }
        }
    }
    for (h, id, name) in dropped {
        halls[h]
            .portals
            .retain(|p| !(p.object_id == id && p.object_name == name));
    }
    for (h, note) in notes {
        halls[h].notes.push(note);
    }
    (halls, problems)
}

/// Opens every PDF the halls name (each once, with the document module's size and time
/// limits): one that does not open is a problem of the object that names it.
fn check_documents(halls: &[HallMap], problems: &mut Vec<MapProblem>) {
    let mut opened: HashMap<PathBuf, Option<String>> = HashMap::new();
    for hall in halls {
        let root = media::assets_root(hall.source.parent().unwrap_or(Path::new("")));
        let booths = hall
            .booths
            .iter()
            .map(|b| (b.object_id, b.documents.clone()));
        let kiosks = hall
            .document_kiosks
            .iter()
            .map(|k| (k.object_id, k.documents.clone()));
        let screens = hall.slide_screens.iter().map(|s| {
            let decks = s.decks.iter().map(|d| root.join(d)).collect::<Vec<_>>();
            (s.object_id, decks)
        });
        for (object, files) in booths.chain(kiosks).chain(screens) {
            for file in files {
                let why = opened.entry(file.clone()).or_insert_with(|| {
                    crate::document::inspect_within(&file, crate::document::OPEN_LIMIT)
                        .err()
                        .map(|e| e.to_string())
                });
                if let Some(why) = why {
                    problems.push(MapProblem {
                        file: hall.source.clone(),
                        place: Place::Object {
                            id: object,
                            name: String::new(),
                        },
                        message: format!("the document does not open: {why}"),
                    });
                }
            }
        }
    }
}

/// Every `.tmx` file in a folder, sorted by name.
pub fn maps_in_dir(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "tmx") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// A hall's id: its file name without the extension.
pub fn hall_id(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Parses a `daily HH:MM` schedule into minutes after midnight.
pub fn parse_daily_schedule(s: &str) -> Option<u32> {
    let rest = s.trim().strip_prefix("daily")?.trim();
    let (h, m) = rest.split_once(':')?;
    let (h, m): (u32, u32) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// The booths of a hall grouped by theme, in map order.
pub fn booths_by_theme(hall: &HallMap) -> BTreeMap<&'static str, Vec<&Booth>> {
    let mut out: BTreeMap<&'static str, Vec<&Booth>> = BTreeMap::new();
    for b in &hall.booths {
        out.entry(b.theme.id()).or_default().push(b);
    }
    out
}

/// Collects the findings for one file: its problems go to the caller's list, its notes into
/// the hall.
struct Report<'a> {
    file: &'a Path,
    problems: &'a mut Vec<MapProblem>,
    notes: Vec<MapProblem>,
}

impl Report<'_> {
    fn file(&mut self, message: impl Into<String>) {
        self.push(Place::File, message);
    }

    fn push(&mut self, place: Place, message: impl Into<String>) {
        self.problems.push(MapProblem {
            file: self.file.to_path_buf(),
            place,
            message: message.into(),
        });
    }

    fn note(&mut self, place: Place, message: impl Into<String>) {
        self.notes.push(MapProblem {
            file: self.file.to_path_buf(),
            place,
            message: message.into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rect_tiles_are_those_whose_centres_are_inside() {
        let r = Rect {
            x: 1.0,
            y: 2.0,
            w: 2.0,
            h: 1.0,
        };
        assert_eq!(r.tiles().collect::<Vec<_>>(), vec![(1, 2), (2, 2)]);
    }

    #[test]
    fn daily_schedules() {
        assert_eq!(parse_daily_schedule("daily 14:00"), Some(14 * 60));
        assert_eq!(parse_daily_schedule("daily 9:05"), Some(9 * 60 + 5));
        assert_eq!(parse_daily_schedule("daily 24:00"), None);
        assert_eq!(parse_daily_schedule("weekly 14:00"), None);
    }

    #[test]
    fn bilingual_falls_back_to_the_other_language() {
        let t = Bilingual {
            ko: "안내".into(),
            en: String::new(),
        };
        assert_eq!(t.get(Lang::En), "안내");
        assert_eq!(t.get(Lang::Ko), "안내");
    }
}
