//! Voice: 20 ms frames of 16 kHz mono speech, encoded with Opus (opus-rs, pure Rust: no system
//! libopus) for sending and decoded per speaker on arrival; WAV files for bots that speak.
//!
//! The server only forwards frames; mixing happens here ([`mix`]), each voice scaled by its
//! speaker's distance inside the bubble.

use std::collections::HashMap;
use std::path::Path;

use madang_shared::protocol::{AvatarId, MAX_VOICE_BYTES};
use opus_rs::{Application, OpusDecoder, OpusEncoder};

/// Samples a second.
pub const RATE: u32 = 16_000;
/// Samples in one 20 ms frame.
pub const FRAME: usize = 320;
/// The encoder's bit rate: clear speech at a few kilobytes a second.
pub const BITRATE: i32 = 24_000;

/// Why voice could not be encoded, decoded or read.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    #[error("the Opus codec refused: {0}")]
    Codec(&'static str),
    #[error("cannot read the WAV file {path}: {why}")]
    Wav { path: String, why: String },
}

/// Turns frames of speech into Opus packets.
pub struct VoiceEncoder {
    encoder: Box<OpusEncoder>,
    seq: u32,
}

impl VoiceEncoder {
    pub fn new() -> Result<Self, VoiceError> {
        let mut encoder = Box::new(
            OpusEncoder::new(RATE as i32, 1, Application::Voip).map_err(VoiceError::Codec)?,
        );
        encoder.bitrate_bps = BITRATE;
        Ok(VoiceEncoder { encoder, seq: 0 })
    }

    /// Encodes one frame ([`FRAME`] samples, −1 to 1): the sequence number and the packet.
    pub fn encode(&mut self, frame: &[f32]) -> Result<(u32, Vec<u8>), VoiceError> {
        let mut padded = [0f32; FRAME];
        let n = frame.len().min(FRAME);
        padded[..n].copy_from_slice(&frame[..n]);
        let mut out = vec![0u8; MAX_VOICE_BYTES];
        let len = self
            .encoder
            .encode(&padded, FRAME, &mut out)
            .map_err(VoiceError::Codec)?;
        out.truncate(len);
        self.seq = self.seq.wrapping_add(1);
        Ok((self.seq, out))
    }
}

/// Speaks a recording in real time: one frame every 20 ms, looping.
pub struct Speaker {
    frames: Vec<Vec<f32>>,
    next: usize,
    encoder: VoiceEncoder,
    /// Seconds of speech owed.
    owed: f32,
}

impl Speaker {
    /// Speaks a WAV file.
    pub fn from_wav(path: &Path) -> Result<Self, VoiceError> {
        Self::new(wav_frames(path)?)
    }

    pub fn new(frames: Vec<Vec<f32>>) -> Result<Self, VoiceError> {
        Ok(Speaker {
            frames,
            next: 0,
            encoder: VoiceEncoder::new()?,
            owed: 0.0,
        })
    }

    /// The packets due after `dt` more seconds: (sequence number, Opus data).
    pub fn due(&mut self, dt: f32) -> Vec<(u32, Vec<u8>)> {
        let frame_secs = FRAME as f32 / RATE as f32;
        // Never more than a quarter second at once, after a stall.
        self.owed = (self.owed + dt).min(0.25);
        let mut out = Vec::new();
        while self.owed >= frame_secs && !self.frames.is_empty() {
            self.owed -= frame_secs;
            let frame = &self.frames[self.next % self.frames.len()];
            self.next += 1;
            match self.encoder.encode(frame) {
                Ok(p) => out.push(p),
                Err(e) => tracing::warn!("a voice frame could not be encoded: {e}"),
            }
        }
        out
    }
}

/// One speaker's decoder and the samples decoded but not yet played.
struct Voice {
    decoder: Box<OpusDecoder>,
    last_seq: Option<u32>,
    pending: Vec<f32>,
}

/// Decodes everyone's voice, one decoder per speaker.
#[derive(Default)]
pub struct VoiceDecoders {
    voices: HashMap<AvatarId, Voice>,
}

/// The most samples kept waiting per speaker (half a second): a speaker whose frames pile up
/// (a stalled player) loses the oldest rather than drifting ever later.
const MAX_PENDING: usize = RATE as usize / 2;

impl VoiceDecoders {
    /// Decodes a frame from `from`. A frame older than the last one is dropped; a gap is
    /// concealed by the decoder (a 0-byte packet). Damaged packets are dropped.
    pub fn push(&mut self, from: AvatarId, seq: u32, data: &[u8]) -> Result<(), VoiceError> {
        let voice = match self.voices.entry(from) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(Voice {
                decoder: Box::new(OpusDecoder::new(RATE as i32, 1).map_err(VoiceError::Codec)?),
                last_seq: None,
                pending: Vec::new(),
            }),
        };
        if let Some(last) = voice.last_seq {
            let ahead = seq.wrapping_sub(last);
            if ahead == 0 || ahead > u32::MAX / 2 {
                return Ok(());
            }
            // Up to three lost frames are concealed; longer gaps are silence.
            for _ in 1..ahead.min(4) {
                let mut pcm = [0f32; FRAME];
                if voice.decoder.decode(&[], FRAME, &mut pcm).is_ok() {
                    voice.pending.extend_from_slice(&pcm);
                }
            }
        }
        voice.last_seq = Some(seq);
        let mut pcm = [0f32; FRAME];
        let n = voice
            .decoder
            .decode(data, FRAME, &mut pcm)
            .map_err(VoiceError::Codec)?;
        voice.pending.extend_from_slice(&pcm[..n.min(FRAME)]);
        if voice.pending.len() > MAX_PENDING {
            let extra = voice.pending.len() - MAX_PENDING;
            voice.pending.drain(..extra);
        }
        Ok(())
    }

    /// Takes up to `n` decoded samples of one speaker.
    pub fn take(&mut self, from: AvatarId, n: usize) -> Vec<f32> {
        match self.voices.get_mut(&from) {
            Some(v) => {
                let n = n.min(v.pending.len());
                v.pending.drain(..n).collect()
            }
            None => Vec::new(),
        }
    }

    /// The speakers with samples waiting.
    pub fn speaking(&self) -> impl Iterator<Item = AvatarId> + '_ {
        self.voices
            .iter()
            .filter(|(_, v)| !v.pending.is_empty())
            .map(|(id, _)| *id)
    }

    /// Forgets a speaker who left.
    pub fn forget(&mut self, from: AvatarId) {
        self.voices.remove(&from);
    }

    /// Keeps only the speakers `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(AvatarId) -> bool) {
        self.voices.retain(|id, _| keep(*id));
    }
}

/// How loud a voice is at `distance` tiles inside a bubble of `reach`: full up close, a
/// quarter at the bubble's edge. The stage and tables are heard at full volume.
pub fn volume_at(distance: f32, reach: f32) -> f32 {
    let t = (distance / reach.max(0.1)).clamp(0.0, 1.0);
    1.0 - 0.75 * t
}

/// Mixes voices (each with its volume) into `out`, adding, clipped to −1..1.
pub fn mix(out: &mut [f32], voices: &[(&[f32], f32)]) {
    for (samples, gain) in voices {
        for (o, s) in out.iter_mut().zip(samples.iter()) {
            *o += s * gain;
        }
    }
    for o in out.iter_mut() {
        *o = o.clamp(-1.0, 1.0);
    }
}

/// Reads a WAV file as 16 kHz mono frames for speaking: other rates are resampled (linearly),
/// stereo is averaged.
pub fn wav_frames(path: &Path) -> Result<Vec<Vec<f32>>, VoiceError> {
    let err = |why: String| VoiceError::Wav {
        path: path.display().to_string(),
        why,
    };
    let mut reader = hound::WavReader::open(path).map_err(|e| err(e.to_string()))?;
    let spec = reader.spec();
    if spec.channels == 0 || spec.sample_rate == 0 {
        return Err(err("no channels or no sample rate".into()));
    }
    let raw: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(|e| err(e.to_string()))?,
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 / scale))
                .collect::<Result<_, _>>()
                .map_err(|e| err(e.to_string()))?
        }
    };
    let channels = spec.channels as usize;
    let mono: Vec<f32> = raw
        .chunks(channels)
        .map(|c| c.iter().sum::<f32>() / channels as f32)
        .collect();
    let samples = if spec.sample_rate == RATE {
        mono
    } else {
        let ratio = spec.sample_rate as f64 / RATE as f64;
        let n = (mono.len() as f64 / ratio) as usize;
        (0..n)
            .map(|i| {
                let x = i as f64 * ratio;
                let k = x as usize;
                let f = (x - k as f64) as f32;
                let a = mono.get(k).copied().unwrap_or(0.0);
                let b = mono.get(k + 1).copied().unwrap_or(a);
                a + (b - a) * f
            })
            .collect()
    };
    Ok(samples.chunks(FRAME).map(|c| c.to_vec()).collect())
}

/// The strongest frequency in `samples` between 50 Hz and 4 kHz, in Hz (Goertzel at 5 Hz
/// steps). For tests and for checking a microphone.
pub fn dominant_frequency(samples: &[f32], rate: u32) -> f32 {
    let mut best = (0.0f32, 0.0f32);
    let mut f = 50.0f32;
    while f <= 4000.0 {
        let w = 2.0 * std::f32::consts::PI * f / rate as f32;
        let coeff = 2.0 * w.cos();
        let (mut s1, mut s2) = (0.0f32, 0.0f32);
        for &x in samples {
            let s0 = x + coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
        if power > best.1 {
            best = (f, power);
        }
        f += 5.0;
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f32, frames: usize) -> Vec<Vec<f32>> {
        (0..frames)
            .map(|k| {
                (0..FRAME)
                    .map(|i| {
                        let t = (k * FRAME + i) as f32 / RATE as f32;
                        0.5 * (2.0 * std::f32::consts::PI * freq * t).sin()
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_tone_survives_encoding_and_decoding() {
        let mut enc = VoiceEncoder::new().unwrap();
        let mut dec = VoiceDecoders::default();
        let who = AvatarId(7);
        for frame in tone(440.0, 50) {
            let (seq, packet) = enc.encode(&frame).unwrap();
            assert!(packet.len() <= MAX_VOICE_BYTES && !packet.is_empty());
            dec.push(who, seq, &packet).unwrap();
        }
        let pcm = dec.take(who, usize::MAX);
        assert!(pcm.len() >= FRAME * 20, "{} samples", pcm.len());
        // Skip the codec's start-up.
        let f = dominant_frequency(&pcm[FRAME * 5..], RATE);
        assert!((f - 440.0).abs() <= 10.0, "dominant {f} Hz");
    }

    #[test]
    fn old_and_damaged_frames_are_dropped_not_fatal() {
        let mut enc = VoiceEncoder::new().unwrap();
        let mut dec = VoiceDecoders::default();
        let who = AvatarId(1);
        let (seq, packet) = enc.encode(&tone(300.0, 1)[0]).unwrap();
        dec.push(who, seq, &packet).unwrap();
        dec.push(who, seq, &packet).unwrap();
        assert_eq!(
            dec.take(who, usize::MAX).len(),
            FRAME,
            "a repeat is dropped"
        );
        // Random bytes: an error or silence, never a panic.
        let _ = dec.push(who, seq + 1, &[0xff, 0x13, 0x00, 0x77, 0x42]);
    }

    #[test]
    fn the_loudest_frequency_is_found() {
        let pcm: Vec<f32> = tone(1000.0, 10).concat();
        assert!((dominant_frequency(&pcm, RATE) - 1000.0).abs() <= 5.0);
    }

    #[test]
    fn mixing_adds_voices_by_volume_and_clips() {
        let mut out = vec![0.0; 3];
        mix(
            &mut out,
            &[(&[0.5, 0.5, 0.9], 1.0), (&[0.25, -0.5, 0.9], 0.5)],
        );
        assert_eq!(out, vec![0.625, 0.25, 1.0]);
        assert_eq!(volume_at(0.0, 3.0), 1.0);
        assert_eq!(volume_at(3.0, 3.0), 0.25);
    }
}
