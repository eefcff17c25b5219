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
    xdo(&["mousemove", &x, &y])?;
    xdo(&["mousedown", "1"])?;
    for i in 1..=4 {
        let k = i as f32 / 4.0;
        let [x, y] = at((from.0 + (to.0 - from.0) * k, from.1 + (to.1 - from.1) * k));
        xdo(&["mousemove", &x, &y])?;
    }
    xdo(&["mouseup", "1"]).map(|_| ())
}
