//! A map drawn for WorkAdventure, in the real window: the starter kit's office
//! (`tests/fixtures/workadventure/`, with its stand-in tilesets) served by a test server and
//! drawn by the client under Xvfb, your avatar at its `start` layer's arrival. The screenshot
//! (`target/artifacts/client_maps.png`) is checked for the map's tiles across the window, the
//! layer over the people, your avatar, and the meeting room's outline.
//!
//! The window must run on the main thread, so this test has its own `main` (harness = false).

mod common;

use std::process::ExitCode;

use common::*;
use image::RgbaImage;
use madang_client::Lang;
use madang_client::app::{AppExit, ClientArgs};

const W: u32 = 1280;
const H: u32 = 720;
/// Where you arrive: the office's `start` layer's middle tile.
const ME: (f32, f32) = (8.5, 17.5);

fn main() -> ExitCode {
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("client_maps: no X display. Run the tests with scripts/test, which starts Xvfb.");
        return ExitCode::FAILURE;
    }
    if !display_answers() {
        eprintln!("client_maps: the X server at $DISPLAY does not answer");
        return ExitCode::FAILURE;
    }
    let artifacts = root().join("target/artifacts");
    std::fs::create_dir_all(&artifacts).expect("the artifacts folder can be made");
    let shot = artifacts.join("client_maps.png");
    let _ = std::fs::remove_file(&shot);

    // The window's assets: the demo's fonts and sprites, and the starter kit as the maps.
    let assets = temp_data_dir().join("assets");
    let kit = root().join("tests/fixtures/workadventure");
    copy_tree(&root().join("assets/fonts"), &assets.join("fonts"));
    copy_tree(&root().join("assets/sprites"), &assets.join("sprites"));
    copy_tree(&kit, &assets.join("maps"));
    let server = madang_server::spawn(madang_server::Settings {
        maps_dir: assets.join("maps"),
        entrance: "office".into(),
        ..test_settings()
    })
    .expect("a server on the starter kit starts");
    let exit = madang_client::app::run(ClientArgs {
        name: Some("지도 손님".into()),
        server_cert: None,
        server: server.url(),
        assets: assets.clone(),
        lang: Lang::Ko,
        hall: Some("office".into()),
        spawn: Some("start".into()),
        screenshot: Some(shot.clone()),
        visit: None,
        passes: None,
        settings: None,
        shots: None,
        width: W,
        height: H,
        voice: false,
        mic: None,
        speaker: None,
        push_to_talk: false,
        invite: None,
        look: None,
        organizer_panel: false,
    });
    server.stop();
    if exit != AppExit::Success {
        eprintln!("client_maps: the client did not finish cleanly: {exit:?}");
        return ExitCode::FAILURE;
    }
    println!("client_maps: screenshot at {}", shot.display());
    let img = image::open(&shot)
        .expect("the screenshot is a PNG")
        .to_rgba8();
    let mut checks = Checks::default();
    for (name, check) in [
        (
            "the office's tiles are drawn across the window",
            tiles_are_drawn as fn(&RgbaImage) -> Result<(), String>,
        ),
        ("your avatar is drawn at the centre", avatar_is_drawn),
        (
            "the meeting room MeetingRoom is outlined where the map puts it",
            meeting_room_is_outlined,
        ),
    ] {
        checks.check(name, check(&img));
    }
    checks.finish()
}

/// Where a point of the hall (tiles) is in the screenshot, the camera on you.
fn on_screen(x: f32, y: f32) -> (u32, u32) {
    (
        (W as f32 / 2.0 + (x - ME.0) * 32.0) as u32,
        (H as f32 / 2.0 + (y - ME.1) * 32.0) as u32,
    )
}

fn tiles_are_drawn(img: &RgbaImage) -> Result<(), String> {
    // The office is 31 × 21 tiles (992 × 672 px): it fills most of the window around you.
    let (x0, y0) = on_screen(1.0, 7.0);
    let (x1, y1) = on_screen(20.0, 20.0);
    let total = ((x1 - x0) * (y1 - y0)) as usize;
    let background = count(img, x0, y0, x1, y1, |p| close(p, [28, 31, 38], 3));
    if background * 20 > total {
        return Err(format!("{background} of {total} pixels are the background"));
    }
    // The stand-in tiles are each a colour of their own.
    let distinct: std::collections::HashSet<[u8; 3]> = (y0..y1)
        .step_by(7)
        .flat_map(|y| (x0..x1).step_by(7).map(move |x| (x, y)))
        .map(|(x, y)| {
            let p = img.get_pixel(x, y);
            [p[0], p[1], p[2]]
        })
        .collect();
    if distinct.len() < 40 {
        return Err(format!(
            "only {} colours: tiles are missing",
            distinct.len()
        ));
    }
    Ok(())
}

fn avatar_is_drawn(img: &RgbaImage) -> Result<(), String> {
    let (cx, cy) = (W / 2, H / 2);
    let ring = count(img, cx - 22, cy - 22, cx + 22, cy + 22, |p| {
        close(p, [255, 210, 40], 12)
    });
    if ring < 20 {
        return Err(format!("{ring} ring pixels near the centre"));
    }
    Ok(())
}

fn meeting_room_is_outlined(img: &RgbaImage) -> Result<(), String> {
    // MeetingRoom spans tiles (24, 7) to (30, 14): its left edge is a teal line (0.1, 0.55,
    // 0.55) three pixels wide at x = 24 tiles.
    let (x, y0) = on_screen(24.0, 8.0);
    let (_, y1) = on_screen(24.0, 13.0);
    let teal = count(img, x.saturating_sub(3), y0, x + 3, y1, |p| {
        close(p, [89, 196, 196], 40) || close(p, [26, 140, 140], 30)
    });
    if teal < (y1 - y0) as usize {
        return Err(format!("{teal} outline pixels along its left edge"));
    }
    Ok(())
}
