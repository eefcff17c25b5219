//! The awards ceremony and the timetable: the ceremony as last told, its steps (organizers),
//! going to its room, and what is on now and next by the server's wall clock.

use madang_shared::agreement::{Agreement, Signer, SigningKey};
use madang_shared::protocol::{CeremonyStep, CeremonyView, ClientMsg, ScheduleEntry, SignRequest};

use super::{Session, now_since_epoch};

/// What a session knows of the ceremony and the timetable.
#[derive(Debug, Default)]
pub struct Ceremony {
    /// The awards ceremony as last told, and how many ceremony messages came.
    pub view: Option<CeremonyView>,
    pub messages: u64,
    /// The expo's timetable around now, soonest first.
    pub schedule: Vec<ScheduleEntry>,
    /// The server's wall clock minus ours (ms), for counting down to the timetable.
    pub wall_offset_ms: i64,
    /// What you are asked to sign, while you stand at the signing desk.
    pub sign_request: Option<SignRequest>,
}

/// Why the client will not sign what it was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("nothing to sign")]
    NothingAsked,
    #[error("the agreement shown does not match the hash asked to be signed")]
    NotWhatIsShown,
    #[error("the request names another visitor")]
    NotMe,
}

impl Ceremony {
    /// The ceremony changed.
    pub(super) fn ceremony_came(&mut self, view: CeremonyView) {
        self.messages += 1;
        // Asked to sign, and no longer at the desk (another was called, the signing or the
        // ceremony closed): the request is stale.
        if let Some(ask) = &self.sign_request {
            let still = view.signing.as_ref().is_some_and(|g| {
                g.at_desk
                    .and_then(|i| g.organizations.get(i as usize))
                    .is_some_and(|o| *o == ask.organization)
            });
            if !still {
                self.sign_request = None;
            }
        }
        self.view = Some(view);
    }

    /// The timetable, stamped with the server's wall clock (Unix ms).
    pub(super) fn schedule_came(&mut self, entries: Vec<ScheduleEntry>, wall_ms: i64) {
        let local = now_since_epoch().as_millis() as i64;
        self.schedule = entries;
        self.wall_offset_ms = wall_ms - local;
    }
}

impl Session {
    /// The server's wall clock now (Unix ms), as estimated here.
    pub fn wall_now_ms(&self) -> i64 {
        now_since_epoch().as_millis() as i64 + self.ceremony.wall_offset_ms
    }

    /// What is on now and what comes next, by the timetable.
    pub fn now_and_next(&self) -> (Option<&ScheduleEntry>, Option<&ScheduleEntry>) {
        let now = self.wall_now_ms();
        let schedule = &self.ceremony.schedule;
        let on = schedule.iter().find(|e| e.starts <= now && now < e.ends);
        let next = schedule.iter().find(|e| e.starts > now);
        (on, next)
    }

    /// Runs a step of the awards ceremony; organizers only.
    pub fn ceremony_step(&mut self, step: CeremonyStep) -> u32 {
        self.request(|req| ClientMsg::Ceremony { req, step })
    }

    /// Signs what the server asked at the signing desk with the representative's own key,
    /// after checking it is the agreement shown and this visitor; the request number.
    pub fn sign(&mut self, key: &SigningKey) -> Result<u32, SignError> {
        let ask = self
            .ceremony
            .sign_request
            .as_ref()
            .ok_or(SignError::NothingAsked)?;
        let hash = Agreement {
            title: ask.title.clone(),
            text: ask.text.clone(),
            organizations: ask.organizations.clone(),
        }
        .hash();
        if ask.agreement_hash != hash || !ask.organizations.contains(&ask.organization) {
            return Err(SignError::NotWhatIsShown);
        }
        if ask.visitor != self.join.visitor_id || ask.name != self.join.name {
            return Err(SignError::NotMe);
        }
        let prev_hash: [u8; 32] = ask
            .prev_hash
            .as_slice()
            .try_into()
            .map_err(|_| SignError::NotWhatIsShown)?;
        let who = Signer {
            organization: &ask.organization,
            visitor: ask.visitor,
            name: &ask.name,
            prev_hash,
        };
        let signature = madang_shared::agreement::sign(key, &hash, &who).to_vec();
        let public_key = key.verifying_key().to_bytes().to_vec();
        self.ceremony.sign_request = None;
        Ok(self.request(|req| ClientMsg::Sign {
            req,
            public_key,
            signature,
        }))
    }

    /// Goes to the ceremony room while the ceremony is open.
    pub fn join_ceremony(&mut self) -> u32 {
        self.request(|req| ClientMsg::JoinCeremony { req })
    }
}
