//! Talk: conversation bubbles, discussion tables and the stage, chat in its scopes, the
//! audience's reactions and voice forwarding.
//!
//! Every second tick each hall's conversations are formed from positions
//! ([`madang_shared::talk`]: a spatial grid, never all pairs; off the tick, on the async compute
//! threads), and each person whose conversation changed is told who is in it. Chat and voice
//! are routed with the same shared functions the isolation tests check:
//! from inside a private area nothing reaches anyone outside it, bubble talk stays in the
//! bubble, and whoever stands on a spotlight reaches the whole hall. The server forwards voice
//! frames as they are; it never decodes, mixes or keeps audio. Reactions are counted per hall
//! and sent once a tick, a few bytes however many people clap. Room chat is saved in the store
//! and its newest lines are shown to those who arrive later.

use madang_shared::refusal::Refusal;
use std::collections::VecDeque;
use std::hash::{BuildHasher, Hash, Hasher};

use bevy::platform::collections::HashMap;
use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, TaskPool, block_on};
use madang_shared::names::clean_chat;
use madang_shared::protocol::{
    AvatarId, ChatLine, ClientMsg, ConversationKind, FloorAction, MAX_EMOTES_PER_TICK,
    MAX_LISTED_MEMBERS, Role, ServerMsg, channel,
};
use madang_shared::talk::{BubbleRules, ChatScope, Conversations, Talker};
use renet::ClientId;
use tracing::warn;

use crate::halls::Halls;
use crate::net::{Bucket, ClientRequest, Expression, Outbox};
use crate::presence::{Avatar, InHall, Position};
use crate::screen::ServerClock;
use crate::snapshot::{InterestRes, ViewMoved};
use crate::store::{CHAT_HISTORY, Loaded, Receipt, Write, Written};
use crate::{ServerSet, SettingsRes, StoreRes, Tick, unix_now};

/// Chat lines a person may send: a burst of 5, then one a second.
pub const CHAT_BURST: f32 = 5.0;
pub const CHAT_PER_SEC: f32 = 1.0;
/// Reactions a person may send: a burst of 20, then 10 a second.
pub const REACT_BURST: f32 = 20.0;
pub const REACT_PER_SEC: f32 = 10.0;
/// Voice frames (20 ms each) a person may send: 50 a second, with some slack for jitter.
pub const VOICE_BURST: f32 = 25.0;
pub const VOICE_PER_SEC: f32 = 55.0;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<HallTalks>();
    app.init_resource::<PendingChat>();
    app.init_resource::<Forming>();
    app.add_systems(
        Update,
        (take_requests, take_expressions, finish_room_chat)
            .chain()
            .in_set(ServerSet::Simulate)
            .before(crate::movement::apply_inputs),
    );
    app.add_systems(
        Update,
        (
            start_forming.run_if(|tick: Res<Tick>| (tick.count + 1).is_multiple_of(FORM_EVERY)),
            form_conversations.run_if(|tick: Res<Tick>| tick.count.is_multiple_of(FORM_EVERY)),
            tell_arrivals,
        )
            .chain()
            .in_set(ServerSet::Simulate)
            .after(crate::portal::take_portals),
    );
    app.add_systems(Update, send_reactions.in_set(ServerSet::Send));
}

/// Conversations are formed every this many ticks (and each person told theirs one tick in
/// [`crate::presence::NOTICE_TURNS`]): who is in whose bubble changes at a walk's pace, and
/// forming them was a tenth of the tick with a thousand people in a room. They are formed off
/// the tick from the positions of the tick before ([`start_forming`]); voice and chat go by the
/// last forming, of positions at most two ticks old.
pub const FORM_EVERY: u32 = 2;

/// A person's part in talk: their lock, whether they are muted, their budgets, and the last
/// conversation they were told of.
#[derive(Component, Debug)]
pub struct Talk {
    /// The lock shared by a locked bubble's members.
    pub lock: Option<u32>,
    /// Muted people can neither chat nor speak (set by a facilitator or an organizer).
    pub muted: bool,
    chat: Bucket,
    react: Bucket,
    voice: Bucket,
    told: Option<u64>,
    /// The hall and the version of its stage this person was last told.
    stage_told: Option<(u16, u64)>,
}

impl Default for Talk {
    fn default() -> Self {
        Talk {
            lock: None,
            muted: false,
            chat: Bucket::new(CHAT_PER_SEC, CHAT_BURST),
            react: Bucket::new(REACT_PER_SEC, REACT_BURST),
            voice: Bucket::new(VOICE_PER_SEC, VOICE_BURST),
            told: None,
            stage_told: None,
        }
    }
}

/// One hall's conversations as of this tick, for routing.
#[derive(Default)]
pub struct HallTalk {
    conv: Conversations,
    /// Each person's client, in the order of `conv.people`.
    clients: Vec<ClientId>,
    index: HashMap<AvatarId, usize>,
    stage: Vec<AvatarId>,
    /// Counts the changes of `stage`.
    stage_version: u64,
    /// Reactions this tick, by kind.
    reactions: [u32; 3],
    /// The newest room chat.
    history: VecDeque<ChatLine>,
    /// The floor at each private area (by index) where someone has asked for it.
    floors: HashMap<usize, Floor>,
}

/// Who has the floor at a table, who waits for it, and the speaking timer.
#[derive(Debug, Default, Clone, PartialEq)]
struct Floor {
    speaker: Option<AvatarId>,
    queue: Vec<AvatarId>,
    timer_ends_ms: Option<u64>,
}

impl HallTalk {
    /// The clients of the people at area `a`.
    fn clients_at(&self, a: usize) -> Vec<ClientId> {
        self.conv
            .areas
            .iter()
            .find(|(area, _)| *area == a)
            .map(|(_, members)| members.iter().map(|&i| self.clients[i]).collect())
            .unwrap_or_default()
    }
}

/// The floor of area `a` as its table is told it; `None` if a reload took the area away.
fn floor_msg(
    map: &madang_shared::map::HallMap,
    a: usize,
    f: &Floor,
    now_ms: u64,
) -> Option<ServerMsg> {
    Some(ServerMsg::Floor {
        area: map.private_areas.get(a)?.id.clone(),
        speaker: f.speaker,
        queue: f.queue.clone(),
        timer_ends_ms: f.timer_ends_ms,
        server_ms: now_ms,
    })
}

/// Every hall's talk state, by hall index.
#[derive(Resource, Default)]
pub struct HallTalks {
    pub halls: Vec<HallTalk>,
    next_lock: u32,
}

impl HallTalks {
    /// Loads each hall's newest room chat from what the store read at start.
    pub fn new(halls: &Halls, loaded: &Loaded) -> Self {
        let mut out = HallTalks {
            halls: halls.maps.iter().map(|_| HallTalk::default()).collect(),
            next_lock: 0,
        };
        for (hall, visitor, name, body, at) in &loaded.chat {
            if let Some(h) = halls
                .index_of(hall)
                .and_then(|i| out.halls.get_mut(i as usize))
            {
                // Visitors from an earlier run have no avatar now; the line keeps their name.
                let _ = visitor;
                h.history.push_back(ChatLine {
                    from: AvatarId(0),
                    name: name.clone(),
                    scope: ChatScope::Room,
                    text: body.clone(),
                    at: *at,
                });
            }
        }
        out
    }

    fn hall_mut(&mut self, hall: u16) -> Option<&mut HallTalk> {
        self.halls.get_mut(hall as usize)
    }
}

fn rules(settings: &SettingsRes) -> BubbleRules {
    BubbleRules {
        reach: settings.0.bubble_reach,
        max_size: settings.0.bubble_max,
    }
}

/// Conversations being formed off the tick, on the async compute threads, from the positions
/// of the tick before the one that uses them ([`start_forming`]).
#[derive(Resource, Default)]
struct Forming(Option<Gathered<Task<Vec<Conversations>>>>);

/// Each hall's people as gathered for forming: their clients and where each is in the list,
/// with what is formed of them (`T`).
struct Gathered<T> {
    halls: Vec<(Vec<ClientId>, HashMap<AvatarId, usize>)>,
    formed: T,
}

/// Gathers each hall's talkers (in the query's order), their clients and index.
fn gather<'a>(
    avatars: impl Iterator<Item = (&'a Avatar, Vec2, u16, Option<u32>)>,
    halls: &Halls,
    count: usize,
) -> Gathered<Vec<Vec<Talker>>> {
    let mut people: Vec<Vec<Talker>> = vec![Vec::new(); count];
    let mut out: Vec<(Vec<ClientId>, HashMap<AvatarId, usize>)> =
        (0..count).map(|_| Default::default()).collect();
    for (avatar, pos, hall, lock) in avatars {
        let (Some(map), Some((clients, index)), Some(list)) = (
            halls.get(hall),
            out.get_mut(hall as usize),
            people.get_mut(hall as usize),
        ) else {
            continue;
        };
        index.insert(avatar.id, list.len());
        list.push(Talker {
            id: avatar.id,
            pos,
            area: map.private_areas.iter().position(|a| a.rect.contains(pos)),
            on_stage: map.on_spotlight(pos),
            lock,
            silent: map.silent_at(pos),
        });
        clients.push(avatar.client);
    }
    Gathered {
        halls: out,
        formed: people,
    }
}

/// Forms each hall's conversations.
fn form_all(halls: Vec<Vec<Talker>>, rules: BubbleRules) -> Vec<Conversations> {
    halls
        .into_iter()
        .map(|people| Conversations::form(people, rules))
        .collect()
}

/// On the tick before conversations are formed, gathers everyone and forms them off the tick:
/// forming was the most of the conversations' work (a thousand people in one room), and the
/// tick that uses them only collects what was formed. They are a tick older for it: formed from
/// the positions of the tick before (walking, a step of a fifth of a tile).
fn start_forming(
    avatars: Query<(&Avatar, &Position, &InHall, &Talk)>,
    halls: Res<Halls>,
    settings: Res<SettingsRes>,
    talks: Res<HallTalks>,
    mut forming: ResMut<Forming>,
) {
    let rules = rules(&settings);
    let Gathered { halls, formed } = gather(
        avatars
            .iter()
            .map(|(a, pos, hall, talk)| (a, pos.0, hall.0, talk.lock)),
        &halls,
        talks.halls.len(),
    );
    let task = AsyncComputeTaskPool::get_or_init(TaskPool::default)
        .spawn(async move { form_all(formed, rules) });
    forming.0 = Some(Gathered {
        halls,
        formed: task,
    });
}

/// Takes each hall's conversations formed off the tick ([`start_forming`]) and tells those whose
/// conversation changed; forms them here if none were (the first forming, a reload of the maps).
#[allow(clippy::too_many_arguments)]
fn form_conversations(
    mut avatars: Query<(&Avatar, &Position, Ref<InHall>, &mut Talk)>,
    clock: Res<ServerClock>,
    halls: Res<Halls>,
    settings: Res<SettingsRes>,
    mut talks: ResMut<HallTalks>,
    mut forming: ResMut<Forming>,
    tick: Res<crate::Tick>,
    mut out: Outbox,
) {
    let rules = rules(&settings);
    let count = talks.halls.len();
    let formed = match forming.0.take() {
        // Not after a map was reloaded in between: its areas are counted anew.
        Some(Gathered { halls: who, formed }) if who.len() == count && !halls.is_changed() => {
            Gathered {
                halls: who,
                formed: block_on(formed),
            }
        }
        _ => {
            let Gathered { halls: who, formed } = gather(
                avatars
                    .iter()
                    .map(|(a, pos, hall, talk)| (a, pos.0, hall.0, talk.lock)),
                &halls,
                count,
            );
            Gathered {
                halls: who,
                formed: form_all(formed, rules),
            }
        }
    };
    for (h, ((clients, index), conv)) in talks
        .halls
        .iter_mut()
        .zip(formed.halls.into_iter().zip(formed.formed))
    {
        h.clients = clients;
        h.index = index;
        h.conv = conv;
    }
    // What each person is to be told: (kind, members, locked, signature), by avatar.
    // Each conversation is described once (not once per member: an area may seat hundreds),
    // and each person points at theirs.
    let mut groups: Vec<Told> = Vec::new();
    // By avatar: their conversation in `groups`, and their lock as it was gathered.
    let mut told: HashMap<AvatarId, (usize, Option<u32>)> = HashMap::new();
    for (hall, h) in talks.halls.iter_mut().enumerate() {
        // Those who left a table leave its queue and its floor.
        if let Some(map) = halls.get(hall as u16) {
            // A table a map edit removed takes its floor with it.
            h.floors.retain(|&a, _| a < map.private_areas.len());
            let mut changed = Vec::new();
            for (&a, floor) in h.floors.iter_mut() {
                let here = |id: &AvatarId| {
                    h.index
                        .get(id)
                        .is_some_and(|&i| h.conv.people[i].area == Some(a))
                };
                let before = floor.clone();
                floor.queue.retain(here);
                if floor.speaker.is_some_and(|s| !here(&s)) {
                    floor.speaker = None;
                }
                if *floor != before {
                    changed.push(a);
                }
            }
            for a in changed {
                let Some(msg) = floor_msg(map, a, &h.floors[&a], clock.now_ms()) else {
                    continue;
                };
                for client in h.clients_at(a) {
                    out.send(client, channel::RELIABLE, &msg);
                }
            }
        }
        let c = &h.conv;
        let mut stage: Vec<AvatarId> = (0..c.people.len())
            .filter(|&i| c.on_stage(i))
            .map(|i| c.people[i].id)
            .collect();
        stage.sort();
        if stage != h.stage {
            // Each person is told in their turn (below): someone stepping on or off the stage
            // of a wandering crowd would otherwise send the whole room a message on most ticks.
            h.stage = stage;
            h.stage_version += 1;
        }
        let Some(map) = halls.get(hall as u16) else {
            continue;
        };
        let bubbles = c.bubbles.iter().map(|b| {
            let kind = if b.len() <= 1 {
                ConversationKind::Alone
            } else {
                ConversationKind::Bubble
            };
            // Only people of one lock ever share a bubble.
            let locked = b.len() > 1 && c.people[b[0]].lock.is_some();
            (b, kind, locked)
        });
        let areas = c.areas.iter().filter_map(|(a, members)| {
            let kind = ConversationKind::Area(map.private_areas.get(*a)?.id.clone());
            Some((members, kind, false))
        });
        for (members, kind, locked) in bubbles.chain(areas) {
            let mut ids: Vec<AvatarId> = members.iter().map(|&j| c.people[j].id).collect();
            ids.sort();
            let mut hasher = bevy::platform::hash::FixedHasher.build_hasher();
            (&kind, &ids, locked).hash(&mut hasher);
            let total = ids.len() as u32;
            ids.truncate(MAX_LISTED_MEMBERS);
            for &j in members {
                told.insert(c.people[j].id, (groups.len(), c.people[j].lock));
            }
            groups.push(Told {
                kind,
                members: ids,
                total,
                locked,
                sig: hasher.finish(),
            });
        }
    }
    for (avatar, _, in_hall, mut talk) in &mut avatars {
        if in_hall.is_changed() {
            // Through a portal and back between two turns is an arrival all the same.
            talk.stage_told = None;
        }
        // Forming on every FORM_EVERY-th tick, each person's turn comes once in NOTICE_TURNS.
        let turn = (tick.count / FORM_EVERY)
            .wrapping_add(avatar.id.0)
            .is_multiple_of(crate::presence::NOTICE_TURNS / FORM_EVERY);
        if turn && let Some(h) = talks.halls.get(in_hall.0 as usize) {
            let now = (in_hall.0, h.stage_version);
            // An arrival is told a stage that has someone on it; a change, always.
            let arrived = talk.stage_told.is_none_or(|(hall, _)| hall != in_hall.0);
            if talk.stage_told != Some(now) && !(arrived && h.stage.is_empty()) {
                out.send(
                    avatar.client,
                    channel::RELIABLE,
                    &ServerMsg::Stage {
                        on_stage: h.stage.clone(),
                    },
                );
            }
            talk.stage_told = Some(now);
        }
        let Some((g, gathered_lock)) = told.get(&avatar.id).map(|&(g, l)| (&groups[g], l)) else {
            continue;
        };
        let (kind, locked, sig) = (&g.kind, g.locked, g.sig);
        // A lock lasts while its bubble has someone to share it with (one taken since the
        // people were gathered waits for the next forming).
        if talk.lock.is_some() && !locked && talk.lock == gathered_lock {
            talk.lock = None;
        }
        // Each person is told in their turn, one tick in four (the notices' turns): in a
        // wandering crowd bubbles change on most ticks.
        if talk.told == Some(sig) || !turn {
            continue;
        }
        talk.told = Some(sig);
        if let ConversationKind::Area(id) = kind
            && let Some(h) = talks.halls.get(in_hall.0 as usize)
            && let Some(map) = halls.get(in_hall.0)
            && let Some(a) = map.private_areas.iter().position(|x| &x.id == id)
            && let Some(floor) = h.floors.get(&a)
            && let Some(msg) = floor_msg(map, a, floor, clock.now_ms())
        {
            out.send(avatar.client, channel::RELIABLE, &msg);
        }
        out.send(
            avatar.client,
            channel::RELIABLE,
            &ServerMsg::Conversation {
                kind: kind.clone(),
                total: g.total,
                members: g.members.clone(),
                locked,
            },
        );
    }
}

/// A conversation as its members are told it.
struct Told {
    kind: ConversationKind,
    /// The first [`MAX_LISTED_MEMBERS`] members, by id.
    members: Vec<AvatarId>,
    total: u32,
    locked: bool,
    /// A hash of the kind, all members and the lock: told again only when it changes.
    sig: u64,
}

/// A room chat line waiting for its commit.
struct Waiting {
    receipt: Receipt,
    client: ClientId,
    req: u32,
    hall: u16,
    line: ChatLine,
}

#[derive(Resource, Default)]
struct PendingChat(Vec<Waiting>);

#[allow(clippy::too_many_arguments)]
fn take_requests(
    mut requests: MessageReader<ClientRequest>,
    mut avatars: Query<(&Avatar, &InHall, &mut Talk)>,
    halls: Res<Halls>,
    clock: Res<ServerClock>,
    tick: Res<Tick>,
    store: Res<StoreRes>,
    mut talks: ResMut<HallTalks>,
    mut pending: ResMut<PendingChat>,
    mut orders: MessageWriter<crate::mutes::MuteOrder>,
    mut out: Outbox,
) {
    for request in requests.read() {
        let Ok((avatar, hall, mut talk)) = avatars.get_mut(request.avatar) else {
            continue;
        };
        let (client, id, hall) = (avatar.client, avatar.id, hall.0);
        match &request.msg {
            ClientMsg::Chat { req, scope, text } => {
                let req = *req;
                if talk.muted {
                    out.refuse(client, req, Refusal::Muted);
                    continue;
                }
                let text = match clean_chat(text) {
                    Ok(t) => t,
                    Err(e) => {
                        out.refuse(client, req, e);
                        continue;
                    }
                };
                if !talk.chat.take(&tick) {
                    out.refuse(client, req, Refusal::ChatTooFast);
                    continue;
                }
                let (Some(h), Some(map)) = (talks.halls.get(hall as usize), halls.get(hall)) else {
                    continue;
                };
                // A room line goes to everyone in the hall once it is saved (finish_room_chat),
                // whatever their conversations: someone who arrived since they were last
                // formed (up to FORM_EVERY ticks ago) may write in it at once.
                let recipients = if *scope == ChatScope::Room {
                    Vec::new()
                } else {
                    let Some(&i) = h.index.get(&id) else {
                        out.refuse(client, req, Refusal::JustArrived);
                        continue;
                    };
                    match h.conv.chat_recipients(i, *scope) {
                        Ok(r) => r,
                        Err(e) => {
                            out.refuse(client, req, e);
                            continue;
                        }
                    }
                };
                let line = ChatLine {
                    from: id,
                    name: avatar.name.to_string(),
                    scope: *scope,
                    text,
                    at: unix_now(),
                };
                if *scope == ChatScope::Room {
                    // Kept: delivered once it is saved, like a comment.
                    let receipt = store.0.submit(Write::Chat {
                        hall: map.id.clone(),
                        visitor: avatar.visitor_id,
                        name: line.name.clone(),
                        body: line.text.clone(),
                        at: line.at,
                    });
                    pending.0.push(Waiting {
                        receipt,
                        client,
                        req,
                        hall,
                        line,
                    });
                    continue;
                }
                let msg = ServerMsg::Chat(line);
                for j in recipients {
                    out.send(h.clients[j], channel::RELIABLE, &msg);
                }
                out.send(client, channel::RELIABLE, &msg);
                out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
            }
            ClientMsg::Mute {
                req,
                who,
                muted,
                minutes,
            } => {
                let req = *req;
                let role = avatar.role;
                let Some(h) = talks.halls.get(hall as usize) else {
                    continue;
                };
                let allowed = match role {
                    Role::Organizer => true,
                    // A facilitator mutes the people at their own table.
                    Role::Facilitator => {
                        let area_of =
                            |a: AvatarId| h.index.get(&a).and_then(|&i| h.conv.people[i].area);
                        area_of(id).is_some() && area_of(id) == area_of(*who)
                    }
                    _ => false,
                };
                if !allowed {
                    out.refuse(client, req, Refusal::MuteNotAllowed);
                    continue;
                }
                // The mute is the visitor's, kept in the store: `mutes` applies it.
                orders.write(crate::mutes::MuteOrder {
                    by: client,
                    by_name: avatar.name.to_string(),
                    req,
                    target: *who,
                    muted: *muted,
                    minutes: *minutes,
                });
            }
            ClientMsg::Floor { req, action } => {
                let req = *req;
                let (Some(h), Some(map)) = (talks.halls.get_mut(hall as usize), halls.get(hall))
                else {
                    continue;
                };
                let Some(a) = h.index.get(&id).and_then(|&i| h.conv.people[i].area) else {
                    out.refuse(client, req, Refusal::FloorAtTable);
                    continue;
                };
                let leads = matches!(avatar.role, Role::Facilitator | Role::Organizer);
                let at_table = |who: AvatarId| {
                    h.index
                        .get(&who)
                        .is_some_and(|&i| h.conv.people[i].area == Some(a))
                };
                let mut floor = h.floors.get(&a).cloned().unwrap_or_default();
                let result: Result<(), Refusal> = match *action {
                    FloorAction::Raise => {
                        if floor.speaker != Some(id) && !floor.queue.contains(&id) {
                            floor.queue.push(id);
                        }
                        Ok(())
                    }
                    FloorAction::Lower => {
                        floor.queue.retain(|x| *x != id);
                        if floor.speaker == Some(id) {
                            floor.speaker = None;
                            floor.timer_ends_ms = None;
                        }
                        Ok(())
                    }
                    _ if !leads => Err(Refusal::FloorFacilitatorOnly),
                    FloorAction::Next => {
                        floor.speaker = (!floor.queue.is_empty()).then(|| floor.queue.remove(0));
                        floor.timer_ends_ms = None;
                        Ok(())
                    }
                    FloorAction::Give(to) if at_table(to) => {
                        floor.queue.retain(|x| *x != to);
                        floor.speaker = Some(to);
                        floor.timer_ends_ms = None;
                        Ok(())
                    }
                    FloorAction::Give(_) => Err(Refusal::NotAtTable),
                    FloorAction::Timer { secs } => {
                        floor.timer_ends_ms = Some(clock.now_ms() + secs as u64 * 1000);
                        Ok(())
                    }
                    FloorAction::StopTimer => {
                        floor.timer_ends_ms = None;
                        Ok(())
                    }
                };
                if let Err(why) = result {
                    out.refuse(client, req, why);
                    continue;
                }
                let Some(msg) = floor_msg(map, a, &floor, clock.now_ms()) else {
                    out.refuse(client, req, Refusal::TableGone);
                    continue;
                };
                h.floors.insert(a, floor);
                for c in h.clients_at(a) {
                    out.send(c, channel::RELIABLE, &msg);
                }
                out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
            }
            ClientMsg::LockBubble { req, locked } => {
                let req = *req;
                let Some(h) = talks.halls.get(hall as usize) else {
                    continue;
                };
                let Some(&i) = h.index.get(&id) else {
                    continue;
                };
                if h.conv.people[i].area.is_some() {
                    out.refuse(client, req, Refusal::TableAlreadyPrivate);
                    continue;
                }
                let group = h.conv.conversation_of(i);
                if group.len() < 2 {
                    out.refuse(client, req, Refusal::BubbleEmpty);
                    continue;
                }
                let members: Vec<AvatarId> = group.iter().map(|&j| h.conv.people[j].id).collect();
                let lock = if *locked {
                    talks.next_lock = talks.next_lock.wrapping_add(1);
                    Some(talks.next_lock)
                } else {
                    None
                };
                talk.lock = lock;
                for (other, _, mut t) in avatars.iter_mut() {
                    if members.contains(&other.id) {
                        t.lock = lock;
                    }
                }
                out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
            }
            _ => {}
        }
    }
}

/// Room chat is delivered to the hall once it is saved.
fn finish_room_chat(
    mut pending: ResMut<PendingChat>,
    mut talks: ResMut<HallTalks>,
    avatars: Query<(&Avatar, &InHall)>,
    mut out: Outbox,
) {
    let mut done = Vec::new();
    pending.0.retain_mut(|w| match w.receipt.poll() {
        None => true,
        Some(result) => {
            done.push((
                w.client,
                w.req,
                w.hall,
                w.line.clone(),
                result.map(|r| r == Written::Done),
            ));
            false
        }
    });
    for (client, req, hall, line, result) in done {
        match result {
            Ok(true) => {
                let msg = ServerMsg::Chat(line.clone());
                for (avatar, in_hall) in &avatars {
                    if in_hall.0 == hall {
                        out.send(avatar.client, channel::RELIABLE, &msg);
                    }
                }
                if let Some(h) = talks.hall_mut(hall) {
                    h.history.push_back(line);
                    while h.history.len() > CHAT_HISTORY {
                        h.history.pop_front();
                    }
                }
                out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
            }
            Ok(false) | Err(_) => {
                warn!(req, "a room chat line could not be saved");
                out.refuse(client, req, Refusal::NotSaved);
            }
        }
    }
}

/// Reactions are counted; voice frames are forwarded to those who should hear them.
#[allow(clippy::too_many_arguments)]
fn take_expressions(
    mut expressions: MessageReader<Expression>,
    mut avatars: Query<(&Avatar, &InHall, &mut Talk)>,
    interest: Res<InterestRes>,
    connections: Res<crate::presence::Connections>,
    tick: Res<Tick>,
    mut talks: ResMut<HallTalks>,
    mut out: Outbox,
) {
    let mut emotes: HashMap<ClientId, Vec<(AvatarId, madang_shared::protocol::Emote)>> =
        HashMap::new();
    for e in expressions.read() {
        let Ok((avatar, hall, mut talk)) = avatars.get_mut(e.avatar) else {
            continue;
        };
        let Some(h) = talks.hall_mut(hall.0) else {
            continue;
        };
        match &e.msg {
            ClientMsg::React { reaction } if talk.react.take(&tick) => {
                h.reactions[reaction.index()] += 1;
            }
            ClientMsg::Emote { emote } if talk.react.take(&tick) => {
                // Gathered per recipient and sent once, after every expression of the tick.
                let shown = (avatar.id, *emote);
                let mut give = |client: ClientId| {
                    let list = emotes.entry(client).or_default();
                    if list.len() < MAX_EMOTES_PER_TICK {
                        list.push(shown);
                    }
                };
                give(avatar.client);
                for other in interest.0.known_by(avatar.id) {
                    if let Some(who) = connections.avatars.get(&other) {
                        give(who.client);
                    }
                }
            }
            ClientMsg::Voice { seq, data } => {
                if talk.muted || !talk.voice.take(&tick) {
                    continue;
                }
                let Some(&i) = h.index.get(&avatar.id) else {
                    continue;
                };
                let msg = ServerMsg::Voice {
                    from: avatar.id,
                    seq: *seq,
                    data: data.clone(),
                };
                for j in h.conv.voice_recipients(i) {
                    out.send(h.clients[j], channel::VOICE, &msg);
                }
            }
            _ => {}
        }
    }
    for (client, list) in emotes {
        out.send(client, channel::RELIABLE, &ServerMsg::Emotes { list });
    }
}

/// Each hall's reactions of the tick go to everyone in it as one message.
fn send_reactions(
    mut talks: ResMut<HallTalks>,
    avatars: Query<(&Avatar, &InHall)>,
    mut out: Outbox,
) {
    let mut counts: Vec<Option<[u32; 3]>> = Vec::with_capacity(talks.halls.len());
    for h in &mut talks.halls {
        counts.push((h.reactions != [0; 3]).then_some(h.reactions));
        h.reactions = [0; 3];
    }
    if counts.iter().all(Option::is_none) {
        return;
    }
    for (avatar, hall) in &avatars {
        if let Some(Some(c)) = counts.get(hall.0 as usize) {
            out.send(
                avatar.client,
                channel::RELIABLE,
                &ServerMsg::Reactions { counts: *c },
            );
        }
    }
}

/// Arrivals in a hall are shown who is on its stage and its room chat so far.
fn tell_arrivals(
    mut views: MessageReader<ViewMoved>,
    talks: Res<HallTalks>,
    connections: Res<crate::presence::Connections>,
    mut out: Outbox,
) {
    for v in views.read().filter(|v| v.from.is_none()) {
        let (Some(h), Some(who)) = (
            talks.halls.get(v.hall as usize),
            connections.avatars.get(&v.avatar),
        ) else {
            continue;
        };
        if h.history.is_empty() {
            continue;
        }
        out.send(
            who.client,
            channel::RELIABLE,
            &ServerMsg::ChatHistory {
                lines: h.history.iter().cloned().collect(),
            },
        );
    }
}
