//! Talk: your conversation (a bubble or a table) and who is on stage, the chat, voice frames,
//! emotes, the audience's reactions, the floor at a discussion table, and the server's notices.

use std::collections::VecDeque;

use madang_shared::protocol::{
    AvatarId, ChatLine, ClientMsg, ConversationKind, Emote, FloorAction, Reaction, channel, encode,
};
use madang_shared::refusal::ServerNotice;
use madang_shared::talk::ChatScope;

use super::Session;

/// Chat lines kept by a session.
pub const CHAT_KEPT: usize = 200;
/// Voice frames kept until taken (about 10 s).
pub const VOICE_KEPT: usize = 500;

/// Your conversation, as the server last told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub kind: ConversationKind,
    /// Its members (you included), at most the first 64.
    pub members: Vec<AvatarId>,
    pub total: u32,
    pub locked: bool,
}

/// What a session knows of talk.
#[derive(Debug, Default)]
pub struct TalkState {
    pub conversation: Option<Conversation>,
    pub on_stage: Vec<AvatarId>,
    pub chat: VecDeque<ChatLine>,
    /// The reactions of the last aggregated message, and how many such messages came.
    pub reactions: [u32; 3],
    pub reaction_messages: u64,
    /// Every reaction counted since joining, by kind.
    pub reaction_totals: [u64; 3],
    /// Voice frames received: (speaker, sequence number, Opus data).
    pub voice: VecDeque<(AvatarId, u32, Vec<u8>)>,
    /// Notices from the server (a full table, say), oldest first.
    pub notices: Vec<ServerNotice>,
    /// Emotes shown by people in view, not yet taken: (who, emote).
    pub emotes: VecDeque<(AvatarId, Emote)>,
    /// The floor at your table, as last told.
    pub floor: Option<FloorView>,
}

/// The floor at a discussion table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloorView {
    pub area: String,
    pub speaker: Option<AvatarId>,
    pub queue: Vec<AvatarId>,
    /// When the speaking timer ends, on the server's clock.
    pub timer_ends_ms: Option<u64>,
}

impl TalkState {
    /// A chat line.
    pub(super) fn push_chat(&mut self, line: ChatLine) {
        self.chat.push_back(line);
        while self.chat.len() > CHAT_KEPT {
            self.chat.pop_front();
        }
    }

    /// Your conversation changed.
    pub(super) fn conversation_came(
        &mut self,
        kind: ConversationKind,
        members: Vec<AvatarId>,
        total: u32,
        locked: bool,
    ) {
        self.conversation = Some(Conversation {
            kind,
            members,
            total,
            locked,
        });
    }

    /// The history kept for a room you entered.
    pub(super) fn history_came(&mut self, lines: Vec<ChatLine>) {
        for line in lines {
            self.push_chat(line);
        }
    }

    /// The last tick's reactions.
    pub(super) fn reactions_came(&mut self, counts: [u32; 3]) {
        self.reactions = counts;
        self.reaction_messages += 1;
        for (total, c) in self.reaction_totals.iter_mut().zip(counts) {
            *total += c as u64;
        }
    }

    /// A frame of someone's voice, kept until taken (dropped while [`VOICE_KEPT`] wait).
    pub(super) fn voice_came(&mut self, from: AvatarId, seq: u32, data: Vec<u8>) {
        if self.voice.len() < VOICE_KEPT {
            self.voice.push_back((from, seq, data));
        }
    }

    /// Emotes shown by people in view.
    pub(super) fn emotes_came(&mut self, list: Vec<(AvatarId, Emote)>) {
        for (who, emote) in list {
            if self.emotes.len() < 64 {
                self.emotes.push_back((who, emote));
            }
        }
    }
}

impl Session {
    /// Says something: to your conversation, the room, from the stage, or to one person.
    /// [`Session::take_answer`] tells when it is delivered (and saved, for the room).
    pub fn chat(&mut self, scope: ChatScope, text: &str) -> u32 {
        let text = text.to_owned();
        self.request(|req| ClientMsg::Chat { req, scope, text })
    }

    /// Locks (or unlocks) your bubble.
    pub fn lock_bubble(&mut self, locked: bool) -> u32 {
        self.request(|req| ClientMsg::LockBubble { req, locked })
    }

    /// Mutes (or unmutes) someone until lifted: organizers anywhere, facilitators at their
    /// table.
    pub fn mute(&mut self, who: AvatarId, muted: bool) -> u32 {
        self.mute_for(who, muted, 0)
    }

    /// Mutes someone for `minutes` (0: until lifted); the mute holds if they reconnect.
    pub fn mute_for(&mut self, who: AvatarId, muted: bool, minutes: u32) -> u32 {
        self.request(|req| ClientMsg::Mute {
            req,
            who,
            muted,
            minutes,
        })
    }

    /// Shows an emote over your avatar to those who see you.
    pub fn emote(&mut self, emote: Emote) {
        self.client
            .send_message(channel::RELIABLE, encode(&ClientMsg::Emote { emote }));
    }

    /// Raises or lowers your hand at your table, or (facilitators) gives the floor and runs
    /// the speaking timer.
    pub fn floor(&mut self, action: FloorAction) -> u32 {
        self.request(|req| ClientMsg::Floor { req, action })
    }

    /// Seconds left on your table's speaking timer.
    pub fn floor_timer_left(&self) -> Option<f32> {
        let ends = self.talk.floor.as_ref()?.timer_ends_ms?;
        let now = self.server_now_ms()?;
        Some(ends.saturating_sub(now) as f32 / 1000.0)
    }

    /// Applauds, gives a heart or cheers.
    pub fn react(&mut self, reaction: Reaction) {
        self.client
            .send_message(channel::RELIABLE, encode(&ClientMsg::React { reaction }));
    }

    /// Sends one Opus frame of your voice.
    pub fn send_voice(&mut self, seq: u32, data: Vec<u8>) {
        self.client
            .send_message(channel::VOICE, encode(&ClientMsg::Voice { seq, data }));
    }

    /// The floor at your table, stamped with the server's clock.
    pub(super) fn floor_came(
        &mut self,
        area: String,
        speaker: Option<AvatarId>,
        queue: Vec<AvatarId>,
        timer_ends_ms: Option<u64>,
        server_ms: u64,
    ) {
        self.screen.note_server_clock(server_ms);
        self.talk.floor = Some(FloorView {
            area,
            speaker,
            queue,
            timer_ends_ms,
        });
    }
}
