//! Screens watched together, over real UDP: two visitors arriving seconds apart see the same
//! moment of a looping screen; a screen scheduled `daily 14:00` (Seoul time) starts by itself at
//! 14:00 by a pretended clock; an organizer's pause holds it for everyone.

mod common;

use madang_shared::refusal::Refusal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::*;
use madang_shared::protocol::{Role, ScreenAction};

const WAIT: Duration = Duration::from_secs(10);
/// One frame at 25 frames a second.
const FRAME_MS: u64 = 40;
const LOOPING: u32 = 901;
const SCHEDULED: u32 = 902;

/// A real H.264 MP4 of `secs` seconds: one grey 64 × 48 picture a second.
fn write_mp4(path: &Path, secs: u32) {
    let file = std::fs::File::create(path).expect("create");
    let frames = (0..secs).map(|_| [128u8, 128, 128, 255].repeat(64 * 48));
    madang_client::video::write_mp4(std::io::BufWriter::new(file), 64, 48, 1, frames)
        .expect("encodes");
}

/// The demo maps, with two screens added to the lobby beside the entrance.
fn maps_with_screens() -> PathBuf {
    let assets = temp_data_dir();
    let dir = assets.join("maps");
    std::fs::create_dir_all(&dir).expect("maps dir");
    // Media must stay inside the expo's assets folder: the copy brings its own.
    for media in ["photos", "videos", "documents"] {
        std::fs::create_dir_all(assets.join(media)).expect("media dir");
        for e in std::fs::read_dir(root().join("assets").join(media)).expect("demo media") {
            let e = e.expect("entry");
            std::fs::copy(e.path(), assets.join(media).join(e.file_name())).expect("copy");
        }
    }
    let tileset = root().join("assets/tilesets/expo.tsx");
    for name in ["lobby", "hall", "ceremony"] {
        let text =
            std::fs::read_to_string(maps_dir().join(format!("{name}.tmx"))).expect("demo map");
        let mut text = text.replace("../tilesets/expo.tsx", &tileset.to_string_lossy());
        if name == "lobby" {
            let screens = format!(
                r#"  <object id="{LOOPING}" name="loop" type="video_kiosk" x="704" y="384" width="64" height="32">
   <properties><property name="video" value="loop.mp4"/></properties>
  </object>
  <object id="{SCHEDULED}" name="broadcast" type="video_kiosk" x="576" y="384" width="64" height="32">
   <properties><property name="video" value="broadcast.mp4"/><property name="schedule" value="daily 14:00"/></properties>
  </object>
 </objectgroup>"#
            );
            text = text.replace(" </objectgroup>", &screens);
        }
        std::fs::write(dir.join(format!("{name}.tmx")), text).expect("write map");
    }
    write_mp4(&dir.join("loop.mp4"), 30);
    write_mp4(&dir.join("broadcast.mp4"), 600);
    dir
}

fn server(maps: &Path, clock_start: Option<i64>) -> madang_server::ServerHandle {
    madang_server::spawn(madang_server::Settings {
        maps_dir: maps.to_owned(),
        dev_insecure: true,
        clock_start_unix_ms: clock_start,
        ..test_settings()
    })
    .expect("starts")
}

#[test]
fn two_visitors_arriving_apart_see_the_same_moment() {
    let maps = maps_with_screens();
    let server = server(&maps, None);
    let started = Instant::now();
    let mut a = join_as(&server, &maps, "First", Role::Visitor, None, None);
    assert!(pump_until(&mut [&mut a], WAIT, |s| s[0]
        .screen
        .playback
        .contains_key(&LOOPING)));
    pump_for(&mut [&mut a], Duration::from_secs(2));
    let mut b = join_as(&server, &maps, "Late", Role::Visitor, None, None);
    assert!(pump_until(&mut [&mut a, &mut b], WAIT, |s| s[1]
        .screen
        .playback
        .contains_key(&LOOPING)));
    let pa = a.screen_position_ms(LOOPING).expect("a position");
    let pb = b.screen_position_ms(LOOPING).expect("a position");
    assert!(
        pa.abs_diff(pb) <= FRAME_MS,
        "same moment within a frame: {pa} ms and {pb} ms"
    );
    assert!(
        pb >= 2_000,
        "the late visitor starts where the screen is, not at zero: {pb} ms"
    );
    assert!(pb <= started.elapsed().as_millis() as u64 + FRAME_MS);
    server.stop();
}

#[test]
fn a_scheduled_screen_starts_at_its_time() {
    // Pretend the server started at 13:59:58 in Seoul (04:59:58 UTC) on 2026-11-21.
    let maps = maps_with_screens();
    let server = server(&maps, Some(1_795_237_198_000));
    let mut a = join_as(&server, &maps, "Viewer", Role::Visitor, None, None);
    assert!(pump_until(&mut [&mut a], WAIT, |s| s[0]
        .screen
        .playback
        .contains_key(&SCHEDULED)));
    assert!(!a.screen.playback[&SCHEDULED].playing, "waiting for 14:00");
    assert_eq!(a.screen_position_ms(SCHEDULED), Some(0));
    assert!(
        pump_until(&mut [&mut a], Duration::from_secs(6), |s| s[0]
            .screen
            .playback[&SCHEDULED]
            .playing),
        "it starts by itself at 14:00"
    );
    pump_for(&mut [&mut a], Duration::from_millis(500));
    let p = a.screen_position_ms(SCHEDULED).expect("a position");
    assert!(
        (400..2_000).contains(&p),
        "playing from the start of the broadcast: {p} ms"
    );
    server.stop();
}

#[test]
fn an_organizer_pause_holds_the_screen_for_everyone() {
    let maps = maps_with_screens();
    let server = server(&maps, None);
    let mut org = join_as(&server, &maps, "운영자", Role::Organizer, None, None);
    let mut v = join_as(&server, &maps, "Visitor", Role::Visitor, None, None);
    assert!(pump_until(&mut [&mut org, &mut v], WAIT, |s| s
        .iter()
        .all(|x| x.screen.playback.contains_key(&LOOPING))));
    let req = v.control_screen(LOOPING, ScreenAction::Pause);
    let mut answer = None;
    assert!(pump_until(&mut [&mut v], WAIT, |s| {
        answer = s[0].take_answer(req);
        answer.is_some()
    }));
    assert!(
        matches!(&answer, Some(Err(Refusal::OrganizersOnly))),
        "{answer:?}"
    );
    let req = org.control_screen(LOOPING, ScreenAction::Pause);
    assert!(
        pump_until(&mut [&mut org, &mut v], WAIT, |s| {
            s[0].take_answer(req).is_some() && !s[1].screen.playback[&LOOPING].playing
        }),
        "the visitor's screen pauses too"
    );
    let held = v.screen_position_ms(LOOPING).expect("a position");
    pump_for(&mut [&mut org, &mut v], Duration::from_millis(600));
    assert_eq!(
        v.screen_position_ms(LOOPING),
        Some(held),
        "paused means held"
    );
    server.stop();
}

#[test]
fn the_timetable_starts_a_screen_it_names() {
    // The looping screen, named by the timetable at 14:00: it waits, then starts at its time.
    let maps = maps_with_screens();
    let text = std::fs::read_to_string(maps.join("lobby.tmx")).unwrap().replace(
        r#"<property name="video" value="loop.mp4"/>"#,
        r#"<property name="video" value="loop.mp4"/><property name="title" value="환영 영상"/>"#,
    );
    std::fs::write(maps.join("lobby.tmx"), text).unwrap();
    let server = madang_server::spawn(madang_server::Settings {
        maps_dir: maps.clone(),
        dev_insecure: true,
        clock_start_unix_ms: Some(1_795_237_198_000),
        schedule: vec![madang_server::settings::ScheduleItem {
            time: "14:00".into(),
            title: "환영 상영".into(),
            title_en: String::new(),
            minutes: 10,
            hall: Some("lobby".into()),
            opens_ceremony: false,
            screen: Some("환영 영상".into()),
            deck: None,
        }],
        ..test_settings()
    })
    .expect("starts");
    let mut a = join_as(&server, &maps, "Viewer", Role::Visitor, None, None);
    assert!(pump_until(&mut [&mut a], WAIT, |s| s[0]
        .screen
        .playback
        .contains_key(&LOOPING)));
    assert!(
        !a.screen.playback[&LOOPING].playing,
        "waiting for the timetable's 14:00"
    );
    assert!(
        pump_until(&mut [&mut a], Duration::from_secs(6), |s| s[0]
            .screen
            .playback[&LOOPING]
            .playing),
        "the timetable starts it"
    );
    server.stop();
}
