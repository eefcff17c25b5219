//! The network session: joining through the HTTP endpoint, the netcode connection, and the
//! client's view of the hall (its own predicted avatar and the others, interpolated).
//!
//! It needs no window and no bevy: the window app wraps one [`Session`] in a resource, and the
//! bots run many of them from one thread. Time is driven from outside: [`Session::poll`] with
//! the real elapsed time, [`Session::step`] once per server tick with the current input.
//!
//! # Layout
//!
//! This file holds the connection (transport, state, events, request numbers and answers) and
//! hands each message from the server to the feature that owns it ([`Session::apply`]); each
//! feature keeps its own state in a field of [`Session`] and adds its requests to it:
//!
//! - `join`: the HTTP join ([`request_join`], [`JoinOptions`], [`JoinError`]) and connecting;
//! - `movement`: you ([`Me`]) predicted and reconciled, the others ([`Remote`]) interpolated,
//!   the hall maps ([`MapStore`]);
//! - `booth`: booths' facts, hearts, comments ([`Booths`]);
//! - `ballot`: ballots, votes, tallies ([`Ballots`]);
//! - `talk`: conversations, chat, voice, emotes, reactions, the floor ([`TalkState`]);
//! - `screen`: the screens' videos and the server's clock ([`Screens`]);
//! - `ceremony`: the awards ceremony and the timetable ([`Ceremony`]);
//! - `moderation`: the organizers' tools, banners and map edits ([`Moderation`], [`List`]).

use std::collections::HashMap;
use std::net::UdpSocket;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use madang_shared::map::HallMap;
use madang_shared::protocol::{
    AvatarId, ClientMsg, JoinResponse, ServerMsg, channel, connection_config, encode,
};
use madang_shared::refusal::Refusal;
use renet::RenetClient;
use renet_netcode::{ClientAuthentication, NetcodeClientTransport};
use tracing::{debug, warn};

mod ballot;
mod booth;
mod ceremony;
mod join;
mod moderation;
mod movement;
mod screen;
mod slides;
mod stamps;
mod talk;

pub use ballot::Ballots;
pub use booth::Booths;
pub use ceremony::{Ceremony, SignError};
pub use join::{
    JoinError, JoinOptions, http_agent, is_loopback_url, request_join, server_url, wait_until_up,
};
pub use moderation::{List, Moderation};
pub use movement::{
    IDLE_FRAMES_SENT, INTERPOLATION_DELAY_TICKS, MAX_PENDING, MapStore, Me, Movement,
    REDUNDANT_FRAMES, Remote,
};
pub use screen::Screens;
pub use stamps::Stamps;
pub use talk::{CHAT_KEPT, Conversation, FloorView, TalkState, VOICE_KEPT};

/// The connection's state, as a person is shown it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnState {
    Connecting,
    Connected,
    Lost(LostWhy),
}

/// Why there is no connection, as a person is told it
/// ([`crate::app::i18n::lost_why`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LostWhy {
    /// Joining failed.
    Join(JoinError),
    /// The server stopped answering.
    TimedOut,
    /// The server has no room (netcode denied the connection).
    Full,
    /// The server closed the connection (a kick, a ban, a restart).
    ClosedByServer,
    /// This client left.
    Left,
    /// Something else broke the connection; the English is for logs.
    Broken(String),
}

impl std::fmt::Display for LostWhy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LostWhy::Join(e) => write!(f, "{e}"),
            LostWhy::TimedOut => f.write_str("the server stopped answering"),
            LostWhy::Full => f.write_str("the server is full"),
            LostWhy::ClosedByServer => f.write_str("the server closed the connection"),
            LostWhy::Left => f.write_str("you left"),
            LostWhy::Broken(why) => f.write_str(why),
        }
    }
}

impl LostWhy {
    /// Netcode's and renet's reasons, sorted into what a person can be told.
    fn from_netcode(r: renet_netcode::NetcodeDisconnectReason) -> Self {
        use renet_netcode::NetcodeDisconnectReason as R;
        match r {
            R::ConnectionTimedOut
            | R::ConnectionResponseTimedOut
            | R::ConnectionRequestTimedOut
            | R::ConnectTokenExpired => LostWhy::TimedOut,
            R::ConnectionDenied => LostWhy::Full,
            R::DisconnectedByServer => LostWhy::ClosedByServer,
            R::DisconnectedByClient => LostWhy::Left,
        }
    }
}

/// Something the app may want to react to.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionEvent {
    /// Welcomed into a hall (also after a portal): redraw the hall.
    EnteredHall {
        hall: String,
    },
    Appeared(AvatarId),
    Disappeared(AvatarId),
    Lost(LostWhy),
}

/// One person's connection to a hall server.
pub struct Session {
    client: RenetClient,
    transport: NetcodeClientTransport,
    pub state: ConnState,
    pub join: JoinResponse,
    pub me: Option<Me>,
    pub others: HashMap<AvatarId, Remote>,
    /// The expo's time zone (minutes ahead of UTC), from the welcome.
    pub utc_offset_minutes: i32,
    pub halls: Vec<String>,
    pub hall_map: Option<Arc<HallMap>>,
    maps: MapStore,
    /// Bumped whenever the hall's map is replaced (a reload on the server), so the window
    /// redraws it.
    pub hall_generation: u64,
    pub tick_hz: u32,
    pub speed: f32,
    /// The server's clock in ticks, and your inputs not yet acknowledged.
    pub movement: Movement,
    events: Vec<SessionEvent>,
    next_req: u32,
    /// Answers to your requests, by request number, until taken.
    answers: HashMap<u32, Result<(), Refusal>>,
    /// What you have been told of the booths of your hall.
    pub booth: Booths,
    /// The expo's ballots and your votes.
    pub ballot: Ballots,
    /// The screens of your hall, and the server's clock.
    pub screen: Screens,
    /// The slide screens of your hall.
    pub slides: slides::Slides,
    /// The awards ceremony and the timetable.
    pub ceremony: Ceremony,
    /// The stamp card.
    pub stamps: Stamps,
    /// The banner, and lists organizers asked for.
    pub moderation: Moderation,
    /// Talk: your conversation as last told, who is on stage, chat received (newest last, at
    /// most [`CHAT_KEPT`]), the last tick's reactions, voice frames not yet taken, notices.
    pub talk: TalkState,
    /// Snapshot and message counts, for tests and the bots' report.
    pub snapshots_received: u64,
    /// The server's tick when it last welcomed this session into a hall.
    pub welcomed_at: u32,
    pub bytes_received: u64,
}

/// Answers kept for requests whose senders have not taken them.
pub const ANSWERS_KEPT: usize = 256;

fn now_since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
}

impl Session {
    /// Starts connecting with any authentication (tests use this to forge tokens).
    pub fn with_auth(
        join: JoinResponse,
        auth: ClientAuthentication,
        maps_dir: &Path,
    ) -> Result<Self, JoinError> {
        let bind: std::net::SocketAddr = if join.server_addr.ip().is_loopback() {
            "127.0.0.1:0".parse().expect("a literal address")
        } else {
            "0.0.0.0:0".parse().expect("a literal address")
        };
        let socket = UdpSocket::bind(bind).map_err(|e| JoinError::Socket(e.to_string()))?;
        let transport = NetcodeClientTransport::new(now_since_epoch(), auth, socket)
            .map_err(|e| JoinError::Netcode(e.to_string()))?;
        Ok(Session {
            client: RenetClient::new(connection_config()),
            transport,
            state: ConnState::Connecting,
            join,
            me: None,
            others: HashMap::new(),
            utc_offset_minutes: 0,
            halls: Vec::new(),
            hall_map: None,
            maps: MapStore::new(maps_dir),
            hall_generation: 0,
            tick_hz: 20,
            speed: 4.0,
            movement: Movement::default(),
            events: Vec::new(),
            next_req: 0,
            answers: HashMap::new(),
            booth: Booths::default(),
            ballot: Ballots::default(),
            screen: Screens::default(),
            slides: slides::Slides::default(),
            ceremony: Ceremony::default(),
            stamps: Stamps::default(),
            moderation: Moderation::default(),
            talk: TalkState::default(),
            snapshots_received: 0,
            welcomed_at: 0,
            bytes_received: 0,
        })
    }

    /// The length of one server tick, in seconds.
    pub fn tick_dt(&self) -> f32 {
        1.0 / self.tick_hz.max(1) as f32
    }

    /// The hall you are in, by id.
    pub fn hall_id(&self) -> Option<&str> {
        let me = self.me.as_ref()?;
        self.halls.get(me.hall as usize).map(String::as_str)
    }

    /// A hall's title as its map gives it, in `lang` (its id when the map cannot be read here).
    pub fn hall_title(&mut self, hall: u16, lang: madang_shared::map::Lang) -> String {
        let Some(id) = self.halls.get(hall as usize).cloned() else {
            return format!("#{hall}");
        };
        match self.maps.get(&id) {
            Some(map) if !map.title.get(lang).is_empty() => map.title.get(lang).to_owned(),
            _ => id,
        }
    }

    /// Events since the last call.
    pub fn drain_events(&mut self) -> Vec<SessionEvent> {
        std::mem::take(&mut self.events)
    }

    /// Receives and applies what arrived; call every frame with the real elapsed time.
    pub fn poll(&mut self, dt: Duration) {
        if matches!(self.state, ConnState::Lost(_)) {
            return;
        }
        self.client.update(dt);
        if let Err(e) = self.transport.update(dt, &mut self.client) {
            self.lose(LostWhy::Broken(e.to_string()));
            return;
        }
        self.advance_clock(dt);
        if self.client.is_connected() && self.state == ConnState::Connecting {
            self.state = ConnState::Connected;
        }
        for ch in [channel::RELIABLE, channel::SNAPSHOT, channel::VOICE] {
            while let Some(bytes) = self.client.receive_message(ch) {
                self.bytes_received += bytes.len() as u64;
                match ServerMsg::decode(&bytes) {
                    Ok(msg) => self.apply(msg),
                    Err(e) => warn!("dropped a message from the server: {e}"),
                }
            }
        }
        if self.client.is_disconnected() {
            let why = match (
                self.transport.disconnect_reason(),
                self.client.disconnect_reason(),
            ) {
                (Some(r), _) => LostWhy::from_netcode(r),
                (None, Some(renet::DisconnectReason::DisconnectedByServer)) => {
                    LostWhy::ClosedByServer
                }
                (None, Some(renet::DisconnectReason::DisconnectedByClient)) => LostWhy::Left,
                (None, Some(r)) => LostWhy::Broken(r.to_string()),
                (None, None) => LostWhy::Broken("disconnected".into()),
            };
            self.lose(why);
        }
    }

    fn lose(&mut self, why: LostWhy) {
        if !matches!(self.state, ConnState::Lost(_)) {
            self.state = ConnState::Lost(why.clone());
            self.events.push(SessionEvent::Lost(why));
        }
    }

    /// Sends what is queued; call after [`Session::poll`] and [`Session::step`].
    pub fn flush(&mut self) {
        if matches!(self.state, ConnState::Lost(_)) {
            return;
        }
        if let Err(e) = self.transport.send_packets(&mut self.client) {
            self.lose(LostWhy::Broken(e.to_string()));
        }
    }

    /// Leaves: tells the server at once, so others see you go.
    pub fn disconnect(&mut self) {
        self.transport.disconnect();
        self.lose(LostWhy::Left);
    }

    /// Whether you are connected and in a hall.
    pub fn is_ready(&self) -> bool {
        self.state == ConnState::Connected && self.me.is_some()
    }

    fn request(&mut self, msg: impl FnOnce(u32) -> ClientMsg) -> u32 {
        self.next_req = self.next_req.wrapping_add(1);
        let req = self.next_req;
        self.client
            .send_message(channel::RELIABLE, encode(&msg(req)));
        req
    }

    /// The server's answer to request `req`, once it came: `Ok` when done and saved.
    pub fn take_answer(&mut self, req: u32) -> Option<Result<(), Refusal>> {
        self.answers.remove(&req)
    }

    /// Keeps an answer until it is taken; of answers nobody takes, the oldest go beyond
    /// [`ANSWERS_KEPT`].
    fn keep_answer(&mut self, req: u32, answer: Result<(), Refusal>) {
        self.answers.insert(req, answer);
        if self.answers.len() > ANSWERS_KEPT {
            let newest = self.next_req;
            // The oldest: the furthest behind the newest request number, wrapping.
            if let Some(&old) = self.answers.keys().max_by_key(|&&r| newest.wrapping_sub(r)) {
                self.answers.remove(&old);
            }
        }
    }

    /// Sends bytes as they are, bypassing the protocol: for tests and tools that probe how the
    /// server treats malformed or hostile input.
    pub fn send_raw(&mut self, channel: u8, bytes: Vec<u8>) {
        self.client.send_message(channel, bytes);
    }

    /// Hands a message from the server to the feature that owns it. Every variant is named,
    /// so a new one does not compile until someone owns it.
    fn apply(&mut self, msg: ServerMsg) {
        let here = self.me.as_ref().map(|m| m.hall);
        match msg {
            // The connection's own: answers to requests.
            ServerMsg::Done { req } => self.keep_answer(req, Ok(())),
            ServerMsg::Refused { req, why } => self.keep_answer(req, Err(why)),
            // movement.rs
            ServerMsg::Welcome {
                you,
                name,
                role,
                halls,
                hall,
                pos,
                tick,
                tick_hz,
                speed,
                utc_offset_minutes,
                look,
            } => {
                let me = Me::arriving(you, name, role, look, hall, pos);
                self.welcome(me, halls, tick, tick_hz, speed, utc_offset_minutes);
            }
            ServerMsg::HallChanged { hall, pos } => self.hall_changed(hall, pos),
            ServerMsg::Seen { left, entered } => self.seen(left, entered),
            ServerMsg::Snapshot {
                tick,
                hall,
                ack,
                pos,
                moved,
            } => self.snapshot(tick, hall, ack, pos, moved),
            // booth.rs
            ServerMsg::BoothFacts { hall, booths } => self.booth.facts_came(here, hall, booths),
            ServerMsg::CommentPage {
                req,
                comments,
                more,
                ..
            } => self.booth.page_came(req, comments, more),
            // ballot.rs
            ServerMsg::Ballots { ballots } => self.ballot.ballots = ballots,
            ServerMsg::Tally {
                req, state, rows, ..
            } => self.ballot.tally_came(req, state, rows),
            // screen.rs
            ServerMsg::Screens {
                hall,
                server_ms,
                screens,
            } => self.screen.screens_came(here, hall, server_ms, screens),
            // slides.rs
            ServerMsg::Slides { hall, screens } => self.slides.slides_came(here, hall, screens),
            ServerMsg::SlidePointer { screen, at } => self.slides.pointer_came(screen, at),
            // talk.rs
            ServerMsg::Conversation {
                kind,
                members,
                total,
                locked,
            } => self.talk.conversation_came(kind, members, total, locked),
            ServerMsg::Stage { on_stage } => self.talk.on_stage = on_stage,
            ServerMsg::Chat(line) => self.talk.push_chat(line),
            ServerMsg::ChatHistory { lines } => self.talk.history_came(lines),
            ServerMsg::Reactions { counts } => self.talk.reactions_came(counts),
            ServerMsg::Voice { from, seq, data } => self.talk.voice_came(from, seq, data),
            ServerMsg::Notice(notice) => self.talk.notices.push(notice),
            ServerMsg::Emotes { list } => self.talk.emotes_came(list),
            ServerMsg::Floor {
                area,
                speaker,
                queue,
                timer_ends_ms,
                server_ms,
            } => self.floor_came(area, speaker, queue, timer_ends_ms, server_ms),
            // ceremony.rs
            ServerMsg::Schedule { entries, wall_ms } => {
                self.ceremony.schedule_came(entries, wall_ms)
            }
            ServerMsg::Ceremony(view) => self.ceremony.ceremony_came(view),
            ServerMsg::SignPlease(ask) => self.ceremony.sign_request = Some(ask),
            ServerMsg::StampCard { tours, earned } => self.stamps.card_came(tours, earned),
            // moderation.rs
            ServerMsg::People { req, rows } => self.moderation.list_came(req, List::People(rows)),
            ServerMsg::Reports { req, rows } => self.moderation.list_came(req, List::Reports(rows)),
            ServerMsg::Figures { req, charts } => {
                self.moderation.list_came(req, List::Figures(charts))
            }
            ServerMsg::Announcement { text } => self.moderation.announcement = text,
            ServerMsg::HallUpdated { hall, tmx } => self.hall_updated(hall, &tmx),
        }
    }

    /// Arrives in `hall` (welcomed, or through a portal): what was known of the last hall's
    /// booths and screens is forgotten, and its map loaded.
    fn enter_hall(&mut self, hall: u16) {
        self.booth.facts.clear();
        self.screen.playback.clear();
        self.slides.clear();
        // The last hall's stage is not this one's: the server tells this one's, if anyone is on it.
        self.talk.on_stage.clear();
        let id = self.halls.get(hall as usize).cloned().unwrap_or_default();
        self.hall_map = self.maps.get(&id);
        debug!(hall = %id, "entered hall");
        self.events.push(SessionEvent::EnteredHall { hall: id });
    }
}
