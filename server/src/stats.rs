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
    /// Payload bytes sent per second (before renet's and netcode's headers).
    pub bytes_sent_per_sec: f64,
    pub messages_sent_per_sec: f64,
    pub bytes_received_per_sec: f64,
    pub bad_messages: u64,
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
}

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
        }
    }
}

fn start_tick_timer(mut timer: ResMut<TickTimer>) {
    timer.started = Instant::now();
}

#[allow(clippy::too_many_arguments)]
fn report_stats(
    mut timer: ResMut<TickTimer>,
    net: Res<NetStats>,
    connections: Res<Connections>,
    avatars: Query<&InHall>,
    halls: Res<Halls>,
    tick: Res<Tick>,
    settings: Res<SettingsRes>,
    shared: Res<SharedStats>,
) {
    let spent = timer.started.elapsed();
    timer.busy += spent;
    timer.worst = timer.worst.max(spent);
    timer.ticks += 1;
    let elapsed = timer.interval_start.elapsed();
    // The shared report is refreshed every second; the log line at the configured interval.
    if elapsed < Duration::from_secs(1) {
        return;
    }
    let secs = elapsed.as_secs_f64();
    let mut people = vec![0usize; halls.maps.len()];
    for hall in &avatars {
        if let Some(n) = people.get_mut(hall.0 as usize) {
            *n += 1;
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
        bytes_sent_per_sec: (sent - timer.last_sent.0) as f64 / secs,
        messages_sent_per_sec: (msgs - timer.last_sent.1) as f64 / secs,
        bytes_received_per_sec: (received - timer.last_sent.2) as f64 / secs,
        bad_messages: net.bad_messages,
    };
    let interval = settings.0.stats_interval_secs;
    if interval > 0 && timer.last_log.elapsed() >= Duration::from_secs(interval) {
        timer.last_log = Instant::now();
        info!(
            clients = report.clients,
            tick_ms_mean = format!("{:.3}", report.tick_ms_mean),
            tick_ms_max = format!("{:.3}", report.tick_ms_max),
            bytes_sent_per_sec = report.bytes_sent_per_sec as u64,
            bad_messages = report.bad_messages,
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
    timer.last_sent = (sent, msgs, received);
}
