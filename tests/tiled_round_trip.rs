//! Round trips through Tiled itself (Debian's `tiled`, headless with
//! `QT_QPA_PLATFORM=offscreen`; `scripts/test` installs it): each demo hall saved again by
//! Tiled passes the checks and reads as the same hall, and a hall edited by Madang's live
//! editor still opens in Tiled (and reads back with the edit).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use madang_shared::edit::{MapEdit, apply_edit};
use madang_shared::map::{HallMap, Rect, TileImages, load_hall, maps_in_dir};

/// Saves `from` as TMX at `to` with Tiled. Panics with what to install when Tiled is missing.
fn tiled_export(from: &Path, to: &Path) {
    let out = Command::new("tiled")
        .env("QT_QPA_PLATFORM", "offscreen")
        .arg("--export-map")
        .arg("tmx")
        .arg(from)
        .arg(to)
        .output()
        .unwrap_or_else(|e| {
            panic!("Tiled must be installed for this test (Debian's `tiled`; scripts/test installs it): {e}")
        });
    assert!(
        out.status.success() && to.is_file(),
        "Tiled saves {}: {}",
        from.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A hall with its file's own names taken out and its paths made absolute, to compare two
/// readings of the same hall from two files.
fn comparable(mut h: HallMap) -> HallMap {
    let real = |p: &PathBuf| p.canonicalize().unwrap_or_else(|_| p.clone());
    h.id.clear();
    h.source = PathBuf::new();
    h.notes.clear();
    for ts in &mut h.tilesets {
        match &mut ts.images {
            TileImages::Sheet { image, .. } => *image = real(image),
            TileImages::Collection(tiles) => {
                for t in tiles.values_mut() {
                    t.image = real(&t.image);
                }
            }
        }
    }
    for k in &mut h.photo_kiosks {
        k.images = k.images.iter().map(real).collect();
    }
    for k in &mut h.video_kiosks {
        k.video = real(&k.video);
    }
    h
}

#[test]
fn each_demo_hall_saved_again_by_tiled_is_the_same_hall() {
    let assets = temp_data_dir().join("assets");
    copy_assets(&assets);
    let maps = assets.join("maps");
    for path in maps_in_dir(&maps).expect("the demo maps") {
        let id = path
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let saved = maps.join(format!("{id}_saved.tmx"));
        tiled_export(&path, &saved);
        let before = load_hall(&path).unwrap_or_else(|e| panic!("{id}: {e}"));
        let after = load_hall(&saved)
            .unwrap_or_else(|e| panic!("{id} as Tiled saved it passes check-map:\n{e}"));
        assert_eq!(
            comparable(after),
            comparable(before),
            "{id}: the hall Tiled saved reads as the same hall"
        );
    }
}

#[test]
fn a_hall_edited_by_madang_still_opens_in_tiled() {
    let assets = temp_data_dir().join("assets");
    copy_assets(&assets);
    let hall = assets.join("maps/hall.tmx");
    let map = load_hall(&hall).expect("the demo hall");
    let booth = &map.booths[0];
    let moved = Rect {
        x: booth.rect.x + 1.0,
        ..booth.rect
    };
    let text = std::fs::read_to_string(&hall).expect("the TMX");
    let (text, _) = apply_edit(
        &text,
        &MapEdit::Place {
            id: booth.object_id,
            rect: moved,
        },
    )
    .expect("the move is made");
    let (text, added) = apply_edit(
        &text,
        &MapEdit::Add {
            class: "spotlight".into(),
            name: "new stage".into(),
            rect: Rect {
                x: 30.0,
                y: 20.0,
                w: 3.0,
                h: 2.0,
            },
            properties: vec![("title".into(), "새 무대".into())],
        },
    )
    .expect("the stage is added");
    let edited = assets.join("maps/edited.tmx");
    std::fs::write(&edited, text).expect("written");
    let saved = assets.join("maps/edited_saved.tmx");
    tiled_export(&edited, &saved);
    let back = load_hall(&saved).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        back.booths
            .iter()
            .find(|b| b.object_id == booth.object_id)
            .map(|b| b.rect),
        Some(moved),
        "the moved booth, as Tiled saved it"
    );
    let stage = back
        .spotlights
        .iter()
        .find(|s| Some(s.object_id) == added)
        .expect("the added stage, as Tiled saved it");
    assert_eq!(stage.name.ko, "새 무대");
}
