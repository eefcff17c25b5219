//! A WorkAdventure `openWebsite` area as a visitor meets it, in the real window under Xvfb with
//! real key presses and clicks (xdotool): standing at the link kiosk of
//! `tests/fixtures/maps/tiled/wa_main.tmx`, E opens its panel (title, address, a button), a
//! click on the button asks first, and only the visitor's yes (Enter) opens the address in the
//! browser — here `$BROWSER`, a script that writes down what it was asked to open.
//!
//! The window must run on the main thread, so this test has its own `main` (harness = false).

mod common;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::hands::*;
use common::*;
use madang_client::app::ClientArgs;

const W: u32 = 1280;
const H: u32 = 720;
const URL: &str = "https://www.example.org/expo";

fn main() -> ExitCode {
    let shots = match window_test("client_link") {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
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
    let args = ClientArgs {
        assets,
        ..window_args(&server, "링크 손님", ("wa_main", "by-site"), &dir, &shots)
    };
    let keep = [(1, "panel"), (2, "asked")];
    let exit = run_window("client_link", args, &keep, move || visitor(&shots, &opened));
    server.stop();
    exit
}

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
