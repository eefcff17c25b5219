//! The seed events' rituals that the ceremony runs ([`crate::ceremony`]): the partnership
//! signed online, and the relay's object handed from one host to the next.
//!
//! **Signing.** The settings' `[agreement]` lists the signing organizations and their
//! representatives (by visitor id or one-time claim code, as award winners are). The organizer
//! opens the signing; each step calls the next representative present to the signing desk (the
//! stage), who alone is sent what to sign ([`ServerMsg::SignPlease`]). Their client signs it
//! with the representative's own Ed25519 key; the server checks the signature against the
//! record's head ([`Record::append`]), saves the entry and only then acknowledges it and shows
//! it to the room. The record is a hash chain, exported as JSON with the public keys
//! (`madang-server report`) and checked offline by `madang-server agreement verify`.
//!
//! **Relay.** The settings' `[relay]` names the object, its picture, this expo's host (the
//! giver) and the next (the receiver). The handover step calls both onto the stage with the
//! object over the holder; run again, it passes the object, which is saved before the room is
//! told. The holder is kept in the store: at a later expo with the same object, whoever holds
//! it holds it from the start.

use bevy::prelude::*;
use madang_shared::agreement::{Entry, Record};
use madang_shared::protocol::{
    AvatarId, ProgramStep, RelayView, ServerMsg, SignRequest, SignedView, SigningView, channel,
};
use madang_shared::refusal::Refusal;
use renet::ClientId;
use tracing::warn;

use crate::ceremony::{AwardClaims, is_winner};
use crate::net::Outbox;
use crate::presence::Avatar;
use crate::settings::{AwardSetting, RELAY_GIVER, RELAY_RECEIVER, Settings, signer_key};
use crate::store::{Receipt, Written};

/// The signing and the relay, as they stand.
#[derive(Resource)]
pub struct Rituals {
    /// The ceremony's program.
    pub program: Vec<ProgramStep>,
    pub signing: Signing,
    pub relay: Option<Relay>,
}

/// The partnership signing.
pub struct Signing {
    /// The record (none when the expo has no agreement).
    pub record: Option<Record>,
    /// Each organization's representative, as a claimable (in the agreement's order).
    pub reps: Vec<AwardSetting>,
    /// Whether the organizer has opened it.
    pub open: bool,
    /// The title for English windows.
    pub title_en: String,
    /// The organization whose representative stands at the desk, by index.
    pub at_desk: Option<usize>,
    /// A signature being saved: the record with it, who asked, and the organization.
    pub pending: Option<PendingSignature>,
}

pub struct PendingSignature {
    pub receipt: Receipt,
    pub client: ClientId,
    pub req: u32,
    pub record: Record,
    pub organization: usize,
    /// The representative (visitor, name), asked again if the save fails.
    pub signer: (u64, String),
}

/// The relay's object.
pub struct Relay {
    pub object: String,
    pub object_en: String,
    pub image: String,
    pub giver: AwardSetting,
    pub receiver: AwardSetting,
    /// Who holds it (visitor, label): kept from before, or none while the giver does.
    pub holder: Option<(u64, String)>,
    /// Both hosts have been called onto the stage; the next run passes the object.
    pub called: bool,
    /// The hand it just left, for the window to draw it travelling.
    pub from: Option<AvatarId>,
    pub pending: Option<PendingHandover>,
}

pub struct PendingHandover {
    pub receipt: Receipt,
    pub client: ClientId,
    pub req: u32,
    pub to: (u64, String),
    pub from: AvatarId,
    /// Where the program goes once it is kept (when run by `Next`).
    pub after: Option<usize>,
}

impl Rituals {
    /// From the settings and what the store kept: the signatures recorded so far (checked
    /// again; a stored entry that fails is left out with a warning, and those after it), and
    /// the relay's holder.
    pub fn new(settings: &Settings, loaded: &crate::store::Loaded) -> Rituals {
        let claimables = settings.claimables();
        let find = |key: &str| claimables.iter().find(|c| c.name == key).cloned();
        let record = match settings.agreement_text() {
            Ok(Some(agreement)) => {
                let mut record = Record::new(agreement);
                for (hash, seq, json) in &loaded.signatures {
                    if *hash != record.agreement_hash {
                        continue;
                    }
                    let pushed = serde_json::from_str::<Entry>(json)
                        .map_err(|e| e.to_string())
                        .and_then(|e| record.push(e).map_err(|e| e.to_string()));
                    if let Err(e) = pushed {
                        warn!(seq, "a stored signature does not hold and is left out: {e}");
                        break;
                    }
                }
                Some(record)
            }
            Ok(None) => None,
            Err(e) => {
                warn!("the agreement cannot be read: {e}");
                None
            }
        };
        let reps = settings
            .agreement
            .iter()
            .flat_map(|a| &a.parties)
            .filter_map(|p| find(&signer_key(&p.organization)))
            .collect();
        let relay = settings.relay.as_ref().and_then(|r| {
            Some(Relay {
                object: r.object.clone(),
                object_en: r.object_en.clone(),
                image: r.image.clone(),
                giver: find(RELAY_GIVER)?,
                receiver: find(RELAY_RECEIVER)?,
                holder: loaded
                    .relay_holders
                    .iter()
                    .find(|(o, ..)| *o == r.object)
                    .map(|(_, v, n)| (*v, n.clone())),
                called: false,
                from: None,
                pending: None,
            })
        });
        Rituals {
            program: settings.program(),
            signing: Signing {
                record,
                reps,
                open: false,
                title_en: settings
                    .agreement
                    .as_ref()
                    .map(|a| a.title_en.clone())
                    .unwrap_or_default(),
                at_desk: None,
                pending: None,
            },
            relay,
        }
    }

    /// The signing as the room sees it, once opened.
    pub fn signing_view(&self) -> Option<SigningView> {
        let s = &self.signing;
        let record = s.record.as_ref().filter(|_| s.open)?;
        Some(SigningView {
            title: record.agreement.title.clone(),
            title_en: s.title_en.clone(),
            organizations: record.agreement.organizations.clone(),
            signed: record
                .entries
                .iter()
                .map(|e| SignedView {
                    organization: e.organization.clone(),
                    name: e.name.clone(),
                    at_ms: e.signed_at_ms,
                })
                .collect(),
            at_desk: s.at_desk.map(|i| i as u16),
        })
    }

    /// The relay as the room sees it, with its holder's avatar when connected.
    pub fn relay_view<'a>(
        &self,
        claims: &AwardClaims,
        avatars: impl Iterator<Item = &'a Avatar>,
    ) -> Option<RelayView> {
        let r = self.relay.as_ref()?;
        Some(RelayView {
            object: r.object.clone(),
            object_en: r.object_en.clone(),
            image: r.image.clone(),
            holder_name: Some(
                r.holder
                    .as_ref()
                    .map_or_else(|| r.giver.winner.clone(), |(_, n)| n.clone()),
            ),
            holder: r.holder_avatar(claims, avatars),
            from: r.from,
        })
    }

    /// The organizations not yet signed (nor being saved), in order.
    pub fn unsigned(&self) -> Vec<usize> {
        let s = &self.signing;
        let Some(record) = &s.record else {
            return Vec::new();
        };
        let saving = s.pending.as_ref().map(|p| p.organization);
        (0..record.agreement.organizations.len())
            .filter(|&i| !record.signed(&record.agreement.organizations[i]) && Some(i) != saving)
            .collect()
    }

    /// What the representative of organization `i` is asked to sign.
    pub fn sign_request(&self, i: usize, me: &Avatar) -> Option<SignRequest> {
        self.ask(i, me.visitor_id, &me.name)
    }

    fn ask(&self, i: usize, visitor: u64, name: &str) -> Option<SignRequest> {
        let record = self.signing.record.as_ref()?;
        Some(SignRequest {
            title: record.agreement.title.clone(),
            text: record.agreement.text.clone(),
            organizations: record.agreement.organizations.clone(),
            organization: record.agreement.organizations.get(i)?.clone(),
            visitor,
            name: name.to_owned(),
            agreement_hash: record.agreement.hash().to_vec(),
            prev_hash: record.head_hash().to_vec(),
        })
    }

    /// A signature from `me`, who must be the representative at the desk. On success the
    /// entry is being saved (answered by [`finish`]).
    pub fn sign(
        &mut self,
        me: &Avatar,
        claims: &AwardClaims,
        (public_key, signature): (&[u8], &[u8]),
        at_ms: i64,
        store: &crate::store::Store,
        (client, req): (ClientId, u32),
    ) -> Result<(), Refusal> {
        let s = &mut self.signing;
        let (Some(record), Some(i)) = (&s.record, s.at_desk) else {
            return Err(Refusal::NotAtTheDesk);
        };
        let theirs = s
            .reps
            .get(i)
            .is_some_and(|rep| is_winner(rep, claims, me.visitor_id));
        if s.pending.is_some() || !theirs {
            return Err(Refusal::NotAtTheDesk);
        }
        let Some(organization) = record.agreement.organizations.get(i).cloned() else {
            return Err(Refusal::NotAtTheDesk);
        };
        let (Ok(key), Ok(sig)) = (
            <[u8; 32]>::try_from(public_key),
            <[u8; 64]>::try_from(signature),
        ) else {
            return Err(Refusal::SignatureInvalid);
        };
        let mut candidate = record.clone();
        let entry = candidate
            .append(&organization, me.visitor_id, &me.name, at_ms, &key, &sig)
            .map_err(|e| {
                tracing::info!(name = %me.name, %organization, "a signature is refused: {e}");
                Refusal::SignatureInvalid
            })?;
        let (seq, json) = (
            entry.seq,
            serde_json::to_string(entry).map_err(|_| Refusal::SignatureInvalid)?,
        );
        let receipt = store.submit(crate::store::Write::Signature {
            agreement: candidate.agreement_hash.clone(),
            seq,
            entry: json,
        });
        s.pending = Some(PendingSignature {
            receipt,
            client,
            req,
            record: candidate,
            organization: i,
            signer: (me.visitor_id, me.name.to_string()),
        });
        s.at_desk = None;
        Ok(())
    }
}

impl Relay {
    /// Whether `visitor` holds the object now.
    pub fn holds(&self, claims: &AwardClaims, visitor: u64) -> bool {
        match &self.holder {
            Some((v, _)) => *v == visitor,
            None => is_winner(&self.giver, claims, visitor),
        }
    }

    pub fn holder_avatar<'a>(
        &self,
        claims: &AwardClaims,
        mut avatars: impl Iterator<Item = &'a Avatar>,
    ) -> Option<AvatarId> {
        avatars
            .find(|a| self.holds(claims, a.visitor_id))
            .map(|a| a.id)
    }
}

/// What a finished save means for the room.
pub enum Finished {
    /// A signature or a handover is kept: the room is shown it, and the program goes on to
    /// the step named, if any.
    Kept {
        next: Option<usize>,
    },
    Nothing,
}

/// Answers the saves that have finished: the representative hears their signature is kept, the
/// organizer that the object has passed.
pub fn finish(rituals: &mut Rituals, out: &mut Outbox) -> Finished {
    let mut kept = Finished::Nothing;
    if let Some(p) = &rituals.signing.pending
        && let Some(result) = p.receipt.poll()
    {
        let p = rituals.signing.pending.take().expect("just seen");
        match result {
            Ok(Written::Done) => {
                out.send(p.client, channel::RELIABLE, &ServerMsg::Done { req: p.req });
                rituals.signing.record = Some(p.record);
                kept = Finished::Kept { next: None };
            }
            other => {
                if let Err(e) = other {
                    warn!("a signature could not be saved: {e}");
                }
                out.refuse(p.client, p.req, Refusal::SignatureNotSaved);
                // Back at the desk, asked again (the record's head is as before).
                rituals.signing.at_desk = Some(p.organization);
                if let Some(ask) = rituals.ask(p.organization, p.signer.0, &p.signer.1) {
                    out.send(p.client, channel::RELIABLE, &ServerMsg::SignPlease(ask));
                }
            }
        }
    }
    if let Some(r) = &mut rituals.relay
        && let Some(p) = &r.pending
        && let Some(result) = p.receipt.poll()
    {
        let p = r.pending.take().expect("just seen");
        match result {
            Ok(_) => {
                out.send(p.client, channel::RELIABLE, &ServerMsg::Done { req: p.req });
                r.holder = Some(p.to);
                r.from = Some(p.from);
                r.called = false;
                kept = Finished::Kept { next: p.after };
            }
            Err(e) => {
                warn!("a handover could not be saved: {e}");
                out.refuse(p.client, p.req, Refusal::HandoverNotSaved);
            }
        }
    }
    kept
}
