//! Crowds over real UDP on 127.0.0.1: a rush of joins is let in a few per tick and everyone
//! ends up knowing everyone, and when half of them leave at once those who stay are told of
//! each; a client whose link loses packets is sent less, is not cut off, and its view of the
//! others stays true.

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::*;
use madang_client::session::{JoinOptions, Session, request_join};
use madang_server::ARRIVALS_PER_TICK;
use madang_shared::rules::MoveInput;

const WAIT: Duration = Duration::from_secs(15);

fn options(name: &str) -> JoinOptions {
    JoinOptions {
        name: name.into(),
        hall: Some("lobby".into()),
        spawn: Some("entrance".into()),
        visitor_pass: None,
        invite: None,
        server_cert: None,
        look: None,
    }
}

#[test]
fn a_rush_of_joins_is_let_in_a_few_per_tick_and_everyone_sees_everyone_and_those_who_leave_go() {
    let server = start_server();
    const N: usize = 40;
    // Every join asked first, then every connection opened at once: the server sees them
    // arrive within a tick or two.
    let joins: Vec<_> = (0..N)
        .map(|k| request_join(&server.url(), &options(&format!("급히 {k}"))).expect("a join"))
        .collect();
    let mut sessions: Vec<Session> = joins
        .into_iter()
        .map(|j| Session::connect(j, &maps_dir()).expect("a connection"))
        .collect();
    let mut all: Vec<&mut Session> = sessions.iter_mut().collect();
    assert!(
        pump_until(&mut all, WAIT, |s| s.iter().all(|s| s.is_ready())),
        "all {N} are welcomed"
    );
    let mut per_tick = std::collections::HashMap::<u32, usize>::new();
    for s in &all {
        *per_tick.entry(s.welcomed_at).or_default() += 1;
    }
    let most = per_tick.values().copied().max().unwrap_or(0);
    assert!(
        most <= ARRIVALS_PER_TICK,
        "at most {ARRIVALS_PER_TICK} placed in one tick, not {most}: {per_tick:?}"
    );
    assert!(
        per_tick.len() >= N / ARRIVALS_PER_TICK,
        "the rush was spread over ticks: {per_tick:?}"
    );
    // The notices of a rush leave everyone knowing everyone else, once.
    assert!(
        pump_until(&mut all, WAIT, |s| s
            .iter()
            .all(|s| s.others.len() == N - 1)),
        "everyone sees the {} others: {:?}",
        N - 1,
        all.iter().map(|s| s.others.len()).collect::<Vec<_>>()
    );
    let ids: std::collections::HashSet<_> = all
        .iter()
        .map(|s| s.me.as_ref().expect("welcomed").id)
        .collect();
    assert_eq!(ids.len(), N);
    for s in &all {
        let me = s.me.as_ref().expect("welcomed").id;
        assert!(s.others.keys().all(|k| *k != me && ids.contains(k)));
    }
    // The stats are refreshed every second.
    let since = std::time::Instant::now();
    while stats(&server)["waiting_to_enter"] != 0 {
        assert!(since.elapsed() < WAIT, "nobody is left waiting");
        std::thread::sleep(Duration::from_millis(200));
    }
    // Half of them leave at once (the server takes them out of the views together): each who
    // stays is told of every one of them, and of nobody else.
    drop(all);
    let (leaving, staying) = sessions.split_at_mut(N / 2);
    for s in leaving.iter_mut() {
        s.disconnect();
    }
    let stayers: std::collections::HashSet<_> = staying
        .iter()
        .map(|s| s.me.as_ref().expect("welcomed").id)
        .collect();
    let mut staying: Vec<&mut Session> = staying.iter_mut().collect();
    assert!(
        pump_until(&mut staying, WAIT, |s| s
            .iter()
            .all(|s| s.others.len() == N - N / 2 - 1)),
        "each who stays sees only the {} others who stayed: {:?}",
        N - N / 2 - 1,
        staying.iter().map(|s| s.others.len()).collect::<Vec<_>>()
    );
    for s in &staying {
        assert!(s.others.keys().all(|k| stayers.contains(k)));
    }
    server.stop();
}

/// A UDP relay between clients and the server that loses a share of what the server sends to
/// the first client it relays for (the others pass untouched).
struct LossyRelay {
    stop: Arc<AtomicBool>,
}

impl LossyRelay {
    fn bind() -> (UdpSocket, SocketAddr) {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("a relay socket");
        let addr = socket.local_addr().expect("its address");
        (socket, addr)
    }

    fn start(front: UdpSocket, server: SocketAddr, loss: f64) -> LossyRelay {
        let stop = Arc::new(AtomicBool::new(false));
        front
            .set_read_timeout(Some(Duration::from_millis(20)))
            .expect("a timeout");
        let front = Arc::new(front);
        let halt = stop.clone();
        std::thread::spawn(move || {
            let mut backs: Vec<(SocketAddr, Arc<UdpSocket>)> = Vec::new();
            let mut buf = [0u8; 2048];
            while !halt.load(Ordering::Relaxed) {
                let Ok((n, from)) = front.recv_from(&mut buf) else {
                    continue;
                };
                let back = match backs.iter().find(|(a, _)| *a == from) {
                    Some((_, b)) => b.clone(),
                    None => {
                        let back = Arc::new(UdpSocket::bind("127.0.0.1:0").expect("a back socket"));
                        back.set_read_timeout(Some(Duration::from_millis(20)))
                            .expect("a timeout");
                        let lossy = backs.is_empty();
                        backs.push((from, back.clone()));
                        let (front, back2, halt) = (front.clone(), back.clone(), halt.clone());
                        std::thread::spawn(move || {
                            let mut buf = [0u8; 2048];
                            let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
                            while !halt.load(Ordering::Relaxed) {
                                let Ok(n) = back2.recv(&mut buf) else {
                                    continue;
                                };
                                seed = seed
                                    .wrapping_mul(6_364_136_223_846_793_005)
                                    .wrapping_add(1_442_695_040_888_963_407);
                                let roll = (seed >> 11) as f64 / (1u64 << 53) as f64;
                                if lossy && roll < loss {
                                    continue;
                                }
                                let _ = front.send_to(&buf[..n], from);
                            }
                        });
                        back.connect(server).expect("the server's address");
                        back
                    }
                };
                let _ = back.send(&buf[..n]);
            }
        });
        LossyRelay { stop }
    }
}

impl Drop for LossyRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[test]
fn a_client_on_a_lossy_link_is_sent_less_kept_and_its_view_stays_true() {
    // Clients are told to connect to the relay, which passes everything on to the server.
    let (front, relay_addr) = LossyRelay::bind();
    let mut settings = test_settings();
    settings.public_addr = Some(relay_addr);
    settings.client_timeout_secs = 5;
    let server = madang_server::spawn(settings).expect("the server starts");
    let _relay = LossyRelay::start(front, server.addrs.udp, 0.4);

    let mut lossy = Session::join(&server.url(), &options("손실"), &maps_dir()).expect("a join");
    assert!(pump_until(&mut [&mut lossy], WAIT, |s| s[0].is_ready()));
    let mut walker = Session::join(&server.url(), &options("Walker"), &maps_dir()).expect("a join");
    let mut steady = Session::join(&server.url(), &options("Steady"), &maps_dir()).expect("a join");
    let mut all = [&mut lossy, &mut walker, &mut steady];
    assert!(pump_until(&mut all, WAIT, |s| s
        .iter()
        .all(|s| s.is_ready())));
    let walker_id = all[1].me.as_ref().expect("welcomed").id;
    assert!(pump_until(&mut all, WAIT, |s| s[0]
        .others
        .contains_key(&walker_id)
        && s[2].others.contains_key(&walker_id)));

    // The walker paces for eight seconds while four in ten of the lossy client's packets are lost.
    let before = (all[0].snapshots_received, all[2].snapshots_received);
    let mut behind_seen = false;
    let tick = Duration::from_secs_f32(all[1].tick_dt());
    for k in 0..160 {
        let dir = if (k / 20) % 2 == 0 { 1 } else { -1 };
        all[1].step(MoveInput::new(dir, 0));
        pump_for(&mut all, tick);
        if k % 20 == 19 {
            let st = stats(&server);
            behind_seen |= st["clients_behind"][0].as_u64().unwrap_or(0)
                + st["clients_behind"][1].as_u64().unwrap_or(0)
                > 0;
        }
    }
    all[1].step(MoveInput::IDLE);
    let lossy_got = all[0].snapshots_received - before.0;
    let steady_got = all[2].snapshots_received - before.1;
    assert!(behind_seen, "the server counted the lossy client as behind");
    assert!(
        (lossy_got as f64) < 0.5 * steady_got as f64,
        "the lossy client was sent less: {lossy_got} snapshots against {steady_got}"
    );
    assert!(
        all[0].is_ready(),
        "the lossy client is still connected: {:?}",
        all[0].state
    );
    let st = stats(&server);
    assert_eq!(st["clients"], 3, "nobody was cut off: {st}");

    // Once the walker stands, the lossy client's view of it comes true.
    let walker_at = |s: &[&mut Session]| s[1].me.as_ref().expect("welcomed").server_pos;
    assert!(
        pump_until(&mut all, WAIT, |s| {
            let at = walker_at(s);
            [0, 2].iter().all(|&k| {
                s[k].others
                    .get(&walker_id)
                    .is_some_and(|r| (r.latest() - at).length() < 0.1)
            })
        }),
        "both see the walker where it stopped"
    );
    server.stop();
}

#[test]
fn a_chosen_look_travels_with_the_join_and_is_seen_by_the_others() {
    use madang_shared::protocol::Look;
    let server = start_server();
    let chosen = Look { body: 5, colour: 2 };
    let mut a = Session::join(
        &server.url(),
        &JoinOptions {
            look: Some(chosen),
            ..options("모습을 고른 사람")
        },
        &maps_dir(),
    )
    .expect("joins");
    // Without a choice the server picks one, and tells its owner too.
    let mut b =
        Session::join(&server.url(), &options("고르지 않은 사람"), &maps_dir()).expect("joins");
    let ok = pump_until(&mut [&mut a, &mut b], WAIT, |s| {
        s.iter().all(|x| x.is_ready() && !x.others.is_empty())
    });
    assert!(ok, "both arrive and see each other");
    let (a_id, b_id) = (a.me.as_ref().unwrap().id, b.me.as_ref().unwrap().id);
    assert_eq!(
        a.me.as_ref().unwrap().look,
        chosen,
        "the welcome says the look"
    );
    assert_eq!(b.others[&a_id].look, chosen, "the other sees it");
    let picked = b.me.as_ref().unwrap().look;
    assert!(picked.is_valid());
    assert_eq!(
        a.others[&b_id].look, picked,
        "the server's pick is the same for all"
    );
    server.stop();
}
