//! The client as a person sees it: the real window under Xvfb with Mesa's software Vulkan
//! (lavapipe) connects to a test server, saves a screenshot, and the screenshot is checked for
//! the hall, an avatar and a Hangul name label.
//!
//! The window must run on the main thread, so this test has its own `main` (harness = false).
//! Run it through the README's test command, which provides the X server. The screenshot is
//! kept as an artifact: its path is printed.

mod common;

use std::process::ExitCode;

use common::*;
use image::{Rgba, RgbaImage};
use madang_client::Lang;
use madang_client::app::{AppExit, ClientArgs};
use skrifa::MetadataProvider;

const NAME: &str = "한글 이름";
const W: u32 = 1280;
const H: u32 = 720;

fn main() -> ExitCode {
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!(
            "client_window: no X display. Run the tests with the README's test command (scripts/test), \
             which starts Xvfb."
        );
        return ExitCode::FAILURE;
    }
    if !display_answers() {
        eprintln!("client_window: the X server at $DISPLAY does not answer");
        return ExitCode::FAILURE;
    }
    let artifacts = root().join("target/artifacts");
    std::fs::create_dir_all(&artifacts).expect("the artifacts folder can be made");
    let shot = artifacts.join("client_window.png");
    let _ = std::fs::remove_file(&shot);

    let server = start_server();
    let exit = madang_client::app::run(ClientArgs {
        name: Some(NAME.into()),
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
        // No sound card under Xvfb: this runs the "voice unavailable" path.
        voice: true,
        mic: None,
        speaker: None,
        push_to_talk: false,
        invite: None,
        look: None,
        organizer_panel: false,
    });
    server.stop();
    if exit != AppExit::Success {
        eprintln!("client_window: the client did not finish cleanly: {exit:?}");
        return ExitCode::FAILURE;
    }
    println!("client_window: screenshot at {}", shot.display());
    let mut checks = Checks::default();
    let img = image::open(&shot)
        .expect("the screenshot is a PNG")
        .to_rgba8();
    for (name, check) in [
        (
            "the bundled font covers the Hangul name",
            font_covers_name as fn(&RgbaImage) -> Result<(), String>,
        ),
        ("the window is the requested size", right_size),
        ("the hall is drawn across the window", hall_is_drawn),
        ("your avatar is drawn at the centre", avatar_is_drawn),
        ("a name label with glyphs is drawn above it", label_is_drawn),
    ] {
        checks.check(name, check(&img));
    }
    checks.finish()
}

fn font_covers_name(_: &RgbaImage) -> Result<(), String> {
    let bytes =
        std::fs::read(root().join("assets/fonts/NanumGothic.ttf")).map_err(|e| e.to_string())?;
    let font = skrifa::FontRef::new(&bytes).map_err(|e| e.to_string())?;
    let map = font.charmap();
    match NAME
        .chars()
        .filter(|c| !c.is_whitespace())
        .find(|&c| map.map(c).is_none())
    {
        Some(c) => Err(format!("no glyph for {c:?}")),
        None => Ok(()),
    }
}

fn right_size(img: &RgbaImage) -> Result<(), String> {
    if img.dimensions() == (W, H) {
        Ok(())
    } else {
        Err(format!("{:?}", img.dimensions()))
    }
}

fn hall_is_drawn(img: &RgbaImage) -> Result<(), String> {
    // The clear colour is (28, 31, 38); the lobby fills the window around the entrance.
    let total = (img.width() * img.height()) as usize;
    let background = count(img, 0, 0, img.width(), img.height(), |p| {
        close(p, [28, 31, 38], 3)
    });
    let distinct: std::collections::HashSet<[u8; 3]> = img
        .pixels()
        .step_by(97)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    if background * 10 > total {
        return Err(format!("{background} of {total} pixels are background"));
    }
    if distinct.len() < 30 {
        return Err(format!(
            "only {} distinct colours: tiles are missing",
            distinct.len()
        ));
    }
    Ok(())
}

fn avatar_is_drawn(img: &RgbaImage) -> Result<(), String> {
    let (cx, cy) = (W / 2, H / 2);
    // The face (255, 236, 214) and the yellow ring (255, 210, 40) of your own avatar.
    let face = count(img, cx - 20, cy - 20, cx + 20, cy + 20, |p| {
        close(p, [255, 236, 214], 6)
    });
    let ring = count(img, cx - 22, cy - 22, cx + 22, cy + 22, |p| {
        close(p, [255, 210, 40], 12)
    });
    if face < 20 || ring < 20 {
        return Err(format!(
            "face pixels {face}, ring pixels {ring} near the centre"
        ));
    }
    Ok(())
}

fn label_is_drawn(img: &RgbaImage) -> Result<(), String> {
    let (cx, cy) = (W / 2, H / 2);
    // The label is a dark plate just above the avatar, with light glyphs on it.
    let dark = |p: &Rgba<u8>| p[0] < 70 && p[1] < 70 && p[2] < 80;
    let light = |p: &Rgba<u8>| p[0] > 200 && p[1] > 200 && p[2] > 200;
    let (x0, y0, x1, y1) = (cx - 100, cy - 64, cx + 100, cy - 14);
    let mut plate: Option<(u32, u32, u32, u32)> = None;
    for y in y0..y1 {
        for x in x0..x1 {
            if dark(img.get_pixel(x, y)) {
                let b = plate.get_or_insert((x, y, x, y));
                *b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
            }
        }
    }
    let Some((px0, py0, px1, py1)) = plate else {
        return Err("no dark label plate above the avatar".into());
    };
    if px1 - px0 < 30 || py1 - py0 < 10 {
        return Err(format!("the plate is only {}×{} px", px1 - px0, py1 - py0));
    }
    // Glyph ink inside the plate: four Hangul syllables at 14 px leave well over a hundred
    // light pixels, spread across the plate's width (not one blob, not an empty box).
    let ink = count(img, px0, py0, px1 + 1, py1 + 1, light);
    if ink < 80 {
        return Err(format!("only {ink} glyph pixels on the plate"));
    }
    let columns: Vec<u32> = (px0..=px1)
        .filter(|&x| (py0..=py1).any(|y| light(img.get_pixel(x, y))))
        .collect();
    let spread = columns.last().copied().unwrap_or(0) - columns.first().copied().unwrap_or(0);
    if spread < 40 {
        return Err(format!("the glyphs span only {spread} px"));
    }
    // Real Hangul, not boxes for missing glyphs: "한글 이름" is a dozen separate strokes
    // (ㅎ's dot and bar and ring, ㅏ, ㄴ, ㄱ, ㅡ, ㄹ, ...); a font without Hangul draws four
    // hollow boxes, four strokes. Measured: 12 strokes with NanumGothic, 4 with DejaVu Sans Mono.
    let strokes = strokes(img, (px0, py0, px1, py1), light);
    if strokes < 8 {
        return Err(format!(
            "only {strokes} separate strokes: boxes for missing glyphs?"
        ));
    }
    Ok(())
}

/// Counts the 8-connected groups of at least four `ink` pixels inside a box.
fn strokes(
    img: &RgbaImage,
    (x0, y0, x1, y1): (u32, u32, u32, u32),
    ink: impl Fn(&Rgba<u8>) -> bool,
) -> usize {
    let mut seen = std::collections::HashSet::new();
    let mut groups = 0;
    for y in y0..=y1 {
        for x in x0..=x1 {
            if seen.contains(&(x, y)) || !ink(img.get_pixel(x, y)) {
                continue;
            }
            let mut stack = vec![(x, y)];
            seen.insert((x, y));
            let mut size = 0;
            while let Some((cx, cy)) = stack.pop() {
                size += 1;
                for (nx, ny) in [
                    (cx.wrapping_sub(1), cy.wrapping_sub(1)),
                    (cx, cy.wrapping_sub(1)),
                    (cx + 1, cy.wrapping_sub(1)),
                    (cx.wrapping_sub(1), cy),
                    (cx + 1, cy),
                    (cx.wrapping_sub(1), cy + 1),
                    (cx, cy + 1),
                    (cx + 1, cy + 1),
                ] {
                    if (x0..=x1).contains(&nx)
                        && (y0..=y1).contains(&ny)
                        && !seen.contains(&(nx, ny))
                        && ink(img.get_pixel(nx, ny))
                    {
                        seen.insert((nx, ny));
                        stack.push((nx, ny));
                    }
                }
            }
            if size >= 4 {
                groups += 1;
            }
        }
    }
    groups
}
