//! The server's settings: defaults, a TOML file, then command-line flags, checked at start.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Everything an operator can set. Every field has a default, so a settings file only names
/// what it changes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Simulation ticks per second.
    pub tick_hz: u32,
    /// Where the game socket (UDP) listens.
    pub udp_bind: SocketAddr,
    /// The address clients are told to connect to; defaults to the bound address, with
    /// 127.0.0.1 in place of an unspecified IP.
    pub public_addr: Option<SocketAddr>,
    /// Where the join endpoint (HTTP) listens.
    pub http_bind: SocketAddr,
    /// The folder of hall maps (`*.tmx`); every map in it is a hall.
    pub maps_dir: PathBuf,
    /// The hall newcomers arrive in.
    pub entrance: String,
    /// The most people connected at once (netcode allows 1024 per socket).
    pub max_clients: usize,
    /// Walking speed, in tiles per second.
    pub speed: f32,
    /// Side of an interest cell, in tiles; a person sees the 3×3 cells around them.
    pub interest_cell_tiles: u32,
    /// The nearest moving people in view, sent in every snapshot.
    pub near_moves_per_snapshot: usize,
    /// Bytes of each snapshot for the others in view, who are sent in turns: what a client is
    /// sent per tick stays the same however many are in view.
    pub far_bytes_per_snapshot: usize,
    /// How long a connect token may be used after it is issued, in seconds.
    pub token_expire_secs: u64,
    /// A client silent this long is dropped, in seconds.
    pub client_timeout_secs: i32,
    /// The file holding the server's 32-byte secret (64 hex digits), from which the netcode key
    /// and the visitor passes are derived. Default: `server.key` in `data_dir`, made on the first
    /// start; keep it, or every visitor gets a new identity.
    pub key_file: Option<PathBuf>,
    /// Accept unauthenticated connections (development only).
    pub dev_insecure: bool,
    /// Seconds between stats lines in the log (0: never).
    pub stats_interval_secs: u64,
    /// Where persistent data lives: the SQLite store and the server's secret.
    pub data_dir: PathBuf,
    /// The expo's time zone, in minutes ahead of UTC (Asia/Seoul: 540, no daylight saving).
    /// Screen schedules such as `daily 14:00` are in it.
    pub utc_offset_minutes: i32,
    /// Pretend the wall clock read this (Unix ms) when the server started: for rehearsing a
    /// schedule, and for tests.
    pub clock_start_unix_ms: Option<i64>,
    /// People this close (tiles) talk in one conversation bubble.
    pub bubble_reach: f32,
    /// The most people in one bubble.
    pub bubble_max: usize,
    /// Invite codes (kept as hashes) that grant a role at the join endpoint.
    pub invites: Vec<Invite>,
    /// How often the number of people in each hall is recorded for the report; 0 turns it off.
    pub occupancy_interval_secs: u64,
    /// The hall the awards ceremony is held in (the first hall with a stage when absent).
    pub ceremony_hall: Option<String>,
    /// The awards, in the order they are given.
    pub awards: Vec<AwardSetting>,
    /// Display names only organizers (and, for an award's winner label, its winner) may join
    /// with: the organizers' own names, the host's, officials'. Compared without case, spaces
    /// or punctuation.
    pub reserved_names: Vec<String>,
    /// The expo's daily timetable, in its time zone (`utc_offset_minutes`).
    pub schedule: Vec<ScheduleItem>,
    /// The door's limits per source address (see [`DoorLimits`]).
    pub door: DoorLimits,
    /// What a vote needs to count, for every ballot without a rule of its own.
    pub vote: VoteRule,
    /// Rules for single ballots, by ballot id (`[ballot_rules.empathy]`).
    pub ballot_rules: std::collections::BTreeMap<String, VoteRule>,
    /// What a heart needs to count (the same checks as a vote, for the booth hearted).
    pub hearts: VoteRule,
    /// The join endpoint's certificate (see [`TlsSettings`]).
    pub tls: TlsSettings,
    /// Which visitor passes are still honoured (see [`PassSettings`]).
    pub passes: PassSettings,
    /// The partnership signed online at the ceremony, if any (see [`AgreementSetting`]).
    pub agreement: Option<AgreementSetting>,
    /// The object handed from one host to the next at the ceremony, if any.
    pub relay: Option<RelaySetting>,
    /// The ceremony's program, in order (`[[ceremony_program]] step = "open"`, `"award"` with
    /// `award = NAME`, `"call_winner"`, `"signing"`, `"handover"`, `"close"`). Without one:
    /// open, each award announced and its winner called, the signing and the handover when the
    /// expo has them, close.
    pub ceremony_program: Vec<ProgramStepSetting>,
    /// Stamp tours (see [`TourSetting`]).
    pub tours: Vec<TourSetting>,
}

/// A stamp tour (the 2020 expo's "today's event" with mileage for charity): stamps the server
/// grants for what it sees a visitor do, points for each, and causes the points are pledged to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TourSetting {
    /// Kept in the store with every stamp: keep it when renaming the tour.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// Points may be pledged at any time (else once every stamp is earned).
    #[serde(default)]
    pub pledge_any_time: bool,
    pub stamps: Vec<StampSetting>,
    #[serde(default)]
    pub causes: Vec<CauseSetting>,
}

/// A stamp: earned by exactly one of — staying in a booth's area (`booth`, as `hall#object id`)
/// for `seconds` in one visit; watching a video kiosk's video (`video`, `hall#object id`) to
/// its end from its start; being in a timetable item's hall (`timetable`, the item's title)
/// for `seconds` while it is on; leaving a comment (`comment`, a booth's `hall#object id`, or
/// `*` for any booth); sitting at a discussion table (`table`, `hall#object id` of the private
/// area) for `seconds` in a row.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StampSetting {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub label_en: String,
    #[serde(default = "default_points")]
    pub points: u32,
    #[serde(default)]
    pub booth: Option<String>,
    #[serde(default)]
    pub video: Option<String>,
    #[serde(default)]
    pub timetable: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    /// A discussion table (a private area, `hall#object id`) sat at for `seconds` in a row.
    #[serde(default)]
    pub table: Option<String>,
    /// For `booth`, `timetable` and `table`: how long (default 30 s).
    #[serde(default = "default_stamp_secs")]
    pub seconds: u32,
}

fn default_points() -> u32 {
    10
}

fn default_stamp_secs() -> u32 {
    30
}

/// A cause a tour's points can be pledged to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CauseSetting {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
}

/// The most tours, stamps per tour and causes per tour.
pub const MAX_TOURS: usize = 20;
pub const MAX_STAMPS: usize = 100;
pub const MAX_CAUSES: usize = 30;
/// The most stamps of all tours together (a card of them, labels of 100 characters in two
/// languages, stays well inside a message).
pub const MAX_ALL_STAMPS: usize = 150;

/// A step of the ceremony's program as the settings name it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
pub enum ProgramStepSetting {
    Open,
    /// Announce the award of this name.
    Award {
        award: String,
    },
    CallWinner,
    Signing,
    Handover,
    Close,
}

/// Someone a ceremony step calls to the stage, named as an award's winner is: never by display
/// name, but by visitor id or by a one-time claim code typed where an invite code goes. Their
/// label is a reserved name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalledPerson {
    /// How they are shown (a person, an organization's representative).
    pub name: String,
    #[serde(default)]
    pub visitor: Option<u64>,
    /// 64 hex digits: the hash of their claim code (`madang-server claim-code`).
    #[serde(default)]
    pub claim_hash: Option<String>,
}

/// An organization that signs the agreement, and its representative.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartySetting {
    pub organization: String,
    pub representative: CalledPerson,
}

/// The agreement signed at the ceremony (the 2021 Failure Expo's online partnership): each
/// representative signs its hash with their own key, and the record is a hash chain
/// (`madang-server agreement verify`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreementSetting {
    pub title: String,
    /// The title shown in English windows (not part of what is signed).
    #[serde(default)]
    pub title_en: String,
    /// The agreement's text; with `pdf`, what is said of it.
    #[serde(default)]
    pub text: String,
    /// The agreement as a PDF, by its path in the expo's assets (`documents/agreement.pdf`):
    /// its BLAKE3 hash becomes part of the text signed, so the signatures bind the file.
    #[serde(default)]
    pub pdf: Option<String>,
    pub parties: Vec<PartySetting>,
}

/// The relay's object (the 2019 innovation relay's "innovation thermometer") and the hosts it
/// passes between.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelaySetting {
    pub object: String,
    #[serde(default)]
    pub object_en: String,
    /// Its picture, by its path in the expo's assets (`relay/thermometer.png`).
    pub image: String,
    /// This expo's host, who holds it first (unless a holder was kept from before).
    pub giver: CalledPerson,
    /// The next host, who receives it.
    pub receiver: CalledPerson,
}

/// The claim key of an organization's representative.
pub fn signer_key(organization: &str) -> String {
    format!("signing:{organization}")
}

/// The claim keys of the relay's two hosts.
pub const RELAY_GIVER: &str = "relay:giver";
pub const RELAY_RECEIVER: &str = "relay:receiver";

fn called(key: String, p: &CalledPerson) -> AwardSetting {
    AwardSetting {
        name: key,
        name_en: String::new(),
        winner: p.name.clone(),
        winner_visitor: p.visitor,
        claim_hash: p.claim_hash.clone(),
    }
}

/// The join endpoint's HTTPS. With neither `cert` nor `key`, a self-signed certificate is made
/// at the first start in `data_dir/tls/` (for development: clients accept it on this machine, or
/// when given the file with `--server-cert`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    /// The certificate chain (PEM), e.g. Let's Encrypt's `fullchain.pem`. Reloaded when the file
    /// changes.
    pub cert: Option<PathBuf>,
    /// Its private key (PEM), e.g. `privkey.pem`.
    pub key: Option<PathBuf>,
    /// Host names and addresses the self-signed certificate names besides `localhost` and the
    /// loopback addresses.
    pub names: Vec<String>,
    /// Serve plain HTTP: only with a loopback `http_bind`, behind a proxy on this machine that
    /// terminates TLS.
    pub off: bool,
}

/// Visitor passes say when they were issued; these settings withdraw old ones. A withdrawn
/// pass is refused with a reason and the client joins anew, as a new visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PassSettings {
    /// Passes issued before this moment (Unix seconds) are refused: set it to now to withdraw
    /// every pass handed out so far (`madang-server revoke-passes` prints the line). Passes
    /// from before passes carried a date count as issued at 0.
    pub revoked_before: Option<u64>,
    /// Passes older than this many days are refused (none: they do not expire).
    pub max_age_days: Option<u32>,
}

/// What an identity must have done before its vote (or heart) counts. Identities are free, so
/// a crowd of fresh guests from one address must not be able to move a ballot: a new identity
/// waits `min_identity_minutes`, and must have spent `min_visit_secs` at the booth it votes for.
/// With the door's limit on new identities per address, a script gets a few votes an hour at
/// most, each after walking to the booth and waiting there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VoteRule {
    /// Minutes since the identity was first seen.
    pub min_identity_minutes: u32,
    /// Seconds spent inside the booth's area, over all visits.
    pub min_visit_secs: u32,
}

impl Default for VoteRule {
    fn default() -> Self {
        VoteRule {
            min_identity_minutes: 5,
            min_visit_secs: 10,
        }
    }
}

impl VoteRule {
    /// No conditions: every identity counts at once (rehearsals, tests).
    pub const NONE: VoteRule = VoteRule {
        min_identity_minutes: 0,
        min_visit_secs: 0,
    };
}

/// What one source address may do at the join endpoint and the game socket. An identity costs
/// nothing to make, so these are what a visitor costs: a crowd of fresh guests from one address
/// arrives no faster than `new_visitors_per_minute`. The defaults let a school or an office
/// behind one address (hundreds of people, arriving within minutes) in, and stop a script.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DoorLimits {
    /// New visitor identities (joins without a visitor pass) per address per minute.
    pub new_visitors_per_minute: u32,
    /// New identities one address may make at once before the rate applies.
    pub new_visitors_burst: u32,
    /// HTTP requests of any kind per address per second.
    pub requests_per_sec: u32,
    /// HTTP requests one address may make at once before the rate applies.
    pub requests_burst: u32,
    /// Game connections one address may have open at once.
    pub connections_per_address: usize,
}

impl DoorLimits {
    /// Limits a crowd from one machine never reaches: for load runs and tests, where every bot
    /// comes from 127.0.0.1.
    pub fn wide_open() -> Self {
        DoorLimits {
            new_visitors_per_minute: 100_000,
            new_visitors_burst: 100_000,
            requests_per_sec: 100_000,
            requests_burst: 100_000,
            connections_per_address: 1024,
        }
    }
}

impl Default for DoorLimits {
    fn default() -> Self {
        DoorLimits {
            new_visitors_per_minute: 30,
            new_visitors_burst: 60,
            requests_per_sec: 10,
            requests_burst: 40,
            connections_per_address: 300,
        }
    }
}

/// A daily item of the timetable.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleItem {
    /// `HH:MM`, every day.
    pub time: String,
    pub title: String,
    #[serde(default)]
    pub title_en: String,
    /// How long it lasts.
    #[serde(default = "default_minutes")]
    pub minutes: u32,
    /// Where it happens (a hall id).
    #[serde(default)]
    pub hall: Option<String>,
    /// The awards ceremony opens by itself at this time.
    #[serde(default)]
    pub opens_ceremony: bool,
    /// A video screen of `hall` (by its title, Korean or English) that starts playing at this
    /// time.
    #[serde(default)]
    pub screen: Option<String>,
    /// A slide deck (a PDF by its path in the expo's assets, `documents/daegu.pdf`) that goes
    /// up on `hall`'s slide screen at this time (the one `screen` names, or the first) and
    /// comes down at the item's end.
    #[serde(default)]
    pub deck: Option<String>,
}

fn default_minutes() -> u32 {
    60
}

impl ScheduleItem {
    /// Minutes after midnight.
    pub fn minute_of_day(&self) -> Option<u32> {
        madang_shared::map::parse_daily_schedule(&format!("daily {}", self.time))
    }
}

/// An award and its winner. The winner is never found by display name (anyone may join as
/// anyone): by their visitor id, or by a one-time claim code the organizers hand them
/// (`madang-server claim-code` makes one), typed where an invite code goes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwardSetting {
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// How the winner is shown to the room (an organization, a person); reserved, so that no
    /// one else may join with it.
    pub winner: String,
    /// The winner's visitor id, when known.
    #[serde(default)]
    pub winner_visitor: Option<u64>,
    /// The hash of the claim code (64 hex digits): the first visitor to join with the code is
    /// the winner, and the code then works for no one else.
    #[serde(default)]
    pub claim_hash: Option<String>,
}

/// An invite code for a role: `madang-server hash-invite CODE` prints the hash.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    pub role: madang_shared::protocol::Role,
    /// The code's hash (64 hex digits), never the code.
    pub hash: String,
    /// What it is for, for the log.
    #[serde(default)]
    pub label: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            tick_hz: 20,
            udp_bind: "0.0.0.0:7777".parse().expect("a valid literal address"),
            public_addr: None,
            http_bind: "0.0.0.0:7780".parse().expect("a valid literal address"),
            maps_dir: PathBuf::from("assets/maps"),
            entrance: "lobby".into(),
            max_clients: 1024,
            speed: 4.0,
            interest_cell_tiles: 16,
            near_moves_per_snapshot: 24,
            far_bytes_per_snapshot: 180,
            token_expire_secs: 60,
            client_timeout_secs: 8,
            key_file: None,
            dev_insecure: false,
            stats_interval_secs: 10,
            data_dir: PathBuf::from("data"),
            utc_offset_minutes: 540,
            bubble_reach: 3.0,
            bubble_max: 8,
            invites: Vec::new(),
            occupancy_interval_secs: 60,
            ceremony_hall: None,
            awards: Vec::new(),
            reserved_names: Vec::new(),
            schedule: Vec::new(),
            clock_start_unix_ms: None,
            door: DoorLimits::default(),
            vote: VoteRule::default(),
            ballot_rules: Default::default(),
            hearts: VoteRule {
                min_identity_minutes: 1,
                min_visit_secs: 3,
            },
            tls: TlsSettings::default(),
            passes: PassSettings::default(),
            agreement: None,
            relay: None,
            ceremony_program: Vec::new(),
            tours: Vec::new(),
        }
    }
}

/// A settings value that cannot work, or a file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read settings file {path}: {err}")]
    Read { path: PathBuf, err: std::io::Error },
    #[error("settings file {path} is invalid: {err}")]
    Parse { path: PathBuf, err: toml::de::Error },
    #[error("setting `{field}` is invalid: {why}")]
    Invalid { field: &'static str, why: String },
}

impl Settings {
    /// The rule for `ballot`: its own, or the default.
    pub fn vote_rule(&self, ballot: &str) -> VoteRule {
        self.ballot_rules.get(ballot).copied().unwrap_or(self.vote)
    }

    /// Everyone a claim code or a visitor id calls to the stage, as awards are: the awards,
    /// then each representative (`signing:ORGANIZATION`), then the relay's hosts
    /// (`relay:giver`, `relay:receiver`). The join endpoint takes claim codes for all of them
    /// and reserves their labels.
    pub fn claimables(&self) -> Vec<AwardSetting> {
        let mut all = self.awards.clone();
        if let Some(a) = &self.agreement {
            all.extend(
                a.parties
                    .iter()
                    .map(|p| called(signer_key(&p.organization), &p.representative)),
            );
        }
        if let Some(r) = &self.relay {
            all.push(called(RELAY_GIVER.into(), &r.giver));
            all.push(called(RELAY_RECEIVER.into(), &r.receiver));
        }
        all
    }

    /// The ceremony's program: the settings', or the one made of what the expo has.
    pub fn program(&self) -> Vec<madang_shared::protocol::ProgramStep> {
        use madang_shared::protocol::ProgramStep as P;
        if self.ceremony_program.is_empty() {
            let mut p = vec![P::Open];
            for i in 0..self.awards.len() {
                p.extend([P::Award(i as u16), P::CallWinner]);
            }
            if self.agreement.is_some() {
                p.push(P::Signing);
            }
            if self.relay.is_some() {
                p.push(P::Handover);
            }
            p.push(P::Close);
            return p;
        }
        self.ceremony_program
            .iter()
            .filter_map(|s| {
                Some(match s {
                    ProgramStepSetting::Open => P::Open,
                    ProgramStepSetting::Award { award } => {
                        P::Award(self.awards.iter().position(|a| &a.name == award)? as u16)
                    }
                    ProgramStepSetting::CallWinner => P::CallWinner,
                    ProgramStepSetting::Signing => P::Signing,
                    ProgramStepSetting::Handover => P::Handover,
                    ProgramStepSetting::Close => P::Close,
                })
            })
            .collect()
    }

    /// The agreement as signed: its text, with the PDF's hash when it is a PDF (read from the
    /// expo's assets).
    pub fn agreement_text(&self) -> Result<Option<madang_shared::agreement::Agreement>, String> {
        let Some(a) = &self.agreement else {
            return Ok(None);
        };
        let mut text = a.text.clone();
        if let Some(pdf) = &a.pdf {
            let root = madang_shared::map::assets_root(&self.maps_dir);
            let path = madang_shared::document::document_path(&root, pdf)
                .map_err(|e| format!("agreement.pdf `{pdf}`: {e}"))?;
            let bytes = std::fs::read(&path)
                .map_err(|e| format!("agreement.pdf {}: {e}", path.display()))?;
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&format!(
                "[PDF {pdf} BLAKE3 {}]",
                blake3::hash(&bytes).to_hex()
            ));
        }
        Ok(Some(madang_shared::agreement::Agreement {
            title: a.title.clone(),
            text,
            organizations: a.parties.iter().map(|p| p.organization.clone()).collect(),
        }))
    }

    /// Reads a settings file; fields it does not name keep their defaults.
    pub fn from_file(path: &Path) -> Result<Self, SettingsError> {
        let text = std::fs::read_to_string(path).map_err(|err| SettingsError::Read {
            path: path.to_owned(),
            err,
        })?;
        toml::from_str(&text).map_err(|err| SettingsError::Parse {
            path: path.to_owned(),
            err,
        })
    }

    /// Checks every value; the first bad one is reported with what would work.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let bad = |field, why: String| Err(SettingsError::Invalid { field, why });
        if !(1..=120).contains(&self.tick_hz) {
            return bad(
                "tick_hz",
                format!("{} is not between 1 and 120", self.tick_hz),
            );
        }
        if !(1..=1024).contains(&self.max_clients) {
            return bad(
                "max_clients",
                format!(
                    "{} is not between 1 and 1024 (netcode's limit per socket)",
                    self.max_clients
                ),
            );
        }
        if !(self.speed > 0.0 && self.speed <= 50.0) {
            return bad(
                "speed",
                format!("{} tiles/s is not above 0 and at most 50", self.speed),
            );
        }
        if !(self.bubble_reach >= 1.0 && self.bubble_reach <= 16.0) {
            return bad(
                "bubble_reach",
                format!("{} tiles is not between 1 and 16", self.bubble_reach),
            );
        }
        if !(2..=64).contains(&self.bubble_max) {
            return bad(
                "bubble_max",
                format!("{} is not between 2 and 64", self.bubble_max),
            );
        }
        for item in &self.schedule {
            if item.minute_of_day().is_none() {
                return bad(
                    "schedule",
                    format!(
                        "`{}` ({}) is not a time of day HH:MM",
                        item.time, item.title
                    ),
                );
            }
            if item.minutes == 0 || item.minutes > 24 * 60 {
                return bad(
                    "schedule",
                    format!("{} lasts {} minutes: 1 to 1440", item.title, item.minutes),
                );
            }
        }
        for (i, invite) in self.invites.iter().enumerate() {
            if invite.hash.len() != 64 || !invite.hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return bad(
                    "invites",
                    format!(
                        "invite {} ({}): the hash must be 64 hex digits \
                         (madang-server hash-invite CODE prints it)",
                        i + 1,
                        invite.label
                    ),
                );
            }
            if invite.role == madang_shared::protocol::Role::Visitor {
                return bad(
                    "invites",
                    format!(
                        "invite {} ({}): visitors need no invite",
                        i + 1,
                        invite.label
                    ),
                );
            }
        }
        for (i, award) in self.awards.iter().enumerate() {
            let hash_ok = award
                .claim_hash
                .as_ref()
                .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
            if award.claim_hash.is_some() && !hash_ok {
                return bad(
                    "awards",
                    format!(
                        "award {} ({}): claim_hash must be 64 hex digits",
                        i + 1,
                        award.name
                    ),
                );
            }
            if award.winner_visitor.is_none() && award.claim_hash.is_none() {
                return bad(
                    "awards",
                    format!(
                        "award {} ({}): name its winner by winner_visitor or claim_hash \
                         (madang-server claim-code makes a code); winners are never matched by name",
                        i + 1,
                        award.name
                    ),
                );
            }
            if self.awards[..i].iter().any(|a| a.name == award.name) {
                return bad("awards", format!("two awards are called {}", award.name));
            }
        }
        for award in &self.awards {
            if award.name.starts_with("signing:") || award.name.starts_with("relay:") {
                return bad(
                    "awards",
                    format!(
                        "{}: award names may not begin with signing: or relay:",
                        award.name
                    ),
                );
            }
        }
        let person_ok = |p: &CalledPerson| {
            let hash_ok = p
                .claim_hash
                .as_ref()
                .is_none_or(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
            hash_ok && (p.visitor.is_some() || p.claim_hash.is_some()) && !p.name.trim().is_empty()
        };
        let person_why = "name them, and give their visitor id or the 64-hex-digit hash of a \
                          claim code (madang-server claim-code makes one); never a display name alone";
        // One claim code calls one person to one part: the join endpoint credits a code to the
        // first part that has it.
        let claimables = self.claimables();
        for (i, c) in claimables.iter().enumerate() {
            if let Some(h) = &c.claim_hash
                && claimables[..i].iter().any(|d| {
                    d.claim_hash
                        .as_ref()
                        .is_some_and(|e| e.eq_ignore_ascii_case(h))
                })
            {
                return bad(
                    "claim_hash",
                    format!(
                        "{} shares its claim code with another award or part",
                        c.winner
                    ),
                );
            }
        }
        if let Some(a) = &self.agreement {
            if a.title.trim().is_empty() || (a.text.trim().is_empty() && a.pdf.is_none()) {
                return bad("agreement", "give a title, and a text or a pdf".into());
            }
            if a.title.chars().count() > 200
                || a.title_en.chars().count() > 200
                || a.text.chars().count() > 20_000
            {
                return bad(
                    "agreement",
                    "the title is at most 200 characters and the text 20,000".into(),
                );
            }
            if a.parties.is_empty() || a.parties.len() > 100 {
                return bad("agreement", "1 to 100 parties sign it".into());
            }
            for (i, p) in a.parties.iter().enumerate() {
                if p.organization.trim().is_empty() || p.organization.chars().count() > 100 {
                    return bad(
                        "agreement",
                        format!("party {}: an organization of 1 to 100 characters", i + 1),
                    );
                }
                if a.parties[..i]
                    .iter()
                    .any(|q| q.organization == p.organization)
                {
                    return bad("agreement", format!("{} is listed twice", p.organization));
                }
                if !person_ok(&p.representative) {
                    return bad(
                        "agreement",
                        format!("{}'s representative: {person_why}", p.organization),
                    );
                }
            }
            if let Err(why) = self.agreement_text() {
                return bad("agreement", why);
            }
        }
        if let Some(r) = &self.relay {
            if r.object.trim().is_empty() || r.image.trim().is_empty() {
                return bad("relay", "name the object and its image".into());
            }
            let named = Path::new(&r.image);
            let inside = named
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
            if !inside || !r.image.to_ascii_lowercase().ends_with(".png") {
                return bad(
                    "relay",
                    format!(
                        "image `{}`: a .png file by its path inside the expo's assets, without `..`",
                        r.image
                    ),
                );
            }
            for (who, p) in [("giver", &r.giver), ("receiver", &r.receiver)] {
                if !person_ok(p) {
                    return bad("relay", format!("the {who}: {person_why}"));
                }
            }
        }
        for step in &self.ceremony_program {
            match step {
                ProgramStepSetting::Award { award }
                    if !self.awards.iter().any(|a| &a.name == award) =>
                {
                    return bad(
                        "ceremony_program",
                        format!("there is no award called {award}"),
                    );
                }
                ProgramStepSetting::Signing if self.agreement.is_none() => {
                    return bad(
                        "ceremony_program",
                        "a signing step needs an [agreement]".into(),
                    );
                }
                ProgramStepSetting::Handover if self.relay.is_none() => {
                    return bad("ceremony_program", "a handover step needs a [relay]".into());
                }
                _ => {}
            }
        }
        if self.tours.len() > MAX_TOURS {
            return bad("tours", format!("at most {MAX_TOURS} tours"));
        }
        // The whole card goes to a visitor in one message: at most so many stamps in all.
        let all_stamps: usize = self.tours.iter().map(|t| t.stamps.len()).sum();
        if all_stamps > MAX_ALL_STAMPS {
            return bad(
                "tours",
                format!("{all_stamps} stamps in all: at most {MAX_ALL_STAMPS}"),
            );
        }
        let long = |s: &str| s.chars().count() > 100;
        let id_ok = |id: &str| {
            !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        for (i, tour) in self.tours.iter().enumerate() {
            let at = |why: String| format!("tour {} ({}): {why}", i + 1, tour.id);
            if !id_ok(&tour.id) || self.tours[..i].iter().any(|t| t.id == tour.id) {
                return bad(
                    "tours",
                    at("an id of 1 to 64 letters, digits, - or _, not used twice".into()),
                );
            }
            if tour.name.trim().is_empty() || long(&tour.name) || long(&tour.name_en) {
                return bad("tours", at("a name of 1 to 100 characters".into()));
            }
            if tour.stamps.is_empty() || tour.stamps.len() > MAX_STAMPS {
                return bad("tours", at(format!("1 to {MAX_STAMPS} stamps")));
            }
            if tour.causes.len() > MAX_CAUSES {
                return bad("tours", at(format!("at most {MAX_CAUSES} causes")));
            }
            for (j, c) in tour.causes.iter().enumerate() {
                if !id_ok(&c.id) || tour.causes[..j].iter().any(|d| d.id == c.id) {
                    return bad("tours", at(format!("cause {}: an id used once", j + 1)));
                }
                if c.name.trim().is_empty() || long(&c.name) || long(&c.name_en) {
                    return bad(
                        "tours",
                        at(format!("cause {}: a name of 1 to 100 characters", c.id)),
                    );
                }
            }
            for (j, st) in tour.stamps.iter().enumerate() {
                if !id_ok(&st.id) || tour.stamps[..j].iter().any(|o| o.id == st.id) {
                    return bad("tours", at(format!("stamp {}: an id used once", j + 1)));
                }
                if st.label.trim().is_empty() || long(&st.label) || long(&st.label_en) {
                    return bad(
                        "tours",
                        at(format!("stamp {}: a label of 1 to 100 characters", st.id)),
                    );
                }
                let ways = [&st.booth, &st.video, &st.timetable, &st.comment, &st.table]
                    .iter()
                    .filter(|w| w.is_some())
                    .count();
                if ways != 1 {
                    return bad(
                        "tours",
                        at(format!(
                            "stamp {}: name exactly one of booth, video, timetable, comment or table",
                            st.id
                        )),
                    );
                }
                if st.points > 10_000 || !(1..=86_400).contains(&st.seconds) {
                    return bad(
                        "tours",
                        at(format!(
                            "stamp {}: at most 10,000 points, and 1 s to a day",
                            st.id
                        )),
                    );
                }
                if let Some(title) = &st.timetable
                    && !self
                        .schedule
                        .iter()
                        .any(|item| &item.title == title || &item.title_en == title)
                {
                    return bad(
                        "tours",
                        at(format!(
                            "stamp {}: the timetable has no item {title}",
                            st.id
                        )),
                    );
                }
            }
        }
        if !(4..=256).contains(&self.interest_cell_tiles) {
            return bad(
                "interest_cell_tiles",
                format!("{} is not between 4 and 256", self.interest_cell_tiles),
            );
        }
        if !(1..=100).contains(&self.near_moves_per_snapshot) {
            return bad(
                "near_moves_per_snapshot",
                format!("{} is not between 1 and 100", self.near_moves_per_snapshot),
            );
        }
        if self.far_bytes_per_snapshot > 1000 {
            return bad(
                "far_bytes_per_snapshot",
                format!("{} is over 1000", self.far_bytes_per_snapshot),
            );
        }
        if !(1..=3600).contains(&self.token_expire_secs) {
            return bad(
                "token_expire_secs",
                format!("{} is not between 1 and 3600", self.token_expire_secs),
            );
        }
        if !(1..=300).contains(&self.client_timeout_secs) {
            return bad(
                "client_timeout_secs",
                format!("{} is not between 1 and 300", self.client_timeout_secs),
            );
        }
        if !(-14 * 60..=14 * 60).contains(&self.utc_offset_minutes) {
            return bad(
                "utc_offset_minutes",
                format!("{} is not between -840 and 840", self.utc_offset_minutes),
            );
        }
        let door = &self.door;
        for (field, value, max) in [
            (
                "door.new_visitors_per_minute",
                door.new_visitors_per_minute,
                100_000,
            ),
            ("door.new_visitors_burst", door.new_visitors_burst, 100_000),
            ("door.requests_per_sec", door.requests_per_sec, 100_000),
            ("door.requests_burst", door.requests_burst, 100_000),
        ] {
            if !(1..=max).contains(&value) {
                return bad(field, format!("{value} is not between 1 and {max}"));
            }
        }
        if !(1..=1024).contains(&door.connections_per_address) {
            return bad(
                "door.connections_per_address",
                format!("{} is not between 1 and 1024", door.connections_per_address),
            );
        }
        for (name, rule) in std::iter::once(("vote", &self.vote))
            .chain(std::iter::once(("hearts", &self.hearts)))
            .chain(self.ballot_rules.iter().map(|(k, v)| (k.as_str(), v)))
        {
            if rule.min_identity_minutes > 7 * 24 * 60 || rule.min_visit_secs > 24 * 3600 {
                return bad(
                    "vote",
                    format!(
                        "the rule for {name}: at most a week of identity age and a day at the booth"
                    ),
                );
            }
        }
        if self.dev_insecure
            && !(self.udp_bind.ip().is_loopback() && self.http_bind.ip().is_loopback())
        {
            return bad(
                "dev_insecure",
                format!(
                    "unauthenticated connections are for development on this machine only: \
                     both binds must be loopback (udp_bind {}, http_bind {})",
                    self.udp_bind, self.http_bind
                ),
            );
        }
        if self.tls.cert.is_some() != self.tls.key.is_some() {
            return bad(
                "tls",
                "name both `cert` and `key`, or neither (for a self-signed certificate)".into(),
            );
        }
        if self.tls.off && !self.http_bind.ip().is_loopback() {
            return bad(
                "tls.off",
                format!(
                    "plain HTTP would carry invite codes and visitor passes in clear text: it is \
                     allowed only with a loopback http_bind behind a TLS proxy (http_bind {})",
                    self.http_bind
                ),
            );
        }
        if self.tls.off && self.tls.cert.is_some() {
            return bad(
                "tls.off",
                "`off` and a certificate contradict each other".into(),
            );
        }
        if self.entrance.trim().is_empty() {
            return bad(
                "entrance",
                "it is empty: name the hall newcomers arrive in".into(),
            );
        }
        Ok(())
    }

    /// The file of the server's secret.
    pub fn key_path(&self) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("server.key"))
    }

    /// Where the self-signed certificate is kept.
    pub fn tls_dir(&self) -> PathBuf {
        self.data_dir.join("tls")
    }

    /// The SQLite store.
    pub fn store_path(&self) -> PathBuf {
        self.data_dir.join("madang.sqlite")
    }

    /// The address written into connect tokens.
    pub fn public_addr_for(&self, bound: SocketAddr) -> SocketAddr {
        match self.public_addr {
            Some(a) => a,
            None if bound.ip().is_unspecified() => SocketAddr::from(([127, 0, 0, 1], bound.port())),
            None => bound,
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_demo_settings_read_and_pass_the_checks() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/demo.toml");
        let s = Settings::from_file(&path).expect("the demo settings read");
        s.validate().expect("and pass the checks");
        assert_eq!(s.invites.len(), 2);
        assert_eq!(s.awards.len(), 2);
        assert!(
            s.schedule
                .iter()
                .any(|i| i.opens_ceremony && i.time == "15:00")
        );
        let organizer = crate::identity::hash_invite("madang-demo-organizer");
        assert!(s.invites.iter().any(|i| i.hash == organizer));
        // The rituals: three parties, the thermometer, and a program that runs them all.
        use madang_shared::protocol::ProgramStep as P;
        assert_eq!(s.agreement.as_ref().map(|a| a.parties.len()), Some(3));
        assert_eq!(
            s.program(),
            vec![
                P::Open,
                P::Signing,
                P::Award(0),
                P::CallWinner,
                P::Award(1),
                P::CallWinner,
                P::Handover,
                P::Close
            ]
        );
        let claimables = s.claimables();
        let rep = crate::identity::hash_invite("madang-demo-sign-2");
        assert!(
            claimables
                .iter()
                .any(|c| c.name == "signing:대구광역시" && c.claim_hash.as_deref() == Some(&rep))
        );
        assert!(claimables.iter().any(|c| c.name == RELAY_RECEIVER));
    }

    #[test]
    fn an_agreement_in_a_pdf_signs_the_file_s_hash() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut s: Settings = toml::from_str(
            "[agreement]\ntitle = \"협약\"\npdf = \"documents/casebook_regional_innovation.pdf\"\n\
             [[agreement.parties]]\norganization = \"대구광역시\"\n\
             representative = { name = \"대표\", visitor = 1 }",
        )
        .expect("parses");
        s.maps_dir = root.join("assets/maps");
        s.validate().expect("valid");
        let bytes =
            std::fs::read(root.join("assets/documents/casebook_regional_innovation.pdf")).unwrap();
        let text = s
            .agreement_text()
            .expect("reads")
            .expect("an agreement")
            .text;
        assert!(
            text.contains(&blake3::hash(&bytes).to_hex().to_string()),
            "{text}"
        );
        s.agreement.as_mut().unwrap().pdf = Some("../secret.pdf".into());
        assert!(s.validate().is_err(), "a PDF outside the assets");
    }

    #[test]
    fn a_program_names_what_the_expo_has_and_people_are_never_named_by_name_alone() {
        let base: Settings =
            toml::from_str("[[ceremony_program]]\nstep = \"signing\"").expect("parses");
        let err = base.validate().expect_err("no agreement").to_string();
        assert!(err.contains("[agreement]"), "{err}");
        let unknown: Settings =
            toml::from_str("[[ceremony_program]]\nstep = \"award\"\naward = \"없는 상\"")
                .expect("parses");
        assert!(unknown.validate().is_err());
        let nameless: Settings = toml::from_str(
            "[relay]\nobject = \"혁신 온도계\"\nimage = \"relay/thermometer.png\"\n\
             giver = { name = \"주관기관\" }\nreceiver = { name = \"다음 기관\", visitor = 7 }",
        )
        .expect("parses");
        let err = nameless
            .validate()
            .expect_err("a giver by name alone")
            .to_string();
        assert!(
            err.contains("giver") && err.contains("never a display name"),
            "{err}"
        );
        let escaping: Settings = toml::from_str(
            "[relay]\nobject = \"혁신 온도계\"\nimage = \"../../etc/passwd.png\"\n\
             giver = { name = \"주관기관\", visitor = 1 }\nreceiver = { name = \"다음\", visitor = 2 }",
        )
        .expect("parses");
        assert!(escaping.validate().is_err(), "an image outside the assets");
        // Without a program: open, each award, the signing and the handover, close.
        let plain = Settings {
            relay: nameless.relay.clone(),
            ..Settings::default()
        };
        assert_eq!(
            plain.program(),
            vec![
                madang_shared::protocol::ProgramStep::Open,
                madang_shared::protocol::ProgramStep::Handover,
                madang_shared::protocol::ProgramStep::Close
            ]
        );
    }

    #[test]
    fn plain_http_is_refused_off_loopback_and_a_certificate_needs_its_key() {
        let off = Settings {
            tls: TlsSettings {
                off: true,
                ..Default::default()
            },
            ..Default::default()
        };
        let err = off.validate().expect_err("0.0.0.0").to_string();
        assert!(
            err.contains("tls.off") && err.contains("clear text"),
            "{err}"
        );
        let proxied = Settings {
            http_bind: "127.0.0.1:7780".parse().expect("literal"),
            ..off
        };
        proxied.validate().expect("behind a proxy on this machine");
        let half = Settings {
            tls: TlsSettings {
                cert: Some("fullchain.pem".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(
            half.validate()
                .expect_err("no key")
                .to_string()
                .contains("both")
        );
    }

    #[test]
    fn dev_insecure_is_refused_off_loopback() {
        let open = Settings {
            dev_insecure: true,
            ..Settings::default()
        };
        let err = open
            .validate()
            .expect_err("0.0.0.0 binds are refused")
            .to_string();
        assert!(err.contains("dev_insecure"), "{err}");
        let local = Settings {
            dev_insecure: true,
            udp_bind: "127.0.0.1:0".parse().expect("literal"),
            http_bind: "[::1]:0".parse().expect("literal"),
            ..Settings::default()
        };
        local.validate().expect("loopback binds are allowed");
    }

    #[test]
    fn a_plain_invite_code_or_a_bad_time_is_refused() {
        let bad = Settings {
            invites: vec![Invite {
                role: madang_shared::protocol::Role::Organizer,
                hash: "let-me-in".into(),
                label: "oops".into(),
            }],
            ..Settings::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("64 hex digits")
        );
        let bad = Settings {
            schedule: vec![ScheduleItem {
                time: "25:00".into(),
                title: "late".into(),
                title_en: String::new(),
                minutes: 10,
                hall: None,
                opens_ceremony: false,
                screen: None,
                deck: None,
            }],
            ..Settings::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("HH:MM"));
    }

    use super::*;

    #[test]
    fn defaults_are_valid() {
        Settings::default()
            .validate()
            .expect("the defaults must start");
    }

    #[test]
    fn a_file_overrides_only_what_it_names() {
        let s: Settings = toml::from_str("tick_hz = 30\nentrance = \"hall\"").expect("parses");
        assert_eq!(s.tick_hz, 30);
        assert_eq!(s.entrance, "hall");
        assert_eq!(s.speed, Settings::default().speed);
    }

    #[test]
    fn unknown_fields_and_bad_values_are_clear_errors() {
        assert!(toml::from_str::<Settings>("tick_rate = 30").is_err());
        let s = Settings {
            tick_hz: 0,
            ..Settings::default()
        };
        let e = s.validate().expect_err("0 Hz cannot run");
        assert!(e.to_string().contains("tick_hz"), "{e}");
        let s = Settings {
            max_clients: 5000,
            ..Settings::default()
        };
        assert!(s.validate().is_err());
    }
}
