//! Headless bots: many sessions from one thread, wandering through the hall with the same
//! network code as the window. Used for load, for demos, and by the tests.

use std::path::PathBuf;
use std::thread::sleep;
use std::time::{Duration, Instant};

use madang_shared::rules::{MoveInput, step};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tracing::{info, warn};

use crate::session::{ConnState, JoinOptions, Session};

/// A random walk that respects walls: keep a direction for a while, and pick another when it
/// runs out or a wall stops you.
#[derive(Debug, Clone)]
pub struct Wander {
    dir: MoveInput,
    ticks_left: u32,
}

impl Default for Wander {
    fn default() -> Self {
        Wander {
            dir: MoveInput::IDLE,
            ticks_left: 0,
        }
    }
}

impl Wander {
    /// The input for the next tick of `session`.
    pub fn next(&mut self, session: &Session, rng: &mut impl Rng) -> MoveInput {
        let blocked = match (&session.me, &session.hall_map) {
            (Some(me), Some(map)) if !self.dir.is_idle() => {
                step(
                    &map.collision,
                    me.pos,
                    self.dir,
                    session.speed,
                    session.tick_dt(),
                ) == me.pos
            }
            _ => false,
        };
        if self.ticks_left == 0 || blocked {
            self.dir = if rng.random_ratio(1, 8) {
                MoveInput::IDLE
            } else {
                loop {
                    let d = MoveInput::new(rng.random_range(-1..=1), rng.random_range(-1..=1));
                    if !d.is_idle() {
                        break d;
                    }
                }
            };
            self.ticks_left = rng.random_range(session.tick_hz..=session.tick_hz * 3);
        }
        self.ticks_left -= 1;
        self.dir
    }
}

/// The bots' command-line options, shared by `madang-bots` and `madang-client bots`.
#[derive(clap::Args, Debug, Clone)]
pub struct BotArgs {
    /// How many bots.
    #[arg(long, default_value_t = 10)]
    pub count: usize,
    /// Stop after this many seconds (run until killed if absent).
    #[arg(long)]
    pub seconds: Option<u64>,
    /// Bot names are this followed by a number.
    #[arg(long, default_value = "봇")]
    pub name_prefix: String,
    /// Seed of the random walk.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The first bot speaks this WAV file (any rate, mono or stereo), over and over.
    #[arg(long)]
    pub speak: Option<PathBuf>,
    /// Trust this certificate (PEM) alone: a server with a self-signed certificate on another
    /// machine.
    #[arg(long)]
    pub server_cert: Option<PathBuf>,
}

impl BotArgs {
    /// Runs the bots against `server_url` and prints what they saw; returns whether all joined.
    pub fn run(&self, server_url: String, maps_dir: PathBuf, hall: Option<String>) -> bool {
        let report = run_bots(&BotOptions {
            server_url,
            count: self.count,
            duration: self.seconds.map(Duration::from_secs),
            maps_dir,
            name_prefix: self.name_prefix.clone(),
            hall,
            seed: self.seed,
            speak: self.speak.clone(),
            server_cert: self.server_cert.clone(),
        });
        println!(
            "bots: {} joined, {} failed to join, {} lost, {} snapshots, {} bytes received, \
             {} voice frames heard",
            report.joined,
            report.failed,
            report.lost,
            report.snapshots,
            report.bytes_received,
            report.voice_frames
        );
        report.failed == 0
    }
}

/// What the bots should do.
#[derive(Debug, Clone)]
pub struct BotOptions {
    pub server_url: String,
    pub count: usize,
    /// Stop after this long; run until killed when `None`.
    pub duration: Option<Duration>,
    pub maps_dir: PathBuf,
    pub name_prefix: String,
    pub hall: Option<String>,
    pub seed: u64,
    /// The first bot speaks this WAV file, looping.
    pub speak: Option<PathBuf>,
    /// The server's certificate, to trust it alone (see [`JoinOptions::server_cert`]).
    pub server_cert: Option<PathBuf>,
}

/// What the bots saw, for the log and for tests.
#[derive(Debug, Clone, Default)]
pub struct BotReport {
    pub joined: usize,
    pub failed: usize,
    pub lost: usize,
    pub snapshots: u64,
    pub bytes_received: u64,
    /// Voice frames the bots received.
    pub voice_frames: u64,
}

/// Joins `count` bots and walks them until the duration is over.
pub fn run_bots(opts: &BotOptions) -> BotReport {
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let mut bots: Vec<(Session, Wander)> = Vec::new();
    let mut report = BotReport::default();
    for i in 0..opts.count {
        let join = JoinOptions {
            name: format!("{}{}", opts.name_prefix, i + 1),
            hall: opts.hall.clone(),
            spawn: None,
            visitor_pass: None,
            invite: None,
            server_cert: opts.server_cert.clone(),
        };
        match Session::join(&opts.server_url, &join, &opts.maps_dir) {
            Ok(s) => {
                report.joined += 1;
                bots.push((s, Wander::default()));
            }
            Err(e) => {
                report.failed += 1;
                warn!(bot = i + 1, "could not join: {e}");
            }
        }
    }
    info!(
        joined = report.joined,
        failed = report.failed,
        "bots joined"
    );
    let mut speaker = match opts.speak.as_deref().map(crate::voice::Speaker::from_wav) {
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            warn!("the bot cannot speak: {e}");
            None
        }
        None => None,
    };
    let started = Instant::now();
    let mut last = Instant::now();
    let mut acc = 0.0f32;
    let mut last_log = Instant::now();
    loop {
        if opts.duration.is_some_and(|d| started.elapsed() >= d) {
            break;
        }
        let now = Instant::now();
        let dt = now - last;
        last = now;
        for (s, _) in bots.iter_mut() {
            s.poll(dt);
            report.voice_frames += s.talk.voice.drain(..).count() as u64;
        }
        if let (Some(speaker), Some((s, _))) = (speaker.as_mut(), bots.first_mut())
            && s.is_ready()
        {
            for (seq, data) in speaker.due(dt.as_secs_f32()) {
                s.send_voice(seq, data);
            }
        }
        let tick = bots.first().map(|(s, _)| s.tick_dt()).unwrap_or(0.05);
        acc += dt.as_secs_f32();
        while acc >= tick {
            acc -= tick;
            for (s, w) in bots.iter_mut() {
                if s.is_ready() {
                    let input = w.next(s, &mut rng);
                    s.step(input);
                }
            }
        }
        for (s, _) in bots.iter_mut() {
            s.flush();
        }
        if last_log.elapsed() >= Duration::from_secs(10) {
            last_log = Instant::now();
            let connected = bots
                .iter()
                .filter(|(s, _)| s.state == ConnState::Connected)
                .count();
            info!(connected, of = bots.len(), "bots walking");
        }
        sleep(Duration::from_millis(10));
    }
    for (s, _) in bots.iter_mut() {
        if matches!(s.state, ConnState::Lost(_)) {
            report.lost += 1;
        }
        report.snapshots += s.snapshots_received;
        report.bytes_received += s.bytes_received;
        s.disconnect();
    }
    report
}
