//! Maps drawn elsewhere open as they are: each small map of `tests/fixtures/maps/tiled/`
//! (written by its `make.py`) holds one thing Tiled or WorkAdventure puts in maps, and the hall
//! read from it is checked field by field.

use std::path::PathBuf;

use madang_shared::Vec2;
use madang_shared::map::{
    Frame, HallMap, MapProblem, Place, Rect, TileImages, TileRef, check_expo, load_expo, load_hall,
};
use madang_shared::rules::Blocking;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/maps/tiled")
        .join(name)
}

fn hall(name: &str) -> HallMap {
    load_hall(&fixture(name)).unwrap_or_else(|e| panic!("{name} loads:\n{e}"))
}

fn rect(x: f32, y: f32, w: f32, h: f32) -> Rect {
    Rect { x, y, w, h }
}

fn tile(tileset: u16, index: u32) -> TileRef {
    TileRef {
        tileset,
        index,
        flip_h: false,
        flip_v: false,
        flip_d: false,
    }
}

/// The tile of `layer` at (x, y).
fn at(h: &HallMap, layer: &str, x: u32, y: u32) -> Option<TileRef> {
    let l = h
        .layers
        .iter()
        .find(|l| l.name == layer)
        .unwrap_or_else(|| panic!("no layer {layer} in {:?}", names(h)));
    l.tiles[(y * h.width + x) as usize]
}

fn names(h: &HallMap) -> Vec<&str> {
    h.layers.iter().map(|l| l.name.as_str()).collect()
}

fn note_about<'a>(h: &'a HallMap, needle: &str) -> &'a MapProblem {
    h.notes
        .iter()
        .find(|n| n.to_string().contains(needle))
        .unwrap_or_else(|| panic!("a note about {needle:?} in {:#?}", h.notes))
}

#[test]
fn any_tile_size_is_a_hall_counted_in_cells() {
    for (tw, th) in [(16, 16), (24, 24), (48, 48), (32, 16)] {
        let h = hall(&format!("size_{tw}x{th}.tmx"));
        assert_eq!((h.width, h.height), (8, 6), "{tw}×{th}");
        assert_eq!((h.tile_width, h.tile_height), (tw, th));
        assert_eq!(
            (h.tilesets[0].tile_width, h.tilesets[0].tile_height),
            (tw, th)
        );
        assert_eq!(h.spawns[0].pos, Vec2::new(2.0, 2.0), "{tw}×{th}");
        assert_eq!(h.booths[0].rect, rect(3.0, 2.0, 2.0, 2.0), "{tw}×{th}");
        assert!(h.collision.blocked(0, 0) && !h.collision.blocked(1, 1));
        assert_eq!(
            h.collision.count(),
            2 * 8 + 2 * 4,
            "the walls round the edge"
        );
        assert!(h.notes.is_empty(), "{:?}", h.notes);
    }
}

#[test]
fn every_layer_encoding_tiled_writes_reads_the_same() {
    let csv = hall("enc_csv.tmx");
    assert_eq!(at(&csv, "ground", 1, 1), Some(tile(0, 0)));
    assert_eq!(at(&csv, "ground", 0, 0), Some(tile(0, 1)));
    for enc in ["base64", "zlib", "gzip", "zstd"] {
        let h = hall(&format!("enc_{enc}.tmx"));
        assert_eq!(h.layers, csv.layers, "{enc} gives the tiles csv gives");
        assert_eq!(h.collision, csv.collision, "{enc}");
    }
}

#[test]
fn an_external_tileset_with_spaces_in_its_names_and_a_second_tileset_are_read() {
    let h = hall("external_tileset.tmx");
    let names: Vec<&str> = h.tilesets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["floor tiles", "second"]);
    match &h.tilesets[0].images {
        TileImages::Sheet { image, .. } => {
            assert!(image.ends_with("shared tiles/floor sheet.png"), "{image:?}")
        }
        other => panic!("a sheet: {other:?}"),
    }
    assert_eq!(at(&h, "ground", 1, 1), Some(tile(0, 0)));
    assert_eq!(at(&h, "ground", 2, 1), Some(tile(1, 0)));
    assert_eq!(at(&h, "ground", 2, 2), Some(tile(1, 1)));
    assert!(
        h.collision.blocked(2, 2) && !h.collision.blocked(2, 1),
        "each tileset's own collides"
    );
}

#[test]
fn flipped_and_turned_tiles_keep_their_flags() {
    let h = hall("flips.tmx");
    let flags = |x| {
        let t = at(&h, "ground", x, 0).expect("a tile");
        (t.index, t.flip_h, t.flip_v, t.flip_d)
    };
    assert_eq!(flags(0), (0, false, false, false));
    assert_eq!(flags(1), (0, true, false, false));
    assert_eq!(flags(2), (0, false, true, false));
    assert_eq!(flags(3), (0, true, false, true));
}

#[test]
fn groups_pass_down_opacity_offsets_and_hiding() {
    let h = hall("groups.tmx");
    assert_eq!(
        names(&h),
        ["ground", "decor/rugs"],
        "hidden layers are not drawn"
    );
    let rugs = &h.layers[1];
    assert_eq!(rugs.opacity, 0.25, "half of a half");
    assert_eq!(rugs.offset, (10.0, 6.0), "the group's offset and its own");
    assert_eq!(at(&h, "decor/rugs", 1, 0), Some(tile(0, 2)));
    assert!(
        !h.collision.blocked(3, 0) && !h.collision.blocked(2, 0),
        "walls on hidden layers do not block"
    );
}

#[test]
fn an_animated_tile_has_its_frames() {
    let h = hall("animated.tmx");
    assert_eq!(
        h.tilesets[0].animations.get(&0),
        Some(&vec![
            Frame { tile: 2, ms: 100 },
            Frame { tile: 3, ms: 250 }
        ])
    );
}

#[test]
fn an_image_collection_and_tiles_placed_as_objects_are_drawn() {
    let h = hall("collection.tmx");
    match &h.tilesets[1].images {
        TileImages::Collection(tiles) => {
            let sizes: Vec<(u32, u32, u32)> = tiles
                .iter()
                .map(|(id, t)| (*id, t.width, t.height))
                .collect();
            assert_eq!(sizes, [(0, 64, 96), (3, 32, 64)]);
        }
        other => panic!("a collection: {other:?}"),
    }
    assert_eq!(at(&h, "trees", 1, 2), Some(tile(1, 0)));
    let decorations: Vec<(u32, TileRef, Rect)> = h
        .decorations
        .iter()
        .map(|d| (d.object_id, d.tile, d.rect))
        .collect();
    assert_eq!(
        decorations,
        [
            (2, tile(1, 3), rect(3.0, 2.0, 1.0, 2.0)),
            (
                3,
                TileRef {
                    flip_h: true,
                    ..tile(1, 0)
                },
                rect(4.0, 4.5, 1.0, 1.5)
            ),
        ]
    );
}

#[test]
fn what_madang_does_not_use_is_a_note_and_the_hall_loads() {
    let h = hall("notes.tmx");
    assert_eq!(h.notes.len(), 6, "{:#?}", h.notes);
    assert!(note_about(&h, "script").place == Place::File);
    note_about(&h, "layer `backdrop`: image layers are not drawn");
    note_about(
        &h,
        "object 2 (plain): an object with no class is kept aside",
    );
    note_about(
        &h,
        "object 3 (statue): the class `statue` has no meaning in Madang",
    );
    note_about(&h, "object 4 (score): WorkAdventure's variables");
    note_about(&h, "object 5 (sign): an object with no class");
    assert_eq!(h.spawns.len(), 1);
}

#[test]
fn collision_comes_from_tiles_a_collisions_layer_and_collision_objects() {
    let h = hall("collision_sources.tmx");
    let blocked: Vec<(i32, i32)> = (0..3)
        .flat_map(|y| (0..6).map(move |x| (x, y)))
        .filter(|&(x, y)| h.collision.blocked(x, y))
        .collect();
    assert_eq!(
        blocked,
        [(1, 0), (3, 1), (4, 2), (5, 2)],
        "a collides tile, the hidden collisions layer, the fence object"
    );
    assert_eq!(
        names(&h),
        ["ground"],
        "the hidden collisions layer is not drawn"
    );
}

#[test]
fn workadventures_conventions_read_as_madangs() {
    let paths = [fixture("wa_main.tmx")];
    let halls = load_expo(&paths).unwrap_or_else(|e| panic!("the WorkAdventure maps load:\n{e}"));
    let main = &halls[0];
    let other = halls
        .iter()
        .find(|h| h.id == "wa_other")
        .expect("the exit's map");
    assert_eq!(main.title.ko, "Main hall", "mapName");
    let spawns: Vec<(&str, Vec2)> = main
        .spawns
        .iter()
        .map(|s| (s.name.as_str(), s.pos))
        .collect();
    assert_eq!(
        spawns,
        [
            ("from-hall", Vec2::new(1.5, 1.5)),
            ("by-site", Vec2::new(4.5, 2.5)),
            ("start", Vec2::new(3.5, 6.5)),
        ],
        "areas with start, and the start layer's middle tile"
    );
    let rooms: Vec<(&str, Rect, u32)> = main
        .private_areas
        .iter()
        .map(|a| (a.id.as_str(), a.rect, a.capacity))
        .collect();
    assert_eq!(
        rooms,
        [
            ("ChillZone", rect(2.0, 4.0, 3.0, 2.0), 64),
            ("Board", rect(7.0, 1.0, 2.0, 2.0), 64),
        ],
        "jitsiRoom on an area, and on a layer's painted tiles"
    );
    assert_eq!(main.private_areas[0].name.en, "ChillZone");
    let quiet: Vec<Rect> = main.silent_areas.iter().map(|a| a.rect).collect();
    assert_eq!(quiet, [rect(6.0, 4.0, 2.0, 2.0)]);
    assert_eq!(main.portals.len(), 1, "{:?}", main.portals);
    let door = &main.portals[0];
    assert_eq!(
        (door.to_map.as_str(), door.to_spawn.as_str(), door.rect),
        ("wa_other", "arrive", rect(9.0, 5.0, 1.0, 2.0))
    );
    let arrivals: Vec<(&str, Vec2)> = other
        .spawns
        .iter()
        .map(|s| (s.name.as_str(), s.pos))
        .collect();
    assert_eq!(
        arrivals,
        [
            ("arrive", Vec2::new(2.0, 2.0)),
            ("arrivals", Vec2::new(2.5, 2.5))
        ],
        "an area with start, and a layer with startLayer"
    );
    let link = &main.link_kiosks[0];
    assert_eq!(
        (link.url.as_str(), link.title.en.as_str(), link.rect),
        (
            "https://www.example.org/expo",
            "Visit the expo's site",
            rect(4.0, 1.0, 2.0, 1.0)
        )
    );
    let above: Vec<(&str, bool)> = main
        .layers
        .iter()
        .map(|l| (l.name.as_str(), l.above))
        .collect();
    assert_eq!(
        above,
        [
            ("start", false),
            ("floor", false),
            ("meeting zone", false),
            ("roof", true)
        ],
        "layers after floorLayer are drawn over the people"
    );
    note_about(main, "leads outside this expo's maps");
    note_about(main, "focusable, jitsiTrigger have no meaning in Madang");
    note_about(main, "playAudio has no meaning in Madang");
}

#[test]
fn an_exit_to_a_map_not_in_the_expo_is_left_out_with_a_note() {
    let dir = std::env::temp_dir().join(format!("madang-wa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let text = std::fs::read_to_string(fixture("wa_main.tmx"))
        .expect("fixture")
        .replace(
            "sheet_32x32.png",
            &fixture("sheet_32x32.png").display().to_string(),
        );
    std::fs::write(dir.join("alone.tmx"), text).expect("write");
    let (halls, problems) = check_expo(&[dir.join("alone.tmx")]);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(
        halls[0].portals.is_empty(),
        "the door to a missing map is left out"
    );
    note_about(
        &halls[0],
        "there is no wa_other.tmx beside this map; the door is left out",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_infinite_map_is_the_box_its_chunks_fill() {
    let h = hall("infinite.tmx");
    assert_eq!(h.origin, (-1, -2));
    assert_eq!((h.width, h.height), (4, 4));
    assert_eq!(at(&h, "ground", 0, 0), Some(tile(0, 0)), "tile (-1, -2)");
    assert_eq!(at(&h, "ground", 0, 1), Some(tile(0, 1)), "tile (-1, -1)");
    assert_eq!(at(&h, "ground", 1, 2), Some(tile(0, 0)), "tile (0, 0)");
    assert_eq!(at(&h, "ground", 3, 3), Some(tile(0, 0)), "tile (2, 1)");
    assert!(
        h.collision.blocked(0, 1),
        "its collides tile, moved with it"
    );
    assert_eq!(
        h.spawns[0].pos,
        Vec2::new(1.5, 2.5),
        "objects move with the tiles"
    );
    note_about(&h, "the map is infinite");
}

#[test]
fn a_json_map_is_refused_with_how_to_save_it_as_tmx() {
    let e = load_hall(&fixture("json_map.tmj")).expect_err("JSON is not read");
    let text = e.to_string();
    assert!(
        text.contains("Export As")
            && text.contains("tiled --export-map tmx json_map.tmj json_map.tmx"),
        "{text}"
    );
}
