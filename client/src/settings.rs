//! What a visitor chose, remembered for next time: name, language, server, audio devices and
//! volume, push-to-talk, the UI's scale, whether the help was shown. Kept as a small JSON file
//! beside the visitor passes (`settings.json` in the same folder), written whole through a
//! temporary file so a crash never leaves half of it.
//!
//! The file is the visitor's own, but it is still input: a damaged or oversized file is set
//! aside with a warning, and every value is brought into its range when read.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tracing::warn;

/// The most a settings file may hold; anything bigger is not ours.
const MAX_FILE_BYTES: u64 = 64 * 1024;
/// The longest name kept (the server allows less; this only bounds the file).
const MAX_NAME_CHARS: usize = 64;
/// The longest server address, device name or invite kept.
const MAX_FIELD_CHARS: usize = 512;

/// The UI's scale, in percent.
pub const UI_SCALES: [u16; 5] = [100, 125, 150, 175, 200];

/// The visitor's choices. Absent fields take their defaults, so an older file still reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The display name last joined with.
    pub name: Option<String>,
    /// `ko` or `en`.
    pub lang: Option<String>,
    /// The join endpoint last used.
    pub server: Option<String>,
    /// The avatar's look (an index into the looks the client draws) and its colour, once
    /// chosen.
    pub look: Option<u8>,
    pub colour: Option<u8>,
    pub mic: Option<String>,
    pub speaker: Option<String>,
    /// The others' voices, in percent (0 to 200).
    pub volume: u16,
    pub push_to_talk: bool,
    /// The UI's scale, in percent (one of [`UI_SCALES`]).
    pub ui_scale: u16,
    /// Whether the help overlay was shown once already.
    pub help_seen: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            name: None,
            lang: None,
            server: None,
            look: None,
            colour: None,
            mic: None,
            speaker: None,
            volume: 100,
            push_to_talk: false,
            ui_scale: 100,
            help_seen: false,
        }
    }
}

/// Where the settings live: beside the pass file.
pub fn path_beside(passes: &Path) -> PathBuf {
    passes.with_file_name("settings.json")
}

impl Settings {
    /// Reads the file; missing is the defaults, damaged or too big is the defaults with a
    /// warning. Values out of range are brought into it.
    pub fn load(path: &Path) -> Self {
        let read = || -> Result<Option<Settings>, String> {
            let meta = match std::fs::metadata(path) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e.to_string()),
            };
            if meta.len() > MAX_FILE_BYTES {
                return Err(format!(
                    "{} bytes, more than the {MAX_FILE_BYTES} a settings file may hold",
                    meta.len()
                ));
            }
            let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
            serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| e.to_string())
        };
        match read() {
            Ok(Some(s)) => s.sanitized(),
            Ok(None) => Settings::default(),
            Err(e) => {
                warn!("ignoring the settings file {}: {e}", path.display());
                Settings::default()
            }
        }
    }

    /// Writes the file (and its folder); a failure is a warning, never a stop.
    pub fn save(&self, path: &Path) {
        let write = || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = path.with_extension("json.tmp");
            std::fs::write(&tmp, serde_json::to_string_pretty(self)?)?;
            std::fs::rename(&tmp, path)
        };
        if let Err(e) = write() {
            warn!("cannot save your settings to {}: {e}", path.display());
        }
    }

    /// Every value in its range: long strings cut, empty ones dropped, numbers clamped, the
    /// scale rounded to the nearest step.
    pub fn sanitized(mut self) -> Self {
        let clip = |s: Option<String>, max: usize| {
            s.map(|s| s.trim().chars().take(max).collect::<String>())
                .filter(|s| !s.is_empty())
        };
        self.name = clip(self.name.take(), MAX_NAME_CHARS);
        self.lang = self.lang.take().filter(|l| l == "ko" || l == "en");
        self.server = clip(self.server.take(), MAX_FIELD_CHARS);
        self.mic = clip(self.mic.take(), MAX_FIELD_CHARS);
        self.speaker = clip(self.speaker.take(), MAX_FIELD_CHARS);
        self.volume = self.volume.min(200);
        self.look = self
            .look
            .filter(|l| *l < madang_shared::protocol::Look::BODIES);
        self.colour = self
            .colour
            .filter(|c| *c < madang_shared::protocol::Look::COLOURS);
        self.ui_scale = nearest_scale(self.ui_scale);
        self
    }
}

/// The step of [`UI_SCALES`] nearest to `percent`.
pub fn nearest_scale(percent: u16) -> u16 {
    UI_SCALES
        .iter()
        .copied()
        .min_by_key(|s| s.abs_diff(percent))
        .unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("madang-settings-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("settings.json")
    }

    #[test]
    fn choices_survive_a_save_and_a_load() {
        let path = temp("roundtrip");
        assert_eq!(
            Settings::load(&path),
            Settings::default(),
            "no file: defaults"
        );
        let s = Settings {
            name: Some("김민지".into()),
            lang: Some("en".into()),
            server: Some("https://expo.example:7780".into()),
            look: Some(3),
            colour: Some(5),
            mic: Some("USB Mic".into()),
            speaker: None,
            volume: 80,
            push_to_talk: true,
            ui_scale: 150,
            help_seen: true,
        };
        s.save(&path);
        assert_eq!(Settings::load(&path), s);
    }

    #[test]
    fn a_damaged_or_strange_file_gives_sane_values() {
        let path = temp("damaged");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "{ not json").unwrap();
        assert_eq!(Settings::load(&path), Settings::default());
        std::fs::write(&path, vec![b' '; (MAX_FILE_BYTES + 1) as usize]).unwrap();
        assert_eq!(Settings::load(&path), Settings::default(), "too big");
        let long = "가".repeat(10_000);
        std::fs::write(
            &path,
            serde_json::json!({
                "name": long, "lang": "fr", "server": "  ", "volume": 9000,
                "ui_scale": 160, "unknown": true, "look": 200, "colour": 3
            })
            .to_string(),
        )
        .unwrap();
        let s = Settings::load(&path);
        assert_eq!(
            s.name.as_ref().map(|n| n.chars().count()),
            Some(MAX_NAME_CHARS)
        );
        assert_eq!(s.lang, None, "only ko and en");
        assert_eq!(s.server, None, "blank is absent");
        assert_eq!(s.volume, 200);
        assert_eq!(s.ui_scale, 150, "the nearest step");
        assert_eq!(
            (s.look, s.colour),
            (None, Some(3)),
            "a look that does not exist is dropped"
        );
        assert!(!s.help_seen, "absent fields take their defaults");
    }

    #[test]
    fn the_file_sits_beside_the_passes() {
        assert_eq!(
            path_beside(Path::new("/home/a/.local/share/madang/passes.json")),
            PathBuf::from("/home/a/.local/share/madang/settings.json")
        );
    }
}
