//! A hostile client of our own, over real UDP: it joins through `/join` like anyone, connects
//! with a plain netcode client (renetcode's, not our session code), and then lies in renet's
//! own packets, or floods. The server cuts it off and keeps serving the other visitors.

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use base64::Engine;
use common::*;
use madang_server::ServerHandle;
use madang_server::fuzzing::wire;
use madang_shared::protocol::{
    ClientMsg, JoinRequest, JoinResponse, PROTOCOL_VERSION, Reaction, channel, encode,
};
use madang_shared::rules::MoveInput;
use renetcode::{ClientAuthentication, ConnectToken, NetcodeClient};

const WAIT: Duration = Duration::from_secs(10);

/// A netcode client that speaks renet's format by hand.
struct Liar {
    client: NetcodeClient,
    socket: UdpSocket,
    server: SocketAddr,
    last: Instant,
    started: Instant,
}

impl Liar {
    fn join(server: &ServerHandle) -> Liar {
        let req = JoinRequest {
            name: "거짓말쟁이".into(),
            protocol_version: PROTOCOL_VERSION,
            hall: Some("hall".into()),
            spawn: Some("from_lobby".into()),
            visitor_pass: None,
            invite: None,
            look: None,
        };
        let resp: JoinResponse =
            madang_client::session::http_agent(&format!("{}/join", server.url()), None)
                .expect("an agent")
                .post(&format!("{}/join", server.url()))
                .send_json(&req)
                .expect("the join endpoint answers")
                .body_mut()
                .read_json()
                .expect("a join response");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(resp.token.expect("a secure token"))
            .expect("base64");
        let token = ConnectToken::read(&mut bytes.as_slice()).expect("a token");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970");
        let client = NetcodeClient::new(
            now,
            ClientAuthentication::Secure {
                connect_token: token,
            },
        )
        .expect("a netcode client");
        let socket = UdpSocket::bind("127.0.0.1:0").expect("a UDP socket");
        socket.set_nonblocking(true).expect("non-blocking");
        Liar {
            client,
            socket,
            server: resp.server_addr,
            last: Instant::now(),
            started: Instant::now(),
        }
    }

    /// netcode's own traffic: handshake, keep-alives, whatever the server sent.
    fn pump(&mut self) {
        let dt = self.last.elapsed();
        self.last = Instant::now();
        if let Some((packet, addr)) = self.client.update(dt) {
            let _ = self.socket.send_to(packet, addr);
        }
        let mut buf = [0u8; 1500];
        while let Ok((n, _)) = self.socket.recv_from(&mut buf) {
            self.client.process_packet(&mut buf[..n]);
        }
    }

    fn connect(&mut self) {
        while !self.client.is_connected() {
            assert!(
                self.started.elapsed() < WAIT,
                "the liar connects like anyone: {:?}",
                self.client.disconnect_reason()
            );
            self.pump();
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// One renet packet, sealed by netcode as any client's would be.
    fn send(&mut self, renet: &[u8]) {
        if let Ok((addr, packet)) = self.client.generate_payload_packet(renet) {
            let _ = self.socket.send_to(packet, addr);
        }
    }

    /// Bytes straight at the game socket, outside netcode.
    fn send_raw(&self, bytes: &[u8]) {
        let _ = self.socket.send_to(bytes, self.server);
    }
}

/// Two visitors side by side in the hall, welcomed and seeing each other.
fn two_visitors(
    server: &ServerHandle,
) -> (
    madang_client::session::Session,
    madang_client::session::Session,
) {
    let mut a = join(server, "걷는 사람", "hall", "from_lobby");
    let mut b = join(server, "보는 사람", "hall", "from_lobby");
    assert!(
        pump_until(&mut [&mut a, &mut b], WAIT, |s| s
            .iter()
            .all(|x| x.is_ready())
            && s[1].others.len() == 1),
        "both are welcomed and see each other"
    );
    (a, b)
}

/// `a` walks right for a second; returns whether `b` saw it move.
fn b_sees_a_walk(
    a: &mut madang_client::session::Session,
    b: &mut madang_client::session::Session,
) -> bool {
    let a_id = a.me.as_ref().expect("welcomed").id;
    let before = b.others[&a_id].latest();
    let tick = Duration::from_secs_f32(a.tick_dt());
    for _ in 0..20 {
        a.step(MoveInput::new(1, 0));
        pump_for(&mut [&mut *a, &mut *b], tick);
    }
    pump_until(&mut [&mut *a, &mut *b], WAIT, |s| {
        (s[1].others[&a_id].latest() - before).length() > 1.0
    })
}

#[test]
fn lying_renet_packets_cut_the_liar_off_and_the_others_walk_on() {
    let server = start_server();
    let (mut a, mut b) = two_visitors(&server);
    let empty: &[u8] = &[];
    // 20 packets of 300 empty messages, each under its own id far ahead of the next one due.
    let far_ahead: Vec<Vec<(u64, &[u8])>> = (0..20u64)
        .map(|p| (0..300).map(|i| (10_000 + p * 300 + i, empty)).collect())
        .collect();
    let lies: Vec<(&str, Vec<Vec<u8>>)> = vec![
        (
            // The packet that once stopped the game thread.
            "a slice past the end of its message",
            vec![wire::slice(
                false,
                0,
                channel::INPUT,
                0,
                1,
                1,
                &[0; wire::SLICE_SIZE],
            )],
        ),
        (
            "slices that disagree on their count",
            vec![
                wire::slice(true, 0, channel::RELIABLE, 0, 0, 2, &[1; wire::SLICE_SIZE]),
                wire::slice(true, 1, channel::RELIABLE, 0, 1, 3, &[1; wire::SLICE_SIZE]),
            ],
        ),
        (
            "empty messages parked far ahead",
            (0..20u64)
                .map(|p| wire::small_reliable(p, channel::RELIABLE, 300, &far_ahead[p as usize]))
                .collect(),
        ),
        (
            "a channel that does not exist",
            vec![wire::small_unreliable(0, 9, 1, &[b"hello"])],
        ),
    ];
    for (what, packets) in lies {
        let mut liar = Liar::join(&server);
        liar.connect();
        liar.send_raw(b"not netcode at all");
        for p in &packets {
            liar.send(p);
        }
        let start = Instant::now();
        while !liar.client.is_disconnected() && start.elapsed() < WAIT {
            liar.pump();
            pump_for(&mut [&mut a, &mut b], Duration::from_millis(10));
        }
        assert!(
            liar.client.is_disconnected(),
            "the server cuts off a client that sends {what}"
        );
        assert!(
            b_sees_a_walk(&mut a, &mut b),
            "after {what}, the other visitors still see each other walk"
        );
    }
    let health = madang_client::session::http_agent(&format!("{}/health", server.url()), None)
        .expect("an agent")
        .get(&format!("{}/health", server.url()))
        .call()
        .expect("the join endpoint still answers")
        .body_mut()
        .read_to_string()
        .expect("text");
    assert_eq!(health, "ok");
}

#[test]
fn a_flooding_client_is_cut_off_and_snapshots_keep_their_rate() {
    let server = start_server();
    let (mut a, mut b) = two_visitors(&server);
    let mut liar = Liar::join(&server);
    liar.connect();
    let react = encode(&ClientMsg::React {
        reaction: Reaction::Applause,
    });
    let garbage: &[u8] = &[0xFF, 0x00, 0x13, 0x37];
    // 10,000 messages a second, half valid and half not, in packets of 50, for up to 5 s.
    let tick = Duration::from_secs_f32(a.tick_dt());
    let hz = 1.0 / tick.as_secs_f64();
    let start = Instant::now();
    let snapshots_before = b.snapshots_received;
    let mut sequence = 0;
    let mut cut_after = None;
    let mut last_burst = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if last_burst.elapsed() >= Duration::from_millis(10) && !liar.client.is_disconnected() {
            last_burst = Instant::now();
            for _ in 0..2 {
                let msgs: Vec<&[u8]> = (0..50)
                    .map(|i| if i % 2 == 0 { &react[..] } else { garbage })
                    .collect();
                liar.send(&wire::small_unreliable(sequence, channel::INPUT, 50, &msgs));
                sequence += 1;
            }
        }
        liar.pump();
        if cut_after.is_none() && liar.client.is_disconnected() {
            cut_after = Some(start.elapsed());
        }
        // The others go on walking and watching.
        a.step(MoveInput::new(
            if start.elapsed().as_millis() / 1000 % 2 == 0 {
                1
            } else {
                -1
            },
            0,
        ));
        pump_for(&mut [&mut a, &mut b], Duration::from_millis(5));
    }
    let cut_after = cut_after.expect("the flooding client is cut off within 5 s");
    let secs = start.elapsed().as_secs_f64();
    let rate = (b.snapshots_received - snapshots_before) as f64 / secs;
    println!(
        "flood cut off after {:.2} s; the watcher received {rate:.1} snapshots/s (tick rate {hz:.0})",
        cut_after.as_secs_f64()
    );
    assert!(
        rate >= hz * 0.5,
        "the watcher keeps receiving snapshots near the tick rate: {rate:.1}/s of {hz:.0}"
    );
    assert!(
        b_sees_a_walk(&mut a, &mut b),
        "and still sees the walker move"
    );
}

#[test]
fn the_join_endpoint_speaks_only_https_and_a_pinned_client_trusts_only_its_certificate() {
    use madang_client::session::{JoinError, JoinOptions, request_join};
    use std::io::{Read, Write};
    let server = start_server();
    assert!(server.url().starts_with("https://"), "{}", server.url());
    let cert = server.addrs.cert.clone().expect("a certificate");

    // A request in clear text gets no HTTP answer: nothing is read or said in the clear.
    let mut tcp = std::net::TcpStream::connect(server.addrs.http).expect("connects");
    tcp.set_read_timeout(Some(WAIT)).expect("timeout");
    let body = r#"{"name":"평문","protocol_version":3,"invite":"organizers-only"}"#;
    // The server may hang up before all of it is written (a broken pipe): that is no answer too.
    let _ = write!(
        tcp,
        "POST /join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut answer = Vec::new();
    let _ = tcp.read_to_end(&mut answer);
    assert!(
        !answer.starts_with(b"HTTP/"),
        "plain HTTP answered: {:?}",
        String::from_utf8_lossy(&answer)
    );

    // Pinned to the server's own certificate: in.
    let pinned = JoinOptions {
        name: "핀고정".into(),
        hall: Some("hall".into()),
        spawn: Some("from_lobby".into()),
        server_cert: Some(cert),
        ..Default::default()
    };
    request_join(&server.url(), &pinned).expect("the pinned certificate is trusted");

    // Pinned to another certificate (a server in the middle would show its own): refused, even
    // on this machine.
    let elsewhere = temp_data_dir();
    let other = madang_server::tls::Certificates::self_signed(&elsewhere, &[]).expect("made");
    let wrong = JoinOptions {
        server_cert: Some(other.files().cert.clone()),
        ..pinned.clone()
    };
    match request_join(&server.url(), &wrong) {
        Err(JoinError::Unreachable { why, .. }) => {
            assert!(why.contains("certificate"), "{why}")
        }
        other => panic!("a foreign certificate must be refused, got {other:?}"),
    }

    // Plain HTTP to another machine is refused before a byte is sent.
    match request_join("http://expo.example:7780", &pinned) {
        Err(e @ JoinError::Insecure { .. }) => assert!(e.to_string().contains("clear text")),
        other => panic!("plain HTTP off this machine must be refused, got {other:?}"),
    }
}
