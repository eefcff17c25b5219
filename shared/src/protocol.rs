//! The wire protocol: every message, its channel, and how it is encoded.
//!
//! Clients send intents ([`ClientMsg`]), never state; the server answers with facts
//! ([`ServerMsg`]). Messages are encoded with postcard. Decoding refuses anything over a size
//! limit, with bytes left over, or with fields out of range ([`ClientMsg::validate`]), so a bad
//! packet becomes a typed error, never a panic.

use std::time::Duration;

use glam::Vec2;
use renet::{ChannelConfig, ConnectionConfig, SendType};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::names::{NameError, validate_display_name};
use crate::rules::{MoveInput, QPos};

/// Bumped on every incompatible change; a client of another version is refused at join.
pub const PROTOCOL_VERSION: u32 = 11;

/// The netcode protocol id: "MADANG" and the version, so old clients cannot even handshake.
pub const PROTOCOL_ID: u64 = 0x4D41_4441_4E47_0000 | PROTOCOL_VERSION as u64;

/// The largest message a client may send, in bytes: room for a chat line of
/// [`CHAT_MAX_CHARS`] Hangul syllables (three bytes each).
pub const MAX_CLIENT_MSG_BYTES: usize = 4096;

/// The largest message the server sends, in bytes.
pub const MAX_SERVER_MSG_BYTES: usize = 256 * 1024;

/// How many input frames one [`ClientMsg::Input`] may carry. Each message repeats the last few
/// frames so that a lost packet loses no input.
pub const MAX_INPUT_FRAMES: usize = 16;

/// Channel ids. Each direction has its own list in renet; the ids are shared.
pub mod channel {
    /// Client → server: movement input, unreliable (newer input supersedes older).
    pub const INPUT: u8 = 0;
    /// Server → client: snapshots of positions, unreliable.
    pub const SNAPSHOT: u8 = 0;
    /// Both ways: requests, events and acknowledgements, reliable and ordered.
    pub const RELIABLE: u8 = 1;
    /// Both ways: voice frames, unreliable (a late frame is worth nothing).
    pub const VOICE: u8 = 2;
}

/// The longest Opus frame a client may send, in bytes (20 ms of speech takes 40 to 120).
pub const MAX_VOICE_BYTES: usize = 400;

/// Emotes a client is sent in one tick at most; more in a crowd are dropped, as a wall of
/// icons would show nothing more.
pub const MAX_EMOTES_PER_TICK: usize = 32;

/// The longest mute with an end, in minutes (a week).
pub const MAX_MUTE_MINUTES: u32 = 7 * 24 * 60;

/// The longest chat message, in characters.
pub const CHAT_MAX_CHARS: usize = 500;

/// The audience's reactions, counted per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reaction {
    Applause,
    Heart,
    Cheer,
}

impl Reaction {
    pub const ALL: [Reaction; 3] = [Reaction::Applause, Reaction::Heart, Reaction::Cheer];

    pub fn index(self) -> usize {
        self as usize
    }
}

/// What people at a discussion table do about the floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FloorAction {
    /// Join the queue of those who want to speak.
    Raise,
    /// Leave the queue (or give the floor back).
    Lower,
    /// Facilitator: the floor goes to the first in the queue.
    Next,
    /// Facilitator: the floor goes to this person at the table.
    Give(AvatarId),
    /// Facilitator: a speaking timer of this many seconds, shown to the table.
    Timer { secs: u32 },
    /// Facilitator: the timer is stopped.
    StopTimer,
}

/// What an organizer does to a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModAction {
    /// Out of the expo, now; they may come back.
    Kick { who: AvatarId, reason: String },
    /// Out, and refused at the door (by visitor id) until `minutes` pass, or for good.
    Ban {
        who: AvatarId,
        reason: String,
        minutes: Option<u32>,
    },
    /// Lifts a ban, by visitor id.
    Unban { visitor: u64 },
    /// Onto the stage of the hall that has one (the ceremony room).
    ToStage { who: AvatarId },
}

/// The longest moderation reason, in characters.
pub const REASON_MAX_CHARS: usize = 200;

/// Someone online, as an organizer's list shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    pub id: AvatarId,
    pub visitor: u64,
    pub name: String,
    pub hall: u16,
    pub role: Role,
    pub muted: bool,
}

/// A report of a person by a visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRow {
    pub id: i64,
    pub reporter: String,
    pub target: String,
    pub target_visitor: u64,
    pub reason: String,
    /// Unix seconds.
    pub at: i64,
}

/// One occurrence of an item of the expo's timetable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleEntry {
    /// Unix ms.
    pub starts: i64,
    pub ends: i64,
    pub title: String,
    pub title_en: String,
    /// Where it happens (a hall id), if somewhere in particular.
    pub hall: Option<String>,
}

/// A step of the ceremony, as the organizer asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CeremonyStep {
    /// Everyone in the expo is invited to the ceremony room.
    Open,
    /// This award (by its place in the expo's list) is announced.
    Announce(u16),
    /// The announced award's winner is moved onto the stage.
    CallWinner,
    Close,
    /// The next step of the event's program ([`CeremonyView::program`]).
    Next,
    /// The partnership signing: opens it, or calls the next representative present to the
    /// signing desk on the stage.
    Signing,
    /// The relay handover: calls both hosts onto the stage, then passes the object.
    Handover,
}

/// A step of an event's ceremony program, as the settings list it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProgramStep {
    Open,
    /// Announce this award (by its place in the expo's list).
    Award(u16),
    /// Call the announced award's winner onto the stage.
    CallWinner,
    /// The partnership signing: every representative in turn.
    Signing,
    /// The relay handover.
    Handover,
    Close,
}

/// One signature as the room sees it on the stage screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedView {
    pub organization: String,
    /// The representative's display name.
    pub name: String,
    /// When it was recorded (Unix ms).
    pub at_ms: i64,
}

/// The partnership signing as the room sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningView {
    pub title: String,
    /// The title in English, for English windows (the agreement signed is the Korean one).
    pub title_en: String,
    /// The signing organizations, in order.
    pub organizations: Vec<String>,
    pub signed: Vec<SignedView>,
    /// The organization whose representative stands at the desk, by index.
    pub at_desk: Option<u16>,
}

/// What the representative at the signing desk is asked to sign (to them alone): they sign
/// [`crate::agreement::signing_message`] of these with their own key and answer
/// [`ClientMsg::Sign`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignRequest {
    /// The agreement as shown to the signer: its hash must be `agreement_hash`, which the
    /// client checks before it signs.
    pub title: String,
    pub text: String,
    pub organizations: Vec<String>,
    /// The organization the signer signs for.
    pub organization: String,
    pub visitor: u64,
    pub name: String,
    /// The agreement's hash and the record's head (32 bytes each).
    pub agreement_hash: Vec<u8>,
    pub prev_hash: Vec<u8>,
}

/// The relay's object and who holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayView {
    pub object: String,
    pub object_en: String,
    /// The object's picture, by its path in the expo's assets.
    pub image: String,
    /// The holder's label (an organization, a host), and their avatar while connected.
    pub holder_name: Option<String>,
    pub holder: Option<AvatarId>,
    /// The hand it just left, while it passes (for the window to draw it travelling).
    pub from: Option<AvatarId>,
}

/// An award as the room sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwardView {
    pub index: u16,
    pub name: String,
    pub name_en: String,
    /// Once called: the winner's name.
    pub winner: Option<String>,
}

/// The ceremony as everyone is told it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CeremonyView {
    pub open: bool,
    /// The ceremony room.
    pub hall: u16,
    pub award: Option<AwardView>,
    /// How many awards there are.
    pub awards: u16,
    /// The event's program, and the place of the step [`CeremonyStep::Next`] runs.
    pub program: Vec<ProgramStep>,
    pub next: u16,
    /// The partnership signing, once opened.
    pub signing: Option<SigningView>,
    /// The relay's object, when the expo has one.
    pub relay: Option<RelayView>,
}

/// A stamp of a tour, as its visitor sees it on their card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StampView {
    pub id: String,
    pub label: String,
    pub label_en: String,
    pub points: u32,
    pub earned: bool,
}

/// A cause the points of a tour can be given to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CauseView {
    pub id: String,
    pub name: String,
    pub name_en: String,
}

/// One tour on a visitor's stamp card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TourCard {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub stamps: Vec<StampView>,
    pub causes: Vec<CauseView>,
    /// Points may be pledged before the tour is complete.
    pub pledge_any_time: bool,
    /// What this visitor has pledged: (cause id, points).
    pub pledged: Vec<(String, u32)>,
}

impl TourCard {
    pub fn earned_points(&self) -> u32 {
        self.stamps
            .iter()
            .filter(|s| s.earned)
            .map(|s| s.points)
            .sum()
    }

    pub fn pledged_points(&self) -> u32 {
        self.pledged.iter().map(|(_, p)| *p).sum()
    }

    pub fn complete(&self) -> bool {
        self.stamps.iter().all(|s| s.earned)
    }

    /// Points that may be pledged now.
    pub fn pledgeable(&self) -> u32 {
        if self.pledge_any_time || self.complete() {
            self.earned_points().saturating_sub(self.pledged_points())
        } else {
            0
        }
    }
}

/// The longest speaking timer, in seconds.
pub const MAX_TIMER_SECS: u32 = 3600;

/// Small pictures over an avatar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Emote {
    Wave,
    Laugh,
    Heart,
    Star,
    Question,
    Exclaim,
}

impl Emote {
    pub const ALL: [Emote; 6] = [
        Emote::Wave,
        Emote::Laugh,
        Emote::Heart,
        Emote::Star,
        Emote::Question,
        Emote::Exclaim,
    ];
}

/// A conversation as its members see it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConversationKind {
    /// Alone: nobody near.
    Alone,
    /// A bubble of people standing near each other.
    Bubble,
    /// Everyone at a private area (a discussion table), by its id.
    Area(String),
}

/// A line of chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatLine {
    pub from: AvatarId,
    pub name: String,
    pub scope: crate::talk::ChatScope,
    pub text: String,
    /// Unix seconds.
    pub at: i64,
}

/// What the server may hold of one client's unread or unacknowledged messages, per channel, in
/// bytes (renet also counts [`RECEIVED_MESSAGE_OVERHEAD`] for each message). Sized to what an
/// honest client sends between two ticks with room to spare, so that a thousand clients cannot
/// make the server hold more than a few tens of MiB: movement input is one small message a tick,
/// voice a few 20 ms frames, requests a handful of at most [`MAX_CLIENT_MSG_BYTES`] each.
pub const CLIENT_INPUT_BUDGET: usize = 16 * 1024;
pub const CLIENT_RELIABLE_BUDGET: usize = 64 * 1024;
pub const CLIENT_VOICE_BUDGET: usize = 16 * 1024;

/// renet's per-message charge on a receive channel (`vendor/renet`, see vendor/PATCHES.md).
pub const RECEIVED_MESSAGE_OVERHEAD: usize = 64;

/// The renet channels of both sides; server and client must use the same. Each direction has
/// its own budgets: the server sends big messages (a hall's map, a chart), a client only
/// small ones.
/// Reliable bytes the server may have sent a client and not had acknowledged.
pub const SERVER_RELIABLE_BUDGET: usize = 8 * 1024 * 1024;

pub fn connection_config() -> ConnectionConfig {
    let reliable = SendType::ReliableOrdered {
        resend_time: Duration::from_millis(200),
    };
    let channels = |input: usize, reliable_bytes: usize, voice: usize| {
        vec![
            ChannelConfig {
                channel_id: channel::INPUT,
                max_memory_usage_bytes: input,
                send_type: SendType::Unreliable,
            },
            ChannelConfig {
                channel_id: channel::RELIABLE,
                max_memory_usage_bytes: reliable_bytes,
                send_type: reliable.clone(),
            },
            ChannelConfig {
                channel_id: channel::VOICE,
                max_memory_usage_bytes: voice,
                send_type: SendType::Unreliable,
            },
        ]
    };
    ConnectionConfig {
        available_bytes_per_tick: 120_000,
        server_channels_config: channels(2 * 1024 * 1024, SERVER_RELIABLE_BUDGET, 2 * 1024 * 1024),
        client_channels_config: channels(
            CLIENT_INPUT_BUDGET,
            CLIENT_RELIABLE_BUDGET,
            CLIENT_VOICE_BUDGET,
        ),
    }
}

/// A person in a hall, as every client names them. Assigned by the server per connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AvatarId(pub u32);

/// What a person may do. Granted by the join endpoint (by an invite code from the expo's
/// settings) and carried in the connect token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    Visitor,
    Facilitator,
    Presenter,
    Organizer,
}

/// How an avatar looks: one of [`Look::BODIES`] outfits, in one of [`Look::COLOURS`] colours.
/// Chosen on the join screen, carried in the claims, and told to everyone who sees the avatar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Look {
    pub body: u8,
    pub colour: u8,
}

impl Look {
    pub const BODIES: u8 = 8;
    pub const COLOURS: u8 = 8;

    /// Whether both parts are in range.
    pub fn is_valid(self) -> bool {
        self.body < Self::BODIES && self.colour < Self::COLOURS
    }

    /// A look for someone who chose none (bots, older clients): spread over all of them by a
    /// number, such as a visitor id.
    pub fn from_number(n: u64) -> Look {
        // Mixed first, so that neighbouring numbers (bots 1, 2, 3…) look different too.
        let h = n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Look {
            body: ((h >> 56) % Self::BODIES as u64) as u8,
            colour: ((h >> 48) % Self::COLOURS as u64) as u8,
        }
    }
}

/// What the join endpoint vouches for, carried in the connect token's 256 bytes of user data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinClaims {
    /// The visitor's stable identity.
    pub visitor_id: u64,
    /// When that identity was made (Unix seconds), as its visitor pass says: how long the
    /// server has known this visitor, without a table of every visitor ever seen.
    pub identity_since: u64,
    pub name: String,
    pub role: Role,
    /// The hall to arrive in (its id), or the expo's entrance.
    pub hall: Option<String>,
    /// The spawn to arrive at in that hall, or its first.
    pub spawn: Option<String>,
    /// How the avatar looks (checked in range by the endpoint).
    pub look: Look,
}

/// Size of netcode's user data.
pub const USER_DATA_BYTES: usize = 256;

/// Why join claims could not be read from user data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    #[error("the claims do not fit in {USER_DATA_BYTES} bytes")]
    TooLarge,
    #[error("the claims cannot be decoded: {0}")]
    Decode(String),
    #[error("the name in the claims is refused: {0}")]
    Name(#[from] NameError),
    #[error("a hall or spawn name in the claims is too long")]
    FieldTooLong,
    #[error("the look in the claims is not one of the looks")]
    LookOutOfRange,
}

impl JoinClaims {
    /// Encodes the claims as netcode user data: a length byte pair, then postcard.
    pub fn to_user_data(&self) -> Result<[u8; USER_DATA_BYTES], ClaimsError> {
        let bytes = postcard::to_allocvec(self).map_err(|e| ClaimsError::Decode(e.to_string()))?;
        if bytes.len() + 2 > USER_DATA_BYTES {
            return Err(ClaimsError::TooLarge);
        }
        let mut out = [0u8; USER_DATA_BYTES];
        out[..2].copy_from_slice(&(bytes.len() as u16).to_le_bytes());
        out[2..2 + bytes.len()].copy_from_slice(&bytes);
        Ok(out)
    }

    /// Decodes and checks claims from netcode user data.
    pub fn from_user_data(data: &[u8; USER_DATA_BYTES]) -> Result<Self, ClaimsError> {
        let len = u16::from_le_bytes([data[0], data[1]]) as usize;
        if len + 2 > USER_DATA_BYTES {
            return Err(ClaimsError::TooLarge);
        }
        let claims: JoinClaims = postcard::from_bytes(&data[2..2 + len])
            .map_err(|e| ClaimsError::Decode(e.to_string()))?;
        claims.validate()
    }

    /// Checks every field; returns the claims with the name normalised.
    pub fn validate(mut self) -> Result<Self, ClaimsError> {
        self.name = validate_display_name(&self.name)?;
        for field in [&self.hall, &self.spawn].into_iter().flatten() {
            if field.len() > 64 {
                return Err(ClaimsError::FieldTooLong);
            }
        }
        if !self.look.is_valid() {
            return Err(ClaimsError::LookOutOfRange);
        }
        Ok(self)
    }
}

/// The body of `POST /join` on the join endpoint (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    pub name: String,
    /// Must equal [`PROTOCOL_VERSION`].
    pub protocol_version: u32,
    #[serde(default)]
    pub hall: Option<String>,
    #[serde(default)]
    pub spawn: Option<String>,
    /// The pass from an earlier join, to keep the same visitor identity.
    #[serde(default)]
    pub visitor_pass: Option<String>,
    /// An invite code from the organizers, for a role other than visitor.
    #[serde(default)]
    pub invite: Option<String>,
    /// How the avatar should look; without it the server picks one from the visitor id.
    #[serde(default)]
    pub look: Option<Look>,
}

/// A successful answer to `POST /join` (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinResponse {
    pub visitor_id: u64,
    /// Keep it (the client stores it in a local file) and send it with the next join.
    pub visitor_pass: String,
    /// The name as the server will show it (trimmed).
    pub name: String,
    pub role: Role,
    /// The game server's UDP address.
    pub server_addr: std::net::SocketAddr,
    /// The netcode connect token, base64 (standard alphabet). Absent when the server runs with
    /// `--dev-insecure`; then the client connects unauthenticated with `client_id` and `user_data`.
    pub token: Option<String>,
    pub client_id: u64,
    /// Base64 of the join claims as netcode user data (only for insecure connections).
    pub user_data: Option<String>,
}

/// A refused join (JSON, with a 4xx status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRefusal {
    /// In English, for logs and tools; a window shows `reason` in the visitor's language.
    pub error: String,
    /// Why, as a code (absent from a server of another protocol version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<crate::refusal::JoinRefused>,
    /// When a limit refused the join: seconds until trying again can succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

/// One tick of input, numbered so the server can say which it applied last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFrame {
    pub seq: u32,
    pub input: MoveInput,
}

/// Everything a client can ask of the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ClientMsg {
    /// The newest input frames, oldest first (channel [`channel::INPUT`]).
    Input { frames: Vec<InputFrame> },
    /// Give (`on`) or take back a heart for a booth of your hall, named by its map object id.
    /// Answered with [`ServerMsg::Done`] once saved, or [`ServerMsg::Refused`].
    Heart { req: u32, booth: u32, on: bool },
    /// Comment on a booth of your hall. Cleaned and limited by the server
    /// ([`crate::names::clean_comment`]); answered once saved.
    Comment { req: u32, booth: u32, text: String },
    /// A page of a booth's comments, newest first, older than comment `before`.
    Comments {
        req: u32,
        hall: u16,
        booth: u32,
        before: Option<i64>,
    },
    /// Hide (or show again) a comment. Organizers only.
    HideComment { req: u32, id: i64, hidden: bool },
    /// Vote in a ballot for one of its booths (in any hall), or change your vote, while the
    /// ballot is open.
    Vote {
        req: u32,
        ballot: String,
        hall: u16,
        booth: u32,
    },
    /// Open or close a ballot. Organizers only.
    SetBallot {
        req: u32,
        ballot: String,
        state: BallotState,
    },
    /// The tally of a ballot: live for organizers, public once closed.
    Tally { req: u32, ballot: String },
    /// Play, pause or restart a screen of your hall (a video kiosk, by map object id).
    /// Organizers only.
    ScreenControl {
        req: u32,
        screen: u32,
        action: ScreenAction,
    },
    /// Say something to your conversation, the room, from the stage, or to one person.
    /// Cleaned and limited like a comment ([`CHAT_MAX_CHARS`]); answered with `Done` once
    /// delivered (and saved, for the room), or `Refused` (too fast, muted, not on stage).
    Chat {
        req: u32,
        scope: crate::talk::ChatScope,
        text: String,
    },
    /// Lock (or unlock) your bubble: nobody new joins it while locked.
    LockBubble { req: u32, locked: bool },
    /// Mute (or unmute) someone's chat and voice: an organizer anywhere, a facilitator for the
    /// people at their own table.
    /// The mute belongs to the visitor: it holds over reconnections until it ends (`minutes`
    /// after it is given; 0: until lifted, at most [`MAX_MUTE_MINUTES`]).
    Mute {
        req: u32,
        who: AvatarId,
        muted: bool,
        minutes: u32,
    },
    /// Applause, a heart or a cheer: counted by the server and sent on aggregated, once a tick.
    React { reaction: Reaction },
    /// An emote over your avatar, for those who see you.
    Emote { emote: Emote },
    /// The floor at your table: raise your hand, or (facilitators) give the floor and run the
    /// speaking timer.
    Floor { req: u32, action: FloorAction },
    /// Edits an object of your hall's map (saved to its TMX file, applied live for everyone).
    /// Organizers only.
    EditMap {
        req: u32,
        edit: crate::edit::MapEdit,
    },
    /// Takes back your last edit of your hall's map (each organizer has their own history).
    /// Organizers only.
    UndoEdit { req: u32 },
    /// Makes your last taken-back edit of your hall's map again. Organizers only.
    RedoEdit { req: u32 },
    /// A step of the awards ceremony. Organizers only.
    Ceremony { req: u32, step: CeremonyStep },
    /// Go to the ceremony room while the ceremony is open (the invitation's button).
    JoinCeremony { req: u32 },
    /// Gives the points of a tour not yet given to one of its causes (all of them at once).
    /// Answered `Done` once saved.
    Pledge {
        req: u32,
        tour: String,
        cause: String,
    },
    /// The representative at the signing desk signs: their Ed25519 public key (32 bytes) and
    /// their signature (64) over what [`ServerMsg::SignPlease`] named. Answered `Done` once
    /// the record holding it is saved.
    Sign {
        req: u32,
        public_key: Vec<u8>,
        signature: Vec<u8>,
    },
    /// Kick, ban, unban, move to the stage. Organizers only.
    Moderate { req: u32, action: ModAction },
    /// Report someone to the organizers.
    Report {
        req: u32,
        who: AvatarId,
        reason: String,
    },
    /// The people online whose name holds `query` (all when empty). Organizers only.
    People { req: u32, query: String },
    /// The reports, newest first. Organizers only.
    Reports { req: u32 },
    /// The results report's charts, as `madang-server report` draws them, captioned in `lang`.
    /// Organizers only.
    Figures { req: u32, lang: crate::map::Lang },
    /// A banner for one hall (`hall`) or the whole expo (`None`), kept until replaced or
    /// cleared (`text: None`). Organizers only.
    Announce {
        req: u32,
        hall: Option<u16>,
        text: Option<String>,
    },
    /// 20 ms of your voice, Opus (channel [`channel::VOICE`]), numbered.
    Voice { seq: u32, data: Vec<u8> },
    /// What a slide screen of your hall shows (by map object id). Presenters and organizers
    /// standing on a stage of the hall or at the screen.
    SlideControl {
        req: u32,
        screen: u32,
        action: SlideAction,
    },
    /// The presenter's pointer over a slide screen, from its top-left (0, 0) to its bottom-right
    /// (65535, 65535), or `None` when it leaves the slide. Frequent and small: limited per
    /// second, sent on to the hall without an answer.
    SlidePointer { screen: u32, at: Option<(u16, u16)> },
}

/// The longest name of a slide deck (a PDF's path in the expo's assets), in bytes.
pub const DECK_MAX_BYTES: usize = 200;

/// What a presenter does to a slide screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlideAction {
    /// Shows a deck, at its first page: a PDF by its path in the expo's assets folder
    /// (`slides/daegu.pdf`).
    Open { deck: String },
    /// Turns to a page (from 1; past the last is the last).
    Goto { page: u32 },
    /// Takes the deck down.
    Close,
}

/// What a slide screen shows: a deck and its page (both `None` and 0 when it shows none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlideState {
    pub screen: u32,
    pub deck: Option<String>,
    /// From 1.
    pub page: u32,
    pub pages: u32,
}

/// What an organizer can do to a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScreenAction {
    Play,
    Pause,
    /// Back to the start, playing.
    Restart,
}

/// A screen's playback, by map object id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenState {
    pub screen: u32,
    pub playback: crate::video::Playback,
}

/// Where a ballot stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BallotState {
    /// Declared by the maps, not yet open.
    Draft,
    Open,
    /// No more votes; results public.
    Closed,
}

/// A ballot as a visitor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BallotView {
    pub id: String,
    pub state: BallotState,
    /// The booths one can vote for: (hall, map object id).
    pub candidates: Vec<(u16, u32)>,
    /// Your vote, if any.
    pub mine: Option<(u16, u32)>,
}

/// One line of a tally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TallyRow {
    pub hall: u16,
    pub booth: u32,
    pub votes: u32,
}

/// Why a client message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("message of {len} bytes is over the limit of {limit}")]
    TooLarge { len: usize, limit: usize },
    #[error("message cannot be decoded: {0}")]
    Malformed(String),
    #[error("message has {0} bytes left over after decoding")]
    TrailingBytes(usize),
    #[error("message is invalid: {0}")]
    Invalid(&'static str),
}

impl ClientMsg {
    /// Checks the fields that decoding alone cannot.
    pub fn validate(self) -> Result<Self, DecodeError> {
        match &self {
            ClientMsg::Input { frames } => {
                if frames.is_empty() || frames.len() > MAX_INPUT_FRAMES {
                    return Err(DecodeError::Invalid("input carries no frames or too many"));
                }
                if frames.windows(2).any(|w| w[1].seq <= w[0].seq) {
                    return Err(DecodeError::Invalid("input frames are not in order"));
                }
            }
            ClientMsg::Voice { data, .. } => {
                if data.is_empty() || data.len() > MAX_VOICE_BYTES {
                    return Err(DecodeError::Invalid("a voice frame is empty or too long"));
                }
            }
            ClientMsg::Chat { text, .. } => {
                // The cleaning is the server's; this only bounds the work.
                if text.len() > CHAT_MAX_CHARS * 4 {
                    return Err(DecodeError::Invalid("a chat message is too long"));
                }
            }
            ClientMsg::Floor {
                action: FloorAction::Timer { secs },
                ..
            } => {
                if *secs == 0 || *secs > MAX_TIMER_SECS {
                    return Err(DecodeError::Invalid("a timer of no time or over an hour"));
                }
            }
            ClientMsg::Moderate {
                action: ModAction::Kick { reason, .. } | ModAction::Ban { reason, .. },
                ..
            }
            | ClientMsg::Report { reason, .. } => {
                if reason.len() > REASON_MAX_CHARS * 4 {
                    return Err(DecodeError::Invalid("a reason is too long"));
                }
            }
            ClientMsg::Announce { text: Some(t), .. } => {
                if t.len() > CHAT_MAX_CHARS * 4 {
                    return Err(DecodeError::Invalid("an announcement is too long"));
                }
            }
            ClientMsg::Mute { minutes, .. } => {
                if *minutes > MAX_MUTE_MINUTES {
                    return Err(DecodeError::Invalid("a mute longer than a week"));
                }
            }
            ClientMsg::People { query, .. } => {
                if query.len() > 100 {
                    return Err(DecodeError::Invalid("a search is too long"));
                }
            }
            ClientMsg::SlideControl {
                action: SlideAction::Open { deck },
                ..
            } => {
                if deck.is_empty() || deck.len() > DECK_MAX_BYTES {
                    return Err(DecodeError::Invalid("a deck's name is empty or too long"));
                }
            }
            ClientMsg::SlideControl { .. } | ClientMsg::SlidePointer { .. } => {}
            ClientMsg::Pledge { tour, cause, .. } => {
                if tour.len() > 100 || cause.len() > 100 {
                    return Err(DecodeError::Invalid("a tour or cause id is too long"));
                }
            }
            ClientMsg::Sign {
                public_key,
                signature,
                ..
            } => {
                if public_key.len() != 32 || signature.len() != 64 {
                    return Err(DecodeError::Invalid(
                        "a signature is 64 bytes and its key 32",
                    ));
                }
            }
            ClientMsg::EditMap {
                edit:
                    crate::edit::MapEdit::SetProperty { key, value, .. }
                    | crate::edit::MapEdit::Add {
                        class: key,
                        name: value,
                        ..
                    },
                ..
            } => {
                if key.len() > 200 || value.len() > 2000 {
                    return Err(DecodeError::Invalid("a map edit's text is too long"));
                }
            }
            ClientMsg::EditMap { .. }
            | ClientMsg::UndoEdit { .. }
            | ClientMsg::RedoEdit { .. }
            | ClientMsg::Moderate { .. }
            | ClientMsg::Ceremony { .. }
            | ClientMsg::JoinCeremony { .. }
            | ClientMsg::Announce { .. }
            | ClientMsg::Reports { .. }
            | ClientMsg::Figures { .. }
            | ClientMsg::LockBubble { .. }
            | ClientMsg::React { .. }
            | ClientMsg::Emote { .. }
            | ClientMsg::Floor { .. } => {}
            ClientMsg::Heart { .. }
            | ClientMsg::Comment { .. }
            | ClientMsg::Comments { .. }
            | ClientMsg::HideComment { .. }
            | ClientMsg::Vote { .. }
            | ClientMsg::SetBallot { .. }
            | ClientMsg::Tally { .. }
            | ClientMsg::ScreenControl { .. } => {}
        }
        Ok(self)
    }

    /// The request number a reply will name, for messages that get one.
    pub fn req(&self) -> Option<u32> {
        match self {
            ClientMsg::Input { .. }
            | ClientMsg::React { .. }
            | ClientMsg::Emote { .. }
            | ClientMsg::Voice { .. }
            | ClientMsg::SlidePointer { .. } => None,
            ClientMsg::Chat { req, .. }
            | ClientMsg::LockBubble { req, .. }
            | ClientMsg::Mute { req, .. }
            | ClientMsg::Floor { req, .. }
            | ClientMsg::Ceremony { req, .. }
            | ClientMsg::JoinCeremony { req }
            | ClientMsg::Sign { req, .. }
            | ClientMsg::Pledge { req, .. }
            | ClientMsg::EditMap { req, .. }
            | ClientMsg::UndoEdit { req }
            | ClientMsg::RedoEdit { req }
            | ClientMsg::Moderate { req, .. }
            | ClientMsg::Report { req, .. }
            | ClientMsg::People { req, .. }
            | ClientMsg::Reports { req }
            | ClientMsg::Figures { req, .. }
            | ClientMsg::Announce { req, .. }
            | ClientMsg::SlideControl { req, .. } => Some(*req),
            ClientMsg::Heart { req, .. }
            | ClientMsg::Comment { req, .. }
            | ClientMsg::Comments { req, .. }
            | ClientMsg::HideComment { req, .. }
            | ClientMsg::Vote { req, .. }
            | ClientMsg::SetBallot { req, .. }
            | ClientMsg::Tally { req, .. }
            | ClientMsg::ScreenControl { req, .. } => Some(*req),
        }
    }

    /// Decodes and validates a message from a client.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode::<ClientMsg>(bytes, MAX_CLIENT_MSG_BYTES)?.validate()
    }
}

/// Someone entering a client's area of interest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AvatarInfo {
    pub id: AvatarId,
    pub name: String,
    pub role: Role,
    pub look: Look,
    pub pos: QPos,
}

/// A moved avatar in a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    pub id: AvatarId,
    pub pos: QPos,
}

/// What a visitor is told about a booth in view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoothFact {
    /// The booth's map object id.
    pub booth: u32,
    pub hearts: u32,
    /// Whether this visitor's heart is among them.
    pub mine: bool,
    /// Visible comments.
    pub comments: u32,
}

/// A comment as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentView {
    pub id: i64,
    pub name: String,
    pub text: String,
    /// Unix seconds.
    pub at: i64,
    /// Only organizers are shown hidden comments (marked so).
    pub hidden: bool,
}

/// Comments in one page.
pub const COMMENTS_PER_PAGE: u32 = 20;

/// The most members a [`ServerMsg::Conversation`] names.
pub const MAX_LISTED_MEMBERS: usize = 64;

/// Everything the server tells a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ServerMsg {
    /// The first message after connecting: who you are and where.
    Welcome {
        you: AvatarId,
        name: String,
        role: Role,
        /// The ids of all halls; a hall is named by its index in this list from now on.
        halls: Vec<String>,
        hall: u16,
        /// Your position, exact, in tiles.
        pos: Vec2,
        /// The server's tick, and how many ticks a second it runs.
        tick: u32,
        tick_hz: u16,
        /// Walking speed in tiles per second.
        speed: f32,
        /// The expo's time zone, in minutes ahead of UTC: the clock its timetable and chat
        /// times are read in.
        utc_offset_minutes: i32,
        /// How your avatar looks (as you chose, or as the server chose for you).
        look: Look,
    },
    /// You went through a portal: you are now in `hall` at `pos`. Everyone you knew has left
    /// your view; those in the new hall will enter it.
    HallChanged { hall: u16, pos: Vec2 },
    /// Who left your area of interest (or the hall, or the expo), then who entered it (or
    /// joined near you), since the last such message: one per tick at most. Apply `left`
    /// first; someone in both left and came back, with what is true of them now.
    Seen {
        left: Vec<AvatarId>,
        entered: Vec<AvatarInfo>,
    },
    /// One tick's changes (channel [`channel::SNAPSHOT`]).
    Snapshot {
        tick: u32,
        hall: u16,
        /// The last of your inputs the server applied, and where that put you (exact).
        ack: u32,
        pos: Vec2,
        /// Avatars in your area of interest whose quantized position changed.
        moved: Vec<Moved>,
    },
    /// Booths of `hall` that came into your view, or whose facts changed while in it.
    BoothFacts { hall: u16, booths: Vec<BoothFact> },
    /// A page of a booth's comments, newest first; `more` when older ones remain.
    CommentPage {
        req: u32,
        hall: u16,
        booth: u32,
        comments: Vec<CommentView>,
        more: bool,
    },
    /// The expo's ballots, their state and your vote: sent on arrival and whenever a ballot
    /// opens or closes.
    Ballots { ballots: Vec<BallotView> },
    /// The tally asked for with `req`, most votes first.
    Tally {
        req: u32,
        ballot: String,
        state: BallotState,
        rows: Vec<TallyRow>,
    },
    /// The screens of `hall`: all of them on arrival, one when it changes. `server_ms` is the
    /// server's clock when sent, for converting playback anchors to the client's clock.
    Screens {
        hall: u16,
        server_ms: u64,
        screens: Vec<ScreenState>,
    },
    /// Your request `req` is done, and saved.
    Done { req: u32 },
    /// Your request `req` was refused, and why.
    Refused {
        req: u32,
        why: crate::refusal::Refusal,
    },
    /// Your conversation changed: who is in it (at most [`MAX_LISTED_MEMBERS`] named, of
    /// `total`), and whether it is locked.
    Conversation {
        kind: ConversationKind,
        members: Vec<AvatarId>,
        total: u32,
        locked: bool,
    },
    /// Who stands on the stage of your hall: on arrival when someone does, and after each change
    /// in your turn (one tick in four at most; a wandering crowd changes it on most ticks).
    Stage { on_stage: Vec<AvatarId> },
    /// A line of chat for you.
    Chat(ChatLine),
    /// The room's chat so far (the newest lines), on arrival in a hall.
    ChatHistory { lines: Vec<ChatLine> },
    /// The reactions of your hall in the last tick, by [`Reaction::index`].
    Reactions { counts: [u32; 3] },
    /// Someone's voice (channel [`channel::VOICE`]).
    Voice {
        from: AvatarId,
        seq: u32,
        data: Vec<u8>,
    },
    /// Something the visitor is told unasked: a full table, a mute, being removed.
    Notice(crate::refusal::ServerNotice),
    /// The people online an organizer asked for with `req`.
    People { req: u32, rows: Vec<PersonRow> },
    /// The reports an organizer asked for with `req`.
    Reports { req: u32, rows: Vec<ReportRow> },
    /// The report's charts an organizer asked for with `req`: (file name, PNG).
    Figures {
        req: u32,
        charts: Vec<(String, Vec<u8>)>,
    },
    /// The banner for your hall (or the whole expo), or none: on arrival and when it changes.
    Announcement { text: Option<String> },
    /// A hall's map changed on the server's disk: its new TMX text (tilesets and images are
    /// read locally, next to the map).
    HallUpdated { hall: u16, tmx: String },
    /// The timetable: what is on now and next, with times on the wall clock (Unix ms) and the
    /// server's wall clock when sent (for counting down), on arrival.
    Schedule {
        entries: Vec<ScheduleEntry>,
        wall_ms: i64,
    },
    /// The awards ceremony: its opening (the invitation) and closing to everyone, each award
    /// and winner to the ceremony room; and on arrival while it is open.
    Ceremony(CeremonyView),
    /// You stand at the signing desk: this is what you are asked to sign.
    SignPlease(SignRequest),
    /// Your stamp card: on arrival and whenever it changes; `earned` names the stamp just
    /// earned (tour id, stamp id), for the notice.
    StampCard {
        tours: Vec<TourCard>,
        earned: Option<(String, String)>,
    },
    /// The emotes of those you see this tick, at most [`MAX_EMOTES_PER_TICK`]: one message a
    /// tick however many people emote, as reactions are.
    Emotes { list: Vec<(AvatarId, Emote)> },
    /// The floor at your table: who speaks, who waits, and when the speaking timer ends (on
    /// the server's clock, as in [`ServerMsg::Screens`]; `server_ms` is the clock when sent).
    Floor {
        area: String,
        speaker: Option<AvatarId>,
        queue: Vec<AvatarId>,
        timer_ends_ms: Option<u64>,
        server_ms: u64,
    },
    /// The slide screens of `hall`: all of them on arrival, one when it changes (a deck opened
    /// or taken down, a page turned).
    Slides { hall: u16, screens: Vec<SlideState> },
    /// The presenter's pointer over a slide screen of your hall (as in
    /// [`ClientMsg::SlidePointer`]).
    SlidePointer { screen: u32, at: Option<(u16, u16)> },
}

impl ServerMsg {
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode(bytes, MAX_SERVER_MSG_BYTES)
    }
}

/// Encodes any message. Encoding our own types into a vector cannot fail.
///
/// The message is written into a buffer kept by the thread and copied out at its exact size:
/// growing a new vector from empty took some seven reallocations for a snapshot, and a vector
/// with spare room costs renet an extra allocation when it becomes `Bytes`.
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    /// A scratch buffer larger than this is not kept.
    const KEEP: usize = 64 * 1024;
    thread_local! {
        static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    SCRATCH.with(|cell| {
        let mut scratch = cell.take();
        scratch.clear();
        let scratch = postcard::to_extend(msg, scratch)
            .expect("postcard encodes plain data into a Vec without error");
        let out = scratch.as_slice().to_vec();
        if scratch.capacity() <= KEEP {
            cell.set(scratch);
        }
        out
    })
}

/// The bytes postcard gives an unsigned number (a variable-length integer).
pub fn varint_len(v: u32) -> usize {
    match v {
        0..0x80 => 1,
        0x80..0x4000 => 2,
        0x4000..0x20_0000 => 3,
        0x20_0000..0x1000_0000 => 4,
        _ => 5,
    }
}

/// Writes `v` as a varint at `out[*at..]`, moving `at` past it (`out` holds it: the length was
/// counted with [`varint_len`]).
fn put_varint_at(out: &mut [u8], at: &mut usize, mut v: u32) {
    while v >= 0x80 {
        out[*at] = (v as u8) | 0x80;
        *at += 1;
        v >>= 7;
    }
    out[*at] = v as u8;
    *at += 1;
}

/// The bytes one [`Moved`] takes in a snapshot.
pub fn moved_len(m: &Moved) -> usize {
    varint_len(m.id.0) + varint_len(m.pos.x as u32) + varint_len(m.pos.y as u32)
}

/// Encodes a [`ServerMsg::Snapshot`]: the same bytes as [`encode`] gives, written by hand.
/// A thousand clients are each sent one every tick, and postcard's generic path spent a tenth
/// of the tick on them (field by field through serde, into a scratch buffer copied out).
pub fn encode_snapshot(tick: u32, hall: u16, ack: u32, pos: Vec2, moved: &[Moved]) -> Vec<u8> {
    // The variant's tag, as postcard writes it: all of an empty snapshot of zeros but its
    // fields (three one-byte zeros, two four-byte floats, a one-byte length).
    static TAG: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let tag = TAG.get_or_init(|| {
        let mut empty = encode(&ServerMsg::Snapshot {
            tick: 0,
            hall: 0,
            ack: 0,
            pos: Vec2::ZERO,
            moved: Vec::new(),
        });
        empty.truncate(empty.len() - 12);
        empty
    });
    let len = tag.len()
        + varint_len(tick)
        + varint_len(hall as u32)
        + varint_len(ack)
        + 8
        + varint_len(moved.len() as u32)
        + moved.iter().map(moved_len).sum::<usize>();
    // Written into place, not pushed byte by byte (a capacity check each).
    let mut out = vec![0u8; len];
    out[..tag.len()].copy_from_slice(tag);
    let mut at = tag.len();
    put_varint_at(&mut out, &mut at, tick);
    put_varint_at(&mut out, &mut at, hall as u32);
    put_varint_at(&mut out, &mut at, ack);
    out[at..at + 4].copy_from_slice(&pos.x.to_le_bytes());
    out[at + 4..at + 8].copy_from_slice(&pos.y.to_le_bytes());
    at += 8;
    put_varint_at(&mut out, &mut at, moved.len() as u32);
    for m in moved {
        put_varint_at(&mut out, &mut at, m.id.0);
        put_varint_at(&mut out, &mut at, m.pos.x as u32);
        put_varint_at(&mut out, &mut at, m.pos.y as u32);
    }
    debug_assert_eq!(at, len);
    out
}

/// Decodes a message of at most `limit` bytes that must use every byte.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], limit: usize) -> Result<T, DecodeError> {
    if bytes.len() > limit {
        return Err(DecodeError::TooLarge {
            len: bytes.len(),
            limit,
        });
    }
    let (msg, rest) =
        postcard::take_from_bytes::<T>(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes(rest.len()));
    }
    Ok(msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encoding_through_the_scratch_buffer_gives_exact_vectors_of_the_same_bytes() {
        let big = ServerMsg::Snapshot {
            tick: 7,
            hall: 1,
            ack: 3,
            pos: Vec2::ZERO,
            moved: (0..500)
                .map(|i| Moved {
                    id: AvatarId(i),
                    pos: QPos::default(),
                })
                .collect(),
        };
        let small = ServerMsg::Refused {
            req: 1,
            why: crate::refusal::Refusal::WinnerAbsent {
                winner: "대구광역시".into(),
            },
        };
        for msg in [&big, &small, &big, &small] {
            let bytes = encode(msg);
            assert_eq!(bytes, postcard::to_allocvec(msg).expect("encodes"));
            assert_eq!(bytes.capacity(), bytes.len(), "no spare room");
        }
    }

    proptest! {
        #[test]
        fn a_snapshot_written_by_hand_is_what_postcard_writes(
            tick: u32, hall: u16, ack: u32, x in -1e6f32..1e6, y in -1e6f32..1e6,
            moved in proptest::collection::vec((any::<u32>(), any::<u16>(), any::<u16>()), 0..300),
        ) {
            let moved: Vec<Moved> = moved
                .into_iter()
                .map(|(id, x, y)| Moved { id: AvatarId(id), pos: QPos { x, y } })
                .collect();
            let by_hand = encode_snapshot(tick, hall, ack, Vec2::new(x, y), &moved);
            let msg = ServerMsg::Snapshot { tick, hall, ack, pos: Vec2::new(x, y), moved };
            prop_assert_eq!(&by_hand, &postcard::to_allocvec(&msg).expect("encodes"));
            prop_assert_eq!(by_hand.capacity(), by_hand.len());
            let back = ServerMsg::decode(&by_hand).expect("decodes");
            prop_assert_eq!(back, msg);
        }
    }

    #[test]
    fn input_round_trips() {
        let msg = ClientMsg::Input {
            frames: vec![
                InputFrame {
                    seq: 7,
                    input: MoveInput::new(1, 0),
                },
                InputFrame {
                    seq: 8,
                    input: MoveInput::new(1, -1),
                },
            ],
        };
        assert_eq!(ClientMsg::decode(&encode(&msg)), Ok(msg));
    }

    #[test]
    fn oversized_and_trailing_bytes_are_refused() {
        let big = vec![0u8; MAX_CLIENT_MSG_BYTES + 1];
        assert!(matches!(
            ClientMsg::decode(&big),
            Err(DecodeError::TooLarge { .. })
        ));
        let mut bytes = encode(&ClientMsg::Input {
            frames: vec![InputFrame {
                seq: 1,
                input: MoveInput::IDLE,
            }],
        });
        bytes.push(0);
        assert_eq!(
            ClientMsg::decode(&bytes),
            Err(DecodeError::TrailingBytes(1))
        );
    }

    #[test]
    fn frames_out_of_order_or_too_many_are_refused() {
        let frame = |seq| InputFrame {
            seq,
            input: MoveInput::IDLE,
        };
        let back = ClientMsg::Input {
            frames: vec![frame(5), frame(4)],
        };
        assert!(ClientMsg::decode(&encode(&back)).is_err());
        let many = ClientMsg::Input {
            frames: (0..MAX_INPUT_FRAMES as u32 + 1).map(frame).collect(),
        };
        assert!(ClientMsg::decode(&encode(&many)).is_err());
        let none = ClientMsg::Input { frames: vec![] };
        assert!(ClientMsg::decode(&encode(&none)).is_err());
    }

    #[test]
    fn invalid_movement_flags_do_not_decode() {
        // Variant 0 (Input), one frame, seq 1, flags left|right.
        assert!(ClientMsg::decode(&[0, 1, 1, 0b11]).is_err());
    }

    #[test]
    fn looks_picked_by_number_are_valid_and_spread() {
        let looks: std::collections::HashSet<Look> = (0..64).map(Look::from_number).collect();
        assert!(looks.iter().all(|l| l.is_valid()));
        assert!(looks.len() >= 30, "64 neighbours, {} looks", looks.len());
        let colours: std::collections::HashSet<u8> =
            (0..8).map(|n| Look::from_number(n).colour).collect();
        assert!(
            colours.len() >= 4,
            "eight bots in a row in {} colours",
            colours.len()
        );
    }

    #[test]
    fn claims_round_trip_through_user_data() {
        let claims = JoinClaims {
            visitor_id: 42,
            identity_since: 1_764_547_200,
            name: "김마당".into(),
            role: Role::Visitor,
            hall: Some("lobby".into()),
            spawn: None,
            look: Look { body: 3, colour: 5 },
        };
        let data = claims.to_user_data().expect("small claims fit");
        assert_eq!(JoinClaims::from_user_data(&data), Ok(claims));
    }

    #[test]
    fn claims_with_a_bad_name_are_refused() {
        let claims = JoinClaims {
            visitor_id: 1,
            identity_since: 0,
            name: "a\u{0}b".into(),
            role: Role::Visitor,
            hall: None,
            spawn: None,
            look: Look::default(),
        };
        let data = claims.to_user_data().expect("encodes");
        assert!(matches!(
            JoinClaims::from_user_data(&data),
            Err(ClaimsError::Name(_))
        ));
    }

    proptest! {
        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            let _ = ClientMsg::decode(&bytes);
            let _ = ServerMsg::decode(&bytes);
        }

        #[test]
        fn arbitrary_user_data_never_panics(bytes in prop::collection::vec(any::<u8>(), USER_DATA_BYTES)) {
            let data: [u8; USER_DATA_BYTES] = bytes.try_into().expect("exact length");
            let _ = JoinClaims::from_user_data(&data);
        }
    }
}
