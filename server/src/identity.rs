//! The server's secret, and the identities derived from it.
//!
//! One 32-byte secret in a file (made on the first start) gives the netcode key that seals
//! connect tokens and the key of visitor passes. A pass is a visitor id with a keyed hash of it:
//! the client keeps it in a local file and shows it when it joins again, so a visitor keeps their
//! identity (their hearts, their vote) across reconnects, and nobody can claim another's id.

use std::io::Write as _;
use std::path::Path;

use rand::Rng;

use crate::StartError;

/// The server's secret.
#[derive(Clone)]
pub struct Secret([u8; 32]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Secret {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Secret(bytes)
    }

    /// Reads the secret file (64 hex digits), or makes one (readable by this user only) when
    /// there is none.
    pub fn load_or_create(path: &Path) -> Result<Self, StartError> {
        let err = |why: String| StartError::Key {
            path: path.to_owned(),
            why,
        };
        if !path.exists() {
            let mut bytes = [0u8; 32];
            rand::rng().fill(&mut bytes);
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(|e| err(e.to_string()))?;
            file.write_all(format!("{}\n", hex(&bytes)).as_bytes())
                .and_then(|_| file.sync_all())
                .map_err(|e| err(e.to_string()))?;
            tracing::info!(path = %path.display(), "made a new server secret");
            return Ok(Secret(bytes));
        }
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let digits = text.trim();
        if digits.len() != 64 {
            return Err(err(format!(
                "expected 64 hex digits, found {}",
                digits.len()
            )));
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = digits
                .get(2 * i..2 * i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| err("the key holds a character that is not a hex digit".into()))?;
        }
        Ok(Secret(bytes))
    }

    /// The key that seals netcode connect tokens.
    pub fn netcode_key(&self) -> [u8; 32] {
        blake3::derive_key("madang 2026-11 netcode connect tokens", &self.0)
    }

    fn pass_mac(&self, id: u64) -> blake3::Hash {
        let key = blake3::derive_key("madang 2026-11 visitor passes", &self.0);
        blake3::keyed_hash(&key, &id.to_le_bytes())
    }

    /// The pass for visitor `id`: `<id>.<64 hex digits>`.
    pub fn visitor_pass(&self, id: u64) -> String {
        format!("{id}.{}", self.pass_mac(id).to_hex())
    }

    /// The visitor id in a pass, if the pass is genuine.
    pub fn check_pass(&self, pass: &str) -> Option<u64> {
        let (id, mac) = pass.trim().split_once('.')?;
        let id: u64 = id.parse().ok()?;
        let mac = blake3::Hash::from_hex(mac).ok()?;
        // blake3::Hash compares in constant time.
        (mac == self.pass_mac(id)).then_some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_are_checked_and_cannot_be_forged() {
        let s = Secret::from_bytes([3; 32]);
        let pass = s.visitor_pass(42);
        assert_eq!(s.check_pass(&pass), Some(42));
        assert_eq!(
            s.check_pass(&pass.replace("42.", "43.")),
            None,
            "another id"
        );
        assert_eq!(
            Secret::from_bytes([4; 32]).check_pass(&pass),
            None,
            "another server"
        );
        for junk in ["", "42", "42.", "x.y", "42.zz"] {
            assert_eq!(s.check_pass(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn the_secret_is_made_once_then_kept() {
        let dir = std::env::temp_dir().join(format!("madang-secret-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("server.key");
        let a = Secret::load_or_create(&path).expect("made");
        let b = Secret::load_or_create(&path).expect("read back");
        assert_eq!(a.netcode_key(), b.netcode_key());
        assert_ne!(
            a.netcode_key(),
            a.0,
            "the netcode key is derived, not the secret itself"
        );
        std::fs::write(&path, "xyz").expect("write");
        assert!(
            Secret::load_or_create(&path).is_err(),
            "a damaged key file is an error"
        );
    }
}

/// The hash an invite code is kept as in the settings: 64 hex digits. Codes are compared by
/// their hashes, so the settings file never holds one in the clear
/// (`madang-server hash-invite CODE` prints it).
pub fn hash_invite(code: &str) -> String {
    blake3::derive_key("madang 2026-11 invite codes", code.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod invite_tests {
    use super::hash_invite;

    #[test]
    fn an_invite_hash_is_stable_and_ignores_surrounding_spaces() {
        let h = hash_invite("ceremony-2026");
        assert_eq!(h.len(), 64);
        assert_eq!(h, hash_invite("  ceremony-2026\n"));
        assert_ne!(h, hash_invite("ceremony-2027"));
    }
}
