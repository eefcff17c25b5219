//! Why the server refused something, and what it tells a visitor unasked, as codes with
//! parameters: the client words them in the visitor's language ([`Refusal`], [`ServerNotice`],
//! [`JoinRefused`]). The English of `Display` is for logs and for tools that read the JSON; no
//! window shows it, and no code branches on it.
//!
//! Each enum lists one example of every kind ([`Refusal::examples`] and so on) and numbers its
//! kinds with an exhaustive match ([`Refusal::kind`]), so a test can tell that every kind is
//! worded in both languages: a new kind fails to compile until it has a number, and fails the
//! tests until it has an example.

use serde::{Deserialize, Serialize};

/// A Unix time as `YYYY-MM-DD HH:MM UTC`.
pub fn format_utc(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    )
}

/// What a refused heart or vote was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Counted {
    Heart,
    Vote,
}

impl std::fmt::Display for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Counted::Heart => "heart",
            Counted::Vote => "vote",
        })
    }
}

/// Why a request (one with a `req`) was refused: the answer [`crate::protocol::ServerMsg::Refused`]
/// carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    // Talk.
    #[error("you are muted and cannot chat")]
    Muted,
    #[error("the text is empty")]
    Blank,
    #[error("the text is longer than {max} characters")]
    TooLong { max: u32 },
    #[error("you are sending messages too fast")]
    ChatTooFast,
    #[error("you have only just arrived: try again")]
    JustArrived,
    #[error("only someone on the stage can speak to the whole room from it")]
    NotOnStage,
    #[error("that person is not here")]
    NotHere,
    #[error("only an organizer, or the facilitator of this table, can mute someone")]
    MuteNotAllowed,
    #[error("the floor is given at a discussion table: sit at one")]
    FloorAtTable,
    #[error("only the table's facilitator can give the floor or run the timer")]
    FloorFacilitatorOnly,
    #[error("that person is not at this table")]
    NotAtTable,
    #[error("this table has just been taken off the map")]
    TableGone,
    #[error("a table is private already")]
    TableAlreadyPrivate,
    #[error("there is nobody in your bubble to lock in")]
    BubbleEmpty,
    // Anything saved.
    #[error("it could not be saved; please try again")]
    NotSaved,
    #[error("too many requests: wait a moment")]
    TooManyRequests,
    #[error("only organizers can do that")]
    OrganizersOnly,
    // Screens.
    #[error("there is no such screen in this hall")]
    NoSuchScreen,
    // Moderation.
    #[error("the figures could not be drawn")]
    FiguresFailed,
    #[error("you cannot ban yourself")]
    CannotBanSelf,
    #[error("you cannot report yourself")]
    CannotReportSelf,
    #[error("you have reported this person already; the organizers have your report")]
    ReportedAlready,
    #[error("you have made many reports in the last hour; please wait a while")]
    TooManyReports,
    #[error("no hall has a stage")]
    NoStage,
    #[error("there is no such hall")]
    NoSuchHall,
    // Booths.
    #[error("there is no such booth in this hall")]
    NoSuchBooth,
    #[error("there is no such comment")]
    NoSuchComment,
    #[error("the comments cannot be read now; please try again")]
    CommentsUnreadable,
    #[error("you are commenting too fast: wait {wait_secs} s")]
    CommentTooFast { wait_secs: u32 },
    #[error(
        "a {what} counts from visitors known for {minutes} minutes; come back in {wait_minutes} min"
    )]
    IdentityTooNew {
        what: Counted,
        minutes: u32,
        wait_minutes: u32,
    },
    #[error(
        "visit the booth first: a {what} counts after {need_secs} s at it (you: {have_secs} s)"
    )]
    VisitFirst {
        what: Counted,
        need_secs: u32,
        have_secs: u32,
    },
    // Ballots.
    #[error("there is no such ballot")]
    NoSuchBallot,
    #[error("that booth is not a candidate in this ballot")]
    NotCandidate,
    #[error("this ballot is not open")]
    BallotNotOpen,
    #[error("the results are public once the ballot closes")]
    ResultsAfterClose,
    // The ceremony.
    #[error("the ceremony is not open")]
    CeremonyNotOpen,
    #[error("there is no such award")]
    NoSuchAward,
    #[error("announce an award first")]
    AnnounceAwardFirst,
    #[error("the winner, {winner}, is not here")]
    WinnerAbsent { winner: String },
    #[error("the award could not be saved; call the winner again")]
    AwardNotSaved,
    #[error("this claim code has been used already: ask the organizers")]
    ClaimUsed,
    // The map editor.
    #[error("the map file cannot be read")]
    MapUnreadable,
    #[error("there is no object {id} in this map")]
    NoSuchObject { id: u32 },
    #[error("the map has no object layer to add to")]
    NoObjectLayer,
    #[error("a size or position is not a number of tiles")]
    BadRect,
    #[error("there is nothing to take back")]
    NothingToUndo,
    #[error("there is nothing to make again")]
    NothingToRedo,
    /// Taking an edit back (or making it again) would overwrite someone else's later edit of
    /// the same object.
    #[error("object {id} was changed since, by someone else or in Tiled")]
    ChangedSince { id: u32 },
    /// `detail` is the map check's own problem, as `check-map` prints it.
    #[error("the edit breaks the map: {detail}")]
    EditBreaksMap { detail: String },
    #[error("the map cannot be saved")]
    MapNotSaved,
    /// The live editor edits finite maps only.
    #[error("the map is infinite: edit it in Tiled")]
    MapInfinite,
    #[error("only presenters and organizers show slides")]
    PresentersOnly,
    /// A presenter must stand on a stage of the hall or at the screen.
    #[error("stand on the stage or at the screen to show slides")]
    NotAtTheScreen,
    #[error("there is no slide screen {screen} in this hall")]
    NoSuchSlideScreen { screen: u32 },
    /// `deck` as asked (the check's reason goes to the log).
    #[error("the deck `{deck}` cannot be shown")]
    NoSuchDeck { deck: String },
    #[error("the screen shows no deck")]
    NoDeckShown,
    // The rituals.
    #[error("this expo has no agreement to sign")]
    NoAgreement,
    #[error("only the representative at the signing desk signs")]
    NotAtTheDesk,
    /// The signature does not verify over what the representative was asked to sign.
    #[error("the signature does not verify")]
    SignatureInvalid,
    #[error("the signature could not be saved; sign again")]
    SignatureNotSaved,
    #[error("every organization has signed")]
    AllSigned,
    /// Someone the step needs (a representative, a host) is not connected.
    #[error("{who} is not here")]
    Absent { who: String },
    #[error("this expo has no relay object")]
    NoRelay,
    #[error("the handover could not be saved; hand it over again")]
    HandoverNotSaved,
    #[error("the program has no more steps")]
    ProgramDone,
    // The stamp tours.
    #[error("there is no such tour")]
    NoSuchTour,
    #[error("there is no such cause")]
    NoSuchCause,
    #[error("finish the tour first")]
    TourNotComplete,
    #[error("there are no points left to give")]
    NothingToPledge,
    #[error("the next host holds it already")]
    AlreadyHandedOver,
    /// A signature is being saved: the next representative is called once it is kept.
    #[error("a signature is being saved; call the next in a moment")]
    SignatureSaving,
    /// As [`Refusal::Absent`], for a step the program's Next ran.
    #[error("{who} is not here: Next again goes on without them")]
    AbsentNextSkips { who: String },
}

impl Refusal {
    /// How many kinds there are ([`Refusal::kind`] is below it).
    pub const KINDS: usize = 72;

    /// The kind's number, 0 to [`Refusal::KINDS`] − 1.
    pub fn kind(&self) -> usize {
        use Refusal::*;
        match self {
            Muted => 0,
            Blank => 1,
            TooLong { .. } => 2,
            ChatTooFast => 3,
            JustArrived => 4,
            NotOnStage => 5,
            NotHere => 6,
            MuteNotAllowed => 7,
            FloorAtTable => 8,
            FloorFacilitatorOnly => 9,
            NotAtTable => 10,
            TableGone => 11,
            TableAlreadyPrivate => 12,
            BubbleEmpty => 13,
            NotSaved => 14,
            TooManyRequests => 15,
            OrganizersOnly => 16,
            NoSuchScreen => 17,
            FiguresFailed => 18,
            CannotBanSelf => 19,
            CannotReportSelf => 20,
            ReportedAlready => 21,
            TooManyReports => 22,
            NoStage => 23,
            NoSuchHall => 24,
            NoSuchBooth => 25,
            NoSuchComment => 26,
            CommentsUnreadable => 27,
            CommentTooFast { .. } => 28,
            IdentityTooNew { .. } => 29,
            VisitFirst { .. } => 30,
            NoSuchBallot => 31,
            NotCandidate => 32,
            BallotNotOpen => 33,
            ResultsAfterClose => 34,
            CeremonyNotOpen => 35,
            NoSuchAward => 36,
            AnnounceAwardFirst => 37,
            WinnerAbsent { .. } => 38,
            AwardNotSaved => 39,
            ClaimUsed => 40,
            MapUnreadable => 41,
            NoSuchObject { .. } => 42,
            NoObjectLayer => 43,
            BadRect => 44,
            NothingToUndo => 45,
            EditBreaksMap { .. } => 46,
            MapNotSaved => 47,
            NothingToRedo => 48,
            ChangedSince { .. } => 49,
            MapInfinite => 50,
            PresentersOnly => 51,
            NotAtTheScreen => 52,
            NoSuchSlideScreen { .. } => 53,
            NoSuchDeck { .. } => 54,
            NoDeckShown => 55,
            NoAgreement => 56,
            NotAtTheDesk => 57,
            SignatureInvalid => 58,
            SignatureNotSaved => 59,
            AllSigned => 60,
            Absent { .. } => 61,
            NoRelay => 62,
            HandoverNotSaved => 63,
            ProgramDone => 64,
            NoSuchTour => 65,
            NoSuchCause => 66,
            TourNotComplete => 67,
            NothingToPledge => 68,
            AlreadyHandedOver => 69,
            SignatureSaving => 70,
            AbsentNextSkips { .. } => 71,
        }
    }

    /// One of every kind, for tests of the wording.
    pub fn examples() -> Vec<Refusal> {
        use Refusal::*;
        vec![
            Muted,
            Blank,
            TooLong { max: 500 },
            ChatTooFast,
            JustArrived,
            NotOnStage,
            NotHere,
            MuteNotAllowed,
            FloorAtTable,
            FloorFacilitatorOnly,
            NotAtTable,
            TableGone,
            TableAlreadyPrivate,
            BubbleEmpty,
            NotSaved,
            TooManyRequests,
            OrganizersOnly,
            NoSuchScreen,
            FiguresFailed,
            CannotBanSelf,
            CannotReportSelf,
            ReportedAlready,
            TooManyReports,
            NoStage,
            NoSuchHall,
            NoSuchBooth,
            NoSuchComment,
            CommentsUnreadable,
            CommentTooFast { wait_secs: 17 },
            IdentityTooNew {
                what: Counted::Vote,
                minutes: 30,
                wait_minutes: 12,
            },
            VisitFirst {
                what: Counted::Heart,
                need_secs: 20,
                have_secs: 3,
            },
            NoSuchBallot,
            NotCandidate,
            BallotNotOpen,
            ResultsAfterClose,
            CeremonyNotOpen,
            NoSuchAward,
            AnnounceAwardFirst,
            WinnerAbsent {
                winner: "대구광역시".into(),
            },
            AwardNotSaved,
            ClaimUsed,
            MapUnreadable,
            NoSuchObject { id: 42 },
            NoObjectLayer,
            BadRect,
            NothingToUndo,
            EditBreaksMap {
                detail: "spawn `plaza` is inside a wall".into(),
            },
            MapNotSaved,
            NothingToRedo,
            ChangedSince { id: 7 },
            MapInfinite,
            PresentersOnly,
            NotAtTheScreen,
            NoSuchSlideScreen { screen: 9 },
            NoSuchDeck {
                deck: "slides/없는 발표.pdf".into(),
            },
            NoDeckShown,
            NoAgreement,
            NotAtTheDesk,
            SignatureInvalid,
            SignatureNotSaved,
            AllSigned,
            Absent {
                who: "행정안전부 대표".into(),
            },
            NoRelay,
            HandoverNotSaved,
            ProgramDone,
            NoSuchTour,
            NoSuchCause,
            TourNotComplete,
            NothingToPledge,
            AlreadyHandedOver,
            SignatureSaving,
            AbsentNextSkips {
                who: "소방청 대표".into(),
            },
        ]
    }
}

impl From<crate::names::CommentError> for Refusal {
    fn from(e: crate::names::CommentError) -> Self {
        match e {
            crate::names::CommentError::Blank => Refusal::Blank,
            crate::names::CommentError::TooLong { max } => Refusal::TooLong { max: max as u32 },
        }
    }
}

impl From<crate::talk::RouteError> for Refusal {
    fn from(e: crate::talk::RouteError) -> Self {
        match e {
            crate::talk::RouteError::NotOnStage => Refusal::NotOnStage,
            crate::talk::RouteError::NoSuchPerson => Refusal::NotHere,
        }
    }
}

impl From<crate::edit::EditError> for Refusal {
    fn from(e: crate::edit::EditError) -> Self {
        match e {
            crate::edit::EditError::Xml(_) => Refusal::MapUnreadable,
            crate::edit::EditError::NoObject(id) => Refusal::NoSuchObject { id },
            crate::edit::EditError::NoObjectLayer => Refusal::NoObjectLayer,
            crate::edit::EditError::BadRect => Refusal::BadRect,
            crate::edit::EditError::Infinite => Refusal::MapInfinite,
        }
    }
}

/// What the server tells a visitor unasked: [`crate::protocol::ServerMsg::Notice`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ServerNotice {
    /// `reason` is the organizer's own words.
    #[error("an organizer removed you from the expo: {reason}")]
    Kicked { reason: String },
    #[error("an organizer banned you from the expo: {reason}")]
    Banned { reason: String },
    #[error("an organizer muted you: you cannot chat or speak for now")]
    Muted,
    #[error("you can chat and speak again")]
    Unmuted,
    /// `area` is the private area's id in the hall's map, whose name the client shows.
    #[error("the table `{area}` is full ({capacity} of {capacity}): wait for a seat")]
    AreaFull { area: String, capacity: u32 },
}

impl ServerNotice {
    pub const KINDS: usize = 5;

    pub fn kind(&self) -> usize {
        match self {
            ServerNotice::Kicked { .. } => 0,
            ServerNotice::Banned { .. } => 1,
            ServerNotice::Muted => 2,
            ServerNotice::Unmuted => 3,
            ServerNotice::AreaFull { .. } => 4,
        }
    }

    pub fn examples() -> Vec<ServerNotice> {
        vec![
            ServerNotice::Kicked {
                reason: "도배".into(),
            },
            ServerNotice::Banned {
                reason: "다른 참가자에게 욕설".into(),
            },
            ServerNotice::Muted,
            ServerNotice::Unmuted,
            ServerNotice::AreaFull {
                area: "table-1".into(),
                capacity: 6,
            },
        ]
    }
}

/// What was wrong with a refused display name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NameProblem {
    Blank,
    TooLong {
        max: u32,
    },
    /// A control or invisible character, by code point.
    Hidden {
        code: u32,
    },
}

impl From<crate::names::NameError> for NameProblem {
    fn from(e: crate::names::NameError) -> Self {
        match e {
            crate::names::NameError::Blank => NameProblem::Blank,
            crate::names::NameError::TooLong { max } => NameProblem::TooLong { max: max as u32 },
            crate::names::NameError::ControlCharacter { code } => NameProblem::Hidden { code },
        }
    }
}

/// Why the join endpoint refused to let someone in ([`crate::protocol::JoinRefusal::reason`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum JoinRefused {
    /// Not a join request at all (a program's mistake; `detail` says what).
    #[error("bad join request: {detail}")]
    BadRequest { detail: String },
    #[error("this server speaks protocol {server}, the client {client}: update the client")]
    OtherVersion { server: u32, client: u32 },
    #[error("name refused: {problem:?}")]
    Name { problem: NameProblem },
    #[error("the name `{name}` is reserved for the expo's organizers or a winner: choose another")]
    NameReserved { name: String },
    #[error("there is no hall `{hall}`")]
    NoSuchHall { hall: String },
    #[error("there is no spawn `{spawn}` in hall `{hall}` (name the hall too)")]
    NoSuchSpawn { hall: String, spawn: String },
    /// The pass was not made by this server (or was tampered with).
    #[error("the visitor pass is not valid for this server: forget it and join anew")]
    PassInvalid,
    #[error("your visitor pass was withdrawn by the organizers: forget it and join anew")]
    PassWithdrawn,
    #[error("your visitor pass is older than {days} days and has expired: forget it and join anew")]
    PassExpired { days: u32 },
    /// `until` is Unix time, `None` for good; `reason` the organizer's words.
    #[error("you are banned from this expo{}: {reason}", until.map(|t| format!(" until {}", format_utc(t))).unwrap_or_default())]
    Banned { reason: String, until: Option<i64> },
    #[error("this invite code is not valid: check it with the organizers")]
    InviteInvalid,
    #[error("this claim code has been used already: ask the organizers")]
    ClaimUsed,
    #[error("too many requests from your address: try again in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error(
        "too many new visitors from your address in a short time: try again in {retry_after_secs} s"
    )]
    TooManyNewVisitors { retry_after_secs: u64 },
    #[error(
        "{open} people are already connected from your address, the most this expo allows from one address"
    )]
    AddressFull { open: u32 },
    /// The server could not do its part (a token, a save); trying again later may work.
    #[error("the server could not let you in now: {detail}")]
    ServerTrouble { detail: String },
}

impl JoinRefused {
    pub const KINDS: usize = 16;

    pub fn kind(&self) -> usize {
        use JoinRefused::*;
        match self {
            BadRequest { .. } => 0,
            OtherVersion { .. } => 1,
            Name { .. } => 2,
            NameReserved { .. } => 3,
            NoSuchHall { .. } => 4,
            NoSuchSpawn { .. } => 5,
            PassInvalid => 6,
            PassWithdrawn => 7,
            PassExpired { .. } => 8,
            Banned { .. } => 9,
            InviteInvalid => 10,
            ClaimUsed => 11,
            TooManyRequests { .. } => 12,
            TooManyNewVisitors { .. } => 13,
            AddressFull { .. } => 14,
            ServerTrouble { .. } => 15,
        }
    }

    /// Whether forgetting the kept visitor pass and joining anew is the way past it.
    pub fn pass_is_the_problem(&self) -> bool {
        matches!(
            self,
            JoinRefused::PassInvalid | JoinRefused::PassWithdrawn | JoinRefused::PassExpired { .. }
        )
    }

    pub fn examples() -> Vec<JoinRefused> {
        use JoinRefused::*;
        vec![
            BadRequest {
                detail: "missing field `name`".into(),
            },
            OtherVersion {
                server: 5,
                client: 4,
            },
            Name {
                problem: NameProblem::TooLong { max: 32 },
            },
            NameReserved {
                name: "운영자".into(),
            },
            NoSuchHall {
                hall: "hall-9".into(),
            },
            NoSuchSpawn {
                hall: "hall-1".into(),
                spawn: "roof".into(),
            },
            PassInvalid,
            PassWithdrawn,
            PassExpired { days: 30 },
            Banned {
                reason: "다른 참가자에게 욕설".into(),
                until: Some(1_790_000_000),
            },
            InviteInvalid,
            ClaimUsed,
            TooManyRequests {
                retry_after_secs: 3,
            },
            TooManyNewVisitors {
                retry_after_secs: 9,
            },
            AddressFull { open: 64 },
            ServerTrouble {
                detail: "the store is not answering".into(),
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covers(kinds: impl Iterator<Item = usize>, count: usize) {
        let mut seen = vec![0; count];
        for k in kinds {
            assert!(k < count, "kind {k} is not below the count {count}");
            seen[k] += 1;
        }
        assert!(
            seen.iter().all(|&n| n == 1),
            "every kind has exactly one example: {seen:?}"
        );
    }

    #[test]
    fn every_kind_has_one_example_and_a_number() {
        covers(
            Refusal::examples().iter().map(Refusal::kind),
            Refusal::KINDS,
        );
        covers(
            ServerNotice::examples().iter().map(ServerNotice::kind),
            ServerNotice::KINDS,
        );
        covers(
            JoinRefused::examples().iter().map(JoinRefused::kind),
            JoinRefused::KINDS,
        );
    }

    #[test]
    fn utc_times_read_as_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_795_237_198), "2026-11-21 04:59 UTC");
    }

    #[test]
    fn codes_survive_the_wire() {
        for r in Refusal::examples() {
            let bytes = postcard::to_allocvec(&r).expect("encodes");
            assert_eq!(postcard::from_bytes::<Refusal>(&bytes).expect("decodes"), r);
        }
        for r in JoinRefused::examples() {
            let json = serde_json::to_string(&r).expect("encodes");
            assert_eq!(
                serde_json::from_str::<JoinRefused>(&json).expect("decodes"),
                r
            );
        }
    }
}
