//! A booth's hearts and its place in the expo's ballot: giving or taking back a heart, voting
//! while the ballot is open, and the vote button's words.

use madang_shared::map::Lang;
use madang_shared::protocol::BallotState;

use super::{Ask, Panel};
use crate::app::i18n::{Key, t};
use crate::session::Session;

/// Gives a heart to `booth`, or takes yours back.
pub(super) fn toggle_heart(panel: &mut Panel, session: &mut Session, booth: u32) {
    let mine = session.booth.facts.get(&booth).is_some_and(|f| f.mine);
    let req = session.heart(booth, !mine);
    panel.asked.push((req, Ask::Heart));
}

/// Votes for `booth` in the ballot it stands in, or says why not (a draft, a closed ballot).
pub(super) fn vote(panel: &mut Panel, session: &mut Session, booth: u32, lang: Lang) {
    let Some(hall) = session.me.as_ref().map(|m| m.hall) else {
        return;
    };
    match session
        .ballot
        .ballots
        .iter()
        .find(|b| b.candidates.contains(&(hall, booth)))
    {
        Some(b) if b.state == BallotState::Open => {
            let id = b.id.clone();
            let req = session.vote(&id, hall, booth);
            panel.asked.push((req, Ask::Vote));
        }
        Some(b) if b.state == BallotState::Draft => panel.tell(t(lang, Key::VoteDraft), true),
        Some(_) => panel.tell(t(lang, Key::VoteClosed), true),
        None => {}
    }
}

/// The vote button's words for `booth`: empty when it stands in no ballot.
pub(super) fn vote_line(session: Option<&Session>, booth: Option<u32>, lang: Lang) -> String {
    let ballot = booth.and_then(|b| {
        let s = session?;
        let hall = s.me.as_ref()?.hall;
        s.ballot
            .ballots
            .iter()
            .find(|x| x.candidates.contains(&(hall, b)))
            .map(|x| (x.state, x.mine == Some((hall, b))))
    });
    match ballot {
        None => String::new(),
        Some((_, true)) => t(lang, Key::Voted).to_owned(),
        Some((BallotState::Open, false)) => t(lang, Key::Vote).to_owned(),
        Some((BallotState::Draft, false)) => t(lang, Key::VoteDraft).to_owned(),
        Some((BallotState::Closed, false)) => t(lang, Key::VoteClosed).to_owned(),
    }
}
