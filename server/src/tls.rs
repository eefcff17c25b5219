//! The join endpoint's TLS: the certificate and key named in the settings (`[tls]`), or a
//! self-signed pair made at the first start for development, kept in `data_dir/tls/`.
//!
//! Invite codes and visitor passes travel in join requests and answers, so the endpoint speaks
//! HTTPS unless it listens on loopback only behind a proxy that terminates TLS (`tls.off`).
//! A self-signed certificate is trusted by clients on the same machine (loopback) and by
//! clients that were given it (`madang-client --server-cert cert.pem`); anywhere else a client
//! needs a certificate from a public authority (Let's Encrypt, for example). Renewed
//! certificate files are picked up without a restart: [`Certificates::refresh`] reloads them
//! when their modification time changes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tracing::{info, warn};

use crate::StartError;

/// Where the certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFiles {
    /// PEM: the certificate, then its chain.
    pub cert: PathBuf,
    /// PEM: the private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// The endpoint's certificate, reloaded when its files change.
pub struct Certificates {
    files: CertFiles,
    modified: Option<SystemTime>,
    acceptor: TlsAcceptor,
    /// SHA-256 of the leaf certificate, as `openssl x509 -fingerprint -sha256` prints it.
    pub fingerprint: String,
}

fn err(path: &Path, why: impl std::fmt::Display) -> StartError {
    StartError::Tls {
        path: path.to_owned(),
        why: why.to_string(),
    }
}

/// `AB:CD:…`, the SHA-256 of a DER certificate.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    digest
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn modified(files: &CertFiles) -> Option<SystemTime> {
    let a = std::fs::metadata(&files.cert)
        .and_then(|m| m.modified())
        .ok()?;
    let b = std::fs::metadata(&files.key)
        .and_then(|m| m.modified())
        .ok()?;
    Some(a.max(b))
}

/// Reads and checks a certificate chain and its key.
fn load(files: &CertFiles) -> Result<(TlsAcceptor, String), StartError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| err(&files.cert, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| err(&files.cert, e))?;
    let Some(leaf) = certs.first() else {
        return Err(err(&files.cert, "the file holds no PEM certificate"));
    };
    let fingerprint = fingerprint(leaf);
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| err(&files.key, e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| err(&files.cert, e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            err(
                &files.key,
                format!("the key does not fit the certificate: {e}"),
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((TlsAcceptor::from(Arc::new(config)), fingerprint))
}

impl Certificates {
    /// The certificate in `files`.
    pub fn open(files: CertFiles) -> Result<Self, StartError> {
        let (acceptor, fingerprint) = load(&files)?;
        Ok(Certificates {
            modified: modified(&files),
            files,
            acceptor,
            fingerprint,
        })
    }

    /// The self-signed certificate in `dir` (`cert.pem`, `key.pem`), made when missing; it names
    /// `localhost`, the loopback addresses and `names` (host names or addresses the expo is
    /// reached at).
    pub fn self_signed(dir: &Path, names: &[String]) -> Result<Self, StartError> {
        let files = CertFiles {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        if !files.cert.exists() || !files.key.exists() {
            make_self_signed(&files, names)?;
            let made = Certificates::open(files)?;
            info!(
                cert = %made.files.cert.display(),
                fingerprint = %made.fingerprint,
                "made a self-signed certificate for the join endpoint: clients on this machine \
                 accept it; give it to others (madang-client --server-cert) or set [tls] cert \
                 and key to a certificate from a public authority"
            );
            return Ok(made);
        }
        Certificates::open(files)
    }

    pub fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.clone()
    }

    pub fn files(&self) -> &CertFiles {
        &self.files
    }

    /// Reloads the files if they changed since they were read (a renewed certificate); a
    /// broken renewal keeps the certificate in use and says why.
    pub fn refresh(&mut self) {
        let now = modified(&self.files);
        if now.is_none() || now == self.modified {
            return;
        }
        match load(&self.files) {
            Ok((acceptor, fingerprint)) => {
                info!(cert = %self.files.cert.display(), %fingerprint, "certificate reloaded");
                self.acceptor = acceptor;
                self.fingerprint = fingerprint;
                self.modified = now;
            }
            Err(e) => {
                warn!(error = %e, "the changed certificate cannot be used; keeping the old one");
                self.modified = now;
            }
        }
    }
}

fn make_self_signed(files: &CertFiles, names: &[String]) -> Result<(), StartError> {
    let mut sans = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    sans.extend(names.iter().filter(|n| !n.trim().is_empty()).cloned());
    sans.dedup();
    let made = rcgen::generate_simple_self_signed(sans).map_err(|e| err(&files.cert, e))?;
    if let Some(dir) = files.cert.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| err(dir, e))?;
    }
    write_private(&files.key, made.signing_key.serialize_pem().as_bytes())?;
    write_private(&files.cert, made.cert.pem().as_bytes())?;
    Ok(())
}

/// Writes a new file readable by this user only, flushed to disk.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), StartError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| err(path, e))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(|e| err(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("madang-tls-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn a_self_signed_certificate_is_made_once_then_kept() {
        let d = dir("kept");
        let a = Certificates::self_signed(&d, &["expo.example".into()]).expect("made");
        let b = Certificates::self_signed(&d, &[]).expect("read back");
        assert_eq!(a.fingerprint, b.fingerprint, "the same certificate");
        assert_eq!(a.fingerprint.len(), 32 * 3 - 1);
        let pem = std::fs::read_to_string(d.join("cert.pem")).expect("cert");
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(d.join("key.pem"))
                .expect("key")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "the key is the owner's alone: {mode:o}");
        }
    }

    #[test]
    fn broken_files_are_errors_that_name_the_file_and_a_bad_renewal_keeps_the_old_one() {
        let d = dir("broken");
        let mut certs = Certificates::self_signed(&d, &[]).expect("made");
        let before = certs.fingerprint.clone();
        std::fs::write(d.join("cert.pem"), "not a certificate").expect("write");
        let e = Certificates::open(certs.files().clone())
            .err()
            .expect("refused");
        assert!(e.to_string().contains("cert.pem"), "{e}");
        // A later modification time, as a renewal has.
        let later = SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(d.join("cert.pem"))
            .and_then(|f| f.set_modified(later))
            .expect("touch");
        certs.refresh();
        assert_eq!(
            certs.fingerprint, before,
            "the old certificate stays in use"
        );

        let other = dir("other");
        let fresh = Certificates::self_signed(&other, &[]).expect("made");
        let mismatched = CertFiles {
            cert: fresh.files().cert.clone(),
            key: d.join("key.pem"),
        };
        let e = Certificates::open(mismatched).err().expect("refused");
        assert!(e.to_string().contains("does not fit"), "{e}");
    }
}
