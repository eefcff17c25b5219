//! Your conversation: a box at the bottom right saying who is in it (♪ beside whoever
//! speaks), whether it is locked, who is on stage, and the floor at a table; and an outline
//! around its people in the hall.

use bevy::prelude::*;
use madang_shared::protocol::{AvatarId, ConversationKind};

use super::TalkUi;
use crate::app::avatars::Speaking;
use crate::app::base::{ClientArgs, Phase, to_world};
use crate::app::booth::Panel;
use crate::app::i18n::{Key, t};
use crate::app::net::Net;
use crate::app::ui::{DIM, INK, text};
use crate::session::Session;

#[derive(Component)]
pub(super) struct ConversationBox;
#[derive(Component)]
pub(super) struct ConversationText;
#[derive(Component)]
pub(super) struct OutlineEdge(usize);

pub(super) fn spawn(mut commands: Commands, args: Res<ClientArgs>) {
    let lang = args.lang;
    // Your conversation, bottom right.
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        ConversationBox,
        Node {
            position_type: PositionType::Absolute,
            right: px(12.0),
            bottom: px(12.0),
            // A width of its own: wrapped text in a box that only has a maximum is measured at
            // its narrowest, and the box comes out too short for it.
            width: px(360.0),
            padding: UiRect::all(px(8.0)),
            flex_direction: FlexDirection::Column,
            row_gap: px(2.0),
            ..default()
        },
        BackgroundColor(Color::srgba(0.05, 0.06, 0.09, 0.8)),
        children![
            (text("", 14.0, INK), ConversationText),
            text(t(lang, Key::TalkKeys), 14.0, DIM),
            text(t(lang, Key::EmoteKeys), 14.0, DIM),
        ],
    ));
    // The outline around your conversation: four edges.
    for i in 0..4 {
        commands.spawn((
            DespawnOnExit(Phase::Hall),
            OutlineEdge(i),
            Sprite::from_color(Color::NONE, Vec2::ONE),
            Transform::default(),
            Visibility::Hidden,
        ));
    }
}

/// A name for an avatar id: yours, someone in view, or the id.
fn name_of(session: &Session, id: AvatarId) -> String {
    if session.me.as_ref().is_some_and(|m| m.id == id) {
        return session.join.name.clone();
    }
    session
        .others
        .get(&id)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| format!("#{}", id.0))
}

pub(super) fn show_conversation(
    net: Res<Net>,
    ui: Res<TalkUi>,
    speaking: Res<Speaking>,
    args: Res<ClientArgs>,
    panel: Res<Panel>,
    mut boxes: Query<&mut Node, With<ConversationBox>>,
    mut text: Query<&mut Text, With<ConversationText>>,
) {
    let lang = args.lang;
    // The booth panel takes the right side while it is open.
    for mut node in &mut boxes {
        let d = if panel.open.is_some() {
            Display::None
        } else {
            Display::Flex
        };
        if node.display != d {
            node.display = d;
        }
    }
    let Some(session) = net.session.as_ref() else {
        return;
    };
    let mut lines = Vec::new();
    let me = session.me.as_ref().map(|m| m.id);
    match &session.talk.conversation {
        None => {}
        Some(c) if c.kind == ConversationKind::Alone => {
            lines.push(t(lang, Key::Alone).to_owned());
        }
        Some(c) => {
            let head = match &c.kind {
                ConversationKind::Area(id) => format!("{} {id}", t(lang, Key::AtTable)),
                _ => t(lang, Key::InBubble).to_owned(),
            };
            let names: Vec<String> = c
                .members
                .iter()
                .filter(|id| Some(**id) != me)
                .map(|id| {
                    let speaking = speaking.0.iter().any(|(s, _)| s == id);
                    format!(
                        "{}{}",
                        if speaking { "♪ " } else { "" },
                        name_of(session, *id)
                    )
                })
                .collect();
            let more = c.total as usize - c.members.len().min(c.total as usize);
            let lock = if c.locked {
                format!(" ({})", t(lang, Key::Locked))
            } else {
                String::new()
            };
            let mut line = format!("{head}{lock}: {}", names.join(", "));
            if more > 0 {
                line.push_str(&format!(" +{more}"));
            }
            lines.push(line);
        }
    }
    let at_area = match session.talk.conversation.as_ref().map(|c| &c.kind) {
        Some(ConversationKind::Area(id)) => Some(id.clone()),
        _ => None,
    };
    if let (Some(area), Some(floor)) = (at_area, session.talk.floor.as_ref())
        && floor.area == area
    {
        let mut line = String::new();
        if let Some(s) = floor.speaker {
            line.push_str(&format!(
                "{}: {}",
                t(lang, Key::FloorSpeaker),
                name_of(session, s)
            ));
        }
        if !floor.queue.is_empty() {
            let names: Vec<String> = floor.queue.iter().map(|id| name_of(session, *id)).collect();
            if !line.is_empty() {
                line.push_str(" · ");
            }
            line.push_str(&format!(
                "{}: {}",
                t(lang, Key::FloorQueue),
                names.join(", ")
            ));
        }
        if let Some(left) = session.floor_timer_left() {
            let secs = left.ceil() as u32;
            line.push_str(&format!(
                " · {} {}:{:02}",
                t(lang, Key::FloorTimer),
                secs / 60,
                secs % 60
            ));
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines.push(t(lang, Key::FloorKeys).to_owned());
    }
    if !session.talk.on_stage.is_empty() {
        let names: Vec<String> = session
            .talk
            .on_stage
            .iter()
            .map(|id| name_of(session, *id))
            .collect();
        lines.push(format!("★ {}: {}", t(lang, Key::OnStage), names.join(", ")));
    }
    if !ui.voice_line.is_empty() {
        lines.push(ui.voice_line.clone());
    }
    let joined = lines.join("\n");
    for mut t in &mut text {
        if t.0 != joined {
            t.0 = joined.clone();
        }
    }
}

/// Outlines the people of your conversation (not when alone).
pub(super) fn draw_outline(
    net: Res<Net>,
    mut edges: Query<(&OutlineEdge, &mut Sprite, &mut Transform, &mut Visibility)>,
) {
    let session = net.session.as_ref();
    let conv = session.and_then(|s| s.talk.conversation.as_ref());
    let points: Vec<Vec2> = match (session, conv) {
        (Some(s), Some(c)) if c.kind != ConversationKind::Alone => c
            .members
            .iter()
            .filter_map(|id| {
                if s.me.as_ref().is_some_and(|m| m.id == *id) {
                    s.my_render_pos(1.0)
                } else {
                    s.remote_render_pos(*id)
                }
            })
            .map(to_world)
            .collect(),
        _ => Vec::new(),
    };
    if points.len() < 2 {
        for (_, _, _, mut v) in &mut edges {
            *v = Visibility::Hidden;
        }
        return;
    }
    let (kind, locked) = conv
        .map(|c| (c.kind.clone(), c.locked))
        .unwrap_or((ConversationKind::Alone, false));
    let color = match (kind, locked) {
        (ConversationKind::Area(_), _) => Color::srgba(0.2, 0.8, 0.8, 0.8),
        (_, true) => Color::srgba(1.0, 0.6, 0.2, 0.85),
        _ => Color::srgba(0.55, 0.8, 1.0, 0.75),
    };
    let min = points.iter().fold(Vec2::splat(f32::MAX), |a, p| a.min(*p)) - Vec2::splat(22.0);
    let max = points.iter().fold(Vec2::splat(f32::MIN), |a, p| a.max(*p)) + Vec2::new(22.0, 40.0);
    let size = max - min;
    let centre = (min + max) / 2.0;
    let w = 2.0;
    for (edge, mut sprite, mut tf, mut v) in &mut edges {
        let (offset, dims) = match edge.0 {
            0 => (Vec2::new(0.0, size.y / 2.0), Vec2::new(size.x, w)),
            1 => (Vec2::new(0.0, -size.y / 2.0), Vec2::new(size.x, w)),
            2 => (Vec2::new(-size.x / 2.0, 0.0), Vec2::new(w, size.y)),
            _ => (Vec2::new(size.x / 2.0, 0.0), Vec2::new(w, size.y)),
        };
        sprite.color = color;
        sprite.custom_size = Some(dims);
        tf.translation = (centre + offset).extend(90.0);
        *v = Visibility::Inherited;
    }
}
