//! The network session: joining through the HTTP endpoint, the netcode connection, and the
//! client's view of the hall (its own predicted avatar and the others, interpolated).
//!
//! It needs no window and no bevy: the window app wraps one [`Session`] in a resource, and the
//! bots run many of them from one thread. Time is driven from outside: [`Session::poll`] with
//! the real elapsed time, [`Session::step`] once per server tick with the current input.

use std::collections::{HashMap, VecDeque};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use madang_shared::Vec2;
use madang_shared::map::{HallMap, load_hall};
use madang_shared::protocol::{
    AvatarId, BallotState, BallotView, BoothFact, CeremonyStep, CeremonyView, ChatLine, ClientMsg,
    CommentView, ConversationKind, Emote, FloorAction, InputFrame, JoinRefusal, JoinRequest,
    JoinResponse, Look, ModAction, PROTOCOL_ID, PROTOCOL_VERSION, PersonRow, Reaction, ReportRow,
    Role, ScheduleEntry, ScreenAction, ServerMsg, TallyRow, USER_DATA_BYTES, channel,
    connection_config, encode,
};
use madang_shared::refusal::{JoinRefused, Refusal, ServerNotice};
use madang_shared::rules::{Blocking, MoveInput, step};
use madang_shared::talk::ChatScope;
use madang_shared::video::Playback;
use renet::RenetClient;
use renet_netcode::{ClientAuthentication, ConnectToken, NetcodeClientTransport};
use tracing::{debug, warn};

/// How far behind the newest snapshot others are drawn, in ticks: enough to always have two
/// samples to interpolate between, despite jitter.
pub const INTERPOLATION_DELAY_TICKS: f64 = 2.0;
/// How many recent input frames each input message repeats, so a lost packet loses nothing.
pub const REDUNDANT_FRAMES: usize = 6;
/// Idle frames still sent after the last movement, so the stop is acknowledged.
pub const IDLE_FRAMES_SENT: u32 = 6;
/// Unacknowledged frames kept for replay.
pub const MAX_PENDING: usize = 64;

/// What went wrong joining. The English is for logs; a window words it with
/// [`crate::app::i18n::join_error`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    #[error("cannot reach the join endpoint at {url}: {why}")]
    Unreachable { url: String, why: String },
    #[error("the server refused to let you in: {0}")]
    Refused(JoinRefused),
    /// Refused without a code this client knows (a server of another version): `status` is
    /// the HTTP status, `error` its English.
    #[error("the server refused to let you in (HTTP {status}): {error}")]
    RefusedUncoded { status: u16, error: String },
    #[error("the join endpoint answered something unexpected: {0}")]
    BadResponse(String),
    #[error(
        "{url} is plain HTTP off this machine: invite codes and visitor passes would travel in \
         clear text; use https://"
    )]
    Insecure { url: String },
    #[error("cannot read the server's certificate {path}: {why}")]
    Certificate { path: PathBuf, why: String },
    #[error("cannot open a UDP socket: {0}")]
    Socket(String),
    #[error("cannot start the connection: {0}")]
    Netcode(String),
}

/// Who to join as, and where.
#[derive(Debug, Clone, Default)]
pub struct JoinOptions {
    pub name: String,
    pub hall: Option<String>,
    pub spawn: Option<String>,
    /// The pass from an earlier join with this server, to stay the same visitor.
    pub visitor_pass: Option<String>,
    /// An invite code for a role other than visitor.
    pub invite: Option<String>,
    /// The server's own certificate (PEM), to trust it alone: for a server with a self-signed
    /// certificate reached from another machine.
    pub server_cert: Option<PathBuf>,
    /// How your avatar looks; `None` lets the server choose.
    pub look: Option<Look>,
}

/// A join endpoint's address as typed: without a scheme it is HTTPS (`expo.example:7780` is
/// `https://expo.example:7780`); a trailing `/` is dropped.
pub fn server_url(typed: &str) -> String {
    let t = typed.trim().trim_end_matches('/');
    if t.contains("://") {
        t.to_owned()
    } else {
        format!("https://{t}")
    }
}

/// Whether `url`'s host is this machine (`localhost`, 127.0.0.0/8, `::1`).
pub fn is_loopback_url(url: &str) -> bool {
    let Ok(uri) = url.parse::<ureq::http::Uri>() else {
        return false;
    };
    let Some(host) = uri.host() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The HTTP agent for a join endpoint, trusting what may be trusted there:
/// - plain `http://` only on this machine (refused elsewhere, so that codes and passes never
///   travel in clear text);
/// - with `server_cert`, that certificate alone (pinned);
/// - on this machine, any certificate (a development server's self-signed one: nobody can
///   come between a client and a server on the same machine);
/// - elsewhere, certificates of the public authorities (webpki's roots).
pub fn http_agent(url: &str, server_cert: Option<&Path>) -> Result<ureq::Agent, JoinError> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    use ureq::tls::{Certificate, RootCerts, TlsConfig};
    let loopback = is_loopback_url(url);
    let https = url.starts_with("https://");
    if !https && !loopback {
        return Err(JoinError::Insecure {
            url: url.to_owned(),
        });
    }
    let tls = match server_cert {
        Some(path) => {
            let bad = |why: String| JoinError::Certificate {
                path: path.to_owned(),
                why,
            };
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| bad(e.to_string()))?
                .map(|c| c.map(|c| Certificate::from_der(c.as_ref()).to_owned()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| bad(e.to_string()))?;
            if certs.is_empty() {
                return Err(bad("the file holds no PEM certificate".into()));
            }
            TlsConfig::builder()
                .root_certs(RootCerts::new_with_certs(&certs))
                .build()
        }
        None if loopback => TlsConfig::builder().disable_verification(true).build(),
        None => TlsConfig::builder().build(),
    };
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .tls_config(tls)
        .build()
        .into())
}

/// Waits until the join endpoint at `url` answers `GET /health`, for at most `within`
/// (a server process just started); whether it did.
pub fn wait_until_up(url: &str, within: Duration) -> bool {
    let Ok(agent) = http_agent(url, None) else {
        return false;
    };
    let health = format!("{}/health", url.trim_end_matches('/'));
    let start = Instant::now();
    while agent.get(&health).call().is_err() {
        if start.elapsed() >= within {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

/// Asks the join endpoint (`server_url`, e.g. `http://127.0.0.1:7780`) for a connect token.
pub fn request_join(server_url: &str, opts: &JoinOptions) -> Result<JoinResponse, JoinError> {
    let base = self::server_url(server_url);
    let agent = http_agent(&base, opts.server_cert.as_deref())?;
    let url = format!("{base}/join");
    let body = JoinRequest {
        name: opts.name.clone(),
        protocol_version: PROTOCOL_VERSION,
        hall: opts.hall.clone(),
        spawn: opts.spawn.clone(),
        visitor_pass: opts.visitor_pass.clone(),
        invite: opts.invite.clone(),
        look: opts.look,
    };
    let mut resp = agent
        .post(&url)
        .send_json(&body)
        .map_err(|e| JoinError::Unreachable {
            url: url.clone(),
            why: e.to_string(),
        })?;
    let status = resp.status();
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .map_err(|e| JoinError::BadResponse(e.to_string()))?;
    if !status.is_success() {
        return Err(match serde_json::from_str::<JoinRefusal>(&text) {
            Ok(JoinRefusal {
                reason: Some(reason),
                ..
            }) => JoinError::Refused(reason),
            Ok(r) => JoinError::RefusedUncoded {
                status: status.as_u16(),
                error: r.error,
            },
            Err(_) => JoinError::RefusedUncoded {
                status: status.as_u16(),
                error: String::new(),
            },
        });
    }
    serde_json::from_str(&text).map_err(|e| JoinError::BadResponse(e.to_string()))
}

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

/// A list an organizer asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum List {
    People(Vec<PersonRow>),
    Reports(Vec<ReportRow>),
    /// The report's charts: (file name, PNG).
    Figures(Vec<(String, Vec<u8>)>),
}

/// Chat lines kept by a session.
pub const CHAT_KEPT: usize = 200;
/// Voice frames kept until taken (about 10 s).
pub const VOICE_KEPT: usize = 500;

/// Your conversation, as the server last told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub kind: ConversationKind,
    /// Its members (you included), at most the first 64.
    pub members: Vec<AvatarId>,
    pub total: u32,
    pub locked: bool,
}

/// What a session knows of talk.
#[derive(Debug, Default)]
pub struct TalkState {
    pub conversation: Option<Conversation>,
    pub on_stage: Vec<AvatarId>,
    pub chat: VecDeque<ChatLine>,
    /// The reactions of the last aggregated message, and how many such messages came.
    pub reactions: [u32; 3],
    pub reaction_messages: u64,
    /// Every reaction counted since joining, by kind.
    pub reaction_totals: [u64; 3],
    /// Voice frames received: (speaker, sequence number, Opus data).
    pub voice: VecDeque<(AvatarId, u32, Vec<u8>)>,
    /// Notices from the server (a full table, say), oldest first.
    pub notices: Vec<ServerNotice>,
    /// Emotes shown by people in view, not yet taken: (who, emote).
    pub emotes: VecDeque<(AvatarId, Emote)>,
    /// The floor at your table, as last told.
    pub floor: Option<FloorView>,
}

/// The floor at a discussion table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloorView {
    pub area: String,
    pub speaker: Option<AvatarId>,
    pub queue: Vec<AvatarId>,
    /// When the speaking timer ends, on the server's clock.
    pub timer_ends_ms: Option<u64>,
}

impl TalkState {
    fn push_chat(&mut self, line: ChatLine) {
        self.chat.push_back(line);
        while self.chat.len() > CHAT_KEPT {
            self.chat.pop_front();
        }
    }
}

/// Your own avatar: predicted ahead of the server, reconciled with its answers.
#[derive(Debug, Clone)]
pub struct Me {
    pub id: AvatarId,
    pub name: String,
    pub role: Role,
    pub look: Look,
    pub hall: u16,
    /// Where the prediction says you are after the last step, in tiles.
    pub pos: Vec2,
    /// Where you were before the last step: drawing blends the two.
    pub prev_pos: Vec2,
    /// A visual offset left by a correction from the server; it fades instead of snapping.
    pub correction: Vec2,
    /// The server's last word: the last input it applied and where that put you.
    pub server_ack: u32,
    pub server_pos: Vec2,
}

/// Someone else, drawn from the server's samples.
#[derive(Debug, Clone)]
pub struct Remote {
    pub name: String,
    pub role: Role,
    pub look: Look,
    /// (server tick, position in tiles), oldest first.
    samples: VecDeque<(f64, Vec2)>,
}

impl Remote {
    /// Where to draw them at `time` (in server ticks): between the samples around it.
    pub fn position_at(&self, time: f64) -> Vec2 {
        let Some(&(_, last)) = self.samples.back() else {
            return Vec2::ZERO;
        };
        let mut prev: Option<(f64, Vec2)> = None;
        for &(t, p) in &self.samples {
            if t >= time {
                return match prev {
                    Some((t0, p0)) if t > t0 => p0.lerp(p, ((time - t0) / (t - t0)) as f32),
                    _ => p,
                };
            }
            prev = Some((t, p));
        }
        last
    }

    /// The newest position the server sent.
    pub fn latest(&self) -> Vec2 {
        self.samples.back().map(|s| s.1).unwrap_or(Vec2::ZERO)
    }

    fn push(&mut self, tick: f64, pos: Vec2) {
        if let Some(&(last_t, last_p)) = self.samples.back() {
            if tick <= last_t {
                return;
            }
            // Only changes are sent: a long gap means they stood still until just before.
            if tick - last_t > 1.0 {
                self.samples.push_back((tick - 1.0, last_p));
            }
        }
        self.samples.push_back((tick, pos));
    }

    fn forget_before(&mut self, time: f64) {
        while self.samples.len() > 2 && self.samples[1].0 < time {
            self.samples.pop_front();
        }
    }
}

/// Hall maps read from the client's own copy of the assets, by hall id.
#[derive(Debug, Default)]
pub struct MapStore {
    dir: PathBuf,
    maps: HashMap<String, Option<Arc<HallMap>>>,
}

impl MapStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        MapStore {
            dir: dir.into(),
            maps: HashMap::new(),
        }
    }

    /// The hall, loaded on first use; `None` (with a warning) if it cannot be read.
    pub fn get(&mut self, id: &str) -> Option<Arc<HallMap>> {
        let dir = &self.dir;
        self.maps
            .entry(id.to_owned())
            .or_insert_with(|| match load_hall(&dir.join(format!("{id}.tmx"))) {
                Ok(m) => Some(Arc::new(m)),
                Err(e) => {
                    warn!("cannot load hall `{id}` locally; walking without walls: {e}");
                    None
                }
            })
            .clone()
    }

    /// Takes a hall the server reloaded: its TMX text, read against the local tilesets.
    pub fn replace(&mut self, id: &str, tmx: &str) -> Option<Arc<HallMap>> {
        let path = self.dir.join(format!("{id}.tmx"));
        match madang_shared::map::load_hall_text(&path, tmx) {
            Ok(m) => {
                let m = Arc::new(m);
                self.maps.insert(id.to_owned(), Some(m.clone()));
                Some(m)
            }
            Err(e) => {
                warn!("cannot take the reloaded hall `{id}`: {e}");
                None
            }
        }
    }
}

/// No walls: the prediction used when the hall map is missing (the server still decides).
struct Open;

impl Blocking for Open {
    fn blocked(&self, _: i32, _: i32) -> bool {
        false
    }
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
    pub tick_hz: u32,
    pub speed: f32,
    /// The server's clock as this client estimates it, in ticks.
    pub server_time: f64,
    /// The newest server tick heard of (in the welcome or a snapshot).
    latest_tick: u32,
    next_seq: u32,
    pending: VecDeque<InputFrame>,
    idle_frames: u32,
    events: Vec<SessionEvent>,
    /// What you have been told of the booths of your hall, by map object id.
    pub booths: HashMap<u32, BoothFact>,
    next_req: u32,
    /// Answers to your requests, by request number, until taken.
    answers: HashMap<u32, Result<(), Refusal>>,
    /// Pages of comments, by request number, until taken: the comments and whether more remain.
    pages: HashMap<u32, (Vec<CommentView>, bool)>,
    /// The expo's ballots, their state and your votes, as last told.
    pub ballots: Vec<BallotView>,
    /// Tallies, by request number, until taken.
    tallies: HashMap<u32, (BallotState, Vec<TallyRow>)>,
    /// The screens of your hall, by map object id.
    pub screens: HashMap<u32, Playback>,
    /// The server's clock minus ours (`created`), in ms: the largest seen, since a message's
    /// delay only ever makes it look smaller.
    clock_offset_ms: Option<i64>,
    created: Instant,
    /// The banner up for your hall, if any.
    pub announcement: Option<String>,
    /// Bumped whenever the hall's map is replaced (a reload on the server), so the window
    /// redraws it.
    pub hall_generation: u64,
    /// The expo's timetable around now, soonest first.
    pub schedule: Vec<ScheduleEntry>,
    /// The server's wall clock minus ours (ms), for counting down to the timetable.
    pub wall_offset_ms: i64,
    /// The awards ceremony as last told, and how many ceremony messages came.
    pub ceremony: Option<CeremonyView>,
    pub ceremony_messages: u64,
    /// Lists asked for (people online, reports), by request number, until taken.
    lists: HashMap<u32, List>,
    /// Talk: your conversation as last told, who is on stage, chat received (newest last, at
    /// most [`CHAT_KEPT`]), the last tick's reactions, voice frames not yet taken, notices.
    pub talk: TalkState,
    /// Snapshot and message counts, for tests and the bots' report.
    pub snapshots_received: u64,
    /// The server's tick when it last welcomed this session into a hall.
    pub welcomed_at: u32,
    pub bytes_received: u64,
}

fn now_since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
}

impl Session {
    /// Joins through the endpoint and starts connecting.
    pub fn join(server_url: &str, opts: &JoinOptions, maps_dir: &Path) -> Result<Self, JoinError> {
        let resp = request_join(server_url, opts)?;
        Self::connect(resp, maps_dir)
    }

    /// Starts connecting with an answer of the join endpoint.
    pub fn connect(join: JoinResponse, maps_dir: &Path) -> Result<Self, JoinError> {
        let auth = match (&join.token, &join.user_data) {
            (Some(token), _) => {
                let bytes = B64
                    .decode(token)
                    .map_err(|e| JoinError::BadResponse(format!("token is not base64: {e}")))?;
                let connect_token = ConnectToken::read(&mut bytes.as_slice())
                    .map_err(|e| JoinError::BadResponse(format!("token is unreadable: {e}")))?;
                ClientAuthentication::Secure { connect_token }
            }
            (None, Some(data)) => {
                let bytes = B64
                    .decode(data)
                    .map_err(|e| JoinError::BadResponse(format!("user data is not base64: {e}")))?;
                let user_data: [u8; USER_DATA_BYTES] = bytes
                    .try_into()
                    .map_err(|_| JoinError::BadResponse("user data has the wrong size".into()))?;
                ClientAuthentication::Unsecure {
                    protocol_id: PROTOCOL_ID,
                    client_id: join.client_id,
                    server_addr: join.server_addr,
                    user_data: Some(user_data),
                }
            }
            (None, None) => {
                return Err(JoinError::BadResponse(
                    "the answer holds neither a token nor user data".into(),
                ));
            }
        };
        Self::with_auth(join, auth, maps_dir)
    }

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
            tick_hz: 20,
            speed: 4.0,
            server_time: 0.0,
            latest_tick: 0,
            next_seq: 0,
            pending: VecDeque::new(),
            idle_frames: 0,
            events: Vec::new(),
            booths: HashMap::new(),
            next_req: 0,
            answers: HashMap::new(),
            pages: HashMap::new(),
            ballots: Vec::new(),
            tallies: HashMap::new(),
            screens: HashMap::new(),
            clock_offset_ms: None,
            talk: TalkState::default(),
            announcement: None,
            ceremony: None,
            ceremony_messages: 0,
            schedule: Vec::new(),
            wall_offset_ms: 0,
            hall_generation: 0,
            lists: HashMap::new(),
            created: Instant::now(),
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
        self.server_time += dt.as_secs_f64() * self.tick_hz as f64;
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
            return;
        }
        let render_time = self.render_time();
        for r in self.others.values_mut() {
            r.forget_before(render_time - 1.0);
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

    /// One server tick of your own movement: predicted at once, sent to the server.
    pub fn step(&mut self, input: MoveInput) {
        if self.state != ConnState::Connected {
            return;
        }
        let dt = self.tick_dt();
        let speed = self.speed;
        let map = self.hall_map.clone();
        let Some(me) = self.me.as_mut() else {
            return;
        };
        me.prev_pos = me.pos;
        if input.is_idle() {
            self.idle_frames = self.idle_frames.saturating_add(1);
            if self.idle_frames > IDLE_FRAMES_SENT {
                return;
            }
        } else {
            self.idle_frames = 0;
        }
        self.next_seq += 1;
        let frame = InputFrame {
            seq: self.next_seq,
            input,
        };
        me.pos = match &map {
            Some(m) => step(&m.collision, me.pos, input, speed, dt),
            None => step(&Open, me.pos, input, speed, dt),
        };
        self.pending.push_back(frame);
        while self.pending.len() > MAX_PENDING {
            self.pending.pop_front();
        }
        let skip = self.pending.len().saturating_sub(REDUNDANT_FRAMES);
        let frames: Vec<InputFrame> = self.pending.iter().skip(skip).copied().collect();
        self.client
            .send_message(channel::INPUT, encode(&ClientMsg::Input { frames }));
    }

    /// Gives (`on`) or takes back your heart for a booth of your hall. Returns the request
    /// number; [`Session::take_answer`] tells when it is saved.
    pub fn heart(&mut self, booth: u32, on: bool) -> u32 {
        self.request(|req| ClientMsg::Heart { req, booth, on })
    }

    /// Comments on a booth of your hall.
    pub fn comment(&mut self, booth: u32, text: &str) -> u32 {
        let text = text.to_owned();
        self.request(|req| ClientMsg::Comment { req, booth, text })
    }

    /// Asks for a page of a booth's comments (of your hall), newest first, older than comment
    /// `before`; [`Session::take_page`] gives it.
    pub fn read_comments(&mut self, booth: u32, before: Option<i64>) -> u32 {
        let hall = self.me.as_ref().map(|m| m.hall).unwrap_or(0);
        self.request(|req| ClientMsg::Comments {
            req,
            hall,
            booth,
            before,
        })
    }

    /// Hides (or shows again) a comment; organizers only.
    pub fn hide_comment(&mut self, id: i64, hidden: bool) -> u32 {
        self.request(|req| ClientMsg::HideComment { req, id, hidden })
    }

    /// Votes in `ballot` for a booth (in any hall), or changes your vote.
    pub fn vote(&mut self, ballot: &str, hall: u16, booth: u32) -> u32 {
        let ballot = ballot.to_owned();
        self.request(|req| ClientMsg::Vote {
            req,
            ballot,
            hall,
            booth,
        })
    }

    /// Opens or closes a ballot; organizers only.
    pub fn set_ballot(&mut self, ballot: &str, state: BallotState) -> u32 {
        let ballot = ballot.to_owned();
        self.request(|req| ClientMsg::SetBallot { req, ballot, state })
    }

    /// Asks for a ballot's tally; [`Session::take_tally`] gives it.
    pub fn ask_tally(&mut self, ballot: &str) -> u32 {
        let ballot = ballot.to_owned();
        self.request(|req| ClientMsg::Tally { req, ballot })
    }

    /// Says something: to your conversation, the room, from the stage, or to one person.
    /// [`Session::take_answer`] tells when it is delivered (and saved, for the room).
    pub fn chat(&mut self, scope: ChatScope, text: &str) -> u32 {
        let text = text.to_owned();
        self.request(|req| ClientMsg::Chat { req, scope, text })
    }

    /// Locks (or unlocks) your bubble.
    pub fn lock_bubble(&mut self, locked: bool) -> u32 {
        self.request(|req| ClientMsg::LockBubble { req, locked })
    }

    /// Mutes (or unmutes) someone until lifted: organizers anywhere, facilitators at their
    /// table.
    pub fn mute(&mut self, who: AvatarId, muted: bool) -> u32 {
        self.mute_for(who, muted, 0)
    }

    /// Mutes someone for `minutes` (0: until lifted); the mute holds if they reconnect.
    pub fn mute_for(&mut self, who: AvatarId, muted: bool, minutes: u32) -> u32 {
        self.request(|req| ClientMsg::Mute {
            req,
            who,
            muted,
            minutes,
        })
    }

    /// The server's wall clock now (Unix ms), as estimated here.
    pub fn wall_now_ms(&self) -> i64 {
        now_since_epoch().as_millis() as i64 + self.wall_offset_ms
    }

    /// What is on now and what comes next, by the timetable.
    pub fn now_and_next(&self) -> (Option<&ScheduleEntry>, Option<&ScheduleEntry>) {
        let now = self.wall_now_ms();
        let on = self
            .schedule
            .iter()
            .find(|e| e.starts <= now && now < e.ends);
        let next = self.schedule.iter().find(|e| e.starts > now);
        (on, next)
    }

    /// Edits an object of your hall's map; organizers only. The new hall arrives as
    /// [`ServerMsg::HallUpdated`] once the server has saved and taken it.
    pub fn edit_map(&mut self, edit: madang_shared::edit::MapEdit) -> u32 {
        self.request(|req| ClientMsg::EditMap { req, edit })
    }

    /// Takes back the last edit of your hall's map; organizers only.
    pub fn undo_edit(&mut self) -> u32 {
        self.request(|req| ClientMsg::UndoEdit { req })
    }

    /// Makes your last taken-back edit again. Answered like [`Session::edit_map`].
    pub fn redo_edit(&mut self) -> u32 {
        self.request(|req| ClientMsg::RedoEdit { req })
    }

    /// Runs a step of the awards ceremony; organizers only.
    pub fn ceremony_step(&mut self, step: CeremonyStep) -> u32 {
        self.request(|req| ClientMsg::Ceremony { req, step })
    }

    /// Goes to the ceremony room while the ceremony is open.
    pub fn join_ceremony(&mut self) -> u32 {
        self.request(|req| ClientMsg::JoinCeremony { req })
    }

    /// Kicks, bans, lifts a ban, moves someone to the stage; organizers only.
    pub fn moderate(&mut self, action: ModAction) -> u32 {
        self.request(|req| ClientMsg::Moderate { req, action })
    }

    /// Reports someone to the organizers.
    pub fn report(&mut self, who: AvatarId, reason: &str) -> u32 {
        let reason = reason.to_owned();
        self.request(|req| ClientMsg::Report { req, who, reason })
    }

    /// Asks for the people online whose name holds `query`; organizers only.
    /// [`Session::take_list`] gives them.
    pub fn ask_people(&mut self, query: &str) -> u32 {
        let query = query.to_owned();
        self.request(|req| ClientMsg::People { req, query })
    }

    /// Asks for the results report's charts; organizers only.
    pub fn ask_figures(&mut self, lang: madang_shared::map::Lang) -> u32 {
        self.request(|req| ClientMsg::Figures { req, lang })
    }

    /// Asks for the reports; organizers only.
    pub fn ask_reports(&mut self) -> u32 {
        self.request(|req| ClientMsg::Reports { req })
    }

    /// Puts up (or, with `None`, takes down) a banner for a hall or the whole expo;
    /// organizers only.
    pub fn announce(&mut self, hall: Option<u16>, text: Option<&str>) -> u32 {
        let text = text.map(str::to_owned);
        self.request(|req| ClientMsg::Announce { req, hall, text })
    }

    /// The list asked for with `req`, once it came.
    pub fn take_list(&mut self, req: u32) -> Option<List> {
        self.lists.remove(&req)
    }

    /// Shows an emote over your avatar to those who see you.
    pub fn emote(&mut self, emote: Emote) {
        self.client
            .send_message(channel::RELIABLE, encode(&ClientMsg::Emote { emote }));
    }

    /// Raises or lowers your hand at your table, or (facilitators) gives the floor and runs
    /// the speaking timer.
    pub fn floor(&mut self, action: FloorAction) -> u32 {
        self.request(|req| ClientMsg::Floor { req, action })
    }

    /// Seconds left on your table's speaking timer.
    pub fn floor_timer_left(&self) -> Option<f32> {
        let ends = self.talk.floor.as_ref()?.timer_ends_ms?;
        let now = self.server_now_ms()?;
        Some(ends.saturating_sub(now) as f32 / 1000.0)
    }

    /// Applauds, gives a heart or cheers.
    pub fn react(&mut self, reaction: Reaction) {
        self.client
            .send_message(channel::RELIABLE, encode(&ClientMsg::React { reaction }));
    }

    /// Sends one Opus frame of your voice.
    pub fn send_voice(&mut self, seq: u32, data: Vec<u8>) {
        self.client
            .send_message(channel::VOICE, encode(&ClientMsg::Voice { seq, data }));
    }

    /// Learns the server's clock from a message stamped `server_ms` when sent.
    fn note_server_clock(&mut self, server_ms: u64) {
        let local = self.created.elapsed().as_millis() as i64;
        let offset = server_ms as i64 - local;
        self.clock_offset_ms = Some(self.clock_offset_ms.map_or(offset, |o| o.max(offset)));
    }

    /// The newest server tick a snapshot came from.
    pub fn latest_tick(&self) -> u32 {
        self.latest_tick
    }

    /// The server's clock now, as estimated here (ms since the server started).
    pub fn server_now_ms(&self) -> Option<u64> {
        let local = self.created.elapsed().as_millis() as i64;
        self.clock_offset_ms.map(|o| (local + o).max(0) as u64)
    }

    /// Where a screen of your hall is now, in ms into its video.
    pub fn screen_position_ms(&self, screen: u32) -> Option<u64> {
        Some(
            self.screens
                .get(&screen)?
                .position_at(self.server_now_ms()?),
        )
    }

    /// Plays, pauses or restarts a screen of your hall; organizers only.
    pub fn control_screen(&mut self, screen: u32, action: ScreenAction) -> u32 {
        self.request(|req| ClientMsg::ScreenControl {
            req,
            screen,
            action,
        })
    }

    /// The tally asked for with request `req`, once it came.
    pub fn take_tally(&mut self, req: u32) -> Option<(BallotState, Vec<TallyRow>)> {
        self.tallies.remove(&req)
    }

    /// The page of comments asked for with request `req`, once it came.
    pub fn take_page(&mut self, req: u32) -> Option<(Vec<CommentView>, bool)> {
        self.pages.remove(&req)
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

    /// Sends bytes as they are, bypassing the protocol: for tests and tools that probe how the
    /// server treats malformed or hostile input.
    pub fn send_raw(&mut self, channel: u8, bytes: Vec<u8>) {
        self.client.send_message(channel, bytes);
    }

    /// Lets a visual correction fade; call every frame.
    pub fn fade_correction(&mut self, dt: f32) {
        if let Some(me) = self.me.as_mut() {
            me.correction *= (-dt * 12.0).exp();
            if me.correction.length_squared() < 1e-6 {
                me.correction = Vec2::ZERO;
            }
        }
    }

    /// Where to draw your avatar, `alpha` of the way through the current tick.
    pub fn my_render_pos(&self, alpha: f32) -> Option<Vec2> {
        let me = self.me.as_ref()?;
        Some(me.prev_pos.lerp(me.pos, alpha.clamp(0.0, 1.0)) + me.correction)
    }

    /// The time at which others are drawn, in server ticks.
    pub fn render_time(&self) -> f64 {
        self.server_time - INTERPOLATION_DELAY_TICKS
    }

    /// Where to draw someone else now.
    pub fn remote_render_pos(&self, id: AvatarId) -> Option<Vec2> {
        let t = self.render_time();
        self.others.get(&id).map(|r| r.position_at(t))
    }

    fn apply(&mut self, msg: ServerMsg) {
        match msg {
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
                self.utc_offset_minutes = utc_offset_minutes.clamp(-24 * 60, 24 * 60);
                self.halls = halls;
                self.tick_hz = tick_hz.max(1) as u32;
                self.speed = speed;
                self.server_time = tick as f64;
                self.latest_tick = tick;
                self.welcomed_at = tick;
                self.me = Some(Me {
                    id: you,
                    name,
                    role,
                    look,
                    hall,
                    pos,
                    prev_pos: pos,
                    correction: Vec2::ZERO,
                    server_ack: 0,
                    server_pos: pos,
                });
                self.booths.clear();
                self.screens.clear();
                self.enter_hall(hall);
            }
            ServerMsg::HallChanged { hall, pos } => {
                let Some(me) = self.me.as_mut() else { return };
                me.hall = hall;
                me.pos = pos;
                me.prev_pos = pos;
                me.server_pos = pos;
                me.correction = Vec2::ZERO;
                self.pending.clear();
                self.booths.clear();
                self.screens.clear();
                let gone: Vec<AvatarId> = self.others.keys().copied().collect();
                self.others.clear();
                self.events
                    .extend(gone.into_iter().map(SessionEvent::Disappeared));
                self.enter_hall(hall);
            }
            ServerMsg::Seen { left, entered } => {
                for id in left {
                    if self.others.remove(&id).is_some() {
                        self.events.push(SessionEvent::Disappeared(id));
                    }
                }
                for info in entered {
                    let mut remote = Remote {
                        name: info.name,
                        role: info.role,
                        look: info.look,
                        samples: VecDeque::new(),
                    };
                    // Stamped with the newest tick heard of: the server sent it during that tick.
                    remote.push(self.latest_tick as f64, info.pos.to_tiles());
                    self.others.insert(info.id, remote);
                    self.events.push(SessionEvent::Appeared(info.id));
                }
            }
            ServerMsg::BoothFacts { hall, booths } => {
                if self.me.as_ref().is_some_and(|m| m.hall == hall) {
                    self.booths.extend(booths.into_iter().map(|b| (b.booth, b)));
                }
            }
            ServerMsg::CommentPage {
                req,
                comments,
                more,
                ..
            } => {
                self.pages.insert(req, (comments, more));
            }
            ServerMsg::Screens {
                hall,
                server_ms,
                screens,
            } => {
                self.note_server_clock(server_ms);
                if self.me.as_ref().is_some_and(|m| m.hall == hall) {
                    self.screens
                        .extend(screens.into_iter().map(|s| (s.screen, s.playback)));
                }
            }
            ServerMsg::Ballots { ballots } => {
                self.ballots = ballots;
            }
            ServerMsg::Tally {
                req, state, rows, ..
            } => {
                self.tallies.insert(req, (state, rows));
            }
            ServerMsg::Done { req } => {
                self.answers.insert(req, Ok(()));
            }
            ServerMsg::Conversation {
                kind,
                members,
                total,
                locked,
            } => {
                self.talk.conversation = Some(Conversation {
                    kind,
                    members,
                    total,
                    locked,
                });
            }
            ServerMsg::Stage { on_stage } => self.talk.on_stage = on_stage,
            ServerMsg::Chat(line) => self.talk.push_chat(line),
            ServerMsg::ChatHistory { lines } => {
                for line in lines {
                    self.talk.push_chat(line);
                }
            }
            ServerMsg::Reactions { counts } => {
                self.talk.reactions = counts;
                self.talk.reaction_messages += 1;
                for (total, c) in self.talk.reaction_totals.iter_mut().zip(counts) {
                    *total += c as u64;
                }
            }
            ServerMsg::Voice { from, seq, data } => {
                if self.talk.voice.len() < VOICE_KEPT {
                    self.talk.voice.push_back((from, seq, data));
                }
            }
            ServerMsg::Notice(notice) => self.talk.notices.push(notice),
            ServerMsg::People { req, rows } => {
                self.lists.insert(req, List::People(rows));
            }
            ServerMsg::Reports { req, rows } => {
                self.lists.insert(req, List::Reports(rows));
            }
            ServerMsg::Figures { req, charts } => {
                self.lists.insert(req, List::Figures(charts));
            }
            ServerMsg::Announcement { text } => self.announcement = text,
            ServerMsg::HallUpdated { hall, tmx } => {
                let Some(id) = self.halls.get(hall as usize).cloned() else {
                    return;
                };
                if let Some(map) = self.maps.replace(&id, &tmx)
                    && self.me.as_ref().is_some_and(|m| m.hall == hall)
                {
                    self.hall_map = Some(map);
                    self.hall_generation += 1;
                }
            }
            ServerMsg::Schedule { entries, wall_ms } => {
                let local = now_since_epoch().as_millis() as i64;
                self.schedule = entries;
                self.wall_offset_ms = wall_ms - local;
            }
            ServerMsg::Ceremony(view) => {
                self.ceremony_messages += 1;
                self.ceremony = Some(view);
            }
            ServerMsg::Emotes { list } => {
                for (who, emote) in list {
                    if self.talk.emotes.len() < 64 {
                        self.talk.emotes.push_back((who, emote));
                    }
                }
            }
            ServerMsg::Floor {
                area,
                speaker,
                queue,
                timer_ends_ms,
                server_ms,
            } => {
                self.note_server_clock(server_ms);
                self.talk.floor = Some(FloorView {
                    area,
                    speaker,
                    queue,
                    timer_ends_ms,
                });
            }
            ServerMsg::Refused { req, why } => {
                self.answers.insert(req, Err(why));
            }
            ServerMsg::Snapshot {
                tick,
                hall,
                ack,
                pos,
                moved,
            } => {
                self.snapshots_received += 1;
                if self.me.as_ref().is_none_or(|m| m.hall != hall) {
                    return;
                }
                self.latest_tick = self.latest_tick.max(tick);
                let t = tick as f64;
                if t > self.server_time {
                    self.server_time = t;
                } else if self.server_time - t > 1.0 {
                    // Drift back gently when our clock runs ahead of the server's.
                    self.server_time -= (self.server_time - t - 1.0) * 0.1;
                }
                self.reconcile(ack, pos);
                for m in moved {
                    if let Some(r) = self.others.get_mut(&m.id) {
                        r.push(t, m.pos.to_tiles());
                    }
                }
            }
        }
    }

    fn enter_hall(&mut self, hall: u16) {
        let id = self.halls.get(hall as usize).cloned().unwrap_or_default();
        self.hall_map = self.maps.get(&id);
        debug!(hall = %id, "entered hall");
        self.events.push(SessionEvent::EnteredHall { hall: id });
    }

    /// Takes the server's word for where the last applied input put us, and replays the inputs
    /// it has not applied yet on top of it.
    fn reconcile(&mut self, ack: u32, server_pos: Vec2) {
        let dt = self.tick_dt();
        let speed = self.speed;
        let map = self.hall_map.clone();
        let Some(me) = self.me.as_mut() else { return };
        if ack < me.server_ack {
            return;
        }
        me.server_ack = ack;
        me.server_pos = server_pos;
        while self.pending.front().is_some_and(|f| f.seq <= ack) {
            self.pending.pop_front();
        }
        let mut p = server_pos;
        for f in &self.pending {
            p = match &map {
                Some(m) => step(&m.collision, p, f.input, speed, dt),
                None => step(&Open, p, f.input, speed, dt),
            };
        }
        let error = me.pos - p;
        if error.length_squared() > 1e-8 {
            // Far off (a teleport, a long stall): jump. Otherwise fade the difference out.
            if error.length() > 2.0 {
                me.correction = Vec2::ZERO;
                me.prev_pos = p;
            } else {
                me.correction += error;
            }
            me.pos = p;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_without_a_scheme_are_https_and_clear_text_stays_on_this_machine() {
        assert_eq!(
            server_url("expo.example:7780/"),
            "https://expo.example:7780"
        );
        assert_eq!(
            server_url(" http://127.0.0.1:7780 "),
            "http://127.0.0.1:7780"
        );
        for here in [
            "https://localhost:1",
            "http://127.0.0.1:7780",
            "http://127.3.4.5",
            "https://[::1]:7780",
        ] {
            assert!(is_loopback_url(here), "{here}");
        }
        for there in [
            "https://expo.example",
            "http://10.0.0.1:7780",
            "https://[::2]:1",
            "junk",
        ] {
            assert!(!is_loopback_url(there), "{there}");
        }
        assert!(http_agent("http://127.0.0.1:7780", None).is_ok());
        assert!(matches!(
            http_agent("http://expo.example:7780", None),
            Err(JoinError::Insecure { .. })
        ));
        assert!(http_agent("https://expo.example", None).is_ok());
        assert!(matches!(
            http_agent(
                "https://expo.example",
                Some(Path::new("/nonexistent/cert.pem"))
            ),
            Err(JoinError::Certificate { .. })
        ));
    }

    #[test]
    fn remotes_are_interpolated_between_samples() {
        let mut r = Remote {
            name: "a".into(),
            role: Role::Visitor,
            look: Look::default(),
            samples: VecDeque::new(),
        };
        r.push(10.0, Vec2::new(0.0, 0.0));
        r.push(11.0, Vec2::new(1.0, 0.0));
        assert_eq!(r.position_at(10.5), Vec2::new(0.5, 0.0));
        assert_eq!(r.position_at(9.0), Vec2::new(0.0, 0.0), "before: the first");
        assert_eq!(r.position_at(12.0), Vec2::new(1.0, 0.0), "after: the last");
    }

    #[test]
    fn a_move_after_standing_still_starts_from_where_they_stood() {
        let mut r = Remote {
            name: "a".into(),
            role: Role::Visitor,
            look: Look::default(),
            samples: VecDeque::new(),
        };
        r.push(10.0, Vec2::new(0.0, 0.0));
        r.push(50.0, Vec2::new(0.25, 0.0));
        // Without the filled-in sample at 49 they would creep over 40 ticks.
        assert_eq!(r.position_at(30.0), Vec2::new(0.0, 0.0));
        assert_eq!(r.position_at(49.5), Vec2::new(0.125, 0.0));
    }
}
