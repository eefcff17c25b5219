//! Halls, read from Tiled TMX files into one model that the server and the client share.
//!
//! The conventions (object classes, their properties, the `collides` tile property) are
//! documented for organizers in `docs/maps.md`; this module is their one implementation. A map
//! that breaks them is refused with *every* problem listed, each naming the file, the object or
//! tile, and what is wrong, so an organizer can fix a map in one pass.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use glam::Vec2;
use tiled::{LayerType, ObjectShape, PropertyValue};

use crate::rules::{AVATAR_HALF, Blocking, overlaps_blocked};

/// The only tile size Madang draws, in pixels.
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
    /// The object's name in Tiled, for messages.
    pub object_name: String,
    pub rect: Rect,
    pub to_map: String,
    pub to_spawn: String,
    pub name: Bilingual,
}

/// One tile on a layer: which tileset, which tile in it, and how it is flipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileRef {
    pub tileset: u16,
    pub index: u32,
    pub flip_h: bool,
    pub flip_v: bool,
    pub flip_d: bool,
}

/// A tile layer, row by row from the top-left.
#[derive(Debug, Clone, PartialEq)]
pub struct TileLayer {
    pub name: String,
    pub opacity: f32,
    pub tiles: Vec<Option<TileRef>>,
}

/// A tileset image cut into tiles.
#[derive(Debug, Clone, PartialEq)]
pub struct TilesetImage {
    pub name: String,
    /// The image file, resolved against the tileset's folder.
    pub image: PathBuf,
    pub image_width: u32,
    pub image_height: u32,
    pub columns: u32,
    pub tile_count: u32,
    pub margin: u32,
    pub spacing: u32,
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
}

impl Blocking for CollisionGrid {
    fn blocked(&self, x: i32, y: i32) -> bool {
        if x < 0 || y < 0 || x as u32 >= self.width || y as u32 >= self.height {
            return true;
        }
        self.blocked[(y as u32 * self.width + x as u32) as usize]
    }
}

/// One hall, as both sides see it.
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
    pub tilesets: Vec<TilesetImage>,
    pub layers: Vec<TileLayer>,
    pub collision: CollisionGrid,
    pub spawns: Vec<Spawn>,
    pub booths: Vec<Booth>,
    pub photo_kiosks: Vec<PhotoKiosk>,
    pub video_kiosks: Vec<VideoKiosk>,
    pub private_areas: Vec<PrivateArea>,
    pub spotlights: Vec<Spotlight>,
    pub portals: Vec<Portal>,
}

impl HallMap {
    /// The spawn with this name, or the first one.
    pub fn spawn(&self, name: Option<&str>) -> Option<&Spawn> {
        match name {
            Some(n) => self.spawns.iter().find(|s| s.name == n),
            None => self.spawns.first(),
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

    /// Whether this position is on a stage.
    pub fn on_spotlight(&self, pos: Vec2) -> bool {
        self.spotlights.iter().any(|s| s.rect.contains(pos))
    }

    /// Size in tiles, as a vector.
    pub fn size(&self) -> Vec2 {
        Vec2::new(self.width as f32, self.height as f32)
    }
}

/// Where in a map a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    File,
    Object { id: u32, name: String },
    Tile { x: u32, y: u32, layer: String },
    Tileset { name: String },
}

/// One thing wrong with a map.
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
pub const CLASSES: [&str; 7] = [
    "spawn",
    "booth",
    "photo_kiosk",
    "video_kiosk",
    "private_area",
    "spotlight",
    "portal",
];

/// Loads one hall and checks it on its own (portals to other maps are checked by
/// [`load_expo`]).
pub fn load_hall(path: &Path) -> Result<HallMap, MapErrors> {
    let mut problems = Vec::new();
    match read_hall(path, None, &mut problems) {
        Some(hall) if problems.is_empty() => Ok(hall),
        _ => Err(MapErrors(problems)),
    }
}

/// Loads a hall from TMX text that stands for the file at `path` (tilesets and images are
/// still read next to it): how a client takes a hall the server reloaded.
pub fn load_hall_text(path: &Path, tmx: &str) -> Result<HallMap, MapErrors> {
    let mut problems = Vec::new();
    match read_hall(path, Some(tmx), &mut problems) {
        Some(hall) if problems.is_empty() => Ok(hall),
        _ => Err(MapErrors(problems)),
    }
}

/// Loads a set of halls and checks them together: each on its own, and every portal against
/// the hall it leads to. A portal to a map not in `paths` is looked for next to the map that
/// holds it (`<to_map>.tmx`), and that map is loaded and checked too.
pub fn load_expo(paths: &[PathBuf]) -> Result<Vec<HallMap>, MapErrors> {
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
        let Some(hall) = read_hall(&path, None, &mut problems) else {
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
    for hall in &halls {
        for portal in &hall.portals {
            let place = Place::Object {
                id: portal.object_id,
                name: portal.object_name.clone(),
            };
            match halls.iter().find(|h| h.id == portal.to_map) {
                None if !seen.contains(&portal.to_map) => problems.push(MapProblem {
                    file: hall.source.clone(),
                    place,
                    message: format!(
                        "portal leads to map `{}`, but there is no {}.tmx beside this map",
                        portal.to_map, portal.to_map
                    ),
                }),
                // The target exists but is broken: its own problems are listed already.
                None => {}
                Some(target) if target.spawn(Some(&portal.to_spawn)).is_none() => {
                    problems.push(MapProblem {
                        file: hall.source.clone(),
                        place,
                        message: format!(
                            "portal leads to spawn `{}` in map `{}`, which has no spawn of that name",
                            portal.to_spawn, portal.to_map
                        ),
                    })
                }
                Some(_) => {}
            }
        }
    }
    if problems.is_empty() {
        Ok(halls)
    } else {
        Err(MapErrors(problems))
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

/// Collects problems for one file.
struct Report<'a> {
    file: &'a Path,
    problems: &'a mut Vec<MapProblem>,
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
}

/// Reads one hall; pushes every problem found. Returns the hall when it could be read at all
/// (it may still have problems).
fn read_hall(path: &Path, text: Option<&str>, problems: &mut Vec<MapProblem>) -> Option<HallMap> {
    let mut report = Report {
        file: path,
        problems,
    };
    let id = hall_id(path);
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        report.file(format!(
            "the file name `{id}` is the hall's id: use lowercase letters, digits, `_` and `-`"
        ));
    }
    // The TMX from `text` when given; everything else (tilesets, images) from the disk.
    let tmx = text.map(|t| (path.to_owned(), t.as_bytes().to_vec()));
    let mut loader =
        tiled::Loader::with_reader(move |p: &Path| -> std::io::Result<Box<dyn std::io::Read>> {
            match &tmx {
                Some((at, bytes)) if at == p => Ok(Box::new(std::io::Cursor::new(bytes.clone()))),
                _ => Ok(Box::new(std::io::BufReader::new(std::fs::File::open(p)?))),
            }
        });
    let map = match loader.load_tmx_map(path) {
        Ok(map) => map,
        Err(e) => {
            report.file(describe_tiled_error(&e));
            return None;
        }
    };
    if map.orientation != tiled::Orientation::Orthogonal {
        report.file(format!(
            "the map is {:?}; Madang draws orthogonal maps only",
            map.orientation
        ));
    }
    if map.tile_width != TILE_PX || map.tile_height != TILE_PX {
        report.file(format!(
            "tiles are {}×{} px; Madang's tiles are {TILE_PX}×{TILE_PX}",
            map.tile_width, map.tile_height
        ));
    }
    if map.infinite() {
        report.file("the map is infinite; give it a fixed size (Map ▸ Map Properties)");
        return None;
    }
    let (width, height) = (map.width, map.height);
    if width == 0 || height == 0 || width > 2048 || height > 2048 {
        report.file(format!(
            "the map is {width}×{height} tiles; it must be between 1 and 2048 each way"
        ));
        return None;
    }

    let tilesets = read_tilesets(&map, &mut report);

    // Tile layers and collision.
    let mut collision = CollisionGrid::new(width, height);
    let mut layers = Vec::new();
    let mut object_layers = Vec::new();
    collect_layers(map.layers(), &mut |layer| match layer.layer_type() {
        LayerType::Tiles(tiles) => {
            let mut out = TileLayer {
                name: layer.name.clone(),
                opacity: layer.opacity,
                tiles: vec![None; (width * height) as usize],
            };
            for y in 0..height {
                for x in 0..width {
                    let Some(tile) = tiles.get_tile(x as i32, y as i32) else {
                        continue;
                    };
                    let ts = tile.get_tileset();
                    let Some(index) = map.tilesets().iter().position(|t| std::ptr::eq(&**t, ts))
                    else {
                        continue;
                    };
                    if tile.id() >= ts.tilecount {
                        report.push(
                            Place::Tile {
                                x,
                                y,
                                layer: layer.name.clone(),
                            },
                            format!(
                                "tile {} is not in tileset `{}` ({} tiles)",
                                tile.id(),
                                ts.name,
                                ts.tilecount
                            ),
                        );
                        continue;
                    }
                    let collides = tile
                        .get_tile()
                        .and_then(|t| t.properties.get("collides").cloned())
                        .is_some_and(|v| v == PropertyValue::BoolValue(true));
                    if collides && layer.visible {
                        collision.set_blocked(x, y, true);
                    }
                    if layer.visible {
                        out.tiles[(y * width + x) as usize] = Some(TileRef {
                            tileset: index as u16,
                            index: tile.id(),
                            flip_h: tile.flip_h,
                            flip_v: tile.flip_v,
                            flip_d: tile.flip_d,
                        });
                    }
                }
            }
            if layer.visible {
                layers.push(out);
            }
        }
        LayerType::Objects(objects) => object_layers.push(objects),
        LayerType::Image(_) | LayerType::Group(_) => {}
    });

    let title = Bilingual {
        ko: string_prop(&map.properties, "title").unwrap_or_else(|| id.clone()),
        en: string_prop(&map.properties, "title_en").unwrap_or_else(|| id.clone()),
    };
    let mut hall = HallMap {
        id,
        source: path.to_path_buf(),
        title,
        width,
        height,
        tilesets,
        layers,
        collision,
        spawns: Vec::new(),
        booths: Vec::new(),
        photo_kiosks: Vec::new(),
        video_kiosks: Vec::new(),
        private_areas: Vec::new(),
        spotlights: Vec::new(),
        portals: Vec::new(),
    };
    let folder = path.parent().unwrap_or(Path::new("")).to_path_buf();
    for objects in object_layers {
        for object in objects.objects() {
            read_object(&object, &folder, &mut hall, &mut report);
        }
    }
    check_hall(&hall, &mut report);
    Some(hall)
}

fn collect_layers<'map>(
    layers: impl Iterator<Item = tiled::Layer<'map>>,
    f: &mut impl FnMut(tiled::Layer<'map>),
) {
    for layer in layers {
        if let LayerType::Group(group) = layer.layer_type() {
            collect_layers(group.layers(), f);
        } else {
            f(layer);
        }
    }
}

fn describe_tiled_error(e: &tiled::Error) -> String {
    match e {
        tiled::Error::ResourceLoadingError { path, err } => {
            format!("cannot read `{}`: {err}", path.display())
        }
        tiled::Error::XmlDecodingError(err) => format!("the file is not valid TMX/XML: {err}"),
        tiled::Error::InvalidTileFound => {
            "a tile layer's data does not hold one tile for every cell of the layer (a damaged \
             or hand-edited <data>)"
                .into()
        }
        other => format!("the map cannot be read: {other}"),
    }
}

fn read_tilesets(map: &tiled::Map, report: &mut Report<'_>) -> Vec<TilesetImage> {
    let mut out = Vec::new();
    for ts in map.tilesets() {
        let place = || Place::Tileset {
            name: ts.name.clone(),
        };
        if ts.tile_width != TILE_PX || ts.tile_height != TILE_PX {
            report.push(
                place(),
                format!(
                    "tiles are {}×{} px; Madang's tiles are {TILE_PX}×{TILE_PX}",
                    ts.tile_width, ts.tile_height
                ),
            );
        }
        let Some(image) = &ts.image else {
            report.push(
                place(),
                "the tileset has no single image (image collections are not supported)",
            );
            // Keep indices aligned with the map's tilesets.
            out.push(TilesetImage {
                name: ts.name.clone(),
                image: PathBuf::new(),
                image_width: 0,
                image_height: 0,
                columns: ts.columns.max(1),
                tile_count: ts.tilecount,
                margin: ts.margin,
                spacing: ts.spacing,
            });
            continue;
        };
        if !image.source.is_file() {
            report.push(
                place(),
                format!("the image `{}` does not exist", image.source.display()),
            );
        }
        out.push(TilesetImage {
            name: ts.name.clone(),
            image: image.source.clone(),
            image_width: image.width.max(0) as u32,
            image_height: image.height.max(0) as u32,
            columns: ts.columns.max(1),
            tile_count: ts.tilecount,
            margin: ts.margin,
            spacing: ts.spacing,
        });
    }
    out
}

/// Reads one object of the object layer into the hall, reporting what is wrong with it.
fn read_object(
    object: &tiled::Object<'_>,
    folder: &Path,
    hall: &mut HallMap,
    report: &mut Report<'_>,
) {
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
    let class = object.user_type.as_str();
    let px = TILE_PX as f32;
    let finite = match object.shape {
        ObjectShape::Rect { width, height } => [object.x, object.y, width, height]
            .iter()
            .all(|v| v.is_finite()),
        _ => object.x.is_finite() && object.y.is_finite(),
    };
    if !finite {
        props.problem("the object's position or size is not a finite number");
        return;
    }
    let rect = match object.shape {
        ObjectShape::Rect { width, height } => Some(Rect {
            x: object.x / px,
            y: object.y / px,
            w: width / px,
            h: height / px,
        }),
        _ => None,
    };
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
                None => Vec2::new(object.x / px, object.y / px),
            };
            if object.name.trim().is_empty() {
                props.problem("a spawn needs a name (the object's Name field)");
                return;
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
                });
            }
        }
        "" => props.problem(format!(
            "the object has no class; give it one of: {}",
            CLASSES.join(", ")
        )),
        other => props.problem(format!(
            "unknown class `{other}`; known classes: {}",
            CLASSES.join(", ")
        )),
    }
}

/// Checks that need the whole hall: walls under spawns and booths, at least one spawn.
fn check_hall(hall: &HallMap, report: &mut Report<'_>) {
    if hall.spawns.is_empty() {
        report.file("the map has no spawn (an object of class `spawn`): nobody could arrive");
    }
    let mut names = HashSet::new();
    for spawn in &hall.spawns {
        let place = Place::Object {
            id: spawn.object_id,
            name: spawn.name.clone(),
        };
        if !names.insert(spawn.name.as_str()) {
            report.push(
                place.clone(),
                format!("another spawn is also called `{}`", spawn.name),
            );
        }
        let p = spawn.pos;
        if p.x < AVATAR_HALF
            || p.y < AVATAR_HALF
            || p.x > hall.width as f32 - AVATAR_HALF
            || p.y > hall.height as f32 - AVATAR_HALF
        {
            report.push(place, "the spawn is outside the map");
        } else if overlaps_blocked(&hall.collision, p) {
            report.push(
                place,
                format!(
                    "the spawn is inside a wall at tile ({}, {}): arrivals would be stuck",
                    p.x.floor(),
                    p.y.floor()
                ),
            );
        } else if hall.portal_at(p).is_some() {
            report.push(
                place,
                "the spawn is inside a portal: arrivals would be sent on at once",
            );
        }
    }
    for booth in &hall.booths {
        let walkable = booth
            .rect
            .tiles()
            .filter(|&(x, y)| !hall.collision.blocked(x, y))
            .count();
        if walkable == 0 {
            report.push(
                Place::Object {
                    id: booth.object_id,
                    name: booth.title.ko.clone(),
                },
                "the booth is inside a wall: none of its tiles can be walked on",
            );
        }
    }
}

/// Parses a `daily HH:MM` schedule into minutes after midnight.
pub fn parse_daily_schedule(s: &str) -> Option<u32> {
    let rest = s.trim().strip_prefix("daily")?.trim();
    let (h, m) = rest.split_once(':')?;
    let (h, m): (u32, u32) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// A media file named by a map (`raw`, relative to the map's `folder`), which must stay inside
/// the expo's assets folder: the folder above the maps' (`assets/` for `assets/maps/hall.tmx`).
/// Refused: absolute paths, paths that climb out with `..`, and files that lead out through a
/// symbolic link. A file that does not exist is the caller's to report.
pub fn media_path(folder: &Path, raw: &str) -> Result<PathBuf, String> {
    let root = folder.parent().unwrap_or(folder);
    let named = Path::new(raw);
    if named.has_root() || named.is_absolute() {
        return Err(format!(
            "`{raw}` is an absolute path: name media relative to the map's folder, inside the \
             expo's assets folder `{}`",
            root.display()
        ));
    }
    // Resolve `..` by the names alone, so that a file that does not exist yet is judged too.
    let lexical = normalize(&folder.join(named));
    let root_lexical = normalize(root);
    let ups = |p: &Path| {
        p.components()
            .filter(|c| *c == std::path::Component::ParentDir)
            .count()
    };
    if !lexical.starts_with(&root_lexical) || ups(&lexical) > ups(&root_lexical) {
        return Err(format!(
            "`{raw}` climbs out of the expo's assets folder `{}`",
            root.display()
        ));
    }
    let real_root = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    if let (Ok(real), Ok(real_root)) = (lexical.canonicalize(), real_root.canonicalize())
        && !real.starts_with(&real_root)
    {
        return Err(format!(
            "`{raw}` leads out of the expo's assets folder `{}` (a link to {})",
            root.display(),
            real.display()
        ));
    }
    Ok(lexical)
}

/// `path` with `.` dropped and each `..` taking away the name before it (leading ones kept).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.iter().collect()
}

fn split_list<'a>(s: &'a str, seps: &'a [char]) -> impl Iterator<Item = &'a str> {
    s.split(seps).map(str::trim).filter(|p| !p.is_empty())
}

fn string_prop(props: &tiled::Properties, key: &str) -> Option<String> {
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
struct Props<'a, 'r> {
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

/// The booths of a hall grouped by theme, in map order.
pub fn booths_by_theme(hall: &HallMap) -> BTreeMap<&'static str, Vec<&Booth>> {
    let mut out: BTreeMap<&'static str, Vec<&Booth>> = BTreeMap::new();
    for b in &hall.booths {
        out.entry(b.theme.id()).or_default().push(b);
    }
    out
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

    #[test]
    fn media_stay_inside_the_expos_assets_folder() {
        let folder = Path::new("expo/assets/maps");
        assert_eq!(
            media_path(folder, "../photos/a.png"),
            Ok(PathBuf::from("expo/assets/photos/a.png"))
        );
        assert_eq!(
            media_path(folder, "b.mp4"),
            Ok(PathBuf::from("expo/assets/maps/b.mp4"))
        );
        for bad in ["../../secret.png", "../photos/../../x.png", "/etc/passwd"] {
            let e = media_path(folder, bad).expect_err(bad);
            assert!(e.contains(bad) && e.contains("expo/assets"), "{e}");
        }
        let relative = Path::new("../assets/maps");
        assert!(media_path(relative, "../videos/v.mp4").is_ok());
        assert!(media_path(relative, "../../../v.mp4").is_err());
        assert!(media_path(Path::new("maps"), "../../v.mp4").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_assets_folder_is_refused() {
        let base = std::env::temp_dir().join(format!("madang-media-{}", std::process::id()));
        let maps = base.join("assets/maps");
        std::fs::create_dir_all(&maps).expect("temp dir");
        std::fs::write(base.join("outside.png"), b"x").expect("write");
        let link = base.join("assets/photo.png");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(base.join("outside.png"), &link).expect("symlink");
        let e = media_path(&maps, "../photo.png").expect_err("a link out");
        assert!(e.contains("a link to"), "{e}");
        let _ = std::fs::remove_dir_all(&base);
    }
}
