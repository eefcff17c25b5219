//! The stage screen as a presenter uses it, in the real window under Xvfb with real clicks and
//! key presses (xdotool): a presenter (joined with a presenter's invite) stands on the ceremony
//! room's stage, its slide controls offer the screen's deck, a click puts it up, and PageDown
//! turns to page 2, which a visitor in the room (a headless session) is told at once; the
//! screen in the hall shows the slide (its coloured header band and white page), checked on
//! the screenshot.
//!
//! The window must run on the main thread, so this test has its own `main` (harness = false).

mod common;

use std::process::ExitCode;
use std::time::Duration;

use common::hands::*;
use common::*;
use image::RgbaImage;
use madang_client::app::ClientArgs;
use madang_client::session::{JoinOptions, Session};
use madang_server::identity::hash_invite;
use madang_server::settings::Invite;
use madang_shared::protocol::Role;

const W: u32 = 1280;
const H: u32 = 720;
const CODE: &str = "client-slides-presenter";
/// The regional innovation colour of the deck's header band.
const THEME: [u8; 3] = [140, 97, 179];

fn main() -> ExitCode {
    let shots = match window_test("client_slides") {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let dir = temp_data_dir();
    std::fs::create_dir_all(&dir).expect("a temp folder");
    let server = madang_server::spawn(madang_server::Settings {
        invites: vec![Invite {
            role: Role::Presenter,
            hash: hash_invite(CODE),
            label: "presenters".into(),
        }],
        ..test_settings()
    })
    .expect("the server starts");
    let url = server.url();
    let args = ClientArgs {
        invite: Some(CODE.into()),
        ..window_args(
            &server,
            "대구 발표자",
            ("ceremony", "backstage"),
            &dir,
            &shots,
        )
    };
    let keep = [(1, "controls"), (2, "page1"), (3, "page2"), (4, "large")];
    let exit = run_window("client_slides", args, &keep, move || {
        presenter(&shots, &url)
    });
    server.stop();
    exit
}

/// Pixels of the theme's colour and near-white ones where the stage screen is drawn: the
/// screen's centre is 2 tiles (64 px) above the presenter, who is at the window's centre.
fn screen_pixels(img: &RgbaImage) -> (usize, usize) {
    let (cx, cy) = (W / 2, H / 2 - 64);
    let (x0, y0, x1, y1) = (cx - 110, cy - 60, cx + 110, cy + 60);
    (
        count(img, x0, y0, x1, y1, |p| close(p, THEME, 30)),
        count(img, x0, y0, x1, y1, |p| close(p, [255, 255, 255], 16)),
    )
}

fn presenter(shots: &std::path::Path, url: &str) -> Result<Steps, String> {
    let mut steps: Steps = Vec::new();
    let mut visitor = Session::join(
        url,
        &JoinOptions {
            name: "관객".into(),
            hall: Some("ceremony".into()),
            spawn: Some("entrance".into()),
            visitor_pass: None,
            invite: None,
            server_cert: None,
            look: None,
        },
        &maps_dir(),
    )
    .map_err(|e| format!("the visitor joins: {e}"))?;
    ready(&mut visitor);
    let screen = madang_shared::map::load_hall(&maps_dir().join("ceremony.tmx"))
        .map_err(|e| e.to_string())?
        .slide_screens[0]
        .object_id;
    let window = wait_for_window()?;
    xdo(&["mousemove", "5", "5"])?;
    pump_for(&mut [&mut visitor], Duration::from_secs(5));
    let _ = xdo(&["windowfocus", &window]);
    key("Escape")?;
    pump_for(&mut [&mut visitor], Duration::from_secs(1));
    let _ = snap(shots, 1)?;
    let deck = mark(shots, 1, "slide_deck");
    steps.push((
        "on the stage, the presenter's controls offer the screen's deck".into(),
        deck.as_ref().map(|_| ()).map_err(|e| e.clone()),
    ));
    click_area(deck?)?;
    let up = pump_until(&mut [&mut visitor], Duration::from_secs(10), |s| {
        s[0].slide(screen)
            .is_some_and(|st| st.deck.is_some() && st.page == 1)
    });
    steps.push((
        "a click puts the deck up for the room".into(),
        if up {
            Ok(())
        } else {
            Err("the visitor saw no deck".into())
        },
    ));
    pump_for(&mut [&mut visitor], Duration::from_secs(2));
    let img = snap(shots, 2)?;
    let (theme, _) = screen_pixels(&img);
    steps.push((
        "the stage screen shows the title slide (the theme's colour)".into(),
        if theme > 4000 {
            Ok(())
        } else {
            Err(format!(
                "{theme} pixels of the theme's colour on the screen"
            ))
        },
    ));
    // Move the mouse off the screen so the pointer does not cover the checks.
    xdo(&["mousemove", "5", "5"])?;
    key("Next")?;
    let turned = pump_until(&mut [&mut visitor], Duration::from_secs(10), |s| {
        s[0].slide(screen).is_some_and(|st| st.page == 2)
    });
    steps.push((
        "PageDown turns to page 2, and the room is told".into(),
        if turned {
            Ok(())
        } else {
            Err(format!("the visitor holds {:?}", visitor.slide(screen)))
        },
    ));
    pump_for(&mut [&mut visitor], Duration::from_secs(2));
    let img = snap(shots, 3)?;
    let (theme, white) = screen_pixels(&img);
    steps.push((
        "the stage screen shows page 2: a header band over a white page".into(),
        if white > 6000 && theme > 500 {
            Ok(())
        } else {
            Err(format!("{white} white and {theme} theme-coloured pixels"))
        },
    ));
    // A click on the screen shows the slide large, at the screen's page.
    click((W / 2) as f32, (H / 2 - 64) as f32)?;
    pump_for(&mut [&mut visitor], Duration::from_secs(3));
    let img = snap(shots, 4)?;
    let large = mark(shots, 4, "reader_page").and_then(|(x, y, w, h)| {
        let band = (h as f32 * 0.15) as u32;
        let theme = count(&img, x, y + 2, x + w, y + band, |p| close(p, THEME, 30));
        let share = theme as f32 / (w * band.saturating_sub(2)).max(1) as f32;
        if w > 400 && share > 0.6 {
            Ok(())
        } else {
            Err(format!(
                "a {w}×{h} page, its top {:.0} % the header's colour",
                share * 100.0
            ))
        }
    });
    steps.push((
        "a click on the screen shows the slide large, at the screen's page".into(),
        large,
    ));
    key("Escape")?;
    Ok(steps)
}
