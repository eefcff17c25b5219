//! What the fuzzers drive: the parts of the server a client's bytes reach before our features
//! see them, without sockets or an app, so that millions of inputs run in a minute.
//!
//! - [`wire`]: renet's packet format written from fields, any fields (renet keeps its own
//!   `Packet` type private), for structured inputs and for a hostile client that lies.
//! - [`Transport`]: a [`RenetServer`] with Madang's [`connection_config`], a few connected
//!   clients, and the server's own receive path ([`crate::net::drain_client`]) run after every
//!   tick, exactly as the game thread runs it.

use std::time::Duration;

use bevy_renet::RenetServer;
use madang_shared::protocol::connection_config;

use crate::Tick;
use crate::net::{Conduct, NetStats, drain_client};

/// renet's wire format (renet 2.0, `packet.rs`), written from arbitrary fields.
pub mod wire {
    /// renet's packet types, by their first byte.
    pub const SMALL_RELIABLE: u8 = 0;
    pub const SMALL_UNRELIABLE: u8 = 1;
    pub const RELIABLE_SLICE: u8 = 2;
    pub const UNRELIABLE_SLICE: u8 = 3;
    pub const ACK: u8 = 4;

    /// The size of a full slice in renet.
    pub const SLICE_SIZE: usize = 1200;

    /// A QUIC variable-length integer (what renet's `octets` writes), 62 bits at most: larger
    /// values are cut to 62 bits, as a peer could only ever send those.
    pub fn put_varint(out: &mut Vec<u8>, v: u64) {
        let v = v & ((1 << 62) - 1);
        if v < 1 << 6 {
            out.push(v as u8);
        } else if v < 1 << 14 {
            out.extend_from_slice(&((v as u16) | 0x4000).to_be_bytes());
        } else if v < 1 << 30 {
            out.extend_from_slice(&((v as u32) | 0x8000_0000).to_be_bytes());
        } else {
            out.extend_from_slice(&(v | 0xC000_0000_0000_0000).to_be_bytes());
        }
    }

    fn header(kind: u8, sequence: u64, channel: u8) -> Vec<u8> {
        let mut out = vec![kind];
        put_varint(&mut out, sequence);
        out.push(channel);
        out
    }

    /// Small reliable messages `(message id, bytes)`; `count` is what the header claims.
    pub fn small_reliable(
        sequence: u64,
        channel: u8,
        count: u16,
        messages: &[(u64, &[u8])],
    ) -> Vec<u8> {
        let mut out = header(SMALL_RELIABLE, sequence, channel);
        out.extend_from_slice(&count.to_be_bytes());
        for (id, bytes) in messages {
            put_varint(&mut out, *id);
            put_varint(&mut out, bytes.len() as u64);
            out.extend_from_slice(bytes);
        }
        out
    }

    /// Small unreliable messages; `count` is what the header claims.
    pub fn small_unreliable(sequence: u64, channel: u8, count: u16, messages: &[&[u8]]) -> Vec<u8> {
        let mut out = header(SMALL_UNRELIABLE, sequence, channel);
        out.extend_from_slice(&count.to_be_bytes());
        for bytes in messages {
            put_varint(&mut out, bytes.len() as u64);
            out.extend_from_slice(bytes);
        }
        out
    }

    /// One slice of a message; `reliable` picks the packet type.
    pub fn slice(
        reliable: bool,
        sequence: u64,
        channel: u8,
        message_id: u64,
        slice_index: u64,
        num_slices: u64,
        payload: &[u8],
    ) -> Vec<u8> {
        let kind = if reliable {
            RELIABLE_SLICE
        } else {
            UNRELIABLE_SLICE
        };
        let mut out = header(kind, sequence, channel);
        put_varint(&mut out, message_id);
        put_varint(&mut out, slice_index);
        put_varint(&mut out, num_slices);
        put_varint(&mut out, payload.len() as u64);
        out.extend_from_slice(payload);
        out
    }

    /// An acknowledgement: the last range's end and size, then `(gap, size)` for each earlier
    /// range, exactly as renet reads them (no check that they make sense).
    pub fn ack(sequence: u64, end: u64, size: u64, ranges: &[(u64, u64)]) -> Vec<u8> {
        let mut out = vec![ACK];
        put_varint(&mut out, sequence);
        put_varint(&mut out, end);
        put_varint(&mut out, size);
        put_varint(&mut out, ranges.len() as u64);
        for (gap, size) in ranges {
            put_varint(&mut out, *gap);
            put_varint(&mut out, *size);
        }
        out
    }
}

/// What one [`Transport::tick`] let through.
#[derive(Debug, Default, Clone, Copy)]
pub struct TickOutcome {
    /// Messages that passed every check and would reach a feature.
    pub passed: usize,
    /// Clients cut off this tick, by renet or by the receive path.
    pub cut_off: usize,
    /// Payloads (datagrams, once netcode has sealed them) renet gave to send, all clients.
    pub payloads_sent: usize,
}

/// A renet server with Madang's channels and [`Transport::CLIENTS`] connected clients, fed
/// packet payloads as netcode would hand them over after decryption.
pub struct Transport {
    server: RenetServer,
    conducts: Vec<Conduct>,
    tick: Tick,
    stats: NetStats,
}

impl Default for Transport {
    fn default() -> Self {
        Self::new()
    }
}

impl Transport {
    /// Clients connected at once; inputs name one by `client % CLIENTS`.
    pub const CLIENTS: u64 = 4;
    /// Simulated time between ticks.
    pub const TICK: Duration = Duration::from_millis(50);

    pub fn new() -> Self {
        let mut server = RenetServer::new(connection_config());
        for c in 0..Self::CLIENTS {
            server.add_connection(c);
        }
        Transport {
            server,
            conducts: (0..Self::CLIENTS).map(|_| Conduct::default()).collect(),
            tick: Tick { count: 0, hz: 20 },
            stats: NetStats::default(),
        }
    }

    /// A packet's payload from `client`, as the transport hands it to renet.
    pub fn packet(&mut self, client: u64, payload: &[u8]) {
        let client = client % Self::CLIENTS;
        // Unknown clients are the only error, and every client here is known (cut-off ones are
        // connected again at the end of each tick).
        let _ = self.server.process_packet_from(payload, client);
    }

    /// One tick of the game thread's network work: renet's update, the server's receive path
    /// for every client, the packets renet would send back. A client renet or the receive path
    /// cut off is connected again as a new one, so that the next inputs reach a fresh state.
    pub fn tick(&mut self) -> TickOutcome {
        let mut outcome = TickOutcome::default();
        self.tick.count = self.tick.count.wrapping_add(1);
        self.server.update(Self::TICK);
        for c in 0..Self::CLIENTS {
            let conduct = &mut self.conducts[c as usize];
            let mut passed = 0;
            // A request's fields are the features' to check; here it is enough that it came
            // through the transport and decoding without harm.
            let expel = drain_client(
                &mut self.server,
                c,
                conduct,
                &self.tick,
                &mut self.stats,
                |_| passed += 1,
            );
            outcome.passed += passed;
            if expel {
                self.server.disconnect(c);
            }
            if let Ok(payloads) = self.server.get_packets_to_send(c) {
                outcome.payloads_sent += payloads.len();
            }
        }
        for c in 0..Self::CLIENTS {
            if !self.server.is_connected(c) {
                self.server.remove_connection(c);
                self.server.add_connection(c);
                self.conducts[c as usize] = Conduct::default();
                outcome.cut_off += 1;
            }
        }
        while self.server.get_event().is_some() {}
        outcome
    }

    /// Queues a message from the server to `client` on `channel`, sent at the next tick.
    pub fn send(&mut self, client: u64, channel: u8, message: Vec<u8>) {
        self.server
            .send_message(client % Self::CLIENTS, channel, message);
    }

    /// Messages the receive path dropped as bad so far.
    pub fn bad_messages(&self) -> u64 {
        self.stats.bad_messages
    }
}
