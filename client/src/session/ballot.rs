//! Ballots: the expo's ballots with their state and your votes, voting, opening and closing a
//! ballot (organizers), and tallies.

use std::collections::HashMap;

use madang_shared::protocol::{BallotState, BallotView, ClientMsg, TallyRow};

use super::Session;

/// What a session knows of the ballots.
#[derive(Debug, Default)]
pub struct Ballots {
    /// The expo's ballots, their state and your votes, as last told.
    pub ballots: Vec<BallotView>,
    /// Tallies, by request number, until taken.
    tallies: HashMap<u32, (BallotState, Vec<TallyRow>)>,
}

impl Ballots {
    /// A tally asked for with request `req`.
    pub(super) fn tally_came(&mut self, req: u32, state: BallotState, rows: Vec<TallyRow>) {
        self.tallies.insert(req, (state, rows));
    }
}

impl Session {
    /// Votes in `ballot` for a booth (in any hall), or changes your vote.
    pub fn vote(&mut self, ballot: &str, hall: u16, booth: u32) -> u32 {
        let ballot = ballot.to_owned();
        self.request(|req| ClientMsg::Vote {
            req,
            ballot,
            hall,
            booth,
        })
    }

    /// Opens or closes a ballot; organizers only.
    pub fn set_ballot(&mut self, ballot: &str, state: BallotState) -> u32 {
        let ballot = ballot.to_owned();
        self.request(|req| ClientMsg::SetBallot { req, ballot, state })
    }

    /// Asks for a ballot's tally; [`Session::take_tally`] gives it.
    pub fn ask_tally(&mut self, ballot: &str) -> u32 {
        let ballot = ballot.to_owned();
        self.request(|req| ClientMsg::Tally { req, ballot })
    }

    /// The tally asked for with request `req`, once it came.
    pub fn take_tally(&mut self, req: u32) -> Option<(BallotState, Vec<TallyRow>)> {
        self.ballot.tallies.remove(&req)
    }
}
