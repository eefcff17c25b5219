//! A first visit, as a person makes it: the real window under Xvfb with lavapipe opens without
//! a name, on the join screen in Korean. Real key presses and clicks (xdotool, through the X
//! server's XTEST, so winit sees what a keyboard and a mouse send) switch it to English with
//! Tab and Space, type a name, and click the join button found by its colour on the screen.
//! The help shows by itself on the first visit and Esc closes it; a click on the floor three
//! tiles to the right walks the avatar there, which a second visitor, connected over UDP,
//! sees. Each step is saved with F12 (the window's own screenshot key) and checked; the
//! remembered settings are read back at the end, and Ctrl+Q quits.
//!
//! Its own `main` (harness = false): the window needs the main thread; the person's hands run
//! on another. Run through the README's test command (Xvfb, xdotool). Screenshots:
//! `target/artifacts/client_join_*.png`.

mod common;

use std::path::Path;
use std::process::{Command, ExitCode};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::hands::*;
use common::*;
use image::RgbaImage;
use madang_client::Lang;
use madang_client::app::{AppExit, ClientArgs};
use madang_shared::path::{tile_center, tile_of};
use madang_shared::rules::Blocking;

const W: u32 = 1280;
const H: u32 = 720;
const NAME: &str = "Visitor Kim";
/// The join button's colour, and the chosen language's ring.
const JOIN_GREEN: [u8; 3] = [51, 115, 77];
const CHOSEN_YELLOW: [u8; 3] = [255, 209, 77];
/// The help's panel.
const HELP_PANEL: [u8; 3] = [33, 38, 51];

fn main() -> ExitCode {
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("client_join: no X display. Run the tests with the README's test command.");
        return ExitCode::FAILURE;
    }
    if !display_answers() {
        eprintln!("client_join: the X server at $DISPLAY does not answer");
        return ExitCode::FAILURE;
    }
    if Command::new("xdotool").arg("version").output().is_err() {
        eprintln!("client_join: xdotool is missing. The README's test command installs it.");
        return ExitCode::FAILURE;
    }
    let artifacts = root().join("target/artifacts");
    let shots = artifacts.join("client_join_shots");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).expect("the screenshot folder can be made");
    let home = temp_data_dir();
    let passes = home.join("passes.json");
    let settings = home.join("settings.json");

    let server = start_server();
    let url = server.url();
    // If anything hangs, the run ends rather than the suite.
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(300));
        eprintln!("client_join: gave up after 300 s");
        std::process::exit(3);
    });
    post_history(&url);
    let (tx, rx) = mpsc::channel();
    let hands = {
        let shots = shots.clone();
        let url = url.clone();
        let settings_file = settings.clone();
        std::thread::spawn(move || {
            let result = person(&shots, &url, &settings_file);
            // Whatever happened, the window closes.
            quit();
            let _ = tx.send(result);
        })
    };
    let exit = madang_client::app::run(ClientArgs {
        name: None,
        server_cert: None,
        server: url.clone(),
        assets: root().join("assets"),
        lang: Lang::Ko,
        hall: Some("lobby".into()),
        spawn: Some("entrance".into()),
        screenshot: None,
        visit: None,
        passes: Some(passes),
        settings: Some(settings.clone()),
        shots: Some(shots.clone()),
        width: W,
        height: H,
        voice: true,
        mic: None,
        speaker: None,
        push_to_talk: false,
        invite: None,
        look: None,
        organizer_panel: false,
    });
    let _ = hands.join();
    server.stop();
    let mut checks = Checks::default();
    checks.check(
        "the window closed cleanly on Ctrl+Q",
        if exit == AppExit::Success {
            Ok(())
        } else {
            Err(format!("{exit:?}"))
        },
    );
    let steps = rx
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_else(|_| Err("the person's thread stopped without a word".into()));
    match steps {
        Ok(steps) => {
            for (name, result) in steps {
                checks.check(&name, result);
            }
        }
        Err(e) => checks.check("the visit went through", Err(e)),
    }
    checks.check(
        "the settings remember the name, language, scale and help",
        {
            let text = std::fs::read_to_string(&settings).unwrap_or_default();
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            if v["name"] == NAME
                && v["lang"] == "en"
                && v["ui_scale"] == 150
                && v["help_seen"] == true
            {
                Ok(())
            } else {
                Err(format!("settings.json: {text}"))
            }
        },
    );
    // Keep the pictures where the other window tests keep theirs.
    for (n, step) in [
        (1, "korean"),
        (2, "english"),
        (3, "help"),
        (4, "walked"),
        (5, "settings"),
        (8, "settings_ko_150"),
        (10, "chat_scrolled"),
        (11, "keyboard_focus"),
    ] {
        let from = shots.join(format!("madang-{n:04}.png"));
        let to = artifacts.join(format!("client_join_{step}.png"));
        if std::fs::copy(&from, &to).is_ok() {
            println!("client_join: {step} screenshot at {}", to.display());
        }
    }
    checks.finish()
}

type Steps = Vec<(String, Result<(), String>)>;

/// The visitor's hands and eyes. Returns each checked step.
fn person(shots: &Path, url: &str, settings: &Path) -> Result<Steps, String> {
    let mut steps: Steps = Vec::new();
    let window = wait_for_window()?;
    xdo(&["mousemove", "5", "5"])?;
    // Let the first frames draw (lavapipe is slow to start).
    std::thread::sleep(Duration::from_secs(4));
    let _ = xdo(&["windowfocus", &window]);

    let korean = snap(shots, 1)?;
    steps.push(("the join screen shows its form and join button".into(), {
        find(&korean, JOIN_GREEN, 6)
            .map(|_| ())
            .ok_or("no join button".into())
    }));
    let ko_ring = find(&korean, CHOSEN_YELLOW, 10);

    // To the English button by keys, choose it, and back to the name field.
    key("Tab")?;
    key("Tab")?;
    key("space")?;
    chord("shift", "Tab")?;
    chord("shift", "Tab")?;
    let english = snap(shots, 2)?;
    let en_ring = find(&english, CHOSEN_YELLOW, 10);
    steps.push((
        "Tab, Tab, Space chose English (the ring moved right)".into(),
        match (ko_ring, en_ring) {
            (Some(ko), Some(en)) if centre(&en).0 > centre(&ko).0 + 40.0 => Ok(()),
            other => Err(format!("language rings (Korean, English): {other:?}")),
        },
    ));
    steps.push((
        "the labels changed with the language".into(),
        changed(&korean, &english, 0.002),
    ));

    // The name, typed, and the join button clicked where it is drawn.
    xdo(&["type", "--delay", "80", NAME])?;
    let button = find(&english, JOIN_GREEN, 6).ok_or("no join button on the English screen")?;
    let (bx, by) = centre(&button);
    click(bx, by)?;

    // A second visitor watches for the newcomer.
    let mut watcher = madang_client::session::Session::join(
        url,
        &madang_client::session::JoinOptions {
            name: "지켜보는 사람".into(),
            hall: Some("lobby".into()),
            spawn: Some("from_hall".into()),
            ..Default::default()
        },
        &maps_dir(),
    )
    .map_err(|e| format!("the watcher joins: {e}"))?;
    let seen = pump_until(&mut [&mut watcher], Duration::from_secs(60), |s| {
        s[0].others.values().any(|r| r.name == NAME)
    });
    steps.push(("joined from the join screen".into(), {
        if seen {
            Ok(())
        } else {
            Err("the watcher never saw the newcomer".into())
        }
    }));
    if !seen {
        return Ok(steps);
    }
    let id = *watcher
        .others
        .iter()
        .find(|(_, r)| r.name == NAME)
        .map(|(id, _)| id)
        .expect("seen");
    // The first visit shows the help by itself, once the hall has loaded: the window notes in
    // the settings that it did.
    let shown_at = Instant::now();
    while shown_at.elapsed() < Duration::from_secs(30) {
        let text = std::fs::read_to_string(settings).unwrap_or_default();
        if text.contains("\"help_seen\": true") {
            break;
        }
        pump_for(&mut [&mut watcher], Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(500));
    let help = snap(shots, 3)?;
    steps.push(("the help shows by itself on the first visit".into(), {
        let panel = count(&help, W / 4, H / 4, 3 * W / 4, 3 * H / 4, |p| {
            close(p, HELP_PANEL, 4)
        });
        if panel > 40_000 {
            Ok(())
        } else {
            Err(format!("{panel} pixels of the help's panel in the middle"))
        }
    }));
    key("Escape")?;
    std::thread::sleep(Duration::from_millis(800));

    // A click three tiles to the right of the avatar (the camera keeps it in the middle).
    pump_for(&mut [&mut watcher], Duration::from_millis(300));
    let start = watcher
        .remote_render_pos(id)
        .ok_or("the watcher has no position for the newcomer")?;
    let map = watcher.hall_map.clone().ok_or("the watcher has no map")?;
    let goal = tile_of(start + madang_shared::Vec2::new(3.0, 0.0));
    if map.collision.blocked(goal.0, goal.1) {
        return Err(format!(
            "the lobby has a wall at {goal:?}: move the test's click"
        ));
    }
    click(W as f32 / 2.0 + 96.0, H as f32 / 2.0)?;
    let target = tile_center(goal);
    let arrived = pump_until(&mut [&mut watcher], Duration::from_secs(20), |s| {
        s[0].remote_render_pos(id)
            .is_some_and(|p| p.distance(target) < 0.3)
    });
    let end = watcher.remote_render_pos(id);
    steps.push((
        format!("a click on the floor walked the avatar to {goal:?}"),
        if arrived {
            Ok(())
        } else {
            Err(format!("from {start} it got to {end:?}, not {target}"))
        },
    ));
    std::thread::sleep(Duration::from_millis(500));
    let walked = snap(shots, 4)?;
    steps.push(("the help is closed and the hall is drawn".into(), {
        let panel = count(&walked, W / 4, H / 4, 3 * W / 4, 3 * H / 4, |p| {
            close(p, HELP_PANEL, 4)
        });
        if panel < 5_000 {
            Ok(())
        } else {
            Err(format!("{panel} pixels of the help's panel still there"))
        }
    }));
    watcher.disconnect();

    // The settings: text and buttons up to 150 %, then Korean, all by clicks on what is drawn.
    key("F10")?;
    std::thread::sleep(Duration::from_millis(500));
    snap(shots, 5)?;
    let before = mark(shots, 5, "settings-panel")?;
    let up = mark(shots, 5, "settings-scale-up")?;
    click_area(up)?;
    snap(shots, 6)?;
    click_area(mark(shots, 6, "settings-scale-up")?)?;
    snap(shots, 7)?;
    click_area(mark(shots, 7, "settings-ko")?)?;
    std::thread::sleep(Duration::from_millis(800));
    snap(shots, 8)?;
    let after = mark(shots, 8, "settings-panel")?;
    let ratio = after.3 as f32 / before.3.max(1) as f32;
    steps.push((
        "the settings made the UI 150 % (the panel is half as tall again)".into(),
        if (1.4..=1.6).contains(&ratio) {
            Ok(())
        } else {
            Err(format!("the panel was {before:?}, now {after:?}"))
        },
    ));
    key("Escape")?;

    // The chat: the lobby's history is longer than the log; it follows the newest line, and
    // PageUp scrolls back to the first.
    key("Return")?;
    snap(shots, 9)?;
    let (log, first) = (mark(shots, 9, "chat-log")?, mark(shots, 9, "chat-first")?);
    steps.push((
        "the chat shows its newest lines (the first is scrolled out of view)".into(),
        if first.1 + first.3 <= log.1 + 1 {
            Ok(())
        } else {
            Err(format!(
                "the log is at {log:?}, its first line at {first:?}"
            ))
        },
    ));
    for _ in 0..4 {
        key("Page_Up")?;
    }
    snap(shots, 10)?;
    let (log, first) = (mark(shots, 10, "chat-log")?, mark(shots, 10, "chat-first")?);
    steps.push((
        "PageUp scrolled the chat back to its first line".into(),
        if first.1 + 1 >= log.1 && first.1 < log.1 + log.3 {
            Ok(())
        } else {
            Err(format!(
                "the log is at {log:?}, its first line at {first:?}"
            ))
        },
    ));
    key("Escape")?;

    // The buttons by keyboard: in the settings, Tab, Tab reaches English (the ring shows it)
    // and Enter presses it.
    key("F10")?;
    std::thread::sleep(Duration::from_millis(400));
    key("Tab")?;
    key("Tab")?;
    let focused = snap(shots, 11)?;
    let en = mark(shots, 11, "settings-en")?;
    steps.push((
        "Tab, Tab put the focus ring on the settings' English button".into(),
        {
            let ring = count(
                &focused,
                en.0.saturating_sub(4),
                en.1.saturating_sub(4),
                en.0 + en.2 + 4,
                en.1 + en.3 + 4,
                |p| close(p, [115, 204, 255], 12),
            );
            if ring >= 30 {
                Ok(())
            } else {
                Err(format!("{ring} pixels of the ring around {en:?}"))
            }
        },
    ));
    key("Return")?;
    std::thread::sleep(Duration::from_millis(800));
    snap(shots, 12)?;
    key("Escape")?;
    Ok(steps)
}

/// Earlier talk in the lobby's room chat, longer than the log shows: three visitors say five
/// lines each (the most a burst allows), kept by the server for those who come later.
fn post_history(url: &str) {
    for who in 1..=3 {
        let mut s = madang_client::session::Session::join(
            url,
            &madang_client::session::JoinOptions {
                name: format!("먼저 온 사람 {who}"),
                hall: Some("lobby".into()),
                spawn: Some("entrance".into()),
                ..Default::default()
            },
            &maps_dir(),
        )
        .expect("an earlier visitor joins");
        assert!(pump_until(&mut [&mut s], Duration::from_secs(10), |s| s[0].is_ready()));
        let reqs: Vec<u32> = (1..=5)
            .map(|n| {
                s.chat(
                    madang_shared::talk::ChatScope::Room,
                    &format!("이전 대화 {who}-{n}"),
                )
            })
            .collect();
        let mut answered = 0;
        let ok = pump_until(&mut [&mut s], Duration::from_secs(10), |s| {
            answered += reqs
                .iter()
                .filter(|r| s[0].take_answer(**r).is_some())
                .count();
            answered == reqs.len()
        });
        assert!(ok, "the earlier lines are answered");
        s.disconnect();
    }
}

/// The bounding box (x0, y0, x1, y1) of the pixels of colour `c`, when there are enough.
fn find(img: &RgbaImage, c: [u8; 3], tol: i32) -> Option<(u32, u32, u32, u32)> {
    let mut b: Option<(u32, u32, u32, u32)> = None;
    let mut n = 0;
    for (x, y, p) in img.enumerate_pixels() {
        if close(p, c, tol) {
            n += 1;
            b = Some(match b {
                None => (x, y, x, y),
                Some((a, b0, c0, d)) => (a.min(x), b0.min(y), c0.max(x), d.max(y)),
            });
        }
    }
    b.filter(|_| n >= 40)
}

fn centre(b: &(u32, u32, u32, u32)) -> (f32, f32) {
    ((b.0 + b.2) as f32 / 2.0, (b.1 + b.3) as f32 / 2.0)
}

/// At least `share` of the pixels differ between two pictures.
fn changed(a: &RgbaImage, b: &RgbaImage, share: f64) -> Result<(), String> {
    let differ = a
        .pixels()
        .zip(b.pixels())
        .filter(|(p, q)| !close(p, [q[0], q[1], q[2]], 8))
        .count();
    let total = (a.width() * a.height()) as f64;
    if differ as f64 >= share * total {
        Ok(())
    } else {
        Err(format!("only {differ} pixels differ"))
    }
}
