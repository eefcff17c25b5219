//! `madang-server`: runs a hall server, or checks maps.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use madang_server::Settings;
use madang_shared::map::load_expo;

#[derive(Parser, Debug)]
#[command(name = "madang-server", version, about = "Madang's hall server")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server (the default).
    Run,
    /// Check Tiled maps against Madang's conventions; exits non-zero on any problem.
    CheckMap {
        /// TMX files to check (maps their portals lead to are checked too).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Settings file (TOML); flags override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// UDP address of the game socket.
    #[arg(long)]
    udp: Option<std::net::SocketAddr>,
    /// Address clients are told to connect to.
    #[arg(long)]
    public_addr: Option<std::net::SocketAddr>,
    /// Address of the HTTP join endpoint.
    #[arg(long)]
    http: Option<std::net::SocketAddr>,
    /// Folder of hall maps.
    #[arg(long)]
    maps: Option<PathBuf>,
    /// The hall newcomers arrive in.
    #[arg(long)]
    entrance: Option<String>,
    /// Simulation ticks per second.
    #[arg(long)]
    tick_hz: Option<u32>,
    /// Seconds between stats lines.
    #[arg(long)]
    stats_interval: Option<u64>,
    /// The server's secret (64 hex digits); default `<data dir>/server.key`, made on first start.
    #[arg(long)]
    key_file: Option<PathBuf>,
    /// Folder for the SQLite store and the secret.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Accept unauthenticated connections (development only).
    #[arg(long)]
    dev_insecure: bool,
}

impl RunArgs {
    fn settings(&self) -> Result<Settings, madang_server::SettingsError> {
        let mut s = match &self.config {
            Some(path) => Settings::from_file(path)?,
            None => Settings::default(),
        };
        if let Some(v) = self.udp {
            s.udp_bind = v;
        }
        if let Some(v) = self.public_addr {
            s.public_addr = Some(v);
        }
        if let Some(v) = self.http {
            s.http_bind = v;
        }
        if let Some(v) = &self.maps {
            s.maps_dir = v.clone();
        }
        if let Some(v) = &self.entrance {
            s.entrance = v.clone();
        }
        if let Some(v) = self.tick_hz {
            s.tick_hz = v;
        }
        if let Some(v) = self.stats_interval {
            s.stats_interval_secs = v;
        }
        if let Some(v) = &self.key_file {
            s.key_file = Some(v.clone());
        }
        if let Some(v) = &self.data_dir {
            s.data_dir = v.clone();
        }
        if self.dev_insecure {
            s.dev_insecure = true;
        }
        s.validate()?;
        Ok(s)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::CheckMap { files }) => check_maps(&files),
        Some(Command::Run) | None => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| "info".into()),
                )
                .init();
            let settings = match cli.run.settings() {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("madang-server: {e}");
                    return ExitCode::from(2);
                }
            };
            match madang_server::run(settings) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("madang-server: not started: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn check_maps(files: &[PathBuf]) -> ExitCode {
    match load_expo(files) {
        Ok(halls) => {
            for h in &halls {
                println!(
                    "{}: ok ({}×{} tiles, {} spawns, {} booths, {} portals)",
                    h.source.display(),
                    h.width,
                    h.height,
                    h.spawns.len(),
                    h.booths.len(),
                    h.portals.len()
                );
            }
            ExitCode::SUCCESS
        }
        Err(errors) => {
            print!("{errors}");
            ExitCode::FAILURE
        }
    }
}
