//! Reading a TMX file into a [`HallMap`]: any tile size (the grid's cells may be 16, 24, 48 px
//! or not square; the hall is counted in cells), every layer encoding Tiled writes, external
//! tilesets, image-collection tilesets, flipped and rotated tiles, group layers (their
//! visibility, opacity and offsets passed down), animated tiles, tiles placed as objects,
//! infinite maps (the box their chunks fill), and collision from three sources: tiles whose
//! tileset gives them `collides`, any tile of a layer named `collisions`, and objects of class
//! `collision`.

use std::collections::BTreeMap;
use std::path::Path;

use tiled::{LayerType, Properties, PropertyValue};

use super::check::check_hall;
use super::objects::{Grid, read_object, string_prop};
use super::workadventure::{
    is_start_layer, is_zone, read_area, read_zone_layer, rects_of, start_spawn,
};
use super::{
    Bilingual, CollisionGrid, Decoration, Frame, HallMap, Place, Report, Spawn, TileImage,
    TileImages, TileLayer, TileRef, Tileset, hall_id,
};

/// The largest hall, in tiles each way.
const MAX_TILES: u32 = 2048;
/// The largest cell of a map's grid, in pixels each way.
const MAX_CELL_PX: u32 = 4096;
/// Problems of one kind listed per layer before the rest are counted.
const LISTED_PER_LAYER: usize = 10;

/// Reads one hall; pushes every problem found (its notes go into the hall). Returns the hall
/// when it could be read at all (it may still have problems).
pub(super) fn read_hall(
    path: &Path,
    text: Option<&str>,
    problems: &mut Vec<super::MapProblem>,
) -> Option<HallMap> {
    let mut report = Report {
        file: path,
        problems,
        notes: Vec::new(),
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
    let json_name = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tmj") || e.eq_ignore_ascii_case("json"));
    let json_text = text.is_some_and(|t| t.trim_start().starts_with('{'));
    if json_name || json_text {
        report.file(json_refusal(path));
        return None;
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
            let starts_json = text.is_none()
                && std::fs::read(path)
                    .ok()
                    .is_some_and(|b| b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{'));
            if starts_json {
                report.file(json_refusal(path));
            } else {
                report.file(describe_tiled_error(&e));
            }
            return None;
        }
    };
    if map.orientation != tiled::Orientation::Orthogonal {
        report.file(format!(
            "the map is {:?}; Madang draws orthogonal maps only",
            map.orientation
        ));
    }
    let cell_ok = |v: u32| (1..=MAX_CELL_PX).contains(&v);
    if !cell_ok(map.tile_width) || !cell_ok(map.tile_height) {
        report.file(format!(
            "the map's tiles are {}×{} px; they must be between 1 and {MAX_CELL_PX} px each way",
            map.tile_width, map.tile_height
        ));
        return None;
    }
    let (origin, width, height) = if map.infinite() {
        match tile_box(&map) {
            Some((x0, y0, x1, y1)) => {
                // Counted wide: a damaged chunk may sit at the ends of the numbers.
                let span =
                    |a: i32, b: i32| u32::try_from(b as i64 - a as i64 + 1).unwrap_or(u32::MAX);
                let (w, h) = (span(x0, x1), span(y0, y1));
                report.note(
                    Place::File,
                    format!(
                        "the map is infinite: the hall is the {w}×{h} tiles its chunks fill, from \
                         tile ({x0}, {y0})"
                    ),
                );
                ((x0, y0), w, h)
            }
            None => {
                report.file(
                    "the map is infinite and has no tiles: draw the hall, or give it a fixed size \
                     (Map ▸ Map Properties)",
                );
                return None;
            }
        }
    } else {
        ((0, 0), map.width, map.height)
    };
    if width == 0 || height == 0 || width > MAX_TILES || height > MAX_TILES {
        report.file(format!(
            "the map is {width}×{height} tiles; it must be between 1 and {MAX_TILES} each way"
        ));
        return None;
    }
    let grid = Grid {
        tile_width: map.tile_width as f32,
        tile_height: map.tile_height as f32,
        origin,
    };
    let tilesets = read_tilesets(&map, &mut report);

    let title_of = |key: &str| string_prop(&map.properties, key);
    let fallback = title_of("mapName").unwrap_or_else(|| id.clone());
    let title = Bilingual {
        ko: title_of("title").unwrap_or_else(|| fallback.clone()),
        en: title_of("title_en")
            .or_else(|| title_of("title"))
            .unwrap_or(fallback),
    };
    for key in ["script", "scriptDisableModuleSupport"] {
        if map.properties.contains_key(key) {
            report.note(
                Place::File,
                format!("WorkAdventure's map property `{key}` (a script) has no meaning in Madang"),
            );
        }
    }
    let mut hall = HallMap {
        id,
        source: path.to_path_buf(),
        title,
        width,
        height,
        tile_width: map.tile_width,
        tile_height: map.tile_height,
        origin,
        tilesets,
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
    };

    let mut walk = Walk {
        hall: &mut hall,
        report: &mut report,
        starts: Vec::new(),
        zones: Vec::new(),
        objects: Vec::new(),
    };
    let floor = map
        .layers()
        .position(|l| l.name == "floorLayer" && matches!(l.layer_type(), LayerType::Objects(_)));
    for (i, layer) in map.layers().enumerate() {
        let above = floor.is_some_and(|f| i > f);
        walk.layer(layer, Inherited::top(above));
    }
    let Walk {
        starts,
        zones,
        objects,
        ..
    } = walk;

    let folder = path.parent().unwrap_or(Path::new("")).to_path_buf();
    for (layer, above) in objects {
        for object in layer.objects() {
            read_any_object(&object, &folder, &grid, above, &mut hall, &mut report);
        }
    }
    for (name, tiles) in starts {
        hall.spawns.extend(start_spawn(&name, &tiles));
    }
    for (name, props, tiles) in zones {
        read_zone_layer(&name, &props, &rects_of(&tiles), &mut hall, &mut report);
    }
    if hall.spawns.is_empty()
        && let Some(pos) = hall.nearest_free(hall.size() / 2.0)
    {
        report.note(
            Place::File,
            "the map marks no arrival (a `spawn` object, a `start` layer or area): people arrive \
             in its middle",
        );
        hall.spawns.push(Spawn {
            object_id: 0,
            name: "start".into(),
            pos,
        });
    }
    check_hall(&hall, &mut report);
    hall.notes = std::mem::take(&mut report.notes);
    Some(hall)
}

/// What a layer takes from the groups it is in.
#[derive(Debug, Clone)]
struct Inherited {
    path: String,
    visible: bool,
    opacity: f32,
    offset: (f32, f32),
    above: bool,
}

impl Inherited {
    fn top(above: bool) -> Self {
        Inherited {
            path: String::new(),
            visible: true,
            opacity: 1.0,
            offset: (0.0, 0.0),
            above,
        }
    }

    /// What `layer` passes on to itself and what it holds.
    fn with(&self, layer: &tiled::Layer<'_>) -> Self {
        let name = if self.path.is_empty() {
            layer.name.clone()
        } else {
            format!("{}/{}", self.path, layer.name)
        };
        let finite = |v: f32| if v.is_finite() { v } else { 0.0 };
        Inherited {
            path: name,
            visible: self.visible && layer.visible,
            opacity: self.opacity * finite(layer.opacity).clamp(0.0, 1.0),
            offset: (
                self.offset.0 + finite(layer.offset_x),
                self.offset.1 + finite(layer.offset_y),
            ),
            above: self.above || bool_prop(&layer.properties, "above"),
        }
    }
}

/// The layers, walked in drawing order.
struct Walk<'m, 'h, 'r, 'p> {
    hall: &'h mut HallMap,
    report: &'r mut Report<'p>,
    /// Start layers: name, painted tiles.
    starts: Vec<(String, Vec<(u32, u32)>)>,
    /// Tile layers that WorkAdventure makes zones: name, properties, painted tiles.
    zones: Vec<(String, Properties, Vec<(u32, u32)>)>,
    /// Object layers, and whether what they draw goes over the people.
    objects: Vec<(tiled::ObjectLayer<'m>, bool)>,
}

impl<'m> Walk<'m, '_, '_, '_> {
    fn layer(&mut self, layer: tiled::Layer<'m>, parent: Inherited) {
        let me = parent.with(&layer);
        match layer.layer_type() {
            LayerType::Group(group) => {
                for child in group.layers() {
                    self.layer(child, me.clone());
                }
            }
            LayerType::Tiles(tiles) => self.tiles(&layer, tiles, &me),
            LayerType::Objects(objects) => self.objects.push((objects, me.above)),
            LayerType::Image(_) => self.report.note(
                Place::Layer {
                    name: me.path.clone(),
                },
                "image layers are not drawn",
            ),
        }
    }

    fn tiles(&mut self, layer: &tiled::Layer<'m>, tiles: tiled::TileLayer<'m>, me: &Inherited) {
        let (width, height) = (self.hall.width, self.hall.height);
        let (ox, oy) = self.hall.origin;
        let last = me.path.rsplit('/').next().unwrap_or(&me.path);
        let collisions = last.eq_ignore_ascii_case("collisions");
        let start = is_start_layer(&me.path, &layer.properties);
        let zone = is_zone(&layer.properties);
        let mut out = vec![None; (width * height) as usize];
        let mut painted = Vec::new();
        let mut bad = 0usize;
        for y in 0..height {
            for x in 0..width {
                let Some(tile) = tiles.get_tile(x as i32 + ox, y as i32 + oy) else {
                    continue;
                };
                let ts = tile.get_tileset();
                let index = tile.tileset_index();
                let known = match self.hall.tilesets.get(index).map(|t| &t.images) {
                    Some(TileImages::Sheet { .. }) => tile.id() < ts.tilecount,
                    Some(TileImages::Collection(images)) => images.contains_key(&tile.id()),
                    None => false,
                };
                if !known {
                    bad += 1;
                    if bad <= LISTED_PER_LAYER {
                        self.report.push(
                            Place::Tile {
                                x,
                                y,
                                layer: me.path.clone(),
                            },
                            format!(
                                "tile {} is not in tileset `{}` ({} tiles)",
                                tile.id(),
                                ts.name,
                                ts.tilecount
                            ),
                        );
                    }
                    continue;
                }
                painted.push((x, y));
                let collides = tile
                    .get_tile()
                    .is_some_and(|t| bool_prop(&t.properties, "collides"));
                if (collides && me.visible) || collisions {
                    self.hall.collision.set_blocked(x, y, true);
                }
                if me.visible {
                    out[(y * width + x) as usize] = Some(TileRef {
                        tileset: index as u16,
                        index: tile.id(),
                        flip_h: tile.flip_h,
                        flip_v: tile.flip_v,
                        flip_d: tile.flip_d,
                    });
                }
            }
        }
        if bad > LISTED_PER_LAYER {
            self.report.push(
                Place::Layer {
                    name: me.path.clone(),
                },
                format!(
                    "{} more tiles are not in their tilesets",
                    bad - LISTED_PER_LAYER
                ),
            );
        }
        if start {
            self.starts.push((me.path.clone(), painted.clone()));
        }
        if zone {
            self.zones
                .push((me.path.clone(), layer.properties.clone(), painted.clone()));
        }
        if me.visible && !painted.is_empty() && me.opacity > 0.0 {
            self.hall.layers.push(TileLayer {
                name: me.path.clone(),
                opacity: me.opacity,
                offset: me.offset,
                above: me.above,
                tiles: out,
            });
        }
    }
}

/// Reads one object: a Madang class, a WorkAdventure area, a tile placed as a decoration, or a
/// note.
fn read_any_object(
    object: &tiled::Object<'_>,
    folder: &Path,
    grid: &Grid,
    above: bool,
    hall: &mut HallMap,
    report: &mut Report<'_>,
) {
    if read_object(object, folder, grid, hall, report) {
        return;
    }
    let class = object.user_type.as_str();
    let place = Place::Object {
        id: object.id(),
        name: object.name.clone(),
    };
    if class.eq_ignore_ascii_case("area") || class.eq_ignore_ascii_case("zone") {
        read_area(object, grid, hall, report);
        return;
    }
    if let Some(tile) = object.tile_data() {
        decoration(object, &tile, grid, above, hall, report);
        if !class.is_empty() {
            report.note(
                place,
                format!("the class `{class}` has no meaning in Madang: the tile is drawn"),
            );
        }
        return;
    }
    let message = match class {
        "" => "an object with no class is kept aside (Madang's classes are listed in docs/maps.md)"
            .to_owned(),
        "variable" => {
            "WorkAdventure's variables (for scripts) have no meaning in Madang".to_owned()
        }
        other => format!("the class `{other}` has no meaning in Madang and is kept aside"),
    };
    report.note(place, message);
}

/// A tile placed as an object: drawn at its place (Tiled puts a tile object's bottom-left
/// corner at its position), scaled to its size.
fn decoration(
    object: &tiled::Object<'_>,
    tile: &tiled::ObjectTileData,
    grid: &Grid,
    above: bool,
    hall: &mut HallMap,
    report: &mut Report<'_>,
) {
    let place = Place::Object {
        id: object.id(),
        name: object.name.clone(),
    };
    let tiled::TilesetLocation::Map(index) = tile.tileset_location() else {
        report.note(place, "a tile from a template's own tileset is not drawn");
        return;
    };
    let Some(ts) = hall.tilesets.get(*index) else {
        return;
    };
    let (w, h) = match object.shape {
        tiled::ObjectShape::Rect { width, height } => (width, height),
        _ => (ts.tile_width as f32, ts.tile_height as f32),
    };
    if ![object.x, object.y, w, h].iter().all(|v| v.is_finite()) || w <= 0.0 || h <= 0.0 {
        report.note(place, "a tile object with no size or position is not drawn");
        return;
    }
    if object.rotation != 0.0 {
        report.note(place.clone(), "a rotated tile object is drawn unrotated");
    }
    hall.decorations.push(Decoration {
        object_id: object.id(),
        tile: TileRef {
            tileset: *index as u16,
            index: tile.id(),
            flip_h: tile.flip_h,
            flip_v: tile.flip_v,
            flip_d: tile.flip_d,
        },
        rect: grid.rect(object.x, object.y - h, w, h),
        opacity: if object.visible {
            object.opacity.clamp(0.0, 1.0)
        } else {
            0.0
        },
        above: above || bool_prop(&object.properties, "above"),
    });
}

/// A bool property (also the text `true`).
fn bool_prop(props: &Properties, key: &str) -> bool {
    match props.get(key) {
        Some(PropertyValue::BoolValue(b)) => *b,
        Some(PropertyValue::StringValue(s)) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The box an infinite map's tiles fill: (x0, y0, x1, y1), inclusive, in Tiled's tiles.
fn tile_box(map: &tiled::Map) -> Option<(i32, i32, i32, i32)> {
    fn walk(layer: tiled::Layer<'_>, b: &mut Option<(i32, i32, i32, i32)>) {
        match layer.layer_type() {
            LayerType::Group(g) => {
                for child in g.layers() {
                    walk(child, b);
                }
            }
            LayerType::Tiles(tiled::TileLayer::Infinite(inf)) => {
                let (w, h) = (
                    tiled::ChunkData::WIDTH as i32,
                    tiled::ChunkData::HEIGHT as i32,
                );
                for ((cx, cy), chunk) in inf.chunks() {
                    for y in 0..h {
                        for x in 0..w {
                            if chunk.get_tile(x, y).is_some() {
                                let (tx, ty) = (
                                    cx.saturating_mul(w).saturating_add(x),
                                    cy.saturating_mul(h).saturating_add(y),
                                );
                                *b = Some(match *b {
                                    None => (tx, ty, tx, ty),
                                    Some((x0, y0, x1, y1)) => {
                                        (x0.min(tx), y0.min(ty), x1.max(tx), y1.max(ty))
                                    }
                                });
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let mut b = None;
    for layer in map.layers() {
        walk(layer, &mut b);
    }
    b
}

/// Why a JSON map is refused, and how to save it as TMX.
fn json_refusal(path: &Path) -> String {
    let stem = hall_id(path);
    format!(
        "this is a JSON map (Tiled's .tmj, as WorkAdventure saves them); Madang reads TMX. In \
         Tiled: File ▸ Export As…, choose “Tiled map files (*.tmx)”; or in a terminal: `tiled \
         --export-map tmx {stem}.tmj {stem}.tmx`. Tilesets must be kept next to it (embedded or \
         .tsx); exits to `{stem}.tmj` lead to `{stem}.tmx` as they are"
    )
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
        tiled::Error::InvalidEncodingFormat {
            encoding,
            compression,
        } => format!(
            "a tile layer's data is encoded as {} with {} compression, which Tiled does not write",
            encoding.as_deref().unwrap_or("(none)"),
            compression.as_deref().unwrap_or("no")
        ),
        other => format!("the map cannot be read: {other}"),
    }
}

/// The tilesets as drawn: sheets and collections, with their animations.
fn read_tilesets(map: &tiled::Map, report: &mut Report<'_>) -> Vec<Tileset> {
    let mut out = Vec::new();
    for ts in map.tilesets() {
        let place = || Place::Tileset {
            name: ts.name.clone(),
        };
        let mut animations = BTreeMap::new();
        for (id, tile) in ts.tiles() {
            if let Some(frames) = &tile.animation {
                let frames: Vec<Frame> = frames
                    .iter()
                    .map(|f| Frame {
                        tile: f.tile_id,
                        // A frame shorter than a screen's refresh is drawn for one.
                        ms: f.duration.max(16),
                    })
                    .collect();
                if frames.iter().any(|f| {
                    ts.image.is_some() && f.tile >= ts.tilecount
                        || ts.image.is_none() && ts.get_tile(f.tile).is_none()
                }) {
                    report.push(
                        place(),
                        format!(
                            "the animation of tile {id} shows a tile the tileset does not hold"
                        ),
                    );
                } else if !frames.is_empty() {
                    animations.insert(id, frames);
                }
            }
        }
        let images = match &ts.image {
            Some(image) => {
                if !image.source.is_file() {
                    report.push(
                        place(),
                        format!("the image `{}` does not exist", image.source.display()),
                    );
                }
                TileImages::Sheet {
                    image: image.source.clone(),
                    width: image.width.max(0) as u32,
                    height: image.height.max(0) as u32,
                    columns: ts.columns.max(1),
                    margin: ts.margin,
                    spacing: ts.spacing,
                }
            }
            None => {
                let mut tiles = BTreeMap::new();
                for (id, tile) in ts.tiles() {
                    let Some(image) = &tile.image else { continue };
                    if !image.source.is_file() {
                        report.push(
                            place(),
                            format!(
                                "the image `{}` of tile {id} does not exist",
                                image.source.display()
                            ),
                        );
                    }
                    tiles.insert(
                        id,
                        TileImage {
                            image: image.source.clone(),
                            width: image.width.max(0) as u32,
                            height: image.height.max(0) as u32,
                        },
                    );
                }
                TileImages::Collection(tiles)
            }
        };
        out.push(Tileset {
            name: ts.name.clone(),
            tile_width: ts.tile_width.max(1),
            tile_height: ts.tile_height.max(1),
            tile_count: ts.tilecount,
            offset: (ts.offset_x, ts.offset_y),
            images,
            animations,
        });
    }
    out
}
