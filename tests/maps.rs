//! Hall maps: the demo expo loads as a whole, and broken maps are refused with every problem
//! named by file, object or tile, and what is wrong.

use std::path::{Path, PathBuf};

use madang_shared::map::{MapErrors, Place, Theme, load_expo, load_hall, maps_in_dir};
use madang_shared::rules::{Blocking, overlaps_blocked};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/maps").join(name)
}

fn problems(name: &str) -> MapErrors {
    match load_expo(&[fixture(name)]) {
        Ok(_) => panic!("{name} should be refused"),
        Err(e) => e,
    }
}

fn messages(e: &MapErrors) -> Vec<String> {
    e.0.iter().map(|p| p.to_string()).collect()
}

fn assert_mentions(e: &MapErrors, needle: &str) {
    assert!(
        messages(e).iter().any(|m| m.contains(needle)),
        "expected a problem mentioning {needle:?}, got:\n{e}"
    );
}

#[test]
fn the_demo_expo_loads_with_its_three_halls() {
    let paths = maps_in_dir(&root().join("assets/maps")).expect("the maps folder is listed");
    let halls = load_expo(&paths).unwrap_or_else(|e| panic!("the demo maps must load:\n{e}"));
    let ids: Vec<&str> = halls.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["ceremony", "hall", "lobby"]);

    let hall = halls
        .iter()
        .find(|h| h.id == "hall")
        .expect("the exhibition hall");
    assert!(
        hall.booths.len() >= 16,
        "at least 16 booths, found {}",
        hall.booths.len()
    );
    for theme in Theme::ALL {
        let n = hall.booths.iter().filter(|b| b.theme == theme).count();
        assert!(n >= 4, "theme {} has {n} booths", theme.id());
    }
    for b in &hall.booths {
        assert!(
            !b.org.ko.is_empty() && !b.org.en.is_empty(),
            "booth {} is named in both languages",
            b.object_id
        );
        assert!(
            b.org
                .ko
                .chars()
                .any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)),
            "a Korean name in Hangul"
        );
    }
    let ceremony = halls
        .iter()
        .find(|h| h.id == "ceremony")
        .expect("the ceremony room");
    assert_eq!(
        ceremony.spotlights.len(),
        1,
        "the ceremony room has a stage"
    );
    let lobby = halls.iter().find(|h| h.id == "lobby").expect("the lobby");
    assert_eq!(
        lobby.portals.len(),
        2,
        "the lobby leads to the hall and the ceremony room"
    );
    assert_eq!(lobby.private_areas.len(), 2, "two discussion tables");
    assert_eq!(lobby.photo_kiosks[0].images.len(), 3);
    assert_eq!(lobby.video_kiosks.len(), 1, "the lobby's welcome screen");
    // Documents: every booth its theme's casebook, the lobby's stand all four, the stage
    // screen its deck.
    assert!(hall.booths.iter().all(|b| b.documents.len() == 1));
    assert_eq!(lobby.document_kiosks[0].documents.len(), 4);
    assert_eq!(
        ceremony.slide_screens[0].decks,
        ["documents/slides_daegu.pdf"]
    );
    let broadcast = &hall.video_kiosks[0];
    assert_eq!(broadcast.schedule.as_deref(), Some("daily 14:00"));
    let info = madang_shared::video::probe(&broadcast.video).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        info.duration_ms >= 19_000,
        "the broadcast's length is read: {} ms",
        info.duration_ms
    );

    for h in &halls {
        assert!(!h.spawns.is_empty());
        for s in &h.spawns {
            assert!(
                !overlaps_blocked(&h.collision, s.pos),
                "{}: spawn {} is free",
                h.id,
                s.name
            );
        }
        // Walls all around: nobody walks off a demo map.
        for x in 0..h.width as i32 {
            assert!(h.collision.blocked(x, -1));
        }
    }
}

#[test]
fn a_good_fixture_loads_and_has_its_walls() {
    let hall = load_hall(&fixture("good.tmx")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((hall.width, hall.height), (8, 6));
    assert!(
        hall.collision.blocked(0, 0),
        "the border is wall (tile property collides)"
    );
    assert!(!hall.collision.blocked(2, 2), "the floor is free");
    assert_eq!(hall.spawns[0].name, "entrance");
    assert_eq!(hall.booths[0].theme, Theme::SocialValue);
    assert_eq!(hall.booths[0].org.en, "MOIS");
}

#[test]
fn a_map_without_a_spawn_has_arrivals_in_its_middle_and_a_note() {
    let hall = load_hall(&fixture("no_spawn.tmx")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(hall.spawns.len(), 1);
    assert_eq!(hall.spawns[0].name, "start");
    assert!(
        !overlaps_blocked(&hall.collision, hall.spawns[0].pos),
        "on free floor"
    );
    assert!(
        hall.notes.iter().any(|n| n
            .to_string()
            .contains("no_spawn.tmx: the map marks no arrival")),
        "{:?}",
        hall.notes
    );
}

#[test]
fn an_unknown_class_is_a_note_that_names_its_object() {
    let hall = load_hall(&fixture("unknown_class.tmx")).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        hall.notes.iter().any(|n| n
            .to_string()
            .contains("object 3 (k): the class `kiosk` has no meaning in Madang")),
        "{:?}",
        hall.notes
    );
}

#[test]
fn every_missing_property_is_listed() {
    let e = problems("missing_property.tmx");
    assert_mentions(&e, "object 4 (b): a booth needs the property `org_en`");
    assert_mentions(&e, "object 4 (b): a booth needs the property `theme`");
}

#[test]
fn a_spawn_inside_a_wall_is_refused_with_its_tile() {
    let e = problems("spawn_in_wall.tmx");
    assert_mentions(
        &e,
        "object 5 (stuck): the spawn is inside a wall at tile (0, 0)",
    );
}

#[test]
fn a_booth_inside_a_wall_is_refused() {
    let e = problems("booth_in_wall.tmx");
    assert_mentions(&e, "object 6 (제목): the booth is inside a wall");
}

#[test]
fn a_missing_tileset_or_image_is_named() {
    let e = problems("missing_tileset.tmx");
    assert_mentions(&e, "nowhere.tsx");
    let e = problems("missing_image.tmx");
    assert_mentions(&e, "tileset `broken`: the image");
    assert_mentions(&e, "no_such_image.png` does not exist");
}

#[test]
fn a_portal_to_a_missing_map_is_refused() {
    let e = problems("bad_portal.tmx");
    assert_mentions(
        &e,
        "object 7 (door): portal leads to map `nowhere`, but there is no nowhere.tmx",
    );
}

#[test]
fn all_problems_of_a_map_are_listed_at_once() {
    let e = problems("many_problems.tmx");
    let msgs = messages(&e);
    assert!(
        msgs.len() >= 3,
        "expected at least three problems, got:\n{e}"
    );
    assert_mentions(&e, "object 8 (stuck): the spawn is outside the map");
    assert_mentions(
        &e,
        "object 10 (table): a private_area needs the property `id`",
    );
    assert_mentions(
        &e,
        "object 10 (table): capacity 0 must be between 1 and 1024",
    );
    for p in &e.0 {
        assert!(
            p.file.ends_with("many_problems.tmx"),
            "each problem names its file"
        );
        assert!(matches!(p.place, Place::Object { .. } | Place::File));
    }
}

#[test]
fn coordinates_that_are_not_numbers_are_refused() {
    let good = std::fs::read_to_string(fixture("good.tmx")).expect("fixture");
    let tileset = root().join("assets/tilesets/expo.tsx");
    let broken = good
        .replace(
            r#"type="spawn" x="64" y="64""#,
            r#"type="spawn" x="nan" y="inf""#,
        )
        .replace(
            "../../../assets/tilesets/expo.tsx",
            &tileset.to_string_lossy(),
        );
    assert!(
        broken.contains(r#"x="nan""#),
        "the fixture's spawn was rewritten"
    );
    let dir = std::env::temp_dir().join(format!("madang-nan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("nan_spawn.tmx");
    std::fs::write(&path, broken).expect("write");
    let e = load_expo(std::slice::from_ref(&path)).expect_err("NaN coordinates are refused");
    assert_mentions(
        &e,
        "object 1 (entrance): the object's position or size is not a finite number",
    );
}

#[test]
fn a_file_that_is_not_a_map_is_refused_not_a_panic() {
    let dir = std::env::temp_dir().join(format!("madang-maps-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (name, bytes) in [
        ("empty.tmx", &b""[..]),
        ("garbage.tmx", &b"\x00\xffnot xml at all<<<"[..]),
        (
            "truncated.tmx",
            &b"<?xml version=\"1.0\"?><map orientation=\"orthogonal\" width=\"4\""[..],
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        let e = load_expo(std::slice::from_ref(&path)).expect_err("not a map");
        assert!(e.0[0].file == path && !e.0[0].message.is_empty(), "{e}");
    }
    let _ = Path::new(&dir);
}

#[test]
fn every_booth_of_the_demo_hall_can_be_walked_to() {
    use madang_shared::path::{find_path, tile_of};
    let hall = load_hall(&root().join("assets/maps/hall.tmx")).unwrap_or_else(|e| panic!("{e}"));
    for spawn in &hall.spawns {
        for booth in &hall.booths {
            let target = booth
                .rect
                .tiles()
                .find(|&(x, y)| !hall.collision.blocked(x, y))
                .expect("a booth has a walkable tile");
            assert!(
                find_path(&hall.collision, tile_of(spawn.pos), target).is_some(),
                "booth {} cannot be reached from spawn {}",
                booth.title.en,
                spawn.name
            );
        }
    }
}

#[test]
fn a_layer_with_fewer_tiles_than_its_size_is_refused_not_a_panic() {
    let good = std::fs::read_to_string(fixture("good.tmx")).expect("fixture");
    let tileset = root().join("assets/tilesets/expo.tsx");
    // Drop the first row of the first layer's CSV: the layer still claims its full size.
    let start = good.find("<data encoding=\"csv\">").expect("a CSV layer")
        + "<data encoding=\"csv\">".len();
    let row_end = good[start + 1..].find('\n').expect("rows") + start + 1;
    let short = format!("{}{}", &good[..start], &good[row_end..]).replace(
        "../../../assets/tilesets/expo.tsx",
        &tileset.to_string_lossy(),
    );
    let dir = std::env::temp_dir().join(format!("madang-short-layer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("short.tmx");
    std::fs::write(&path, short).expect("write");
    let e = load_expo(&[path]).expect_err("a short layer is refused");
    let text = messages(&e).join("\n");
    assert!(text.contains("one tile for every cell"), "{text}");
}

/// A copy of the demo's maps and documents where one casebook is replaced by `bytes` (or
/// removed): what `check-map` says of the hall that names it.
fn with_casebook(bytes: Option<&[u8]>) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!(
        "madang-maps-docs-{}-{}",
        std::process::id(),
        bytes.map(|b| b.len()).unwrap_or(0)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["maps", "tilesets", "photos", "videos", "documents"] {
        std::fs::create_dir_all(dir.join(sub)).expect("a folder");
        for e in std::fs::read_dir(root().join("assets").join(sub)).expect("demo assets") {
            let e = e.expect("an entry");
            std::fs::copy(e.path(), dir.join(sub).join(e.file_name())).expect("a copy");
        }
    }
    let book = dir.join("documents/casebook_social_value.pdf");
    match bytes {
        Some(b) => std::fs::write(&book, b).expect("writes"),
        None => std::fs::remove_file(&book).expect("removes"),
    }
    let (_, problems) = madang_shared::map::check_expo(&[dir.join("maps/hall.tmx")]);
    let _ = std::fs::remove_dir_all(&dir);
    problems.iter().map(|p| p.to_string()).collect()
}

#[test]
fn check_map_finds_documents_that_are_missing_are_not_pdfs_or_do_not_open() {
    let missing = with_casebook(None);
    assert!(
        missing
            .iter()
            .any(|m| m.contains("casebook_social_value.pdf` does not exist")),
        "{missing:?}"
    );
    let foreign = with_casebook(Some(b"PK\x03\x04 a spreadsheet"));
    assert!(
        foreign.iter().any(|m| m.contains("is not a PDF")),
        "{foreign:?}"
    );
    let broken = with_casebook(Some(
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
    ));
    assert!(
        broken.iter().any(|m| m.contains("does not open")),
        "{broken:?}"
    );
    // Four booths of the theme and the lobby's stand (reached through the hall's door) name
    // the casebook: each is a problem of its own.
    assert_eq!(missing.len(), 5, "{missing:?}");
}
