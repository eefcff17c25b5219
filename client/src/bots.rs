//! Headless bots: many sessions from one thread, wandering through the hall with the same
//! network code as the window. Used for load, for demos, and by the tests.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use madang_shared::Vec2;
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
    /// Never stand still (a crowd that always moves, as some benchmarks of other servers use).
    always: bool,
}

impl Default for Wander {
    fn default() -> Self {
        Wander {
            dir: MoveInput::IDLE,
            ticks_left: 0,
            always: false,
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
            self.dir = if !self.always && rng.random_ratio(1, 8) {
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
    /// Also measure move-to-seen latency with a mover and an observer of their own, once all
    /// bots have joined, and print it.
    #[arg(long)]
    pub probe: bool,
    /// Where the probe's mover and observer arrive (a spawn of the hall's map; by default its
    /// first, where the bots arrive too).
    #[arg(long)]
    pub probe_spawn: Option<String>,
    /// Bots never stand still (by default one in eight of their turns is a pause).
    #[arg(long)]
    pub always_move: bool,
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
            probe: self.probe,
            probe_spawn: self.probe_spawn.clone(),
            always_move: self.always_move,
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
        if let Some(l) = &report.latency {
            match (&l.failed, l.quantile(0.5), l.quantile(0.99)) {
                (_, Some(p50), Some(p99)) => println!(
                    "move-to-seen: {} samples, p50 {p50:.1} ms, p99 {p99:.1} ms, max {:.1} ms, {} unseen, newcomer welcomed in {:.0} ms{}",
                    l.samples_ms.len(),
                    l.quantile(1.0).unwrap_or(0.0),
                    l.unseen,
                    l.join_ms.unwrap_or(f64::NAN),
                    l.failed
                        .as_ref()
                        .map(|why| format!(" (then stopped: {why})"))
                        .unwrap_or_default()
                ),
                (Some(why), ..) => println!("move-to-seen: the probe failed: {why}"),
                _ => println!("move-to-seen: no samples ({} unseen)", l.unseen),
            }
        }
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
    /// Measure move-to-seen latency ([`probe_latency`]) while the bots walk.
    pub probe: bool,
    /// The spawn the probes arrive at (`None`: the hall's first).
    pub probe_spawn: Option<String>,
    /// Bots never stand still.
    pub always_move: bool,
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
    /// Move-to-seen latency, when asked for.
    pub latency: Option<LatencyReport>,
}

/// Joins `count` bots and walks them until the duration is over.
/// How many threads ask to join at once.
const JOIN_THREADS: usize = 8;

pub fn run_bots(opts: &BotOptions) -> BotReport {
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let mut bots: Vec<(Session, Wander)> = Vec::new();
    let mut report = BotReport::default();
    // Joins go out from a few threads at once: a crowd arriving for the 14:00 broadcast asks in
    // parallel, and one at a time the bots took some 50 ms each (the request and its answer),
    // so a thousand took 50 s and never tested the server's rush.
    let workers = opts.count.clamp(1, JOIN_THREADS);
    let mut joined: Vec<(usize, Result<Session, String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                scope.spawn(move || {
                    (w..opts.count)
                        .step_by(workers)
                        .map(|i| {
                            let join = JoinOptions {
                                name: format!("{}{}", opts.name_prefix, i + 1),
                                hall: opts.hall.clone(),
                                spawn: None,
                                visitor_pass: None,
                                invite: None,
                                server_cert: opts.server_cert.clone(),
                                look: Some(madang_shared::protocol::Look::from_number(
                                    opts.seed.wrapping_mul(7919) + i as u64,
                                )),
                            };
                            let s = Session::join(&opts.server_url, &join, &opts.maps_dir)
                                .map_err(|e| e.to_string());
                            (i, s)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a join thread does not panic"))
            .collect()
    });
    joined.sort_by_key(|(i, _)| *i);
    for (i, s) in joined {
        match s {
            Ok(s) => {
                report.joined += 1;
                bots.push((
                    s,
                    Wander {
                        always: opts.always_move,
                        ..Wander::default()
                    },
                ));
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
    // The bots walk on a few threads, each polling, stepping and flushing its share in passes
    // of its own: one thread's pass over a thousand sessions took long enough that their
    // inputs reached the server in uneven groups, tick by tick.
    let threads = bots
        .len()
        .div_ceil(BOTS_PER_WALK_THREAD)
        .clamp(1, WALK_THREADS);
    let per_thread = bots.len().div_ceil(threads).max(1);
    let counts: Vec<WalkCounts> = (0..threads).map(|_| WalkCounts::default()).collect();
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let total = bots.len();
    std::thread::scope(|scope| {
        let mut walkers = Vec::new();
        let mut rest = bots;
        for (k, counts) in counts.iter().enumerate() {
            let share: Vec<(Session, Wander)> = rest.drain(..per_thread.min(rest.len())).collect();
            let rng = StdRng::seed_from_u64(rng.random::<u64>() ^ k as u64);
            let speaker = if k == 0 { speaker.take() } else { None };
            let stop = &stop;
            walkers.push(scope.spawn(move || walk(share, rng, speaker, counts, stop)));
        }
        // The probe joins once every bot is in its hall: a newcomer among a crowd that walks,
        // not one more in the rush.
        let mut probe = None;
        let mut probe_waits = opts.probe;
        let mut last_log = Instant::now();
        while opts.duration.is_none_or(|d| started.elapsed() < d) {
            sleep(Duration::from_millis(20));
            let ready: usize = counts.iter().map(|c| c.ready.load(Ordering::Relaxed)).sum();
            if probe_waits && ready == total {
                probe_waits = false;
                let opts = opts.clone();
                let left = opts
                    .duration
                    .unwrap_or(Duration::from_secs(3600))
                    .saturating_sub(started.elapsed());
                probe = Some(std::thread::spawn(move || probe_latency(&opts, left)));
            }
            if last_log.elapsed() >= Duration::from_secs(10) {
                last_log = Instant::now();
                let connected: usize = counts
                    .iter()
                    .map(|c| c.connected.load(Ordering::Relaxed))
                    .sum();
                info!(connected, of = total, "bots walking");
            }
        }
        stop.store(true, Ordering::Relaxed);
        for w in walkers {
            let walked = w.join().expect("a walking thread does not panic");
            report.lost += walked.lost;
            report.snapshots += walked.snapshots;
            report.bytes_received += walked.bytes_received;
            report.voice_frames += walked.voice_frames;
        }
        report.latency = probe.and_then(|p| p.join().ok());
    });
    report
}

/// Bots one walking thread takes before another is started, and the most threads.
const BOTS_PER_WALK_THREAD: usize = 250;
const WALK_THREADS: usize = 4;

/// A walking thread's counts, read by the thread that started it.
#[derive(Default)]
struct WalkCounts {
    ready: AtomicUsize,
    connected: AtomicUsize,
}

/// What one walking thread's bots saw, at the end.
#[derive(Default)]
struct Walked {
    lost: usize,
    snapshots: u64,
    bytes_received: u64,
    voice_frames: u64,
}

/// Walks `bots` until `stop`: polls them all, steps each once a tick (at its own point of it)
/// and sends what it queued; the first speaks from `speaker`, if any.
fn walk(
    mut bots: Vec<(Session, Wander)>,
    mut rng: StdRng,
    mut speaker: Option<crate::voice::Speaker>,
    counts: &WalkCounts,
    stop: &AtomicBool,
) -> Walked {
    let mut walked = Walked::default();
    let mut last = Instant::now();
    // Each bot keeps its own time to its next tick, starting at its own point of a tick, so
    // that their inputs are spread over the tick as independent people's are.
    let tick = bots.first().map(|(s, _)| s.tick_dt()).unwrap_or(0.05);
    let n = bots.len().max(1) as f32;
    let mut acc: Vec<f32> = (0..bots.len()).map(|i| tick * i as f32 / n).collect();
    // Which bots' loss was already told (once each, when it happens).
    let mut told_lost = vec![false; bots.len()];
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        let dt = now - last;
        last = now;
        for (s, _) in bots.iter_mut() {
            s.poll(dt);
            walked.voice_frames += s.talk.voice.drain(..).count() as u64;
        }
        if let (Some(speaker), Some((s, _))) = (speaker.as_mut(), bots.first_mut())
            && s.is_ready()
        {
            for (seq, data) in speaker.due(dt.as_secs_f32()) {
                s.send_voice(seq, data);
            }
        }
        // The server's pace, once welcomed (the phases above were spread over the default's).
        let tick = bots.first().map(|(s, _)| s.tick_dt()).unwrap_or(tick);
        for ((s, w), acc) in bots.iter_mut().zip(acc.iter_mut()) {
            *acc += dt.as_secs_f32();
            let mut stepped = false;
            while *acc >= tick {
                *acc -= tick;
                stepped = true;
                if s.is_ready() {
                    let input = w.next(s, &mut rng);
                    s.step(input);
                }
            }
            // Packets go out once per tick, as a person's client sends them, not every pass of
            // this loop: a thousand bots sending every 10 ms were five times the load of a
            // thousand people.
            if stepped {
                s.flush();
            }
        }
        for (i, (s, _)) in bots.iter().enumerate() {
            if let ConnState::Lost(why) = &s.state
                && !told_lost[i]
            {
                told_lost[i] = true;
                warn!(bot = %s.join.name, client = s.join.client_id, ?why, "lost its connection");
            }
        }
        let ready = bots.iter().filter(|(s, _)| s.is_ready()).count();
        let connected = bots
            .iter()
            .filter(|(s, _)| s.state == ConnState::Connected)
            .count();
        counts.ready.store(ready, Ordering::Relaxed);
        counts.connected.store(connected, Ordering::Relaxed);
        sleep(Duration::from_millis(10));
    }
    for (s, _) in bots.iter_mut() {
        if matches!(s.state, ConnState::Lost(_)) {
            walked.lost += 1;
        }
        walked.snapshots += s.snapshots_received;
        walked.bytes_received += s.bytes_received;
        s.disconnect();
    }
    walked
}

/// Move-to-seen latency, measured from outside: a mover and an observer joined at the same
/// place, on a thread of their own that looks every millisecond. The mover stands still until
/// the observer has seen it rest, then starts walking (its input flushed at once); a sample is
/// the time from that flush until the observer's session holds a new position for the mover.
/// Both are on this machine, so one clock measures both ends.
#[derive(Debug, Clone, Default)]
pub struct LatencyReport {
    /// Milliseconds, one per sample, sorted.
    pub samples_ms: Vec<f64>,
    /// Moves the observer did not see within five seconds.
    pub unseen: usize,
    /// Why the probe could not run, if it could not.
    pub failed: Option<String>,
    /// From asking to join to being welcomed in the hall, the slower of the two probes, in ms:
    /// how long a newcomer waits while the bots walk.
    pub join_ms: Option<f64>,
}

impl LatencyReport {
    /// The `q` quantile (0..=1) of the samples, in ms.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.samples_ms.is_empty() {
            return None;
        }
        let i = ((self.samples_ms.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
        self.samples_ms.get(i).copied()
    }
}

/// Runs the latency probe for `duration` against `opts`' server and hall.
pub fn probe_latency(opts: &BotOptions, duration: Duration) -> LatencyReport {
    let mut report = LatencyReport::default();
    let join = |name: &str| {
        Session::join(
            &opts.server_url,
            &JoinOptions {
                name: name.into(),
                hall: opts.hall.clone(),
                spawn: opts.probe_spawn.clone(),
                server_cert: opts.server_cert.clone(),
                ..Default::default()
            },
            &opts.maps_dir,
        )
    };
    let asked = Instant::now();
    let (mover, asked_o, observer) = {
        let m = join("측정-움직임");
        let asked_o = Instant::now();
        (m, asked_o, join("측정-관찰"))
    };
    let (mut ready_m, mut ready_o) = (None, None);
    let (mut mover, mut observer) = match (mover, observer) {
        (Ok(m), Ok(o)) => (m, o),
        (Err(e), _) | (_, Err(e)) => {
            warn!("a probe could not join: {e}");
            report.failed = Some(e.to_string());
            return report;
        }
    };
    let started = Instant::now();
    let mut last = Instant::now();
    let mut acc = 0.0f32;
    let pump = |m: &mut Session, o: &mut Session, last: &mut Instant| {
        let now = Instant::now();
        let dt = now - *last;
        *last = now;
        m.poll(dt);
        o.poll(dt);
        dt
    };
    // Both in their hall, and the mover in the observer's view.
    while !(mover.is_ready()
        && observer.is_ready()
        && mover
            .me
            .as_ref()
            .is_some_and(|me| observer.others.contains_key(&me.id)))
    {
        if started.elapsed() > Duration::from_secs(30) {
            warn!(
                mover = ?mover.state,
                observer = ?observer.state,
                "the probes did not see each other within 30 s"
            );
            report.failed = Some("the probes did not see each other within 30 s".into());
            return report;
        }
        pump(&mut mover, &mut observer, &mut last);
        mover.flush();
        observer.flush();
        if ready_m.is_none() && mover.is_ready() {
            ready_m = Some(asked.elapsed());
        }
        if ready_o.is_none() && observer.is_ready() {
            ready_o = Some(asked_o.elapsed());
        }
        sleep(Duration::from_millis(1));
    }
    report.join_ms = ready_m
        .or(Some(asked.elapsed()))
        .zip(ready_o.or(Some(asked_o.elapsed())))
        .map(|(m, o)| m.max(o).as_secs_f64() * 1000.0);
    let Some(mover_id) = mover.me.as_ref().map(|me| me.id) else {
        return report;
    };
    let directions = [
        MoveInput::new(1, 0),
        MoveInput::new(-1, 0),
        MoveInput::new(0, 1),
        MoveInput::new(0, -1),
    ];
    let mut turn = 0usize;
    while started.elapsed() < duration {
        // Rest: idle until the observer has held one position for the mover for 300 ms.
        let mut seen = observer.others.get(&mover_id).map(|r| r.latest());
        let mut still_since = Instant::now();
        while still_since.elapsed() < Duration::from_millis(300) {
            let dt = pump(&mut mover, &mut observer, &mut last);
            acc += dt.as_secs_f32();
            let tick = mover.tick_dt();
            while acc >= tick {
                acc -= tick;
                mover.step(MoveInput::IDLE);
                mover.flush();
            }
            observer.flush();
            let now_seen = observer.others.get(&mover_id).map(|r| r.latest());
            if now_seen != seen {
                seen = now_seen;
                still_since = Instant::now();
            }
            if started.elapsed() >= duration {
                return finish(report);
            }
            sleep(Duration::from_millis(1));
        }
        let Some(rest) = seen else {
            report.failed = Some("the observer lost sight of the mover".into());
            return finish(report);
        };
        // A direction the map lets the mover walk in: back towards the observer once it is
        // more than a tile away (its steps would otherwise wander off in a random walk, out of
        // the nearest few in a crowd, and the samples would measure a stranger's turns), else
        // the next in turn.
        let back = match (&mover.me, &observer.me) {
            (Some(m), Some(o)) if m.pos.distance(o.pos) > 1.0 => {
                let d = o.pos - m.pos;
                Some(if d.x.abs() >= d.y.abs() {
                    MoveInput::new(d.x.signum() as i32, 0)
                } else {
                    MoveInput::new(0, d.y.signum() as i32)
                })
            }
            _ => None,
        };
        let dir = back
            .into_iter()
            .chain((0..directions.len()).map(|k| directions[(turn + k) % directions.len()]))
            .find(|d| match (&mover.me, &mover.hall_map) {
                (Some(me), Some(map)) => {
                    // Open, and not towards a portal (which would take the mover away).
                    let ahead = me.pos + Vec2::new(d.dx() as f32, d.dy() as f32) * 2.0;
                    step(&map.collision, me.pos, *d, mover.speed, mover.tick_dt()) != me.pos
                        && !map.portals.iter().any(|p| {
                            let grown = madang_shared::map::Rect {
                                x: p.rect.x - 1.0,
                                y: p.rect.y - 1.0,
                                w: p.rect.w + 2.0,
                                h: p.rect.h + 2.0,
                            };
                            grown.contains(ahead)
                        })
                }
                _ => true,
            })
            .unwrap_or(directions[0]);
        turn += 1;
        mover.step(dir);
        mover.flush();
        acc = 0.0;
        let sent = Instant::now();
        loop {
            let dt = pump(&mut mover, &mut observer, &mut last);
            if observer
                .others
                .get(&mover_id)
                .is_some_and(|r| r.latest() != rest)
            {
                report
                    .samples_ms
                    .push(sent.elapsed().as_secs_f64() * 1000.0);
                break;
            }
            if sent.elapsed() > Duration::from_secs(5) {
                report.unseen += 1;
                break;
            }
            acc += dt.as_secs_f32();
            let tick = mover.tick_dt();
            while acc >= tick {
                acc -= tick;
                mover.step(dir);
                mover.flush();
            }
            observer.flush();
            sleep(Duration::from_millis(1));
        }
    }
    finish(report)
}

fn finish(mut report: LatencyReport) -> LatencyReport {
    report.samples_ms.sort_by(f64::total_cmp);
    report
}
