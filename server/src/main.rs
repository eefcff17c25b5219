//! `madang-server`: runs a hall server, or checks maps.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use madang_server::Settings;
use madang_shared::map::load_expo;

/// mimalloc rather than glibc's allocator: a tick frees and makes thousands of small buffers, and
/// with glibc that was a tenth of the game thread's time at 1,000 clients (see the README).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Check Tiled maps against Madang's conventions: lists the problems (what stops a hall
    /// from working) and the notes (what a map holds that Madang does not use); exits non-zero
    /// on any problem.
    CheckMap {
        /// TMX files to check (maps their portals lead to are checked too).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also fail on notes.
        #[arg(long)]
        strict: bool,
    },
    /// Print the results of every ballot from the store (CSV or JSON), naming the booths from
    /// the maps. Works while the server runs.
    Results {
        /// csv or json.
        #[arg(long, default_value = "csv")]
        format: String,
    },
    /// Write the results report: CSV files and PNG charts (booths, halls over time, ballots,
    /// awards). Works while the server runs.
    Report {
        /// The folder to write into.
        #[arg(long, default_value = "report")]
        out: PathBuf,
        /// A font with Hangul for the charts.
        #[arg(long, default_value = "assets/fonts/NanumGothic.ttf")]
        font: PathBuf,
    },
    /// Copy the store to FILE while the server runs (SQLite's online backup: a consistent
    /// snapshot, taken page by page without stopping writers for long).
    Backup {
        /// Where to write the copy (a new SQLite file).
        file: PathBuf,
    },
    /// Make a one-time claim code for an award's winner: prints the code (hand it to the
    /// winner, who types it where an invite code goes) and the `claim_hash` line for the award.
    ClaimCode,
    /// Print the `[passes]` line that withdraws every visitor pass issued until now (each
    /// visitor then joins as a new one); add it to the settings and restart the server.
    RevokePasses,
    /// Print the join endpoint's certificate fingerprint (SHA-256), for visitors to compare.
    Fingerprint,
    /// Print the hash of an invite code, for the `invites` of the settings file.
    HashInvite {
        /// The code people will type.
        code: String,
    },
    /// A partnership agreement's signature record (JSON, with the public keys).
    Agreement {
        #[command(subcommand)]
        action: AgreementAction,
    },
}

#[derive(Subcommand, Debug)]
enum AgreementAction {
    /// Check a record offline: the agreement against its hash, every entry's place in the hash
    /// chain and its Ed25519 signature; prints who signed what and when, or the first entry
    /// that fails (and exits non-zero).
    Verify {
        /// The record (JSON).
        file: PathBuf,
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
    #[arg(long, global = true)]
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
    #[arg(long, global = true)]
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
        Some(Command::CheckMap { files, strict }) => check_maps(&files, strict),
        Some(Command::Agreement {
            action: AgreementAction::Verify { file },
        }) => verify_agreement(&file),
        Some(Command::Report { out, font }) => {
            let settings = match cli.run.settings() {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("madang-server: {e}");
                    return ExitCode::from(2);
                }
            };
            match madang_server::report::build(&settings)
                .and_then(|r| madang_server::report::write(&r, &out, &font))
            {
                Ok(files) => {
                    for f in files {
                        println!("{}", f.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("madang-server: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Some(Command::Backup { file }) => match cli.run.settings() {
            Ok(s) => match madang_server::store::backup(&s.store_path(), &file) {
                Ok(pages) => {
                    println!("{}: {pages} pages", file.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("madang-server: {e}");
                    ExitCode::FAILURE
                }
            },
            Err(e) => {
                eprintln!("madang-server: {e}");
                ExitCode::from(2)
            }
        },
        Some(Command::RevokePasses) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            println!("[passes]");
            println!("revoked_before = {now}");
            eprintln!(
                "add these lines to the settings file and restart the server: passes issued \
                 before now are then refused, and their visitors join anew"
            );
            ExitCode::SUCCESS
        }
        Some(Command::Fingerprint) => {
            let settings = match cli.run.settings() {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("madang-server: {e}");
                    return ExitCode::from(2);
                }
            };
            let certs = match (&settings.tls.cert, &settings.tls.key) {
                (Some(cert), Some(key)) => {
                    madang_server::tls::Certificates::open(madang_server::tls::CertFiles {
                        cert: cert.clone(),
                        key: key.clone(),
                    })
                }
                _ => {
                    let mut names = settings.tls.names.clone();
                    names.extend(settings.public_addr.map(|a| a.ip().to_string()));
                    madang_server::tls::Certificates::self_signed(&settings.tls_dir(), &names)
                }
            };
            match certs {
                Ok(c) => {
                    println!("{}  {}", c.fingerprint, c.files().cert.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("madang-server: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Some(Command::ClaimCode) => {
            // 16 letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L).
            const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
            let mut rng = rand::rng();
            let groups: Vec<String> = (0..4)
                .map(|_| {
                    (0..4)
                        .map(|_| {
                            ALPHABET[rand::Rng::random_range(&mut rng, 0..ALPHABET.len())] as char
                        })
                        .collect()
                })
                .collect();
            let code = groups.join("-");
            println!("code: {code}");
            println!(
                "claim_hash = \"{}\"",
                madang_server::identity::hash_invite(&code)
            );
            ExitCode::SUCCESS
        }
        Some(Command::HashInvite { code }) => {
            if code.trim().len() < 8 {
                eprintln!("madang-server: an invite code needs at least 8 characters");
                return ExitCode::from(2);
            }
            println!("{}", madang_server::identity::hash_invite(&code));
            ExitCode::SUCCESS
        }
        Some(Command::Results { format }) => match cli.run.settings() {
            Ok(s) => results(&s, &format),
            Err(e) => {
                eprintln!("madang-server: {e}");
                ExitCode::from(2)
            }
        },
        Some(Command::Run) | None => {
            // Colour only on a terminal: a log file or the journal gets plain text.
            tracing_subscriber::fmt()
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
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

fn verify_agreement(file: &std::path::Path) -> ExitCode {
    // A record is a few kilobytes per signature: a megabyte holds thousands.
    let bytes = match std::fs::metadata(file) {
        Ok(m) if m.len() > 16 * 1024 * 1024 => {
            eprintln!(
                "{}: larger than 16 MB, not a signature record",
                file.display()
            );
            return ExitCode::FAILURE;
        }
        _ => match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("cannot read {}: {e}", file.display());
                return ExitCode::FAILURE;
            }
        },
    };
    match madang_shared::agreement::verify(&bytes) {
        Ok(record) => {
            println!(
                "{}: \"{}\" (agreement {})",
                file.display(),
                record.agreement.title,
                record.agreement_hash
            );
            for e in &record.entries {
                let when = chrono_like(e.signed_at_ms);
                println!(
                    "  {}. {} — {} (visitor {}) at {when}, key {}: signature holds",
                    e.seq, e.organization, e.name, e.visitor, e.public_key
                );
            }
            let missing: Vec<&str> = record
                .agreement
                .organizations
                .iter()
                .filter(|o| !record.entries.iter().any(|e| &e.organization == *o))
                .map(String::as_str)
                .collect();
            println!(
                "the record holds: {} of {} organizations signed{}",
                record.entries.len(),
                record.agreement.organizations.len(),
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(" (not yet: {})", missing.join(", "))
                }
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{}: does not hold: {e}", file.display());
            ExitCode::FAILURE
        }
    }
}

/// Unix ms as `YYYY-MM-DD HH:MM:SS UTC`.
fn chrono_like(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

fn check_maps(files: &[PathBuf], strict: bool) -> ExitCode {
    let (halls, problems) = madang_shared::map::check_expo(files);
    for h in &halls {
        let ok = if problems.iter().any(|p| p.file == h.source) {
            "read, with problems"
        } else {
            "ok"
        };
        println!(
            "{}: {ok} ({}×{} tiles of {}×{} px, {} spawns, {} booths, {} doors, {} notes)",
            h.source.display(),
            h.width,
            h.height,
            h.tile_width,
            h.tile_height,
            h.spawns.len(),
            h.booths.len(),
            h.portals.len(),
            h.notes.len()
        );
    }
    if !problems.is_empty() {
        print!("{}", madang_shared::map::MapErrors(problems.clone()));
    }
    let notes: Vec<_> = halls.iter().flat_map(|h| &h.notes).collect();
    if !notes.is_empty() {
        println!(
            "{} note{} (loaded; what Madang does not use):",
            notes.len(),
            if notes.len() == 1 { "" } else { "s" }
        );
        for n in &notes {
            println!("  {n}");
        }
    }
    if !problems.is_empty() || (strict && !notes.is_empty()) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// One line of the results export.
#[derive(serde::Serialize)]
struct ResultRow {
    ballot: String,
    state: String,
    booth: String,
    org: String,
    title: String,
    title_en: String,
    votes: u64,
}

fn results(settings: &Settings, format: &str) -> ExitCode {
    if format != "csv" && format != "json" {
        eprintln!("madang-server: unknown format `{format}` (use csv or json)");
        return ExitCode::from(2);
    }
    let path = settings.store_path();
    if !path.is_file() {
        eprintln!("madang-server: there is no store at {}", path.display());
        return ExitCode::FAILURE;
    }
    let (tally, states) = match (
        madang_server::store::tally(&path),
        madang_server::store::ballot_states(&path),
    ) {
        (Ok(t), Ok(s)) => (t, s),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("madang-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Booth names from the maps, when they can be read; the keys alone otherwise.
    let halls = madang_shared::map::maps_in_dir(&settings.maps_dir)
        .ok()
        .and_then(|paths| load_expo(&paths).ok())
        .unwrap_or_default();
    let rows: Vec<ResultRow> = tally
        .into_iter()
        .map(|(ballot, booth, votes)| {
            let named = booth.rsplit_once('#').and_then(|(hall, id)| {
                let id: u32 = id.parse().ok()?;
                let map = halls.iter().find(|h| h.id == hall)?;
                map.booths.iter().find(|b| b.object_id == id)
            });
            let state = states
                .iter()
                .find(|(b, _)| *b == ballot)
                .map(|(_, s)| format!("{s:?}").to_lowercase())
                .unwrap_or_else(|| "draft".into());
            ResultRow {
                state,
                org: named.map(|b| b.org.ko.clone()).unwrap_or_default(),
                title: named.map(|b| b.title.ko.clone()).unwrap_or_default(),
                title_en: named.map(|b| b.title.en.clone()).unwrap_or_default(),
                ballot,
                booth,
                votes,
            }
        })
        .collect();
    if format == "json" {
        match serde_json::to_string_pretty(&rows) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("madang-server: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        println!("ballot,state,booth,org,title,title_en,votes");
        let field = |s: &str| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_owned()
            }
        };
        for r in &rows {
            println!(
                "{},{},{},{},{},{},{}",
                field(&r.ballot),
                r.state,
                field(&r.booth),
                field(&r.org),
                field(&r.title),
                field(&r.title_en),
                r.votes
            );
        }
    }
    ExitCode::SUCCESS
}
