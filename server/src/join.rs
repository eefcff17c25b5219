//! The join endpoint: a small HTTP server (axum on a tokio runtime of its own thread) where a
//! client asks to join with a display name and gets a netcode connect token.
//!
//! The token is sealed with the server's private key; its user data carries the visitor id, the
//! name and the role ([`JoinClaims`]), so the game socket learns who connected without trusting
//! the client. Routes:
//!
//! - `POST /join` with a [`JoinRequest`] → 200 [`JoinResponse`], or 4xx [`JoinRefusal`].
//! - `GET /health` → `ok`.
//! - `GET /stats` → the latest [`crate::StatsReport`] as JSON.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
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
}

/// Starts the endpoint on its own thread; it stops when `stop` is set.
pub fn start(
    listener: TcpListener,
    ctx: JoinContext,
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
                let app = router(Arc::new(ctx));
                let shutdown = async move {
                    while !stop.load(Ordering::Relaxed) {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                };
                if let Err(e) = axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
                {
                    warn!(error = %e, "join endpoint stopped");
                }
            });
        })?;
    Ok(())
}

fn router(ctx: Arc<JoinContext>) -> Router {
    Router::new()
        .route("/join", post(join))
        .route("/health", get(|| async { "ok" }))
        .route("/stats", get(stats))
        .layer(DefaultBodyLimit::max(4096))
        .with_state(ctx)
}

fn refuse(status: StatusCode, error: impl Into<String>) -> Response {
    (
        status,
        Json(JoinRefusal {
            error: error.into(),
        }),
    )
        .into_response()
}

async fn stats(State(ctx): State<Arc<JoinContext>>) -> Response {
    Json(ctx.stats.get()).into_response()
}

async fn join(
    State(ctx): State<Arc<JoinContext>>,
    body: Result<Json<JoinRequest>, JsonRejection>,
) -> Response {
    let req = match body {
        Ok(Json(req)) => req,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, format!("bad join request: {e}")),
    };
    match issue(&ctx, req) {
        Ok(resp) => Json(resp).into_response(),
        Err((status, why)) => {
            info!(why = %why, "join refused");
            refuse(status, why)
        }
    }
}

/// Checks a join request and issues the token.
fn issue(ctx: &JoinContext, req: JoinRequest) -> Result<JoinResponse, (StatusCode, String)> {
    let bad = |why: String| (StatusCode::BAD_REQUEST, why);
    if req.protocol_version != PROTOCOL_VERSION {
        return Err((
            StatusCode::CONFLICT,
            format!(
                "this server speaks protocol {PROTOCOL_VERSION}, the client {}: update the client",
                req.protocol_version
            ),
        ));
    }
    let name = validate_display_name(&req.name).map_err(|e| bad(format!("name refused: {e}")))?;
    if let Some(hall) = &req.hall
        && !ctx.directory.has(hall, None).0
    {
        return Err(bad(format!("there is no hall `{hall}`")));
    }
    if let Some(spawn) = &req.spawn {
        let hall = req.hall.as_deref().unwrap_or("");
        if !ctx.directory.has(hall, Some(spawn)).1 {
            return Err(bad(format!(
                "there is no spawn `{spawn}` in hall `{hall}` (name the hall too)"
            )));
        }
    }
    let mut rng = rand::rng();
    // A genuine pass keeps the visitor's identity; a forged or foreign one is refused, so a
    // mistake does not silently split one person into two.
    let visitor_id = match req.visitor_pass.as_deref() {
        Some(pass) => ctx.secret.check_pass(pass).ok_or_else(|| {
            bad("the visitor pass is not valid for this server: forget it and join anew".into())
        })?,
        None => rng.random_range(1..u64::MAX),
    };
    if let Some(ban) = ctx.bans.active(visitor_id, crate::unix_now()) {
        return Err((StatusCode::FORBIDDEN, ban));
    }
    let role = match req.invite.as_deref().map(str::trim) {
        None | Some("") => Role::Visitor,
        Some(code) => {
            let hash = crate::identity::hash_invite(code);
            // Compared as blake3 hashes in constant time.
            let given = blake3::Hash::from_hex(&hash).ok();
            ctx.invites
                .iter()
                .find(|(h, _)| blake3::Hash::from_hex(h).ok() == given)
                .map(|(_, role)| *role)
                .ok_or_else(|| {
                    (
                        StatusCode::FORBIDDEN,
                        "this invite code is not valid: check it with the organizers".to_owned(),
                    )
                })?
        }
    };
    let client_id: u64 = rng.random_range(1..u64::MAX);
    let claims = JoinClaims {
        visitor_id,
        name: name.clone(),
        role,
        hall: req.hall,
        spawn: req.spawn,
    };
    let user_data = claims
        .to_user_data()
        .map_err(|e| bad(format!("join request too large: {e}")))?;
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
                format!("cannot make a token: {e}"),
            )
        })?;
        let mut bytes = Vec::new();
        token.write(&mut bytes).map_err(|e| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot write the token: {e}"),
            )
        })?;
        (Some(B64.encode(bytes)), None)
    };
    info!(visitor = visitor_id, name = %name, ?role, "join token issued");
    Ok(JoinResponse {
        visitor_id,
        visitor_pass: ctx.secret.visitor_pass(visitor_id),
        name,
        role,
        server_addr: ctx.public_addr,
        token,
        client_id,
        user_data: user_data_b64,
    })
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
        }
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
        assert!(why.contains("empty"), "{why}");
        let mut old = request("a");
        old.protocol_version = 0;
        assert_eq!(issue(&ctx(), old).expect_err("old").0, StatusCode::CONFLICT);
        let mut nowhere = request("a");
        nowhere.hall = Some("attic".into());
        assert!(
            issue(&ctx(), nowhere)
                .expect_err("no hall")
                .1
                .contains("attic")
        );
    }

    #[test]
    fn a_pass_keeps_the_visitor_and_a_forged_one_is_refused() {
        let first = issue(&ctx(), request("a")).expect("joins");
        let mut again = request("a");
        again.visitor_pass = Some(first.visitor_pass.clone());
        assert_eq!(
            issue(&ctx(), again).expect("joins again").visitor_id,
            first.visitor_id
        );
        let mut forged = request("a");
        forged.visitor_pass = Some(format!("{}.{}", first.visitor_id + 1, "0".repeat(64)));
        let (status, why) = issue(&ctx(), forged).expect_err("forged");
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(why.contains("visitor pass"), "{why}");
    }
}
