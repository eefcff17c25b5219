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

    fn dated_pass_mac(&self, pass: PassInfo) -> blake3::Hash {
        let key = blake3::derive_key("madang 2026-12 dated visitor passes", &self.0);
        let mut bytes = [0u8; 24];
        bytes[..8].copy_from_slice(&pass.visitor_id.to_le_bytes());
        bytes[8..16].copy_from_slice(&pass.since.to_le_bytes());
        bytes[16..].copy_from_slice(&pass.issued.to_le_bytes());
        blake3::keyed_hash(&key, &bytes)
    }

    /// The pass of `pass.visitor_id`: `<id>.<since>.<issued>.<64 hex digits>`.
    pub fn visitor_pass(&self, pass: PassInfo) -> String {
        format!(
            "{}.{}.{}.{}",
            pass.visitor_id,
            pass.since,
            pass.issued,
            self.dated_pass_mac(pass).to_hex()
        )
    }

    /// What a pass says, if it is genuine. Passes made before passes were dated
    /// (`<id>.<mac>`) count as made and issued at 0.
    pub fn check_pass(&self, pass: &str) -> Option<PassInfo> {
        let parts: Vec<&str> = pass.trim().split('.').collect();
        match parts.as_slice() {
            [id, mac] => {
                let id = id.parse().ok()?;
                // blake3::Hash compares in constant time.
                (blake3::Hash::from_hex(mac).ok()? == self.pass_mac(id)).then_some(PassInfo {
                    visitor_id: id,
                    since: 0,
                    issued: 0,
                })
            }
            [id, since, issued, mac] => {
                let info = PassInfo {
                    visitor_id: id.parse().ok()?,
                    since: since.parse().ok()?,
                    issued: issued.parse().ok()?,
                };
                (blake3::Hash::from_hex(mac).ok()? == self.dated_pass_mac(info)).then_some(info)
            }
            _ => None,
        }
    }
}

/// What a genuine pass says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassInfo {
    pub visitor_id: u64,
    /// When the identity was made (Unix seconds): kept from pass to pass.
    pub since: u64,
    /// When this pass was handed out (Unix seconds).
    pub issued: u64,
}

impl PassInfo {
    /// Why the settings no longer honour this pass at `now`, if they do not.
    pub fn withdrawn(
        &self,
        rules: &crate::settings::PassSettings,
        now: u64,
    ) -> Option<madang_shared::refusal::JoinRefused> {
        if let Some(before) = rules.revoked_before
            && self.issued < before
        {
            return Some(madang_shared::refusal::JoinRefused::PassWithdrawn);
        }
        if let Some(days) = rules.max_age_days
            && now.saturating_sub(self.issued) > u64::from(days) * 86_400
        {
            return Some(madang_shared::refusal::JoinRefused::PassExpired { days });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_are_checked_and_cannot_be_forged() {
        let s = Secret::from_bytes([3; 32]);
        let info = PassInfo {
            visitor_id: 42,
            since: 1_600_000_000,
            issued: 1_700_000_000,
        };
        let pass = s.visitor_pass(info);
        assert_eq!(s.check_pass(&pass), Some(info));
        assert_eq!(
            s.check_pass(&pass.replace(".1600000000.", ".1500000000.")),
            None,
            "nor the identity's age"
        );
        assert_eq!(
            s.check_pass(&pass.replace(".1700000000.", ".1800000000.")),
            None,
            "the date cannot be moved"
        );
        let undated = format!("42.{}", s.pass_mac(42).to_hex());
        assert_eq!(s.check_pass(&undated).map(|p| p.issued), Some(0));
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
        for junk in [
            "",
            "42",
            "42.",
            "x.y",
            "42.zz",
            "42.1.2",
            "42...",
            "42.x.1.ab",
            "1.2.3.4.5",
        ] {
            assert_eq!(s.check_pass(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn passes_say_when_they_were_issued_and_old_ones_can_be_withdrawn() {
        use crate::settings::PassSettings;
        let pass = PassInfo {
            visitor_id: 1,
            since: 0,
            issued: 1_000_000,
        };
        let now = 1_000_000 + 40 * 86_400;
        assert_eq!(pass.withdrawn(&PassSettings::default(), now), None);
        let revoked = PassSettings {
            revoked_before: Some(1_000_001),
            ..Default::default()
        };
        assert_eq!(
            pass.withdrawn(&revoked, now),
            Some(madang_shared::refusal::JoinRefused::PassWithdrawn)
        );
        let later = PassInfo {
            issued: 1_000_001,
            ..pass
        };
        assert_eq!(
            later.withdrawn(&revoked, now),
            None,
            "issued at the moment: kept"
        );
        let expiring = PassSettings {
            max_age_days: Some(30),
            ..Default::default()
        };
        assert_eq!(
            pass.withdrawn(&expiring, now),
            Some(madang_shared::refusal::JoinRefused::PassExpired { days: 30 })
        );
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
