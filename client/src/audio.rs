//! The microphone and the speakers, through cpal (ALSA on Linux).
//!
//! Both streams run on cpal's own threads; they meet the app through two queues of 16 kHz
//! mono samples ([`crate::voice::RATE`]), resampled here from and to whatever the devices
//! use. A machine without a microphone or a speaker still runs: the part that failed is
//! `None` and the reason is kept for the screen and the log.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{SampleFormat, SizedSample, Stream, StreamConfig};
use tracing::{info, warn};

use crate::voice::{FRAME, RATE};

/// At most this much audio waits in either queue (half a second): a stalled reader loses the
/// oldest rather than falling ever further behind.
const MAX_QUEUED: usize = RATE as usize / 2;

type Queue = Arc<Mutex<VecDeque<f32>>>;

/// Live audio devices, or why they are not there.
pub struct AudioIo {
    mic: Queue,
    speaker: Queue,
    /// The open streams; dropping them stops the devices.
    _streams: Vec<Stream>,
    /// The devices' names when open.
    pub input: Option<String>,
    pub output: Option<String>,
    /// Why a device could not be opened.
    pub problems: Vec<String>,
}

/// The names of the input and output devices, for choosing one.
pub fn device_names() -> (Vec<String>, Vec<String>) {
    let host = cpal::default_host();
    let names = |devices: Result<_, _>| -> Vec<String> {
        match devices {
            Ok(list) => {
                let list: Vec<cpal::Device> = list;
                list.iter().filter_map(|d| d.name().ok()).collect()
            }
            Err(_) => Vec::new(),
        }
    };
    (
        names(host.input_devices().map(|d| d.collect())),
        names(host.output_devices().map(|d| d.collect())),
    )
}

/// Linear resampling between rates, keeping its place across calls.
struct Resampler {
    step: f64,
    pos: f64,
    last: f32,
}

impl Resampler {
    fn new(from: u32, to: u32) -> Self {
        Resampler {
            step: from as f64 / to as f64,
            pos: 0.0,
            last: 0.0,
        }
    }

    /// Resamples `input` (at `from`), appending to `out` (at `to`).
    fn run(&mut self, input: &[f32], out: &mut VecDeque<f32>) {
        for &x in input {
            while self.pos < 1.0 {
                out.push_back(self.last + (x - self.last) * self.pos as f32);
                self.pos += self.step;
            }
            self.pos -= 1.0;
            self.last = x;
        }
    }
}

fn trim(q: &mut VecDeque<f32>) {
    while q.len() > MAX_QUEUED {
        q.pop_front();
    }
}

fn find(host: &cpal::Host, name: Option<&str>, input: bool) -> Result<cpal::Device, String> {
    match name {
        Some(name) => {
            let devices = if input {
                host.input_devices()
                    .map_err(|e| e.to_string())?
                    .collect::<Vec<_>>()
            } else {
                host.output_devices()
                    .map_err(|e| e.to_string())?
                    .collect::<Vec<_>>()
            };
            devices
                .into_iter()
                .find(|d| d.name().is_ok_and(|n| n == name))
                .ok_or_else(|| format!("no audio device named {name:?}"))
        }
        None => if input {
            host.default_input_device()
        } else {
            host.default_output_device()
        }
        .ok_or_else(|| {
            if input {
                "no microphone".to_owned()
            } else {
                "no speaker".to_owned()
            }
        }),
    }
}

fn open_input<T: SizedSample + Send + 'static>(
    device: &cpal::Device,
    config: &StreamConfig,
    queue: Queue,
    to_f32: fn(T) -> f32,
) -> Result<Stream, String> {
    let channels = config.channels.max(1) as usize;
    let mut resampler = Resampler::new(config.sample_rate.0, RATE);
    let mut mono = Vec::new();
    device
        .build_input_stream(
            config,
            move |data: &[T], _| {
                mono.clear();
                mono.extend(
                    data.chunks(channels)
                        .map(|c| c.iter().map(|&s| to_f32(s)).sum::<f32>() / channels as f32),
                );
                if let Ok(mut q) = queue.lock() {
                    resampler.run(&mono, &mut q);
                    trim(&mut q);
                }
            },
            |e| warn!("microphone: {e}"),
            None,
        )
        .map_err(|e| e.to_string())
}

fn open_output<T: SizedSample + Send + 'static>(
    device: &cpal::Device,
    config: &StreamConfig,
    queue: Queue,
    from_f32: fn(f32) -> T,
) -> Result<Stream, String> {
    let channels = config.channels.max(1) as usize;
    let mut resampler = Resampler::new(RATE, config.sample_rate.0);
    let mut ready: VecDeque<f32> = VecDeque::new();
    device
        .build_output_stream(
            config,
            move |data: &mut [T], _| {
                let frames = data.len() / channels;
                if let Ok(mut q) = queue.lock() {
                    while ready.len() < frames && !q.is_empty() {
                        let n = q.len().min(FRAME);
                        let take: Vec<f32> = q.drain(..n).collect();
                        resampler.run(&take, &mut ready);
                    }
                }
                for frame in data.chunks_mut(channels) {
                    let s = from_f32(ready.pop_front().unwrap_or(0.0));
                    frame.fill(s);
                }
            },
            |e| warn!("speaker: {e}"),
            None,
        )
        .map_err(|e| e.to_string())
}

impl AudioIo {
    /// Opens the microphone and the speaker (by name, or the defaults). Never fails: what
    /// cannot be opened is left out and its reason kept in `problems`.
    pub fn start(input: Option<&str>, output: Option<&str>) -> AudioIo {
        let host = cpal::default_host();
        let mut io = AudioIo {
            mic: Arc::default(),
            speaker: Arc::default(),
            _streams: Vec::new(),
            input: None,
            output: None,
            problems: Vec::new(),
        };
        let mic = find(&host, input, true).and_then(|d| {
            let config = d.default_input_config().map_err(|e| e.to_string())?;
            let stream = match config.sample_format() {
                SampleFormat::F32 => open_input::<f32>(&d, &config.config(), io.mic.clone(), |s| s),
                SampleFormat::I16 => {
                    open_input::<i16>(&d, &config.config(), io.mic.clone(), |s| s as f32 / 32768.0)
                }
                other => Err(format!(
                    "the microphone's sample format {other} is not supported"
                )),
            }?;
            stream.play().map_err(|e| e.to_string())?;
            Ok((d.name().unwrap_or_default(), stream))
        });
        match mic {
            Ok((name, stream)) => {
                info!(device = %name, "microphone open");
                io.input = Some(name);
                io._streams.push(stream);
            }
            Err(e) => io.problems.push(format!("microphone: {e}")),
        }
        let speaker = find(&host, output, false).and_then(|d| {
            let config = d.default_output_config().map_err(|e| e.to_string())?;
            let stream = match config.sample_format() {
                SampleFormat::F32 => {
                    open_output::<f32>(&d, &config.config(), io.speaker.clone(), |s| s)
                }
                SampleFormat::I16 => {
                    open_output::<i16>(&d, &config.config(), io.speaker.clone(), |s| {
                        (s.clamp(-1.0, 1.0) * 32767.0) as i16
                    })
                }
                other => Err(format!(
                    "the speaker's sample format {other} is not supported"
                )),
            }?;
            stream.play().map_err(|e| e.to_string())?;
            Ok((d.name().unwrap_or_default(), stream))
        });
        match speaker {
            Ok((name, stream)) => {
                info!(device = %name, "speaker open");
                io.output = Some(name);
                io._streams.push(stream);
            }
            Err(e) => io.problems.push(format!("speaker: {e}")),
        }
        for p in &io.problems {
            warn!("voice: {p}");
        }
        io
    }

    /// The next 20 ms of the microphone, once there is that much.
    pub fn mic_frame(&self) -> Option<Vec<f32>> {
        let mut q = self.mic.lock().ok()?;
        (q.len() >= FRAME).then(|| q.drain(..FRAME).collect())
    }

    /// Samples waiting for the speaker.
    pub fn queued(&self) -> usize {
        self.speaker.lock().map(|q| q.len()).unwrap_or(0)
    }

    /// Queues samples (16 kHz mono) for the speaker.
    pub fn play(&self, samples: &[f32]) {
        if let Ok(mut q) = self.speaker.lock() {
            q.extend(samples);
            trim(&mut q);
        }
    }
}

/// What [`check`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    pub input: Option<String>,
    pub output: Option<String>,
    pub problems: Vec<String>,
    /// Samples (16 kHz) that came from the microphone, and went to the speaker.
    pub captured: usize,
    pub played: usize,
    pub seconds: f32,
}

/// Opens the devices and runs them for `seconds`: a 440 Hz tone to the speaker, the
/// microphone read. For `madang-client --audio-check` and its test.
pub fn check(input: Option<&str>, output: Option<&str>, seconds: f32) -> CheckReport {
    let io = AudioIo::start(input, output);
    let start = std::time::Instant::now();
    let (mut captured, mut played, mut phase) = (0usize, 0usize, 0f32);
    while start.elapsed().as_secs_f32() < seconds {
        while io.mic_frame().is_some() {
            captured += FRAME;
        }
        if io.output.is_some() {
            let before = io.queued();
            if before < FRAME * 4 {
                let tone: Vec<f32> = (0..FRAME)
                    .map(|_| {
                        phase += 440.0 / RATE as f32;
                        0.2 * (phase * std::f32::consts::TAU).sin()
                    })
                    .collect();
                io.play(&tone);
                played += FRAME;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // What is still queued was not played.
    played = played.saturating_sub(io.queued());
    CheckReport {
        input: io.input.clone(),
        output: io.output.clone(),
        problems: io.problems.clone(),
        captured,
        played,
        seconds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_keeps_the_length_ratio_and_the_shape() {
        let mut r = Resampler::new(48_000, 16_000);
        let input: Vec<f32> = (0..4800).map(|i| (i as f32 / 100.0).sin()).collect();
        let mut out = VecDeque::new();
        for chunk in input.chunks(480) {
            r.run(chunk, &mut out);
        }
        assert!((out.len() as i64 - 1600).abs() <= 2, "{}", out.len());
        let mut up = Resampler::new(16_000, 48_000);
        let mut back = VecDeque::new();
        let v: Vec<f32> = out.iter().copied().collect();
        up.run(&v, &mut back);
        assert!((back.len() as i64 - 4800).abs() <= 6, "{}", back.len());
    }

    #[test]
    fn a_machine_without_sound_devices_still_runs() {
        // Whatever this machine has, starting never panics, and what is missing is said.
        let io = AudioIo::start(Some("no such device"), Some("no such device"));
        assert!(io.input.is_none() && io.output.is_none());
        assert_eq!(io.problems.len(), 2, "{:?}", io.problems);
        assert!(io.mic_frame().is_none());
        io.play(&[0.0; 10]);
    }
}
