//! `madang-bots`: joins N headless avatars that wander through the hall. Builds without the
//! window, for machines that only generate load.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use madang_client::bots::BotArgs;

#[derive(Parser, Debug)]
#[command(
    name = "madang-bots",
    version,
    about = "Headless bots that walk a Madang hall"
)]
struct Cli {
    #[command(flatten)]
    bots: BotArgs,
    /// The server's join endpoint.
    #[arg(long, default_value = "https://127.0.0.1:7780")]
    server: String,
    /// The hall to arrive in (the entrance if absent).
    #[arg(long)]
    hall: Option<String>,
    /// The folder of hall maps, for walking around walls.
    #[arg(long, default_value = "assets/maps")]
    maps: PathBuf,
}

fn main() -> ExitCode {
    madang_client::init_logging();
    let cli = Cli::parse();
    if cli.bots.run(cli.server, cli.maps, cli.hall) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
