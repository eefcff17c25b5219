//! Talk in the window: your conversation (an outline around the people in your bubble or at
//! your table, and a box saying who they are, who is on stage and who is speaking), the chat
//! (a log and a field: Enter to write, Tab to change the scope, `@name` to whisper), the
//! audience's reactions (1, 2, 3) and the server's notices (a full table, being muted).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bevy::input_focus::{FocusCause, InputFocus};
use bevy::prelude::*;
use bevy::text::EditableText;
use madang_shared::map::Lang;
use madang_shared::protocol::{
    AvatarId, CHAT_MAX_CHARS, ConversationKind, Emote, FloorAction, Reaction, Role,
};
use madang_shared::talk::ChatScope;

use super::i18n::{self, Key, t};
use super::net::Net;
use super::panel::{Panel, typing};
use super::{ClientArgs, FrameSet, text_field, to_world};
use crate::session::Session;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<TalkUi>();
    app.add_systems(OnEnter(super::Phase::Hall), spawn_talk_ui);
    app.add_systems(OnExit(super::Phase::Hall), |mut t: ResMut<TalkUi>| {
        t.shown_chat = usize::MAX
    });
    app.add_systems(
        Update,
        (talk_keys, scroll_keys, send_chat, take_news)
            .chain()
            .in_set(FrameSet::Sync),
    );
    app.add_systems(
        Update,
        (
            show_chat,
            show_conversation,
            draw_outline,
            show_banners,
            show_emotes,
        )
            .chain()
            .in_set(FrameSet::View),
    );
}

/// How long reactions and notices stay on screen.
const BANNER_TIME: Duration = Duration::from_secs(4);
/// The chat log's height: about eight lines; the rest of the kept history scrolls (the
/// wheel over it, or PageUp / PageDown while writing).
const LOG_HEIGHT: f32 = 150.0;
/// How far PageUp and PageDown scroll the log.
const LOG_PAGE: f32 = 120.0;

/// The chat's scope, the reactions and notices on show, and who spoke lately.
#[derive(Resource)]
pub struct TalkUi {
    scope: ChatScope,
    /// Reactions counted lately: when, and the counts.
    reactions: VecDeque<(Instant, [u32; 3])>,
    notices: VecDeque<(Instant, String)>,
    /// The chat lines already on show (the session's count), so the log is redrawn on change.
    shown_chat: usize,
    seen_notices: usize,
    seen_reaction_messages: u64,
    /// Who was heard speaking, and when (the voice plugin fills it).
    pub speaking: Vec<(AvatarId, Instant)>,
    /// A line about voice for the conversation box (the voice plugin fills it).
    pub voice_line: String,
    /// Requests (chat lines, locks) whose refusal is worth showing.
    asked: Vec<u32>,
    /// Reports sent, to say so once the server has them.
    pub reports: Vec<u32>,
}

impl Default for TalkUi {
    fn default() -> Self {
        TalkUi {
            scope: ChatScope::Near,
            reactions: VecDeque::new(),
            notices: VecDeque::new(),
            shown_chat: usize::MAX,
            seen_notices: 0,
            seen_reaction_messages: 0,
            speaking: Vec::new(),
            voice_line: String::new(),
            asked: Vec::new(),
            reports: Vec::new(),
        }
    }
}

#[derive(Component)]
struct ChatLog;
#[derive(Component)]
pub struct ChatField;
#[derive(Component)]
struct ScopeButton;
#[derive(Component)]
struct ScopeLabel;
#[derive(Component)]
struct ConversationBox;
#[derive(Component)]
struct ConversationText;
#[derive(Component)]
struct Banner;
#[derive(Component)]
struct OutlineEdge(usize);
/// An emote floating over someone, until when.
#[derive(Component)]
struct EmoteFloat(AvatarId, Instant);

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

const INK: Color = Color::srgb(0.93, 0.94, 0.96);
const DIM: Color = Color::srgb(0.68, 0.71, 0.76);

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

fn spawn_talk_ui(mut commands: Commands, args: Res<ClientArgs>) {
    let lang = args.lang;
    let small = |s: &str, size: f32, color: Color| {
        (
            Text::new(s),
            TextFont::from_font_size(size),
            TextColor(color),
        )
    };
    // The chat, bottom left above the controls line.
    commands.spawn((
        DespawnOnExit(super::Phase::Hall),
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
                super::panel::CaptureMark("chat-log"),
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
                        BackgroundColor(Color::srgb(0.22, 0.3, 0.45)),
                        children![(small(t(lang, Key::ChatNear), 13.0, INK), ScopeLabel)],
                    ),
                    text_field(ChatField, "", CHAT_MAX_CHARS, 14.0),
                ],
            ),
            small(t(lang, Key::ChatHint), 11.0, DIM),
        ],
    ));
    // Your conversation, bottom right.
    commands.spawn((
        DespawnOnExit(super::Phase::Hall),
        ConversationBox,
        Node {
            position_type: PositionType::Absolute,
            right: px(12.0),
            bottom: px(12.0),
            max_width: px(360.0),
            padding: UiRect::all(px(8.0)),
            flex_direction: FlexDirection::Column,
            row_gap: px(2.0),
            ..default()
        },
        BackgroundColor(Color::srgba(0.05, 0.06, 0.09, 0.8)),
        children![
            (small("", 14.0, INK), ConversationText),
            small(t(lang, Key::TalkKeys), 11.0, DIM),
            small(t(lang, Key::EmoteKeys), 11.0, DIM),
        ],
    ));
    // Reactions and notices, top centre.
    commands.spawn((
        DespawnOnExit(super::Phase::Hall),
        Banner,
        Text::new(""),
        TextFont::from_font_size(18.0),
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
    // The outline around your conversation: four edges.
    for i in 0..4 {
        commands.spawn((
            DespawnOnExit(super::Phase::Hall),
            OutlineEdge(i),
            Sprite::from_color(Color::NONE, Vec2::ONE),
            Transform::default(),
            Visibility::Hidden,
        ));
    }
}

#[allow(clippy::too_many_arguments)]
fn talk_keys(
    keys: Res<ButtonInput<KeyCode>>,
    scope_button: Query<&Interaction, (Changed<Interaction>, With<ScopeButton>)>,
    mut ui: ResMut<TalkUi>,
    mut net: ResMut<Net>,
    panel: Res<Panel>,
    mut focus: ResMut<InputFocus>,
    fields: Query<(), With<EditableText>>,
    chat_field: Query<Entity, With<ChatField>>,
    buttons: Query<(), With<Button>>,
) {
    let next_scope = |s: ChatScope| match s {
        ChatScope::Near => ChatScope::Room,
        ChatScope::Room => ChatScope::Stage,
        _ => ChatScope::Near,
    };
    if scope_button.iter().any(|i| *i == Interaction::Pressed) {
        ui.scope = next_scope(ui.scope);
    }
    let Ok(chat) = chat_field.single() else {
        return;
    };
    if typing(&focus, &fields) {
        if focus.get() == Some(chat) && keys.just_pressed(KeyCode::Tab) {
            ui.scope = next_scope(ui.scope);
        }
        return;
    }
    // Enter presses a button in focus (see `keys`); otherwise it opens the chat.
    let on_button = focus.get().is_some_and(|e| buttons.contains(e));
    if keys.just_pressed(KeyCode::Enter) && panel.open.is_none() && !on_button {
        focus.set(chat, FocusCause::Navigated);
        return;
    }
    let Some(session) = net.session.as_mut() else {
        return;
    };
    if keys.just_pressed(KeyCode::KeyL) {
        let locked = session.talk.conversation.as_ref().is_some_and(|c| c.locked);
        let req = session.lock_bubble(!locked);
        ui.asked.push(req);
    }
    for (key, reaction) in [
        (KeyCode::Digit1, Reaction::Applause),
        (KeyCode::Digit2, Reaction::Heart),
        (KeyCode::Digit3, Reaction::Cheer),
    ] {
        if keys.just_pressed(key) {
            session.react(reaction);
        }
    }
    let emote_keys = [
        KeyCode::Digit4,
        KeyCode::Digit5,
        KeyCode::Digit6,
        KeyCode::Digit7,
        KeyCode::Digit8,
        KeyCode::Digit9,
    ];
    for (key, emote) in emote_keys.into_iter().zip(Emote::ALL) {
        if keys.just_pressed(key) {
            session.emote(emote);
        }
    }
    // The floor, at a table.
    let at_table = session
        .talk
        .conversation
        .as_ref()
        .is_some_and(|c| matches!(c.kind, ConversationKind::Area(_)));
    if !at_table {
        return;
    }
    let me = session.me.as_ref().map(|m| m.id);
    let floor = session.talk.floor.clone();
    let leads = session
        .me
        .as_ref()
        .is_some_and(|m| matches!(m.role, Role::Facilitator | Role::Organizer));
    let mut action = None;
    if keys.just_pressed(KeyCode::KeyQ) {
        let waiting = floor
            .as_ref()
            .is_some_and(|f| f.speaker == me || me.is_some_and(|id| f.queue.contains(&id)));
        action = Some(if waiting {
            FloorAction::Lower
        } else {
            FloorAction::Raise
        });
    } else if leads && keys.just_pressed(KeyCode::KeyG) {
        action = Some(FloorAction::Next);
    } else if leads && keys.just_pressed(KeyCode::KeyT) {
        action = Some(if session.floor_timer_left().is_some_and(|l| l > 0.0) {
            FloorAction::StopTimer
        } else {
            FloorAction::Timer { secs: 120 }
        });
    }
    if let Some(a) = action {
        let req = session.floor(a);
        ui.asked.push(req);
    }
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

fn send_chat(
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

/// Reactions and notices from the session, refusals of chat lines, and reports received.
fn take_news(mut ui: ResMut<TalkUi>, mut net: ResMut<Net>, args: Res<ClientArgs>) {
    let lang = args.lang;
    let Some(session) = net.session.as_mut() else {
        return;
    };
    let now = Instant::now();
    let asked = std::mem::take(&mut ui.asked);
    for req in asked {
        match session.take_answer(req) {
            None => ui.asked.push(req),
            Some(Ok(())) => {}
            Some(Err(why)) => ui.notices.push_back((now, i18n::refusal(lang, &why))),
        }
    }
    let reports = std::mem::take(&mut ui.reports);
    for req in reports {
        match session.take_answer(req) {
            None => ui.reports.push(req),
            Some(Ok(())) => ui
                .notices
                .push_back((now, t(lang, Key::Reported).to_owned())),
            Some(Err(why)) => ui.notices.push_back((now, i18n::refusal(lang, &why))),
        }
    }
    if session.talk.reaction_messages != ui.seen_reaction_messages {
        ui.seen_reaction_messages = session.talk.reaction_messages;
        ui.reactions.push_back((now, session.talk.reactions));
    }
    let notices = &session.talk.notices;
    if notices.len() > ui.seen_notices {
        let map = session.hall_map.clone();
        let area_name = |id: &str| {
            map.as_ref()
                .and_then(|m| m.private_areas.iter().find(|a| a.id == id))
                .map(|a| a.name.get(lang))
                .filter(|n| !n.is_empty())
                .unwrap_or(id)
                .to_owned()
        };
        for n in &notices[ui.seen_notices..] {
            ui.notices
                .push_back((now, i18n::notice(lang, n, area_name)));
        }
        ui.seen_notices = notices.len();
    }
    while ui
        .reactions
        .front()
        .is_some_and(|(at, _)| now - *at > BANNER_TIME)
    {
        ui.reactions.pop_front();
    }
    while ui
        .notices
        .front()
        .is_some_and(|(at, _)| now - *at > BANNER_TIME)
    {
        ui.notices.pop_front();
    }
    ui.speaking
        .retain(|(_, at)| now - *at < Duration::from_millis(400));
}

fn show_chat(
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
                TextFont::from_font_size(14.0),
                TextColor(scope_color(line.scope)),
            ));
            if i == 0 {
                e.insert(super::panel::CaptureMark("chat-first"));
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
fn scroll_keys(
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

fn show_conversation(
    net: Res<Net>,
    ui: Res<TalkUi>,
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
                    let speaking = ui.speaking.iter().any(|(s, _)| s == id);
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
fn draw_outline(
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

fn show_banners(
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
fn show_emotes(
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
            TextFont::from_font_size(20.0),
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
