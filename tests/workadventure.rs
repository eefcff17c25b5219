//! A real map drawn for WorkAdventure opens as a hall: the two maps of WorkAdventure's map
//! starter kit (`tests/fixtures/workadventure/`, saved as TMX, with stand-in tilesets) load
//! with their arrivals, meeting rooms, quiet zone and doors; a visitor walks through the
//! office's door into the conference room over real UDP; bots wander both maps.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::*;
use madang_client::session::{JoinOptions, Session};
use madang_shared::Vec2;
use madang_shared::map::{Rect, load_expo};
use madang_shared::path::tile_of;

const WAIT: Duration = Duration::from_secs(10);

fn kit() -> PathBuf {
    root().join("tests/fixtures/workadventure")
}

fn rect(x: f32, y: f32, w: f32, h: f32) -> Rect {
    Rect { x, y, w, h }
}

#[test]
fn the_starter_kit_opens_as_two_halls_with_their_rooms_and_doors() {
    let halls = load_expo(&[kit().join("office.tmx")])
        .unwrap_or_else(|e| panic!("the starter kit's maps load:\n{e}"));
    let ids: Vec<&str> = halls.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(
        ids,
        ["office", "conference"],
        "the office's door brings the conference"
    );
    let office = &halls[0];
    assert_eq!((office.width, office.height), (31, 21));
    assert_eq!(office.title.en, "Office", "mapName");
    let spawns: Vec<(&str, Vec2)> = office
        .spawns
        .iter()
        .map(|s| (s.name.as_str(), s.pos))
        .collect();
    assert_eq!(
        spawns,
        [
            ("from-conference", Vec2::new(2.5, 17.5)),
            ("start", Vec2::new(8.5, 17.5))
        ]
    );
    let rooms: Vec<(&str, Rect)> = office
        .private_areas
        .iter()
        .map(|a| (a.id.as_str(), a.rect))
        .collect();
    assert_eq!(
        rooms,
        [
            ("ChillZone", rect(1.0, 3.0, 6.0, 4.0)),
            ("MeetingRoom", rect(24.0, 7.0, 6.0, 7.0))
        ]
    );
    assert_eq!(office.silent_areas[0].rect, rect(20.0, 17.0, 7.0, 4.0));
    let door = &office.portals[0];
    assert_eq!(
        (door.to_map.as_str(), door.to_spawn.as_str(), door.rect),
        ("conference", "from-office", rect(0.0, 16.0, 1.0, 2.0))
    );
    let back = &halls[1].portals[0];
    assert_eq!(
        (back.to_map.as_str(), back.to_spawn.as_str()),
        ("office", "from-conference")
    );
    let over: Vec<&str> = office
        .layers
        .iter()
        .filter(|l| l.above)
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(over, ["above/above1", "above/above2"], "after floorLayer");
    assert!(
        office.collision.count() > 100,
        "the collisions layer's walls"
    );
    assert!(
        office
            .notes
            .iter()
            .any(|n| n.to_string().contains("`script`")),
        "the script is a note: {:?}",
        office.notes
    );
}

fn kit_server() -> madang_server::ServerHandle {
    madang_server::spawn(madang_server::Settings {
        maps_dir: kit(),
        entrance: "office".into(),
        ..test_settings()
    })
    .unwrap_or_else(|e| panic!("a server on the starter kit's maps starts: {e}"))
}

#[test]
fn a_visitor_walks_through_the_offices_door_into_the_conference_room() {
    let server = kit_server();
    let mut a = Session::join(
        &server.url(),
        &JoinOptions {
            name: "Explorer".into(),
            hall: Some("office".into()),
            spawn: Some("from-conference".into()),
            visitor_pass: None,
            invite: None,
            server_cert: None,
            look: None,
        },
        &kit(),
    )
    .unwrap_or_else(|e| panic!("joins: {e}"));
    assert!(pump_until(&mut [&mut a], WAIT, |s| s[0].is_ready()));
    assert_eq!(a.hall_id(), Some("office"));
    let door = a.hall_map.as_ref().expect("the office").portals[0].rect;
    // To the tile beside the door (it stands in the west wall), then west into it.
    let beside = tile_of(door.center());
    assert!(
        walk(
            &mut [&mut a],
            &[(beside.0 + 1, beside.1)],
            Duration::from_secs(15)
        )[0],
        "walked to the door"
    );
    let tick = Duration::from_secs_f32(a.tick_dt());
    for _ in 0..60 {
        std::thread::sleep(tick);
        a.poll(tick);
        if a.hall_id() == Some("conference") {
            break;
        }
        a.step(madang_shared::rules::MoveInput::new(-1, 0));
        a.flush();
    }
    assert!(
        pump_until(&mut [&mut a], WAIT, |s| s[0].hall_id()
            == Some("conference")
            && s[0].me.is_some()),
        "through the door"
    );
    let me = a.me.as_ref().expect("welcomed");
    assert_eq!(
        me.pos,
        Vec2::new(20.5, 4.5),
        "arrived at the conference room's from-office"
    );
    server.stop();
}

#[test]
fn bots_wander_the_starter_kit_without_losing_anyone() {
    use madang_client::bots::{BotOptions, run_bots};
    let server = kit_server();
    let report = run_bots(&BotOptions {
        server_url: server.url(),
        count: 20,
        duration: Some(Duration::from_secs(5)),
        maps_dir: kit(),
        name_prefix: "봇".into(),
        hall: Some("office".into()),
        seed: 7,
        speak: None,
        server_cert: None,
        probe: false,
        probe_spawn: None,
        always_move: true,
    });
    assert_eq!(report.joined, 20, "{report:?}");
    assert_eq!(report.lost, 0, "nobody was dropped: {report:?}");
    assert!(
        report.snapshots > 20 * 20,
        "the bots saw each other move: {report:?}"
    );
    server.stop();
}
