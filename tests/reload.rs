//! Live map editing from disk: the TMX of a hall changes under the running server (as when an
//! organizer saves it in Tiled); the server takes it, the client is sent the new hall, and
//! someone now standing in a new wall is moved to the nearest free tile. A change that breaks
//! the map is refused and the hall stays as it was.

mod common;

use madang_shared::refusal::Refusal;
use std::time::Duration;

use common::*;
use madang_server::Settings;
use madang_shared::map::load_hall;
use madang_shared::rules::{Blocking, overlaps_blocked};

/// The TMX with tile (x, y) of its `things` layer set to the gid at (0, 0) there (a wall).
fn wall_at(tmx: &str, x: usize, y: usize, width: usize) -> String {
    let layer = tmx.find("name=\"things\"").unwrap();
    let start = layer
        + tmx[layer..].find("<data encoding=\"csv\">").unwrap()
        + "<data encoding=\"csv\">".len();
    let end = start + tmx[start..].find("</data>").unwrap();
    let mut cells: Vec<String> = tmx[start..end]
        .split(',')
        .map(|c| c.trim().to_owned())
        .collect();
    let wall = cells[0].clone();
    cells[y * width + x] = wall;
    let rows: Vec<String> = cells.chunks(width).map(|r| r.join(",")).collect();
    format!("{}\n{}\n{}", &tmx[..start], rows.join(",\n"), &tmx[end..])
}

#[test]
fn a_map_changed_on_disk_is_taken_live_and_moves_people_out_of_new_walls() {
    let assets = temp_data_dir().join("assets");
    copy_assets(&assets);
    let settings = Settings {
        maps_dir: assets.join("maps"),
        ..test_settings()
    };
    let server = madang_server::spawn(settings).expect("starts");
    let mut s = madang_client::session::Session::join(
        &server.url(),
        &madang_client::session::JoinOptions {
            name: "편집 지켜보기".into(),
            hall: Some("hall".into()),
            spawn: Some("plaza".into()),
            ..Default::default()
        },
        &assets.join("maps"),
    )
    .expect("joins");
    ready(&mut s);
    // A few steps off the spawn (a wall on a spawn would be refused, rightly).
    walk(&mut [&mut s], &[(35, 22)], Duration::from_secs(10));
    let pos = s.me.as_ref().unwrap().server_pos;
    let (tx, ty) = (pos.x.floor() as usize, pos.y.floor() as usize);
    let path = assets.join("maps/hall.tmx");
    let original = std::fs::read_to_string(&path).unwrap();
    let width = s.hall_map.as_ref().unwrap().width as usize;
    // Let the server see the file once before it changes.
    pump_for(&mut [&mut s], Duration::from_millis(1500));

    // A broken edit is refused: the hall stays (a booth's theme that does not exist is a
    // problem; an unknown class would only be a note).
    std::fs::write(
        &path,
        original.replace("value=\"social_value\"", "value=\"no_such_theme\""),
    )
    .unwrap();
    pump_for(&mut [&mut s], Duration::from_millis(2500));
    assert_eq!(s.hall_generation, 0, "a broken map is not sent");

    // A wall right where the visitor stands.
    std::fs::write(&path, wall_at(&original, tx, ty, width)).unwrap();
    let ok = pump_until(&mut [&mut s], Duration::from_secs(10), |x| {
        x[0].hall_generation >= 1
    });
    assert!(ok, "the client gets the new hall");
    let map = s.hall_map.clone().unwrap();
    assert!(
        map.collision.blocked(tx as i32, ty as i32),
        "with the new wall"
    );
    assert_eq!(
        *map,
        load_hall(&path).expect("the file loads"),
        "the same model as the file"
    );
    let ok = pump_until(&mut [&mut s], Duration::from_secs(5), |x| {
        let p = x[0].me.as_ref().unwrap().server_pos;
        !overlaps_blocked(&map.collision, p)
    });
    assert!(ok, "the visitor is moved out of the wall");
    let moved = s.me.as_ref().unwrap().server_pos;
    assert!(
        moved.distance(pos) < 1.5,
        "to the nearest free tile: {pos} → {moved}"
    );
    server.stop();
}

#[test]
fn an_organizer_edits_a_booth_it_is_saved_to_the_tmx_and_can_be_taken_back() {
    use madang_shared::edit::MapEdit;
    use madang_shared::protocol::Role;
    let assets = temp_data_dir().join("assets");
    copy_assets(&assets);
    let maps = assets.join("maps");
    let server = madang_server::spawn(Settings {
        maps_dir: maps.clone(),
        dev_insecure: true,
        ..test_settings()
    })
    .expect("starts");
    let mut o = join_as(
        &server,
        &maps,
        "운영자",
        Role::Organizer,
        Some("hall"),
        Some("plaza"),
    );
    let mut v = join_as(
        &server,
        &maps,
        "방문객",
        Role::Visitor,
        Some("hall"),
        Some("plaza"),
    );
    ready(&mut o);
    ready(&mut v);
    let path = maps.join("hall.tmx");
    let original = load_hall(&path).expect("loads");
    let booth = original.booths[0].clone();

    // A visitor cannot.
    let req = v.edit_map(MapEdit::Delete {
        id: booth.object_id,
    });
    assert!(answer(&mut v, req).is_err());

    // Move the booth a tile right and rename it.
    let mut moved = booth.rect;
    moved.x += 1.0;
    let req = o.edit_map(MapEdit::Place {
        id: booth.object_id,
        rect: moved,
    });
    assert_eq!(answer(&mut o, req), Ok(()));
    let req = o.edit_map(MapEdit::SetProperty {
        id: booth.object_id,
        key: "title".into(),
        value: "새 이름의 부스".into(),
    });
    assert_eq!(answer(&mut o, req), Ok(()));
    let ok = pump_until(&mut [&mut o, &mut v], Duration::from_secs(10), |s| {
        s[1].hall_map
            .as_ref()
            .and_then(|m| m.booths.iter().find(|b| b.object_id == booth.object_id))
            .is_some_and(|b| b.title.ko == "새 이름의 부스" && b.rect == moved)
    });
    assert!(ok, "everyone in the hall gets the edited booth");
    let from_disk = load_hall(&path).expect("the saved file loads (as Tiled would open it)");
    assert_eq!(
        *v.hall_map.clone().unwrap(),
        from_disk,
        "the hall as edited is the hall in the file"
    );

    // An edit that breaks the map is refused, and nothing is saved.
    let spawn = original.spawns[0].object_id;
    let before = std::fs::read_to_string(&path).unwrap();
    let req = o.edit_map(MapEdit::Place {
        id: spawn,
        rect: madang_shared::map::Rect {
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0,
        },
    });
    let why = answer(&mut o, req).expect_err("a spawn in a wall");
    assert!(matches!(why, Refusal::EditBreaksMap { .. }), "{why}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);

    // Undo twice: the original hall again.
    for _ in 0..2 {
        let req = o.undo_edit();
        assert_eq!(answer(&mut o, req), Ok(()));
    }
    let ok = pump_until(&mut [&mut o, &mut v], Duration::from_secs(10), |s| {
        s[1].hall_map.as_deref() == Some(&original)
    });
    assert!(ok, "the edits are taken back");
    assert_eq!(load_hall(&path).unwrap(), original);
    server.stop();
}

#[test]
fn each_organizer_takes_back_and_redoes_only_their_own_edits() {
    use madang_shared::edit::MapEdit;
    use madang_shared::protocol::Role;
    let assets = temp_data_dir().join("assets");
    copy_assets(&assets);
    let maps = assets.join("maps");
    let server = madang_server::spawn(Settings {
        maps_dir: maps.clone(),
        dev_insecure: true,
        ..test_settings()
    })
    .expect("starts");
    let join = |name| {
        join_as(
            &server,
            &maps,
            name,
            Role::Organizer,
            Some("hall"),
            Some("plaza"),
        )
    };
    let (mut a, mut b) = (join("운영자 가"), join("운영자 나"));
    ready(&mut a);
    ready(&mut b);
    let path = maps.join("hall.tmx");
    let original = load_hall(&path).expect("loads");
    let (first, second) = (original.booths[0].clone(), original.booths[1].clone());
    let on_disk = |id: u32| {
        load_hall(&path)
            .unwrap()
            .booths
            .into_iter()
            .find(|x| x.object_id == id)
    };

    // A moves the first booth; B renames the second.
    let mut moved = first.rect;
    moved.x += 1.0;
    let req = a.edit_map(MapEdit::Place {
        id: first.object_id,
        rect: moved,
    });
    assert_eq!(answer(&mut a, req), Ok(()));
    let req = b.edit_map(MapEdit::SetProperty {
        id: second.object_id,
        key: "title".into(),
        value: "나의 부스".into(),
    });
    assert_eq!(answer(&mut b, req), Ok(()));

    // A's undo takes back A's move, and B's rename stays.
    let req = a.undo_edit();
    assert_eq!(answer(&mut a, req), Ok(()));
    assert_eq!(on_disk(first.object_id).unwrap().rect, first.rect);
    assert_eq!(on_disk(second.object_id).unwrap().title.ko, "나의 부스");
    let req = a.undo_edit();
    assert_eq!(answer(&mut a, req), Err(Refusal::NothingToUndo));

    // A redoes it; then B's undo takes back only B's rename.
    let req = a.redo_edit();
    assert_eq!(answer(&mut a, req), Ok(()));
    assert_eq!(on_disk(first.object_id).unwrap().rect, moved);
    let req = a.redo_edit();
    assert_eq!(answer(&mut a, req), Err(Refusal::NothingToRedo));
    let req = b.undo_edit();
    assert_eq!(answer(&mut b, req), Ok(()));
    assert_eq!(on_disk(second.object_id).unwrap().title, second.title);
    assert_eq!(on_disk(first.object_id).unwrap().rect, moved);

    // B moves the booth A moved: A can no longer take A's move back over it.
    let mut again = moved;
    again.y += 1.0;
    let req = b.edit_map(MapEdit::Place {
        id: first.object_id,
        rect: again,
    });
    assert_eq!(answer(&mut b, req), Ok(()));
    let req = a.undo_edit();
    assert_eq!(
        answer(&mut a, req),
        Err(Refusal::ChangedSince {
            id: first.object_id
        })
    );
    assert_eq!(on_disk(first.object_id).unwrap().rect, again);

    // A deleted booth comes back with its id (its hearts and comments are keyed by it).
    let req = b.edit_map(MapEdit::Delete {
        id: second.object_id,
    });
    assert_eq!(answer(&mut b, req), Ok(()));
    assert!(on_disk(second.object_id).is_none());
    let req = b.undo_edit();
    assert_eq!(answer(&mut b, req), Ok(()));
    assert_eq!(on_disk(second.object_id), Some(second.clone()));
    // And everyone is sent the hall as it is on disk.
    let ok = pump_until(&mut [&mut a, &mut b], Duration::from_secs(10), |s| {
        s[0].hall_map.as_deref() == Some(&load_hall(&path).unwrap())
    });
    assert!(ok, "the hall as edited reaches everyone");
    server.stop();
}
