//! Proximity voice in the window: the microphone is encoded and sent while you may speak
//! (M turns it off and on; with `--push-to-talk`, only while Space is held; quiet frames are
//! not sent), everyone heard is decoded and mixed, louder the nearer they stand in your bubble,
//! and played (N turns the sound off and on). Without a microphone or a speaker the window
//! runs on and says voice is unavailable.

use std::time::Instant;

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use madang_shared::map::Lang;
use madang_shared::protocol::ConversationKind;

use super::avatars::Speaking;
use super::base::{ClientArgs, FrameSet};
use super::i18n::{Key, t};
use super::net::Net;
use super::talk::TalkUi;
use super::ui::typing;
use crate::audio::AudioIo;
use crate::voice::{FRAME, VoiceDecoders, VoiceEncoder, mix, volume_at};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<MicLevel>();
    app.init_resource::<TestTone>();
    app.add_systems(Startup, open_devices);
    app.add_systems(
        Update,
        (reopen_when_chosen, voice_keys, speak, listen)
            .chain()
            .in_set(FrameSet::Sync)
            .run_if(resource_exists::<VoiceState>),
    );
}

/// Frames below this loudness (RMS) are silence and not sent.
const QUIET: f32 = 0.01;
/// Frames still sent after the voice drops below [`QUIET`] (300 ms), so words are not cut.
const HANGOVER: u32 = 15;
/// Audio kept queued for the speaker (100 ms).
const AHEAD: usize = FRAME * 5;
/// The bubble's reach, for volume by distance.
const REACH: f32 = 3.0;

/// The microphone's loudness of late (RMS, 0 to 1, falling back slowly), for the settings'
/// meter.
#[derive(Resource, Default)]
pub(super) struct MicLevel(pub f32);

/// A test sound asked for in the settings.
#[derive(Resource, Default)]
pub(super) struct TestTone(pub bool);

/// Half a second of a soft 440 Hz tone at the voice's rate (16 kHz).
fn test_tone() -> Vec<f32> {
    (0..8_000)
        .map(|i| {
            let t = i as f32 / 16_000.0;
            let fade = (i.min(8_000 - i) as f32 / 800.0).min(1.0);
            0.2 * fade * (t * 440.0 * std::f32::consts::TAU).sin()
        })
        .collect()
}

/// Another microphone or speaker chosen in the settings: open it.
fn reopen_when_chosen(
    args: Res<ClientArgs>,
    mut voice: ResMut<VoiceState>,
    mut opened: Local<Option<(Option<String>, Option<String>)>>,
) {
    let now = (args.mic.clone(), args.speaker.clone());
    match &*opened {
        None => *opened = Some(now),
        Some(was) if *was != now && args.voice => {
            info!(mic = ?now.0, speaker = ?now.1, "opening the chosen audio devices");
            voice.io = None;
            voice.io = Some(AudioIo::start(now.0.as_deref(), now.1.as_deref()));
            *opened = Some(now);
        }
        Some(_) => {}
    }
}

#[derive(Resource)]
struct VoiceState {
    io: Option<AudioIo>,
    encoder: Option<VoiceEncoder>,
    decoders: VoiceDecoders,
    mic_on: bool,
    sound_on: bool,
    hangover: u32,
}

fn open_devices(mut commands: Commands, args: Res<ClientArgs>) {
    let io = args
        .voice
        .then(|| AudioIo::start(args.mic.as_deref(), args.speaker.as_deref()));
    let encoder = match VoiceEncoder::new() {
        Ok(e) => Some(e),
        Err(e) => {
            warn!("voice: {e}");
            None
        }
    };
    commands.insert_resource(VoiceState {
        io,
        encoder,
        decoders: VoiceDecoders::default(),
        // Nobody is heard before they choose to be: the microphone is off on arrival.
        mic_on: false,
        sound_on: true,
        hangover: 0,
    });
}

fn voice_keys(
    keys: Res<ButtonInput<KeyCode>>,
    focus: Res<InputFocus>,
    fields: Query<(), With<EditableText>>,
    mut voice: ResMut<VoiceState>,
) {
    if typing(&focus, &fields) {
        return;
    }
    if keys.just_pressed(KeyCode::KeyM) {
        voice.mic_on = !voice.mic_on;
    }
    if keys.just_pressed(KeyCode::KeyN) {
        voice.sound_on = !voice.sound_on;
    }
}

fn speak(
    keys: Res<ButtonInput<KeyCode>>,
    args: Res<ClientArgs>,
    focus: Res<InputFocus>,
    fields: Query<(), With<EditableText>>,
    mut voice: ResMut<VoiceState>,
    mut net: ResMut<Net>,
    mut level: ResMut<MicLevel>,
    buttons: Query<(), With<Button>>,
) {
    let voice = &mut *voice;
    let Some(io) = &voice.io else { return };
    level.0 *= 0.9;
    // Space on a button in focus presses the button, it does not talk.
    let held = keys.pressed(KeyCode::Space)
        && !typing(&focus, &fields)
        && !super::keys::on_a_button(&focus, &buttons);
    let open = voice.mic_on && (!args.push_to_talk || held);
    let session = net.session.as_mut().filter(|s| s.is_ready());
    let mut session = session;
    while let Some(frame) = io.mic_frame() {
        let rms = (frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32).sqrt();
        level.0 = level.0.max(rms.min(1.0));
        if rms >= QUIET {
            voice.hangover = HANGOVER;
        } else {
            voice.hangover = voice.hangover.saturating_sub(1);
        }
        if !open || voice.hangover == 0 {
            continue;
        }
        if let (Some(encoder), Some(s)) = (voice.encoder.as_mut(), session.as_deref_mut()) {
            match encoder.encode(&frame) {
                Ok((seq, data)) => s.send_voice(seq, data),
                Err(e) => warn!("voice: {e}"),
            }
        }
    }
}

/// Which audio devices opened.
#[derive(Debug, Clone, Copy)]
struct Devices {
    input: bool,
    output: bool,
}

/// The voice line of the HUD: whether the microphone is on (and how to turn it on when it is
/// off) and whether sound plays. The reasons a device failed are in the log; the screen says
/// it short.
fn voice_line(lang: Lang, dev: Devices, mic_on: bool, sound_on: bool, ptt: bool) -> String {
    if !dev.input && !dev.output {
        return t(lang, Key::VoiceOff).to_owned();
    }
    let mut parts = vec![t(lang, Key::VoiceOn).to_owned()];
    if !dev.input {
        parts.push(t(lang, Key::Muted).to_owned());
    } else if !mic_on {
        parts.push(format!(
            "{} ({})",
            t(lang, Key::Muted),
            t(lang, Key::MicOnHint)
        ));
    } else if ptt {
        parts.push(t(lang, Key::PushToTalk).to_owned());
    } else {
        parts.push(t(lang, Key::MicOn).to_owned());
    }
    if !dev.output || !sound_on {
        parts.push(t(lang, Key::Deafened).to_owned());
    }
    parts.join(" · ")
}

fn listen(
    mut voice: ResMut<VoiceState>,
    mut net: ResMut<Net>,
    mut talk: ResMut<TalkUi>,
    mut speaking: ResMut<Speaking>,
    args: Res<ClientArgs>,
    prefs: Res<super::base::Prefs>,
    mut tone: ResMut<TestTone>,
) {
    let voice = &mut *voice;
    let volume = prefs.settings.volume as f32 / 100.0;
    if std::mem::take(&mut tone.0)
        && let Some(io) = voice.io.as_ref().filter(|io| io.output.is_some())
    {
        io.play(&test_tone());
    }
    let lang = args.lang;
    talk.voice_line = match &voice.io {
        None => String::new(),
        Some(io) => voice_line(
            lang,
            Devices {
                input: io.input.is_some(),
                output: io.output.is_some(),
            },
            voice.mic_on,
            voice.sound_on,
            args.push_to_talk,
        ),
    };
    let Some(session) = net.session.as_mut() else {
        return;
    };
    let now = Instant::now();
    for (from, seq, data) in session.talk.voice.drain(..) {
        if voice.decoders.push(from, seq, &data).is_ok() {
            speaking.0.push((from, now));
        }
    }
    voice.decoders.retain(|id| session.others.contains_key(&id));
    let Some(io) = voice.io.as_ref().filter(|io| io.output.is_some()) else {
        // Nothing to play on: drop what was decoded.
        let ids: Vec<_> = voice.decoders.speaking().collect();
        for id in ids {
            voice.decoders.take(id, usize::MAX);
        }
        return;
    };
    let me = session.me.as_ref().map(|m| m.pos);
    let in_bubble = session
        .talk
        .conversation
        .as_ref()
        .is_some_and(|c| c.kind == ConversationKind::Bubble);
    while io.queued() < AHEAD {
        let speakers: Vec<_> = voice.decoders.speaking().collect();
        if speakers.is_empty() {
            break;
        }
        let mut taken = Vec::new();
        for id in speakers {
            let samples = voice.decoders.take(id, FRAME);
            // Louder the nearer, inside a bubble; tables and the stage at full volume.
            let gain = match (in_bubble, me, session.remote_render_pos(id)) {
                (true, Some(a), Some(b)) => volume_at(a.distance(b), REACH),
                _ => 1.0,
            };
            taken.push((samples, gain * volume));
        }
        let mut out = vec![0.0f32; FRAME];
        let voices: Vec<(&[f32], f32)> = taken.iter().map(|(s, g)| (s.as_slice(), *g)).collect();
        mix(&mut out, &voices);
        if voice.sound_on {
            io.play(&out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: Devices = Devices {
        input: true,
        output: true,
    };

    #[test]
    fn the_microphone_is_off_on_arrival_and_the_line_says_how_to_turn_it_on() {
        let state = |mic_on| voice_line(Lang::Ko, BOTH, mic_on, true, false);
        assert_eq!(state(false), "음성 · 마이크 꺼짐 (M 키로 켜기)");
        assert_eq!(state(true), "음성 · 마이크 켜짐");
        assert_eq!(
            voice_line(Lang::En, BOTH, false, true, false),
            "Voice · Mic off (M to turn on)"
        );
        assert_eq!(
            voice_line(Lang::En, BOTH, true, true, true),
            "Voice · Hold Space to talk"
        );
        assert_eq!(
            voice_line(
                Lang::En,
                Devices {
                    input: false,
                    output: false
                },
                false,
                true,
                false
            ),
            "Voice unavailable (no microphone or speaker)"
        );
    }
}
