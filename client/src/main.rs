//! `madang-client`: the window people walk the expo in.

use std::path::PathBuf;
use std::process::ExitCode;

use bevy::app::AppExit;
use clap::Parser;
use madang_client::app::{ClientArgs, i18n, run};

#[derive(Parser, Debug)]
#[command(name = "madang-client", version, about = "Walk a Madang expo")]
struct Cli {
    /// Your display name, shown over your avatar.
    #[arg(long)]
    name: String,
    /// The server's join endpoint.
    #[arg(long, default_value = "http://127.0.0.1:7780")]
    server: String,
    /// The assets folder (maps, tilesets, sprites, fonts).
    #[arg(long, default_value = "assets")]
    assets: PathBuf,
    /// UI language: ko or en (default: from LANG, else Korean).
    #[arg(long)]
    lang: Option<String>,
    /// Arrive in this hall.
    #[arg(long)]
    hall: Option<String>,
    /// Arrive at this spawn of the hall.
    #[arg(long)]
    spawn: Option<String>,
    /// Save a screenshot to this file once the hall is drawn, then quit.
    #[arg(long)]
    screenshot: Option<PathBuf>,
    #[arg(long, default_value_t = 1280)]
    width: u32,
    #[arg(long, default_value_t = 720)]
    height: u32,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = match cli.lang.as_deref() {
        None | Some("ko") | Some("en") => i18n::lang_from(cli.lang.as_deref()),
        Some(other) => {
            eprintln!("madang-client: unknown language `{other}` (use ko or en)");
            return ExitCode::from(2);
        }
    };
    let exit = run(ClientArgs {
        name: cli.name,
        server: cli.server,
        assets: cli.assets,
        lang,
        hall: cli.hall,
        spawn: cli.spawn,
        screenshot: cli.screenshot,
        width: cli.width,
        height: cli.height,
    });
    match exit {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(_) => ExitCode::FAILURE,
    }
}
