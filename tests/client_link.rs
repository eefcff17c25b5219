//! A WorkAdventure `openWebsite` area as a visitor meets it, in the real window under Xvfb with
//! real key presses and clicks (xdotool): standing at the link kiosk of
//! `tests/fixtures/maps/tiled/wa_main.tmx`, E opens its panel (title, address, a button), a
//! click on the button asks first, and only the visitor's yes (Enter) opens the address in the
//! browser — here `$BROWSER`, a script that writes down what it was asked to open.
//!
//! The window must run on the main thread, so this test has its own `main` (harness = false).

mod common;

use std::process::{Command, ExitCode};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::hands::*;
use common::*;
use madang_client::Lang;
use madang_client::app::{AppExit, ClientArgs};

const W: u32 = 1280;
const H: u32 = 720;
const URL: &str = "https://www.example.org/expo";

fn main() -> ExitCode {
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("client_link: no X display. Run the tests with scripts/test.");
        return ExitCode::FAILURE;
    }
    if !display_answers() {
        eprintln!("client_link: the X server at $DISPLAY does not answer");
        return ExitCode::FAILURE;
    }
    if Command::new("xdotool").arg("version").output().is_err() {
        eprintln!("client_link: xdotool is missing. scripts/test installs it.");
        return ExitCode::FAILURE;
    }
    let artifacts = root().join("target/artifacts");
    let shots = artifacts.join("client_link_shots");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).expect("the screenshot folder can be made");
    // The browser: a script that notes the address it is given.
    let dir = temp_data_dir();
    std::fs::create_dir_all(&dir).expect("a temp folder");
    let opened = dir.join("opened.txt");
    let browser = dir.join("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\necho \"$1\" >> '{}'\n", opened.display()),
    )
    .expect("the script is written");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755))
            .expect("the script can run");
    }
    // SAFETY: set before any other thread of this process starts.
    unsafe { std::env::set_var("BROWSER", &browser) };

    let assets = dir.join("assets");
    copy_tree(&root().join("assets/fonts"), &assets.join("fonts"));
    copy_tree(&root().join("assets/sprites"), &assets.join("sprites"));
    copy_tree(
        &root().join("tests/fixtures/maps/tiled"),
        &assets.join("maps"),
    );
    let _ = std::fs::remove_file(assets.join("maps/json_map.tmj"));
    let server = madang_server::spawn(madang_server::Settings {
        maps_dir: assets.join("maps"),
        entrance: "wa_main".into(),
        ..test_settings()
    })
    .expect("the server starts");
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(180));
        eprintln!("client_link: gave up after 180 s");
        std::process::exit(3);
    });
    let (tx, rx) = mpsc::channel();
    let hands = {
        let shots = shots.clone();
        let opened = opened.clone();
        std::thread::spawn(move || {
            let result = visitor(&shots, &opened);
            quit();
            let _ = tx.send(result);
        })
    };
    let exit = madang_client::app::run(ClientArgs {
        name: Some("링크 손님".into()),
        server_cert: None,
        server: server.url(),
        assets,
        lang: Lang::Ko,
        hall: Some("wa_main".into()),
        spawn: Some("by-site".into()),
        screenshot: None,
        visit: None,
        passes: None,
        settings: Some(dir.join("settings.json")),
        shots: Some(shots.clone()),
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
    match rx
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_else(|_| Err("the visitor's thread stopped without a word".into()))
    {
        Ok(steps) => {
            for (name, result) in steps {
                checks.check(&name, result);
            }
        }
        Err(e) => checks.check("the link kiosk was used", Err(e)),
    }
    for (n, step) in [(1, "panel"), (2, "asked")] {
        let from = shots.join(format!("madang-{n:04}.png"));
        let to = artifacts.join(format!("client_link_{step}.png"));
        if std::fs::copy(&from, &to).is_ok() {
            println!("client_link: {step} screenshot at {}", to.display());
        }
    }
    checks.finish()
}

type Steps = Vec<(String, Result<(), String>)>;

fn visitor(shots: &std::path::Path, opened: &std::path::Path) -> Result<Steps, String> {
    let mut steps: Steps = Vec::new();
    let window = wait_for_window()?;
    xdo(&["mousemove", "5", "5"])?;
    std::thread::sleep(Duration::from_secs(5));
    let _ = xdo(&["windowfocus", &window]);
    // Help shows on a first visit; Esc puts it away. Then E opens what is within reach.
    key("Escape")?;
    std::thread::sleep(Duration::from_millis(300));
    key("e")?;
    std::thread::sleep(Duration::from_millis(600));
    let _ = snap(shots, 1)?;
    let button = mark(shots, 1, "link");
    steps.push((
        "E at the link kiosk opens its panel with the button to open it".into(),
        button.as_ref().map(|_| ()).map_err(|e| e.clone()),
    ));
    let button = button?;
    click_area(button)?;
    std::thread::sleep(Duration::from_millis(800));
    let _ = snap(shots, 2)?;
    steps.push((
        "a click asks first: nothing is opened before the visitor says yes".into(),
        if opened.exists() {
            Err("the browser was started before the yes".into())
        } else {
            Ok(())
        },
    ));
    key("Return")?;
    let start = Instant::now();
    let mut got = String::new();
    while start.elapsed() < Duration::from_secs(10) {
        got = std::fs::read_to_string(opened).unwrap_or_default();
        if !got.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    steps.push((
        "the yes opens the area's address in the browser, once".into(),
        if got.trim() == URL {
            Ok(())
        } else {
            Err(format!("the browser was given {got:?}"))
        },
    ));
    Ok(steps)
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for e in std::fs::read_dir(from).expect("a folder to copy") {
        let e = e.expect("an entry");
        let path = e.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(e.file_name()));
        } else {
            std::fs::copy(&path, to.join(e.file_name())).expect("a copy");
        }
    }
}
