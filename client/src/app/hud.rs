//! The heads-up display: connection state (connecting, connected, lost with the reason), the
//! hall you are in, how many people are near, and the controls.

use bevy::prelude::*;

use super::base::{ClientArgs, FrameSet};
use super::i18n::{Key, t};
use super::net::Net;
use super::ui::font;
use crate::session::ConnState;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(super::base::Phase::Hall), spawn_hud);
    app.add_systems(Update, update_status.in_set(FrameSet::View));
}

#[derive(Component)]
struct StatusText;

fn spawn_hud(mut commands: Commands, args: Res<ClientArgs>) {
    // Top right: the top left of a hall is often its wall of kiosks.
    let panel = Node {
        position_type: PositionType::Absolute,
        right: px(12.0),
        top: px(12.0),
        padding: UiRect::all(px(8.0)),
        ..default()
    };
    commands
        .spawn((
            DespawnOnExit(super::base::Phase::Hall),
            panel,
            BackgroundColor(Color::srgba(0.05, 0.06, 0.09, 0.8)),
        ))
        .with_child((
            Text::new(t(args.lang, Key::Connecting)),
            font(16.0),
            TextColor(Color::WHITE),
            StatusText,
        ));
    commands
        .spawn((
            DespawnOnExit(super::base::Phase::Hall),
            Node {
                position_type: PositionType::Absolute,
                left: px(12.0),
                bottom: px(12.0),
                padding: UiRect::all(px(6.0)),
                ..default()
            },
            BackgroundColor(Color::srgba(0.05, 0.06, 0.09, 0.6)),
        ))
        .with_child((
            Text::new(t(args.lang, Key::Controls)),
            font(14.0),
            TextColor(Color::srgb(0.85, 0.87, 0.9)),
        ));
}

fn update_status(
    net: Res<Net>,
    args: Res<ClientArgs>,
    panel: Res<super::booth::Panel>,
    talk: Res<super::talk::TalkUi>,
    mut text: Query<(&mut Text, &mut TextColor), With<StatusText>>,
) {
    let lang = args.lang;
    let (line, color) = match net.state() {
        ConnState::Connecting => (
            t(lang, Key::Connecting).to_owned(),
            Color::srgb(1.0, 0.85, 0.3),
        ),
        ConnState::Connected => {
            let session = net.session.as_ref();
            let hall = session
                .and_then(|s| s.hall_map.as_ref())
                .map(|m| m.title.get(lang).to_owned())
                .or_else(|| session.and_then(|s| s.hall_id().map(str::to_owned)))
                .unwrap_or_default();
            let near = session.map(|s| s.others.len()).unwrap_or(0);
            (
                format!(
                    "{} · {hall} · {} {near}",
                    t(lang, Key::Connected),
                    t(lang, Key::PeopleNear)
                ),
                Color::srgb(0.6, 1.0, 0.6),
            )
        }
        ConnState::Lost(why) => (
            format!(
                "{}: {}\n{}",
                t(lang, Key::Lost),
                super::i18n::lost_why(lang, &why),
                match net.retry_in() {
                    Some(wait) =>
                        super::i18n::reconnecting_in(lang, wait.as_secs_f32().ceil() as u64),
                    None => t(lang, Key::RetryHint).to_owned(),
                }
            ),
            Color::srgb(1.0, 0.5, 0.45),
        ),
    };
    // The timetable: what is on now and next, counting down.
    let mut line = line;
    // A booth's panel covers the conversation box: the microphone's state stays in sight here.
    if panel.open.is_some() && !talk.voice_line.is_empty() {
        line = format!("{line}\n{}", talk.voice_line);
    }
    if let Some(session) = net.session.as_ref() {
        let now = session.wall_now_ms();
        let title = |e: &madang_shared::protocol::ScheduleEntry| {
            if lang == madang_shared::map::Lang::En && !e.title_en.is_empty() {
                e.title_en.clone()
            } else {
                e.title.clone()
            }
        };
        let (on, next) = session.now_and_next();
        let mut parts = Vec::new();
        if let Some(e) = on {
            let left = super::i18n::time_left(lang, e.ends - now);
            parts.push(match lang {
                madang_shared::map::Lang::Ko => format!("지금: {} ({left})", title(e)),
                madang_shared::map::Lang::En => format!("Now: {} ({left})", title(e)),
            });
        }
        if let Some(e) = next {
            let when = super::i18n::starts_in(lang, e.starts - now);
            parts.push(match lang {
                madang_shared::map::Lang::Ko => format!("다음: {} ({when})", title(e)),
                madang_shared::map::Lang::En => format!("Next: {} ({when})", title(e)),
            });
        }
        if !parts.is_empty() {
            line = format!("{line}\n{}", parts.join(" · "));
        }
    }
    for (mut text, mut c) in &mut text {
        if text.0 != line {
            text.0 = line.clone();
        }
        c.0 = color;
    }
}
