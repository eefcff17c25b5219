//! The stamp card: the tours, the stamps the server granted this visitor, what they pledged,
//! and the stamps newly earned (for the window's notices).

use madang_shared::protocol::{ClientMsg, TourCard};

use super::Session;

/// Newly earned stamps kept for the window at most.
const EARNED_KEPT: usize = 32;

#[derive(Debug, Default)]
pub struct Stamps {
    /// The card as last told.
    pub tours: Vec<TourCard>,
    /// Stamps earned since the window last took them: (tour id, stamp id).
    pub earned: Vec<(String, String)>,
    /// How many cards came.
    pub cards: u64,
}

impl Stamps {
    pub(super) fn card_came(&mut self, tours: Vec<TourCard>, earned: Option<(String, String)>) {
        self.tours = tours;
        self.cards += 1;
        if let Some(e) = earned {
            if self.earned.len() >= EARNED_KEPT {
                self.earned.remove(0);
            }
            self.earned.push(e);
        }
    }

    /// Whether `stamp` of `tour` is on the card as earned.
    pub fn has(&self, tour: &str, stamp: &str) -> bool {
        self.tours
            .iter()
            .find(|t| t.id == tour)
            .is_some_and(|t| t.stamps.iter().any(|s| s.id == stamp && s.earned))
    }
}

impl Session {
    /// Gives the points of `tour` not yet given to `cause`; the request number.
    pub fn pledge(&mut self, tour: &str, cause: &str) -> u32 {
        let (tour, cause) = (tour.to_owned(), cause.to_owned());
        self.request(|req| ClientMsg::Pledge { req, tour, cause })
    }
}
