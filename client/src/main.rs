//! `madang-client`: the window people walk the expo in; `madang-client bots` runs headless
//! bots instead.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use madang_client::app::{AppExit, ClientArgs, i18n, run};
use madang_client::bots::BotArgs;

#[derive(Parser, Debug)]
#[command(name = "madang-client", version, about = "Walk a Madang expo")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Your display name, shown over your avatar (without it the window opens on the join
    /// screen).
    #[arg(long)]
    name: Option<String>,
    /// The server's join endpoint (default: the last one used, else this machine's).
    #[arg(long, global = true)]
    server: Option<String>,
    /// The assets folder (maps, tilesets, sprites, fonts).
    #[arg(long, default_value = "assets", global = true)]
    assets: PathBuf,
    /// UI language: ko or en (default: from LANG, else Korean).
    #[arg(long)]
    lang: Option<String>,
    /// Arrive in this hall.
    #[arg(long, global = true)]
    hall: Option<String>,
    /// Arrive at this spawn of the hall.
    #[arg(long)]
    spawn: Option<String>,
    /// Save a screenshot to this file once the hall is drawn, then quit.
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// Walk to the booth with this title (Korean or English) and open it.
    #[arg(long)]
    visit: Option<String>,
    /// Trust this certificate (PEM) alone: for a server with a self-signed certificate on
    /// another machine (the organizers hand it out; `madang-server fingerprint` shows its
    /// fingerprint to compare).
    #[arg(long)]
    server_cert: Option<PathBuf>,
    /// Where your visitor passes are kept (default ~/.local/share/madang/passes.json); your
    /// settings are kept beside them (settings.json).
    #[arg(long)]
    passes: Option<PathBuf>,
    /// Where F12 saves screenshots (default: ~/Pictures).
    #[arg(long)]
    shots: Option<PathBuf>,
    #[arg(long, default_value_t = 1280)]
    width: u32,
    #[arg(long, default_value_t = 720)]
    height: u32,
    /// No microphone or speaker at all.
    #[arg(long)]
    no_voice: bool,
    /// The microphone to use, by name (see --audio-devices).
    #[arg(long)]
    mic: Option<String>,
    /// The speaker to use, by name (see --audio-devices).
    #[arg(long)]
    speaker: Option<String>,
    /// Send your voice only while Space is held (once the microphone is on: M).
    #[arg(long)]
    push_to_talk: bool,
    /// An invite code from the organizers (for organizers, facilitators, presenters).
    #[arg(long)]
    invite: Option<String>,
    /// Open the organizer panel at start.
    #[arg(long)]
    organizer_panel: bool,
    /// List the audio devices and quit.
    #[arg(long)]
    audio_devices: bool,
    /// Play a tone and read the microphone for two seconds, print what flowed, and quit
    /// (exit 1 if either device did not work).
    #[arg(long)]
    audio_check: bool,
}

/// The join endpoint when neither the flag nor the settings name one.
const DEFAULT_SERVER: &str = "https://127.0.0.1:7780";

#[derive(Subcommand, Debug)]
enum Command {
    /// Join headless bots that wander through the hall (no window).
    Bots(BotArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Bots(bots)) = &cli.command {
        madang_client::init_logging();
        let server = cli.server.unwrap_or_else(|| DEFAULT_SERVER.to_owned());
        let ok = bots.run(server, cli.assets.join("maps"), cli.hall);
        return if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    if cli.audio_devices {
        let (inputs, outputs) = madang_client::audio::device_names();
        println!("microphones:");
        for n in inputs {
            println!("  {n}");
        }
        println!("speakers:");
        for n in outputs {
            println!("  {n}");
        }
        return ExitCode::SUCCESS;
    }
    if cli.audio_check {
        let r = madang_client::audio::check(cli.mic.as_deref(), cli.speaker.as_deref(), 2.0);
        println!(
            "microphone {:?}: {} samples in {:.1} s (16 kHz: {} expected)",
            r.input,
            r.captured,
            r.seconds,
            (r.seconds * 16_000.0) as usize
        );
        println!("speaker {:?}: {} samples played", r.output, r.played);
        for p in &r.problems {
            println!("problem: {p}");
        }
        let half = (r.seconds * 8_000.0) as usize;
        return if r.captured >= half && r.played >= half {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    let passes = cli.passes.or_else(madang_client::identity::default_path);
    let settings_path = passes.as_deref().map(madang_client::settings::path_beside);
    let settings = settings_path
        .as_deref()
        .map(madang_client::settings::Settings::load)
        .unwrap_or_default();
    let lang = match cli.lang.as_deref().or(settings.lang.as_deref()) {
        None => i18n::lang_from(None),
        Some(code @ ("ko" | "en")) => i18n::lang_from(Some(code)),
        Some(other) => {
            eprintln!("madang-client: unknown language `{other}` (use ko or en)");
            return ExitCode::from(2);
        }
    };
    let server = cli
        .server
        .or(settings.server.clone())
        .unwrap_or_else(|| DEFAULT_SERVER.to_owned());
    let exit = run(ClientArgs {
        name: cli.name,
        server: madang_client::session::server_url(&server),
        server_cert: cli.server_cert,
        assets: cli.assets,
        lang,
        hall: cli.hall,
        spawn: cli.spawn,
        screenshot: cli.screenshot,
        visit: cli.visit,
        passes,
        settings: settings_path,
        shots: cli.shots,
        width: cli.width,
        height: cli.height,
        voice: !cli.no_voice,
        mic: cli.mic.or(settings.mic.clone()),
        speaker: cli.speaker.or(settings.speaker.clone()),
        push_to_talk: cli.push_to_talk || settings.push_to_talk,
        invite: cli.invite,
        look: settings
            .look
            .zip(settings.colour)
            .map(|(body, colour)| madang_shared::protocol::Look { body, colour }),
        organizer_panel: cli.organizer_panel,
    });
    match exit {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(_) => ExitCode::FAILURE,
    }
}
