//! Videos for the screens: H.264 in MP4, demuxed with the `mp4` crate and decoded with
//! openh264 built from its bundled source, so no system library is needed. Also the writer
//! the demo's videos are made with (`cargo run -p madang-client --example make_videos`).
//!
//! MP4 keeps H.264 as length-prefixed NAL units with the parameter sets in the track's header;
//! openh264 speaks Annex B (start codes), so samples are converted both ways here.

use std::io::{BufReader, Read, Seek};
use std::path::Path;

use madang_shared::video::VideoError;
use mp4::{
    AvcConfig, FourCC, MediaConfig, MediaType, Mp4Config, Mp4Reader, Mp4Sample, Mp4Writer,
    TrackConfig, TrackType,
};
use openh264::decoder::Decoder;
use openh264::encoder::Encoder;
use openh264::formats::{RgbaSliceU8, YUVBuffer, YUVSource};
use openh264::nal_units;

const START_CODE: [u8; 4] = [0, 0, 0, 1];

/// A decoded picture, 8-bit RGBA rows from the top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
    /// Where it is in the video, in ms.
    pub at_ms: u64,
}

struct SampleInfo {
    start_ms: u64,
    sync: bool,
}

/// An open video: its samples' times, and a decoder positioned somewhere in it.
pub struct VideoPlayer<R: Read + Seek> {
    name: String,
    reader: Mp4Reader<R>,
    track: u32,
    timescale: u32,
    samples: Vec<SampleInfo>,
    /// SPS and PPS as Annex B, fed to the decoder before each key frame.
    parameter_sets: Vec<u8>,
    decoder: Decoder,
    /// The next sample the decoder would take (1-based, as mp4 counts).
    next: u32,
    last: Option<Frame>,
    pub width: u32,
    pub height: u32,
    pub duration_ms: u64,
}

fn format_err(name: &str, why: impl std::fmt::Display) -> VideoError {
    VideoError::Format {
        path: name.to_owned(),
        why: why.to_string(),
    }
}

/// Opens a video file for playing.
pub fn open(path: &Path) -> Result<VideoPlayer<BufReader<std::fs::File>>, VideoError> {
    let name = path.display().to_string();
    let read_err = |e: std::io::Error| VideoError::Read {
        path: name.clone(),
        why: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let size = file.metadata().map_err(read_err)?.len();
    VideoPlayer::new(BufReader::new(file), size, &name)
}

impl<R: Read + Seek> VideoPlayer<R> {
    /// Reads the MP4 header from `reader` (`size` bytes); `name` is for errors.
    pub fn new(reader: R, size: u64, name: &str) -> Result<Self, VideoError> {
        let mut reader = Mp4Reader::read_header(reader, size).map_err(|e| format_err(name, e))?;
        let (track, timescale, width, height, duration_ms, sps, pps) = {
            let t = reader
                .tracks()
                .values()
                .find(|t| matches!(t.media_type(), Ok(MediaType::H264)))
                .ok_or(VideoError::NoVideo {
                    path: name.to_owned(),
                })?;
            // A damaged size table could have us allocate gigabytes for one picture.
            let stsz = &t.trak.mdia.minf.stbl.stsz;
            if stsz.sample_size as u64 > size || stsz.sample_sizes.iter().any(|&s| s as u64 > size)
            {
                return Err(format_err(name, "a picture is larger than the whole file"));
            }
            (
                t.track_id(),
                t.timescale().max(1),
                t.width() as u32,
                t.height() as u32,
                t.duration().as_millis() as u64,
                t.sequence_parameter_set()
                    .map_err(|e| format_err(name, e))?
                    .to_vec(),
                t.picture_parameter_set()
                    .map_err(|e| format_err(name, e))?
                    .to_vec(),
            )
        };
        let count = reader
            .sample_count(track)
            .map_err(|e| format_err(name, e))?;
        if count == 0 || width == 0 || height == 0 {
            return Err(format_err(name, "the video track is empty"));
        }
        // Every sample takes at least four bytes of the file's tables: a damaged header that
        // claims more is refused before anything is read for them.
        if count as u64 > size / 4 {
            return Err(format_err(
                name,
                format!("the header claims {count} pictures in {size} bytes"),
            ));
        }
        let mut samples = Vec::with_capacity(count as usize);
        for id in 1..=count {
            // Only timing is needed here; the bytes are read again when decoded.
            let s = reader
                .read_sample(track, id)
                .map_err(|e| format_err(name, e))?
                .ok_or_else(|| format_err(name, format!("sample {id} is missing")))?;
            samples.push(SampleInfo {
                start_ms: s.start_time * 1000 / timescale as u64,
                sync: s.is_sync,
            });
        }
        let mut parameter_sets = Vec::new();
        for set in [&sps, &pps] {
            parameter_sets.extend_from_slice(&START_CODE);
            parameter_sets.extend_from_slice(set);
        }
        let decoder = Decoder::new().map_err(|e| format_err(name, e))?;
        Ok(VideoPlayer {
            name: name.to_owned(),
            reader,
            track,
            timescale,
            samples,
            parameter_sets,
            decoder,
            next: 1,
            last: None,
            width,
            height,
            duration_ms,
        })
    }

    /// The picture to show at `ms` into the video (clamped to its length). Decodes forward from
    /// where it is, or from the key frame before `ms` when that is nearer or behind.
    pub fn frame_at(&mut self, ms: u64) -> Result<Frame, VideoError> {
        let target = match self.samples.iter().rposition(|s| s.start_ms <= ms) {
            Some(i) => i as u32 + 1,
            None => 1,
        };
        if self
            .last
            .as_ref()
            .is_some_and(|f| self.next == target + 1 && f.at_ms <= ms)
        {
            return Ok(self.last.clone().expect("checked above"));
        }
        let key = self.samples[..target as usize]
            .iter()
            .rposition(|s| s.sync)
            .map(|i| i as u32 + 1)
            .unwrap_or(1);
        if self.next > target || key >= self.next {
            self.next = key;
        }
        while self.next <= target {
            let id = self.next;
            self.next += 1;
            let sample = self
                .reader
                .read_sample(self.track, id)
                .map_err(|e| format_err(&self.name, e))?
                .ok_or_else(|| format_err(&self.name, format!("sample {id} is missing")))?;
            let mut packet = Vec::with_capacity(sample.bytes.len() + 64);
            if sample.is_sync {
                packet.extend_from_slice(&self.parameter_sets);
            }
            avcc_to_annex_b(&sample.bytes, &mut packet)
                .ok_or_else(|| format_err(&self.name, format!("sample {id} is damaged")))?;
            let decoded = self
                .decoder
                .decode(&packet)
                .map_err(|e| format_err(&self.name, e))?;
            if let Some(yuv) = decoded {
                let (w, h) = yuv.dimensions();
                let mut rgba = vec![0u8; w * h * 4];
                yuv.write_rgba8(&mut rgba);
                self.last = Some(Frame {
                    width: w as u32,
                    height: h as u32,
                    rgba,
                    at_ms: sample.start_time * 1000 / self.timescale as u64,
                });
            }
        }
        self.last
            .clone()
            .ok_or_else(|| format_err(&self.name, "no picture could be decoded"))
    }
}

/// Turns 4-byte length-prefixed NAL units into start-code ones; `None` if a length runs past
/// the end.
fn avcc_to_annex_b(mut data: &[u8], out: &mut Vec<u8>) -> Option<()> {
    while !data.is_empty() {
        let len = u32::from_be_bytes(data.get(..4)?.try_into().ok()?) as usize;
        let nal = data.get(4..4 + len)?;
        out.extend_from_slice(&START_CODE);
        out.extend_from_slice(nal);
        data = &data[4 + len..];
    }
    Some(())
}

/// The NAL units of an Annex B stream, without their start codes. (An H.264 unit never ends
/// in a zero byte, so the zero of a following four-byte start code is trimmed safely.)
fn annex_b_units(data: &[u8]) -> Vec<&[u8]> {
    nal_units(data)
        .map(|packet| {
            let body = packet
                .iter()
                .position(|&b| b != 0)
                .map(|i| &packet[i + 1..])
                .unwrap_or(&[]);
            let end = body.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            &body[..end]
        })
        .filter(|u| !u.is_empty())
        .collect()
}

/// Encodes RGBA pictures (all `width` × `height`; even sizes, as H.264 wants) at `fps` into
/// an MP4 file.
pub fn write_mp4<W: std::io::Write + Seek>(
    out: W,
    width: u32,
    height: u32,
    fps: u32,
    frames: impl IntoIterator<Item = Vec<u8>>,
) -> Result<(), String> {
    let mut encoder = Encoder::new().map_err(|e| e.to_string())?;
    let mut writer = Mp4Writer::write_start(
        out,
        &Mp4Config {
            major_brand: FourCC::from(*b"isom"),
            minor_version: 512,
            compatible_brands: vec![FourCC::from(*b"isom"), FourCC::from(*b"avc1")],
            timescale: 1000,
        },
    )
    .map_err(|e| e.to_string())?;
    // 90 kHz, as broadcast video uses: whole ticks per frame at 15, 24, 25, 30 fps.
    const TRACK_TIMESCALE: u32 = 90_000;
    let frame_ticks = TRACK_TIMESCALE / fps.max(1);
    let mut track_added = false;
    for (i, rgba) in frames.into_iter().enumerate() {
        let yuv = YUVBuffer::from_rgba8_source(RgbaSliceU8::new(
            &rgba,
            (width as usize, height as usize),
        ));
        let bitstream = encoder.encode(&yuv).map_err(|e| e.to_string())?;
        let stream = bitstream.to_vec();
        let units = annex_b_units(&stream);
        if !track_added {
            let sps = units
                .iter()
                .find(|u| u.first().is_some_and(|b| b & 0x1f == 7));
            let pps = units
                .iter()
                .find(|u| u.first().is_some_and(|b| b & 0x1f == 8));
            let (Some(sps), Some(pps)) = (sps, pps) else {
                return Err("the encoder gave no parameter sets with its first picture".into());
            };
            writer
                .add_track(&TrackConfig {
                    track_type: TrackType::Video,
                    timescale: TRACK_TIMESCALE,
                    language: "und".into(),
                    media_conf: MediaConfig::AvcConfig(AvcConfig {
                        width: width as u16,
                        height: height as u16,
                        seq_param_set: sps.to_vec(),
                        pic_param_set: pps.to_vec(),
                    }),
                })
                .map_err(|e| e.to_string())?;
            track_added = true;
        }
        let mut sample = Vec::new();
        let mut sync = false;
        for u in &units {
            let kind = u.first().map(|b| b & 0x1f).unwrap_or(0);
            if kind == 7 || kind == 8 {
                continue;
            }
            sync |= kind == 5;
            sample.extend_from_slice(&(u.len() as u32).to_be_bytes());
            sample.extend_from_slice(u);
        }
        if sample.is_empty() {
            continue;
        }
        writer
            .write_sample(
                1,
                &Mp4Sample {
                    start_time: i as u64 * frame_ticks as u64,
                    duration: frame_ticks,
                    rendering_offset: 0,
                    is_sync: sync,
                    bytes: mp4::Bytes::from(sample),
                },
            )
            .map_err(|e| e.to_string())?;
    }
    writer.write_end().map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A clip of solid colours: red for the first second, then blue.
    fn clip(fps: u32, secs: u32) -> Vec<u8> {
        let (w, h) = (64u32, 48u32);
        let frames = (0..fps * secs).map(move |i| {
            let c: [u8; 4] = if i < fps {
                [220, 30, 30, 255]
            } else {
                [30, 30, 220, 255]
            };
            c.repeat((w * h) as usize)
        });
        let mut out = Cursor::new(Vec::new());
        write_mp4(&mut out, w, h, fps, frames).expect("encodes");
        out.into_inner()
    }

    fn mean(frame: &Frame) -> [u32; 3] {
        let n = frame.width * frame.height;
        let mut sum = [0u32; 3];
        for px in frame.rgba.chunks_exact(4) {
            for c in 0..3 {
                sum[c] += px[c] as u32;
            }
        }
        sum.map(|s| s / n)
    }

    #[test]
    fn an_encoded_clip_decodes_to_the_right_pictures_at_the_right_times() {
        let bytes = clip(10, 2);
        let size = bytes.len() as u64;
        let mut player = VideoPlayer::new(Cursor::new(bytes), size, "clip.mp4").expect("opens");
        assert_eq!((player.width, player.height), (64, 48));
        assert!(
            (1900..=2100).contains(&player.duration_ms),
            "{}",
            player.duration_ms
        );
        let red = mean(&player.frame_at(200).expect("a frame"));
        assert!(red[0] > 150 && red[2] < 90, "red first: {red:?}");
        let blue = mean(&player.frame_at(1500).expect("a frame"));
        assert!(blue[2] > 150 && blue[0] < 90, "then blue: {blue:?}");
        // Backwards too: from the key frame before.
        let red_again = mean(&player.frame_at(100).expect("a frame"));
        assert!(red_again[0] > 150, "seeking back: {red_again:?}");
    }

    #[test]
    fn the_demo_videos_decode_to_pictures_not_black() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/videos");
        for (name, seconds) in [("intro.mp4", 12), ("broadcast.mp4", 20)] {
            let mut p = open(&dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!((p.width, p.height), (320, 180));
            assert!(
                p.duration_ms.abs_diff(seconds * 1000) < 200,
                "{name}: {} ms",
                p.duration_ms
            );
            for at in [0, 1_000, seconds * 1000 - 500] {
                let m = mean(&p.frame_at(at).unwrap_or_else(|e| panic!("{e}")));
                assert!(
                    m.iter().sum::<u32>() > 90,
                    "{name} at {at} ms is not black: {m:?}"
                );
            }
        }
    }

    #[test]
    fn truncated_and_random_files_are_errors_not_panics() {
        let bytes = clip(10, 1);
        for cut in [0, 16, bytes.len() / 3, bytes.len() * 2 / 3] {
            let part = bytes[..cut].to_vec();
            let size = part.len() as u64;
            if let Ok(mut p) = VideoPlayer::new(Cursor::new(part), size, "cut.mp4") {
                // A header that survived the cut may still point at missing samples.
                let _ = p.frame_at(500);
            }
        }
        let junk = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00not really a movie".to_vec();
        let size = junk.len() as u64;
        assert!(VideoPlayer::new(Cursor::new(junk), size, "junk.mp4").is_err());
        assert!(matches!(
            open(Path::new("/nonexistent.mp4")),
            Err(VideoError::Read { .. })
        ));
    }
}
