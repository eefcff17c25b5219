//! How the server is doing: a log line every few seconds (`stats_interval_secs`) and the same
//! figures on request at `GET /stats` of the join endpoint.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use serde::Serialize;
use tracing::info;

use crate::halls::Halls;
use crate::net::NetStats;
use crate::presence::{Connections, InHall};
use crate::{SettingsRes, Tick};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<TickTimer>();
    app.add_systems(First, start_tick_timer);
    app.add_systems(Last, report_stats);
}

/// The figures of the last interval.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct StatsReport {
    pub tick: u32,
    pub clients: usize,
    /// People per hall, by hall id.
    pub halls: Vec<(String, usize)>,
    /// Mean and worst time spent in a tick's work, in milliseconds.
    pub tick_ms_mean: f64,
    pub tick_ms_max: f64,
    /// Mean time per tick spent reading the socket between ticks (see `net::run_loop`), in
    /// milliseconds: work of the game thread outside the tick's own.
    pub read_between_ticks_ms_mean: f64,
    /// Payload bytes sent per second (before renet's and netcode's headers).
    pub bytes_sent_per_sec: f64,
    pub messages_sent_per_sec: f64,
    pub bytes_received_per_sec: f64,
    pub bad_messages: u64,
    /// Datagrams the kernel dropped at the game socket since it opened (its receive buffer was
    /// full), from `/proc/net/udp` when the report is read; absent where there is no such file.
    pub udp_kernel_drops: Option<u64>,
    /// Datagrams dropped because the socket reader's queue was full (see vendor/PATCHES.md).
    pub udp_queue_drops: u64,
    /// Every tick's work since the start: (bucket of 0.1 ms, ticks), the buckets that have any;
    /// the difference of two readings gives the percentiles of the time between them.
    pub tick_histogram: Vec<(u32, u64)>,
    /// The same ticks less the time the game thread waited for a core (ready to run, but the
    /// cores busy with other threads or processes; Linux's `/proc/thread-self/schedstat`):
    /// what the tick would have taken on a machine of its own. Empty where that is not known.
    pub tick_unwaited_histogram: Vec<(u32, u64)>,
    /// The most the game thread waited for a core in one tick of the interval, in milliseconds.
    pub tick_wait_ms_max: f64,
    /// Clients sent less because their link loses packets or lags (by level 1, 2).
    pub clients_behind: [usize; 2],
    /// Newcomers connected and waiting their turn to be placed in a hall.
    pub waiting_to_enter: usize,
}

/// The game socket's bound address, for its counters.
#[derive(Resource, Debug, Clone, Copy)]
pub struct GameSocket(pub std::net::SocketAddr);

/// The kernel's count of datagrams dropped at the UDP socket bound to `port` (summed over
/// `/proc/net/udp` and `udp6`), or `None` where the files are missing.
pub fn kernel_udp_drops(port: u16) -> Option<u64> {
    let mut found = None;
    for file in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let Some((_, p)) = cols.get(1).and_then(|l| l.rsplit_once(':')) else {
                continue;
            };
            if u16::from_str_radix(p, 16).ok() == Some(port)
                && let Some(drops) = cols.last().and_then(|d| d.parse::<u64>().ok())
            {
                *found.get_or_insert(0) += drops;
            }
        }
    }
    found
}

/// The latest report, shared with the join endpoint's thread.
#[derive(Resource, Debug, Clone, Default)]
pub struct SharedStats(Arc<RwLock<StatsReport>>);

impl SharedStats {
    pub fn get(&self) -> StatsReport {
        self.0.read().map(|r| r.clone()).unwrap_or_default()
    }

    fn set(&self, report: StatsReport) {
        if let Ok(mut r) = self.0.write() {
            *r = report;
        }
    }
}

#[derive(Resource, Debug)]
struct TickTimer {
    started: Instant,
    interval_start: Instant,
    ticks: u32,
    busy: Duration,
    worst: Duration,
    last_sent: (u64, u64, u64),
    last_log: Instant,
    /// Every tick's work since the start, in buckets of 0.1 ms (the last: 100 ms or more).
    histogram: Box<[u64; TICK_BUCKETS]>,
    /// The game thread's scheduler figures, opened at its first tick and kept open (`None`
    /// where there are none).
    schedstat: std::sync::OnceLock<Option<Schedstat>>,
    /// The game thread's time spent waiting for a core, at the tick's start (ns).
    waited_at_start: Option<u64>,
    /// Every tick's work less its waits for a core, as `histogram`.
    unwaited: Box<[u64; TICK_BUCKETS]>,
    worst_wait: Duration,
}

/// `/proc/thread-self/schedstat` of the thread that opened it: time on a core, time waiting
/// for one (both in ns), and time slices. Read again from the start each time.
#[derive(Debug)]
struct Schedstat(std::fs::File);

impl Schedstat {
    fn open() -> Option<Self> {
        std::fs::File::open("/proc/thread-self/schedstat")
            .ok()
            .map(Schedstat)
    }

    /// Nanoseconds this thread has waited for a core since it started.
    fn waited_ns(&self) -> Option<u64> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            let mut buf = [0u8; 96];
            let n = self.0.read_at(&mut buf, 0).ok()?;
            let text = std::str::from_utf8(&buf[..n]).ok()?;
            text.split_whitespace().nth(1)?.parse().ok()
        }
        #[cfg(not(unix))]
        {
            None
        }
    }
}

/// Buckets of the tick histogram, 0.1 ms each.
pub const TICK_BUCKETS: usize = 1000;

impl Default for TickTimer {
    fn default() -> Self {
        TickTimer {
            started: Instant::now(),
            interval_start: Instant::now(),
            ticks: 0,
            busy: Duration::ZERO,
            worst: Duration::ZERO,
            last_sent: (0, 0, 0),
            last_log: Instant::now(),
            histogram: Box::new([0; TICK_BUCKETS]),
            schedstat: std::sync::OnceLock::new(),
            waited_at_start: None,
            unwaited: Box::new([0; TICK_BUCKETS]),
            worst_wait: Duration::ZERO,
        }
    }
}

/// A histogram as reported: (bucket, ticks) for the buckets that have any.
fn buckets_with_ticks(histogram: &[u64; TICK_BUCKETS]) -> Vec<(u32, u64)> {
    histogram
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(b, n)| (b as u32, *n))
        .collect()
}

/// The bucket of a tick that took `spent`.
fn bucket(spent: Duration) -> usize {
    ((spent.as_secs_f64() * 10_000.0) as usize).min(TICK_BUCKETS - 1)
}

fn start_tick_timer(mut timer: ResMut<TickTimer>) {
    // Opened here, on the thread that runs the ticks (the file is that thread's own).
    timer.waited_at_start = timer
        .schedstat
        .get_or_init(Schedstat::open)
        .as_ref()
        .and_then(Schedstat::waited_ns);
    timer.started = Instant::now();
}

#[allow(clippy::too_many_arguments)]
fn report_stats(
    mut timer: ResMut<TickTimer>,
    net: Res<NetStats>,
    connections: Res<Connections>,
    avatars: Query<(&InHall, &crate::snapshot::Pace)>,
    waiting: Res<crate::presence::PendingEvents>,
    halls: Res<Halls>,
    tick: Res<Tick>,
    settings: Res<SettingsRes>,
    shared: Res<SharedStats>,
    socket: Option<Res<GameSocket>>,
    transport: Option<Res<bevy_renet::netcode::NetcodeServerTransport>>,
    clock: Option<ResMut<crate::net::NetClock>>,
) {
    let spent = timer.started.elapsed();
    timer.busy += spent;
    timer.worst = timer.worst.max(spent);
    timer.ticks += 1;
    timer.histogram[bucket(spent)] += 1;
    let waited = timer
        .waited_at_start
        .zip(timer.schedstat.get().and_then(|s| s.as_ref()?.waited_ns()))
        .map(|(a, b)| Duration::from_nanos(b.saturating_sub(a)));
    if let Some(waited) = waited {
        timer.worst_wait = timer.worst_wait.max(waited);
        timer.unwaited[bucket(spent.saturating_sub(waited))] += 1;
    }
    let elapsed = timer.interval_start.elapsed();
    // The shared report is refreshed every second; the log line at the configured interval.
    if elapsed < Duration::from_secs(1) {
        return;
    }
    let secs = elapsed.as_secs_f64();
    let mut people = vec![0usize; halls.maps.len()];
    let mut behind = [0usize; 2];
    for (hall, pace) in &avatars {
        if let Some(n) = people.get_mut(hall.0 as usize) {
            *n += 1;
        }
        if pace.level > 0 {
            behind[(pace.level as usize - 1).min(1)] += 1;
        }
    }
    let (sent, msgs, received) = (net.bytes_sent, net.messages_sent, net.bytes_received);
    let report = StatsReport {
        tick: tick.count,
        clients: connections.count(),
        halls: halls
            .maps
            .iter()
            .map(|m| m.id.clone())
            .zip(people)
            .collect(),
        tick_ms_mean: timer.busy.as_secs_f64() * 1000.0 / timer.ticks.max(1) as f64,
        tick_ms_max: timer.worst.as_secs_f64() * 1000.0,
        read_between_ticks_ms_mean: clock
            .map(|mut c| std::mem::take(&mut c.between_ticks))
            .unwrap_or_default()
            .as_secs_f64()
            * 1000.0
            / timer.ticks.max(1) as f64,
        bytes_sent_per_sec: (sent - timer.last_sent.0) as f64 / secs,
        messages_sent_per_sec: (msgs - timer.last_sent.1) as f64 / secs,
        bytes_received_per_sec: (received - timer.last_sent.2) as f64 / secs,
        bad_messages: net.bad_messages,
        // Read from /proc only for the log line (and by `GET /stats` on the join thread), not
        // every second on the game thread.
        udp_kernel_drops: None,
        udp_queue_drops: transport.map(|t| t.dropped_packets()).unwrap_or(0),
        tick_histogram: buckets_with_ticks(&timer.histogram),
        tick_unwaited_histogram: buckets_with_ticks(&timer.unwaited),
        tick_wait_ms_max: timer.worst_wait.as_secs_f64() * 1000.0,
        clients_behind: behind,
        waiting_to_enter: waiting.arrivals(),
    };
    let interval = settings.0.stats_interval_secs;
    let mut report = report;
    if interval > 0 && timer.last_log.elapsed() >= Duration::from_secs(interval) {
        timer.last_log = Instant::now();
        report.udp_kernel_drops = socket.and_then(|s| kernel_udp_drops(s.0.port()));
        info!(
            clients = report.clients,
            tick_ms_mean = format!("{:.3}", report.tick_ms_mean),
            tick_ms_max = format!("{:.3}", report.tick_ms_max),
            bytes_sent_per_sec = report.bytes_sent_per_sec as u64,
            bad_messages = report.bad_messages,
            udp_kernel_drops = report.udp_kernel_drops.unwrap_or(0),
            udp_queue_drops = report.udp_queue_drops,
            "stats: {}",
            report
                .halls
                .iter()
                .map(|(h, n)| format!("{h}={n}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    shared.set(report);
    timer.interval_start = Instant::now();
    timer.ticks = 0;
    timer.busy = Duration::ZERO;
    timer.worst = Duration::ZERO;
    timer.worst_wait = Duration::ZERO;
    timer.last_sent = (sent, msgs, received);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_kept_from_the_cores_is_seen_waiting() {
        let Some(own) = Schedstat::open() else {
            return; // not Linux
        };
        let before = own.waited_ns().expect("the figures read");
        // Three busy threads per core for 300 ms, this one among them: it waits for a core
        // most of that time.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let spin = |stop: &std::sync::atomic::AtomicBool| {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::hint::spin_loop();
            }
        };
        let others: Vec<_> = (0..cores * 3)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || spin(&stop))
            })
            .collect();
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(300) {
            std::hint::spin_loop();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in others {
            t.join().expect("a busy thread ends");
        }
        let waited = own.waited_ns().expect("the figures read") - before;
        assert!(
            waited > 20_000_000,
            "waited {waited} ns in 300 ms among {} busy threads",
            cores * 3
        );
    }

    #[test]
    fn the_kernel_counts_what_a_full_socket_drops() {
        if !std::path::Path::new("/proc/net/udp").exists() {
            return;
        }
        let quiet = std::net::UdpSocket::bind("127.0.0.1:0").expect("binds");
        let port = quiet.local_addr().expect("address").port();
        assert_eq!(kernel_udp_drops(port), Some(0));
        // Nobody reads `quiet`: 4 MB overflow its receive buffer.
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").expect("binds");
        for _ in 0..4000 {
            let _ = sender.send_to(&[0u8; 1000], ("127.0.0.1", port));
        }
        assert!(
            kernel_udp_drops(port).is_some_and(|d| d > 0),
            "drops are counted"
        );
        assert_eq!(kernel_udp_drops(1), None, "no socket on port 1");
    }
}
