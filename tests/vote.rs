//! The empathy vote over real UDP: one vote per visitor per ballot, changeable while open,
//! refused once closed; the tally live for organizers and public after closing; kept in the
//! store for the results export.

mod common;

use madang_shared::refusal::{JoinRefused, Refusal};
use std::time::Duration;

use common::*;
use madang_client::session::Session;
use madang_shared::protocol::{BallotState, Role};

const WAIT: Duration = Duration::from_secs(10);
const BALLOT: &str = "moving-cases";

fn answered(s: &mut Session, req: u32) -> Result<(), Refusal> {
    let mut answer = None;
    assert!(pump_until(&mut [&mut *s], WAIT, |s| {
        answer = s[0].take_answer(req);
        answer.is_some()
    }));
    answer.expect("checked above")
}

fn tally(s: &mut Session) -> Result<Vec<(u16, u32, u32)>, Refusal> {
    let req = s.ask_tally(BALLOT);
    let mut got = None;
    let mut refused = None;
    assert!(pump_until(&mut [&mut *s], WAIT, |s| {
        got = s[0].take_tally(req);
        refused = s[0].take_answer(req);
        got.is_some() || refused.is_some()
    }));
    match (got, refused) {
        (Some((_, rows)), _) => Ok(rows
            .into_iter()
            .filter(|r| r.votes > 0)
            .map(|r| (r.hall, r.booth, r.votes))
            .collect()),
        (None, Some(Err(why))) => Err(why),
        other => panic!("unexpected answer {other:?}"),
    }
}

#[test]
fn a_visitor_votes_once_may_change_it_and_a_closed_ballot_refuses() {
    let settings = madang_server::Settings {
        dev_insecure: true,
        ..test_settings()
    };
    let store_path = settings.store_path();
    let server = madang_server::spawn(settings).expect("starts");
    let mut org = join_as(&server, &maps_dir(), "운영자", Role::Organizer, None, None);
    let mut v = join_as(&server, &maps_dir(), "투표자", Role::Visitor, None, None);
    assert!(
        pump_until(&mut [&mut org, &mut v], WAIT, |s| {
            s.iter()
                .all(|x| x.is_ready() && !x.ballot.ballots.is_empty())
        }),
        "arrivals are told the ballots"
    );
    let ballot = v
        .ballot
        .ballots
        .iter()
        .find(|b| b.id == BALLOT)
        .expect("the demo ballot")
        .clone();
    assert_eq!(ballot.state, BallotState::Draft);
    assert_eq!(
        ballot.candidates.len(),
        16,
        "every demo booth is a candidate"
    );
    let (first, second) = (ballot.candidates[0], ballot.candidates[1]);

    let req = v.vote(BALLOT, first.0, first.1);
    assert!(
        matches!(answered(&mut v, req), Err(Refusal::BallotNotOpen)),
        "a draft ballot refuses votes"
    );
    let req = v.set_ballot(BALLOT, BallotState::Open);
    assert!(matches!(
        answered(&mut v, req),
        Err(Refusal::OrganizersOnly)
    ));
    let req = org.set_ballot(BALLOT, BallotState::Open);
    assert_eq!(answered(&mut org, req), Ok(()));
    assert!(
        pump_until(&mut [&mut v], WAIT, |s| s[0].ballot.ballots[0].state
            == BallotState::Open),
        "everyone hears it opened"
    );

    // A burst of attempts from the same visitor, alternating: one vote remains, the last.
    let reqs: Vec<u32> = (0..6)
        .map(|i| {
            let c = if i % 2 == 0 { first } else { second };
            v.vote(BALLOT, c.0, c.1)
        })
        .collect();
    for r in reqs {
        assert_eq!(answered(&mut v, r), Ok(()));
    }
    assert_eq!(
        v.ballot.ballots[0].mine,
        Some(second),
        "the visitor sees their vote"
    );
    assert!(
        matches!(tally(&mut v), Err(Refusal::ResultsAfterClose)),
        "no results for visitors while open"
    );
    assert_eq!(
        tally(&mut org),
        Ok(vec![(second.0, second.1, 1)]),
        "exactly one vote, live for organizers"
    );

    let req = org.set_ballot(BALLOT, BallotState::Closed);
    assert_eq!(answered(&mut org, req), Ok(()));
    // Let the visitor's request budget (a burst of 8, then 4 a second) fill up again.
    pump_for(&mut [&mut v], Duration::from_millis(1500));
    let req = v.vote(BALLOT, first.0, first.1);
    let answer = answered(&mut v, req);
    assert!(
        matches!(&answer, Err(Refusal::BallotNotOpen)),
        "closed means closed: {answer:?}"
    );
    assert_eq!(
        tally(&mut v),
        Ok(vec![(second.0, second.1, 1)]),
        "public after closing"
    );
    server.stop();

    // What the results export reads.
    let rows = madang_server::store::tally(&store_path).expect("the store reads");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, BALLOT);
    assert_eq!(rows[0].2, 1);
}

#[test]
fn fifty_fresh_guests_from_one_address_cannot_move_a_ballot() {
    // The real door and the real rules: no wide-open limits here.
    let settings = madang_server::Settings {
        dev_insecure: true,
        door: madang_server::settings::DoorLimits::default(),
        vote: madang_server::settings::VoteRule::default(),
        ..test_settings()
    };
    let server = madang_server::spawn(settings).expect("starts");
    let mut org = join_as(&server, &maps_dir(), "운영자", Role::Organizer, None, None);
    assert!(pump_until(&mut [&mut org], WAIT, |s| s[0].is_ready()
        && !s[0].ballot.ballots.is_empty()));
    let req = org.set_ballot(BALLOT, BallotState::Open);
    assert_eq!(answered(&mut org, req), Ok(()));
    let target = org
        .ballot
        .ballots
        .iter()
        .find(|b| b.id == BALLOT)
        .expect("the demo ballot")
        .candidates[0];

    let mut door_refusals = Vec::new();
    let mut vote_refusals = Vec::new();
    let mut counted = 0;
    for batch in 0..5 {
        let mut guests: Vec<Session> = Vec::new();
        for i in 0..10 {
            let opts = madang_client::session::JoinOptions {
                name: format!("손님{}", batch * 10 + i),
                hall: None,
                spawn: None,
                visitor_pass: None,
                invite: None,
                server_cert: None,
                look: None,
            };
            match madang_client::session::request_join(&server.url(), &opts) {
                Ok(resp) => guests.push(Session::connect(resp, &maps_dir()).expect("connects")),
                Err(madang_client::session::JoinError::Refused(why)) => door_refusals.push(why),
                Err(e) => panic!("the endpoint answers: {e}"),
            }
        }
        let mut all: Vec<&mut Session> = guests.iter_mut().collect();
        assert!(
            pump_until(&mut all, WAIT, |s| s
                .iter()
                .all(|g| g.is_ready() && !g.ballot.ballots.is_empty())),
            "the guests who got in are welcomed"
        );
        for g in guests.iter_mut() {
            let req = g.vote(BALLOT, target.0, target.1);
            match answered(g, req) {
                Ok(()) => counted += 1,
                Err(why) => vote_refusals.push(why),
            }
        }
        for g in guests.iter_mut() {
            g.disconnect();
        }
    }
    println!(
        "50 fresh guests: {} turned away at the door, {} votes refused, {counted} counted",
        door_refusals.len(),
        vote_refusals.len()
    );
    assert_eq!(door_refusals.len() + vote_refusals.len() + counted, 50);
    assert!(counted < 50, "the tally does not reach 50");
    assert_eq!(counted, 0, "no identity minutes old votes");
    for why in &door_refusals {
        assert!(
            matches!(why, JoinRefused::TooManyNewVisitors { retry_after_secs } if *retry_after_secs >= 1),
            "a door refusal says why and when: {why}"
        );
    }
    for why in &vote_refusals {
        assert!(
            matches!(
                why,
                Refusal::IdentityTooNew {
                    minutes: 5,
                    wait_minutes: 1..=5,
                    ..
                }
            ),
            "a vote refusal says why: {why}"
        );
    }
    assert_eq!(tally(&mut org), Ok(vec![]), "the ballot did not move");
}
