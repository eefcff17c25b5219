//! Walking together, over real UDP on 127.0.0.1: joins through the HTTP endpoint, movement
//! seen by those near and not by those far, leaving, portals, and refusals.

mod common;

use madang_shared::refusal::{JoinRefused, NameProblem};
use std::time::{Duration, Instant};

use common::*;
use madang_client::session::{ConnState, JoinError, JoinOptions, Session};
use madang_shared::Vec2;
use madang_shared::protocol::{ClientMsg, InputFrame, JoinResponse, PROTOCOL_ID, channel, encode};
use madang_shared::rules::MoveInput;
use renet_netcode::{ClientAuthentication, ConnectToken};

const WAIT: Duration = Duration::from_secs(10);

fn ready(sessions: &mut [&mut Session]) -> bool {
    sessions.iter().all(|s| s.is_ready())
}

/// Walks `s` with `input` for `ticks` server ticks while pumping everyone.
fn walk(sessions: &mut [&mut Session], who: usize, input: MoveInput, ticks: u32) {
    let tick = Duration::from_secs_f32(sessions[who].tick_dt());
    for _ in 0..ticks {
        sessions[who].step(input);
        pump_for(sessions, tick);
    }
}

#[test]
fn three_visitors_see_one_walk_and_a_far_one_does_not() {
    let server = start_server();
    let mut a = join(&server, "걷는 사람", "hall", "from_lobby");
    let mut b = join(&server, "Bea", "hall", "from_lobby");
    let mut c = join(&server, "최씨", "hall", "from_lobby");
    let mut far = join(&server, "Far away", "hall", "east_end");
    let mut all = [&mut a, &mut b, &mut c, &mut far];
    assert!(
        pump_until(&mut all, WAIT, ready),
        "everyone connects and is welcomed"
    );
    let a_id = all[0].me.as_ref().expect("welcomed").id;
    assert!(
        pump_until(&mut all, WAIT, |s| s[1].others.contains_key(&a_id)
            && s[2].others.contains_key(&a_id)),
        "b and c see a arrive"
    );
    assert_eq!(
        all[1].others[&a_id].name, "걷는 사람",
        "names travel intact"
    );

    let start = all[0].me.as_ref().expect("welcomed").pos;
    walk(&mut all, 0, MoveInput::new(1, 0), 12);
    walk(&mut all, 0, MoveInput::IDLE, 8);
    let a_now = all[0].me.as_ref().expect("welcomed").server_pos;
    assert!(
        a_now.x > start.x + 1.0,
        "the server moved a: {start} -> {a_now}"
    );
    assert!(
        pump_until(&mut all, Duration::from_secs(2), |s| {
            [1, 2]
                .iter()
                .all(|&k| (s[k].others[&a_id].latest() - a_now).length() < 0.1)
        }),
        "b and c see a at its new position within a few ticks"
    );
    assert!(
        !all[3].others.contains_key(&a_id),
        "the visitor 58 tiles away never hears of a"
    );
    // Those near each other see each other; the far one sees nobody.
    assert_eq!(all[1].others.len(), 2);
    assert!(all[3].others.is_empty());
    server.stop();
}

#[test]
fn a_disconnect_removes_the_avatar_for_everyone() {
    let server = start_server();
    let mut a = join(&server, "Leaver", "lobby", "entrance");
    let mut b = join(&server, "Stayer 1", "lobby", "entrance");
    let mut c = join(&server, "Stayer 2", "lobby", "entrance");
    let mut all = [&mut a, &mut b, &mut c];
    assert!(pump_until(&mut all, WAIT, ready));
    let a_id = all[0].me.as_ref().expect("welcomed").id;
    assert!(pump_until(&mut all, WAIT, |s| s[1]
        .others
        .contains_key(&a_id)
        && s[2].others.contains_key(&a_id)));
    all[0].disconnect();
    assert!(
        pump_until(&mut all[1..], WAIT, |s| s
            .iter()
            .all(|x| !x.others.contains_key(&a_id))),
        "everyone sees the leaver go"
    );
    assert_eq!(
        stats_clients(&server, 2),
        2,
        "the server has two people left"
    );
    server.stop();
}

/// Waits for `/stats` (refreshed every second) to report `expected` clients; returns the last
/// count seen.
fn stats_clients(server: &madang_server::ServerHandle, expected: u64) -> u64 {
    let report = wait_for_stats(server, |r| r["clients"].as_u64() == Some(expected));
    report["clients"].as_u64().expect("a count")
}

/// Waits up to five seconds for `/stats` to satisfy `ok`; returns the last report.
fn wait_for_stats(
    server: &madang_server::ServerHandle,
    ok: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let start = Instant::now();
    loop {
        let report = stats(server);
        if ok(&report) || start.elapsed() > Duration::from_secs(5) {
            return report;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn bad_names_are_refused_with_a_reason() {
    let server = start_server();
    for (name, why) in [
        ("   ", NameProblem::Blank),
        ("a\u{7}b", NameProblem::Hidden { code: 7 }),
        (&"가".repeat(40)[..], NameProblem::TooLong { max: 24 }),
    ] {
        let opts = JoinOptions {
            name: name.into(),
            ..JoinOptions::default()
        };
        match Session::join(&server.url(), &opts, &maps_dir()) {
            Err(JoinError::Refused(reason)) => {
                assert_eq!(reason, JoinRefused::Name { problem: why }, "{name:?}")
            }
            Err(e) => panic!("expected a refusal for {name:?}, got {e}"),
            Ok(_) => panic!("{name:?} must be refused"),
        }
    }
    server.stop();
}

#[test]
fn a_forged_token_never_connects() {
    let server = start_server();
    let mut honest = join(&server, "Honest", "lobby", "entrance");
    assert!(pump_until(&mut [&mut honest], WAIT, ready));
    // A token sealed with a key that is not the server's.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    let token = ConnectToken::generate(
        now,
        PROTOCOL_ID,
        60,
        4242,
        3,
        vec![server.addrs.udp],
        None,
        &[9u8; 32],
    )
    .expect("a token");
    let join = JoinResponse {
        visitor_id: 1,
        visitor_pass: String::new(),
        name: "Forger".into(),
        role: Default::default(),
        server_addr: server.addrs.udp,
        token: None,
        client_id: 4242,
        user_data: None,
    };
    let mut forger = Session::with_auth(
        join,
        ClientAuthentication::Secure {
            connect_token: token,
        },
        &maps_dir(),
    )
    .expect("the socket opens");
    let connected = pump_until(
        &mut [&mut forger, &mut honest],
        Duration::from_secs(5),
        |s| s[0].state == ConnState::Connected,
    );
    assert!(!connected, "a forged token must not connect");
    assert!(forger.me.is_none());
    assert!(honest.others.is_empty(), "nobody saw the forger");
    assert_eq!(stats_clients(&server, 1), 1);
    server.stop();
}

#[test]
fn an_unsecure_connection_is_refused_by_a_secure_server() {
    let server = start_server();
    let join = JoinResponse {
        visitor_id: 1,
        visitor_pass: String::new(),
        name: "Sneaky".into(),
        role: Default::default(),
        server_addr: server.addrs.udp,
        token: None,
        client_id: 77,
        user_data: None,
    };
    let auth = ClientAuthentication::Unsecure {
        protocol_id: PROTOCOL_ID,
        client_id: 77,
        server_addr: server.addrs.udp,
        user_data: None,
    };
    let mut s = Session::with_auth(join, auth, &maps_dir()).expect("socket");
    let connected = pump_until(&mut [&mut s], Duration::from_secs(4), |s| {
        s[0].state == ConnState::Connected
    });
    assert!(!connected, "without --dev-insecure only tokens connect");
    server.stop();
}

#[test]
fn a_portal_takes_a_visitor_to_the_exhibition_hall() {
    let server = start_server();
    // The lobby's east spawn is two tiles from the door to the hall.
    let mut a = join(&server, "Explorer", "lobby", "from_hall");
    assert!(pump_until(&mut [&mut a], WAIT, ready));
    assert_eq!(a.hall_id(), Some("lobby"));
    let mut all = [&mut a];
    for _ in 0..40 {
        walk(&mut all, 0, MoveInput::new(1, 0), 1);
        if all[0].hall_id() == Some("hall") {
            break;
        }
    }
    assert_eq!(all[0].hall_id(), Some("hall"), "walked through the door");
    let me = all[0].me.as_ref().expect("welcomed");
    assert_eq!(
        me.pos,
        Vec2::new(2.5, 22.0),
        "arrived at the hall's from_lobby spawn"
    );
    server.stop();
}

#[test]
fn a_client_sending_garbage_is_disconnected_and_the_server_carries_on() {
    let server = start_server();
    let mut bad = join(&server, "Garbage", "lobby", "entrance");
    let mut good = join(&server, "Good", "lobby", "entrance");
    assert!(pump_until(&mut [&mut bad, &mut good], WAIT, ready));
    for i in 0..60u8 {
        bad.send_raw(channel::RELIABLE, vec![0xff, i, 0x13, 0x37]);
    }
    assert!(
        pump_until(&mut [&mut bad, &mut good], WAIT, |s| matches!(
            s[0].state,
            ConnState::Lost(_)
        )),
        "the server drops a client that keeps sending garbage"
    );
    assert_eq!(good.state, ConnState::Connected, "others are unaffected");
    let report = wait_for_stats(&server, |r| r["bad_messages"].as_u64() >= Some(20));
    assert!(
        report["bad_messages"].as_u64() >= Some(20),
        "the server counted the bad messages: {report}"
    );
    server.stop();
}

#[test]
fn flooding_input_frames_does_not_make_anyone_faster() {
    let server = start_server();
    let mut s = join(&server, "Speedy", "hall", "from_lobby");
    assert!(pump_until(&mut [&mut s], WAIT, ready));
    let start = s.me.as_ref().expect("welcomed").server_pos;
    // 50 messages of 16 fresh frames each in one burst: 800 steps' worth of input.
    let mut seq = 1000;
    for _ in 0..50 {
        let frames = (0..16)
            .map(|_| {
                seq += 1;
                InputFrame {
                    seq,
                    input: MoveInput::new(1, 0),
                }
            })
            .collect();
        s.send_raw(channel::INPUT, encode(&ClientMsg::Input { frames }));
    }
    let t0 = Instant::now();
    pump_for(&mut [&mut s], Duration::from_millis(500));
    let elapsed = t0.elapsed().as_secs_f32() + 0.2;
    let moved = s.me.as_ref().expect("welcomed").server_pos.x - start.x;
    // Speed 4 tiles/s: in the elapsed time plus the credit burst, at most this far.
    let limit = 4.0 * elapsed + 3.0 * 4.0 / 20.0 + 0.01;
    assert!(
        moved <= limit,
        "moved {moved} tiles in {elapsed}s, limit {limit}"
    );
    assert!(moved > 0.0, "the frames were applied at the normal rate");
    server.stop();
}

#[test]
fn a_silent_client_times_out_and_leaves_for_everyone() {
    let server = start_server();
    let mut quiet = join(&server, "Quiet", "lobby", "entrance");
    let mut b = join(&server, "Watcher", "lobby", "entrance");
    assert!(pump_until(&mut [&mut quiet, &mut b], WAIT, ready));
    let quiet_id = quiet.me.as_ref().expect("welcomed").id;
    assert!(pump_until(&mut [&mut b], WAIT, |s| s[0]
        .others
        .contains_key(&quiet_id)));
    // `quiet` stays open but sends nothing more: the server's 3 s timeout must notice.
    assert!(
        pump_until(&mut [&mut b], Duration::from_secs(8), |s| !s[0]
            .others
            .contains_key(&quiet_id)),
        "the silent client is removed for the others after the timeout"
    );
    drop(quiet);
    server.stop();
}

#[test]
fn fifty_bots_join_and_walk_without_losing_anyone() {
    use madang_client::bots::{BotOptions, run_bots};
    let server = start_server();
    let report = run_bots(&BotOptions {
        server_url: server.url(),
        count: 50,
        duration: Some(Duration::from_secs(4)),
        maps_dir: maps_dir(),
        name_prefix: "봇".into(),
        hall: Some("lobby".into()),
        seed: 3,
        speak: None,
        server_cert: None,
        probe: false,
        probe_spawn: None,
        always_move: false,
    });
    assert_eq!(report.joined, 50, "{report:?}");
    assert_eq!(report.lost, 0, "nobody was dropped: {report:?}");
    assert!(
        report.snapshots > 50 * 20,
        "the bots saw each other move: {report:?}"
    );
    server.stop();
}

#[test]
fn with_dev_insecure_a_visitor_connects_without_a_token() {
    let server = madang_server::spawn(madang_server::Settings {
        dev_insecure: true,
        ..test_settings()
    })
    .expect("the insecure test server starts");
    let resp = madang_client::session::request_join(
        &server.url(),
        &JoinOptions {
            name: "Developer".into(),
            ..JoinOptions::default()
        },
    )
    .expect("joins");
    assert!(
        resp.token.is_none() && resp.user_data.is_some(),
        "no token, claims instead"
    );
    let mut s = Session::connect(resp, &maps_dir()).expect("starts connecting");
    assert!(
        pump_until(&mut [&mut s], WAIT, ready),
        "an unsecure connection is accepted"
    );
    assert_eq!(s.me.as_ref().expect("welcomed").name, "Developer");
    assert_eq!(
        s.hall_id(),
        Some("lobby"),
        "newcomers arrive at the entrance"
    );
    server.stop();
}

#[test]
fn a_visitor_pass_keeps_the_identity_across_reconnects_and_restarts() {
    let settings = test_settings();
    let server = madang_server::spawn(settings.clone()).expect("starts");
    let opts = JoinOptions {
        name: "Returning".into(),
        ..JoinOptions::default()
    };
    let first = madang_client::session::request_join(&server.url(), &opts).expect("joins");
    let again = JoinOptions {
        visitor_pass: Some(first.visitor_pass.clone()),
        ..opts.clone()
    };
    let second = madang_client::session::request_join(&server.url(), &again).expect("joins again");
    assert_eq!(
        second.visitor_id, first.visitor_id,
        "same visitor after a reconnect"
    );
    server.stop();
    // The secret is kept in the data folder: the pass still works after a restart.
    let server = madang_server::spawn(settings).expect("restarts");
    let third =
        madang_client::session::request_join(&server.url(), &again).expect("joins after restart");
    assert_eq!(
        third.visitor_id, first.visitor_id,
        "same visitor after a restart"
    );
    server.stop();
}
