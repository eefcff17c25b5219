//! A person's hands and eyes at the real window: keys and clicks through xdotool (the X
//! server's test extension), and F12's numbered screenshots with their marks.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use image::RgbaImage;

use super::{Area, read_marks};

/// A rectangle the window marked beside its `n`th screenshot.
pub fn mark(dir: &Path, n: usize, name: &str) -> Result<Area, String> {
    let marks = read_marks(&dir.join(format!("madang-{n:04}.json")));
    marks
        .get(name)
        .copied()
        .ok_or_else(|| format!("screenshot {n} marks no {name}: {marks:?}"))
}

pub fn click_area(a: Area) -> Result<(), String> {
    click(a.0 as f32 + a.2 as f32 / 2.0, a.1 as f32 + a.3 as f32 / 2.0)
}

pub fn xdo(args: &[&str]) -> Result<String, String> {
    let out = Command::new("xdotool")
        .args(args)
        .output()
        .map_err(|e| format!("xdotool {args:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "xdotool {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // Each action gets a few frames before the next.
    std::thread::sleep(Duration::from_millis(250));
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

pub fn key(name: &str) -> Result<(), String> {
    xdo(&["key", name]).map(|_| ())
}

/// A modifier held across frames around a key, as fingers do.
pub fn chord(modifier: &str, name: &str) -> Result<(), String> {
    xdo(&["keydown", modifier])?;
    key(name)?;
    xdo(&["keyup", modifier]).map(|_| ())
}

pub fn click(x: f32, y: f32) -> Result<(), String> {
    xdo(&[
        "mousemove",
        &format!("{}", x as i32),
        &format!("{}", y as i32),
    ])?;
    xdo(&["mousedown", "1"])?;
    xdo(&["mouseup", "1"]).map(|_| ())
}

pub fn quit() {
    let _ = chord("ctrl", "q");
}

pub fn wait_for_window() -> Result<String, String> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if let Ok(id) = xdo(&["search", "--name", "Madang"])
            && !id.is_empty()
        {
            return Ok(id.lines().next().unwrap_or_default().to_owned());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Err("no window named Madang appeared in 60 s".into())
}

/// F12, and the picture it saved (the `n`th).
pub fn snap(dir: &Path, n: usize) -> Result<RgbaImage, String> {
    let path: PathBuf = dir.join(format!("madang-{n:04}.png"));
    key("F12")?;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if let Ok(img) = image::open(&path) {
            return Ok(img.to_rgba8());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!("F12 saved no {}", path.display()))
}

/// A press at one point, a drag through a few steps to another, and the release there.
pub fn drag(from: (f32, f32), to: (f32, f32)) -> Result<(), String> {
    let at = |(x, y): (f32, f32)| [format!("{}", x as i32), format!("{}", y as i32)];
    let [x, y] = at(from);
    // A pause after each event, as a hand makes: under a slow software renderer two events
    // could otherwise land in one frame, and a press and its release there read as a click.
    let pause = || std::thread::sleep(Duration::from_millis(60));
    xdo(&["mousemove", &x, &y])?;
    pause();
    xdo(&["mousedown", "1"])?;
    pause();
    for i in 1..=4 {
        let k = i as f32 / 4.0;
        let [x, y] = at((from.0 + (to.0 - from.0) * k, from.1 + (to.1 - from.1) * k));
        xdo(&["mousemove", &x, &y])?;
        pause();
    }
    xdo(&["mouseup", "1"]).map(|_| ())
}

/// The window's arguments for a test: a Korean 1280×720 window joining `server` as `name` at
/// `spawn` of `hall`, its settings in `dir`, its screenshots in `shots`, no voice, no kept
/// identity; a test sets what else it needs.
pub fn window_args(
    server: &madang_server::ServerHandle,
    name: &str,
    (hall, spawn): (&str, &str),
    dir: &Path,
    shots: &Path,
) -> madang_client::app::ClientArgs {
    madang_client::app::ClientArgs {
        name: Some(name.into()),
        server_cert: None,
        server: server.url(),
        assets: super::root().join("assets"),
        lang: madang_client::Lang::Ko,
        hall: Some(hall.into()),
        spawn: Some(spawn.into()),
        screenshot: None,
        visit: None,
        passes: None,
        settings: Some(dir.join("settings.json")),
        shots: Some(shots.to_owned()),
        width: 1280,
        height: 720,
        voice: false,
        mic: None,
        speaker: None,
        push_to_talk: false,
        invite: None,
        look: None,
        organizer_panel: false,
    }
}

/// What a person did at the window: each step's name and whether it went as it should.
pub type Steps = Vec<(String, Result<(), String>)>;

/// A window test's frame: whether there is an X display that answers and xdotool to type with
/// (else a message naming `test`), and a fresh folder for its screenshots.
pub fn window_test(test: &str) -> Result<PathBuf, String> {
    if std::env::var_os("DISPLAY").is_none() {
        return Err(format!(
            "{test}: no X display. Run the tests with scripts/test."
        ));
    }
    if !super::display_answers() {
        return Err(format!("{test}: the X server at $DISPLAY does not answer"));
    }
    if Command::new("xdotool").arg("version").output().is_err() {
        return Err(format!(
            "{test}: xdotool is missing. scripts/test installs it."
        ));
    }
    let shots = super::root()
        .join("target/artifacts")
        .join(format!("{test}_shots"));
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).map_err(|e| format!("{test}: {e}"))?;
    Ok(shots)
}

/// Runs the window with `args` on this thread (it must be the main one) while `hands` uses it
/// from another, then Ctrl+Q; gives up after three minutes. Checks that the window closed
/// cleanly and every step, and copies the numbered screenshots `keep` names to
/// `target/artifacts/<test>_<name>.png`.
pub fn run_window(
    test: &'static str,
    args: madang_client::app::ClientArgs,
    keep: &[(usize, &str)],
    hands: impl FnOnce() -> Result<Steps, String> + Send + 'static,
) -> std::process::ExitCode {
    let shots = args.shots.clone().unwrap_or_default();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(180));
        eprintln!("{test}: gave up after 180 s");
        std::process::exit(3);
    });
    let (tx, rx) = std::sync::mpsc::channel();
    let person = std::thread::spawn(move || {
        let result = hands();
        quit();
        let _ = tx.send(result);
    });
    let exit = madang_client::app::run(args);
    let _ = person.join();
    let mut checks = super::Checks::default();
    checks.check(
        "the window closed cleanly on Ctrl+Q",
        if exit == madang_client::app::AppExit::Success {
            Ok(())
        } else {
            Err(format!("{exit:?}"))
        },
    );
    match rx
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_else(|_| Err("the person's thread stopped without a word".into()))
    {
        Ok(steps) => {
            for (name, result) in steps {
                checks.check(&name, result);
            }
        }
        Err(e) => checks.check("the person could use the window", Err(e)),
    }
    let artifacts = super::root().join("target/artifacts");
    for (n, name) in keep {
        let from = shots.join(format!("madang-{n:04}.png"));
        let to = artifacts.join(format!("{test}_{name}.png"));
        if std::fs::copy(&from, &to).is_ok() {
            println!("{test}: {name} screenshot at {}", to.display());
        }
    }
    checks.finish()
}
