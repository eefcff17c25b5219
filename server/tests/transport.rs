//! Lying renet packets against the server's transport and receive path (in memory): each once
//! stopped the game thread or grew memory without bound (vendor/PATCHES.md).

use madang_server::fuzzing::{Transport, wire};
use madang_shared::protocol::{ClientMsg, Reaction, channel, encode};

#[test]
fn a_slice_past_the_end_of_its_message_cuts_the_client_off_and_nothing_panics() {
    let mut t = Transport::new();
    // The packet from the report: slice 1 of a 1-slice message, full size, unreliable channel.
    t.packet(
        0,
        &wire::slice(false, 0, channel::INPUT, 0, 1, 1, &[0; wire::SLICE_SIZE]),
    );
    // The same on the reliable channel.
    t.packet(
        1,
        &wire::slice(true, 0, channel::RELIABLE, 0, 5, 2, &[0; wire::SLICE_SIZE]),
    );
    let outcome = t.tick();
    assert_eq!(outcome.cut_off, 2, "both liars are cut off by renet");
}

#[test]
fn slices_that_disagree_on_their_count_are_refused() {
    let mut t = Transport::new();
    // First slice says 1 of 2, the last says 2 of 3: the memory accounting once underflowed.
    t.packet(
        0,
        &wire::slice(false, 0, channel::VOICE, 7, 0, 2, &[1; wire::SLICE_SIZE]),
    );
    t.packet(
        0,
        &wire::slice(false, 1, channel::VOICE, 7, 1, 3, &[1; wire::SLICE_SIZE]),
    );
    t.packet(0, &wire::slice(false, 2, channel::VOICE, 7, 2, 3, &[1; 10]));
    let outcome = t.tick();
    assert_eq!(outcome.cut_off, 1, "the liar is cut off");
    assert_eq!(
        outcome.passed, 0,
        "no message was assembled from mismatched slices"
    );
}

#[test]
fn empty_messages_parked_far_ahead_cannot_fill_memory() {
    let mut t = Transport::new();
    // Reliable messages with ids far ahead of the next one delivered are kept until their turn;
    // empty ones once cost nothing against the channel's budget.
    let empty: &[u8] = &[];
    let mut cut = 0;
    for p in 0..2000u64 {
        let msgs: Vec<(u64, &[u8])> = (0..200).map(|i| (1_000 + p * 200 + i, empty)).collect();
        t.packet(0, &wire::small_reliable(p, channel::RELIABLE, 200, &msgs));
        if p % 10 == 9 {
            cut += t.tick().cut_off;
        }
    }
    assert!(
        cut >= 1,
        "the client that parks 400,000 messages is cut off"
    );
}

#[test]
fn an_honest_message_still_passes() {
    let mut t = Transport::new();
    let react = encode(&ClientMsg::React {
        reaction: Reaction::Heart,
    });
    t.packet(
        2,
        &wire::small_reliable(0, channel::RELIABLE, 1, &[(0, &react)]),
    );
    let outcome = t.tick();
    assert_eq!(outcome.passed, 1, "the reaction reaches the features");
    assert_eq!(outcome.cut_off, 0);
}

#[test]
fn packets_put_together_in_one_payload_are_each_read() {
    let mut t = Transport::new();
    let react = encode(&ClientMsg::React {
        reaction: Reaction::Heart,
    });
    // Two reliable packets and an acknowledgement in one datagram, as the vendored renet
    // sends them (vendor/PATCHES.md).
    let mut payload = wire::small_reliable(0, channel::RELIABLE, 1, &[(0, &react)]);
    payload.extend(wire::ack(1, 0, 0, &[]));
    payload.extend(wire::small_reliable(
        2,
        channel::RELIABLE,
        1,
        &[(1, &react)],
    ));
    t.packet(1, &payload);
    let outcome = t.tick();
    assert_eq!(outcome.passed, 2, "both messages reach the features");
    assert_eq!(outcome.cut_off, 0);

    // A broken packet after a good one still cuts the sender off.
    let mut payload = wire::small_reliable(3, channel::RELIABLE, 1, &[(0, &react)]);
    payload.extend([9, 9, 9]);
    t.packet(2, &payload);
    assert_eq!(t.tick().cut_off, 1);
}

#[test]
fn sequences_that_go_down_cannot_grow_the_acknowledgements() {
    let mut t = Transport::new();
    // Each a packet of its own, sequence numbers going down by two: every one once added a
    // range to acknowledge in front of the others (renet's limit of 64 held only at the end),
    // until the acknowledgement no longer fit in a packet and the client was cut off.
    for k in 0..3000u64 {
        t.packet(1, &wire::ack(1_000_000 - 2 * k, 0, 0, &[]));
    }
    let outcome = t.tick();
    assert_eq!(outcome.cut_off, 0, "the ranges stay within renet's limit");
    // Many packets in one payload are refused: our own peers put a handful together.
    let mut payload = Vec::new();
    for k in 0..100u64 {
        payload.extend(wire::ack(5_000_000 - 2 * k, 0, 0, &[]));
    }
    t.packet(2, &payload);
    assert_eq!(
        t.tick().cut_off,
        1,
        "a payload of 100 packets cuts its sender off"
    );
}

#[test]
fn a_snapshot_and_its_acknowledgement_leave_in_one_datagram() {
    let mut t = Transport::new();
    let react = encode(&ClientMsg::React {
        reaction: Reaction::Heart,
    });
    t.packet(
        0,
        &wire::small_reliable(0, channel::RELIABLE, 1, &[(0, &react)]),
    );
    t.send(0, channel::SNAPSHOT, vec![7; 400]);
    t.send(0, channel::RELIABLE, vec![8; 100]);
    let outcome = t.tick();
    // Unbundled this was three: the snapshot, the reliable message, the acknowledgement.
    assert_eq!(outcome.payloads_sent, 1);
    // What does not fit in one goes in a second.
    t.send(0, channel::SNAPSHOT, vec![7; 1000]);
    t.send(0, channel::RELIABLE, vec![8; 600]);
    assert_eq!(t.tick().payloads_sent, 2);
}

#[test]
fn datagrams_arriving_between_ticks_are_read_as_they_come_and_not_lost() {
    use std::net::UdpSocket;
    use std::time::{Duration, SystemTime};

    use renet::RenetServer;
    use renet_netcode::{NetcodeServerTransport, ServerAuthentication, ServerConfig};

    let socket = UdpSocket::bind("127.0.0.1:0").expect("binds");
    // Sized as the server sizes its game socket: a busy machine may not run the reader for a
    // few milliseconds, and the buffer rides that out; the burst below is still more than twice
    // what the buffer holds (the kernel counts about 2.3 kB a datagram), so only reading as the
    // datagrams arrive keeps them all.
    socket2::SockRef::from(&socket)
        .set_recv_buffer_size(madang_server::RECEIVE_BUFFER_BYTES)
        .expect("the buffer can be sized");
    let addr = socket.local_addr().expect("an address");
    let config = ServerConfig {
        current_time: SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .expect("after 1970"),
        max_clients: 8,
        protocol_id: madang_shared::protocol::PROTOCOL_ID,
        public_addresses: vec![addr],
        authentication: ServerAuthentication::Unsecure,
    };
    let mut transport = NetcodeServerTransport::new(config, socket).expect("a transport");
    let mut server = RenetServer::new(madang_shared::protocol::connection_config());
    // 8 MB in 8,000 datagrams over about 400 ms, with no update in between: forty times the
    // kernel's default receive buffer and twice the server's. Read once per tick, most of it
    // was dropped.
    let sender = UdpSocket::bind("127.0.0.1:0").expect("binds");
    let junk = [0xA5u8; 1000];
    for i in 0..8000 {
        sender.send_to(&junk, addr).expect("sends");
        if i % 20 == 19 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    if let Some(drops) = madang_server::stats::kernel_udp_drops(addr.port()) {
        assert_eq!(drops, 0, "the kernel dropped datagrams at the socket");
    }
    assert_eq!(
        transport.dropped_packets(),
        0,
        "the reader's queue held them all"
    );
    // The tick's update takes them from the queue (netcode discards these as garbage).
    transport
        .update(Duration::from_millis(50), &mut server)
        .expect("the update runs");
    assert_eq!(transport.connected_clients(), 0);
}

/// netcode looks a packet's client up by address, and a payload's by id, through indexes kept
/// with its slots (vendor/PATCHES.md, renetcode 3): many clients, one leaving, another taking
/// its address and slot, and time-outs, with every packet reaching the right one.
#[test]
fn netcode_finds_each_of_many_clients_as_they_come_and_go() {
    use std::net::SocketAddr;
    use std::time::Duration;

    use renetcode::{
        ClientAuthentication, ConnectToken, NetcodeClient, NetcodeServer, ServerAuthentication,
        ServerConfig, ServerResult,
    };

    let key = [9u8; 32];
    let server_addr: SocketAddr = "127.0.0.1:7777".parse().expect("literal");
    let mut now = Duration::from_secs(1_800_000_000);
    let mut server = NetcodeServer::new(ServerConfig {
        current_time: now,
        max_clients: 64,
        protocol_id: madang_shared::protocol::PROTOCOL_ID,
        public_addresses: vec![server_addr],
        authentication: ServerAuthentication::Secure { private_key: key },
    });
    let addr = |i: u16| -> SocketAddr { format!("127.0.0.2:{}", 4000 + i).parse().expect("ok") };
    let connect = |server: &mut NetcodeServer, now: &mut Duration, id: u64, from: SocketAddr| {
        let token = ConnectToken::generate(
            *now,
            madang_shared::protocol::PROTOCOL_ID,
            300,
            id,
            15,
            vec![server_addr],
            None,
            &key,
        )
        .expect("a token");
        let mut client = NetcodeClient::new(
            *now,
            ClientAuthentication::Secure {
                connect_token: token,
            },
        )
        .expect("a client");
        for _ in 0..20 {
            if client.is_connected() {
                break;
            }
            *now += Duration::from_millis(10);
            server.update(Duration::from_millis(10));
            let Some((packet, _)) = client.update(Duration::from_millis(10)) else {
                continue;
            };
            let mut packet = packet.to_vec();
            let reply = match server.process_packet(from, &mut packet) {
                ServerResult::PacketToSend { payload, .. }
                | ServerResult::ClientConnected { payload, .. } => Some(payload.to_vec()),
                _ => None,
            };
            if let Some(mut reply) = reply {
                client.process_packet(&mut reply);
            }
        }
        assert!(client.is_connected(), "client {id} connects");
        client
    };
    // Each client's payload reaches the server as its own, and the server's reaches it.
    let exchange = |server: &mut NetcodeServer, client: &mut NetcodeClient, from: SocketAddr| {
        let id = client.client_id();
        let mine = id.to_le_bytes();
        let (_, packet) = client.generate_payload_packet(&mine).expect("sealed");
        let mut packet = packet.to_vec();
        match server.process_packet(from, &mut packet) {
            ServerResult::Payload { client_id, payload } => {
                assert_eq!((client_id, payload), (id, &mine[..]), "from {from}");
            }
            other => panic!("client {id}'s payload was not read: {other:?}"),
        }
        let (to, packet) = server
            .generate_payload_packet(id, &mine)
            .expect("the server finds the client");
        assert_eq!(to, from);
        let mut packet = packet.to_vec();
        assert_eq!(client.process_packet(&mut packet), Some(&mine[..]));
        // Sealed elsewhere, as the sender thread does: two reserved in order, sealed in
        // the other order, both read.
        let first = server.reserve_payload_packet(id, 8).expect("found");
        let second = server.reserve_payload_packet(id, 8).expect("found");
        assert_eq!(first.addr, from);
        for (seal, body) in [(second, b"second!!"), (first, b"first!!!")] {
            let mut out = [0u8; 1400];
            let len = seal.seal(body, &mut out).expect("sealed");
            assert_eq!(client.process_packet(&mut out[..len]), Some(&body[..]));
        }
    };

    let mut clients: Vec<(NetcodeClient, SocketAddr)> = (0..40u16)
        .map(|i| {
            let a = addr(i);
            (connect(&mut server, &mut now, 100 + i as u64, a), a)
        })
        .collect();
    assert_eq!(server.connected_clients(), 40);
    for (client, a) in clients.iter_mut().rev() {
        exchange(&mut server, client, *a);
    }

    // Client 105 leaves; what comes from its address is nobody's now.
    assert!(matches!(
        server.disconnect(105),
        ServerResult::ClientDisconnected { .. }
    ));
    assert!(!server.is_client_connected(105));
    assert!(server.generate_payload_packet(105, b"x").is_err());
    let (old, old_addr) = &mut clients[5];
    let (_, packet) = old.generate_payload_packet(b"late").expect("sealed");
    let mut packet = packet.to_vec();
    assert!(
        !matches!(
            server.process_packet(*old_addr, &mut packet),
            ServerResult::Payload { .. }
        ),
        "a departed client's packet is not taken as anyone's"
    );
    // A newcomer takes its address (and its slot) and is found as itself.
    let a5 = addr(5);
    clients[5] = (connect(&mut server, &mut now, 999, a5), a5);
    for (client, a) in clients.iter_mut() {
        exchange(&mut server, client, *a);
    }
    assert_eq!(server.connected_clients(), 40);

    // Silence: every one times out, and each is found to be disconnected.
    now += Duration::from_secs(16);
    server.update(Duration::from_secs(16));
    let mut gone = 0;
    for id in server.clients_id() {
        if let ServerResult::ClientDisconnected { client_id, .. } = server.update_client(id) {
            assert_eq!(client_id, id);
            gone += 1;
        }
    }
    assert_eq!(gone, 40);
    assert_eq!(server.connected_clients(), 0);
    assert!(!server.is_client_connected(999));
}

/// Between ticks the server hands what arrived to netcode and renet (`receive`, vendor/
/// PATCHES.md, renet_netcode): a client's messages wait in renet's channels, in order, for the
/// tick to read, and the tick's own `update` still runs the connection's upkeep.
#[test]
fn messages_read_between_ticks_wait_in_their_channels_for_the_tick() {
    use std::net::UdpSocket;
    use std::time::{Duration, Instant};

    use renet::RenetClient;
    use renet_netcode::{ClientAuthentication, NetcodeClientTransport};

    let (mut transport, mut server, addr) = loopback_server(8);
    let (now, protocol_id) = (unix_now, madang_shared::protocol::PROTOCOL_ID);
    let config = madang_shared::protocol::connection_config();
    let mut client = RenetClient::new(config);
    let mut client_transport = NetcodeClientTransport::new(
        now(),
        ClientAuthentication::Unsecure {
            protocol_id,
            client_id: 42,
            server_addr: addr,
            user_data: None,
        },
        UdpSocket::bind("127.0.0.1:0").expect("binds"),
    )
    .expect("a client transport");
    let step = Duration::from_millis(10);
    // Ticks until the client is connected.
    let start = Instant::now();
    while !client.is_connected() {
        assert!(start.elapsed() < Duration::from_secs(10), "never connected");
        client_transport
            .update(step, &mut client)
            .expect("client update");
        client_transport
            .send_packets(&mut client)
            .expect("client sends");
        std::thread::sleep(step);
        server.update(step);
        transport.update(step, &mut server).expect("server update");
        transport.send_packets(&mut server);
    }
    let id = 42;
    assert!(server.clients_id().contains(&id));
    // The client sends; the server only reads between ticks, a few times.
    for i in 0..20u8 {
        client.send_message(madang_shared::protocol::channel::RELIABLE, vec![i; 30]);
    }
    client_transport
        .send_packets(&mut client)
        .expect("client sends");
    // Reads between ticks for a while, taking nothing out of the channels…
    for _ in 0..75 {
        std::thread::sleep(Duration::from_millis(4));
        transport
            .receive(Duration::from_millis(4), &mut server)
            .expect("the read between ticks runs");
    }
    // …then the tick reads the channel (on a machine too busy to have delivered them all by
    // now, the rest as they come).
    let mut received = Vec::new();
    let start = Instant::now();
    loop {
        while let Some(m) = server.receive_message(id, madang_shared::protocol::channel::RELIABLE) {
            received.push(m[0]);
        }
        if received.len() >= 20 || start.elapsed() > Duration::from_secs(5) {
            break;
        }
        std::thread::sleep(Duration::from_millis(4));
        transport
            .receive(Duration::from_millis(4), &mut server)
            .expect("the read between ticks runs");
    }
    assert_eq!(received, (0..20).collect::<Vec<u8>>(), "all, in order");
    // The tick's update still runs, and the connection stays.
    server.update(step);
    transport.update(step, &mut server).expect("server update");
    transport.send_packets(&mut server);
    assert!(server.is_connected(id));
    assert_eq!(transport.connected_clients(), 1);
}

/// The reader thread takes the datagrams already there many to a system call (`recvmmsg`,
/// vendor/PATCHES.md, renet_netcode): a burst from several clients, far more than one call
/// takes, reaches the server whole, each datagram from its own client, in order.
#[test]
fn a_burst_from_many_clients_read_many_at_a_time_keeps_each_datagram_and_its_sender() {
    use std::time::{Duration, Instant};

    use madang_shared::protocol::channel;

    let (mut transport, mut server, addr) = loopback_server(16);
    let mut clients = loopback_clients(addr, 200, 8);
    let step = Duration::from_millis(10);
    let start = Instant::now();
    while !clients.iter().all(|(c, _)| c.is_connected()) {
        assert!(start.elapsed() < Duration::from_secs(10), "never connected");
        for (client, t) in clients.iter_mut() {
            t.update(step, client).expect("client update");
            t.send_packets(client).expect("client sends");
        }
        std::thread::sleep(step);
        server.update(step);
        transport.update(step, &mut server).expect("server update");
        transport.send_packets(&mut server);
    }
    // Each client sends 60 messages, one datagram each, the clients taking turns: 480
    // datagrams in the socket at once, interleaved, where one `recvmmsg` takes 64.
    const EACH: u8 = 60;
    for k in 0..EACH {
        for (i, (client, t)) in clients.iter_mut().enumerate() {
            client.send_message(channel::RELIABLE, vec![i as u8, k, 0x5A, 0xC3]);
            t.send_packets(client).expect("client sends");
        }
    }
    let mut received: Vec<Vec<u8>> = vec![Vec::new(); clients.len()];
    let start = Instant::now();
    while received.iter().any(|r| r.len() < EACH as usize) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "not all arrived: {:?}",
            received.iter().map(Vec::len).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(4));
        transport
            .receive(Duration::from_millis(4), &mut server)
            .expect("the read between ticks runs");
        for (i, got) in received.iter_mut().enumerate() {
            while let Some(m) = server.receive_message(200 + i as u64, channel::RELIABLE) {
                assert_eq!(m.len(), 4, "a message whole");
                assert_eq!(m[0] as usize, i, "from the client that sent it");
                assert_eq!(&m[2..], &[0x5A, 0xC3]);
                got.push(m[1]);
            }
        }
    }
    for got in &received {
        assert_eq!(got, &(0..EACH).collect::<Vec<u8>>(), "all, in order");
    }
    assert_eq!(transport.dropped_packets(), 0);
    assert_eq!(transport.connected_clients(), clients.len());
}

/// The server writes its clients' packets in shares, on several threads (`send_packets_in_parts`,
/// vendor/PATCHES.md, renet 9): every client still gets its own messages, all of them, in order,
/// however the clients are shared out (more shares than clients too).
#[test]
fn packets_written_in_shares_on_several_threads_reach_each_client_in_order() {
    use std::time::{Duration, Instant};

    use madang_shared::protocol::channel;
    use renet::{RenetClient, RenetServer};
    use renet_netcode::{NetcodeClientTransport, NetcodeServerTransport};

    let (mut transport, mut server, addr) = loopback_server(16);
    let mut clients = loopback_clients(addr, 100, 5);
    let step = Duration::from_millis(10);
    let in_shares = |transport: &mut NetcodeServerTransport, server: &mut RenetServer, n| {
        transport.send_packets_in_parts(server, n, |parts| {
            std::thread::scope(|s| {
                for part in parts {
                    s.spawn(move || part.write());
                }
            })
        });
    };
    let tick = |transport: &mut NetcodeServerTransport,
                server: &mut RenetServer,
                clients: &mut Vec<(RenetClient, NetcodeClientTransport)>,
                shares: usize| {
        for (client, t) in clients.iter_mut() {
            t.update(step, client).expect("client update");
            t.send_packets(client).expect("client sends");
        }
        std::thread::sleep(step);
        server.update(step);
        transport.update(step, server).expect("server update");
        in_shares(transport, server, shares);
    };
    let start = Instant::now();
    while !clients.iter().all(|(c, _)| c.is_connected()) {
        assert!(start.elapsed() < Duration::from_secs(10), "never connected");
        tick(&mut transport, &mut server, &mut clients, 2);
    }
    // Each client is sent its own ten lines, over three ticks, in 3 shares and then in 8.
    for round in 0..10u8 {
        for i in 0..5u64 {
            let line = vec![i as u8, round];
            server.send_message(100 + i, channel::RELIABLE, line.clone());
            server.send_message(100 + i, channel::SNAPSHOT, line);
        }
        if round % 4 == 3 {
            tick(
                &mut transport,
                &mut server,
                &mut clients,
                [3, 8][round as usize % 2],
            );
        }
    }
    let mut reliable: Vec<Vec<Vec<u8>>> = vec![Vec::new(); 5];
    let mut unreliable: Vec<Vec<Vec<u8>>> = vec![Vec::new(); 5];
    let start = Instant::now();
    while reliable.iter().any(|r| r.len() < 10) && start.elapsed() < Duration::from_secs(10) {
        tick(&mut transport, &mut server, &mut clients, 8);
        for (i, (client, _)) in clients.iter_mut().enumerate() {
            while let Some(m) = client.receive_message(channel::RELIABLE) {
                reliable[i].push(m.to_vec());
            }
            while let Some(m) = client.receive_message(channel::SNAPSHOT) {
                unreliable[i].push(m.to_vec());
            }
        }
    }
    for i in 0..5usize {
        let want: Vec<Vec<u8>> = (0..10u8).map(|r| vec![i as u8, r]).collect();
        assert_eq!(
            reliable[i], want,
            "client {i}'s reliable lines, all, in order"
        );
        // On one machine nothing is lost; the unreliable ones come in order too.
        assert_eq!(unreliable[i], want, "client {i}'s unreliable lines");
    }
}

/// A crowd's handshakes arriving together are opened a share per read, the oldest first, and
/// everyone still gets in (vendor/PATCHES.md, renet_netcode: a thousand connection requests
/// opened in one read held the tick for tens of milliseconds).
#[test]
fn a_crowd_joining_at_once_is_let_in_a_share_of_handshakes_per_read() {
    use std::net::UdpSocket;
    use std::time::{Duration, Instant};

    use renet_netcode::HANDSHAKES_PER_READ;
    use renetcode::{ClientAuthentication, NetcodeClient};

    const CLIENTS: usize = 100;
    let (mut transport, mut server, server_addr) = loopback_server(CLIENTS);
    let mut clients: Vec<(NetcodeClient, UdpSocket)> = (0..CLIENTS)
        .map(|i| {
            let socket = UdpSocket::bind("127.0.0.1:0").expect("binds");
            socket.set_nonblocking(true).expect("non-blocking");
            let client = NetcodeClient::new(
                unix_now(),
                ClientAuthentication::Unsecure {
                    protocol_id: madang_shared::protocol::PROTOCOL_ID,
                    client_id: 1 + i as u64,
                    server_addr,
                    user_data: None,
                },
            )
            .expect("a client");
            (client, socket)
        })
        .collect();
    let step = Duration::from_millis(10);
    // Every client's connection request, sent at once.
    for (client, socket) in &mut clients {
        let (packet, to) = client.update(step).expect("a connection request");
        socket.send_to(packet, to).expect("sent");
    }
    // Each client's answers so far: read and handed to it; returns how many it got.
    let answers = |clients: &mut Vec<(NetcodeClient, UdpSocket)>| {
        let mut got = 0;
        let mut buffer = [0u8; 1500];
        for (client, socket) in clients.iter_mut() {
            while let Ok((len, _)) = socket.recv_from(&mut buffer) {
                client.process_packet(&mut buffer[..len]);
                got += 1;
            }
        }
        got
    };
    // All of them are in the reader's queue before the first read.
    let arrived = Instant::now();
    while transport.queued_packets() < CLIENTS && arrived.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(transport.queued_packets(), CLIENTS);
    transport.update(step, &mut server).expect("read");
    std::thread::sleep(Duration::from_millis(50));
    let first = answers(&mut clients);
    assert_eq!(
        first, HANDSHAKES_PER_READ,
        "the first read answers its share of the requests, no more"
    );
    // Read after read, each client answering its challenge as it comes: all get in.
    let started = Instant::now();
    while transport.connected_clients() < CLIENTS && started.elapsed() < Duration::from_secs(10) {
        transport.update(step, &mut server).expect("read");
        std::thread::sleep(Duration::from_millis(5));
        answers(&mut clients);
        for (client, socket) in &mut clients {
            if let Some((packet, to)) = client.update(step) {
                socket.send_to(packet, to).expect("sent");
            }
        }
    }
    assert_eq!(transport.connected_clients(), CLIENTS, "everyone got in");
    assert_eq!(transport.dropped_packets(), 0, "no handshake was dropped");
}

/// The time since 1970, as netcode counts it.
fn unix_now() -> std::time::Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .expect("after 1970")
}

/// An unauthenticated server transport on a loopback port, renet's server with Madang's
/// channels, and the port's address.
fn loopback_server(
    max_clients: usize,
) -> (
    renet_netcode::NetcodeServerTransport,
    renet::RenetServer,
    std::net::SocketAddr,
) {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("binds");
    let addr = socket.local_addr().expect("an address");
    // The receive buffer the server asks for (`net::make_transport`): a hundred connection
    // requests sent at once (some 2.3 kB each in the kernel's count) overflow the default one
    // when the reader thread is not scheduled for a moment, as on a CI machine's busy cores.
    socket2::SockRef::from(&socket)
        .set_recv_buffer_size(madang_server::RECEIVE_BUFFER_BYTES)
        .expect("a larger receive buffer");
    let transport = renet_netcode::NetcodeServerTransport::new(
        renet_netcode::ServerConfig {
            current_time: unix_now(),
            max_clients,
            protocol_id: madang_shared::protocol::PROTOCOL_ID,
            public_addresses: vec![addr],
            authentication: renet_netcode::ServerAuthentication::Unsecure,
        },
        socket,
    )
    .expect("a transport");
    let server = renet::RenetServer::new(madang_shared::protocol::connection_config());
    (transport, server, addr)
}

/// `n` unsecured clients of a [`loopback_server`] at `addr`, with ids from `first`, not yet
/// connected.
fn loopback_clients(
    addr: std::net::SocketAddr,
    first: u64,
    n: u64,
) -> Vec<(renet::RenetClient, renet_netcode::NetcodeClientTransport)> {
    let config = madang_shared::protocol::connection_config();
    (0..n)
        .map(|i| {
            let t = renet_netcode::NetcodeClientTransport::new(
                unix_now(),
                renet_netcode::ClientAuthentication::Unsecure {
                    protocol_id: madang_shared::protocol::PROTOCOL_ID,
                    client_id: first + i,
                    server_addr: addr,
                    user_data: None,
                },
                std::net::UdpSocket::bind("127.0.0.1:0").expect("binds"),
            )
            .expect("a client transport");
            (renet::RenetClient::new(config.clone()), t)
        })
        .collect()
}
