//! Booths: the hearts visitors give them, and what each visitor is told about the booths in
//! view.
//!
//! A heart is written to the store and acknowledged ([`ServerMsg::Done`]) only once committed;
//! then the new count goes to everyone whose area of interest holds the booth. When someone's
//! view moves (arrival, a portal, crossing a cell border), they are sent the facts of the
//! booths that came into view, so counts are live where people look and cost nothing elsewhere.

use std::collections::{HashMap, HashSet};

use bevy::prelude::*;
use madang_shared::protocol::{AvatarId, BoothFact, ClientMsg, ServerMsg, channel};
use madang_shared::rules::{Cell, cell_of, cells_adjacent, cells_around};
use renet::ClientId;
use tracing::warn;

use crate::halls::Halls;
use crate::net::{ClientRequest, Outbox};
use crate::presence::{Avatar, Connections, InHall};
use crate::snapshot::{InterestRes, ViewMoved};
use crate::store::{Loaded, Receipt, Write, Written};
use crate::{ServerSet, StoreRes, unix_now};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<PendingWrites>();
    app.add_systems(
        Update,
        (take_requests, finish_writes)
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
}

impl BoothBook {
    pub fn new(halls: &Halls, loaded: &Loaded, cell_tiles: u32) -> Self {
        let mut book = BoothBook {
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

    /// The booth a store key names, if it is still on its map.
    fn by_key(&mut self, halls: &Halls, key: &str) -> Option<&mut BoothState> {
        let (hall, object) = key.rsplit_once('#')?;
        let object: u32 = object.parse().ok()?;
        let index = halls.index_of(hall)?;
        self.halls.get_mut(index as usize)?.booths.get_mut(&object)
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
}

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

fn take_requests(
    mut requests: MessageReader<ClientRequest>,
    avatars: Query<(&Avatar, &InHall)>,
    book: Res<BoothBook>,
    halls: Res<Halls>,
    store: Res<StoreRes>,
    mut pending: ResMut<PendingWrites>,
    mut out: Outbox,
) {
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
                    out.send(
                        avatar.client,
                        channel::RELIABLE,
                        &ServerMsg::Refused {
                            req,
                            why: "there is no such booth in this hall".into(),
                        },
                    );
                    continue;
                }
                let receipt = store.0.submit(Write::Heart {
                    booth: booth_key(&map.id, booth),
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
            ClientMsg::Input { .. } => {}
        }
    }
}

fn finish_writes(
    mut pending: ResMut<PendingWrites>,
    mut book: ResMut<BoothBook>,
    interest: Res<InterestRes>,
    connections: Res<Connections>,
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
        match result {
            Ok(Written::Done) | Ok(Written::Comment(_)) => {
                let Effect::Heart {
                    hall,
                    booth,
                    visitor,
                    on,
                } = effect;
                let Some(state) = book
                    .halls
                    .get_mut(hall as usize)
                    .and_then(|h| h.booths.get_mut(&booth))
                else {
                    continue;
                };
                let changed = if on {
                    state.hearts.insert(visitor)
                } else {
                    state.hearts.remove(&visitor)
                };
                let cell = state.cell;
                if connected {
                    out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
                }
                if !changed {
                    continue;
                }
                // Everyone with the booth in view, and the giver wherever they are now.
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
                if connected
                    && !told
                    && let Some(fact) = book.fact(hall, booth, visitor)
                {
                    out.send(
                        client,
                        channel::RELIABLE,
                        &ServerMsg::BoothFacts {
                            hall,
                            booths: vec![fact],
                        },
                    );
                }
            }
            Ok(Written::Refused(why)) => {
                if connected {
                    out.send(
                        client,
                        channel::RELIABLE,
                        &ServerMsg::Refused {
                            req,
                            why: why.into(),
                        },
                    );
                }
            }
            Err(e) => {
                warn!(req, "a write failed: {e}");
                if connected {
                    out.send(
                        client,
                        channel::RELIABLE,
                        &ServerMsg::Refused {
                            req,
                            why: "it could not be saved; please try again".into(),
                        },
                    );
                }
            }
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
