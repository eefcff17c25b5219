//! A load run: a server in this process and N bots walking one of its halls, then the server's
//! own figures (tick time, bytes sent) and what the bots received.
//!
//!     cargo run --example load -- 200 20 hall      # 200 bots, 20 seconds, the exhibition hall
//!
//! Both run on this machine's cores, so the figures are for comparing runs on one machine.

use std::path::PathBuf;
use std::time::Duration;

use madang_client::bots::{BotOptions, run_bots};
use madang_server::Settings;

fn main() {
    let mut args = std::env::args().skip(1);
    let bots: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(15);
    let hall = args.next().unwrap_or_else(|| "hall".into());
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let server = madang_server::spawn(Settings {
        udp_bind: "127.0.0.1:0".parse().expect("literal"),
        http_bind: "127.0.0.1:0".parse().expect("literal"),
        maps_dir: root.join("assets/maps"),
        stats_interval_secs: 0,
        // Every bot comes from 127.0.0.1: the door's limits per address would hold them back.
        door: madang_server::settings::DoorLimits::wide_open(),
        ..Settings::default()
    })
    .unwrap_or_else(|e| panic!("the server starts: {e}"));
    let url = server.url();
    let stats_url = format!("{url}/stats");
    let sampler = std::thread::spawn(move || {
        // Sample the server's figures while the bots walk, after they have all joined.
        let mut worst_mean: f64 = 0.0;
        let mut worst_max: f64 = 0.0;
        let mut bytes: Vec<f64> = Vec::new();
        for _ in 0..seconds {
            std::thread::sleep(Duration::from_secs(1));
            let Ok(mut resp) = madang_client::session::http_agent(&stats_url, None)
                .expect("an agent")
                .get(&stats_url)
                .call()
            else {
                continue;
            };
            let Ok(text) = resp.body_mut().read_to_string() else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            if v["clients"].as_u64() == Some(bots as u64) {
                worst_mean = worst_mean.max(v["tick_ms_mean"].as_f64().unwrap_or(0.0));
                worst_max = worst_max.max(v["tick_ms_max"].as_f64().unwrap_or(0.0));
                bytes.push(v["bytes_sent_per_sec"].as_f64().unwrap_or(0.0));
            }
        }
        (worst_mean, worst_max, bytes)
    });
    let report = run_bots(&BotOptions {
        server_url: url,
        count: bots,
        duration: Some(Duration::from_secs(seconds)),
        maps_dir: root.join("assets/maps"),
        name_prefix: "bot".into(),
        hall: Some(hall.clone()),
        seed: 1,
        speak: None,
        server_cert: None,
        probe: false,
        probe_spawn: None,
        always_move: false,
    });
    let (mean, max, bytes) = sampler.join().expect("the sampler finishes");
    let last: serde_json::Value =
        madang_client::session::http_agent(&format!("{}/stats", server.url()), None)
            .expect("an agent")
            .get(&format!("{}/stats", server.url()))
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_json().ok())
            .unwrap_or_default();
    let avg_bytes = bytes.iter().sum::<f64>() / bytes.len().max(1) as f64;
    println!("load: {bots} bots in `{hall}` for {seconds} s");
    println!(
        "  joined {}, failed {}, lost {}",
        report.joined, report.failed, report.lost
    );
    println!(
        "  server tick: worst 1-s mean {mean:.3} ms, worst single tick {max:.3} ms (budget 50 ms at 20 Hz)"
    );
    println!(
        "  server payload sent: {:.0} bytes/s in all, {:.0} bytes/s per bot",
        avg_bytes,
        avg_bytes / bots.max(1) as f64
    );
    println!(
        "  bots received {} snapshots, {} bytes",
        report.snapshots, report.bytes_received
    );
    println!(
        "  server socket: {} datagrams dropped by the kernel, {} by the reader's queue",
        last["udp_kernel_drops"], last["udp_queue_drops"]
    );
    server.stop();
}
