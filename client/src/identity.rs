//! Remembering who you are: the visitor pass each server gave you, kept in a small JSON file
//! (by default `~/.local/share/madang/passes.json`), so that you stay the same visitor — your
//! hearts and your vote — when you come back; and your signing key (`signing.key` beside it),
//! made at its first use, with which a representative signs a partnership agreement.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tracing::warn;

/// Passes by server URL.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassBook {
    path: Option<PathBuf>,
    passes: BTreeMap<String, String>,
}

/// Where passes are kept unless told otherwise.
pub fn default_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("madang/passes.json"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share/madang/passes.json"))
}

impl PassBook {
    /// Reads the file; a missing file is an empty book, a damaged one is set aside with a
    /// warning (you get a new identity rather than no way in).
    pub fn load(path: &Path) -> Self {
        let passes = match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).unwrap_or_else(|e| {
                warn!("ignoring the damaged pass file {}: {e}", path.display());
                BTreeMap::new()
            }),
            Err(_) => BTreeMap::new(),
        };
        PassBook {
            path: Some(path.to_owned()),
            passes,
        }
    }

    pub fn get(&self, server: &str) -> Option<&str> {
        self.passes.get(server).map(String::as_str)
    }

    /// Keeps (or with `None` forgets) the pass for a server, and writes the file.
    pub fn set(&mut self, server: &str, pass: Option<String>) {
        match pass {
            Some(p) => self.passes.insert(server.to_owned(), p),
            None => self.passes.remove(server),
        };
        let Some(path) = &self.path else { return };
        let write = || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = path.with_extension("json.tmp");
            std::fs::write(&tmp, serde_json::to_string_pretty(&self.passes)?)?;
            std::fs::rename(&tmp, path)
        };
        if let Err(e) = write() {
            warn!("cannot save your visitor pass to {}: {e}", path.display());
        }
    }
}

/// Your signing key, kept beside the pass file `passes` (`signing.key`: 64 hex digits, readable
/// by you alone). Made from the system's randomness at its first use; a damaged file is an
/// error and is left where it is (it may be the key you signed with: move it away yourself to
/// make a new one).
pub fn signing_key(passes: &Path) -> Result<madang_shared::agreement::SigningKey, String> {
    let path = passes.with_file_name("signing.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let text = text.trim();
            let bytes: Option<Vec<u8>> = (text.len() == 64 && text.is_ascii())
                .then(|| {
                    (0..32)
                        .map(|i| u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).ok())
                        .collect()
                })
                .flatten();
            match bytes.and_then(|b| <[u8; 32]>::try_from(b).ok()) {
                Some(seed) => Ok(madang_shared::agreement::key_from_seed(seed)),
                None => Err(format!(
                    "the signing key {} is damaged (not 64 hex digits); move it away to make a new one",
                    path.display()
                )),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let seed: [u8; 32] = rand::random();
            let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
            let write = || -> std::io::Result<()> {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let tmp = path.with_extension("key.tmp");
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create(true).truncate(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                let mut f = options.open(&tmp)?;
                std::io::Write::write_all(&mut f, format!("{hex}\n").as_bytes())?;
                f.sync_all()?;
                std::fs::rename(&tmp, &path)
            };
            write().map_err(|e| format!("cannot keep a signing key at {}: {e}", path.display()))?;
            Ok(madang_shared::agreement::key_from_seed(seed))
        }
        Err(e) => Err(format!(
            "cannot read the signing key {}: {e}",
            path.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signing_key_is_made_once_kept_private_and_never_replaced_when_damaged() {
        let dir = std::env::temp_dir().join(format!("madang-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let passes = dir.join("passes.json");
        let first = signing_key(&passes).expect("made at first use");
        let again = signing_key(&passes).expect("read back");
        assert_eq!(first.to_bytes(), again.to_bytes(), "the same key next time");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("signing.key"))
                .expect("the file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "readable by its owner alone: {mode:o}");
        }
        std::fs::write(dir.join("signing.key"), "not a key").expect("writes");
        assert!(signing_key(&passes).is_err(), "a damaged key is an error");
        assert_eq!(
            std::fs::read_to_string(dir.join("signing.key")).expect("kept"),
            "not a key",
            "and is left as it was"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn passes_are_kept_per_server_across_loads() {
        let path = std::env::temp_dir()
            .join(format!("madang-passes-{}", std::process::id()))
            .join("passes.json");
        let _ = std::fs::remove_file(&path);
        let mut book = PassBook::load(&path);
        assert_eq!(book.get("http://a"), None);
        book.set("http://a", Some("1.abc".into()));
        book.set("http://b", Some("2.def".into()));
        let again = PassBook::load(&path);
        assert_eq!(again.get("http://a"), Some("1.abc"));
        assert_eq!(again.get("http://b"), Some("2.def"));
        let mut again = again;
        again.set("http://a", None);
        assert_eq!(PassBook::load(&path).get("http://a"), None);
        std::fs::write(&path, "{ not json").expect("write");
        assert_eq!(
            PassBook::load(&path).get("http://b"),
            None,
            "a damaged file is set aside"
        );
    }
}
