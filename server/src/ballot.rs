//! The empathy vote: ballots declared by the maps (a booth's `ballot` property makes it a
//! candidate), one vote per visitor per ballot, changeable while the ballot is open.
//!
//! Organizers open and close ballots; the tally is live for organizers and public once a ballot
//! closes. A vote is acknowledged only once committed, and the store checks the ballot is open
//! in the same transaction, so a vote racing the close is either counted or refused.

use madang_shared::refusal::{Counted, Refusal};
use std::collections::{BTreeMap, HashMap, HashSet};

use bevy::prelude::*;
use madang_shared::protocol::{
    BallotState, BallotView, ClientMsg, Role, ServerMsg, TallyRow, channel,
};
use renet::ClientId;
use tracing::{info, warn};

use crate::booth::booth_key;
use crate::halls::Halls;
use crate::net::{ClientRequest, Outbox};
use crate::presence::{Avatar, Connections};
use crate::store::{Loaded, Receipt, Write, Written};
use crate::visits::VisitFacts;
use crate::{ServerSet, SettingsRes, StoreRes, unix_now};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<PendingVotes>();
    app.add_message::<BallotsChanged>();
    app.add_systems(
        Update,
        (take_requests, finish_writes, announce_ballots)
            .chain()
            .in_set(ServerSet::Simulate),
    );
    app.add_systems(
        Update,
        tell_arrivals
            .in_set(ServerSet::Receive)
            .after(crate::presence::admit_and_remove),
    );
}

#[derive(Debug)]
struct Ballot {
    state: BallotState,
    candidates: HashSet<(u16, u32)>,
    votes: HashMap<u64, (u16, u32)>,
}

/// Every ballot, in memory; loaded at start, changed only after a commit.
#[derive(Resource, Debug)]
pub struct BallotBook {
    ballots: BTreeMap<String, Ballot>,
}

impl BallotBook {
    pub fn new(halls: &Halls, loaded: &Loaded) -> Self {
        let mut ballots: BTreeMap<String, Ballot> = BTreeMap::new();
        let mut keys: HashMap<String, (u16, u32)> = HashMap::new();
        for (h, map) in halls.maps.iter().enumerate() {
            for b in &map.booths {
                keys.insert(booth_key(&map.id, b.object_id), (h as u16, b.object_id));
                if let Some(id) = &b.ballot {
                    ballots
                        .entry(id.clone())
                        .or_insert_with(|| Ballot {
                            state: BallotState::Draft,
                            candidates: HashSet::new(),
                            votes: HashMap::new(),
                        })
                        .candidates
                        .insert((h as u16, b.object_id));
                }
            }
        }
        for (id, state) in &loaded.ballots {
            if let Some(b) = ballots.get_mut(id) {
                b.state = *state;
            }
        }
        for (ballot, visitor, booth) in &loaded.votes {
            if let (Some(b), Some(at)) = (ballots.get_mut(ballot), keys.get(booth)) {
                b.votes.insert(*visitor, *at);
            }
        }
        BallotBook { ballots }
    }

    /// After a hall's map changed: its booths' candidacies follow the new map (a new
    /// `ballot` id starts as a draft); votes already cast stay.
    pub fn update_hall(&mut self, hall: u16, map: &madang_shared::map::HallMap) {
        for b in self.ballots.values_mut() {
            b.candidates.retain(|(h, _)| *h != hall);
        }
        for booth in &map.booths {
            if let Some(id) = &booth.ballot {
                self.ballots
                    .entry(id.clone())
                    .or_insert_with(|| Ballot {
                        state: BallotState::Draft,
                        candidates: HashSet::new(),
                        votes: HashMap::new(),
                    })
                    .candidates
                    .insert((hall, booth.object_id));
            }
        }
    }

    /// Every ballot as `visitor` sees it.
    pub(crate) fn views(&self, visitor: u64) -> Vec<BallotView> {
        self.ballots
            .iter()
            .map(|(id, b)| {
                let mut candidates: Vec<(u16, u32)> = b.candidates.iter().copied().collect();
                candidates.sort_unstable();
                BallotView {
                    id: id.clone(),
                    state: b.state,
                    candidates,
                    mine: b.votes.get(&visitor).copied(),
                }
            })
            .collect()
    }

    /// The tally, most votes first.
    fn tally(&self, ballot: &str) -> Option<(BallotState, Vec<TallyRow>)> {
        let b = self.ballots.get(ballot)?;
        let mut counts: HashMap<(u16, u32), u32> = b.candidates.iter().map(|c| (*c, 0)).collect();
        for v in b.votes.values() {
            *counts.entry(*v).or_default() += 1;
        }
        let mut rows: Vec<TallyRow> = counts
            .into_iter()
            .map(|((hall, booth), votes)| TallyRow { hall, booth, votes })
            .collect();
        rows.sort_by(|a, b| {
            b.votes
                .cmp(&a.votes)
                .then((a.hall, a.booth).cmp(&(b.hall, b.booth)))
        });
        Some((b.state, rows))
    }
}

#[derive(Debug, Clone)]
enum Effect {
    Vote {
        ballot: String,
        visitor: u64,
        choice: (u16, u32),
    },
    State {
        ballot: String,
        state: BallotState,
    },
}

struct Pending {
    receipt: Receipt,
    client: ClientId,
    req: u32,
    effect: Effect,
}

#[derive(Resource, Default)]
struct PendingVotes(Vec<Pending>);

/// A ballot opened or closed: everyone is told.
#[derive(Message, Debug, Clone, Copy)]
struct BallotsChanged;

#[allow(clippy::too_many_arguments)]
fn take_requests(
    mut requests: MessageReader<ClientRequest>,
    avatars: Query<&Avatar>,
    book: Res<BallotBook>,
    halls: Res<Halls>,
    store: Res<StoreRes>,
    settings: Res<SettingsRes>,
    facts: VisitFacts,
    mut pending: ResMut<PendingVotes>,
    mut out: Outbox,
) {
    for request in requests.read() {
        let Ok(avatar) = avatars.get(request.avatar) else {
            continue;
        };
        let client = avatar.client;
        match &request.msg {
            ClientMsg::Vote {
                req,
                ballot,
                hall,
                booth,
            } => {
                let Some(b) = book.ballots.get(ballot) else {
                    out.refuse(client, *req, Refusal::NoSuchBallot);
                    continue;
                };
                if !b.candidates.contains(&(*hall, *booth)) {
                    out.refuse(client, *req, Refusal::NotCandidate);
                    continue;
                }
                if b.state != BallotState::Open {
                    out.refuse(client, *req, Refusal::BallotNotOpen);
                    continue;
                }
                let Some(map) = halls.get(*hall) else {
                    continue;
                };
                let key = booth_key(&map.id, *booth);
                let rule = settings.0.vote_rule(ballot);
                if let Err(why) = facts.may_count(avatar, &key, rule, Counted::Vote) {
                    info!(visitor = avatar.visitor_id, ballot = %ballot, booth = %key, "vote refused: {why}");
                    out.refuse(client, *req, why);
                    continue;
                }
                let receipt = store.0.submit(Write::Vote {
                    ballot: ballot.clone(),
                    visitor: avatar.visitor_id,
                    booth: key,
                    at: unix_now(),
                });
                pending.0.push(Pending {
                    receipt,
                    client,
                    req: *req,
                    effect: Effect::Vote {
                        ballot: ballot.clone(),
                        visitor: avatar.visitor_id,
                        choice: (*hall, *booth),
                    },
                });
            }
            ClientMsg::SetBallot { req, ballot, state } => {
                if avatar.role != Role::Organizer {
                    out.refuse(client, *req, Refusal::OrganizersOnly);
                    continue;
                }
                if !book.ballots.contains_key(ballot) {
                    out.refuse(client, *req, Refusal::NoSuchBallot);
                    continue;
                }
                let receipt = store.0.submit(Write::Ballot {
                    ballot: ballot.clone(),
                    state: *state,
                    at: unix_now(),
                });
                pending.0.push(Pending {
                    receipt,
                    client,
                    req: *req,
                    effect: Effect::State {
                        ballot: ballot.clone(),
                        state: *state,
                    },
                });
            }
            ClientMsg::Tally { req, ballot } => match book.tally(ballot) {
                None => out.refuse(client, *req, Refusal::NoSuchBallot),
                Some((state, _))
                    if state != BallotState::Closed && avatar.role != Role::Organizer =>
                {
                    out.refuse(client, *req, Refusal::ResultsAfterClose)
                }
                Some((state, rows)) => out.send(
                    client,
                    channel::RELIABLE,
                    &ServerMsg::Tally {
                        req: *req,
                        ballot: ballot.clone(),
                        state,
                        rows,
                    },
                ),
            },
            _ => {}
        }
    }
}

fn finish_writes(
    mut pending: ResMut<PendingVotes>,
    mut book: ResMut<BallotBook>,
    mut changed: MessageWriter<BallotsChanged>,
    mut out: Outbox,
) {
    let mut done = Vec::new();
    pending.0.retain(|p| match p.receipt.poll() {
        None => true,
        Some(result) => {
            done.push((p.client, p.req, p.effect.clone(), result));
            false
        }
    });
    for (client, req, effect, result) in done {
        match result {
            Ok(Written::Refused(why)) => out.refuse(client, req, why.clone()),
            Err(e) => {
                warn!(req, "a vote could not be saved: {e}");
                out.refuse(client, req, Refusal::NotSaved);
            }
            Ok(_) => {
                match effect {
                    Effect::Vote {
                        ballot,
                        visitor,
                        choice,
                    } => {
                        if let Some(b) = book.ballots.get_mut(&ballot) {
                            b.votes.insert(visitor, choice);
                        }
                        // The voter sees their vote where the ballots are shown.
                        out.send(
                            client,
                            channel::RELIABLE,
                            &ServerMsg::Ballots {
                                ballots: book.views(visitor),
                            },
                        );
                    }
                    Effect::State { ballot, state } => {
                        if let Some(b) = book.ballots.get_mut(&ballot) {
                            b.state = state;
                        }
                        info!(ballot = %ballot, ?state, "ballot changed");
                        changed.write(BallotsChanged);
                    }
                }
                out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
            }
        }
    }
}

/// Tells everyone the ballots after one opened or closed (organizer actions: rare, so telling
/// everyone connected is cheap).
fn announce_ballots(
    mut changed: MessageReader<BallotsChanged>,
    book: Res<BallotBook>,
    connections: Res<Connections>,
    mut out: Outbox,
) {
    if changed.read().count() == 0 {
        return;
    }
    for who in connections.avatars.values() {
        out.send(
            who.client,
            channel::RELIABLE,
            &ServerMsg::Ballots {
                ballots: book.views(who.visitor),
            },
        );
    }
}

/// Newcomers are told the ballots and their own votes.
fn tell_arrivals(arrivals: Query<&Avatar, Added<Avatar>>, book: Res<BallotBook>, mut out: Outbox) {
    for avatar in &arrivals {
        out.send(
            avatar.client,
            channel::RELIABLE,
            &ServerMsg::Ballots {
                ballots: book.views(avatar.visitor_id),
            },
        );
    }
}
