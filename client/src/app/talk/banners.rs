//! What the whole room does and what the server tells you: the audience's reactions (1, 2, 3)
//! and notices (a full table, being muted) across the top, and emotes (4 to 9) floating over
//! the people who show them.

use std::time::{Duration, Instant};

use bevy::prelude::*;
use madang_shared::map::Lang;
use madang_shared::protocol::{AvatarId, Emote};

use super::TalkUi;
use crate::app::base::{ClientArgs, Phase, to_world};
use crate::app::i18n::{Key, t};
use crate::app::net::Net;
use crate::app::ui::font;

#[derive(Component)]
pub(super) struct Banner;
/// An emote floating over someone, until when.
#[derive(Component)]
pub(super) struct EmoteFloat(AvatarId, Instant);

/// How long an emote stays up.
const EMOTE_TIME: Duration = Duration::from_secs(3);

fn emote_text(lang: Lang, e: Emote) -> &'static str {
    match (lang, e) {
        (Lang::Ko, Emote::Wave) => "안녕!",
        (Lang::En, Emote::Wave) => "Hi!",
        (Lang::Ko, Emote::Laugh) => "ㅋㅋ",
        (Lang::En, Emote::Laugh) => "Haha",
        (_, Emote::Heart) => "♥",
        (_, Emote::Star) => "★",
        (_, Emote::Question) => "?",
        (_, Emote::Exclaim) => "!",
    }
}

pub(super) fn spawn(mut commands: Commands) {
    // Reactions and notices, top centre.
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        Banner,
        Text::new(""),
        font(18.0),
        TextColor(Color::srgb(1.0, 0.9, 0.55)),
        TextLayout::justify(Justify::Center),
        Node {
            position_type: PositionType::Absolute,
            top: px(60.0),
            width: percent(100.0),
            justify_content: JustifyContent::Center,
            ..default()
        },
    ));
}

pub(super) fn show_banners(
    ui: Res<TalkUi>,
    args: Res<ClientArgs>,
    mut banner: Query<&mut Text, With<Banner>>,
) {
    let lang = args.lang;
    let mut sums = [0u32; 3];
    for (_, counts) in &ui.reactions {
        for (s, c) in sums.iter_mut().zip(counts) {
            *s += c;
        }
    }
    let mut lines = Vec::new();
    if sums != [0; 3] {
        let names = [Key::Applause, Key::HeartReaction, Key::Cheer];
        let parts: Vec<String> = names
            .iter()
            .zip(sums)
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{} ×{n}", t(lang, *k)))
            .collect();
        lines.push(parts.join("   "));
    }
    for (_, n) in &ui.notices {
        lines.push(n.clone());
    }
    let joined = lines.join("\n");
    for mut text in &mut banner {
        if text.0 != joined {
            text.0 = joined.clone();
        }
    }
}

/// Emotes float over the people who show them for a few seconds.
pub(super) fn show_emotes(
    mut commands: Commands,
    mut net: ResMut<Net>,
    args: Res<ClientArgs>,
    mut floats: Query<(Entity, &EmoteFloat, &mut Transform)>,
) {
    let Some(session) = net.session.as_mut() else {
        return;
    };
    let now = Instant::now();
    for (who, emote) in session.talk.emotes.drain(..) {
        commands.spawn((
            EmoteFloat(who, now),
            Text2d::new(emote_text(args.lang, emote)),
            font(20.0),
            TextColor(Color::srgb(1.0, 0.85, 0.3)),
            bevy::text::TextBackgroundColor(Color::srgba(0.1, 0.1, 0.15, 0.85)),
            Transform::from_xyz(0.0, 0.0, 150.0),
        ));
    }
    let me = session.me.as_ref().map(|m| m.id);
    for (e, float, mut tf) in &mut floats {
        let pos = if Some(float.0) == me {
            session.my_render_pos(1.0)
        } else {
            session.remote_render_pos(float.0)
        };
        match pos {
            Some(p) if now - float.1 < EMOTE_TIME => {
                let rise = (now - float.1).as_secs_f32() * 6.0;
                tf.translation = (to_world(p) + Vec2::new(0.0, 52.0 + rise)).extend(150.0);
            }
            _ => commands.entity(e).despawn(),
        }
    }
}
