//! Test helpers: a real server on 127.0.0.1 with port 0, and headless sessions joining it
//! through the HTTP endpoint.

#![allow(dead_code)]

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
    let mut resp = ureq::get(&format!("{}/stats", server.url()))
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
        },
    )
    .expect("joins");
    let claims = madang_shared::protocol::JoinClaims {
        visitor_id: resp.visitor_id,
        name: name.into(),
        role,
        hall: hall.map(str::to_owned),
        spawn: spawn.map(str::to_owned),
    };
    let data = claims.to_user_data().expect("the claims fit");
    resp.user_data = Some(base64::engine::general_purpose::STANDARD.encode(data));
    Session::connect(resp, maps).expect("connects")
}
