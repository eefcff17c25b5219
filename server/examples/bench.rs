//! The crowd benchmark: a release `madang-server` process, `madang-bots` in a second process,
//! and one table row per run, read from outside (`/proc` and the server's `GET /stats`).
//!
//!     scripts/bench                 # 250, 500, 1,000 bots in the hall and the ceremony room
//!     scripts/bench --quick         # 250 bots in the hall for 20 s
//!     scripts/bench --always-move   # bots that never stand still (to compare with peers)
//!     scripts/bench --bots 800 --rooms hall --secs 30
//!
//! Per run: bots joined / held to the end / cut, how long they took to join and the tick's
//! work p99 / max while they did (from before the first asked until all were in: the rush),
//! the server's cores and the bots' (CPU time from `/proc/PID/stat` over the window), the
//! server's peak resident memory (`VmHWM`), payload bytes sent per bot per second, tick work
//! p50 / p99 / max over the window (the server's tick histogram), the rush's slowest tick and
//! the window's p99 / max less the time the game thread waited for a core (the cores busy with
//! the bots, the server's other threads or anything else), move-to-seen latency p50 / p99 (a
//! mover and an observer of the bots' own, `madang-bots --probe`), how long the probes waited
//! from asking to join to being welcomed while the bots walked, and the datagrams dropped at
//! the server's socket (by the kernel and by the reader's queue). The window starts once every
//! bot is connected.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Args {
    bots: Vec<usize>,
    rooms: Vec<String>,
    secs: u64,
    always_move: bool,
}

fn parse() -> Args {
    let mut a = Args {
        bots: vec![250, 500, 1000],
        rooms: vec!["hall".into(), "ceremony".into()],
        secs: 60,
        always_move: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => {
                a.bots = vec![250];
                a.rooms = vec!["hall".into()];
                a.secs = 20;
            }
            "--always-move" => a.always_move = true,
            "--bots" => {
                a.bots = it
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|n| n.trim().parse().ok())
                    .collect()
            }
            "--rooms" => {
                a.rooms = it
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty())
                    .collect()
            }
            "--secs" => a.secs = it.next().and_then(|s| s.parse().ok()).unwrap_or(60),
            other => {
                eprintln!(
                    "bench: unknown argument {other} (--quick, --always-move, --bots N,N, --rooms R,R, --secs S)"
                );
                std::process::exit(2);
            }
        }
    }
    a
}

/// User + system CPU seconds of a process.
fn cpu_secs(pid: u32, clk_tck: f64) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) in parentheses.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    (tick(11) + tick(12)) / clk_tck
}

fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn clk_tck() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// The server's `/stats`, asked twice before giving up: the endpoint closes a connection kept
/// alive after its time limit, and a reading asked just then fails without saying anything of
/// the server.
fn stats(agent: &ureq::Agent, url: &str) -> Option<serde_json::Value> {
    (0..2).find_map(|_| {
        agent
            .get(&format!("{url}/stats"))
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_json().ok())
    })
}

/// The histogram of a `/stats` reading: ticks per 0.1 ms bucket.
fn histogram(v: &serde_json::Value) -> Vec<u64> {
    histogram_of(v, "tick_histogram")
}

/// The ticks less the game thread's waits for a core (see `StatsReport`).
fn unwaited(v: &serde_json::Value) -> Vec<u64> {
    histogram_of(v, "tick_unwaited_histogram")
}

fn histogram_of(v: &serde_json::Value, key: &str) -> Vec<u64> {
    let mut h = vec![0u64; 1000];
    for pair in v[key].as_array().into_iter().flatten() {
        if let (Some(b), Some(n)) = (pair[0].as_u64(), pair[1].as_u64())
            && let Some(slot) = h.get_mut(b as usize)
        {
            *slot = n;
        }
    }
    h
}

/// p50, p99 and max (ms) of the ticks between two histograms.
fn tick_quantiles(before: &[u64], after: &[u64]) -> (f64, f64, f64) {
    let d: Vec<u64> = after
        .iter()
        .zip(before)
        .map(|(a, b)| a.saturating_sub(*b))
        .collect();
    let total: u64 = d.iter().sum();
    if total == 0 {
        return (0.0, 0.0, 0.0);
    }
    let at = |q: f64| {
        let want = ((total as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in d.iter().enumerate() {
            seen += n;
            if seen >= want {
                return (i as f64 + 1.0) / 10.0;
            }
        }
        100.0
    };
    let max = d
        .iter()
        .rposition(|n| *n > 0)
        .map(|i| (i as f64 + 1.0) / 10.0)
        .unwrap_or(0.0);
    (at(0.5), at(0.99), max)
}

fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .unwrap_or(17777)
}

struct Run {
    server: Child,
    bots: Child,
    data: PathBuf,
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.bots.kill();
        let _ = self.server.kill();
        let _ = self.bots.wait();
        let _ = self.server.wait();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

fn run_one(bin: &Path, root: &Path, bots: usize, room: &str, args: &Args, clk: f64) {
    let data =
        std::env::temp_dir().join(format!("madang-bench-{}-{bots}-{room}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).expect("a data folder");
    // Every bot comes from 127.0.0.1: the door's per-address limits would hold them back.
    let config = data.join("bench.toml");
    std::fs::write(
        &config,
        "[door]\nnew_visitors_per_minute = 100000\nnew_visitors_burst = 100000\n\
         requests_per_sec = 100000\nrequests_burst = 100000\nconnections_per_address = 1024\n",
    )
    .expect("a config");
    let (udp, http) = (free_port(), free_port());
    let server = Command::new(bin.join("madang-server"))
        .args(["--config"])
        .arg(&config)
        .args(["--udp", &format!("127.0.0.1:{udp}")])
        .args(["--http", &format!("127.0.0.1:{http}")])
        .arg("--maps")
        .arg(root.join("assets/maps"))
        .arg("--data-dir")
        .arg(&data)
        .args(["--stats-interval", "0"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(data.join("server.log")).expect("a log file"))
        .spawn()
        .expect("the server starts");
    let url = format!("https://127.0.0.1:{http}");
    let agent = madang_client::session::http_agent(&url, None).expect("an agent");
    let up = Instant::now();
    while stats(&agent, &url).is_none() {
        if up.elapsed() > Duration::from_secs(30) {
            let log = std::fs::read_to_string(data.join("server.log")).unwrap_or_default();
            panic!("the server does not answer: {log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let bots_secs = args.secs + 15 + bots as u64 / 15;
    let mut cmd = Command::new(bin.join("madang-bots"));
    cmd.args(["--count", &bots.to_string()])
        // The window starts once all are in, and a rush is let in at most 80 a second.
        .args(["--seconds", &bots_secs.to_string()])
        .args(["--hall", room])
        .args(["--server", &url])
        .arg("--maps")
        .arg(root.join("assets/maps"))
        .arg("--probe")
        // In the exhibition hall the probes stand in its middle, as the crowds issue measured
        // (its first spawn is the lobby door, where every walker from the lobby comes through).
        .args(if room == "hall" {
            &["--probe-spawn", "plaza"][..]
        } else {
            &[]
        })
        // Warnings, and the bots' own count of who joined and who is connected.
        .env("RUST_LOG", "warn,madang_client::bots=info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(data.join("bots.log")).expect("a log file"));
    if args.always_move {
        cmd.arg("--always-move");
    }
    // The tick's histogram before the first bot asks, for the tick during the rush.
    let before_rush = stats(&agent, &url).unwrap_or_default();
    let mut bots_child = cmd.spawn().expect("the bots start");
    // Their standard output, read as it comes (a full pipe would stop them mid-run).
    let bots_said = bots_child.stdout.take().map(|mut o| {
        std::thread::spawn(move || {
            let mut said = String::new();
            let _ = o.read_to_string(&mut said);
            said
        })
    });
    let bots_said = move || bots_said.and_then(|t| t.join().ok()).unwrap_or_default();
    let bots_end = Instant::now() + Duration::from_secs(bots_secs);
    let mut run = Run {
        server,
        bots: bots_child,
        data,
    };
    // Everyone in: the bots and the two probes.
    let want = bots as u64 + 2;
    let joining = Instant::now();
    // The last reading that came (a failed one says nothing of who is in).
    let mut last = serde_json::Value::Null;
    loop {
        if let Some(v) = stats(&agent, &url) {
            last = v;
        }
        let n = last["clients"].as_u64().unwrap_or(0);
        if n >= want {
            break;
        }
        if joining.elapsed() > Duration::from_secs(180) {
            println!(
                "| {bots} | {room} | only {n} of {want} connected within 180 s ({} waiting to \
                 enter) |",
                last["waiting_to_enter"]
            );
            // Why, as the logs tell it: the bots' (their log goes to their standard output, a
            // panic to their standard error) and the server's.
            let _ = run.bots.kill();
            let _ = run.bots.wait();
            let logs = [
                ("bots", bots_said()),
                (
                    "bots' stderr",
                    std::fs::read_to_string(run.data.join("bots.log")).unwrap_or_default(),
                ),
                (
                    "server",
                    std::fs::read_to_string(run.data.join("server.log")).unwrap_or_default(),
                ),
            ];
            for (who, text) in logs {
                let said =
                    |l: &&str| l.contains("WARN") || l.contains("ERROR") || l.contains("panicked");
                for line in text.lines().filter(said).take(8) {
                    println!("    {who}: {line}");
                }
                // The bots' own counts: who joined, and the last of who was connected.
                let counts: Vec<&str> = text
                    .lines()
                    .filter(|l| l.contains("bots joined") || l.contains("bots walking"))
                    .collect();
                for line in counts.iter().take(1).chain(counts.iter().skip(1).last()) {
                    println!("    {who}: {line}");
                }
            }
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let join_secs = joining.elapsed().as_secs_f64();
    let all_in = stats(&agent, &url).unwrap_or_default();
    let (_, rush_p99, rush_max) = tick_quantiles(&histogram(&before_rush), &histogram(&all_in));
    let (_, _, rush_own_max) = tick_quantiles(&unwaited(&before_rush), &unwaited(&all_in));
    std::thread::sleep(Duration::from_secs(2));
    let (spid, bpid) = (run.server.id(), run.bots.id());
    let a = stats(&agent, &url).unwrap_or_default();
    let (s0, b0, t0) = (cpu_secs(spid, clk), cpu_secs(bpid, clk), Instant::now());
    let mut held = u64::MAX;
    let mut bytes = Vec::new();
    let mut between = Vec::new();
    while t0.elapsed() < Duration::from_secs(args.secs) {
        std::thread::sleep(Duration::from_secs(1));
        if let Some(v) = stats(&agent, &url) {
            held = held.min(v["clients"].as_u64().unwrap_or(0));
            bytes.push(v["bytes_sent_per_sec"].as_f64().unwrap_or(0.0));
            between.push(v["read_between_ticks_ms_mean"].as_f64().unwrap_or(0.0));
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let b = stats(&agent, &url).unwrap_or_default();
    let (s1, b1) = (cpu_secs(spid, clk), cpu_secs(bpid, clk));
    let rss = peak_rss_mb(spid);
    let (p50, p99, max) = tick_quantiles(&histogram(&a), &histogram(&b));
    let (_, own_p99, own_max) = tick_quantiles(&unwaited(&a), &unwaited(&b));
    // The game thread's reading between ticks, per tick (outside the tick's own work).
    let between = between.iter().sum::<f64>() / between.len().max(1) as f64;
    let per_bot = bytes.iter().sum::<f64>() / bytes.len().max(1) as f64 / want as f64;
    let drops = format!(
        "{} + {}",
        b["udp_kernel_drops"]
            .as_u64()
            .map_or("?".into(), |d| d.to_string()),
        b["udp_queue_drops"].as_u64().unwrap_or(0)
    );
    // The bots print their own report, with the probe's latency, when they finish (soon after
    // the window); a bots process that hangs is stopped.
    let deadline = bots_end.max(Instant::now()) + Duration::from_secs(60);
    while run.bots.try_wait().ok().flatten().is_none() {
        if Instant::now() > deadline {
            let _ = run.bots.kill();
            let _ = run.bots.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = bots_said();
    let latency = out
        .lines()
        .find(|l| l.starts_with("move-to-seen"))
        .map(|l| {
            let grab = |key: &str| {
                l.split(key)
                    .nth(1)
                    .and_then(|r| r.split_whitespace().next())
                    .unwrap_or("?")
                    .to_owned()
            };
            if l.contains("failed") {
                (
                    l.trim_start_matches("move-to-seen: ").to_owned(),
                    "?".into(),
                )
            } else {
                (
                    format!("{} / {}", grab("p50 "), grab("p99 ")),
                    grab("welcomed in "),
                )
            }
        })
        .unwrap_or_else(|| ("?".into(), "?".into()));
    let (latency, newcomer) = latency;
    // "bots: N joined, F failed to join, L lost, ..."
    let count = |key: &str| {
        out.lines().find(|l| l.starts_with("bots:")).and_then(|l| {
            l.split(',')
                .find(|part| part.trim_end().ends_with(key))
                .and_then(|part| part.split_whitespace().rev().nth(key.split(' ').count()))
                .and_then(|n| n.parse::<u64>().ok())
        })
    };
    let joined = count("joined").map_or("?".into(), |n| n.to_string());
    let lost = count("lost").map_or("?".into(), |n| n.to_string());
    let held = if held == u64::MAX {
        0
    } else {
        held.min(want) - 2.min(held)
    };
    println!(
        "| {bots} | {room} | {joined} / {held} / {lost} | {:.0} | {rush_p99:.1} / {rush_max:.1} | {:.2} | {:.2} | {rss:.0} | {:.1} k | {p50:.1} / {p99:.1} / {max:.1} | {rush_own_max:.1}; {own_p99:.1} / {own_max:.1} | {between:.1} | {latency} | {newcomer} | {drops} |",
        join_secs,
        (s1 - s0) / secs,
        (b1 - b0) / secs,
        per_bot / 1000.0,
    );
}

fn main() {
    let args = parse();
    let exe = std::env::current_exe().expect("the bench's path");
    // target/release/examples/bench → target/release
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .expect("the build folder")
        .to_owned();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_owned();
    let clk = clk_tck();
    println!(
        "crowd benchmark: {} s per run after all joined, bots {}; move-to-seen in ms",
        args.secs,
        if args.always_move {
            "always moving"
        } else {
            "wandering"
        }
    );
    println!(
        "| bots | room | joined / held / cut | join s | rush tick ms p99 / max | server cores | bots cores | peak RSS MB | bytes/bot/s | tick ms p50 / p99 / max | less waits for a core: rush max; p99 / max | read between ticks ms | move-to-seen p50 / p99 | newcomer welcomed ms | socket drops (kernel + queue) |"
    );
    println!(
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for room in &args.rooms {
        for &n in &args.bots {
            run_one(&bin, &root, n, room, &args, clk);
        }
    }
}
