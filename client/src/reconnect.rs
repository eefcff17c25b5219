//! Coming back by itself after the connection is lost: which losses are worth another try,
//! and how long to wait before each (doubling from one second to half a minute, a little
//! random so that a thousand clients cut at once do not knock together, and never sooner than
//! the server asked).

use std::time::Duration;

use madang_shared::refusal::JoinRefused;

use crate::session::{JoinError, LostWhy};

/// The longest wait between two tries.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// How long to wait before try number `attempt` (0 for the first) after `why`, or `None` when
/// trying again by itself cannot help: you left, the organizers removed you (`removed`: a kick
/// or ban notice came before the loss), or the server refused something only the visitor can
/// change (the name, the invite, a ban, another version). `jitter` in 0..1 spreads the tries
/// of many clients (±20 %).
pub fn wait_before(why: &LostWhy, removed: bool, attempt: u32, jitter: f32) -> Option<Duration> {
    if removed {
        return None;
    }
    let asked = match why {
        LostWhy::Left => return None,
        LostWhy::TimedOut | LostWhy::Full | LostWhy::ClosedByServer | LostWhy::Broken(_) => {
            Duration::ZERO
        }
        LostWhy::Join(e) => match e {
            JoinError::Unreachable { .. }
            | JoinError::BadResponse(_)
            | JoinError::Socket(_)
            | JoinError::Netcode(_) => Duration::ZERO,
            JoinError::Insecure { .. }
            | JoinError::Certificate { .. }
            | JoinError::RefusedUncoded { .. } => return None,
            JoinError::Refused(r) => match r {
                JoinRefused::TooManyRequests { retry_after_secs }
                | JoinRefused::TooManyNewVisitors { retry_after_secs } => {
                    Duration::from_secs(*retry_after_secs)
                }
                JoinRefused::AddressFull { .. } | JoinRefused::ServerTrouble { .. } => {
                    Duration::ZERO
                }
                JoinRefused::BadRequest { .. }
                | JoinRefused::OtherVersion { .. }
                | JoinRefused::Name { .. }
                | JoinRefused::NameReserved { .. }
                | JoinRefused::NoSuchHall { .. }
                | JoinRefused::NoSuchSpawn { .. }
                | JoinRefused::PassInvalid
                | JoinRefused::PassWithdrawn
                | JoinRefused::PassExpired { .. }
                | JoinRefused::Banned { .. }
                | JoinRefused::InviteInvalid
                | JoinRefused::ClaimUsed => return None,
            },
        },
    };
    let base = Duration::from_secs(1u64 << attempt.min(5)).min(MAX_WAIT);
    let spread = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    Some(base.mul_f32(spread).max(asked))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_half_a_minute() {
        let w = |n| wait_before(&LostWhy::TimedOut, false, n, 0.5).unwrap();
        assert_eq!(w(0), Duration::from_secs(1));
        assert_eq!(w(1), Duration::from_secs(2));
        assert_eq!(w(3), Duration::from_secs(8));
        assert_eq!(w(5), MAX_WAIT);
        assert_eq!(w(40), MAX_WAIT, "no overflow");
        let low = wait_before(&LostWhy::TimedOut, false, 2, 0.0).unwrap();
        let high = wait_before(&LostWhy::TimedOut, false, 2, 1.0).unwrap();
        assert!(low < Duration::from_secs(4) && high > Duration::from_secs(4));
    }

    #[test]
    fn only_what_time_can_mend_is_tried_again() {
        assert_eq!(wait_before(&LostWhy::Left, false, 0, 0.5), None);
        assert_eq!(
            wait_before(&LostWhy::ClosedByServer, true, 0, 0.5),
            None,
            "kicked"
        );
        let refused = |r| LostWhy::Join(JoinError::Refused(r));
        assert_eq!(
            wait_before(
                &refused(JoinRefused::Banned {
                    reason: "x".into(),
                    until: None
                }),
                false,
                0,
                0.5
            ),
            None
        );
        assert_eq!(
            wait_before(&refused(JoinRefused::InviteInvalid), false, 0, 0.5),
            None
        );
        assert_eq!(
            wait_before(
                &refused(JoinRefused::TooManyRequests {
                    retry_after_secs: 12
                }),
                false,
                0,
                0.5
            ),
            Some(Duration::from_secs(12)),
            "never sooner than the server asked"
        );
        let unreachable = LostWhy::Join(JoinError::Unreachable {
            url: "https://x".into(),
            why: "refused".into(),
        });
        assert!(wait_before(&unreachable, false, 0, 0.5).is_some());
    }
}
