//! Screens: what both sides agree on about a video's playback, and reading a video's length.
//!
//! The server owns each screen's [`Playback`]: playing or paused, at which position at which
//! moment of the server's clock. A client converts the server's clock to its own and computes
//! the same position, so everyone near a screen sees the same moment, late arrivals included.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// A screen's playback, anchored to the server's clock (milliseconds since the server started).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Playback {
    pub playing: bool,
    /// The position, in ms into the video, at `anchor_ms`.
    pub position_ms: u64,
    /// The server-clock moment the position was taken at.
    pub anchor_ms: u64,
    /// The video's length, when it could be read.
    pub duration_ms: Option<u64>,
    /// Start again at the end (screens without a schedule), or stop there (a broadcast).
    pub looping: bool,
}

impl Playback {
    /// A playback paused at the start.
    pub fn stopped(duration_ms: Option<u64>, looping: bool) -> Self {
        Playback {
            playing: false,
            position_ms: 0,
            anchor_ms: 0,
            duration_ms,
            looping,
        }
    }

    /// The position at server-clock moment `now_ms`.
    pub fn position_at(&self, now_ms: u64) -> u64 {
        let raw = if self.playing {
            self.position_ms + now_ms.saturating_sub(self.anchor_ms)
        } else {
            self.position_ms
        };
        match self.duration_ms {
            Some(d) if d > 0 && self.looping => raw % d,
            Some(d) => raw.min(d),
            None => raw,
        }
    }

    /// Whether a non-looping playback has reached its end by `now_ms`.
    pub fn finished_at(&self, now_ms: u64) -> bool {
        !self.looping
            && self.playing
            && self
                .duration_ms
                .is_some_and(|d| self.position_ms + now_ms.saturating_sub(self.anchor_ms) >= d)
    }

    /// Plays from `position_ms` starting at `now_ms`.
    pub fn play_from(&mut self, position_ms: u64, now_ms: u64) {
        self.playing = true;
        self.position_ms = position_ms;
        self.anchor_ms = now_ms;
    }

    /// Pauses where it is at `now_ms`.
    pub fn pause(&mut self, now_ms: u64) {
        self.position_ms = self.position_at(now_ms);
        self.anchor_ms = now_ms;
        self.playing = false;
    }
}

/// The next moment (Unix ms) at or after `now_unix_ms` when the local time, `utc_offset_min`
/// minutes ahead of UTC, is `minute_of_day` minutes after midnight.
pub fn next_daily(now_unix_ms: i64, utc_offset_min: i32, minute_of_day: u32) -> i64 {
    const DAY: i64 = 86_400_000;
    let offset = utc_offset_min as i64 * 60_000;
    let local = now_unix_ms + offset;
    let midnight = local.div_euclid(DAY) * DAY;
    let mut at = midnight + minute_of_day as i64 * 60_000;
    if at < local {
        at += DAY;
    }
    at - offset
}

/// What a video file holds, as far as playback needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoInfo {
    pub duration_ms: u64,
    pub width: u16,
    pub height: u16,
}

/// Why a video cannot be played.
#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("cannot read {path}: {why}")]
    Read { path: String, why: String },
    #[error("{path} is not an MP4 file that can be read: {why}")]
    Format { path: String, why: String },
    #[error("{path} has no H.264 video track")]
    NoVideo { path: String },
    #[error("reading the header of {path} took longer than {secs} s")]
    TimedOut { path: String, secs: f32 },
    #[error("{path} broke the MP4 reader: {why}")]
    Crashed { path: String, why: String },
}

/// [`probe`] on a thread of its own, with a time limit and the MP4 reader's panics caught (a
/// crafted `meta` box once made it underflow): what a server or a checker uses on files it did
/// not make. A reader that never returns is left behind on its thread; the caller goes on.
pub fn probe_within(path: &Path, limit: std::time::Duration) -> Result<VideoInfo, VideoError> {
    let name = path.display().to_string();
    let owned = path.to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("madang-video-probe".into())
        .spawn(move || {
            let result = std::panic::catch_unwind(|| probe(&owned));
            let _ = tx.send(result);
        });
    if let Err(e) = spawned {
        return Err(VideoError::Read {
            path: name,
            why: format!("no thread to read it on: {e}"),
        });
    }
    match rx.recv_timeout(limit) {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => Err(VideoError::Crashed {
            path: name,
            why: panic_text(&panic),
        }),
        Err(_) => Err(VideoError::TimedOut {
            path: name,
            secs: limit.as_secs_f32(),
        }),
    }
}

/// A caught panic's message.
pub fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// Reads an MP4 file's header: its length and picture size.
pub fn probe(path: &Path) -> Result<VideoInfo, VideoError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| VideoError::Read {
        path: name.clone(),
        why: e.to_string(),
    })?;
    let size = file
        .metadata()
        .map_err(|e| VideoError::Read {
            path: name.clone(),
            why: e.to_string(),
        })?
        .len();
    let reader = mp4::Mp4Reader::read_header(std::io::BufReader::new(file), size).map_err(|e| {
        VideoError::Format {
            path: name.clone(),
            why: e.to_string(),
        }
    })?;
    let track = reader
        .tracks()
        .values()
        .find(|t| matches!(t.media_type(), Ok(mp4::MediaType::H264)))
        .ok_or(VideoError::NoVideo { path: name })?;
    Ok(VideoInfo {
        duration_ms: track.duration().as_millis() as u64,
        width: track.width(),
        height: track.height(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_arrival_sees_the_current_position() {
        let mut p = Playback::stopped(Some(10_000), true);
        p.play_from(0, 1_000);
        assert_eq!(p.position_at(1_000), 0);
        assert_eq!(p.position_at(4_500), 3_500);
        assert_eq!(p.position_at(12_000), 1_000, "loops after 10 s");
    }

    #[test]
    fn a_pause_holds_the_position_for_everyone() {
        let mut p = Playback::stopped(Some(10_000), false);
        p.play_from(0, 0);
        p.pause(2_500);
        assert_eq!(p.position_at(9_000), 2_500);
        p.play_from(p.position_ms, 9_000);
        assert_eq!(p.position_at(9_500), 3_000);
        assert!(!p.finished_at(15_000));
        assert!(p.finished_at(16_500));
        assert_eq!(
            p.position_at(20_000),
            10_000,
            "a broadcast stops at its end"
        );
    }

    #[test]
    fn daily_times_are_in_the_expo_time_zone() {
        // 2026-11-21 04:59:00 UTC is 13:59 in Seoul (UTC+9).
        let now = 1_795_237_140_000;
        let at = next_daily(now, 540, 14 * 60);
        assert_eq!(at - now, 60_000, "14:00 KST is a minute away");
        // Just after 14:00 the next one is tomorrow.
        assert_eq!(next_daily(at + 1, 540, 14 * 60) - at, 86_400_000);
        assert_eq!(
            next_daily(at, 540, 14 * 60),
            at,
            "at the moment itself: now"
        );
    }

    #[test]
    fn a_file_that_is_not_mp4_is_a_clear_error() {
        let dir = std::env::temp_dir().join(format!("madang-video-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("broken.mp4");
        std::fs::write(&path, b"\x00\x00\x00\x18ftypisom garbage").expect("write");
        let e = probe(&path).expect_err("not a video");
        assert!(e.to_string().contains("broken.mp4"), "{e}");
        assert!(matches!(
            probe(&dir.join("missing.mp4")),
            Err(VideoError::Read { .. })
        ));
    }
}
