//! Remembering who you are: the visitor pass each server gave you, kept in a small JSON file
//! (by default `~/.local/share/madang/passes.json`), so that you stay the same visitor — your
//! hearts and your vote — when you come back.

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

#[cfg(test)]
mod tests {
    use super::*;

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
