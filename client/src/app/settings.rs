//! The settings panel (the button at the top, or F10), while connected: the language (the
//! whole window is drawn again in it at once), the size of text and buttons (100–200 %), the
//! others' voices' volume, push-to-talk, and the microphone and speaker, with a level meter and
//! a test sound. Every change is remembered ([`crate::settings`]). Esc or F10 closes it.

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use bevy::ui::FocusPolicy;
use madang_shared::map::Lang;

use super::base::{ClientArgs, FrameSet, Phase, Prefs};
use super::i18n::{Key, lang_code, t};
use super::ui::{CaptureMark, font, typing};
use super::ui::{Tr, set_display, small_button};
use super::voice::{MicLevel, TestTone};
use crate::settings::UI_SCALES;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<SettingsPanel>();
    app.add_systems(OnEnter(Phase::Hall), spawn_settings);
    app.add_systems(
        Update,
        (settings_keys, settings_buttons, show_settings)
            .chain()
            .in_set(FrameSet::View)
            .run_if(in_state(Phase::Hall)),
    );
}

#[derive(Resource, Default)]
pub struct SettingsPanel {
    pub open: bool,
    /// The devices to choose from, read when the panel opens.
    mics: Vec<String>,
    speakers: Vec<String>,
}

#[derive(Component)]
struct SettingsRoot;
#[derive(Component)]
struct SettingsToggle;
#[derive(Component, Clone, Copy, PartialEq)]
enum Choose {
    Lang(Lang),
    Scale(i32),
    Volume(i32),
    PushToTalk,
    Mic(i32),
    Speaker(i32),
    TestSound,
    Close,
}
/// A value shown in a row.
#[derive(Component, Clone, Copy)]
enum Shows {
    Scale,
    Volume,
    PushToTalk,
    Mic,
    Speaker,
    Level,
}

fn spawn_settings(mut commands: Commands, args: Res<ClientArgs>) {
    let lang = args.lang;
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        Node {
            position_type: PositionType::Absolute,
            top: px(12.0),
            left: percent(50.0),
            ..default()
        },
        children![small_button(SettingsToggle, t(lang, Key::Settings))],
    ));
    let label = |key: Key| {
        (
            Text::new(t(lang, key)),
            Tr(key),
            font(16.0),
            TextColor(Color::srgb(0.82, 0.85, 0.9)),
            // A fixed height too: a text's own measure of its height can run tall and push it
            // off its row.
            Node {
                width: px(230.0),
                height: px(22.0),
                flex_shrink: 0.0,
                ..default()
            },
        )
    };
    let value = |shows: Shows| {
        (
            Text::new(""),
            shows,
            font(16.0),
            TextColor(Color::WHITE),
            Node {
                min_width: px(70.0),
                height: px(22.0),
                flex_shrink: 0.0,
                ..default()
            },
        )
    };
    let row = || Node {
        flex_direction: FlexDirection::Row,
        align_items: AlignItems::Center,
        column_gap: px(8.0),
        height: px(34.0),
        ..default()
    };
    commands
        .spawn((
            DespawnOnExit(Phase::Hall),
            SettingsRoot,
            super::keys::FocusScope,
            Interaction::default(),
            FocusPolicy::Block,
            GlobalZIndex(70),
            Node {
                position_type: PositionType::Absolute,
                width: percent(100.0),
                height: percent(100.0),
                justify_content: JustifyContent::Center,
                align_items: AlignItems::Center,
                display: Display::None,
                ..default()
            },
            BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.45)),
        ))
        .with_children(|screen| {
            screen
                .spawn((
                    CaptureMark("settings-panel"),
                    Node {
                        flex_direction: FlexDirection::Column,
                        row_gap: px(6.0),
                        padding: UiRect::all(px(22.0)),
                        width: px(620.0),
                        ..default()
                    },
                    BackgroundColor(Color::srgb(0.14, 0.16, 0.21)),
                ))
                .with_children(|p| {
                    p.spawn((
                        Text::new(t(lang, Key::Settings)),
                        font(22.0),
                        TextColor(Color::WHITE),
                    ));
                    p.spawn(row()).with_children(|r| {
                        r.spawn(label(Key::SettingsLanguage));
                        r.spawn((
                            small_button(Choose::Lang(Lang::Ko), "한국어"),
                            CaptureMark("settings-ko"),
                        ));
                        r.spawn((
                            small_button(Choose::Lang(Lang::En), "English"),
                            CaptureMark("settings-en"),
                        ));
                    });
                    p.spawn(row()).with_children(|r| {
                        r.spawn(label(Key::SettingsScale));
                        r.spawn(small_button(Choose::Scale(-1), "-"));
                        r.spawn(value(Shows::Scale));
                        r.spawn((
                            small_button(Choose::Scale(1), "+"),
                            CaptureMark("settings-scale-up"),
                        ));
                    });
                    p.spawn(row()).with_children(|r| {
                        r.spawn(label(Key::SettingsVolume));
                        r.spawn(small_button(Choose::Volume(-1), "-"));
                        r.spawn(value(Shows::Volume));
                        r.spawn(small_button(Choose::Volume(1), "+"));
                    });
                    p.spawn(row()).with_children(|r| {
                        r.spawn(label(Key::SettingsPushToTalk));
                        r.spawn(small_button(Choose::PushToTalk, "○"));
                        r.spawn(value(Shows::PushToTalk));
                    });
                    p.spawn(row()).with_children(|r| {
                        r.spawn(label(Key::SettingsMic));
                        r.spawn(small_button(Choose::Mic(-1), "<"));
                        r.spawn(small_button(Choose::Mic(1), ">"));
                        r.spawn(value(Shows::Mic));
                    });
                    p.spawn(row()).with_children(|r| {
                        r.spawn(label(Key::SettingsLevel));
                        r.spawn(value(Shows::Level));
                    });
                    p.spawn(row()).with_children(|r| {
                        r.spawn(label(Key::SettingsSpeaker));
                        r.spawn(small_button(Choose::Speaker(-1), "<"));
                        r.spawn(small_button(Choose::Speaker(1), ">"));
                        r.spawn(value(Shows::Speaker));
                    });
                    p.spawn(row()).with_children(|r| {
                        r.spawn(small_button(
                            Choose::TestSound,
                            t(lang, Key::SettingsTestSound),
                        ));
                        r.spawn(small_button(Choose::Close, t(lang, Key::Close)));
                    });
                });
        });
}

fn settings_keys(
    keys: Res<ButtonInput<KeyCode>>,
    focus: Res<InputFocus>,
    fields: Query<(), With<EditableText>>,
    toggle: Query<&Interaction, (Changed<Interaction>, With<SettingsToggle>)>,
    mut panel: ResMut<SettingsPanel>,
) {
    let flip = keys.just_pressed(KeyCode::F10) || toggle.iter().any(|i| *i == Interaction::Pressed);
    if flip {
        panel.open = !panel.open;
    } else if panel.open && keys.just_pressed(KeyCode::Escape) && !typing(&focus, &fields) {
        panel.open = false;
    }
    if flip && panel.open {
        let (mics, speakers) = crate::audio::device_names();
        panel.mics = mics;
        panel.speakers = speakers;
    }
}

/// The next choice in a list of devices, where `None` is the default before the first.
fn cycle(names: &[String], now: Option<&str>, by: i32) -> Option<String> {
    let n = names.len() as i32 + 1;
    let at = now
        .and_then(|d| names.iter().position(|x| x == d))
        .map_or(0, |i| i as i32 + 1);
    let next = (at + by).rem_euclid(n);
    (next > 0).then(|| names[next as usize - 1].clone())
}

/// The UI scale one step up or down.
fn scale_step(now: u16, by: i32) -> u16 {
    let at = UI_SCALES.iter().position(|s| *s == now).unwrap_or(0) as i32;
    UI_SCALES[(at + by).clamp(0, UI_SCALES.len() as i32 - 1) as usize]
}

#[allow(clippy::too_many_arguments)]
fn settings_buttons(
    pressed: Query<(&Interaction, &Choose), Changed<Interaction>>,
    mut panel: ResMut<SettingsPanel>,
    mut args: ResMut<ClientArgs>,
    mut prefs: ResMut<Prefs>,
    mut tone: ResMut<TestTone>,
    mut next: ResMut<NextState<Phase>>,
) {
    for (i, choose) in &pressed {
        if *i != Interaction::Pressed {
            continue;
        }
        let s = &mut prefs.settings;
        match *choose {
            Choose::Lang(l) => {
                if args.lang != l {
                    args.lang = l;
                    s.lang = Some(lang_code(l).to_owned());
                    // Everything is drawn again in the new language (the connection stays).
                    next.set(Phase::Hall);
                }
            }
            Choose::Scale(by) => s.ui_scale = scale_step(s.ui_scale, by),
            Choose::Volume(by) => s.volume = (s.volume as i32 + by * 10).clamp(0, 200) as u16,
            Choose::PushToTalk => {
                args.push_to_talk = !args.push_to_talk;
                s.push_to_talk = args.push_to_talk;
            }
            Choose::Mic(by) => {
                args.mic = cycle(&panel.mics, args.mic.as_deref(), by);
                s.mic = args.mic.clone();
            }
            Choose::Speaker(by) => {
                args.speaker = cycle(&panel.speakers, args.speaker.as_deref(), by);
                s.speaker = args.speaker.clone();
            }
            Choose::TestSound => tone.0 = true,
            Choose::Close => panel.open = false,
        }
        prefs.save();
    }
}

fn show_settings(
    panel: Res<SettingsPanel>,
    args: Res<ClientArgs>,
    prefs: Res<Prefs>,
    level: Res<MicLevel>,
    mut root: Query<&mut Node, With<SettingsRoot>>,
    mut values: Query<(&Shows, &mut Text)>,
) {
    for mut node in &mut root {
        set_display(&mut node, panel.open);
    }
    if !panel.open {
        return;
    }
    let lang = args.lang;
    let device = |d: &Option<String>| {
        d.clone()
            .unwrap_or_else(|| t(lang, Key::SettingsDefaultDevice).to_owned())
    };
    for (shows, mut text) in &mut values {
        let want = match shows {
            Shows::Scale => format!("{} %", prefs.settings.ui_scale),
            Shows::Volume => format!("{} %", prefs.settings.volume),
            Shows::PushToTalk => {
                t(lang, if args.push_to_talk { Key::On } else { Key::Off }).to_owned()
            }
            Shows::Mic => device(&args.mic),
            Shows::Speaker => device(&args.speaker),
            Shows::Level => {
                let bars = ((level.0 * 4.0).sqrt() * 20.0).clamp(0.0, 20.0) as usize;
                format!("{}{}", "■".repeat(bars), "□".repeat(20 - bars))
            }
        };
        if text.0 != want {
            text.0 = want;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_cycle_through_the_default_and_every_name() {
        let names = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(cycle(&names, None, 1), Some("a".into()));
        assert_eq!(cycle(&names, Some("a"), 1), Some("b".into()));
        assert_eq!(cycle(&names, Some("b"), 1), None, "back to the default");
        assert_eq!(cycle(&names, None, -1), Some("b".into()));
        assert_eq!(cycle(&names, Some("gone"), 1), Some("a".into()));
        assert_eq!(cycle(&[], None, 1), None);
    }

    #[test]
    fn the_scale_moves_by_steps_and_stays_in_range() {
        assert_eq!(scale_step(100, 1), 125);
        assert_eq!(scale_step(100, -1), 100);
        assert_eq!(scale_step(200, 1), 200);
        assert_eq!(scale_step(150, -1), 125);
    }
}
