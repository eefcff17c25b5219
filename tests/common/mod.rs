//! Test helpers: a real server on 127.0.0.1 with port 0, and headless sessions joining it
//! through the HTTP endpoint.

#![allow(dead_code)]

pub mod hands;

use madang_shared::refusal::Refusal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use madang_client::session::{JoinOptions, Session};
use madang_server::{ServerHandle, Settings};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn maps_dir() -> PathBuf {
    root().join("assets/maps")
}

/// A fresh data folder for one test server.
pub fn temp_data_dir() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("madang-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Settings for a test server: loopback, ephemeral ports, the demo maps, quiet stats, its own
/// data folder.
pub fn test_settings() -> Settings {
    Settings {
        data_dir: temp_data_dir(),
        udp_bind: "127.0.0.1:0".parse().expect("literal"),
        http_bind: "127.0.0.1:0".parse().expect("literal"),
        maps_dir: maps_dir(),
        stats_interval_secs: 0,
        client_timeout_secs: 3,
        // A test's crowd comes from 127.0.0.1 (tests of the door set their own limits).
        door: madang_server::settings::DoorLimits::wide_open(),
        // Tests of the vote's rules set their own; the others vote at once.
        vote: madang_server::settings::VoteRule::NONE,
        hearts: madang_server::settings::VoteRule::NONE,
        ..Settings::default()
    }
}

pub fn start_server() -> ServerHandle {
    madang_server::spawn(test_settings()).unwrap_or_else(|e| panic!("the test server starts: {e}"))
}

pub fn join(server: &ServerHandle, name: &str, hall: &str, spawn: &str) -> Session {
    Session::join(
        &server.url(),
        &JoinOptions {
            name: name.into(),
            hall: Some(hall.into()),
            spawn: Some(spawn.into()),
            visitor_pass: None,
            invite: None,
            server_cert: None,
            look: None,
        },
        &maps_dir(),
    )
    .unwrap_or_else(|e| panic!("{name} joins: {e}"))
}

/// Polls and flushes every session every 5 ms until `done` holds or `timeout` passes.
/// Returns whether `done` held.
pub fn pump_until(
    sessions: &mut [&mut Session],
    timeout: Duration,
    mut done: impl FnMut(&mut [&mut Session]) -> bool,
) -> bool {
    let start = Instant::now();
    let mut last = Instant::now();
    loop {
        let now = Instant::now();
        for s in sessions.iter_mut() {
            s.poll(now - last);
            s.flush();
        }
        last = now;
        if done(sessions) {
            return true;
        }
        if start.elapsed() > timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Pumps for a while regardless.
pub fn pump_for(sessions: &mut [&mut Session], time: Duration) {
    pump_until(sessions, time, |_| false);
}

/// Reads the server's `/stats`.
pub fn stats(server: &ServerHandle) -> serde_json::Value {
    let mut resp = madang_client::session::http_agent(&format!("{}/stats", server.url()), None)
        .expect("an agent")
        .get(&format!("{}/stats", server.url()))
        .call()
        .expect("stats answer");
    serde_json::from_str(&resp.body_mut().read_to_string().expect("body")).expect("json")
}

/// Joins a server started with `--dev-insecure` with claims of our own choosing: the only way
/// to be an organizer until invite codes exist.
pub fn join_as(
    server: &ServerHandle,
    maps: &std::path::Path,
    name: &str,
    role: madang_shared::protocol::Role,
    hall: Option<&str>,
    spawn: Option<&str>,
) -> Session {
    use base64::Engine;
    let mut resp = madang_client::session::request_join(
        &server.url(),
        &JoinOptions {
            name: name.into(),
            hall: hall.map(str::to_owned),
            spawn: spawn.map(str::to_owned),
            visitor_pass: None,
            invite: None,
            server_cert: None,
            look: None,
        },
    )
    .expect("joins");
    let claims = madang_shared::protocol::JoinClaims {
        visitor_id: resp.visitor_id,
        identity_since: 0,
        name: name.into(),
        role,
        hall: hall.map(str::to_owned),
        spawn: spawn.map(str::to_owned),
        look: madang_shared::protocol::Look::default(),
    };
    let data = claims.to_user_data().expect("the claims fit");
    resp.user_data = Some(base64::engine::general_purpose::STANDARD.encode(data));
    Session::connect(resp, maps).expect("connects")
}

/// Waits until the session is welcomed into its hall.
pub fn ready(s: &mut Session) {
    assert!(
        pump_until(&mut [s], Duration::from_secs(10), |s| s[0].is_ready()),
        "{} is welcomed",
        s.join.name
    );
}

/// Waits for the server's answer to request `req`.
pub fn answer(s: &mut Session, req: u32) -> Result<(), Refusal> {
    let mut got = None;
    let ok = pump_until(&mut [s], Duration::from_secs(10), |s| {
        got = s[0].take_answer(req);
        got.is_some()
    });
    assert!(ok, "request {req} is answered");
    got.expect("answered")
}

/// Walks each session to its goal tile along a path, one input a tick, until all arrive or
/// `timeout` passes; `traces` (one per session) get every (server tick, server position).
/// Returns which arrived.
pub fn walk_traced(
    sessions: &mut [&mut Session],
    goals: &[madang_shared::path::Tile],
    timeout: Duration,
    mut traces: Option<&mut [Vec<(u32, madang_shared::Vec2)>]>,
) -> Vec<bool> {
    use madang_shared::path::{PathWalker, find_path, tile_of};
    let mut walkers: Vec<PathWalker> = sessions
        .iter()
        .zip(goals)
        .map(|(s, &goal)| {
            let map = s.hall_map.clone().expect("in a hall");
            let me = s.me.as_ref().expect("welcomed").pos;
            PathWalker::new(find_path(&map.collision, tile_of(me), goal).expect("a way"))
        })
        .collect();
    let tick = Duration::from_secs_f32(sessions[0].tick_dt());
    let start = Instant::now();
    let mut last = Instant::now();
    while start.elapsed() < timeout && walkers.iter().any(|w| !w.done()) {
        std::thread::sleep(tick);
        let now = Instant::now();
        for (k, (s, w)) in sessions.iter_mut().zip(walkers.iter_mut()).enumerate() {
            s.poll(now - last);
            if let Some(t) = traces.as_deref_mut().and_then(|t| t.get_mut(k)) {
                record(s, t);
            }
            let step = s.speed * s.tick_dt();
            let pos = s.me.as_ref().expect("welcomed").pos;
            let input = w
                .steer(pos, step)
                .unwrap_or(madang_shared::rules::MoveInput::IDLE);
            s.step(input);
            s.flush();
        }
        last = now;
    }
    let done = walkers.iter().map(PathWalker::done).collect();
    // Let the last steps land.
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_millis(400) {
        std::thread::sleep(Duration::from_millis(5));
        let now = Instant::now();
        for (k, s) in sessions.iter_mut().enumerate() {
            s.poll(now - last);
            if let Some(t) = traces.as_deref_mut().and_then(|t| t.get_mut(k)) {
                record(s, t);
            }
            s.step(madang_shared::rules::MoveInput::IDLE);
            s.flush();
        }
        last = now;
    }
    done
}

/// Walks without a trace.
pub fn walk(
    sessions: &mut [&mut Session],
    goals: &[madang_shared::path::Tile],
    timeout: Duration,
) -> Vec<bool> {
    walk_traced(sessions, goals, timeout, None)
}

/// Notes the server's tick and position, once per tick.
pub fn record(s: &Session, trace: &mut Vec<(u32, madang_shared::Vec2)>) {
    let tick = s.latest_tick();
    if let Some(me) = s.me.as_ref()
        && trace.last().is_none_or(|(t, _)| *t != tick)
    {
        trace.push((tick, me.server_pos));
    }
}

/// A rectangle of a screenshot: x, y, width, height in pixels.
pub type Area = (u32, u32, u32, u32);

/// The rectangles the window wrote beside its screenshot (`FILE.json`), by name.
pub fn read_marks(path: &std::path::Path) -> std::collections::HashMap<String, Area> {
    let text = std::fs::read_to_string(path).expect("the client wrote the marks file");
    let marks: serde_json::Value = serde_json::from_str(&text).expect("the marks are JSON");
    let mut out = std::collections::HashMap::new();
    if let Some(obj) = marks.as_object() {
        for (name, v) in obj {
            let v: Vec<u32> = v
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_f64())
                .map(|x| x.round() as u32)
                .collect();
            if v.len() == 4 {
                out.insert(name.clone(), (v[0], v[1], v[2], v[3]));
            }
        }
    }
    out
}

/// The checks of a window test, printed like cargo's; the exit code says whether all passed.
#[derive(Default)]
pub struct Checks {
    passed: usize,
    failed: usize,
}

impl Checks {
    pub fn check(&mut self, name: &str, result: Result<(), String>) {
        match result {
            Ok(()) => {
                println!("test {name} ... ok");
                self.passed += 1;
            }
            Err(why) => {
                println!("test {name} ... FAILED: {why}");
                self.failed += 1;
            }
        }
    }

    pub fn finish(self) -> std::process::ExitCode {
        println!("{} passed, {} failed", self.passed, self.failed);
        if self.failed == 0 {
            std::process::ExitCode::SUCCESS
        } else {
            std::process::ExitCode::FAILURE
        }
    }
}

/// Whether a screenshot's pixel is within `tol` of the colour `c` in each channel.
pub fn close(p: &image::Rgba<u8>, c: [u8; 3], tol: i32) -> bool {
    (0..3).all(|i| (p[i] as i32 - c[i] as i32).abs() <= tol)
}

/// How many pixels of the rectangle from (x0, y0) to (x1, y1) (cut to the picture) pass `f`.
pub fn count(
    img: &image::RgbaImage,
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
    f: impl Fn(&image::Rgba<u8>) -> bool,
) -> usize {
    let mut n = 0;
    for y in y0..y1.min(img.height()) {
        for x in x0..x1.min(img.width()) {
            if f(img.get_pixel(x, y)) {
                n += 1;
            }
        }
    }
    n
}

/// A folder copied with everything below it.
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
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

/// A copy of the demo's assets (maps and what they point to) to edit.
pub fn copy_assets(to: &std::path::Path) {
    for dir in ["maps", "tilesets", "photos", "videos", "documents"] {
        let from = root().join("assets").join(dir);
        std::fs::create_dir_all(to.join(dir)).unwrap();
        for e in std::fs::read_dir(&from).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(dir).join(e.file_name())).unwrap();
        }
    }
}

/// Waits until the X server at `$DISPLAY` takes a connection (up to 20 s). A window that cannot
/// connect fails at once. (The refusals once seen between two window tests were Xvfb resetting
/// after its last client left; scripts/test now starts it with `-noreset`.)
pub fn display_answers() -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(20) {
        let answered = std::process::Command::new("xdotool")
            .arg("getdisplaygeometry")
            .output()
            .is_ok_and(|o| o.status.success());
        if answered {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    false
}
