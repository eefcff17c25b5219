//! The join endpoint: a small HTTP server (axum on a tokio runtime of its own thread) where a
//! client asks to join with a display name and gets a netcode connect token.
//!
//! The token is sealed with the server's private key; its user data carries the visitor id, the
//! name and the role ([`JoinClaims`]), so the game socket learns who connected without trusting
//! the client. Routes:
//!
//! - `POST /join` with a [`JoinRequest`] → 200 [`JoinResponse`], or 4xx [`JoinRefusal`].
//!
//! Every request passes the [`Door`] first: per source address, requests of any kind and new
//! visitor identities are rate-limited (GCRA, `governor`), and an address with too many game
//! connections open gets no new token. A refusal says why and, for a limit, when to try again
//! (`retry_after_secs` and `Retry-After`). Connections are capped in all and per address, and
//! time-limited (headers within [`HEADER_TIMEOUT`], the whole connection within
//! [`CONNECTION_TIMEOUT`]), so that slow clients cannot hold the process's open files.
//! - `GET /health` → `ok`.
//! - `GET /stats` → the latest [`crate::StatsReport`] as JSON.

use madang_shared::refusal::JoinRefused;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use madang_shared::names::validate_display_name;
use madang_shared::protocol::{
    JoinClaims, JoinRefusal, JoinRequest, JoinResponse, PROTOCOL_ID, PROTOCOL_VERSION, Role,
};
use rand::Rng;
use renet_netcode::ConnectToken;
use tracing::{info, warn};

use crate::halls::SharedDirectory;
use crate::identity::Secret;
use crate::stats::SharedStats;

/// What the endpoint needs to issue tokens.
pub struct JoinContext {
    pub secret: Secret,
    pub public_addr: SocketAddr,
    pub token_expire_secs: u64,
    pub client_timeout_secs: i32,
    pub insecure: bool,
    pub directory: SharedDirectory,
    pub stats: SharedStats,
    /// Invite-code hashes and the role each grants.
    pub invites: Vec<(String, Role)>,
    /// Who is refused at the door.
    pub bans: crate::moderation::Bans,
    /// Limits per source address.
    pub door: Door,
    /// The awards, whose claim codes are typed where an invite code goes.
    pub awards: Vec<crate::settings::AwardSetting>,
    pub claims: crate::ceremony::AwardClaims,
    /// Reserved display names, as [`name_key`] makes them, with the award (by index) whose
    /// winner may use each, if any.
    pub reserved: Vec<(String, Option<usize>)>,
    /// Where claims are kept (none in unit tests).
    pub store: Option<crate::store::Store>,
    /// Which passes are still honoured.
    pub passes: crate::settings::PassSettings,
    /// The game socket's bound port, for its drop counter in `/stats`.
    pub udp_port: u16,
}

/// A display name as reserved names are compared: no case, spaces, punctuation or symbols, so
/// that "소방청 담당자", "소방청담당자" and "소방청_담당자." are one name.
pub fn name_key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

type Limiter = RateLimiter<IpAddr, HashMapStateStore<IpAddr>, DefaultClock>;

/// Game connections open, by source address: kept by the game thread (admission and
/// departure), read by the join endpoint.
#[derive(Debug, Clone, Default)]
pub struct OpenByAddress(Arc<Mutex<HashMap<IpAddr, usize>>>);

impl OpenByAddress {
    pub fn count(&self, ip: IpAddr) -> usize {
        self.0
            .lock()
            .map(|m| m.get(&ip).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    pub fn opened(&self, ip: IpAddr) {
        if let Ok(mut m) = self.0.lock() {
            *m.entry(ip).or_default() += 1;
        }
    }

    pub fn closed(&self, ip: IpAddr) {
        if let Ok(mut m) = self.0.lock()
            && let Some(n) = m.get_mut(&ip)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&ip);
            }
        }
    }
}

/// The join endpoint's limits per source address.
pub struct Door {
    requests: Limiter,
    new_visitors: Limiter,
    clock: DefaultClock,
    pub open: OpenByAddress,
    connections_per_address: usize,
}

/// Why the door turned a request away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turned {
    pub why: JoinRefused,
    pub retry_after_secs: Option<u64>,
}

fn quota(per: Duration, burst: u32) -> Quota {
    let burst = NonZeroU32::new(burst.max(1)).expect("at least 1");
    Quota::with_period(per)
        .expect("a period above zero")
        .allow_burst(burst)
}

impl Door {
    pub fn new(limits: &crate::settings::DoorLimits, open: OpenByAddress) -> Self {
        let per_request = Duration::from_secs_f64(1.0 / limits.requests_per_sec.max(1) as f64);
        let per_visitor =
            Duration::from_secs_f64(60.0 / limits.new_visitors_per_minute.max(1) as f64);
        Door {
            requests: RateLimiter::hashmap(quota(per_request, limits.requests_burst)),
            new_visitors: RateLimiter::hashmap(quota(per_visitor, limits.new_visitors_burst)),
            clock: DefaultClock::default(),
            open,
            connections_per_address: limits.connections_per_address,
        }
    }

    /// Any request from `ip`.
    pub fn request(&self, ip: IpAddr) -> Result<(), Turned> {
        self.requests.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            Turned {
                why: JoinRefused::TooManyRequests {
                    retry_after_secs: secs,
                },
                retry_after_secs: Some(secs),
            }
        })
    }

    /// A join from `ip`; `new_identity` when it brings no visitor pass.
    pub fn join(&self, ip: IpAddr, new_identity: bool) -> Result<(), Turned> {
        let open = self.open.count(ip);
        if open >= self.connections_per_address {
            return Err(Turned {
                why: JoinRefused::AddressFull { open: open as u32 },
                retry_after_secs: Some(60),
            });
        }
        if new_identity {
            self.new_visitors.check_key(&ip).map_err(|not_until| {
                let wait = not_until.wait_time_from(self.clock.now());
                let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
                Turned {
                    why: JoinRefused::TooManyNewVisitors {
                        retry_after_secs: secs,
                    },
                    retry_after_secs: Some(secs),
                }
            })?;
        }
        Ok(())
    }

    /// Forgets addresses whose limits have refilled, so the tables do not grow with every
    /// address ever seen.
    pub fn prune(&self) {
        self.requests.retain_recent();
        self.new_visitors.retain_recent();
    }
}

/// HTTP connections open at once, in all and from one address; a connection past either is
/// closed as soon as it is accepted, so that slow or idle clients cannot use up the process's
/// open files (the game thread reads maps and media too) or keep others out.
pub const MAX_HTTP_CONNECTIONS: usize = 256;
pub const MAX_HTTP_CONNECTIONS_PER_ADDRESS: usize = 16;
/// A request's headers must have arrived this long after the connection opened (or after the
/// previous answer on it).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a connection is served, body, answer and keep-alive included. Then it is shut down
/// gracefully: a request in progress gets [`CONNECTION_GRACE`] more to be answered (a client
/// that keeps its connection alive must not have a request cut for asking at the wrong
/// moment), then the connection is dropped whatever it is doing.
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(15);
pub const CONNECTION_GRACE: Duration = Duration::from_secs(5);

/// Starts the endpoint on its own thread; it stops when `stop` is set. With `tls`, it speaks
/// HTTPS only (plain HTTP only behind a proxy on loopback, which the settings check).
pub fn start(
    listener: TcpListener,
    ctx: JoinContext,
    tls: Option<crate::tls::Certificates>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("madang-join".into())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => {
                        warn!(error = %e, "join endpoint cannot listen");
                        return;
                    }
                };
                let ctx = Arc::new(ctx);
                serve(listener, router(ctx.clone()), ctx, tls, stop).await;
            });
        })?;
    Ok(())
}

/// Connections per address: (served, waiting for a place).
type OpenByIp = Arc<Mutex<HashMap<IpAddr, (usize, usize)>>>;

/// How long a connection over its address's cap waits for a place before it is closed, and how
/// often it looks. A client that closes a connection and opens the next at once (a crowd's
/// joins from one office, the benchmark's bots) is over the cap until this endpoint has noticed
/// the close; when its thread was not scheduled for a moment, it had not, and honest joins were
/// turned away (7 of 2,400 with 12 clients at once, under the cap, on two busy cores).
pub const ADDRESS_WAIT: Duration = Duration::from_millis(200);
const ADDRESS_LOOK: Duration = Duration::from_millis(5);

/// One connection's place: counted in all (`_slot`) and for its address until dropped.
struct AddressSlot {
    _slot: tokio::sync::OwnedSemaphorePermit,
    open: OpenByIp,
    ip: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        if let Ok(mut m) = self.open.lock()
            && let Some((served, waiting)) = m.get_mut(&self.ip)
        {
            *served -= 1;
            if *served == 0 && *waiting == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

/// What the accept loop does with a connection from an address.
enum Place {
    Served,
    Waiting,
    Full,
}

/// Takes a place for `ip`: served under the cap, else waiting while fewer than the cap wait.
fn take_place(open: &OpenByIp, ip: IpAddr) -> Place {
    let Ok(mut m) = open.lock() else {
        return Place::Full;
    };
    let (served, waiting) = m.entry(ip).or_default();
    if *served < MAX_HTTP_CONNECTIONS_PER_ADDRESS {
        *served += 1;
        Place::Served
    } else if *waiting < MAX_HTTP_CONNECTIONS_PER_ADDRESS {
        *waiting += 1;
        Place::Waiting
    } else {
        Place::Full
    }
}

/// A waiting connection looks for a place every [`ADDRESS_LOOK`] for [`ADDRESS_WAIT`];
/// whether it got one (and stopped waiting either way).
async fn wait_for_place(open: &OpenByIp, ip: IpAddr) -> bool {
    let until = tokio::time::Instant::now() + ADDRESS_WAIT;
    loop {
        tokio::time::sleep(ADDRESS_LOOK).await;
        let Ok(mut m) = open.lock() else {
            return false;
        };
        let Some((served, waiting)) = m.get_mut(&ip) else {
            return false;
        };
        let placed = *served < MAX_HTTP_CONNECTIONS_PER_ADDRESS;
        if placed || tokio::time::Instant::now() >= until {
            *waiting -= 1;
            if placed {
                *served += 1;
            } else if *served == 0 && *waiting == 0 {
                m.remove(&ip);
            }
            return placed;
        }
    }
}

/// Accepts connections within the caps and serves each with the time limits, until `stop`.
async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    ctx: Arc<JoinContext>,
    mut tls: Option<crate::tls::Certificates>,
    stop: Arc<AtomicBool>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_HTTP_CONNECTIONS));
    let failed_handshakes = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let open: OpenByIp = Arc::default();
    let mut ticks = tokio::time::interval(Duration::from_millis(100));
    let mut ticks_since_prune = 0u32;
    // Counted here and by the connections that waited for a place in vain.
    let turned_away = Arc::new(std::sync::atomic::AtomicU64::new(0));
    loop {
        let (stream, from) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of open files, most likely: wait for some to close.
                    warn!(error = %e, "join endpoint cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = ticks.tick() => {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                ticks_since_prune += 1;
                if ticks_since_prune >= 600 {
                    ticks_since_prune = 0;
                    ctx.door.prune();
                    if let Some(certs) = tls.as_mut() {
                        certs.refresh();
                    }
                    let failed = failed_handshakes.swap(0, Ordering::Relaxed);
                    if failed > 0 {
                        info!(failed, "TLS handshakes failed in the last minute (plain HTTP, scanners, untrusting clients)");
                    }
                    let turned_away = turned_away.swap(0, Ordering::Relaxed);
                    if turned_away > 0 {
                        // A warning: an office behind one address may be what reached the cap.
                        warn!(turned_away, "join connections closed in the last minute for being over the caps");
                    }
                }
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            turned_away.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let ip = from.ip();
        let waits = match take_place(&open, ip) {
            Place::Served => false,
            Place::Waiting => true,
            Place::Full => {
                turned_away.fetch_add(1, Ordering::Relaxed);
                continue;
            }
        };
        let open = open.clone();
        let turned_away = turned_away.clone();
        let app = app.clone();
        let acceptor = tls.as_ref().map(crate::tls::Certificates::acceptor);
        let failed = failed_handshakes.clone();
        tokio::spawn(async move {
            // Over the cap: wait in this task (the accept loop goes on) for a place to free.
            if waits && !wait_for_place(&open, ip).await {
                turned_away.fetch_add(1, Ordering::Relaxed);
                return;
            }
            let _place = AddressSlot {
                _slot: slot,
                open,
                ip,
            };
            // The whole connection, handshake included, within its time limit and the grace
            // after it; the handshake within the header limit.
            let deadline = tokio::time::Instant::now() + CONNECTION_TIMEOUT;
            let _ = tokio::time::timeout(CONNECTION_TIMEOUT + CONNECTION_GRACE, async move {
                match acceptor {
                    Some(acceptor) => {
                        match tokio::time::timeout(HEADER_TIMEOUT, acceptor.accept(stream)).await {
                            Ok(Ok(stream)) => serve_connection(stream, app, from, deadline).await,
                            _ => {
                                failed.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    None => serve_connection(stream, app, from, deadline).await,
                }
            })
            .await;
        });
    }
}

/// Serves HTTP/1.1 requests on one connection (plain or TLS), with the header time limit,
/// until `deadline`; then it answers the request in progress, if any, and closes.
async fn serve_connection<S>(
    stream: S,
    app: Router,
    from: SocketAddr,
    deadline: tokio::time::Instant,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = tower::ServiceExt::map_request(
        app,
        move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(from));
            req
        },
    );
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(
            hyper_util::rt::TokioIo::new(stream),
            hyper_util::service::TowerToHyperService::new(service),
        );
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        _ = tokio::time::sleep_until(deadline) => {}
    }
    // The caller's time limit bounds this.
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}

fn router(ctx: Arc<JoinContext>) -> Router {
    Router::new()
        .route("/join", post(join))
        .route("/health", get(|| async { "ok" }))
        .route("/stats", get(stats))
        .layer(DefaultBodyLimit::max(4096))
        .layer(axum::middleware::from_fn_with_state(
            ctx.clone(),
            limit_requests,
        ))
        .with_state(ctx)
}

/// Every request, before its route: the per-address request limit.
async fn limit_requests(
    State(ctx): State<Arc<JoinContext>>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    match ctx.door.request(from.ip()) {
        Ok(()) => next.run(request).await,
        Err(turned) => {
            info!(from = %from.ip(), why = %turned.why, "request refused at the door");
            turned_away(turned)
        }
    }
}

fn refuse(status: StatusCode, why: JoinRefused) -> Response {
    (
        status,
        Json(JoinRefusal {
            error: why.to_string(),
            reason: Some(why),
            retry_after_secs: None,
        }),
    )
        .into_response()
}

/// 429 with the reason, and when to try again.
fn turned_away(turned: Turned) -> Response {
    let mut resp = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(JoinRefusal {
            error: turned.why.to_string(),
            reason: Some(turned.why),
            retry_after_secs: turned.retry_after_secs,
        }),
    )
        .into_response();
    if let Some(secs) = turned.retry_after_secs
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

async fn stats(State(ctx): State<Arc<JoinContext>>) -> Response {
    let mut report = ctx.stats.get();
    report.udp_kernel_drops = crate::stats::kernel_udp_drops(ctx.udp_port);
    Json(report).into_response()
}

async fn join(
    State(ctx): State<Arc<JoinContext>>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    body: Result<Json<JoinRequest>, JsonRejection>,
) -> Response {
    let req = match body {
        Ok(Json(req)) => req,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                JoinRefused::BadRequest {
                    detail: e.to_string(),
                },
            );
        }
    };
    if let Err(turned) = ctx.door.join(from.ip(), req.visitor_pass.is_none()) {
        info!(from = %from.ip(), why = %turned.why, "join refused at the door");
        return turned_away(turned);
    }
    match issue(&ctx, req) {
        Ok(resp) => Json(resp).into_response(),
        Err((status, why)) => {
            info!(why = %why, "join refused");
            refuse(status, why)
        }
    }
}

/// Checks a join request and issues the token.
fn issue(ctx: &JoinContext, req: JoinRequest) -> Result<JoinResponse, (StatusCode, JoinRefused)> {
    let bad = |why: JoinRefused| (StatusCode::BAD_REQUEST, why);
    if req.protocol_version != PROTOCOL_VERSION {
        return Err((
            StatusCode::CONFLICT,
            JoinRefused::OtherVersion {
                server: PROTOCOL_VERSION,
                client: req.protocol_version,
            },
        ));
    }
    let name = validate_display_name(&req.name)
        .map_err(|e| bad(JoinRefused::Name { problem: e.into() }))?;
    if let Some(hall) = &req.hall
        && !ctx.directory.has(hall, None).0
    {
        return Err(bad(JoinRefused::NoSuchHall { hall: hall.clone() }));
    }
    if let Some(spawn) = &req.spawn {
        let hall = req.hall.as_deref().unwrap_or("");
        if !ctx.directory.has(hall, Some(spawn)).1 {
            return Err(bad(JoinRefused::NoSuchSpawn {
                hall: hall.to_owned(),
                spawn: spawn.clone(),
            }));
        }
    }
    let mut rng = rand::rng();
    // A genuine pass keeps the visitor's identity; a forged or foreign one is refused, so a
    // mistake does not silently split one person into two.
    let now = crate::unix_now().max(0) as u64;
    let (visitor_id, identity_since) = match req.visitor_pass.as_deref() {
        Some(pass) => {
            let pass = ctx
                .secret
                .check_pass(pass)
                .ok_or_else(|| bad(JoinRefused::PassInvalid))?;
            if let Some(why) = pass.withdrawn(&ctx.passes, now) {
                return Err(bad(why));
            }
            (pass.visitor_id, pass.since)
        }
        None => (rng.random_range(1..u64::MAX), now),
    };
    if let Some(ban) = ctx.bans.active(visitor_id, crate::unix_now()) {
        return Err((StatusCode::FORBIDDEN, ban));
    }
    let mut claimed = None;
    let role = match req.invite.as_deref().map(str::trim) {
        None | Some("") => Role::Visitor,
        Some(code) => {
            let hash = crate::identity::hash_invite(code);
            // Compared as blake3 hashes in constant time.
            let given = blake3::Hash::from_hex(&hash).ok();
            let same = |h: &str| blake3::Hash::from_hex(h).ok() == given;
            if let Some((_, role)) = ctx.invites.iter().find(|(h, _)| same(h)) {
                *role
            } else if let Some(i) = ctx
                .awards
                .iter()
                .position(|a| a.claim_hash.as_deref().is_some_and(same))
            {
                claimed = Some(i);
                Role::Visitor
            } else {
                return Err((StatusCode::FORBIDDEN, JoinRefused::InviteInvalid));
            }
        }
    };
    // Reserved names: organizers may use any; an award's winner label is its winner's.
    if role == Role::Visitor {
        let key = name_key(&name);
        for (reserved, award) in &ctx.reserved {
            let theirs = award.is_some_and(|i| {
                claimed == Some(i)
                    || ctx
                        .awards
                        .get(i)
                        .is_some_and(|a| crate::ceremony::is_winner(a, &ctx.claims, visitor_id))
            });
            if !key.is_empty() && *reserved == key && !theirs {
                return Err(bad(JoinRefused::NameReserved { name: name.clone() }));
            }
        }
    }
    let look = match req.look {
        Some(l) if l.is_valid() => l,
        Some(l) => {
            return Err(bad(JoinRefused::BadRequest {
                detail: format!(
                    "look {}/{} is not one of the {} bodies and {} colours",
                    l.body,
                    l.colour,
                    madang_shared::protocol::Look::BODIES,
                    madang_shared::protocol::Look::COLOURS
                ),
            }));
        }
        None => madang_shared::protocol::Look::from_number(visitor_id),
    };
    let client_id: u64 = rng.random_range(1..u64::MAX);
    let claims = JoinClaims {
        visitor_id,
        identity_since,
        name: name.clone(),
        role,
        hall: req.hall,
        spawn: req.spawn,
        look,
    };
    let user_data = claims.to_user_data().map_err(|e| {
        bad(JoinRefused::BadRequest {
            detail: format!("join request too large: {e}"),
        })
    })?;
    // Claimed last, once nothing else can refuse the join: a refused join leaves the code unused.
    if let Some(i) = claimed {
        claim(ctx, i, visitor_id)?;
    }
    let (token, user_data_b64) = if ctx.insecure {
        (None, Some(B64.encode(user_data)))
    } else {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let token = ConnectToken::generate(
            now,
            PROTOCOL_ID,
            ctx.token_expire_secs,
            client_id,
            ctx.client_timeout_secs,
            vec![ctx.public_addr],
            Some(&user_data),
            &ctx.secret.netcode_key(),
        )
        .map_err(|e| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                JoinRefused::ServerTrouble {
                    detail: format!("cannot make a token: {e}"),
                },
            )
        })?;
        let mut bytes = Vec::new();
        token.write(&mut bytes).map_err(|e| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                JoinRefused::ServerTrouble {
                    detail: format!("cannot write the token: {e}"),
                },
            )
        })?;
        (Some(B64.encode(bytes)), None)
    };
    info!(visitor = visitor_id, name = %name, ?role, "join token issued");
    Ok(JoinResponse {
        visitor_id,
        visitor_pass: ctx.secret.visitor_pass(crate::identity::PassInfo {
            visitor_id,
            since: identity_since,
            issued: now,
        }),
        name,
        role,
        server_addr: ctx.public_addr,
        token,
        client_id,
        user_data: user_data_b64,
    })
}

/// Claims award `i` for `visitor` (kept before the join is answered), unless another visitor
/// claimed it first.
fn claim(ctx: &JoinContext, i: usize, visitor: u64) -> Result<(), (StatusCode, JoinRefused)> {
    let award = &ctx.awards[i];
    let used = || (StatusCode::FORBIDDEN, JoinRefused::ClaimUsed);
    match ctx.claims.holder(&award.name) {
        Some(v) if v == visitor => return Ok(()),
        Some(_) => return Err(used()),
        None => {}
    }
    if let Some(store) = &ctx.store {
        let written = store
            .submit(crate::store::Write::ClaimAward {
                award: award.name.clone(),
                visitor,
                at: crate::unix_now(),
            })
            .wait()
            .map_err(|e| {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    JoinRefused::ServerTrouble {
                        detail: format!("the claim could not be saved: {e}"),
                    },
                )
            })?;
        if matches!(written, crate::store::Written::Refused(_)) {
            return Err(used());
        }
    }
    ctx.claims.record(&award.name, visitor);
    info!(visitor, award = %award.name, "award claimed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> JoinContext {
        JoinContext {
            secret: Secret::from_bytes([7; 32]),
            public_addr: "127.0.0.1:7777".parse().expect("literal"),
            token_expire_secs: 60,
            client_timeout_secs: 5,
            insecure: false,
            directory: SharedDirectory::new(crate::halls::Directory {
                halls: vec![("lobby".into(), vec!["entrance".into()])],
            }),
            stats: SharedStats::default(),
            invites: vec![(
                crate::identity::hash_invite("organizers-only"),
                Role::Organizer,
            )],
            bans: crate::moderation::Bans::default(),
            door: Door::new(
                &crate::settings::DoorLimits::default(),
                OpenByAddress::default(),
            ),
            awards: vec![crate::settings::AwardSetting {
                name: "국민공감상".into(),
                name_en: String::new(),
                winner: "소방청 담당자".into(),
                winner_visitor: None,
                claim_hash: Some(crate::identity::hash_invite("award-claim-code")),
            }],
            claims: crate::ceremony::AwardClaims::default(),
            reserved: vec![
                (name_key("소방청 담당자"), Some(0)),
                (name_key("사회자"), None),
            ],
            store: None,
            passes: Default::default(),
            udp_port: 0,
        }
    }

    fn request(name: &str) -> JoinRequest {
        JoinRequest {
            name: name.into(),
            protocol_version: PROTOCOL_VERSION,
            hall: None,
            spawn: None,
            visitor_pass: None,
            invite: None,
            look: None,
        }
    }

    #[test]
    fn a_look_out_of_range_is_refused() {
        let mut req = request("김마당");
        req.look = Some(madang_shared::protocol::Look { body: 7, colour: 7 });
        issue(&ctx(), req).expect("the last look joins");
        let mut req = request("김마당");
        req.look = Some(madang_shared::protocol::Look { body: 8, colour: 0 });
        assert!(matches!(
            issue(&ctx(), req),
            Err((_, JoinRefused::BadRequest { .. }))
        ));
    }

    #[test]
    fn a_good_name_gets_a_token_whose_claims_carry_it() {
        let resp = issue(&ctx(), request(" 김마당 ")).expect("joins");
        assert_eq!(resp.name, "김마당");
        let bytes = B64
            .decode(resp.token.expect("secure token"))
            .expect("base64");
        let token = ConnectToken::read(&mut bytes.as_slice()).expect("a token");
        assert_eq!(token.client_id, resp.client_id);
    }

    #[test]
    fn bad_names_versions_and_places_are_refused_with_reasons() {
        let (status, why) = issue(&ctx(), request("   ")).expect_err("blank");
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            why,
            JoinRefused::Name {
                problem: madang_shared::refusal::NameProblem::Blank
            }
        );
        let mut old = request("a");
        old.protocol_version = 0;
        assert_eq!(issue(&ctx(), old).expect_err("old").0, StatusCode::CONFLICT);
        let mut nowhere = request("a");
        nowhere.hall = Some("attic".into());
        assert_eq!(
            issue(&ctx(), nowhere).expect_err("no hall").1,
            JoinRefused::NoSuchHall {
                hall: "attic".into()
            }
        );
    }

    #[test]
    fn a_pass_keeps_the_visitor_and_a_forged_one_is_refused() {
        let first = issue(&ctx(), request("a")).expect("joins");
        let mut again = request("a");
        again.visitor_pass = Some(first.visitor_pass.clone());
        let second = issue(&ctx(), again).expect("joins again");
        assert_eq!(second.visitor_id, first.visitor_id);
        let since = |pass: &str| ctx().secret.check_pass(pass).expect("genuine").since;
        assert_eq!(
            since(&second.visitor_pass),
            since(&first.visitor_pass),
            "the identity's age goes from pass to pass (the vote's rule reads it)"
        );
        let mut forged = request("a");
        forged.visitor_pass = Some(format!("{}.1.1.{}", first.visitor_id + 1, "0".repeat(64)));
        let (status, why) = issue(&ctx(), forged).expect_err("forged");
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(why, JoinRefused::PassInvalid);
    }

    #[test]
    fn a_pass_says_when_it_was_issued_and_a_withdrawn_one_is_refused() {
        let mut ctx = ctx();
        let first = issue(&ctx, request("a")).expect("joins");
        let issued = ctx
            .secret
            .check_pass(&first.visitor_pass)
            .expect("genuine")
            .issued;
        assert!(issued.abs_diff(crate::unix_now() as u64) < 5, "{issued}");
        ctx.passes.revoked_before = Some(issued + 1);
        let mut again = request("a");
        again.visitor_pass = Some(first.visitor_pass);
        let (status, why) = issue(&ctx, again).expect_err("withdrawn");
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(why, JoinRefused::PassWithdrawn);
        let fresh = issue(&ctx, request("a")).expect("a new identity gets in");
        assert_ne!(fresh.visitor_id, first.visitor_id);
    }

    #[test]
    fn fresh_identities_from_one_address_are_limited_and_told_when_to_return() {
        let limits = crate::settings::DoorLimits {
            new_visitors_per_minute: 6,
            new_visitors_burst: 3,
            ..Default::default()
        };
        let door = Door::new(&limits, OpenByAddress::default());
        let school: IpAddr = "127.0.0.9".parse().expect("literal");
        for _ in 0..3 {
            door.join(school, true).expect("the burst gets in");
        }
        let turned = door
            .join(school, true)
            .expect_err("the fourth at once waits");
        assert!(
            matches!(turned.why, JoinRefused::TooManyNewVisitors { .. }),
            "{}",
            turned.why
        );
        assert!(
            (1..=10).contains(&turned.retry_after_secs.expect("says when")),
            "one new identity every 10 s: {turned:?}"
        );
        door.join(school, false)
            .expect("a returning visitor with a pass is not held back");
        door.join("127.0.0.10".parse().expect("literal"), true)
            .expect("another address has its own limit");
    }

    /// A local port and a thread that runs `serve` on its listener, in a current-thread
    /// runtime as [`start`] makes one.
    fn on_a_port<F: std::future::Future<Output = ()>>(
        serve: impl FnOnce(tokio::net::TcpListener) -> F + Send + 'static,
    ) -> (SocketAddr, std::thread::JoinHandle<()>) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let addr = listener.local_addr().expect("an address");
        listener.set_nonblocking(true).expect("non-blocking");
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listens");
                serve(listener).await;
            })
        });
        (addr, thread)
    }

    /// A connection kept alive is served until its deadline: a request under way then is still
    /// answered (its body arrives after the deadline), and the connection closes after it; one
    /// idle at the deadline is closed.
    #[test]
    fn a_connection_past_its_deadline_answers_what_it_was_asked_then_closes() {
        use std::io::{Read, Write};
        let (addr, served) = on_a_port(|listener| async move {
            let app = router(Arc::new(ctx()));
            for _ in 0..2 {
                let (stream, from) = listener.accept().await.expect("a connection");
                let deadline = tokio::time::Instant::now() + Duration::from_millis(300);
                serve_connection(stream, app.clone(), from, deadline).await;
            }
        });
        // Reads one answer's head (the bodies here are short and come with it).
        let answer = |c: &mut std::net::TcpStream| {
            let mut buf = [0u8; 4096];
            let n = c.read(&mut buf).expect("an answer");
            String::from_utf8_lossy(&buf[..n]).into_owned()
        };
        let mut c = std::net::TcpStream::connect(addr).expect("connects");
        c.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("a timeout");
        c.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
            .expect("asks");
        assert!(answer(&mut c).starts_with("HTTP/1.1 200"), "health answers");
        // A request that starts before the deadline and ends after it.
        std::thread::sleep(Duration::from_millis(150));
        let body = r#"{"name":"김마당","protocol_version":0}"#.as_bytes();
        write!(
            c,
            "POST /join HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
             content-length: {}\r\n\r\n",
            body.len()
        )
        .expect("asks");
        c.write_all(&body[..5]).expect("begins the body");
        std::thread::sleep(Duration::from_millis(400));
        c.write_all(&body[5..]).expect("ends the body");
        let got = answer(&mut c);
        assert!(got.starts_with("HTTP/1.1 "), "answered: {got:?}");
        let mut rest = Vec::new();
        c.read_to_end(&mut rest).expect("then closed");
        // Idle past the deadline: closed without a word.
        let mut c = std::net::TcpStream::connect(addr).expect("connects");
        c.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("a timeout");
        let started = std::time::Instant::now();
        let mut rest = Vec::new();
        c.read_to_end(&mut rest).expect("closed");
        assert!(rest.is_empty());
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "at the deadline, not a timeout"
        );
        served.join().expect("the server side ends");
    }

    /// A connection over its address's cap waits a moment for a place: it is served when one of
    /// the address's connections closes meanwhile, and closed when none does.
    #[test]
    fn a_connection_over_the_address_cap_waits_a_moment_for_a_place() {
        use std::io::{Read, Write};
        let stop = Arc::new(AtomicBool::new(false));
        let (addr, served) = {
            let stop = stop.clone();
            on_a_port(|listener| async move {
                let ctx = Arc::new(ctx());
                serve(listener, router(ctx.clone()), ctx, None, stop).await;
            })
        };
        let connect = || {
            let c = std::net::TcpStream::connect(addr).expect("connects");
            c.set_read_timeout(Some(Duration::from_secs(3)))
                .expect("a timeout");
            c
        };
        // The address's places, all taken (idle, within the header time limit).
        let mut held: Vec<_> = (0..MAX_HTTP_CONNECTIONS_PER_ADDRESS)
            .map(|_| connect())
            .collect();
        std::thread::sleep(Duration::from_millis(100));
        let mut late = connect();
        late.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
            .expect("asks");
        std::thread::sleep(ADDRESS_WAIT / 10);
        drop(held.pop());
        let mut buf = [0u8; 1024];
        let n = late.read(&mut buf).expect("an answer");
        let got = String::from_utf8_lossy(&buf[..n]);
        assert!(
            got.starts_with("HTTP/1.1 200"),
            "served once a place freed: {got:?}"
        );
        // None frees: closed once the wait is over.
        let mut later = connect();
        let asked = std::time::Instant::now();
        let _ = later.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n");
        let mut rest = Vec::new();
        let _ = later.read_to_end(&mut rest);
        assert!(
            rest.is_empty(),
            "no answer: {:?}",
            String::from_utf8_lossy(&rest)
        );
        let waited = asked.elapsed();
        assert!(
            waited >= ADDRESS_WAIT / 2 && waited < Duration::from_secs(2),
            "closed after the wait: {waited:?}"
        );
        stop.store(true, Ordering::Relaxed);
        drop(held);
        served.join().expect("the endpoint stops");
    }

    #[test]
    fn an_address_with_too_many_connections_gets_no_new_token() {
        let limits = crate::settings::DoorLimits {
            connections_per_address: 2,
            ..Default::default()
        };
        let open = OpenByAddress::default();
        let door = Door::new(&limits, open.clone());
        let ip: IpAddr = "127.0.0.11".parse().expect("literal");
        open.opened(ip);
        open.opened(ip);
        let turned = door.join(ip, false).expect_err("full");
        assert_eq!(turned.why, JoinRefused::AddressFull { open: 2 });
        open.closed(ip);
        door.join(ip, false).expect("room again after one leaves");
    }

    #[test]
    fn a_winner_claims_with_the_code_and_reserved_names_are_refused_to_others() {
        let ctx = ctx();
        let (_, why) = issue(&ctx, request("소방청_담당자")).expect_err("an impostor");
        assert!(matches!(why, JoinRefused::NameReserved { .. }), "{why}");
        assert!(
            issue(&ctx, request(" 사회 자 ")).is_err(),
            "spaces do not get around it"
        );
        let mut organizer = request("사회자");
        organizer.invite = Some("organizers-only".into());
        issue(&ctx, organizer).expect("organizers may use reserved names");

        let mut winner = request("소방청 담당자");
        winner.invite = Some("award-claim-code".into());
        let w = issue(&ctx, winner).expect("the winner claims with the code");
        assert_eq!(ctx.claims.holder("국민공감상"), Some(w.visitor_id));
        let mut again = request("소방청 담당자");
        again.visitor_pass = Some(w.visitor_pass.clone());
        issue(&ctx, again).expect("the winner keeps the name on the next visit, by their pass");
        let mut thief = request("도둑");
        thief.invite = Some("award-claim-code".into());
        let (status, why) = issue(&ctx, thief).expect_err("the code works once");
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(why, JoinRefused::ClaimUsed);
    }
}
