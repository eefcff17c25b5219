//! Joining: the HTTP request for a connect token (over HTTPS off this machine), and starting
//! the netcode connection with its answer.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use madang_shared::protocol::{
    JoinRefusal, JoinRequest, JoinResponse, Look, PROTOCOL_ID, PROTOCOL_VERSION, USER_DATA_BYTES,
};
use madang_shared::refusal::JoinRefused;
use renet_netcode::{ClientAuthentication, ConnectToken};

use super::Session;

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
}
