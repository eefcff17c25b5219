//! A booth up close, as a person sees it: the real window under Xvfb with lavapipe arrives in
//! the exhibition hall, walks to a booth through the directory's path finding (`--visit`),
//! the booth's panel opens, and the screenshot is checked: the panel is there, its photo is
//! the booth's first photo, its video shows a decoded picture (not black), and the heart and
//! comment given beforehand by another visitor are counted.
//!
//! Like `client_window`, it has its own `main` (harness = false): the window needs the main
//! thread. The screenshot is kept at `target/artifacts/client_booth.png`.

mod common;

use std::process::ExitCode;
use std::time::Duration;

use common::*;
use image::{Rgba, RgbaImage, imageops};
use madang_client::Lang;
use madang_client::app::{AppExit, ClientArgs};

const BOOTH: &str = "119 video medical guidance on scene";
const W: u32 = 1280;
const H: u32 = 720;

fn main() -> ExitCode {
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("client_booth: no X display. Run the tests with the README's test command.");
        return ExitCode::FAILURE;
    }
    if !display_answers() {
        eprintln!("client_booth: the X server at $DISPLAY does not answer");
        return ExitCode::FAILURE;
    }
    let artifacts = root().join("target/artifacts");
    std::fs::create_dir_all(&artifacts).expect("the artifacts folder can be made");
    let shot = artifacts.join("client_booth.png");
    let marks_file = shot.with_extension("json");
    let _ = std::fs::remove_file(&shot);
    let _ = std::fs::remove_file(&marks_file);

    let server = start_server();
    // Another visitor leaves a heart and a comment first.
    let mut other = join(&server, "먼저 온 사람", "hall", "plaza");
    let ok = pump_until(&mut [&mut other], Duration::from_secs(10), |s| {
        s[0].is_ready()
    });
    assert!(ok, "the other visitor arrives");
    let booth = other
        .hall_map
        .as_ref()
        .and_then(|m| m.booths.iter().find(|b| b.title.en == BOOTH))
        .map(|b| b.object_id)
        .expect("the booth is in the hall");
    let heart = other.heart(booth, true);
    let comment = other.comment(booth, "감동적인 사례입니다");
    let ok = pump_until(&mut [&mut other], Duration::from_secs(10), |s| {
        s[0].take_answer(heart).is_some() && s[0].take_answer(comment).is_some()
    });
    assert!(ok, "the heart and the comment are saved");
    other.disconnect();

    let exit = madang_client::app::run(ClientArgs {
        name: Some("부스 방문객".into()),
        server_cert: None,
        server: server.url(),
        assets: root().join("assets"),
        lang: Lang::Ko,
        hall: Some("hall".into()),
        spawn: Some("plaza".into()),
        screenshot: Some(shot.clone()),
        visit: Some(BOOTH.into()),
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
        eprintln!("client_booth: the client did not finish cleanly: {exit:?}");
        return ExitCode::FAILURE;
    }
    println!("client_booth: screenshot at {}", shot.display());
    let img = image::open(&shot)
        .expect("the screenshot is a PNG")
        .to_rgba8();
    let marks = read_marks(&marks_file);
    let rect = |name: &str| marks.get(name).copied();
    let mut checks = Checks::default();
    checks.check(
        "the booth panel is open on the right",
        panel_is_open(&img, rect("panel")),
    );
    checks.check(
        "the panel shows the booth's first photo",
        photo_is_shown(&img, rect("photo")),
    );
    checks.check(
        "the panel's video shows a decoded picture, not black",
        video_is_shown(&img, rect("video")),
    );
    checks.check(
        "the panel's title is drawn in Hangul",
        title_is_drawn(&img, rect("panel")),
    );
    checks.finish()
}

type Mark = Option<Area>;

fn pixels(img: &RgbaImage, (x, y, w, h): (u32, u32, u32, u32)) -> Vec<Rgba<u8>> {
    let mut out = Vec::new();
    for yy in y..(y + h).min(img.height()) {
        for xx in x..(x + w).min(img.width()) {
            out.push(*img.get_pixel(xx, yy));
        }
    }
    out
}

fn panel_is_open(img: &RgbaImage, panel: Mark) -> Result<(), String> {
    let (x, y, w, h) = panel.ok_or("the panel has no size: not open")?;
    if x + w < W - 40 || w < 300 || h < 400 {
        return Err(format!("the panel is at {x},{y} size {w}×{h}"));
    }
    // The panel's background: (0.07, 0.08, 0.11) at 94 % over the hall.
    let px = pixels(img, (x, y, w, h));
    let dark = px
        .iter()
        .filter(|p| p[0] < 50 && p[1] < 50 && p[2] < 60)
        .count();
    if dark * 3 < px.len() {
        return Err(format!("only {dark} of {} panel pixels are dark", px.len()));
    }
    Ok(())
}

fn photo_is_shown(img: &RgbaImage, area: Mark) -> Result<(), String> {
    let (x, y, w, h) = area.ok_or("no photo on the panel")?;
    let poster = image::open(root().join("assets/photos/social_value_1.png"))
        .map_err(|e| e.to_string())?
        .to_rgba8();
    let expected = imageops::resize(&poster, w, h, imageops::FilterType::Triangle);
    let shown = pixels(img, (x, y, w, h));
    let diff: u64 = shown
        .iter()
        .zip(expected.pixels())
        .map(|(a, b)| {
            (0..3)
                .map(|i| (a[i] as i64 - b[i] as i64).unsigned_abs())
                .sum::<u64>()
        })
        .sum();
    let mean = diff as f64 / (shown.len() as f64 * 3.0);
    // Scaling on the GPU and here differ by a few levels per channel; a different photo, the
    // placeholder or an empty frame differ by tens.
    if mean > 12.0 {
        return Err(format!(
            "mean difference {mean:.1} per channel from the booth's photo"
        ));
    }
    println!("  photo: mean difference {mean:.1} per channel");
    Ok(())
}

fn video_is_shown(img: &RgbaImage, area: Mark) -> Result<(), String> {
    let (x, y, w, h) = area.ok_or("no video on the panel")?;
    let px = pixels(img, (x, y, w, h));
    let lit = px.iter().filter(|p| p[0].max(p[1]).max(p[2]) > 50).count();
    let colours: std::collections::HashSet<[u8; 3]> = px
        .iter()
        .map(|p| [p[0] / 16, p[1] / 16, p[2] / 16])
        .collect();
    if lit * 2 < px.len() || colours.len() < 6 {
        return Err(format!(
            "{lit} of {} pixels lit, {} colours: no picture",
            px.len(),
            colours.len()
        ));
    }
    println!(
        "  video: {lit} of {} pixels lit, {} colours",
        px.len(),
        colours.len()
    );
    Ok(())
}

fn title_is_drawn(img: &RgbaImage, panel: Mark) -> Result<(), String> {
    let (x, y, w, _) = panel.ok_or("no panel")?;
    // The title line: light glyphs in the header, left of the close button.
    let header = (x + 12, y + 12, w.saturating_sub(150), 48);
    let ink = pixels(img, header)
        .iter()
        .filter(|p| p[0] > 200 && p[1] > 200 && p[2] > 200)
        .count();
    if ink < 150 {
        return Err(format!("only {ink} glyph pixels in the header"));
    }
    Ok(())
}
