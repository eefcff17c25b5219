//! Madang's hall server: headless, authoritative over every position and every fact.
//!
//! A bevy [`App`] on `MinimalPlugins`, driven at a fixed tick by the schedule runner: no window,
//! no renderer, no audio. Each tick runs `Receive → Simulate → Send` ([`ServerSet`]), one plugin
//! per feature.
//!
//! # Layout
//!
//! - [`settings`]: defaults, the settings file, validation.
//! - `halls`: the hall maps, loaded and checked once at start.
//! - `join`: the HTTP join endpoint (tokio + axum) that hands out netcode connect tokens.
//! - `net`: the UDP transport (renet + netcode), decoding and sending messages.
//! - `presence`: connections becoming avatars, disconnections removing them.
//! - `movement`: input queues and the shared movement rule.
//! - `portal`: doors between halls.
//! - [`interest`] and `snapshot`: who sees whom, and what each client is sent.
//! - `booth`: hearts and comments on booths, saved in the [`store`] before they are
//!   acknowledged; `ballot`: the empathy vote; `screen`: video kiosks' shared playback and
//!   schedules.
//! - [`store`]: the SQLite file and its writer thread; [`identity`]: the server's secret and
//!   visitor passes.
//! - `talk`: conversation bubbles, discussion tables and the stage; chat in its scopes (room
//!   chat kept in the store), reactions aggregated per tick, voice frames forwarded.
//! - `moderation`: roles checked on privileged messages, kick, ban (kept in the store and
//!   checked at the door), move to the stage, reports, people online, announcements.
//! - `mutes`: mutes kept per visitor with their end, applied to every connection and again on
//!   return.
//! - `reload`: halls whose TMX files change on disk are reloaded live (checked first).
//! - `schedule`: the expo's daily timetable (now and next), in its time zone.
//! - `ceremony`: the awards ceremony, run step by step by an organizer.
//! - `visits`: visits to booths and people per hall over time, for [`report`], the results
//!   report (CSV files and PNG charts).
//! - `stats`: the periodic stats line and `/stats`.
//! - [`fuzzing`]: the transport and receive path without sockets, and renet's wire format, for
//!   the fuzzers and the hostile-client test.
//!
//! The seam between halls: every avatar carries the hall it is in, every hall has its own
//! interest grid, and a portal is a hand-over ([`portal`](crate)) that only touches the two
//! halls' state. A hall can therefore move to a process of its own by replacing the in-process
//! hand-over with a fresh connect token for the other process.

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use bevy::app::{AppExit, ScheduleRunnerPlugin, TaskPoolThreadAssignmentPolicy};
use bevy::prelude::*;
use madang_shared::map::MapErrors;
use tracing::info;

mod ballot;
mod booth;
mod ceremony;
pub mod fuzzing;
mod halls;
pub mod identity;
pub mod interest;
mod join;
mod moderation;
mod movement;
mod mutes;
mod net;
pub use net::RECEIVE_BUFFER_BYTES;
mod portal;
mod presence;
pub use presence::ARRIVALS_PER_TICK;
mod reload;
pub mod report;
mod rituals;
mod schedule;
mod screen;
pub mod settings;
mod slides;
mod snapshot;
mod stamps;
pub mod stats;
pub mod store;
mod talk;
pub mod tls;
mod visits;

pub use halls::Halls;
pub use settings::{Settings, SettingsError};
pub use stats::StatsReport;

/// The order of each tick's work.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerSet {
    /// Connections, disconnections, and messages from clients.
    Receive,
    /// Movement and what follows from it.
    Simulate,
    /// Interest updates and snapshots.
    Send,
}

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("{0}")]
    Maps(MapErrors),
    #[error("cannot list the maps folder {path}: {err}")]
    MapsDir {
        path: std::path::PathBuf,
        err: std::io::Error,
    },
    #[error("the entrance hall `{0}` is not among the maps")]
    NoEntrance(String),
    #[error("cannot read the key file {path}: {why}")]
    Key {
        path: std::path::PathBuf,
        why: String,
    },
    #[error("cannot use the TLS file {path}: {why}")]
    Tls {
        path: std::path::PathBuf,
        why: String,
    },
    #[error("cannot open the {what} socket on {addr}: {err}")]
    Bind {
        what: &'static str,
        addr: SocketAddr,
        err: std::io::Error,
    },
    #[error("the server thread stopped before it started")]
    Thread,
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// The store, for systems.
#[derive(Resource, Clone)]
pub struct StoreRes(pub store::Store);

/// Now, in Unix seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The simulation tick counter and rate.
#[derive(Resource, Debug, Clone, Copy)]
pub struct Tick {
    pub count: u32,
    pub hz: u32,
}

impl Tick {
    /// The length of one tick in seconds: the `dt` of the movement rule.
    pub fn dt(&self) -> f32 {
        1.0 / self.hz as f32
    }
}

/// Set from outside to stop the server at the next tick.
#[derive(Resource, Clone, Default)]
pub struct StopFlag(pub Arc<AtomicBool>);

/// Where a started server listens.
#[derive(Debug, Clone)]
pub struct Addresses {
    pub udp: SocketAddr,
    pub http: SocketAddr,
    /// The join endpoint's certificate (PEM), when it speaks HTTPS.
    pub cert: Option<std::path::PathBuf>,
}

/// Builds the server app: loads and checks the maps, binds both sockets, starts the join
/// endpoint. Nothing is half-started: any problem is returned before a socket is served.
pub fn build_app(settings: Settings, stop: StopFlag) -> Result<(App, Addresses), StartError> {
    settings.validate()?;
    let halls = Halls::load(&settings)?;
    let secret = identity::Secret::load_or_create(&settings.key_path())?;
    let (store, loaded) = store::Store::open(&settings.store_path())?;
    // The tours' stamps name booths, kiosks and timetable items: checked against the maps.
    let tours = stamps::Tours::new(&settings, &halls, &loaded)?;
    let key = secret.netcode_key();

    let udp = UdpSocket::bind(settings.udp_bind).map_err(|err| StartError::Bind {
        what: "game (UDP)",
        addr: settings.udp_bind,
        err,
    })?;
    let udp_addr = udp.local_addr().map_err(|err| StartError::Bind {
        what: "game (UDP)",
        addr: settings.udp_bind,
        err,
    })?;
    let http = TcpListener::bind(settings.http_bind).map_err(|err| StartError::Bind {
        what: "join (HTTP)",
        addr: settings.http_bind,
        err,
    })?;
    let http_addr = http.local_addr().map_err(|err| StartError::Bind {
        what: "join (HTTP)",
        addr: settings.http_bind,
        err,
    })?;
    let public_addr = settings.public_addr_for(udp_addr);
    let tls = if settings.tls.off {
        None
    } else {
        Some(match (&settings.tls.cert, &settings.tls.key) {
            (Some(cert), Some(key)) => tls::Certificates::open(tls::CertFiles {
                cert: cert.clone(),
                key: key.clone(),
            })?,
            _ => {
                let mut names = settings.tls.names.clone();
                names.push(public_addr.ip().to_string());
                tls::Certificates::self_signed(&settings.tls_dir(), &names)?
            }
        })
    };
    let cert = tls.as_ref().map(|t| t.files().cert.clone());

    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let transport = net::make_transport(&settings, udp, public_addr, key, now).map_err(|err| {
        StartError::Bind {
            what: "game (UDP)",
            addr: udp_addr,
            err,
        }
    })?;

    let shared_stats = stats::SharedStats::default();
    let bans = moderation::Bans::from_loaded(&loaded);
    let directory = halls::SharedDirectory::new(halls.directory());
    let open_by_address = join::OpenByAddress::default();
    let award_claims = ceremony::AwardClaims::from_loaded(&loaded);
    join::start(
        http,
        join::JoinContext {
            secret,
            public_addr,
            token_expire_secs: settings.token_expire_secs,
            client_timeout_secs: settings.client_timeout_secs,
            insecure: settings.dev_insecure,
            directory: directory.clone(),
            stats: shared_stats.clone(),
            invites: settings
                .invites
                .iter()
                .map(|i| (i.hash.to_ascii_lowercase(), i.role))
                .collect(),
            bans: bans.clone(),
            door: join::Door::new(&settings.door, open_by_address.clone()),
            awards: settings.claimables(),
            claims: award_claims.clone(),
            reserved: settings
                .reserved_names
                .iter()
                .map(|n| (join::name_key(n), None))
                .chain(
                    settings
                        .claimables()
                        .iter()
                        .enumerate()
                        .map(|(i, a)| (join::name_key(&a.winner), Some(i))),
                )
                .collect(),
            store: Some(store.clone()),
            passes: settings.passes,
            udp_port: udp_addr.port(),
        },
        tls,
        stop.0.clone(),
    )
    .map_err(|err| StartError::Bind {
        what: "join (HTTP)",
        addr: http_addr,
        err,
    })?;

    let tick = Duration::from_secs_f64(1.0 / settings.tick_hz as f64);
    let mut app = App::new();
    // bevy's loop is replaced by the same loop that also reads the socket between ticks.
    // The compute threads (snapshots and packets written in parts) and the async compute
    // thread (conversations formed off the tick) help the game thread; they never take its core
    // from it (`renet_netcode::yield_to_the_game_thread`, vendor/PATCHES.md).
    let helper: Option<std::sync::Arc<dyn Fn() + Send + Sync>> =
        Some(std::sync::Arc::new(renet_netcode::yield_to_the_game_thread));
    let defaults = TaskPoolOptions::default();
    let pools = TaskPoolOptions {
        compute: TaskPoolThreadAssignmentPolicy {
            on_thread_spawn: helper.clone(),
            ..defaults.compute
        },
        async_compute: TaskPoolThreadAssignmentPolicy {
            on_thread_spawn: helper,
            ..defaults.async_compute
        },
        ..defaults
    };
    app.add_plugins(
        MinimalPlugins
            .build()
            .disable::<ScheduleRunnerPlugin>()
            .set(TaskPoolPlugin {
                task_pool_options: pools,
            }),
    );
    app.set_runner(net::run_loop(tick));
    // One thread runs the tick's systems in order. Most of them are short and depend on each
    // other's results; on the two cores the server is sized for, a worker pool buys no
    // parallelism and its threads park and wake between systems (seen in the profile with
    // 1,000 bots).
    use bevy::ecs::schedule::{ScheduleLabel, SingleThreadedExecutor};
    for label in [
        First.intern(),
        PreUpdate.intern(),
        Update.intern(),
        PostUpdate.intern(),
        Last.intern(),
    ] {
        app.edit_schedule(label, |s| {
            s.set_executor(SingleThreadedExecutor::new());
        });
    }
    app.configure_sets(
        Update,
        (ServerSet::Receive, ServerSet::Simulate, ServerSet::Send).chain(),
    );
    app.insert_resource(Tick {
        count: 0,
        hz: settings.tick_hz,
    });
    app.insert_resource(stop);
    let app_halls = halls.clone();
    app.insert_resource(halls);
    app.insert_resource(shared_stats);
    app.insert_resource(transport);
    app.insert_resource(booth::BoothBook::new(
        &app_halls,
        &loaded,
        settings.interest_cell_tiles,
    ));
    app.insert_resource(ballot::BallotBook::new(&app_halls, &loaded));
    app.insert_resource(talk::HallTalks::new(&app_halls, &loaded));
    app.insert_resource(bans);
    app.insert_resource(award_claims);
    app.insert_resource(rituals::Rituals::new(&settings, &loaded));
    app.insert_resource(moderation::Announcements::from_loaded(&loaded, &app_halls));
    app.insert_resource(mutes::Mutes::from_loaded(&loaded, unix_now()));
    app.insert_resource(visits::Dwell::from_loaded(&loaded));
    app.insert_resource(presence::OpenConnections {
        by_address: open_by_address,
        most: settings.door.connections_per_address,
    });
    app.insert_resource(directory);
    app.insert_resource(moderation::ReportsRes::from_loaded(&loaded));
    app.insert_resource(StoreRes(store));
    app.insert_resource(SettingsRes(settings));
    app.add_systems(First, (advance_tick, stop_when_asked));
    app.add_plugins((
        net::plugin,
        presence::plugin,
        movement::plugin,
        portal::plugin,
        snapshot::plugin,
        booth::plugin,
        ballot::plugin,
        screen::plugin,
        talk::plugin,
        moderation::plugin,
        visits::plugin,
        ceremony::plugin,
        schedule::plugin,
        reload::plugin,
        stats::plugin,
    ));
    app.add_plugins((mutes::plugin, slides::plugin, stamps::plugin));
    app.insert_resource(tours);
    app.insert_resource(stats::GameSocket(udp_addr));
    let scheme = if cert.is_some() { "https" } else { "http" };
    info!(udp = %udp_addr, public = %public_addr, join = %format!("{scheme}://{http_addr}"), "madang server listening");
    Ok((
        app,
        Addresses {
            udp: udp_addr,
            http: http_addr,
            cert,
        },
    ))
}

/// The settings, for systems.
#[derive(Resource, Debug, Clone)]
pub struct SettingsRes(pub Settings);

fn advance_tick(mut tick: ResMut<Tick>) {
    tick.count = tick.count.wrapping_add(1);
}

fn stop_when_asked(stop: Res<StopFlag>, mut exit: MessageWriter<AppExit>) {
    if stop.0.load(Ordering::Relaxed) {
        exit.write(AppExit::Success);
    }
}

/// Runs the server on this thread until it is stopped (Ctrl-C, SIGTERM, SIGHUP, or the stop
/// flag); then lets the store commit and answer everything queued before returning, so that a
/// service manager's stop loses nothing.
pub fn run(settings: Settings) -> Result<(), StartError> {
    let stop = StopFlag::default();
    let flag = stop.0.clone();
    if let Err(e) = ctrlc::set_handler(move || {
        info!("asked to stop: finishing the tick and the store's queue");
        flag.store(true, Ordering::Relaxed);
    }) {
        tracing::warn!("cannot catch Ctrl-C and SIGTERM: {e}");
    }
    let (mut app, _) = build_app(settings, stop)?;
    let writer = app
        .world()
        .get_resource::<StoreRes>()
        .and_then(|s| s.0.writer_thread());
    app.run();
    // Dropping the app drops every handle on the store; the writer then commits what is
    // queued, answers it, and ends.
    drop(app);
    if let Some(w) = writer {
        let _ = w.join();
    }
    info!("stopped");
    Ok(())
}

/// A server running on a thread of its own, for tests and tools.
pub struct ServerHandle {
    pub addrs: Addresses,
    stop: StopFlag,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The join endpoint's base URL.
    pub fn url(&self) -> String {
        let scheme = if self.addrs.cert.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addrs.http)
    }

    /// Stops the server and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.0.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts a server on a new thread and returns once it listens (or failed to start).
pub fn spawn(settings: Settings) -> Result<ServerHandle, StartError> {
    let stop = StopFlag::default();
    let (tx, rx) = std::sync::mpsc::channel();
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("madang-server".into())
        .spawn(move || match build_app(settings, flag) {
            Ok((mut app, addrs)) => {
                let _ = tx.send(Ok(addrs));
                app.run();
            }
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        })
        .map_err(|_| StartError::Thread)?;
    let addrs = rx.recv().map_err(|_| StartError::Thread)??;
    Ok(ServerHandle {
        addrs,
        stop,
        thread: Some(thread),
    })
}
