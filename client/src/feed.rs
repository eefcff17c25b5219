//! One screen's pictures, decoded on a thread of its own with a time limit.
//!
//! The window asks for the picture at a position (the server's playback position); the
//! worker decodes it and sends it back. One request is in flight at a time, so a slow decoder
//! never queues work up. A damaged file can make a decoder run for minutes: if an answer takes
//! longer than [`DECODE_LIMIT`], the feed gives up, says why, and leaves the worker to finish
//! on its own (it stops as soon as it notices nobody listens).

use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError, unbounded};
use madang_shared::video::VideoError;
use tracing::warn;

use crate::video::Frame;

/// The longest one picture (or opening the file) may take before the screen shows an error.
pub const DECODE_LIMIT: Duration = Duration::from_secs(4);

/// What the feed has to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedState {
    /// No picture yet.
    Opening,
    /// Pictures are coming.
    Playing,
    /// The video cannot be shown, and why (for the screen and the log).
    Failed(String),
}

/// A screen's decoding worker and what came back from it.
pub struct ScreenFeed {
    name: String,
    asks: Option<Sender<u64>>,
    answers: Receiver<Result<Frame, VideoError>>,
    /// When the request in flight was sent.
    in_flight: Option<Instant>,
    /// The position last asked for.
    asked_ms: Option<u64>,
    pub state: FeedState,
}

impl ScreenFeed {
    /// Plays an MP4 file: opened and decoded on the worker.
    pub fn open_file(path: PathBuf) -> ScreenFeed {
        let name = path.display().to_string();
        ScreenFeed::start(name, move || {
            let mut player = crate::video::open(&path)?;
            Ok(move |ms| player.frame_at(ms))
        })
    }

    /// Starts a worker that runs `open` and then answers requests with the decoder it gave.
    /// `name` names the video in messages.
    pub fn start<O, D>(name: String, open: O) -> ScreenFeed
    where
        O: FnOnce() -> Result<D, VideoError> + Send + 'static,
        D: FnMut(u64) -> Result<Frame, VideoError>,
    {
        let (asks, asked) = unbounded::<u64>();
        let (answer, answers) = unbounded();
        let spawned = thread::Builder::new()
            .name("madang-screen".into())
            .spawn(move || worker(open, asked, answer));
        let mut feed = ScreenFeed {
            name,
            asks: Some(asks),
            answers,
            in_flight: None,
            asked_ms: None,
            state: FeedState::Opening,
        };
        if let Err(e) = spawned {
            feed.fail(format!("no thread to decode it on: {e}"));
        }
        feed
    }

    /// Asks for the picture at `ms` unless a request is in flight or it was the last asked.
    /// Returns whether a request was sent.
    pub fn want(&mut self, ms: u64, now: Instant) -> bool {
        if self.in_flight.is_some() || self.asked_ms == Some(ms) {
            return false;
        }
        let Some(asks) = &self.asks else { return false };
        if asks.send(ms).is_err() {
            return false;
        }
        self.asked_ms = Some(ms);
        self.in_flight = Some(now);
        true
    }

    /// The newest picture that arrived, if any; also notices failures and the time limit.
    pub fn poll(&mut self, now: Instant) -> Option<Frame> {
        let mut newest = None;
        loop {
            match self.answers.try_recv() {
                Ok(Ok(frame)) => {
                    self.in_flight = None;
                    if self.state == FeedState::Opening {
                        self.state = FeedState::Playing;
                    }
                    newest = Some(frame);
                }
                Ok(Err(e)) => {
                    self.in_flight = None;
                    self.fail(e.to_string());
                    return None;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    if self.asks.is_some() && newest.is_none() {
                        self.fail("the decoder stopped".into());
                    }
                    break;
                }
            }
        }
        if let Some(sent) = self.in_flight
            && now.duration_since(sent) > DECODE_LIMIT
        {
            self.in_flight = None;
            self.fail(format!(
                "decoding took longer than {} s; the file may be damaged",
                DECODE_LIMIT.as_secs()
            ));
        }
        newest
    }

    fn fail(&mut self, why: String) {
        if matches!(self.state, FeedState::Failed(_)) {
            return;
        }
        warn!(video = %self.name, "cannot play the video: {why}");
        self.state = FeedState::Failed(why);
        // Dropping the sender ends the worker once it is done with what it is doing.
        self.asks = None;
    }
}

fn worker<O, D>(open: O, asked: Receiver<u64>, answer: Sender<Result<Frame, VideoError>>)
where
    O: FnOnce() -> Result<D, VideoError>,
    D: FnMut(u64) -> Result<Frame, VideoError>,
{
    let mut decode = match open() {
        Ok(d) => d,
        Err(e) => {
            let _ = answer.send(Err(e));
            return;
        }
    };
    while let Ok(mut ms) = asked.recv() {
        // Only the newest position matters.
        while let Ok(newer) = asked.try_recv() {
            ms = newer;
        }
        let result = decode(ms);
        let failed = result.is_err();
        if answer.send(result).is_err() || failed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(ms: u64) -> Frame {
        Frame {
            width: 2,
            height: 2,
            rgba: vec![200; 16],
            at_ms: ms,
        }
    }

    fn wait_for(feed: &mut ScreenFeed, until: impl Fn(&ScreenFeed) -> bool) -> Option<Frame> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut last = None;
        while Instant::now() < deadline {
            if let Some(f) = feed.poll(Instant::now()) {
                last = Some(f);
            }
            if until(feed) {
                return last;
            }
            thread::sleep(Duration::from_millis(5));
        }
        panic!("timed out waiting; state {:?}", feed.state);
    }

    #[test]
    fn a_picture_comes_back_for_the_position_asked() {
        let mut feed = ScreenFeed::start("test".into(), || Ok(|ms| Ok(frame(ms))));
        assert!(feed.want(1234, Instant::now()));
        assert!(!feed.want(2000, Instant::now()), "one request in flight");
        let f = wait_for(&mut feed, |f| f.state == FeedState::Playing).unwrap();
        assert_eq!(f.at_ms, 1234);
        assert!(!feed.want(1234, Instant::now()), "the same position again");
        assert!(feed.want(2000, Instant::now()));
    }

    #[test]
    fn a_file_that_is_not_a_video_gives_a_message() {
        let dir = std::env::temp_dir().join(format!("madang-feed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("junk.mp4");
        std::fs::write(&path, b"this is not an mp4 file at all").unwrap();
        let mut feed = ScreenFeed::open_file(path);
        feed.want(0, Instant::now());
        wait_for(&mut feed, |f| matches!(f.state, FeedState::Failed(_)));
        let FeedState::Failed(why) = &feed.state else {
            unreachable!()
        };
        assert!(why.contains("junk.mp4"), "{why}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_missing_file_gives_a_message() {
        let mut feed = ScreenFeed::open_file("/nonexistent/madang.mp4".into());
        feed.want(0, Instant::now());
        wait_for(&mut feed, |f| matches!(f.state, FeedState::Failed(_)));
    }

    #[test]
    fn a_decoder_that_hangs_is_given_up_on_after_the_limit() {
        let mut feed = ScreenFeed::start("stuck".into(), || {
            Ok(|_| {
                thread::sleep(Duration::from_secs(30));
                Err(VideoError::NoVideo {
                    path: "stuck".into(),
                })
            })
        });
        let t0 = Instant::now();
        feed.want(0, t0);
        // Pretend the limit has passed rather than waiting for it.
        assert!(feed.poll(t0 + DECODE_LIMIT / 2).is_none());
        assert_eq!(feed.state, FeedState::Opening);
        feed.poll(t0 + DECODE_LIMIT + Duration::from_millis(1));
        match &feed.state {
            FeedState::Failed(why) => assert!(why.contains("longer than"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert!(!feed.want(10, Instant::now()), "a failed feed asks no more");
    }

    #[test]
    fn the_demo_video_decodes_to_a_picture_that_is_not_black() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/videos/intro.mp4");
        let mut feed = ScreenFeed::open_file(path);
        feed.want(2500, Instant::now());
        let f = wait_for(&mut feed, |f| f.state != FeedState::Opening).expect("a picture");
        assert_eq!(feed.state, FeedState::Playing);
        let bright = f
            .rgba
            .chunks(4)
            .filter(|p| p[0].max(p[1]).max(p[2]) > 60)
            .count();
        assert!(bright * 2 > f.rgba.len() / 4, "{bright} bright pixels");
    }
}
