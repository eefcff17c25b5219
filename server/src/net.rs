//! The game socket: renet over netcode on one UDP port, and the two directions of messages.
//!
//! Everything a client sends is decoded with a size limit and validated
//! ([`ClientMsg::decode`]); a bad message is dropped with a rate-limited warning, and a client
//! that keeps sending them is disconnected.

use madang_shared::refusal::Refusal;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_renet::netcode::{NetcodeServerTransport, ServerAuthentication, ServerConfig};
use bevy_renet::{RenetReceive, RenetSend, RenetServer, RenetServerPlugin};
use madang_shared::protocol::{
    ClientMsg, PROTOCOL_ID, SERVER_RELIABLE_BUDGET, ServerMsg, channel, connection_config, encode,
};
use renet::ClientId;
use renet_netcode::NETCODE_KEY_BYTES;
use tracing::warn;

use crate::movement::Inputs;
use crate::presence::Avatar;
use crate::settings::Settings;
use crate::{ServerSet, Tick};

/// Bad messages within [`OFFENCE_WINDOW_SECS`] after which a client is disconnected.
pub const MAX_OFFENCES: u32 = 20;
pub const OFFENCE_WINDOW_SECS: u32 = 10;
/// Messages read from one client in one tick; the rest are dropped as a flood.
pub const MAX_MESSAGES_PER_TICK: usize = 64;

pub(super) fn plugin(app: &mut App) {
    app.add_plugins(RenetServerPlugin);
    app.insert_resource(RenetServer::new(connection_config()));
    app.init_resource::<NetStats>();
    app.init_resource::<NetClock>();
    // bevy_renet's `NetcodeServerPlugin`, but reading with the real time since the last read:
    // the runner also reads between ticks ([`read_between_ticks`]).
    let transport_ready =
        resource_exists::<NetcodeServerTransport>.and_eager(resource_exists::<RenetServer>);
    app.add_systems(
        PreUpdate,
        read_transport
            .in_set(RenetReceive)
            .run_if(transport_ready.clone())
            .after(RenetServerPlugin::update_system)
            .before(RenetServerPlugin::emit_server_events_system),
    );
    // The tick's packets, with each client's snapshot made as its packets are written.
    app.add_systems(
        PostUpdate,
        crate::snapshot::send_packets
            .in_set(RenetSend)
            .run_if(transport_ready.clone()),
    );
    app.add_systems(Last, disconnect_on_exit.run_if(transport_ready));
    app.add_message::<ClientRequest>();
    app.add_message::<Expression>();
    app.add_systems(
        Update,
        receive_messages
            .in_set(ServerSet::Receive)
            .after(crate::presence::admit_and_remove),
    );
}

/// The game socket's receive buffer asked of the kernel (it grants at most
/// `net.core.rmem_max`).
pub const RECEIVE_BUFFER_BYTES: usize = 4 << 20;

/// Makes the netcode transport on the bound socket.
pub fn make_transport(
    settings: &Settings,
    socket: UdpSocket,
    public_addr: SocketAddr,
    key: [u8; NETCODE_KEY_BYTES],
    now: Duration,
) -> std::io::Result<NetcodeServerTransport> {
    let authentication = if settings.dev_insecure {
        tracing::warn!("--dev-insecure: unauthenticated connections are accepted");
        ServerAuthentication::Unsecure
    } else {
        ServerAuthentication::Secure { private_key: key }
    };
    // The reader thread (vendor/renet_netcode) takes datagrams as they arrive; a larger kernel
    // buffer also rides out moments when that thread is not scheduled. The kernel caps it at
    // net.core.rmem_max.
    let sock = socket2::SockRef::from(&socket);
    if let Err(e) = sock.set_recv_buffer_size(RECEIVE_BUFFER_BYTES) {
        tracing::warn!(error = %e, "cannot enlarge the game socket's receive buffer");
    }
    tracing::debug!(
        bytes = sock.recv_buffer_size().unwrap_or(0),
        "game socket receive buffer"
    );
    if let Err(e) = dont_fragment(&socket) {
        tracing::warn!(error = %e, "cannot set the game socket's don't-fragment flag");
    }
    NetcodeServerTransport::new(
        ServerConfig {
            current_time: now,
            max_clients: settings.max_clients,
            protocol_id: PROTOCOL_ID,
            public_addresses: vec![public_addr],
            authentication,
        },
        socket,
    )
}

/// Sends the game socket's IPv4 datagrams with "don't fragment" set, whatever the path's MTU
/// (`IP_PMTUDISC_PROBE`), as QUIC does. Without the flag the kernel picks a fresh IP
/// identification for every datagram (a keyed hash and an atomic counter shared by every
/// socket; 1.6 % of the server's time with a thousand clients, `perf`), which only a datagram
/// that may be fragmented needs. Ours stay under 1,300 bytes with their headers (renet puts at
/// most 1,200 bytes of messages in a packet, netcode adds 25, IP and UDP 28), inside the MTU
/// of any path clients reach us by; a larger one would be lost on a narrower path rather than
/// cut in pieces, as QUIC's are.
#[cfg(target_os = "linux")]
pub fn dont_fragment(socket: &UdpSocket) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    if !socket.local_addr()?.is_ipv4() {
        return Ok(());
    }
    let value: libc::c_int = libc::IP_PMTUDISC_PROBE;
    // SAFETY: a valid socket, and a pointer to an int of the length given, alive for the call.
    let r = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_MTU_DISCOVER,
            &value as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Elsewhere datagrams go as the system sends them.
#[cfg(not(target_os = "linux"))]
pub fn dont_fragment(_: &UdpSocket) -> std::io::Result<()> {
    Ok(())
}

/// When the transport last read, and what reading between ticks cost.
#[derive(Resource, Debug)]
pub struct NetClock {
    last_read: std::time::Instant,
    /// Time spent reading between ticks since the stats last took it.
    pub between_ticks: Duration,
    /// Whether a failed read has been logged (the reader thread stopping is logged once).
    failed_logged: bool,
}

impl Default for NetClock {
    fn default() -> Self {
        NetClock {
            last_read: std::time::Instant::now(),
            between_ticks: Duration::ZERO,
            failed_logged: false,
        }
    }
}

/// Hands what the socket reader received to netcode and renet (opening, acknowledgements,
/// messages into their channels, new connections), with netcode's clock moved on by the real
/// time since the last read. In the tick (`upkeep`) also netcode's per-client work: keep-alives,
/// timeouts, disconnections.
fn read(
    clock: &mut NetClock,
    transport: &mut NetcodeServerTransport,
    server: &mut RenetServer,
    upkeep: bool,
) {
    let now = std::time::Instant::now();
    let elapsed = now - clock.last_read;
    clock.last_read = now;
    let read = if upkeep {
        transport.update(elapsed, server)
    } else {
        transport.receive(elapsed, server)
    };
    if let Err(e) = read {
        if !clock.failed_logged {
            tracing::error!("the game socket cannot be read: {e}");
            clock.failed_logged = true;
        }
    }
}

fn read_transport(
    mut clock: ResMut<NetClock>,
    mut transport: ResMut<NetcodeServerTransport>,
    mut server: ResMut<RenetServer>,
) {
    read(&mut clock, &mut transport, &mut server, true);
}

fn disconnect_on_exit(
    exit: MessageReader<AppExit>,
    mut transport: ResMut<NetcodeServerTransport>,
    mut server: ResMut<RenetServer>,
) {
    if !exit.is_empty() {
        transport.disconnect_all(&mut server);
    }
}

/// Reads what arrived while the tick waits for its time, so that the tick itself finds little
/// left to read: the packets are opened and their messages put in renet's channels as they come
/// (a thousand clients' packets were a fifth of the tick's work when read at its start). Only
/// netcode and renet's own state moves; the game reads the messages in the tick, as before.
pub fn read_between_ticks(world: &mut World) {
    let started = std::time::Instant::now();
    world.resource_scope(|world, mut transport: Mut<NetcodeServerTransport>| {
        world.resource_scope(|world, mut server: Mut<RenetServer>| {
            if let Some(mut clock) = world.get_resource_mut::<NetClock>() {
                read(&mut clock, &mut transport, &mut server, false);
                clock.between_ticks += started.elapsed();
            }
        });
    });
}

/// How often the runner reads between ticks.
pub const READ_EVERY: Duration = Duration::from_millis(4);

/// The server's loop: a tick every `tick`, and between ticks a read of the socket every
/// [`READ_EVERY`] (bevy's `ScheduleRunnerPlugin` loop otherwise).
pub fn run_loop(tick: Duration) -> impl FnOnce(App) -> AppExit + 'static {
    move |mut app: App| {
        use bevy::app::PluginsState;
        if app.plugins_state() != PluginsState::Cleaned {
            while app.plugins_state() == PluginsState::Adding {
                bevy::tasks::tick_global_task_pools_on_main_thread();
            }
            app.finish();
            app.cleanup();
        }
        loop {
            let start = std::time::Instant::now();
            app.update();
            if let Some(exit) = app.should_exit() {
                return exit;
            }
            let next = start + tick;
            loop {
                let left = next.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    break;
                }
                std::thread::sleep(left.min(READ_EVERY));
                // Not when the tick is about to start: it reads anyway.
                if next.saturating_duration_since(std::time::Instant::now())
                    > Duration::from_millis(1)
                {
                    let world = app.world_mut();
                    if world.contains_resource::<NetcodeServerTransport>()
                        && world.contains_resource::<RenetServer>()
                    {
                        read_between_ticks(world);
                    }
                }
            }
        }
    }
}

/// A decoded, validated request from a client other than movement, for the feature that
/// answers it.
#[derive(Message, Debug, Clone)]
pub struct ClientRequest {
    pub avatar: Entity,
    pub msg: ClientMsg,
}

/// A reaction or a voice frame: frequent and small, so outside the request budget (the talk
/// feature keeps budgets of its own for them).
#[derive(Message, Debug, Clone)]
pub struct Expression {
    pub avatar: Entity,
    pub msg: ClientMsg,
}

/// Counters for the stats line.
#[derive(Resource, Debug, Default)]
pub struct NetStats {
    pub bytes_sent: u64,
    pub messages_sent: u64,
    pub bytes_received: u64,
    pub bad_messages: u64,
    /// Messages a client may send this tick: [`MAX_MESSAGES_PER_TICK`] for each tick's worth
    /// of real time since the last receive (0 reads as one tick), so that a tick the server
    /// itself was slow in does not make its honest clients look like floods.
    pub allowance: usize,
    /// When messages were last received, for the allowance.
    pub last_receive: Option<std::time::Instant>,
}

impl NetStats {
    /// One message of `bytes` sent.
    pub fn count_sent(&mut self, bytes: usize) {
        self.bytes_sent += bytes as u64;
        self.messages_sent += 1;
    }
}

/// The allowance of messages per client after `elapsed` of real time at `hz` ticks a
/// second: one tick's cap per tick's worth of time, up to 20 ticks' worth.
pub fn message_allowance(elapsed: std::time::Duration, hz: u32) -> usize {
    let ticks = (elapsed.as_secs_f64() * hz.max(1) as f64).ceil() as usize;
    MAX_MESSAGES_PER_TICK * ticks.clamp(1, 20)
}

/// Sending to clients, with the bytes counted.
#[derive(SystemParam)]
pub struct Outbox<'w> {
    server: ResMut<'w, RenetServer>,
    stats: ResMut<'w, NetStats>,
}

impl Outbox<'_> {
    pub fn send(&mut self, client: ClientId, channel: u8, msg: &ServerMsg) {
        let bytes = encode(msg);
        self.stats.count_sent(bytes.len());
        self.server.send_message(client, channel, bytes);
    }

    /// Tells `client` its request `req` was refused, and why.
    pub fn refuse(&mut self, client: ClientId, req: u32, why: impl Into<Refusal>) {
        let why = why.into();
        self.send(client, channel::RELIABLE, &ServerMsg::Refused { req, why });
    }

    pub fn disconnect(&mut self, client: ClientId) {
        self.server.disconnect(client);
    }

    /// How `client`'s link looks from its acknowledgements: round trip (s), share of packets
    /// lost, and reliable bytes sent but not yet acknowledged.
    pub fn link(&self, client: ClientId) -> Option<Link> {
        let info = self.server.network_info(client).ok()?;
        let free = self
            .server
            .channel_available_memory(client, channel::RELIABLE);
        Some(Link {
            rtt: info.rtt,
            loss: info.packet_loss,
            unacked_reliable: SERVER_RELIABLE_BUDGET.saturating_sub(free),
        })
    }
}

/// What [`Outbox::link`] tells.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Link {
    pub rtt: f64,
    pub loss: f64,
    pub unacked_reliable: usize,
}

/// Requests (not movement) a client may make per second, and in one burst.
pub const REQUESTS_PER_SEC: f32 = 4.0;
pub const REQUEST_BURST: f32 = 8.0;

/// A token bucket: `burst` at most, refilled at `per_sec`, one token an action.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    per_sec: f32,
    burst: f32,
    level: f32,
    tick: u32,
}

impl Bucket {
    /// A full bucket.
    pub fn new(per_sec: f32, burst: f32) -> Self {
        Bucket {
            per_sec,
            burst,
            level: burst,
            tick: 0,
        }
    }

    /// Takes a token; false when there is none.
    pub fn take(&mut self, tick: &Tick) -> bool {
        let ticks = tick.count.wrapping_sub(self.tick) as f32;
        self.tick = tick.count;
        self.level = (self.level + ticks * self.per_sec / tick.hz as f32).min(self.burst);
        if self.level >= 1.0 {
            self.level -= 1.0;
            true
        } else {
            false
        }
    }
}

/// A client's record of bad messages, and its budget of requests.
#[derive(Component, Debug)]
pub struct Conduct {
    offences: u32,
    window_start: u32,
    last_warning: Option<u32>,
    suppressed: u32,
    requests: Bucket,
}

impl Default for Conduct {
    fn default() -> Self {
        Conduct {
            offences: 0,
            window_start: 0,
            last_warning: None,
            suppressed: 0,
            requests: Bucket::new(REQUESTS_PER_SEC, REQUEST_BURST),
        }
    }
}

impl Conduct {
    /// Records a bad message; returns whether the client has now gone too far.
    fn offend(&mut self, client: ClientId, tick: &Tick, why: &dyn std::fmt::Display) -> bool {
        let window = OFFENCE_WINDOW_SECS * tick.hz;
        if tick.count.wrapping_sub(self.window_start) > window {
            self.window_start = tick.count;
            self.offences = 0;
        }
        self.offences += 1;
        let quiet = self
            .last_warning
            .is_some_and(|t| tick.count.wrapping_sub(t) < 5 * tick.hz);
        if quiet {
            self.suppressed += 1;
        } else {
            warn!(
                client,
                suppressed = self.suppressed,
                "dropped a bad message: {why}"
            );
            self.last_warning = Some(tick.count);
            self.suppressed = 0;
        }
        self.offences > MAX_OFFENCES
    }
}

fn receive_messages(
    mut avatars: Query<(Entity, &Avatar, &mut Inputs, &mut Conduct)>,
    mut requests: MessageWriter<ClientRequest>,
    mut expressions: MessageWriter<Expression>,
    mut server: ResMut<RenetServer>,
    mut stats: ResMut<NetStats>,
    tick: Res<Tick>,
) {
    let now = std::time::Instant::now();
    stats.allowance = stats
        .last_receive
        .map(|t| message_allowance(now - t, tick.hz))
        .unwrap_or(MAX_MESSAGES_PER_TICK);
    stats.last_receive = Some(now);
    for (entity, avatar, mut inputs, mut conduct) in &mut avatars {
        let client = avatar.client;
        let expel = drain_client(
            &mut server,
            client,
            &mut conduct,
            &tick,
            &mut stats,
            |got| match got {
                Received::Input(frames) => inputs.receive(&frames),
                Received::Expression(msg) => {
                    expressions.write(Expression {
                        avatar: entity,
                        msg,
                    });
                }
                Received::Request(msg) => {
                    requests.write(ClientRequest {
                        avatar: entity,
                        msg,
                    });
                }
            },
        );
        if expel {
            warn!(client, "disconnected for sending too many bad messages");
            server.disconnect(client);
        }
    }
}

/// A message from a client that passed every check of the receive path.
#[derive(Debug)]
pub enum Received {
    /// Movement input, for the avatar's queue.
    Input(Vec<madang_shared::protocol::InputFrame>),
    /// A reaction, an emote or a voice frame (the talk feature budgets them).
    Expression(ClientMsg),
    /// Any other request, within the client's request budget.
    Request(ClientMsg),
}

/// Reads what `client` sent since the last tick, channel by channel, through the checks every
/// client message passes: the per-tick cap, decoding with a size limit and validation, and the
/// request budget (a request over it is refused with a reason). What passes goes to `take`.
/// Returns whether the client has sent too many bad messages and must be cut off.
pub fn drain_client(
    server: &mut RenetServer,
    client: ClientId,
    conduct: &mut Conduct,
    tick: &Tick,
    stats: &mut NetStats,
    mut take: impl FnMut(Received),
) -> bool {
    let mut read = 0;
    for ch in [channel::INPUT, channel::RELIABLE, channel::VOICE] {
        while let Some(bytes) = server.receive_message(client, ch) {
            read += 1;
            stats.bytes_received += bytes.len() as u64;
            if read > stats.allowance.max(MAX_MESSAGES_PER_TICK) {
                stats.bad_messages += 1;
                if conduct.offend(client, tick, &"more messages in one tick than allowed") {
                    return true;
                }
                continue;
            }
            match ClientMsg::decode(&bytes) {
                Ok(ClientMsg::Input { frames }) => take(Received::Input(frames)),
                Ok(
                    msg @ (ClientMsg::React { .. }
                    | ClientMsg::Emote { .. }
                    | ClientMsg::Voice { .. }
                    | ClientMsg::SlidePointer { .. }),
                ) => take(Received::Expression(msg)),
                Ok(msg) => {
                    if conduct.requests.take(tick) {
                        take(Received::Request(msg));
                    } else if let Some(req) = msg.req() {
                        let why = Refusal::TooManyRequests;
                        server.send_message(
                            client,
                            channel::RELIABLE,
                            encode(&ServerMsg::Refused { req, why }),
                        );
                    }
                }
                Err(e) => {
                    stats.bad_messages += 1;
                    if conduct.offend(client, tick, &e) {
                        return true;
                    }
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod allowance_tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_slow_tick_allows_its_worth_of_messages_and_no_more() {
        assert_eq!(message_allowance(Duration::ZERO, 20), MAX_MESSAGES_PER_TICK);
        assert_eq!(
            message_allowance(Duration::from_millis(50), 20),
            MAX_MESSAGES_PER_TICK
        );
        // A 520 ms tick at 20 Hz: eleven ticks' worth, as honest clients sent.
        assert_eq!(
            message_allowance(Duration::from_millis(520), 20),
            11 * MAX_MESSAGES_PER_TICK
        );
        // A stall is capped: a flood still overruns it.
        assert_eq!(
            message_allowance(Duration::from_secs(60), 20),
            20 * MAX_MESSAGES_PER_TICK
        );
    }
}

#[cfg(all(test, target_os = "linux"))]
mod socket_tests {
    use super::*;

    /// What `IP_MTU_DISCOVER` of `socket` holds.
    fn mtu_discover(socket: &UdpSocket) -> libc::c_int {
        use std::os::fd::AsRawFd;
        let mut value: libc::c_int = -1;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: a valid socket, and pointers to an int and its length, alive for the call.
        let r = unsafe {
            libc::getsockopt(
                socket.as_raw_fd(),
                libc::IPPROTO_IP,
                libc::IP_MTU_DISCOVER,
                &mut value as *mut libc::c_int as *mut libc::c_void,
                &mut len,
            )
        };
        assert_eq!(r, 0, "{}", std::io::Error::last_os_error());
        value
    }

    #[test]
    fn the_game_socket_sends_without_fragmenting_and_its_datagrams_still_go() {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("binds");
        let addr = socket.local_addr().expect("an address");
        let probe = socket.try_clone().expect("a second handle");
        let transport = make_transport(
            &Settings::default(),
            socket,
            addr,
            [7; NETCODE_KEY_BYTES],
            Duration::from_secs(1_800_000_000),
        )
        .expect("a transport");
        assert_eq!(mtu_discover(&probe), libc::IP_PMTUDISC_PROBE);
        // The largest datagram the server sends still leaves (loopback's MTU is far larger, so
        // this shows only that the flag refuses nothing by itself).
        let peer = UdpSocket::bind("127.0.0.1:0").expect("binds");
        probe
            .send_to(&[0u8; 1300], peer.local_addr().expect("an address"))
            .expect("sends");
        let mut buf = [0u8; 2000];
        peer.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("a time limit");
        assert_eq!(peer.recv_from(&mut buf).expect("arrives").0, 1300);
        drop(transport);
    }

    #[test]
    fn an_ipv6_socket_is_left_as_it_is() {
        // Not every machine has IPv6 on loopback; where none is, there is nothing to check.
        let Ok(socket) = UdpSocket::bind("[::1]:0") else {
            return;
        };
        assert!(dont_fragment(&socket).is_ok());
    }
}
