use std::{
    io,
    net::{SocketAddr, UdpSocket},
    sync::{
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
        mpsc::{channel, sync_channel, Receiver, TryRecvError},
        Arc,
    },
    time::Duration,
};

use renetcode::{NetcodeServer, PayloadSeal, ServerConfig, ServerResult, NETCODE_MAX_PACKET_BYTES, NETCODE_USER_DATA_BYTES};

use renet::ClientId;
use renet::{RenetClient, RenetServer};

use super::NetcodeTransportError;

// PATCH(madang): the socket is read by a thread of its own as datagrams arrive, into a bounded
// queue that `update` drains, instead of by `update` alone. Read once per tick, the kernel's
// receive buffer (212,992 bytes by default) had to hold a whole tick of every client's packets,
// and with a few hundred clients it overflowed: inputs, acknowledgements and connection
// requests were lost. See vendor/PATCHES.md.

/// Datagrams the reader thread may hold for `update` (at most 1,200 bytes each: about 20 MB).
pub const RECEIVE_QUEUE_PACKETS: usize = 16_384;
/// PATCH(madang): connection requests and challenge responses opened per read at most; the
/// rest wait, in the order they came, for the next reads (see [`Handshakes`]).
pub const HANDSHAKES_PER_READ: usize = 32;
/// PATCH(madang): handshake packets that may wait for a later read (at most 1,300 bytes each:
/// under 3 MB); past that they are dropped and counted with the queue's drops (a netcode
/// client sends its request again until answered).
pub const HANDSHAKES_WAITING: usize = 2048;

/// How often the reader thread looks whether the transport is gone.
const READER_WAKE: Duration = Duration::from_millis(100);
/// PATCH(madang): the reader sleeps between one and eight milliseconds once it has read all
/// there was, so that a drain holds about what a quarter of the kernel's buffer takes (see
/// `drain_target`): a quiet server wakes it 125 times a second, a crowd up to 1,000.
const READER_GATHER_MIN: Duration = Duration::from_millis(1);
const READER_GATHER_MAX: Duration = Duration::from_millis(8);

/// PATCH(madang): the datagrams one drain may hold: a quarter of the socket's receive buffer,
/// counting 2 KiB a datagram (what the kernel charges a small one, with its bookkeeping).
fn drain_target(socket: &UdpSocket) -> usize {
    let buffer = socket2::SockRef::from(socket).recv_buffer_size().unwrap_or(212_992);
    (buffer / 4 / 2048).clamp(16, 1024)
}

/// PATCH(madang): reads a datagram only if one is there (`WouldBlock` otherwise), on a socket
/// that is blocking for everyone else (on Linux the reader thread reads several at once,
/// `recv_many`).
#[cfg(unix)]
fn recv_now(socket: &UdpSocket, buffer: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
    let sock = socket2::SockRef::from(socket);
    // SAFETY: `u8` and `MaybeUninit<u8>` have the same layout, and `recv` only writes
    // initialised bytes into the buffer.
    let uninit = unsafe { &mut *(buffer as *mut [u8] as *mut [std::mem::MaybeUninit<u8>]) };
    let (len, addr) = sock.recv_from_with_flags(uninit, libc::MSG_DONTWAIT)?;
    // Cannot happen on an IP socket; the caller skips such a datagram.
    let addr = addr.as_socket().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an IP address"))?;
    Ok((len, addr))
}

/// Elsewhere the reader only waits.
#[cfg(not(unix))]
fn recv_now(socket: &UdpSocket, buffer: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
    socket.recv_from(buffer)
}

// PATCH(madang): on Linux the reader takes the datagrams already there `RECV_CHUNK` to a
// `recvmmsg` call instead of one `recvfrom` each: with a thousand clients most of the reader
// thread was those calls' own cost. See vendor/PATCHES.md.

/// Datagrams read by one `recvmmsg`.
#[cfg(target_os = "linux")]
const RECV_CHUNK: usize = 64;

/// Where one `recvmmsg` puts its datagrams and their sources.
#[cfg(target_os = "linux")]
struct RecvScratch {
    bufs: Vec<[u8; NETCODE_MAX_PACKET_BYTES]>,
    addrs: Vec<libc::sockaddr_storage>,
}

#[cfg(target_os = "linux")]
impl RecvScratch {
    fn new() -> Self {
        // SAFETY: sockaddr_storage is plain old data; all zeros is a valid (empty) value.
        let empty: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        RecvScratch {
            bufs: vec![[0; NETCODE_MAX_PACKET_BYTES]; RECV_CHUNK],
            addrs: vec![empty; RECV_CHUNK],
        }
    }
}

/// `addr` as Rust takes it, if it is an IP address.
#[cfg(target_os = "linux")]
fn rust_addr(addr: &libc::sockaddr_storage, len: libc::socklen_t) -> Option<SocketAddr> {
    use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
    let len = len as usize;
    match addr.ss_family as libc::c_int {
        libc::AF_INET if len >= std::mem::size_of::<libc::sockaddr_in>() => {
            // SAFETY: the kernel wrote a sockaddr_in here (its family and length say so), and
            // sockaddr_storage is larger than and aligned for it.
            let a = unsafe { &*(addr as *const _ as *const libc::sockaddr_in) };
            let ip = Ipv4Addr::from(a.sin_addr.s_addr.to_ne_bytes());
            Some(SocketAddr::V4(SocketAddrV4::new(ip, u16::from_be(a.sin_port))))
        }
        libc::AF_INET6 if len >= std::mem::size_of::<libc::sockaddr_in6>() => {
            // SAFETY: as above, for sockaddr_in6.
            let a = unsafe { &*(addr as *const _ as *const libc::sockaddr_in6) };
            let ip = Ipv6Addr::from(a.sin6_addr.s6_addr);
            Some(SocketAddr::V6(SocketAddrV6::new(
                ip,
                u16::from_be(a.sin6_port),
                a.sin6_flowinfo,
                a.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// Reads the datagrams already there, up to `RECV_CHUNK`, without waiting, onto the end of
/// `drain` (`WouldBlock` if none were there). A source that is not an IP
/// address (it cannot happen on an IP socket) is skipped, as `recv_now`'s caller skips it.
#[cfg(target_os = "linux")]
fn recv_many(socket: &UdpSocket, scratch: &mut RecvScratch, drain: &mut Received) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let mut iovs: [libc::iovec; RECV_CHUNK] = [libc::iovec {
        iov_base: std::ptr::null_mut(),
        iov_len: 0,
    }; RECV_CHUNK];
    // SAFETY: mmsghdr is plain old data; the fields that matter are set below.
    let mut msgs: [libc::mmsghdr; RECV_CHUNK] = unsafe { std::mem::zeroed() };
    for i in 0..RECV_CHUNK {
        iovs[i].iov_base = scratch.bufs[i].as_mut_ptr() as *mut libc::c_void;
        iovs[i].iov_len = NETCODE_MAX_PACKET_BYTES;
        msgs[i].msg_hdr.msg_name = &mut scratch.addrs[i] as *mut _ as *mut libc::c_void;
        msgs[i].msg_hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        msgs[i].msg_hdr.msg_iov = &mut iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    // SAFETY: `msgs` are valid headers pointing into `iovs`, `scratch.bufs` and
    // `scratch.addrs`, all alive and unmoved for the call, each buffer as long as its iovec says.
    let r = unsafe {
        libc::recvmmsg(
            socket.as_raw_fd(),
            msgs.as_mut_ptr(),
            RECV_CHUNK as libc::c_uint,
            libc::MSG_DONTWAIT,
            std::ptr::null_mut(),
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    for i in 0..r as usize {
        let len = (msgs[i].msg_len as usize).min(NETCODE_MAX_PACKET_BYTES);
        let Some(addr) = rust_addr(&scratch.addrs[i], msgs[i].msg_hdr.msg_namelen) else {
            continue;
        };
        drain.push(addr, &scratch.bufs[i][..len]);
    }
    Ok(())
}

/// PATCH(madang): datagrams read in one drain, back to back, with their sources: one
/// allocation and one message on the queue a drain, not one per datagram.
#[derive(Debug, Default)]
struct Received {
    bytes: Vec<u8>,
    packets: Vec<(SocketAddr, usize, usize)>,
}

impl Received {
    /// One more datagram, from `addr`.
    fn push(&mut self, addr: SocketAddr, datagram: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(datagram);
        self.packets.push((addr, start, start + datagram.len()));
    }
}

#[derive(Debug)]
struct Reader {
    /// In a mutex only to make the transport `Sync` (a bevy resource); one thread uses it.
    packets: std::sync::Mutex<Receiver<Received>>,
    /// Emptied drains go back to the reader to be filled again.
    spare: std::sync::mpsc::SyncSender<Received>,
    /// Datagrams in the queue, to keep it within `RECEIVE_QUEUE_PACKETS`.
    queued: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    /// Datagrams dropped because the queue was full.
    dropped: Arc<AtomicU64>,
    /// An error that ended the reader thread, if one did.
    failed: Arc<std::sync::Mutex<Option<io::Error>>>,
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

// PATCH(madang): a tick's sealed payload packets are handed to a thread of its own (`netcode-
// sender`) that writes them to the socket, instead of being written one by one by
// `send_packets` on the game thread: on loopback a datagram costs the sender about as much
// again as the receiver, and with a thousand clients that was a seventh of the tick. See
// vendor/PATCHES.md.

/// A tick's payload packets: their bytes back to back, not yet sealed, and how each is sealed
/// and where it goes. The sender thread seals them: the encryption is a fifth of the work of a
/// tick's sending, and need not wait in the game thread.
#[derive(Debug, Default)]
struct Batch {
    bytes: Vec<u8>,
    packets: Vec<(PayloadSeal, usize, usize)>,
}

/// Seals a batch's packets and writes them.
#[cfg(not(target_os = "linux"))]
fn write_batch(socket: &UdpSocket, batch: &Batch, out: &mut SendScratch) {
    for (seal, start, end) in &batch.packets {
        match seal.seal(&batch.bytes[*start..*end], &mut out.one) {
            Ok(len) => {
                if let Err(e) = socket.send_to(&out.one[..len], seal.addr) {
                    log::error!("Failed to send packet to {}: {e}", seal.addr);
                }
            }
            Err(e) => log::error!("Failed to encrypt payload packet for {}: {e}", seal.addr),
        }
    }
}

#[cfg(not(target_os = "linux"))]
struct SendScratch {
    one: [u8; NETCODE_MAX_PACKET_BYTES],
}

#[cfg(not(target_os = "linux"))]
impl SendScratch {
    fn new() -> Self {
        SendScratch {
            one: [0; NETCODE_MAX_PACKET_BYTES],
        }
    }
}

// PATCH(madang): on Linux the sender writes up to `SEND_CHUNK` sealed datagrams with one
// `sendmmsg` call instead of one `sendto` each: with a thousand clients the system calls' own
// cost was a good part of the sender thread's. See vendor/PATCHES.md.

/// Datagrams written by one `sendmmsg`.
#[cfg(target_os = "linux")]
const SEND_CHUNK: usize = 64;

/// The sealed datagrams of one `sendmmsg`, and their addresses.
#[cfg(target_os = "linux")]
struct SendScratch {
    bufs: Vec<[u8; NETCODE_MAX_PACKET_BYTES]>,
    lens: Vec<usize>,
    addrs: Vec<(libc::sockaddr_storage, libc::socklen_t)>,
    dests: Vec<SocketAddr>,
}

#[cfg(target_os = "linux")]
impl SendScratch {
    fn new() -> Self {
        // SAFETY: sockaddr_storage is plain old data; all zeros is a valid (empty) value.
        let empty: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        SendScratch {
            bufs: vec![[0; NETCODE_MAX_PACKET_BYTES]; SEND_CHUNK],
            lens: Vec::with_capacity(SEND_CHUNK),
            addrs: vec![(empty, 0); SEND_CHUNK],
            dests: Vec::with_capacity(SEND_CHUNK),
        }
    }
}

/// `addr` as the C library takes it.
#[cfg(target_os = "linux")]
fn c_addr(addr: SocketAddr, out: &mut libc::sockaddr_storage) -> libc::socklen_t {
    match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
            unsafe { std::ptr::write(out as *mut _ as *mut libc::sockaddr_in, sin) };
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
            unsafe { std::ptr::write(out as *mut _ as *mut libc::sockaddr_in6, sin6) };
            std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t
        }
    }
}

/// Writes the first `n` datagrams of `scratch` with as few `sendmmsg` calls as the kernel
/// allows; a datagram the kernel refuses is logged and skipped, as a failed `send_to` was.
#[cfg(target_os = "linux")]
fn send_chunk(socket: &UdpSocket, scratch: &mut SendScratch) {
    use std::os::fd::AsRawFd;
    let n = scratch.lens.len();
    let mut iovs: Vec<libc::iovec> = Vec::with_capacity(n);
    for i in 0..n {
        iovs.push(libc::iovec {
            iov_base: scratch.bufs[i].as_mut_ptr() as *mut libc::c_void,
            iov_len: scratch.lens[i],
        });
    }
    let mut msgs: Vec<libc::mmsghdr> = Vec::with_capacity(n);
    for i in 0..n {
        // SAFETY: msghdr is plain old data; the fields that matter are set below.
        let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
        hdr.msg_name = &mut scratch.addrs[i].0 as *mut _ as *mut libc::c_void;
        hdr.msg_namelen = scratch.addrs[i].1;
        hdr.msg_iov = &mut iovs[i];
        hdr.msg_iovlen = 1;
        msgs.push(libc::mmsghdr {
            msg_hdr: hdr,
            msg_len: 0,
        });
    }
    let mut sent = 0;
    while sent < n {
        // SAFETY: `msgs[sent..]` are valid headers pointing into `iovs`, `scratch.bufs` and
        // `scratch.addrs`, all alive and unmoved for the call.
        let r = unsafe {
            libc::sendmmsg(
                socket.as_raw_fd(),
                msgs[sent..].as_mut_ptr(),
                (n - sent) as libc::c_uint,
                0,
            )
        };
        if r > 0 {
            sent += r as usize;
        } else {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            log::error!("Failed to send packet to {}: {e}", scratch.dests[sent]);
            sent += 1;
        }
    }
}

/// Seals a batch's packets and writes them, `SEND_CHUNK` to a system call.
#[cfg(target_os = "linux")]
fn write_batch(socket: &UdpSocket, batch: &Batch, scratch: &mut SendScratch) {
    scratch.lens.clear();
    scratch.dests.clear();
    for (seal, start, end) in &batch.packets {
        let i = scratch.lens.len();
        match seal.seal(&batch.bytes[*start..*end], &mut scratch.bufs[i]) {
            Ok(len) => {
                scratch.addrs[i].1 = c_addr(seal.addr, &mut scratch.addrs[i].0);
                scratch.lens.push(len);
                scratch.dests.push(seal.addr);
            }
            Err(e) => {
                log::error!("Failed to encrypt payload packet for {}: {e}", seal.addr);
                continue;
            }
        }
        if scratch.lens.len() == SEND_CHUNK {
            send_chunk(socket, scratch);
            scratch.lens.clear();
            scratch.dests.clear();
        }
    }
    if !scratch.lens.is_empty() {
        send_chunk(socket, scratch);
        scratch.lens.clear();
        scratch.dests.clear();
    }
}

/// Ticks' batches that may wait for the sender thread before `send_packets` waits too.
const SEND_QUEUE_BATCHES: usize = 4;

#[derive(Debug)]
struct Sender {
    /// In a mutex only to make the transport `Sync`; one thread uses it.
    batches: std::sync::Mutex<std::sync::mpsc::SyncSender<Batch>>,
    /// Emptied batches come back to be filled again, so a tick allocates nothing.
    spare: std::sync::Mutex<Receiver<Batch>>,
}

/// PATCH(madang): the reader and sender threads are woken by the game thread (a batch handed
/// over at the end of each tick) and by the network (datagrams, all through the tick); on a
/// machine with few cores the kernel ran the woken thread at once on the game thread's core
/// and left the tick waiting, up to a few milliseconds. As `SCHED_BATCH` threads (Linux) they
/// keep their full share of the processor but never take it from a running thread on waking:
/// they run on a free core, or when the game thread next waits. Public for the game's own
/// helper threads; call it on the thread to change.
pub fn yield_to_the_game_thread() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: sets the calling thread's (0) policy; `param` lives across the call.
        if unsafe { libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) } != 0 {
            log::warn!("the transport's thread keeps the normal policy: {}", std::io::Error::last_os_error());
        }
    }
}

fn spawn_sender(socket: UdpSocket) -> Result<Sender, std::io::Error> {
    let (tx, rx) = sync_channel::<Batch>(SEND_QUEUE_BATCHES);
    let (back, spare) = sync_channel::<Batch>(SEND_QUEUE_BATCHES + 2);
    std::thread::Builder::new().name("netcode-sender".into()).spawn(move || {
        yield_to_the_game_thread();
        let mut out = SendScratch::new();
        // Ends when the transport (the other end) is dropped.
        while let Ok(mut batch) = rx.recv() {
            write_batch(&socket, &batch, &mut out);
            batch.bytes.clear();
            batch.packets.clear();
            let _ = back.try_send(batch);
        }
    })?;
    Ok(Sender {
        batches: std::sync::Mutex::new(tx),
        spare: std::sync::Mutex::new(spare),
    })
}

#[derive(Debug)]
pub struct NetcodeServerTransport {
    socket: UdpSocket,
    netcode_server: NetcodeServer,
    reader: Reader,
    sender: Sender,
    handshakes: Handshakes,
    /// PATCH(madang): the shares' buffers of the last tick, kept for the next (see
    /// [`PartBuffers`]).
    part_buffers: Vec<PartBuffers>,
}

/// PATCH(madang): what a [`PacketsPart`] writes into, kept from tick to tick. Made anew each
/// tick, each share's payload buffer grew by doubling to some tens of kilobytes (a copy at
/// each step), and the allocator gave the freed pages back between ticks, so every tick also
/// faulted them in again: 3 % of the server's CPU at 1,000 clients.
#[derive(Debug, Default)]
struct PartBuffers {
    /// The payloads, back to back.
    bytes: Vec<u8>,
    /// Where each payload ends in `bytes`.
    ends: Vec<usize>,
    /// Each client written, with how many payloads of `ends` are its.
    written: Vec<(ClientId, usize)>,
}

impl PartBuffers {
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.written.clear();
    }
}

/// PATCH(madang): the handshake packets (connection requests, challenge responses) waiting for a
/// read with room for them. Each costs the game thread far more than a payload (opening a
/// connect token, sealing and sending the answer at once: 30–60 µs on a busy two-core
/// machine), and a thousand clients joining together send theirs within a few milliseconds:
/// opened in one read, they held the tick for 35–55 ms. At most [`HANDSHAKES_PER_READ`] are
/// opened per read, the oldest first; the clients' other packets are not held back.
#[derive(Debug, Default)]
struct Handshakes {
    waiting: std::collections::VecDeque<(SocketAddr, Vec<u8>)>,
    /// Opened in the current read.
    opened: usize,
}

impl Handshakes {
    /// A received datagram to netcode and renet, unless it is a handshake and this read has
    /// opened its share of them (or older ones wait): then it waits its turn.
    fn process_or_wait(
        &mut self,
        netcode_server: &mut NetcodeServer,
        socket: &UdpSocket,
        dropped: &AtomicU64,
        (addr, packet): (SocketAddr, &mut [u8]),
        server: &mut RenetServer,
    ) {
        if Self::is_handshake(packet) {
            if self.opened >= HANDSHAKES_PER_READ || !self.waiting.is_empty() {
                if self.waiting.len() < HANDSHAKES_WAITING {
                    self.waiting.push_back((addr, packet.to_vec()));
                } else {
                    dropped.fetch_add(1, Ordering::Relaxed);
                }
                return;
            }
            self.opened += 1;
        }
        let server_result = netcode_server.process_packet(addr, packet);
        handle_server_result(server_result, socket, server);
    }

    /// Whether a datagram is a connection request or a challenge response: netcode's first
    /// byte holds the packet's type in its low four bits.
    fn is_handshake(packet: &[u8]) -> bool {
        matches!(packet.first().map(|b| b & 0x0f), Some(0) | Some(3))
    }
}

fn spawn_reader(socket: UdpSocket) -> Result<Reader, std::io::Error> {
    let (tx, rx) = channel::<Received>();
    let (spare_tx, spare_rx) = sync_channel::<Received>(64);
    let stop = Arc::new(AtomicBool::new(false));
    let dropped = Arc::new(AtomicU64::new(0));
    let queued = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(std::sync::Mutex::new(None));
    let reader = Reader {
        packets: std::sync::Mutex::new(rx),
        spare: spare_tx,
        queued: queued.clone(),
        stop: stop.clone(),
        dropped: dropped.clone(),
        failed: failed.clone(),
    };
    let target = drain_target(&socket);
    std::thread::Builder::new().name("netcode-reader".into()).spawn(move || {
        yield_to_the_game_thread();
        let mut buffer = [0u8; NETCODE_MAX_PACKET_BYTES];
        // PATCH(madang): the thread waits for a datagram, reads every other one already there
        // without waiting, hands them to `update` in one piece, then sleeps while more arrive.
        // Waking for each datagram (twenty thousand a second with a thousand clients) cost a
        // context switch and an interrupt on the other core each. `update` also reads the
        // socket itself before each tick, so the sleep adds no latency; it only has to be short
        // enough for the kernel's buffer (`drain_target`).
        let mut wait = true;
        let mut gather = READER_GATHER_MIN;
        let mut drain = Received::default();
        // Hands the drain to `update`, or drops it whole if the queue is full.
        let flush = |drain: &mut Received| -> bool {
            let n = drain.packets.len();
            if n == 0 {
                return true;
            }
            if queued.load(Ordering::Relaxed) + n > RECEIVE_QUEUE_PACKETS {
                dropped.fetch_add(n as u64, Ordering::Relaxed);
                drain.bytes.clear();
                drain.packets.clear();
                return true;
            }
            queued.fetch_add(n, Ordering::Relaxed);
            let next = spare_rx.try_recv().unwrap_or_default();
            tx.send(std::mem::replace(drain, next)).is_ok()
        };
        #[cfg(target_os = "linux")]
        let mut scratch = RecvScratch::new();
        while !stop.load(Ordering::Relaxed) {
            let got = if wait {
                socket.recv_from(&mut buffer).map(|(len, addr)| drain.push(addr, &buffer[..len]))
            } else {
                #[cfg(target_os = "linux")]
                let read = recv_many(&socket, &mut scratch, &mut drain);
                #[cfg(not(target_os = "linux"))]
                let read = recv_now(&socket, &mut buffer).map(|(len, addr)| drain.push(addr, &buffer[..len]));
                read
            };
            match got {
                Ok(()) => {
                    wait = false;
                    if drain.packets.len() >= 4 * target && !flush(&mut drain) {
                        return;
                    }
                }
                Err(ref e) if e.kind() == io::ErrorKind::WouldBlock && !wait => {
                    // Drained: let the next ones gather, longer when few came.
                    let n = drain.packets.len();
                    if !flush(&mut drain) {
                        return;
                    }
                    gather = if n > target {
                        (gather / 2).max(READER_GATHER_MIN)
                    } else if n < target / 4 {
                        (gather * 2).min(READER_GATHER_MAX)
                    } else {
                        gather
                    };
                    std::thread::sleep(gather);
                    wait = true;
                }
                Err(ref e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                            | io::ErrorKind::ConnectionReset
                            | io::ErrorKind::InvalidData
                    ) =>
                {
                    if !flush(&mut drain) {
                        return;
                    }
                }
                Err(e) => {
                    if let Ok(mut f) = failed.lock() {
                        *f = Some(e);
                    }
                    return;
                }
            }
        }
    })?;
    Ok(reader)
}

impl NetcodeServerTransport {
    pub fn new(server_config: ServerConfig, socket: UdpSocket) -> Result<Self, std::io::Error> {
        // PATCH(madang): blocking reads with a time limit on the reader's handle (the flag is
        // shared by both handles, so sends block too, only while the kernel's send buffer is
        // full, rather than dropping the packet).
        socket.set_nonblocking(false)?;
        socket.set_read_timeout(Some(READER_WAKE))?;
        let reader = spawn_reader(socket.try_clone()?)?;
        let sender = spawn_sender(socket.try_clone()?)?;

        let netcode_server = NetcodeServer::new(server_config);

        Ok(Self {
            socket,
            netcode_server,
            reader,
            sender,
            handshakes: Handshakes::default(),
            part_buffers: Vec::new(),
        })
    }

    /// PATCH(madang): datagrams the reader thread has queued that no read has taken yet.
    pub fn queued_packets(&self) -> usize {
        self.reader.queued.load(Ordering::Relaxed)
    }

    /// PATCH(madang): datagrams dropped because the receive queue was full, or the queue of
    /// handshakes waiting for a read (the kernel's own drops are in `/proc/net/udp`).
    pub fn dropped_packets(&self) -> u64 {
        self.reader.dropped.load(Ordering::Relaxed)
    }


    /// Returns the server public address
    pub fn addresses(&self) -> Vec<SocketAddr> {
        self.netcode_server.addresses()
    }

    /// Returns the maximum number of clients that can be connected.
    pub fn max_clients(&self) -> usize {
        self.netcode_server.max_clients()
    }

    /// Update the maximum numbers of clients that can be connected.
    ///
    /// Changing the `max_clients` to a lower value than the current number of connect clients
    /// does not disconnect clients. So [`NetcodeServerTransport::connected_clients()`] can
    /// return a higher value than [`NetcodeServerTransport::max_clients()`].
    pub fn set_max_clients(&mut self, max_clients: usize) {
        self.netcode_server.set_max_clients(max_clients);
    }

    /// Returns current number of clients connected.
    pub fn connected_clients(&self) -> usize {
        self.netcode_server.connected_clients()
    }

    /// Returns the user data for client if connected.
    pub fn user_data(&self, client_id: ClientId) -> Option<[u8; NETCODE_USER_DATA_BYTES]> {
        self.netcode_server.user_data(client_id)
    }

    /// Returns the client address if connected.
    pub fn client_addr(&self, client_id: ClientId) -> Option<SocketAddr> {
        self.netcode_server.client_addr(client_id)
    }

    /// Disconnects all connected clients.
    /// This sends the disconnect packet instantly, use this when closing/exiting games,
    /// should use [RenetServer::disconnect_all][crate::RenetServer::disconnect_all] otherwise.
    pub fn disconnect_all(&mut self, server: &mut RenetServer) {
        for client_id in self.netcode_server.clients_id() {
            let server_result = self.netcode_server.disconnect(client_id);
            handle_server_result(server_result, &self.socket, server);
        }
    }

    /// Returns the duration since the connected client last received a packet.
    /// Useful to detect users that are timing out.
    pub fn time_since_last_received_packet(&self, client_id: ClientId) -> Option<Duration> {
        self.netcode_server.time_since_last_received_packet(client_id)
    }

    /// Advances the transport by the duration, and receive packets from the network.
    pub fn update(&mut self, duration: Duration, server: &mut RenetServer) -> Result<(), NetcodeTransportError> {
        self.netcode_server.update(duration);
        self.take_received(server)?;
        // (Elsewhere a read would wait: the reader thread's queue is all there is.) At most a
        // queue's worth, so that a flood cannot hold the tick.
        #[cfg(unix)]
        {
            let mut buffer = [0u8; NETCODE_MAX_PACKET_BYTES];
            for _ in 0..RECEIVE_QUEUE_PACKETS {
                let Ok((len, addr)) = recv_now(&self.socket, &mut buffer) else {
                    break;
                };
                self.handshakes.process_or_wait(
                    &mut self.netcode_server,
                    &self.socket,
                    &self.reader.dropped,
                    (addr, &mut buffer[..len]),
                    server,
                );
            }
        }

        for client_id in self.netcode_server.clients_id() {
            let server_result = self.netcode_server.update_client(client_id);
            handle_server_result(server_result, &self.socket, server);
        }

        for disconnection_id in server.disconnections_id() {
            let server_result = self.netcode_server.disconnect(disconnection_id);
            handle_server_result(server_result, &self.socket, server);
        }

        Ok(())
    }

    /// PATCH(madang): hands what the reader thread received to netcode and renet, and nothing
    /// else: not the socket itself, not the per-client upkeep of `update` (keep-alives,
    /// timeouts, disconnections). The server calls it between ticks, so that a tick finds
    /// little left to read; see vendor/PATCHES.md.
    pub fn receive(&mut self, duration: Duration, server: &mut RenetServer) -> Result<(), NetcodeTransportError> {
        self.netcode_server.update(duration);
        self.take_received(server)
    }

    /// PATCH(madang): what the reader thread received since the last call, the handshakes
    /// waiting from earlier reads first.
    fn take_received(&mut self, server: &mut RenetServer) -> Result<(), NetcodeTransportError> {
        self.handshakes.opened = 0;
        while self.handshakes.opened < HANDSHAKES_PER_READ {
            let Some((addr, mut packet)) = self.handshakes.waiting.pop_front() else {
                break;
            };
            self.handshakes.opened += 1;
            let server_result = self.netcode_server.process_packet(addr, &mut packet);
            handle_server_result(server_result, &self.socket, server);
        }
        let packets = match self.reader.packets.get_mut() {
            Ok(p) => p,
            Err(poisoned) => poisoned.into_inner(),
        };
        loop {
            match packets.try_recv() {
                Ok(mut drain) => {
                    self.reader.queued.fetch_sub(drain.packets.len(), Ordering::Relaxed);
                    for &(addr, start, end) in &drain.packets {
                        self.handshakes.process_or_wait(
                            &mut self.netcode_server,
                            &self.socket,
                            &self.reader.dropped,
                            (addr, &mut drain.bytes[start..end]),
                            server,
                        );
                    }
                    drain.bytes.clear();
                    drain.packets.clear();
                    let _ = self.reader.spare.try_send(drain);
                }
                Err(TryRecvError::Empty) => return Ok(()),
                Err(TryRecvError::Disconnected) => {
                    let e = self.reader.failed.lock().ok().and_then(|mut f| f.take());
                    return Err(e.unwrap_or_else(|| io::Error::other("the socket reader stopped")).into());
                }
            };
        }
    }

    /// Send packets to connected clients.
    pub fn send_packets(&mut self, server: &mut RenetServer) {
        self.send_packets_in_parts(server, 1, |parts| parts.iter_mut().for_each(PacketsPart::write));
    }

    /// PATCH(madang): [`NetcodeServerTransport::send_packets`] with the clients in `parts` shares
    /// whose packets `write` has written ([`PacketsPart::write`], on as many threads as the caller
    /// likes); they are then sealed and handed to the sender thread, client by client, in the
    /// order of the shares.
    pub fn send_packets_in_parts(&mut self, server: &mut RenetServer, parts: usize, write: impl FnOnce(&mut [PacketsPart<'_>])) {
        let mut clients: Vec<(ClientId, &mut RenetClient)> = server.connected_mut().collect();
        let per_part = clients.len().div_ceil(parts.max(1)).max(1);
        let mut shares = Vec::new();
        while !clients.is_empty() {
            let rest = clients.split_off(per_part.min(clients.len()));
            shares.push(PacketsPart {
                clients: std::mem::replace(&mut clients, rest),
                out: self.part_buffers.pop().unwrap_or_default(),
            });
        }
        write(&mut shares);
        // PATCH(madang): sealed here, written to the socket by the sender thread.
        let mut batch = self.sender.spare.lock().ok().and_then(|s| s.try_recv().ok()).unwrap_or_default();
        for share in &shares {
            let (mut start, mut at) = (0, 0);
            'clients: for &(client_id, payloads) in &share.out.written {
                let ends = &share.out.ends[at..at + payloads];
                at += payloads;
                for &end in ends {
                    let payload = &share.out.bytes[start..end];
                    start = end;
                    match self.netcode_server.reserve_payload_packet(client_id, payload.len()) {
                        Ok(seal) => {
                            let from = batch.bytes.len();
                            batch.bytes.extend_from_slice(payload);
                            batch.packets.push((seal, from, batch.bytes.len()));
                        }
                        Err(e) => {
                            log::error!("Failed to prepare payload packet for client {client_id}: {e}");
                            // This payload and the client's others after it are not sent.
                            start = ends.last().copied().unwrap_or(start);
                            continue 'clients;
                        }
                    }
                }
            }
        }
        // The buffers, emptied, for the next tick's shares.
        for share in shares {
            let mut out = share.out;
            out.clear();
            self.part_buffers.push(out);
        }
        if batch.packets.is_empty() {
            return;
        }
        let sent = match self.sender.batches.lock() {
            Ok(tx) => tx.send(batch),
            Err(_) => return,
        };
        if let Err(std::sync::mpsc::SendError(batch)) = sent {
            // The sender thread is gone (it cannot fail otherwise): write them from here.
            write_batch(&self.socket, &batch, &mut SendScratch::new());
        }
    }
}

/// PATCH(madang): one share of the clients whose packets are written in a tick
/// ([`NetcodeServerTransport::send_packets_in_parts`]); shares can be written on different
/// threads.
pub struct PacketsPart<'a> {
    clients: Vec<(ClientId, &'a mut RenetClient)>,
    out: PartBuffers,
}

impl PacketsPart<'_> {
    /// Writes the share's clients' packets (renet's `write_packets_to_send`, each client's
    /// packets bundled into payloads).
    pub fn write(&mut self) {
        self.write_with(|_, _| {});
    }

    /// [`PacketsPart::write`], with `first` given each connection just before its packets are
    /// written (to send it the tick's last messages on the thread that writes them).
    pub fn write_with(&mut self, mut first: impl FnMut(ClientId, &mut RenetClient)) {
        for (client_id, connection) in &mut self.clients {
            first(*client_id, connection);
            let out = &mut self.out;
            let before = out.ends.len();
            connection.write_packets_to_send(&mut out.bytes, &mut out.ends);
            out.written.push((*client_id, out.ends.len() - before));
        }
    }
}

fn handle_server_result(server_result: ServerResult, socket: &UdpSocket, reliable_server: &mut RenetServer) {
    let send_packet = |packet: &[u8], addr: SocketAddr| {
        if let Err(err) = socket.send_to(packet, addr) {
            log::error!("Failed to send packet to {addr}: {err}");
        }
    };

    match server_result {
        ServerResult::None => {}
        ServerResult::PacketToSend { payload, addr } => {
            send_packet(payload, addr);
        }
        ServerResult::Payload { client_id, payload } => {
            if let Err(e) = reliable_server.process_packet_from(payload, client_id) {
                log::error!("Error while processing payload for {}: {}", client_id, e);
            }
        }
        ServerResult::ClientConnected {
            client_id,
            user_data: _,
            addr,
            payload,
        } => {
            reliable_server.add_connection(client_id);
            send_packet(payload, addr);
        }
        ServerResult::ClientDisconnected { client_id, addr, payload } => {
            reliable_server.remove_connection(client_id);
            if let Some(payload) = payload {
                send_packet(payload, addr);
            }
        }
    }
}
