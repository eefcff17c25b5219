//! The organizer panel and a banner, as a person sees them: the real window under Xvfb joins
//! with an organizer's invite code, opens the organizer panel, and the screenshot is checked
//! for the banner (put up beforehand by another organizer, Hangul on red across the top) and
//! for the panel listing the people online with their action buttons.
//!
//! Its own `main` (harness = false): the window needs the main thread. The screenshot is kept
//! at `target/artifacts/client_organizer.png`.

mod common;

use std::process::ExitCode;
use std::time::Duration;

use common::*;
use image::{Rgba, RgbaImage};
use madang_client::Lang;
use madang_client::app::{AppExit, ClientArgs};
use madang_client::session::{JoinOptions, Session};
use madang_server::identity::hash_invite;
use madang_shared::protocol::Role;

const CODE: &str = "expo-organizers-2026";
const BANNER: &str = "오늘 15시 시상식이 열립니다";
const W: u32 = 1280;
const H: u32 = 720;

fn main() -> ExitCode {
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("client_organizer: no X display. Run the tests with the README's test command.");
        return ExitCode::FAILURE;
    }
    if !display_answers() {
        eprintln!("client_organizer: the X server at $DISPLAY does not answer");
        return ExitCode::FAILURE;
    }
    let artifacts = root().join("target/artifacts");
    std::fs::create_dir_all(&artifacts).expect("the artifacts folder can be made");
    let shot = artifacts.join("client_organizer.png");
    let marks_file = shot.with_extension("json");
    let _ = std::fs::remove_file(&shot);
    let _ = std::fs::remove_file(&marks_file);

    let server = madang_server::spawn(madang_server::Settings {
        invites: vec![madang_server::settings::Invite {
            role: Role::Organizer,
            hash: hash_invite(CODE),
            label: "organizers".into(),
        }],
        ..test_settings()
    })
    .expect("the server starts");
    let join = |name: &str, invite: Option<&str>| {
        Session::join(
            &server.url(),
            &JoinOptions {
                name: name.into(),
                hall: Some("hall".into()),
                spawn: Some("plaza".into()),
                visitor_pass: None,
                invite: invite.map(str::to_owned),
                server_cert: None,
                look: None,
            },
            &maps_dir(),
        )
        .expect("joins")
    };
    let mut other = join("공동 운영자", Some(CODE));
    let mut guests: Vec<Session> = ["방문객 가", "방문객 나", "방문객 다"]
        .iter()
        .map(|n| join(n, None))
        .collect();
    assert!(pump_until(
        &mut [&mut other],
        Duration::from_secs(10),
        |s| s[0].is_ready()
    ));
    let req = other.announce(None, Some(BANNER));
    let ok = pump_until(&mut [&mut other], Duration::from_secs(10), |s| {
        s[0].take_answer(req).is_some()
    });
    assert!(ok, "the banner goes up");
    // Keep everyone connected while the window runs.
    let keep = std::thread::spawn(move || {
        let mut all: Vec<&mut Session> = guests.iter_mut().collect();
        all.push(&mut other);
        pump_for(&mut all, Duration::from_secs(90));
    });

    let exit = madang_client::app::run(ClientArgs {
        name: Some("운영자".into()),
        server_cert: None,
        server: server.url(),
        assets: root().join("assets"),
        lang: Lang::Ko,
        hall: Some("lobby".into()),
        spawn: Some("entrance".into()),
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
        invite: Some(CODE.into()),
        look: None,
        organizer_panel: true,
    });
    server.stop();
    drop(keep);
    if exit != AppExit::Success {
        eprintln!("client_organizer: the client did not finish cleanly: {exit:?}");
        return ExitCode::FAILURE;
    }
    println!("client_organizer: screenshot at {}", shot.display());
    let img = image::open(&shot).expect("a PNG").to_rgba8();
    let marks = read_marks(&marks_file);
    let rect = |name: &str| marks.get(name).copied();
    let mut checks = Checks::default();
    checks.check(
        "the banner is up with Hangul text",
        banner_is_shown(&img, rect("banner")),
    );
    checks.check(
        "the organizer panel lists the people online with their actions",
        panel_lists_people(&img, rect("organizer")),
    );
    checks.finish()
}

fn pixels(img: &RgbaImage, (x, y, w, h): (u32, u32, u32, u32)) -> Vec<(u32, u32, Rgba<u8>)> {
    let mut out = Vec::new();
    for yy in y..(y + h).min(img.height()) {
        for xx in x..(x + w).min(img.width()) {
            out.push((xx, yy, *img.get_pixel(xx, yy)));
        }
    }
    out
}

fn banner_is_shown(img: &RgbaImage, area: Option<Area>) -> Result<(), String> {
    let (x, y, w, h) = area.ok_or("no banner on screen")?;
    if w < 300 || h < 20 {
        return Err(format!("the banner is only {w}×{h}"));
    }
    let px = pixels(img, (x, y, w, h));
    let red = px
        .iter()
        .filter(|(_, _, p)| p[0] > 150 && p[1] < 90 && p[2] < 90)
        .count();
    if red * 2 < px.len() {
        return Err(format!(
            "only {red} of {} banner pixels are its red",
            px.len()
        ));
    }
    let white: Vec<(u32, u32)> = px
        .iter()
        .filter(|(_, _, p)| p[0] > 220 && p[1] > 220 && p[2] > 220)
        .map(|(x, y, _)| (*x, *y))
        .collect();
    if white.len() < 200 {
        return Err(format!("only {} glyph pixels on the banner", white.len()));
    }
    // Many separate strokes: real Hangul, not a row of missing-glyph boxes.
    let strokes = groups(&white);
    if strokes < 20 {
        return Err(format!("only {strokes} strokes on the banner"));
    }
    println!(
        "  banner: {} glyph pixels in {strokes} strokes",
        white.len()
    );
    Ok(())
}

/// 8-connected groups of at least four points.
fn groups(points: &[(u32, u32)]) -> usize {
    let set: std::collections::HashSet<(u32, u32)> = points.iter().copied().collect();
    let mut seen = std::collections::HashSet::new();
    let mut n = 0;
    for &p in points {
        if !seen.insert(p) {
            continue;
        }
        let mut stack = vec![p];
        let mut size = 0;
        while let Some((x, y)) = stack.pop() {
            size += 1;
            for dx in -1i32..=1 {
                for dy in -1i32..=1 {
                    let q = ((x as i32 + dx) as u32, (y as i32 + dy) as u32);
                    if set.contains(&q) && seen.insert(q) {
                        stack.push(q);
                    }
                }
            }
        }
        if size >= 4 {
            n += 1;
        }
    }
    n
}

fn panel_lists_people(img: &RgbaImage, area: Option<Area>) -> Result<(), String> {
    let (x, y, w, h) = area.ok_or("the organizer panel is not open")?;
    if w < 400 || h < 300 {
        return Err(format!("the panel is only {w}×{h}"));
    }
    let px = pixels(img, (x, y, w, h));
    let dark = px
        .iter()
        .filter(|(_, _, p)| p[0] < 40 && p[1] < 40 && p[2] < 50)
        .count();
    if dark * 3 < px.len() {
        return Err(format!("only {dark} of {} panel pixels are dark", px.len()));
    }
    // Each person's row has four action buttons in the button blue (56, 77, 115): five people
    // (three guests, the other organizer, you) give twenty buttons.
    let button = px
        .iter()
        .filter(|(_, _, p)| {
            (p[0] as i32 - 56).abs() < 6
                && (p[1] as i32 - 77).abs() < 6
                && (p[2] as i32 - 115).abs() < 6
        })
        .count();
    if button < 20 * 150 {
        return Err(format!(
            "only {button} button pixels: the people are not listed"
        ));
    }
    println!("  panel: {button} button pixels");
    Ok(())
}
