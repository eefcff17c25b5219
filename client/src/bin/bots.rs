//! `madang-bots`: joins N headless avatars that wander through the hall.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use madang_client::bots::{BotOptions, run_bots};

#[derive(Parser, Debug)]
#[command(
    name = "madang-bots",
    version,
    about = "Headless bots that walk a Madang hall"
)]
struct Cli {
    /// How many bots.
    #[arg(long, default_value_t = 10)]
    count: usize,
    /// The server's join endpoint.
    #[arg(long, default_value = "http://127.0.0.1:7780")]
    server: String,
    /// Stop after this many seconds (run until killed if absent).
    #[arg(long)]
    seconds: Option<u64>,
    /// The hall to arrive in (the entrance if absent).
    #[arg(long)]
    hall: Option<String>,
    /// The folder of hall maps, for walking around walls.
    #[arg(long, default_value = "assets/maps")]
    maps: PathBuf,
    /// Bot names are this followed by a number.
    #[arg(long, default_value = "봇")]
    name_prefix: String,
    /// Seed of the random walk.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let report = run_bots(&BotOptions {
        server_url: cli.server,
        count: cli.count,
        duration: cli.seconds.map(Duration::from_secs),
        maps_dir: cli.maps,
        name_prefix: cli.name_prefix,
        hall: cli.hall,
        seed: cli.seed,
    });
    println!(
        "bots: {} joined, {} failed to join, {} lost, {} snapshots, {} bytes received",
        report.joined, report.failed, report.lost, report.snapshots, report.bytes_received
    );
}
