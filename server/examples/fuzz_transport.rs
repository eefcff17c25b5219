//! Structured fuzzing of everything a client's bytes reach before our features: netcode's
//! packets (raw, and mutated copies of real ones), renet's packets of every type with arbitrary
//! fields, our messages inside them, and the server's receive path (decoding with a size limit,
//! validation, the per-tick cap, the request budget), all in memory.
//!
//!     cargo run -p madang-server --example fuzz_transport -- 10000000 [SEED]
//!
//! Prints the inputs run, inputs per second, panics (with the first messages), the slowest
//! input and the peak memory; exits non-zero when anything panicked. Debug assertions and
//! overflow checks are on in the dev profile, which makes it stricter than a release build.

use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use madang_server::fuzzing::{Transport, wire};
use madang_shared::protocol::{ClientMsg, InputFrame, PROTOCOL_ID, Reaction, encode};
use madang_shared::rules::MoveInput;
use madang_shared::talk::ChatScope;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use renetcode::{
    ClientAuthentication, ConnectToken, NetcodeClient, NetcodeServer, ServerAuthentication,
    ServerConfig, ServerResult,
};

static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn main() {
    let mut args = std::env::args().skip(1);
    let total: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let report = run(total, seed);
    println!("{report}");
    if report.panics > 0 {
        std::process::exit(1);
    }
}

/// What a run found.
struct Report {
    inputs: u64,
    secs: f64,
    panics: u64,
    passed: u64,
    cut_off: u64,
    netcode_payloads: u64,
    slowest: Duration,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "inputs run:        {}", self.inputs)?;
        writeln!(
            f,
            "inputs per second: {:.0}",
            self.inputs as f64 / self.secs
        )?;
        writeln!(f, "seconds:           {:.1}", self.secs)?;
        writeln!(f, "messages passed:   {}", self.passed)?;
        writeln!(f, "clients cut off:   {}", self.cut_off)?;
        writeln!(f, "netcode payloads:  {}", self.netcode_payloads)?;
        writeln!(
            f,
            "slowest input:     {:.3} ms",
            self.slowest.as_secs_f64() * 1e3
        )?;
        writeln!(f, "peak memory:       {} kB", peak_rss_kb())?;
        write!(f, "panics:            {}", self.panics)?;
        for p in PANICS.lock().map(|p| p.clone()).unwrap_or_default() {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

fn run(total: u64, seed: u64) -> Report {
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut p) = PANICS.lock()
            && p.len() < 8
        {
            p.push(info.to_string());
        }
    }));
    let mut rng = StdRng::seed_from_u64(seed);
    let mut transport = Transport::new();
    let mut netcode = Netcode::new();
    let messages = sample_messages();
    let mut report = Report {
        inputs: 0,
        secs: 0.0,
        panics: 0,
        passed: 0,
        cut_off: 0,
        netcode_payloads: 0,
        slowest: Duration::ZERO,
    };
    let start = Instant::now();
    while report.inputs < total {
        let t = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| {
            let packet = renet_packet(&mut rng, &messages);
            let client = rng.random_range(0..Transport::CLIENTS);
            match rng.random_range(0..10) {
                // Most inputs go straight to renet, as netcode hands them over.
                0..=6 => {
                    transport.packet(client, &packet);
                    0
                }
                // Through netcode: encrypted by a real client, then decrypted by the server.
                7 => {
                    let n = netcode.wrapped(&packet, &mut transport);
                    n as u64
                }
                // Netcode's parsing of what anyone on the internet can send.
                8 => {
                    netcode.mutated(&mut rng);
                    0
                }
                _ => {
                    let len = rng.random_range(0..1400);
                    let raw: Vec<u8> = (0..len).map(|_| rng.random()).collect();
                    netcode.raw(&raw, &mut rng);
                    0
                }
            }
        }));
        match result {
            Ok(n) => report.netcode_payloads += n,
            Err(_) => {
                report.panics += 1;
                transport = Transport::new();
                netcode = Netcode::new();
            }
        }
        report.inputs += 1;
        if report.inputs % 8 == 0 {
            match catch_unwind(AssertUnwindSafe(|| transport.tick())) {
                Ok(outcome) => {
                    report.passed += outcome.passed as u64;
                    report.cut_off += outcome.cut_off as u64;
                }
                Err(_) => {
                    report.panics += 1;
                    transport = Transport::new();
                }
            }
            if catch_unwind(AssertUnwindSafe(|| netcode.tick())).is_err() {
                report.panics += 1;
                netcode = Netcode::new();
            }
        }
        report.slowest = report.slowest.max(t.elapsed());
        if report.inputs % 1_000_000 == 0 {
            eprintln!(
                "{} inputs, {:.0}/s, {} panics",
                report.inputs,
                report.inputs as f64 / start.elapsed().as_secs_f64(),
                report.panics
            );
        }
    }
    report.secs = start.elapsed().as_secs_f64();
    let _ = std::panic::take_hook();
    report
}

/// Real messages of several kinds, encoded, as seeds for the payloads.
fn sample_messages() -> Vec<Vec<u8>> {
    let frames = |n: u32| {
        (0..n)
            .map(|seq| InputFrame {
                seq,
                input: MoveInput::new(1, -1),
            })
            .collect()
    };
    [
        ClientMsg::Input { frames: frames(3) },
        ClientMsg::Input { frames: frames(16) },
        ClientMsg::Heart {
            req: 1,
            booth: 3,
            on: true,
        },
        ClientMsg::Comment {
            req: 2,
            booth: 3,
            text: "정말 감동적인 사례입니다".into(),
        },
        ClientMsg::Chat {
            req: 3,
            scope: ChatScope::Room,
            text: "안녕하세요".repeat(40),
        },
        ClientMsg::React {
            reaction: Reaction::Applause,
        },
        ClientMsg::Voice {
            seq: 9,
            data: vec![0x55; 120],
        },
        ClientMsg::People {
            req: 4,
            query: "김".into(),
        },
        ClientMsg::Tally {
            req: 5,
            ballot: "empathy".into(),
        },
    ]
    .iter()
    .map(encode)
    .collect()
}

/// A number near the edges renet and we care about, or any number.
fn edgy(rng: &mut StdRng) -> u64 {
    const EDGES: [u64; 12] = [
        0,
        1,
        2,
        63,
        64,
        1199,
        1200,
        1_000_000,
        1_000_001,
        (1 << 30) - 1,
        (1 << 62) - 1,
        u64::MAX,
    ];
    match rng.random_range(0..4) {
        0 => EDGES[rng.random_range(0..EDGES.len())],
        1 => rng.random(),
        _ => rng.random_range(0..16),
    }
}

/// A message payload: a real message (maybe mutated), random bytes, or nothing.
fn payload(rng: &mut StdRng, messages: &[Vec<u8>]) -> Vec<u8> {
    match rng.random_range(0..6) {
        0 => Vec::new(),
        1 => {
            let len = rng.random_range(0..300);
            (0..len).map(|_| rng.random()).collect()
        }
        2 => vec![rng.random(); rng.random_range(0..5000)],
        _ => {
            let mut m = messages[rng.random_range(0..messages.len())].clone();
            mutate(rng, &mut m);
            m
        }
    }
}

/// A few bit flips, byte changes, truncations or extensions.
fn mutate(rng: &mut StdRng, bytes: &mut Vec<u8>) {
    for _ in 0..rng.random_range(0..4) {
        match rng.random_range(0..4) {
            0 if !bytes.is_empty() => {
                let i = rng.random_range(0..bytes.len());
                bytes[i] ^= 1 << rng.random_range(0..8);
            }
            1 if !bytes.is_empty() => {
                let i = rng.random_range(0..bytes.len());
                bytes[i] = rng.random();
            }
            2 => bytes.truncate(rng.random_range(0..=bytes.len())),
            _ => bytes.push(rng.random()),
        }
    }
}

/// A renet packet of any type with fields chosen to hit the edges.
fn renet_packet(rng: &mut StdRng, messages: &[Vec<u8>]) -> Vec<u8> {
    let sequence = edgy(rng);
    let channel = if rng.random_bool(0.9) {
        rng.random_range(0..3)
    } else {
        rng.random()
    };
    let mut packet = match rng.random_range(0..6) {
        0 => {
            let n = rng.random_range(0..6);
            let bodies: Vec<Vec<u8>> = (0..n).map(|_| payload(rng, messages)).collect();
            let ids: Vec<u64> = (0..n).map(|_| edgy(rng)).collect();
            let msgs: Vec<(u64, &[u8])> = ids
                .iter()
                .copied()
                .zip(bodies.iter().map(|b| b.as_slice()))
                .collect();
            let count = if rng.random_bool(0.9) {
                n as u16
            } else {
                rng.random()
            };
            wire::small_reliable(sequence, channel, count, &msgs)
        }
        1 => {
            let n = rng.random_range(0..6);
            let bodies: Vec<Vec<u8>> = (0..n).map(|_| payload(rng, messages)).collect();
            let msgs: Vec<&[u8]> = bodies.iter().map(|b| b.as_slice()).collect();
            let count = if rng.random_bool(0.9) {
                n as u16
            } else {
                rng.random()
            };
            wire::small_unreliable(sequence, channel, count, &msgs)
        }
        2 | 3 => {
            let num = (edgy(rng).max(1) % 8).wrapping_add(if rng.random_bool(0.1) {
                edgy(rng)
            } else {
                0
            });
            let index = if rng.random_bool(0.7) {
                rng.random_range(0..num.clamp(1, 8))
            } else {
                edgy(rng)
            };
            let len = match rng.random_range(0..3) {
                0 => wire::SLICE_SIZE,
                1 => rng.random_range(1..=wire::SLICE_SIZE),
                _ => rng.random_range(0..1300),
            };
            let body = vec![rng.random::<u8>(); len];
            wire::slice(
                rng.random_bool(0.5),
                sequence,
                channel,
                rng.random_range(0..4),
                index,
                num,
                &body,
            )
        }
        4 => {
            let ranges: Vec<(u64, u64)> = (0..rng.random_range(0..4))
                .map(|_| (edgy(rng), edgy(rng)))
                .collect();
            wire::ack(sequence, edgy(rng), edgy(rng), &ranges)
        }
        _ => {
            let len = rng.random_range(0..64);
            (0..len).map(|_| rng.random()).collect()
        }
    };
    if rng.random_bool(0.1) {
        mutate(rng, &mut packet);
    }
    packet
}

/// A netcode server with a real client connected, and real packets to mutate.
struct Netcode {
    server: NetcodeServer,
    client: NetcodeClient,
    key: [u8; 32],
    now: Duration,
    /// Real packets seen on the wire: connection requests, responses, payloads, keep-alives.
    seeds: Vec<Vec<u8>>,
    client_addr: SocketAddr,
}

const SERVER_ADDR: &str = "127.0.0.1:7777";
/// Real packets kept to mutate.
const SEEDS: usize = 64;

impl Netcode {
    fn new() -> Self {
        let key = [7u8; 32];
        let now = Duration::from_secs(1_800_000_000);
        let server = NetcodeServer::new(ServerConfig {
            current_time: now,
            max_clients: 8,
            protocol_id: PROTOCOL_ID,
            public_addresses: vec![SERVER_ADDR.parse().expect("literal")],
            authentication: ServerAuthentication::Secure { private_key: key },
        });
        let client_addr: SocketAddr = "127.0.0.2:5000".parse().expect("literal");
        let client = Self::new_client(&key, now, 1);
        let mut n = Netcode {
            server,
            client,
            key,
            now,
            seeds: Vec::new(),
            client_addr,
        };
        n.connect();
        n
    }

    fn new_client(key: &[u8; 32], now: Duration, id: u64) -> NetcodeClient {
        let token = ConnectToken::generate(
            now,
            PROTOCOL_ID,
            300,
            id,
            15,
            vec![SERVER_ADDR.parse().expect("literal")],
            Some(&[3; 256]),
            key,
        )
        .expect("a token for a literal address");
        NetcodeClient::new(
            now,
            ClientAuthentication::Secure {
                connect_token: token,
            },
        )
        .expect("a client from a fresh token")
    }

    /// Runs the handshake in memory, keeping the first packets as seeds.
    fn connect(&mut self) {
        // The old client leaves first, so that its slot is free.
        let _ = self.server.disconnect(self.client.client_id());
        self.client = Self::new_client(&self.key, self.now, rand::random::<u64>() | 1);
        for _ in 0..50 {
            if self.client.is_connected() {
                break;
            }
            self.now += Duration::from_millis(100);
            self.server.update(Duration::from_millis(100));
            let Some((packet, _)) = self.client.update(Duration::from_millis(100)) else {
                continue;
            };
            let mut packet = packet.to_vec();
            self.keep_seed(&packet);
            let reply = match self.server.process_packet(self.client_addr, &mut packet) {
                ServerResult::PacketToSend { payload, .. } => Some(payload.to_vec()),
                ServerResult::ClientConnected { payload, .. } => Some(payload.to_vec()),
                _ => None,
            };
            if let Some(mut reply) = reply {
                self.keep_seed(&reply);
                self.client.process_packet(&mut reply);
            }
        }
    }

    /// `renet` encrypted by the connected client and opened by the server; what comes out goes
    /// to the transport. Returns how many payloads came out.
    fn wrapped(&mut self, renet: &[u8], transport: &mut Transport) -> usize {
        if !self.client.is_connected() {
            self.connect();
        }
        let Ok((_, packet)) = self.client.generate_payload_packet(renet) else {
            return 0;
        };
        let mut packet = packet.to_vec();
        self.keep_seed(&packet);
        match self.server.process_packet(self.client_addr, &mut packet) {
            ServerResult::Payload { client_id, payload } => {
                transport.packet(client_id, payload);
                1
            }
            _ => 0,
        }
    }

    /// Real packets to mutate: the first [`SEEDS`] seen.
    fn keep_seed(&mut self, packet: &[u8]) {
        if self.seeds.len() < SEEDS {
            self.seeds.push(packet.to_vec());
        }
    }

    /// A real packet, mutated, from the client's address or another.
    fn mutated(&mut self, rng: &mut StdRng) {
        if self.seeds.is_empty() {
            return;
        }
        let mut packet = self.seeds[rng.random_range(0..self.seeds.len())].clone();
        mutate(rng, &mut packet);
        self.raw(&packet, rng);
    }

    fn raw(&mut self, bytes: &[u8], rng: &mut StdRng) {
        let addr = if rng.random_bool(0.5) {
            self.client_addr
        } else {
            SocketAddr::from(([127, 0, rng.random(), rng.random()], rng.random()))
        };
        let mut bytes = bytes.to_vec();
        let _ = self.server.process_packet(addr, &mut bytes);
    }

    fn tick(&mut self) {
        self.now += Transport::TICK;
        self.server.update(Transport::TICK);
        for id in self.server.clients_id() {
            // Keep-alives reach the client, so it does not time out.
            if let ServerResult::PacketToSend { payload, .. } = self.server.update_client(id)
                && id == self.client.client_id()
            {
                self.client.process_packet(payload);
            }
        }
        if let Some((packet, _)) = self.client.update(Transport::TICK) {
            let mut packet = packet.to_vec();
            let _ = self.server.process_packet(self.client_addr, &mut packet);
        }
    }
}

/// The process's peak resident memory, from /proc.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
