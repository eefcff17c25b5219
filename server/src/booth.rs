//! Booths: the hearts and comments visitors leave, and what each visitor is told about the
//! booths in view.
//!
//! A heart or a comment is written to the store and acknowledged ([`ServerMsg::Done`]) only
//! once committed; then the new counts go to everyone whose area of interest holds the booth.
//! Comments are cleaned and limited ([`clean_comment`], [`COMMENTS_PER_MINUTE`]), read back
//! newest first a page at a time, and organizers can hide them. When someone's
//! view moves (arrival, a portal, crossing a cell border), they are sent the facts of the
//! booths that came into view, so counts are live where people look and cost nothing elsewhere.

use madang_shared::refusal::{Counted, Refusal};
use std::collections::{HashMap, HashSet, VecDeque};

use bevy::prelude::*;
use madang_shared::names::clean_comment;
use madang_shared::protocol::{
    AvatarId, BoothFact, COMMENTS_PER_PAGE, ClientMsg, CommentView, Role, ServerMsg, channel,
};
use madang_shared::rules::{Cell, cell_of, cells_adjacent, cells_around};
use renet::ClientId;
use tracing::warn;

use crate::halls::Halls;
use crate::net::{ClientRequest, Outbox};
use crate::presence::{Avatar, Connections, InHall};
use crate::snapshot::{InterestRes, ViewMoved};
use crate::store::{Loaded, PageReceipt, Receipt, Write, Written};
use crate::{ServerSet, StoreRes, Tick, unix_now};

/// Comments one visitor may leave per minute, and the least time between two, in seconds.
pub const COMMENTS_PER_MINUTE: usize = 3;
pub const COMMENT_GAP_SECS: u32 = 5;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<Commented>();
    app.init_resource::<PendingWrites>();
    app.init_resource::<PendingPages>();
    app.init_resource::<CommentTimes>();
    app.add_systems(
        Update,
        (take_requests, finish_writes, finish_pages)
            .chain()
            .in_set(ServerSet::Simulate),
    );
    app.add_systems(
        Update,
        send_facts_in_view
            .in_set(ServerSet::Send)
            .after(crate::snapshot::track_positions),
    );
}

/// A comment was saved (for the stamp tours).
#[derive(Message, Debug, Clone, Copy)]
pub struct Commented {
    pub hall: u16,
    pub booth: u32,
    pub visitor: u64,
}

/// The key of a booth in the store: `<hall id>#<map object id>`. Tiled keeps object ids when a
/// map is edited, so facts stay with their booth.
pub fn booth_key(hall: &str, object: u32) -> String {
    format!("{hall}#{object}")
}

#[derive(Debug)]
struct BoothState {
    cell: Cell,
    hearts: HashSet<u64>,
    comments: u32,
}

#[derive(Debug, Default)]
struct HallBooths {
    booths: HashMap<u32, BoothState>,
    by_cell: HashMap<Cell, Vec<u32>>,
}

/// Every booth's facts, in memory; loaded from the store at start, changed only after a commit.
#[derive(Resource, Debug)]
pub struct BoothBook {
    halls: Vec<HallBooths>,
    hall_ids: Vec<String>,
}

impl BoothBook {
    pub fn new(halls: &Halls, loaded: &Loaded, cell_tiles: u32) -> Self {
        let mut book = BoothBook {
            hall_ids: halls.ids(),
            halls: halls
                .maps
                .iter()
                .map(|map| {
                    let mut h = HallBooths::default();
                    for b in &map.booths {
                        let cell = cell_of(b.rect.center(), cell_tiles);
                        h.by_cell.entry(cell).or_default().push(b.object_id);
                        h.booths.insert(
                            b.object_id,
                            BoothState {
                                cell,
                                hearts: HashSet::new(),
                                comments: 0,
                            },
                        );
                    }
                    h
                })
                .collect(),
        };
        for (key, visitor) in &loaded.hearts {
            if let Some(b) = book.by_key(halls, key) {
                b.hearts.insert(*visitor);
            }
        }
        for (key, n) in &loaded.comment_counts {
            if let Some(b) = book.by_key(halls, key) {
                b.comments = *n as u32;
            }
        }
        book
    }

    /// After a hall's map changed: booths still on it keep their facts (by object id), new
    /// ones start empty (their facts, if any, are in the store under their keys), removed ones
    /// are forgotten here (their facts stay in the store).
    pub fn update_hall(&mut self, hall: u16, map: &madang_shared::map::HallMap, cell_tiles: u32) {
        let Some(h) = self.halls.get_mut(hall as usize) else {
            return;
        };
        let mut booths = HashMap::new();
        let mut by_cell: HashMap<Cell, Vec<u32>> = HashMap::new();
        for b in &map.booths {
            let cell = cell_of(b.rect.center(), cell_tiles);
            let mut state = h.booths.remove(&b.object_id).unwrap_or(BoothState {
                cell,
                hearts: HashSet::new(),
                comments: 0,
            });
            state.cell = cell;
            by_cell.entry(cell).or_default().push(b.object_id);
            booths.insert(b.object_id, state);
        }
        h.booths = booths;
        h.by_cell = by_cell;
    }

    /// The booth a store key names, if it is still on its map.
    fn by_key(&mut self, halls: &Halls, key: &str) -> Option<&mut BoothState> {
        let (hall, object) = key.rsplit_once('#')?;
        let object: u32 = object.parse().ok()?;
        let index = halls.index_of(hall)?;
        self.halls.get_mut(index as usize)?.booths.get_mut(&object)
    }

    /// The hall index and object id a store key names.
    fn locate(&self, key: &str) -> Option<(u16, u32)> {
        let (hall, object) = key.rsplit_once('#')?;
        let object: u32 = object.parse().ok()?;
        let index = self.hall_ids.iter().position(|h| h == hall)? as u16;
        self.booth(index, object).map(|_| (index, object))
    }

    fn booth_mut(&mut self, hall: u16, booth: u32) -> Option<&mut BoothState> {
        self.halls.get_mut(hall as usize)?.booths.get_mut(&booth)
    }

    fn booth(&self, hall: u16, booth: u32) -> Option<&BoothState> {
        self.halls.get(hall as usize)?.booths.get(&booth)
    }

    /// The facts of a booth as `visitor` is told them.
    pub fn fact(&self, hall: u16, booth: u32, visitor: u64) -> Option<BoothFact> {
        let b = self.booth(hall, booth)?;
        Some(BoothFact {
            booth,
            hearts: b.hearts.len() as u32,
            mine: b.hearts.contains(&visitor),
            comments: b.comments,
        })
    }

    /// The booths in the view of someone in `cell`.
    fn in_view(&self, hall: u16, cell: Cell) -> impl Iterator<Item = u32> + '_ {
        let h = self.halls.get(hall as usize);
        cells_around(cell)
            .filter_map(move |c| h.and_then(|h| h.by_cell.get(&c)))
            .flatten()
            .copied()
    }
}

/// What to do once a write has committed.
#[derive(Debug, Clone, Copy)]
enum Effect {
    Heart {
        hall: u16,
        booth: u32,
        visitor: u64,
        on: bool,
    },
    Comment {
        hall: u16,
        booth: u32,
        visitor: u64,
    },
    Hide {
        hidden: bool,
    },
}

/// When each visitor last commented, for the rate limit (per visitor, so reconnecting does
/// not reset it).
#[derive(Resource, Default)]
struct CommentTimes(HashMap<u64, VecDeque<u32>>);

impl CommentTimes {
    /// Whether `visitor` may comment at `tick`; records it when so. `Err` says how many
    /// seconds to wait.
    fn allow(&mut self, visitor: u64, tick: &Tick) -> Result<(), u32> {
        let minute = 60 * tick.hz;
        let times = self.0.entry(visitor).or_default();
        while times
            .front()
            .is_some_and(|t| tick.count.wrapping_sub(*t) >= minute)
        {
            times.pop_front();
        }
        let secs = |ticks: u32| ticks.div_ceil(tick.hz.max(1));
        if let Some(last) = times.back() {
            let since = tick.count.wrapping_sub(*last);
            if since < COMMENT_GAP_SECS * tick.hz {
                return Err(secs(COMMENT_GAP_SECS * tick.hz - since));
            }
        }
        if times.len() >= COMMENTS_PER_MINUTE {
            let oldest = *times.front().expect("the queue is full");
            return Err(secs(minute - tick.count.wrapping_sub(oldest)));
        }
        times.push_back(tick.count);
        Ok(())
    }
}

struct PendingPage {
    receipt: PageReceipt,
    client: ClientId,
    req: u32,
    hall: u16,
    booth: u32,
}

/// Reads of comments sent to the store and not yet answered.
#[derive(Resource, Default)]
struct PendingPages(Vec<PendingPage>);

struct Pending {
    receipt: Receipt,
    client: ClientId,
    avatar: AvatarId,
    req: u32,
    effect: Effect,
}

/// Writes sent to the store and not yet answered.
#[derive(Resource, Default)]
struct PendingWrites(Vec<Pending>);

#[allow(clippy::too_many_arguments)]
fn take_requests(
    mut requests: MessageReader<ClientRequest>,
    avatars: Query<(&Avatar, &InHall)>,
    book: Res<BoothBook>,
    halls: Res<Halls>,
    store: Res<StoreRes>,
    tick: Res<Tick>,
    mut times: ResMut<CommentTimes>,
    mut pending: ResMut<PendingWrites>,
    mut pages: ResMut<PendingPages>,
    rules: (Res<crate::SettingsRes>, crate::visits::VisitFacts),
    mut out: Outbox,
) {
    let (settings, facts) = rules;
    for request in requests.read() {
        let Ok((avatar, hall)) = avatars.get(request.avatar) else {
            continue;
        };
        match request.msg {
            ClientMsg::Heart { req, booth, on } => {
                let Some(map) = halls.get(hall.0) else {
                    continue;
                };
                if book.booth(hall.0, booth).is_none() {
                    out.refuse(avatar.client, req, Refusal::NoSuchBooth);
                    continue;
                }
                let key = booth_key(&map.id, booth);
                if on
                    && let Err(why) =
                        facts.may_count(avatar, &key, settings.0.hearts, Counted::Heart)
                {
                    out.refuse(avatar.client, req, why);
                    continue;
                }
                let receipt = store.0.submit(Write::Heart {
                    booth: key,
                    visitor: avatar.visitor_id,
                    on,
                    at: unix_now(),
                });
                pending.0.push(Pending {
                    receipt,
                    client: avatar.client,
                    avatar: avatar.id,
                    req,
                    effect: Effect::Heart {
                        hall: hall.0,
                        booth,
                        visitor: avatar.visitor_id,
                        on,
                    },
                });
            }
            ClientMsg::Comment {
                req,
                booth,
                ref text,
            } => {
                let Some(map) = halls.get(hall.0) else {
                    continue;
                };
                if book.booth(hall.0, booth).is_none() {
                    out.refuse(avatar.client, req, Refusal::NoSuchBooth);
                    continue;
                }
                let text = match clean_comment(text) {
                    Ok(t) => t,
                    Err(e) => {
                        out.refuse(avatar.client, req, e);
                        continue;
                    }
                };
                if let Err(wait) = times.allow(avatar.visitor_id, &tick) {
                    out.refuse(
                        avatar.client,
                        req,
                        Refusal::CommentTooFast { wait_secs: wait },
                    );
                    continue;
                }
                let receipt = store.0.submit(Write::Comment {
                    booth: booth_key(&map.id, booth),
                    visitor: avatar.visitor_id,
                    name: avatar.name.to_string(),
                    body: text,
                    at: unix_now(),
                });
                pending.0.push(Pending {
                    receipt,
                    client: avatar.client,
                    avatar: avatar.id,
                    req,
                    effect: Effect::Comment {
                        hall: hall.0,
                        booth,
                        visitor: avatar.visitor_id,
                    },
                });
            }
            ClientMsg::Comments {
                req,
                hall: h,
                booth,
                before,
            } => {
                let (Some(map), Some(_)) = (halls.get(h), book.booth(h, booth)) else {
                    out.refuse(avatar.client, req, Refusal::NoSuchBooth);
                    continue;
                };
                // One more than a page, to know whether more remain.
                let receipt = store.0.comments_later(
                    &booth_key(&map.id, booth),
                    before,
                    COMMENTS_PER_PAGE + 1,
                    avatar.role == Role::Organizer,
                );
                pages.0.push(PendingPage {
                    receipt,
                    client: avatar.client,
                    req,
                    hall: h,
                    booth,
                });
            }
            ClientMsg::HideComment { req, id, hidden } => {
                if avatar.role != Role::Organizer {
                    out.refuse(avatar.client, req, Refusal::OrganizersOnly);
                    continue;
                }
                let receipt = store.0.submit(Write::HideComment { id, hidden });
                pending.0.push(Pending {
                    receipt,
                    client: avatar.client,
                    avatar: avatar.id,
                    req,
                    effect: Effect::Hide { hidden },
                });
            }
            // Movement, ballots, screens and talk are other features' work.
            _ => {}
        }
    }
}

fn finish_pages(mut pages: ResMut<PendingPages>, mut out: Outbox) {
    pages.0.retain(|p| {
        let Some(result) = p.receipt.poll() else {
            return true;
        };
        let msg = match result {
            Ok(mut rows) => {
                let more = rows.len() > COMMENTS_PER_PAGE as usize;
                rows.truncate(COMMENTS_PER_PAGE as usize);
                ServerMsg::CommentPage {
                    req: p.req,
                    hall: p.hall,
                    booth: p.booth,
                    comments: rows
                        .into_iter()
                        .map(|r| CommentView {
                            id: r.id,
                            name: r.name,
                            text: r.body,
                            at: r.at,
                            hidden: r.hidden,
                        })
                        .collect(),
                    more,
                }
            }
            Err(e) => {
                warn!(req = p.req, "reading comments failed: {e}");
                ServerMsg::Refused {
                    req: p.req,
                    why: Refusal::CommentsUnreadable,
                }
            }
        };
        out.send(p.client, channel::RELIABLE, &msg);
        false
    });
}

fn finish_writes(
    mut pending: ResMut<PendingWrites>,
    mut book: ResMut<BoothBook>,
    interest: Res<InterestRes>,
    connections: Res<Connections>,
    mut commented: MessageWriter<Commented>,
    mut out: Outbox,
) {
    let mut done = Vec::new();
    pending.0.retain(|p| match p.receipt.poll() {
        None => true,
        Some(result) => {
            done.push((p.client, p.avatar, p.req, p.effect, result));
            false
        }
    });
    for (client, avatar, req, effect, result) in done {
        let connected = connections.avatars.contains_key(&avatar);
        let refusal = match &result {
            Ok(Written::Refused(why)) => Some(why.clone()),
            Err(e) => {
                warn!(req, "a write failed: {e}");
                Some(Refusal::NotSaved)
            }
            Ok(_) => None,
        };
        if let Some(why) = refusal {
            if connected {
                out.refuse(client, req, why);
            }
            continue;
        }
        if connected {
            out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
        }
        // Apply what was saved; find the booth whose facts changed.
        let changed = match (effect, &result) {
            (
                Effect::Heart {
                    hall,
                    booth,
                    visitor,
                    on,
                },
                _,
            ) => book.booth_mut(hall, booth).and_then(|b| {
                let changed = if on {
                    b.hearts.insert(visitor)
                } else {
                    b.hearts.remove(&visitor)
                };
                changed.then_some((hall, booth))
            }),
            (
                Effect::Comment {
                    hall,
                    booth,
                    visitor,
                },
                _,
            ) => {
                commented.write(Commented {
                    hall,
                    booth,
                    visitor,
                });
                book.booth_mut(hall, booth).map(|b| {
                    b.comments += 1;
                    (hall, booth)
                })
            }
            (
                Effect::Hide { hidden },
                Ok(Written::Hidden {
                    booth,
                    changed: true,
                }),
            ) => book.locate(booth).and_then(|(hall, object)| {
                let b = book.booth_mut(hall, object)?;
                b.comments = if hidden {
                    b.comments.saturating_sub(1)
                } else {
                    b.comments + 1
                };
                Some((hall, object))
            }),
            (Effect::Hide { .. }, _) => None,
        };
        let Some((hall, booth)) = changed else {
            continue;
        };
        let Some(cell) = book.booth(hall, booth).map(|b| b.cell) else {
            continue;
        };
        // Everyone with the booth in view, and the one who asked wherever they are now.
        let mut told = false;
        for viewer in interest.0.viewers_of(hall, cell) {
            let Some(who) = connections.avatars.get(&viewer) else {
                continue;
            };
            told |= viewer == avatar;
            if let Some(fact) = book.fact(hall, booth, who.visitor) {
                out.send(
                    who.client,
                    channel::RELIABLE,
                    &ServerMsg::BoothFacts {
                        hall,
                        booths: vec![fact],
                    },
                );
            }
        }
        if let (false, Some(who)) = (told, connections.avatars.get(&avatar))
            && let Some(fact) = book.fact(hall, booth, who.visitor)
        {
            out.send(
                who.client,
                channel::RELIABLE,
                &ServerMsg::BoothFacts {
                    hall,
                    booths: vec![fact],
                },
            );
        }
    }
}

fn send_facts_in_view(
    mut views: MessageReader<ViewMoved>,
    book: Res<BoothBook>,
    connections: Res<Connections>,
    mut out: Outbox,
) {
    for v in views.read() {
        let Some(who) = connections.avatars.get(&v.avatar) else {
            continue;
        };
        let facts: Vec<BoothFact> = book
            .in_view(v.hall, v.to)
            .filter(|b| {
                let seen_before = v
                    .from
                    .zip(book.booth(v.hall, *b))
                    .is_some_and(|(from, state)| cells_adjacent(from, state.cell));
                !seen_before
            })
            .filter_map(|b| book.fact(v.hall, b, who.visitor))
            .collect();
        if !facts.is_empty() {
            out.send(
                who.client,
                channel::RELIABLE,
                &ServerMsg::BoothFacts {
                    hall: v.hall,
                    booths: facts,
                },
            );
        }
    }
}
