//! Talk in the window: your conversation (an outline around the people in your bubble or at
//! your table, and a box saying who they are, who is on stage and who is speaking), the chat
//! (a log and a field: Enter to write, Tab to change the scope, `@name` to whisper), the
//! audience's reactions (1, 2, 3) and the server's notices (a full table, being muted).
//!
//! # Layout
//! - `chat`: the log, the field, the scope, whispers;
//! - `conversation`: the box saying who you talk with, and the outline around them;
//! - `banners`: reactions and notices across the top, emotes over people.

mod banners;
mod chat;
mod conversation;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bevy::input_focus::{FocusCause, InputFocus};
use bevy::prelude::*;
use bevy::text::EditableText;
use madang_shared::protocol::{ConversationKind, Emote, FloorAction, Reaction, Role};
use madang_shared::talk::ChatScope;

use super::avatars::Speaking;
use super::base::{ClientArgs, FrameSet, Phase};
use super::booth::Panel;
use super::i18n::{self, Key, t};
use super::keys::on_a_button;
use super::net::Net;
use super::ui::typing;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<TalkUi>();
    app.add_systems(
        OnEnter(Phase::Hall),
        (chat::spawn, conversation::spawn, banners::spawn),
    );
    app.add_systems(OnExit(Phase::Hall), |mut t: ResMut<TalkUi>| {
        t.shown_chat = usize::MAX
    });
    app.add_systems(
        Update,
        (talk_keys, chat::scroll_keys, chat::send_chat, take_news)
            .chain()
            .in_set(FrameSet::Sync),
    );
    app.add_systems(
        Update,
        (
            chat::show_chat,
            conversation::show_conversation,
            conversation::draw_outline,
            banners::show_banners,
            banners::show_emotes,
        )
            .chain()
            .in_set(FrameSet::View),
    );
}

/// How long reactions and notices stay on screen.
const BANNER_TIME: Duration = Duration::from_secs(4);

/// The chat's scope, the reactions and notices on show, and the requests waiting for an answer.
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
            voice_line: String::new(),
            asked: Vec::new(),
            reports: Vec::new(),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn talk_keys(
    keys: Res<ButtonInput<KeyCode>>,
    scope_button: Query<&Interaction, (Changed<Interaction>, With<chat::ScopeButton>)>,
    mut ui: ResMut<TalkUi>,
    mut net: ResMut<Net>,
    panel: Res<Panel>,
    mut focus: ResMut<InputFocus>,
    fields: Query<(), With<EditableText>>,
    chat_field: Query<Entity, With<chat::ChatField>>,
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
    let on_button = on_a_button(&focus, &buttons);
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

/// Reactions and notices from the session, refusals of chat lines, and reports received.
fn take_news(
    mut ui: ResMut<TalkUi>,
    mut speaking: ResMut<Speaking>,
    mut net: ResMut<Net>,
    args: Res<ClientArgs>,
) {
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
    speaking
        .0
        .retain(|(_, at)| now - *at < Duration::from_millis(400));
}
