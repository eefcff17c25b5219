//! The map editor by mouse, as an organizer uses it: the real window under Xvfb joins with an
//! organizer's invite code, F2 opens the edit mode with its grid, and real mouse drags
//! (xdotool) move a booth three tiles and pull its corner out a tile; a click on a theme choice
//! changes its theme; Ctrl+Z takes that back and Ctrl+Y makes it again; the palette's stage is
//! placed by a click on the floor. Each step is checked in the TMX file the server saved (as
//! Tiled would open it), and the screenshots are checked and kept.
//!
//! Its own `main` (harness = false): the window needs the main thread. Screenshots:
//! `target/artifacts/client_edit_grid.png` and `client_edit_dragged.png`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::hands::*;
use common::*;
use madang_client::Lang;
use madang_client::app::{AppExit, ClientArgs};
use madang_client::session::{JoinOptions, Session};
use madang_server::identity::hash_invite;
use madang_shared::Vec2;
use madang_shared::edit::{MapEdit, apply_edit};
use madang_shared::map::{HallMap, Rect, load_hall, load_hall_text};
use madang_shared::protocol::Role;

const CODE: &str = "expo-organizers-2026";
const NAME: &str = "편집하는 운영자";
const W: u32 = 1280;
const H: u32 = 720;
/// Screen pixels per tile at the default zoom.
const TILE: f32 = 32.0;
/// The selection's outline.
const PINK: [u8; 3] = [255, 77, 230];

fn main() -> ExitCode {
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("client_edit: no X display. Run the tests with the README's test command.");
        return ExitCode::FAILURE;
    }
    if !display_answers() {
        eprintln!("client_edit: the X server at $DISPLAY does not answer");
        return ExitCode::FAILURE;
    }
    if Command::new("xdotool").arg("version").output().is_err() {
        eprintln!("client_edit: xdotool is missing. The README's test command installs it.");
        return ExitCode::FAILURE;
    }
    let artifacts = root().join("target/artifacts");
    let shots = artifacts.join("client_edit_shots");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).expect("the screenshot folder can be made");
    // The server edits its own copy of the maps.
    let assets = temp_data_dir().join("assets");
    copy_assets(&assets);
    let server = madang_server::spawn(madang_server::Settings {
        maps_dir: assets.join("maps"),
        invites: vec![madang_server::settings::Invite {
            role: Role::Organizer,
            hash: hash_invite(CODE),
            label: "organizers".into(),
        }],
        // The watcher is pumped only while the test waits for a saved edit: a step of drags
        // and screenshots in between can take longer than the suite's usual 3 s.
        client_timeout_secs: 30,
        ..test_settings()
    })
    .expect("the server starts");
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(300));
        eprintln!("client_edit: gave up after 300 s");
        std::process::exit(3);
    });
    let (tx, rx) = mpsc::channel();
    let hands = {
        let shots = shots.clone();
        let url = server.url();
        let tmx = assets.join("maps/hall.tmx");
        std::thread::spawn(move || {
            let result = organizer(&shots, &url, &tmx);
            quit();
            let _ = tx.send(result);
        })
    };
    let exit = madang_client::app::run(ClientArgs {
        name: Some(NAME.into()),
        server_cert: None,
        server: server.url(),
        assets: root().join("assets"),
        lang: Lang::Ko,
        hall: Some("hall".into()),
        spawn: Some("plaza".into()),
        screenshot: None,
        visit: None,
        passes: Some(temp_data_dir().join("passes.json")),
        settings: Some(temp_data_dir().join("settings.json")),
        shots: Some(shots.clone()),
        width: W,
        height: H,
        voice: false,
        mic: None,
        speaker: None,
        push_to_talk: false,
        invite: Some(CODE.into()),
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
        .unwrap_or_else(|_| Err("the organizer's thread stopped without a word".into()))
    {
        Ok(steps) => {
            for (name, result) in steps {
                checks.check(&name, result);
            }
        }
        Err(e) => checks.check("the editing went through", Err(e)),
    }
    for (n, step) in [(2, "grid"), (3, "dragged"), (6, "placed")] {
        let from = shots.join(format!("madang-{n:04}.png"));
        let to = artifacts.join(format!("client_edit_{step}.png"));
        if std::fs::copy(&from, &to).is_ok() {
            println!("client_edit: {step} screenshot at {}", to.display());
        }
    }
    checks.finish()
}

type Steps = Vec<(String, Result<(), String>)>;

/// Where tile point `p` is on the screen, the camera centred on the avatar at `me`.
fn on_screen(p: Vec2, me: Vec2) -> (f32, f32) {
    (
        W as f32 / 2.0 + (p.x - me.x) * TILE,
        H as f32 / 2.0 + (p.y - me.y) * TILE,
    )
}

/// Whether an edit leaves the hall one the server takes (what `check-map` accepts).
fn accepted(tmx: &Path, edit: &MapEdit) -> bool {
    let text = std::fs::read_to_string(tmx).unwrap_or_default();
    apply_edit(&text, edit).is_ok_and(|(t, _)| load_hall_text(tmx, &t).is_ok())
}

/// Whether resizing the booth `id` to `rect` is accepted once it has been moved to `moved`.
fn accepted_after(tmx: &Path, id: u32, moved: Rect, rect: Rect) -> bool {
    let text = std::fs::read_to_string(tmx).unwrap_or_default();
    apply_edit(&text, &MapEdit::Place { id, rect: moved })
        .and_then(|(t, _)| apply_edit(&t, &MapEdit::Place { id, rect }))
        .is_ok_and(|(t, _)| load_hall_text(tmx, &t).is_ok())
}

/// Waits (keeping the watcher connected) until the saved hall passes `done`.
fn saved(
    tmx: &Path,
    watcher: &mut Session,
    what: &str,
    done: impl Fn(&HallMap) -> bool,
) -> Result<(), String> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if load_hall(tmx).is_ok_and(|m| done(&m)) {
            return Ok(());
        }
        pump_for(&mut [watcher], Duration::from_millis(100));
    }
    Err(format!("the saved hall does not show {what}"))
}

/// A point inside the booth that no other object covers (a press there picks the booth).
fn free_point(map: &HallMap, id: u32, me: Vec2) -> Option<Vec2> {
    let booth = map.booths.iter().find(|b| b.object_id == id)?;
    let others: Vec<Rect> = map
        .photo_kiosks
        .iter()
        .map(|k| k.rect)
        .chain(map.video_kiosks.iter().map(|k| k.rect))
        .chain(map.private_areas.iter().map(|a| a.rect))
        .chain(map.spotlights.iter().map(|s| s.rect))
        .chain(map.portals.iter().map(|p| p.rect))
        .collect();
    let r = booth.rect;
    let mut best: Option<Vec2> = None;
    for ty in 0..r.h as i32 {
        for tx in 0..r.w as i32 {
            let p = Vec2::new(r.x + tx as f32 + 0.5, r.y + ty as f32 + 0.5);
            if others.iter().any(|o| o.contains(p)) {
                continue;
            }
            if best.is_none_or(|b| b.distance(me) > p.distance(me)) {
                best = Some(p);
            }
        }
    }
    best
}

fn organizer(shots: &Path, url: &str, tmx: &Path) -> Result<Steps, String> {
    let mut steps: Steps = Vec::new();
    let window = wait_for_window()?;
    xdo(&["mousemove", "5", "5"])?;
    std::thread::sleep(Duration::from_secs(5));
    let _ = xdo(&["windowfocus", &window]);
    // A visitor in the hall tells where the organizer stands.
    let mut watcher = Session::join(
        url,
        &JoinOptions {
            name: "지켜보는 방문객".into(),
            hall: Some("hall".into()),
            spawn: Some("plaza".into()),
            visitor_pass: None,
            invite: None,
            server_cert: None,
            look: None,
        },
        &PathBuf::from(maps_dir()),
    )
    .map_err(|e| format!("the watcher joins: {e}"))?;
    let mut me = None;
    let ok = pump_until(&mut [&mut watcher], Duration::from_secs(20), |s| {
        me = s[0]
            .others
            .values()
            .find(|r| r.name == NAME)
            .map(|r| r.latest());
        me.is_some()
    });
    let me = me
        .filter(|_| ok)
        .ok_or("the watcher never saw the organizer")?;
    // Help shows on a first visit; Esc puts it away.
    key("Escape")?;

    let before = snap(shots, 1)?;
    key("F2")?;
    let grid = snap(shots, 2)?;
    let panel = mark(shots, 2, "editor")?;
    steps.push((
        "F2 draws the tile grid over the hall".into(),
        grid_lines(&before, &grid),
    ));

    // The booth nearest the organizer with a move and a resize the map accepts, all of whose
    // presses and releases fall on the hall where no panel covers it (which booth is nearest
    // depends on where in the plaza the organizer arrived).
    let map = load_hall(tmx).map_err(|e| e.to_string())?;
    let clear = |p: Vec2| {
        let (x, y) = on_screen(p, me);
        (230.0..panel.0 as f32 - 10.0).contains(&x) && (60.0..600.0).contains(&y)
    };
    let mut booths: Vec<_> = map.booths.iter().collect();
    booths.sort_by(|a, b| {
        let d = |r: &Rect| Vec2::new(r.x + r.w / 2.0, r.y + r.h / 2.0).distance(me);
        d(&a.rect).total_cmp(&d(&b.rect))
    });
    let resizes = [(1.0, 1.0), (-1.0, -1.0), (1.0, 0.0), (-1.0, 0.0)];
    let moves = [(3.0, 0.0), (-3.0, 0.0), (0.0, 2.0), (0.0, -2.0), (1.0, 0.0)];
    let (booth, grab, (dx, dy), (rx, ry)) = booths
        .into_iter()
        .find_map(|booth| {
            let id = booth.object_id;
            let grab = free_point(&map, id, me).filter(|g| clear(*g))?;
            moves.iter().find_map(|&(dx, dy)| {
                let moved = Rect {
                    x: booth.rect.x + dx,
                    y: booth.rect.y + dy,
                    ..booth.rect
                };
                if !clear(Vec2::new(grab.x + dx, grab.y + dy))
                    || !accepted(tmx, &MapEdit::Place { id, rect: moved })
                {
                    return None;
                }
                let corner = Vec2::new(moved.x + moved.w, moved.y + moved.h);
                resizes.iter().find_map(|&(rx, ry)| {
                    let rect = Rect {
                        w: moved.w + rx,
                        h: moved.h + ry,
                        ..moved
                    };
                    let fits = clear(corner)
                        && clear(Vec2::new(corner.x + rx, corner.y + ry))
                        && accepted_after(tmx, id, moved, rect);
                    fits.then_some((booth.clone(), grab, (dx, dy), (rx, ry)))
                })
            })
        })
        .ok_or("no booth in sight that can be moved and resized where no panel covers it")?;
    let id = booth.object_id;
    let moved = Rect {
        x: booth.rect.x + dx,
        y: booth.rect.y + dy,
        ..booth.rect
    };
    drag(
        on_screen(grab, me),
        on_screen(Vec2::new(grab.x + dx, grab.y + dy), me),
    )?;
    steps.push((
        format!("a drag moved the booth by ({dx}, {dy}) tiles"),
        saved(tmx, &mut watcher, "the booth moved", |m| {
            m.booths
                .iter()
                .any(|b| b.object_id == id && b.rect == moved)
        }),
    ));

    // Its bottom right corner, a tile further right and down (or in, where that is a wall), at
    // once, as a quick hand does: the file is saved but the hall reaches the window only when
    // the server's watcher next looks (within a second), and the corner is taken where the
    // booth is drawn.
    let corner = Vec2::new(moved.x + moved.w, moved.y + moved.h);
    drag(
        on_screen(corner, me),
        on_screen(Vec2::new(corner.x + rx, corner.y + ry), me),
    )?;
    let resized = Rect {
        w: moved.w + rx,
        h: moved.h + ry,
        ..moved
    };
    steps.push((
        format!("dragging its corner resized it by ({rx}, {ry})"),
        saved(tmx, &mut watcher, "the booth resized", |m| {
            m.booths
                .iter()
                .any(|b| b.object_id == id && b.rect == resized)
        }),
    ));

    // The top left corner stays where the move put it.
    let dragged = snap(shots, 3)?;
    steps.push((
        "the selection is outlined, with handles at its corners".into(),
        outlined(&dragged, on_screen(Vec2::new(moved.x, moved.y), me)),
    ));

    // A theme chosen by a click; Ctrl+Z takes it back, Ctrl+Y makes it again.
    let theme_now = |m: &HallMap| m.booths.iter().find(|b| b.object_id == id).map(|b| b.theme);
    let old = theme_now(&map).ok_or("the booth has a theme")?;
    let (n, new) = madang_shared::map::Theme::ALL
        .into_iter()
        .enumerate()
        .find(|(_, t)| *t != old)
        .ok_or("another theme")?;
    let _ = snap(shots, 4)?;
    click_area(mark(shots, 4, &format!("edit-theme-{n}"))?)?;
    steps.push((
        "a click on a theme choice set the booth's theme".into(),
        saved(tmx, &mut watcher, "the new theme", |m| {
            theme_now(m) == Some(new)
        }),
    ));
    xdo(&["mousemove", "5", "5"])?;
    chord("ctrl", "z")?;
    steps.push((
        "Ctrl+Z took the theme back".into(),
        saved(tmx, &mut watcher, "the old theme", |m| {
            theme_now(m) == Some(old)
        }),
    ));
    chord("ctrl", "y")?;
    steps.push((
        "Ctrl+Y made it again".into(),
        saved(tmx, &mut watcher, "the new theme again", |m| {
            theme_now(m) == Some(new)
        }),
    ));

    // The palette's stage, placed by a click on the floor near the organizer.
    let _ = snap(shots, 5)?;
    click_area(mark(shots, 5, "edit-place-stage")?)?;
    let stages = map.spotlights.len();
    let spot = [(0.0, 3.0), (0.0, -3.0), (-4.0, 0.0), (4.0, 0.0)]
        .iter()
        .map(|(x, y)| Vec2::new(me.x + x, me.y + y))
        .find(|p| {
            accepted(
                tmx,
                &MapEdit::Add {
                    class: "spotlight".into(),
                    name: "t".into(),
                    rect: Rect {
                        x: (p.x - 3.0).round(),
                        y: (p.y - 1.5).round(),
                        w: 6.0,
                        h: 3.0,
                    },
                    properties: vec![("title".into(), "무대".into())],
                },
            )
        })
        .ok_or("nowhere to put a stage")?;
    let (sx, sy) = on_screen(spot, me);
    click(sx, sy)?;
    steps.push((
        "the palette's stage was placed where the floor was clicked".into(),
        saved(tmx, &mut watcher, "a new stage", |m| {
            m.spotlights.len() == stages + 1 && m.spotlights.iter().any(|s| s.rect.contains(spot))
        }),
    ));
    pump_for(&mut [&mut watcher], Duration::from_secs(2));
    let _ = snap(shots, 6)?;
    watcher.disconnect();
    Ok(steps)
}

/// Grid lines: in the floor of the corridor west of the plaza (nothing there moves or plays),
/// what F2 changed lies on lines 32 px apart, and there are many of them.
fn grid_lines(before: &image::RgbaImage, after: &image::RgbaImage) -> Result<(), String> {
    let (x0, y0, x1, y1) = (0, 300, 560, 420);
    let mut columns = [0usize; 32];
    let mut rows = [0usize; 32];
    let mut differ = 0usize;
    for y in y0..y1 {
        for x in x0..x1 {
            let (p, q) = (after.get_pixel(x, y), before.get_pixel(x, y));
            if close(p, [q[0], q[1], q[2]], 6) {
                continue;
            }
            differ += 1;
            columns[(x % 32) as usize] += 1;
            rows[(y % 32) as usize] += 1;
        }
    }
    // A line on a pixel boundary is drawn over the two pixels beside it.
    let pair = |c: &[usize; 32]| (0..32).map(|k| c[k] + c[(k + 1) % 32]).max().unwrap_or(0);
    let on_lines = pair(&columns) + pair(&rows);
    // 18 columns and 4 rows of lines, 1 px wide, cross the strip: about 3,000 pixels.
    if differ > 1500 && on_lines * 10 >= differ * 9 {
        Ok(())
    } else {
        Err(format!(
            "{differ} pixels of the corridor changed, {on_lines} of them on the lines of a 32-px grid"
        ))
    }
}

/// The outline's pink around the top left corner it should start at.
fn outlined(img: &image::RgbaImage, (x, y): (f32, f32)) -> Result<(), String> {
    let (x0, y0) = ((x as u32).saturating_sub(24), (y as u32).saturating_sub(24));
    let n = count(img, x0, y0, x0 + 48, y0 + 48, |p| close(p, PINK, 40));
    if n >= 30 {
        Ok(())
    } else {
        Err(format!("{n} outline pixels near ({x}, {y})"))
    }
}
