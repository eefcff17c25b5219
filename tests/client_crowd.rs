//! A crowd as a person sees it: 200 bots walk about the exhibition hall's plaza (a second
//! thread, over real UDP) and the real window under Xvfb with lavapipe arrives among them.
//! The screenshot is checked for your own avatar and label in the middle (the ring, and the
//! label's own plate colour above it), and the window's notes beside the screenshot for the
//! labels: some are shown, none of those shown covers another, where showing every label (as
//! the window did before) would pile them into a wall.
//!
//! Like the other window tests it has its own `main` (harness = false). The screenshot is
//! kept at `target/artifacts/client_crowd.png`.

mod common;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::*;
use madang_client::Lang;
use madang_client::app::{AppExit, ClientArgs};
use madang_client::bots::{BotOptions, run_bots};

const BOTS: usize = 200;
const W: u32 = 1280;
const H: u32 = 720;
/// Your label's plate (the labels plugin's `OWN_PLATE`), and your ring.
const OWN_PLATE: [u8; 3] = [20, 41, 74];
const RING: [u8; 3] = [255, 210, 40];

fn main() -> ExitCode {
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("client_crowd: no X display. Run the tests with the README's test command.");
        return ExitCode::FAILURE;
    }
    if !display_answers() {
        eprintln!("client_crowd: the X server at $DISPLAY does not answer");
        return ExitCode::FAILURE;
    }
    let artifacts = root().join("target/artifacts");
    std::fs::create_dir_all(&artifacts).expect("the artifacts folder can be made");
    let shot = artifacts.join("client_crowd.png");
    let notes = shot.with_extension("json");
    let _ = std::fs::remove_file(&shot);
    let _ = std::fs::remove_file(&notes);

    let server = start_server();
    let url = server.url();
    // The bots walk on their own thread until the test's process ends.
    {
        let url = url.clone();
        std::thread::spawn(move || {
            run_bots(&BotOptions {
                server_url: url,
                count: BOTS,
                duration: Some(Duration::from_secs(240)),
                maps_dir: maps_dir(),
                name_prefix: "관람객".into(),
                hall: Some("hall".into()),
                seed: 7,
                speak: None,
                server_cert: None,
                probe: false,
                probe_spawn: None,
                always_move: false,
            })
        });
    }
    // Wait until the crowd is in.
    let start = Instant::now();
    loop {
        let online = stats(&server)["clients"].as_u64().unwrap_or(0) as usize;
        if online >= BOTS {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            eprintln!("client_crowd: only {online} of {BOTS} bots joined in 120 s");
            return ExitCode::FAILURE;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let exit = madang_client::app::run(ClientArgs {
        name: Some("나를 찾아봐".into()),
        server_cert: None,
        server: url,
        assets: root().join("assets"),
        lang: Lang::Ko,
        hall: Some("hall".into()),
        spawn: None,
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
    let mut checks = Checks::default();
    checks.check(
        "the client finished cleanly",
        if exit == AppExit::Success {
            Ok(())
        } else {
            Err(format!("{exit:?}"))
        },
    );
    println!("client_crowd: screenshot at {}", shot.display());
    let Ok(img) = image::open(&shot) else {
        checks.check("the screenshot was saved", Err(shot.display().to_string()));
        return checks.finish();
    };
    let img = img.to_rgba8();
    checks.check("your avatar's ring is in the middle", {
        let ring = count(&img, W / 2 - 22, H / 2 - 22, W / 2 + 22, H / 2 + 22, |p| {
            close(p, RING, 12)
        });
        if ring >= 20 {
            Ok(())
        } else {
            Err(format!("{ring} ring pixels"))
        }
    });
    checks.check("your label's plate is right above your avatar", {
        let plate = count(&img, W / 2 - 60, H / 2 - 45, W / 2 + 60, H / 2 - 15, |p| {
            close(p, OWN_PLATE, 6)
        });
        if plate >= 200 {
            Ok(())
        } else {
            Err(format!("{plate} pixels of the plate"))
        }
    });
    let text = std::fs::read_to_string(&notes).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let l = &v["label_stats"];
    let get = |k: &str| l[k].as_u64().unwrap_or(0);
    println!("client_crowd: labels {l}");
    checks.check("a crowd is in view", {
        if get("people") >= 100 {
            Ok(())
        } else {
            Err(format!("{} people drawn", get("people")))
        }
    });
    checks.check(
        "labels are shown and none covers another, where all would",
        if get("shown") >= 10 && get("overlapping") == 0 && get("overlapping_if_all") > 20 {
            Ok(())
        } else {
            Err(l.to_string())
        },
    );
    // The server and the bots end with the process: stopping the server first would only fill
    // the log with 200 bots' complaints.
    std::mem::forget(server);
    checks.finish()
}
