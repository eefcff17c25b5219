//! A soak run: the real server binary on loopback, and bots joining and leaving in waves so that
//! about `BOTS` are connected at any time, for `MINUTES`. Every minute it prints the server's
//! resident memory (from /proc), the people connected (from `/stats`) and the errors so far
//! (bots that could not join, or were cut off); at the end, how far memory moved after the
//! warm-up.
//!
//!     cargo build --workspace --examples && target/debug/examples/soak 500 30
//!
//! Not a test: it takes half an hour and both cores.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use madang_client::bots::{BotOptions, run_bots};

/// Bots per wave thread; each thread joins a wave, walks it for a while, and leaves.
const WAVE: usize = 25;

fn main() {
    let mut args = std::env::args().skip(1);
    let bots: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);
    let minutes: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(30);
    let warm_up: u64 = (minutes / 6).max(1);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let exe = std::env::current_exe().expect("the example's path");
    let server_bin = exe
        .parent()
        .and_then(|p| p.parent())
        .map(|d| d.join("madang-server"))
        .expect("the build folder");
    let data = std::env::temp_dir().join(format!("madang-soak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).expect("a data folder");
    let config = data.join("soak.toml");
    std::fs::write(
        &config,
        "stats_interval_secs = 0\n\
         [door]\nnew_visitors_per_minute = 100000\nnew_visitors_burst = 100000\n\
         requests_per_sec = 100000\nrequests_burst = 100000\nconnections_per_address = 1024\n",
    )
    .expect("the settings file");
    let port = |udp: bool| {
        if udp {
            std::net::UdpSocket::bind("127.0.0.1:0")
                .and_then(|s| s.local_addr())
                .expect("a free port")
        } else {
            std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|s| s.local_addr())
                .expect("a free port")
        }
    };
    let (udp, http) = (port(true), port(false));
    let mut server = Command::new(&server_bin)
        .arg("--config")
        .arg(&config)
        .args(["--udp", &udp.to_string(), "--http", &http.to_string()])
        .arg("--maps")
        .arg(root.join("assets/maps"))
        .arg("--data-dir")
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{} starts: {e}", server_bin.display()));
    let url = format!("https://{http}");
    assert!(
        madang_client::session::wait_until_up(&url, Duration::from_secs(30)),
        "the server answers"
    );

    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let joins = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..bots.div_ceil(WAVE))
        .map(|t| {
            let (stop, errors, joins) = (stop.clone(), errors.clone(), joins.clone());
            let (url, maps) = (url.clone(), root.join("assets/maps"));
            std::thread::spawn(move || {
                let mut wave = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    // Waves of 20 to 80 s, staggered by thread, so people keep coming and going.
                    let secs = 20 + (t as u64 * 7 + wave * 13) % 61;
                    let report = run_bots(&BotOptions {
                        server_url: url.clone(),
                        count: WAVE,
                        duration: Some(Duration::from_secs(secs)),
                        maps_dir: maps.clone(),
                        name_prefix: format!("soak{t}-{wave}-"),
                        hall: Some(if t % 3 == 0 { "lobby" } else { "hall" }.into()),
                        seed: t as u64 * 1000 + wave,
                        speak: None,
                        server_cert: None,
                        probe: false,
                        probe_spawn: None,
                        always_move: false,
                    });
                    joins.fetch_add(report.joined as u64, Ordering::Relaxed);
                    errors.fetch_add((report.failed + report.lost) as u64, Ordering::Relaxed);
                    wave += 1;
                }
            })
        })
        .collect();

    println!("minute  server RSS (MB)  connected  joins  errors");
    let mut rss: Vec<f64> = Vec::new();
    for minute in 1..=minutes {
        std::thread::sleep(Duration::from_secs(60));
        let mb = rss_kb(server.id()) as f64 / 1024.0;
        rss.push(mb);
        let connected = madang_client::session::http_agent(&format!("{url}/stats"), None)
            .expect("an agent")
            .get(&format!("{url}/stats"))
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_json::<serde_json::Value>().ok())
            .and_then(|v| v["clients"].as_u64())
            .unwrap_or(0);
        println!(
            "{minute:>6}  {mb:>15.1}  {connected:>9}  {:>5}  {:>6}",
            joins.load(Ordering::Relaxed),
            errors.load(Ordering::Relaxed)
        );
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    let _ = server.kill();
    let _ = server.wait();
    let after: Vec<f64> = rss.iter().skip(warm_up as usize).copied().collect();
    let (lo, hi) = after
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let base = after.first().copied().unwrap_or(0.0);
    println!(
        "after the {warm_up}-minute warm-up: RSS {lo:.1}–{hi:.1} MB, {:+.1} % from minute {} to the end; \
         {} joins, {} errors",
        (rss.last().copied().unwrap_or(base) - base) / base.max(1e-9) * 100.0,
        warm_up + 1,
        joins.load(Ordering::Relaxed),
        errors.load(Ordering::Relaxed)
    );
    let _ = std::fs::remove_dir_all(&data);
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
