//! The chat: a log of the kept history with times in the expo's clock (it follows the newest
//! line unless scrolled back: the wheel, or PageUp / PageDown while writing), a field (Enter
//! writes, Enter sends, Tab changes the scope between near, room and stage), and whispers
//! (`@name text`).

use std::time::Instant;

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use madang_shared::map::Lang;
use madang_shared::protocol::{AvatarId, CHAT_MAX_CHARS};
use madang_shared::talk::ChatScope;

use super::TalkUi;
use crate::app::base::{ClientArgs, Phase};
use crate::app::i18n::{Key, t};
use crate::app::net::Net;
use crate::app::ui::{BUTTON, CaptureMark, DIM, INK, font, text, text_field};
use crate::session::Session;

/// The chat log's height: about eight lines; the rest of the kept history scrolls (the
/// wheel over it, or PageUp / PageDown while writing).
const LOG_HEIGHT: f32 = 150.0;
/// How far PageUp and PageDown scroll the log.
const LOG_PAGE: f32 = 120.0;

#[derive(Component)]
pub(super) struct ChatLog;
#[derive(Component)]
pub(super) struct ChatField;
#[derive(Component)]
pub(super) struct ScopeButton;
#[derive(Component)]
pub(super) struct ScopeLabel;

fn scope_name(lang: Lang, scope: ChatScope) -> &'static str {
    match scope {
        ChatScope::Near => t(lang, Key::ChatNear),
        ChatScope::Room => t(lang, Key::ChatRoom),
        ChatScope::Stage => t(lang, Key::ChatStage),
        ChatScope::Direct(_) => t(lang, Key::ChatDirect),
    }
}

fn scope_color(scope: ChatScope) -> Color {
    match scope {
        ChatScope::Near => Color::srgb(0.65, 0.85, 1.0),
        ChatScope::Room => Color::srgb(0.85, 0.85, 0.85),
        ChatScope::Stage => Color::srgb(1.0, 0.85, 0.4),
        ChatScope::Direct(_) => Color::srgb(0.95, 0.6, 0.95),
    }
}

pub(super) fn spawn(mut commands: Commands, args: Res<ClientArgs>) {
    let lang = args.lang;
    // The chat, bottom left above the controls line.
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        Interaction::default(),
        bevy::ui::FocusPolicy::Block,
        Node {
            position_type: PositionType::Absolute,
            left: px(12.0),
            bottom: px(46.0),
            width: px(430.0),
            flex_direction: FlexDirection::Column,
            row_gap: px(4.0),
            padding: UiRect::all(px(6.0)),
            ..default()
        },
        BackgroundColor(Color::srgba(0.05, 0.06, 0.09, 0.92)),
        children![
            (
                ChatLog,
                CaptureMark("chat-log"),
                bevy::ui_widgets::ScrollArea,
                Node {
                    flex_direction: FlexDirection::Column,
                    max_height: px(LOG_HEIGHT),
                    overflow: Overflow::scroll_y(),
                    ..default()
                },
            ),
            (
                Node {
                    flex_direction: FlexDirection::Row,
                    column_gap: px(4.0),
                    ..default()
                },
                children![
                    (
                        Button,
                        ScopeButton,
                        Node {
                            padding: UiRect::axes(px(8.0), px(4.0)),
                            ..default()
                        },
                        BackgroundColor(BUTTON),
                        children![(text(t(lang, Key::ChatNear), 14.0, INK), ScopeLabel)],
                    ),
                    text_field(ChatField, "", CHAT_MAX_CHARS, 14.0),
                ],
            ),
            text(t(lang, Key::ChatHint), 14.0, DIM),
        ],
    ));
}

/// `@name rest`: the person (near you) whose name the text starts with, longest first.
fn direct_target(session: &Session, text: &str) -> Option<(AvatarId, String)> {
    let rest = text.strip_prefix('@')?;
    session
        .others
        .iter()
        .filter(|(_, r)| rest.starts_with(r.name.as_str()))
        .max_by_key(|(_, r)| r.name.len())
        .map(|(id, r)| (*id, rest[r.name.len()..].trim().to_owned()))
}

pub(super) fn send_chat(
    keys: Res<ButtonInput<KeyCode>>,
    mut fields: Query<(Entity, &mut EditableText), With<ChatField>>,
    focus: Res<InputFocus>,
    args: Res<ClientArgs>,
    mut ui: ResMut<TalkUi>,
    mut net: ResMut<Net>,
) {
    let Ok((entity, mut field)) = fields.single_mut() else {
        return;
    };
    if focus.get() != Some(entity) || !keys.just_pressed(KeyCode::Enter) || field.is_composing() {
        return;
    }
    let text = field.value().to_string();
    let Some(session) = net.session.as_mut() else {
        return;
    };
    if text.trim().is_empty() {
        return;
    }
    if text.starts_with('@') {
        match direct_target(session, &text) {
            Some((to, body)) if !body.is_empty() => {
                let req = session.chat(ChatScope::Direct(to), &body);
                ui.asked.push(req);
            }
            _ => {
                ui.notices
                    .push_back((Instant::now(), t(args.lang, Key::NoSuchPerson).to_owned()));
                return;
            }
        }
    } else {
        let req = session.chat(ui.scope, &text);
        ui.asked.push(req);
    }
    field.clear();
}

pub(super) fn show_chat(
    mut commands: Commands,
    mut ui: ResMut<TalkUi>,
    net: Res<Net>,
    args: Res<ClientArgs>,
    mut log: Query<(Entity, &mut ScrollPosition, &ComputedNode), With<ChatLog>>,
    mut scope_label: Query<&mut Text, With<ScopeLabel>>,
) {
    let lang = args.lang;
    for mut label in &mut scope_label {
        let name = scope_name(lang, ui.scope);
        if label.0 != name {
            label.0 = name.to_owned();
        }
    }
    let Some(session) = net.session.as_ref() else {
        return;
    };
    let chat = &session.talk.chat;
    // The session keeps at most a fixed number of lines; the newest decides a redraw.
    let stamp = chat.len()
        ^ chat
            .back()
            .map(|l| l.at as usize ^ l.text.len())
            .unwrap_or(0);
    if stamp == ui.shown_chat {
        return;
    }
    ui.shown_chat = stamp;
    let Ok((log, mut scroll, computed)) = log.single_mut() else {
        return;
    };
    // Follow the newest line, unless the visitor has scrolled back to read.
    let inv = computed.inverse_scale_factor;
    let max = (computed.content_size().y - computed.size().y).max(0.0) * inv;
    if computed.scroll_position.y * inv >= max - 2.0 {
        // The layout clamps this to the bottom.
        scroll.y = 1e6;
    }
    let offset = session.utc_offset_minutes;
    commands.entity(log).despawn_children();
    commands.entity(log).with_children(|log| {
        for (i, line) in chat.iter().enumerate() {
            let mut e = log.spawn((
                Text::new(format!(
                    "{} [{}] {}: {}",
                    clock(line.at, offset),
                    scope_name(lang, line.scope),
                    line.name,
                    line.text
                )),
                font(14.0),
                TextColor(scope_color(line.scope)),
            ));
            if i == 0 {
                e.insert(CaptureMark("chat-first"));
            }
        }
    });
}

/// A time of day ("14:05") in the expo's time zone, from Unix seconds.
pub fn clock(at_unix_s: i64, utc_offset_minutes: i32) -> String {
    let local = at_unix_s.saturating_add(utc_offset_minutes as i64 * 60);
    let day = local.rem_euclid(86_400);
    format!("{:02}:{:02}", day / 3600, day % 3600 / 60)
}

/// PageUp and PageDown scroll the chat back and forth while writing in it.
pub(super) fn scroll_keys(
    keys: Res<ButtonInput<KeyCode>>,
    focus: Res<InputFocus>,
    field: Query<Entity, With<ChatField>>,
    mut log: Query<(&mut ScrollPosition, &ComputedNode), With<ChatLog>>,
) {
    let writing = field.single().is_ok_and(|f| focus.get() == Some(f));
    if !writing {
        return;
    }
    let by = if keys.just_pressed(KeyCode::PageUp) {
        -LOG_PAGE
    } else if keys.just_pressed(KeyCode::PageDown) {
        LOG_PAGE
    } else {
        return;
    };
    for (mut scroll, computed) in &mut log {
        // From where it is drawn (the layout clamps the position to the content).
        let now = computed.scroll_position.y * computed.inverse_scale_factor;
        scroll.y = (now + by).max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_times_are_read_in_the_expos_clock() {
        // 2026-12-02 05:05:30 UTC is 14:05 in Seoul.
        assert_eq!(clock(1_796_187_930, 540), "14:05");
        assert_eq!(clock(1_796_187_930, 0), "05:05");
        assert_eq!(clock(0, -60), "23:00", "before the epoch's midnight");
    }
}
