//! What the server refused, tells, or why joining failed, in the visitor's language. Every
//! match here lists every kind (no `_` arm), so a new code does not compile until it is worded.

use madang_shared::map::Lang;
use madang_shared::refusal::{
    Counted, JoinRefused, NameProblem, Refusal, ServerNotice, format_utc,
};

use crate::session::{JoinError, LostWhy};

/// Korean or English, picked by `lang`.
fn pick(lang: Lang, ko: String, en: String) -> String {
    match lang {
        Lang::Ko => ko,
        Lang::En => en,
    }
}

fn counted(lang: Lang, what: Counted) -> &'static str {
    match (lang, what) {
        (Lang::Ko, Counted::Heart) => "하트",
        (Lang::Ko, Counted::Vote) => "투표",
        (Lang::En, Counted::Heart) => "heart",
        (Lang::En, Counted::Vote) => "vote",
    }
}

/// Why the server refused a request.
pub fn refusal(lang: Lang, r: &Refusal) -> String {
    use Refusal::*;
    let (ko, en): (String, String) = match r {
        Muted => (
            "운영자가 채팅을 막아 두었습니다".into(),
            "You are muted and cannot chat".into(),
        ),
        Blank => ("내용이 비어 있습니다".into(), "The text is empty".into()),
        TooLong { max } => (
            format!("{max}자까지 쓸 수 있습니다"),
            format!("The text is longer than {max} characters"),
        ),
        ChatTooFast => (
            "메시지를 너무 빨리 보내고 있습니다. 잠시 후 다시 보내 주세요".into(),
            "You are sending messages too fast; wait a moment".into(),
        ),
        JustArrived => (
            "방금 도착했습니다. 잠시 후 다시 해 주세요".into(),
            "You have only just arrived: try again".into(),
        ),
        NotOnStage => (
            "무대 위에 선 사람만 방 전체에 말할 수 있습니다".into(),
            "Only someone on the stage can speak to the whole room".into(),
        ),
        NotHere => (
            "그 사람은 지금 여기 없습니다".into(),
            "That person is not here".into(),
        ),
        MuteNotAllowed => (
            "운영자나 이 테이블의 진행자만 음소거할 수 있습니다".into(),
            "Only an organizer, or this table's facilitator, can mute someone".into(),
        ),
        FloorAtTable => (
            "발언권은 토론 테이블에서 받습니다. 테이블에 앉아 주세요".into(),
            "The floor is given at a discussion table: sit at one".into(),
        ),
        FloorFacilitatorOnly => (
            "테이블 진행자만 발언권을 주거나 시간을 잴 수 있습니다".into(),
            "Only the table's facilitator can give the floor or run the timer".into(),
        ),
        NotAtTable => (
            "그 사람은 이 테이블에 없습니다".into(),
            "That person is not at this table".into(),
        ),
        TableGone => (
            "이 테이블은 방금 지도에서 없어졌습니다".into(),
            "This table has just been taken off the map".into(),
        ),
        TableAlreadyPrivate => (
            "테이블은 이미 따로 이야기하는 곳입니다".into(),
            "A table is private already".into(),
        ),
        BubbleEmpty => (
            "대화 무리에 함께 잠글 사람이 없습니다".into(),
            "There is nobody in your bubble to lock in".into(),
        ),
        NotSaved => (
            "저장하지 못했습니다. 다시 해 주세요".into(),
            "It could not be saved; please try again".into(),
        ),
        TooManyRequests => (
            "요청이 너무 많습니다. 잠시 기다려 주세요".into(),
            "Too many requests: wait a moment".into(),
        ),
        OrganizersOnly => (
            "운영자만 할 수 있습니다".into(),
            "Only organizers can do that".into(),
        ),
        NoSuchScreen => (
            "이 전시관에 그런 화면이 없습니다".into(),
            "There is no such screen in this hall".into(),
        ),
        FiguresFailed => (
            "결과 그림을 그리지 못했습니다".into(),
            "The figures could not be drawn".into(),
        ),
        CannotBanSelf => (
            "자기 자신은 차단할 수 없습니다".into(),
            "You cannot ban yourself".into(),
        ),
        CannotReportSelf => (
            "자기 자신은 신고할 수 없습니다".into(),
            "You cannot report yourself".into(),
        ),
        ReportedAlready => (
            "이미 이 사람을 신고했습니다. 운영자가 신고를 받았습니다".into(),
            "You have reported this person already; the organizers have your report".into(),
        ),
        TooManyReports => (
            "지난 한 시간 동안 신고를 많이 했습니다. 잠시 후에 해 주세요".into(),
            "You have made many reports in the last hour; please wait a while".into(),
        ),
        NoStage => (
            "무대가 있는 전시관이 없습니다".into(),
            "No hall has a stage".into(),
        ),
        NoSuchHall => (
            "그런 전시관이 없습니다".into(),
            "There is no such hall".into(),
        ),
        NoSuchBooth => (
            "이 전시관에 그런 부스가 없습니다".into(),
            "There is no such booth in this hall".into(),
        ),
        NoSuchComment => (
            "그런 댓글이 없습니다".into(),
            "There is no such comment".into(),
        ),
        CommentsUnreadable => (
            "지금은 댓글을 읽을 수 없습니다. 다시 해 주세요".into(),
            "The comments cannot be read now; please try again".into(),
        ),
        CommentTooFast { wait_secs } => (
            format!("댓글을 너무 빨리 달고 있습니다. {wait_secs}초 기다려 주세요"),
            format!("You are commenting too fast: wait {wait_secs} s"),
        ),
        IdentityTooNew {
            what,
            minutes,
            wait_minutes,
        } => (
            format!(
                "{}는 들어온 지 {minutes}분이 지난 참가자부터 셉니다. 박람회를 둘러보고 \
                 {wait_minutes}분 뒤에 다시 해 주세요",
                counted(Lang::Ko, *what)
            ),
            format!(
                "A {} counts from visitors known for {minutes} minutes; look around the expo and \
                 come back in {wait_minutes} min",
                counted(Lang::En, *what)
            ),
        ),
        VisitFirst {
            what,
            need_secs,
            have_secs,
        } => (
            format!(
                "먼저 부스를 둘러보세요. {}는 부스에 {need_secs}초 머문 뒤부터 셉니다 \
                 (지금 {have_secs}초)",
                counted(Lang::Ko, *what)
            ),
            format!(
                "Visit the booth first: a {} counts after {need_secs} s at it (you: {have_secs} s)",
                counted(Lang::En, *what)
            ),
        ),
        NoSuchBallot => (
            "그런 투표가 없습니다".into(),
            "There is no such ballot".into(),
        ),
        NotCandidate => (
            "이 부스는 이 투표의 후보가 아닙니다".into(),
            "That booth is not a candidate in this ballot".into(),
        ),
        BallotNotOpen => (
            "이 투표는 열려 있지 않습니다".into(),
            "This ballot is not open".into(),
        ),
        ResultsAfterClose => (
            "결과는 투표가 끝난 뒤에 공개됩니다".into(),
            "The results are public once the ballot closes".into(),
        ),
        CeremonyNotOpen => (
            "시상식이 열려 있지 않습니다. 먼저 시상식을 여세요".into(),
            "The ceremony is not open: open it first".into(),
        ),
        NoSuchAward => ("그런 상이 없습니다".into(), "There is no such award".into()),
        AnnounceAwardFirst => (
            "먼저 상을 발표하세요".into(),
            "Announce an award first".into(),
        ),
        WinnerAbsent { winner } => (
            format!("수상자({winner})가 지금 여기 없습니다"),
            format!("The winner, {winner}, is not here"),
        ),
        AwardNotSaved => (
            "수상 기록을 저장하지 못했습니다. 수상자를 다시 불러 주세요".into(),
            "The award could not be saved; call the winner again".into(),
        ),
        ClaimUsed => (
            "이 수상 코드는 이미 쓰였습니다. 운영자에게 문의하세요".into(),
            "This claim code has been used already: ask the organizers".into(),
        ),
        MapUnreadable => (
            "지도 파일을 읽을 수 없습니다".into(),
            "The map file cannot be read".into(),
        ),
        NoSuchObject { id } => (
            format!("이 지도에 {id}번 개체가 없습니다"),
            format!("There is no object {id} in this map"),
        ),
        NoObjectLayer => (
            "지도에 개체를 더할 레이어가 없습니다".into(),
            "The map has no object layer to add to".into(),
        ),
        BadRect => (
            "크기나 위치가 타일 수가 아닙니다".into(),
            "A size or position is not a number of tiles".into(),
        ),
        NothingToUndo => (
            "되돌릴 것이 없습니다".into(),
            "There is nothing to take back".into(),
        ),
        NothingToRedo => (
            "다시 할 것이 없습니다".into(),
            "There is nothing to redo".into(),
        ),
        ChangedSince { id } => (
            format!(
                "그 뒤에 다른 사람이(또는 Tiled에서) 개체 {id}을(를) 고쳐서 되돌릴 수 없습니다"
            ),
            format!(
                "Object {id} was changed since, by someone else or in Tiled, so this cannot be taken back"
            ),
        ),
        EditBreaksMap { detail } => (
            format!("이렇게 고치면 지도가 맞지 않습니다: {detail}"),
            format!("The edit breaks the map: {detail}"),
        ),
        MapNotSaved => (
            "지도를 저장하지 못했습니다".into(),
            "The map cannot be saved".into(),
        ),
    };
    pick(lang, ko, en)
}

/// What the server tells the visitor unasked; `area_name` gives a private area's name in
/// `lang` from its id (the map's own words).
pub fn notice(lang: Lang, n: &ServerNotice, area_name: impl Fn(&str) -> String) -> String {
    let (ko, en) = match n {
        ServerNotice::Kicked { reason } => (
            format!("운영자가 박람회에서 내보냈습니다: {reason}"),
            format!("An organizer removed you from the expo: {reason}"),
        ),
        ServerNotice::Banned { reason } => (
            format!("운영자가 박람회 입장을 막았습니다: {reason}"),
            format!("An organizer banned you from the expo: {reason}"),
        ),
        ServerNotice::Muted => (
            "운영자가 음소거했습니다. 지금은 채팅과 말이 아무에게도 가지 않습니다".into(),
            "You have been muted: your chat and voice reach no one for now".into(),
        ),
        ServerNotice::Unmuted => (
            "다시 말하고 채팅할 수 있습니다".into(),
            "You can speak and chat again".into(),
        ),
        ServerNotice::AreaFull { area, capacity } => {
            let name = area_name(area);
            (
                format!(
                    "{name} 자리가 다 찼습니다 ({capacity}/{capacity}). 자리가 날 때까지 기다려 주세요"
                ),
                format!("{name} is full ({capacity} of {capacity}): wait for a seat"),
            )
        }
    };
    pick(lang, ko, en)
}

fn name_problem(lang: Lang, p: NameProblem) -> String {
    match p {
        NameProblem::Blank => pick(
            lang,
            "이름이 비어 있습니다".into(),
            "The name is empty".into(),
        ),
        NameProblem::TooLong { max } => pick(
            lang,
            format!("이름은 {max}자까지 쓸 수 있습니다"),
            format!("The name is longer than {max} characters"),
        ),
        NameProblem::Hidden { code } => pick(
            lang,
            format!("이름에 보이지 않는 글자(U+{code:04X})가 있습니다"),
            format!("The name holds an invisible character (U+{code:04X})"),
        ),
    }
}

/// Why the join endpoint refused.
pub fn join_refused(lang: Lang, r: &JoinRefused) -> String {
    use JoinRefused::*;
    let (ko, en) = match r {
        BadRequest { detail } => (
            format!("입장 요청이 잘못되었습니다: {detail}"),
            format!("The join request was malformed: {detail}"),
        ),
        OtherVersion { server, client } => (
            format!(
                "서버는 프로토콜 {server}, 이 프로그램은 {client}입니다. 프로그램을 새 판으로 바꿔 주세요"
            ),
            format!("The server speaks protocol {server}, this client {client}: update Madang"),
        ),
        Name { problem } => {
            return name_problem(lang, *problem);
        }
        NameReserved { name } => (
            format!("‘{name}’은(는) 운영자나 수상자의 이름입니다. 다른 이름을 골라 주세요"),
            format!("The name “{name}” is kept for the organizers or a winner: choose another"),
        ),
        NoSuchHall { hall } => (
            format!("‘{hall}’ 전시관이 없습니다"),
            format!("There is no hall “{hall}”"),
        ),
        NoSuchSpawn { hall, spawn } => (
            format!("‘{hall}’ 전시관에 ‘{spawn}’ 출발점이 없습니다"),
            format!("There is no arrival point “{spawn}” in the hall “{hall}”"),
        ),
        PassInvalid => (
            "방문증이 이 서버의 것이 아닙니다. 새로 들어가 주세요".into(),
            "The visitor pass is not this server's: join anew".into(),
        ),
        PassWithdrawn => (
            "운영자가 방문증을 거두었습니다. 새로 들어가 주세요".into(),
            "The organizers withdrew your visitor pass: join anew".into(),
        ),
        PassExpired { days } => (
            format!("방문증이 {days}일이 지나 만료되었습니다. 새로 들어가 주세요"),
            format!("Your visitor pass is older than {days} days and has expired: join anew"),
        ),
        Banned { reason, until } => match until {
            Some(t) => (
                format!("{}까지 입장이 막혔습니다: {reason}", format_utc(*t)),
                format!(
                    "You are banned from this expo until {}: {reason}",
                    format_utc(*t)
                ),
            ),
            None => (
                format!("이 박람회에 입장할 수 없습니다: {reason}"),
                format!("You are banned from this expo: {reason}"),
            ),
        },
        InviteInvalid => (
            "초대 코드가 맞지 않습니다. 운영자에게 확인해 주세요".into(),
            "This invite code is not valid: check it with the organizers".into(),
        ),
        ClaimUsed => (
            "이 수상 코드는 이미 쓰였습니다. 운영자에게 문의하세요".into(),
            "This claim code has been used already: ask the organizers".into(),
        ),
        TooManyRequests { retry_after_secs } => (
            format!("이 주소에서 요청이 너무 많습니다. {retry_after_secs}초 뒤에 다시 해 주세요"),
            format!("Too many requests from your address; try again in {retry_after_secs} s"),
        ),
        TooManyNewVisitors { retry_after_secs } => (
            format!(
                "이 주소에서 새 참가자가 짧은 시간에 너무 많이 들어왔습니다. {retry_after_secs}초 \
                 뒤에 다시 해 주세요"
            ),
            format!(
                "Too many new visitors from your address in a short time; try again in \
                 {retry_after_secs} s"
            ),
        ),
        AddressFull { open } => (
            format!(
                "이 주소에서 이미 {open}명이 들어와 있어 더 들어갈 수 없습니다. 누가 나가면 다시 해 주세요"
            ),
            format!(
                "{open} people are already in from your address, the most allowed; try again when \
                 someone leaves"
            ),
        ),
        ServerTrouble { .. } => (
            "서버가 지금 입장을 처리하지 못했습니다. 잠시 후 다시 해 주세요".into(),
            "The server could not let you in just now; try again shortly".into(),
        ),
    };
    pick(lang, ko, en)
}

/// What went wrong joining.
pub fn join_error(lang: Lang, e: &JoinError) -> String {
    let (ko, en) = match e {
        JoinError::Unreachable { url, .. } => (
            format!("서버({url})에 연결할 수 없습니다. 주소와 인터넷 연결을 확인해 주세요"),
            format!("Cannot reach the server at {url}: check the address and your connection"),
        ),
        JoinError::Refused(r) => return join_refused(lang, r),
        JoinError::RefusedUncoded { status, .. } => (
            format!("서버가 입장을 거절했습니다 (HTTP {status}). 서버의 판이 다를 수 있습니다"),
            format!("The server refused to let you in (HTTP {status}); it may be another version"),
        ),
        JoinError::BadResponse(_) => (
            "서버의 답을 알아볼 수 없습니다. 주소가 마당 서버인지 확인해 주세요".into(),
            "The server's answer makes no sense: is this address a Madang server?".into(),
        ),
        JoinError::Insecure { url } => (
            format!("{url}은(는) 암호화되지 않은 주소입니다. https:// 주소를 써 주세요"),
            format!("{url} is not encrypted: use an https:// address"),
        ),
        JoinError::Certificate { path, .. } => (
            format!("서버 인증서 {}를 읽을 수 없습니다", path.display()),
            format!("Cannot read the server's certificate {}", path.display()),
        ),
        JoinError::Socket(_) | JoinError::Netcode(_) => (
            "이 컴퓨터에서 연결을 열 수 없습니다".into(),
            "Cannot open a connection on this computer".into(),
        ),
    };
    pick(lang, ko, en)
}

/// Why there is no connection.
pub fn lost_why(lang: Lang, w: &LostWhy) -> String {
    let (ko, en) = match w {
        LostWhy::Join(e) => return join_error(lang, e),
        LostWhy::TimedOut => (
            "서버가 응답하지 않습니다".into(),
            "The server stopped answering".into(),
        ),
        LostWhy::Full => ("서버에 자리가 없습니다".into(), "The server is full".into()),
        LostWhy::ClosedByServer => (
            "서버가 연결을 끊었습니다".into(),
            "The server closed the connection".into(),
        ),
        LostWhy::Left => ("나갔습니다".into(), "You left".into()),
        LostWhy::Broken(_) => ("연결이 끊겼습니다".into(), "The connection broke".into()),
    };
    pick(lang, ko, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hangul(s: &str) -> bool {
        s.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
    }

    /// Korean has Hangul, English none but what a parameter brought; no two kinds read the
    /// same; and no text is the server's English.
    fn check_all(texts: Vec<(String, String, String, Vec<String>)>) {
        let mut seen_ko = std::collections::HashSet::new();
        let mut seen_en = std::collections::HashSet::new();
        for (ko, en, english_log, params) in texts {
            assert!(hangul(&ko), "Korean has Hangul: {ko}");
            let en_bare = params
                .iter()
                .fold(en.clone(), |s, p| s.replace(p.as_str(), ""));
            assert!(!hangul(&en_bare), "English has no Hangul of its own: {en}");
            assert!(!en.is_empty() && !ko.is_empty());
            for p in &params {
                assert!(ko.contains(p.as_str()), "{ko} names {p}");
                assert!(en.contains(p.as_str()), "{en} names {p}");
            }
            assert_ne!(ko, english_log, "not the server's English");
            assert!(seen_ko.insert(ko.clone()), "two kinds read the same: {ko}");
            assert!(seen_en.insert(en.clone()), "two kinds read the same: {en}");
        }
    }

    fn params_of_refusal(r: &Refusal) -> Vec<String> {
        use Refusal::*;
        match r {
            TooLong { max } => vec![max.to_string()],
            CommentTooFast { wait_secs } => vec![wait_secs.to_string()],
            IdentityTooNew {
                minutes,
                wait_minutes,
                ..
            } => vec![minutes.to_string(), wait_minutes.to_string()],
            VisitFirst {
                need_secs,
                have_secs,
                ..
            } => vec![need_secs.to_string(), have_secs.to_string()],
            WinnerAbsent { winner } => vec![winner.clone()],
            NoSuchObject { id } => vec![id.to_string()],
            EditBreaksMap { detail } => vec![detail.clone()],
            _ => vec![],
        }
    }

    #[test]
    fn every_refusal_is_worded_in_both_languages() {
        let all = Refusal::examples();
        assert_eq!(all.len(), Refusal::KINDS);
        check_all(
            all.iter()
                .map(|r| {
                    (
                        refusal(Lang::Ko, r),
                        refusal(Lang::En, r),
                        r.to_string(),
                        params_of_refusal(r),
                    )
                })
                .collect(),
        );
        assert_eq!(
            refusal(Lang::Ko, &Refusal::CommentTooFast { wait_secs: 17 }),
            "댓글을 너무 빨리 달고 있습니다. 17초 기다려 주세요"
        );
    }

    #[test]
    fn every_notice_is_worded_in_both_languages() {
        let all = ServerNotice::examples();
        assert_eq!(all.len(), ServerNotice::KINDS);
        let area = |id: &str| format!("토론 테이블 {id}");
        check_all(
            all.iter()
                .map(|n| {
                    let params = match n {
                        ServerNotice::Kicked { reason } | ServerNotice::Banned { reason } => {
                            vec![reason.clone()]
                        }
                        ServerNotice::AreaFull { area: a, capacity } => {
                            vec![area(a), capacity.to_string()]
                        }
                        ServerNotice::Muted | ServerNotice::Unmuted => vec![],
                    };
                    (
                        notice(Lang::Ko, n, area),
                        notice(Lang::En, n, area),
                        n.to_string(),
                        params,
                    )
                })
                .collect(),
        );
    }

    #[test]
    fn every_join_refusal_is_worded_in_both_languages() {
        let all = JoinRefused::examples();
        assert_eq!(all.len(), JoinRefused::KINDS);
        check_all(
            all.iter()
                .map(|r| {
                    use JoinRefused::*;
                    let params = match r {
                        BadRequest { detail } => vec![detail.clone()],
                        OtherVersion { server, client } => {
                            vec![server.to_string(), client.to_string()]
                        }
                        Name { .. } => vec!["32".into()],
                        NameReserved { name } => vec![name.clone()],
                        NoSuchHall { hall } => vec![hall.clone()],
                        NoSuchSpawn { hall, spawn } => vec![hall.clone(), spawn.clone()],
                        PassExpired { days } => vec![days.to_string()],
                        Banned { reason, until } => {
                            vec![
                                reason.clone(),
                                format_utc(until.expect("the example has one")),
                            ]
                        }
                        AddressFull { open } => vec![open.to_string()],
                        TooManyRequests { retry_after_secs }
                        | TooManyNewVisitors { retry_after_secs } => {
                            vec![retry_after_secs.to_string()]
                        }
                        _ => vec![],
                    };
                    (
                        join_refused(Lang::Ko, r),
                        join_refused(Lang::En, r),
                        r.to_string(),
                        params,
                    )
                })
                .collect(),
        );
    }

    #[test]
    fn join_errors_and_lost_connections_are_worded_in_both_languages() {
        let errors = [
            LostWhy::Join(JoinError::Unreachable {
                url: "https://expo.example:7780".into(),
                why: "connection refused".into(),
            }),
            LostWhy::Join(JoinError::RefusedUncoded {
                status: 409,
                error: "protocol".into(),
            }),
            LostWhy::Join(JoinError::BadResponse("not JSON".into())),
            LostWhy::Join(JoinError::Insecure {
                url: "http://expo.example".into(),
            }),
            LostWhy::Join(JoinError::Certificate {
                path: "cert.pem".into(),
                why: "no such file".into(),
            }),
            LostWhy::Join(JoinError::Socket("in use".into())),
            LostWhy::TimedOut,
            LostWhy::Full,
            LostWhy::ClosedByServer,
            LostWhy::Left,
            LostWhy::Broken("renet: channel error".into()),
        ];
        check_all(
            errors
                .iter()
                .map(|w| {
                    let params = match w {
                        LostWhy::Join(JoinError::Unreachable { url, .. })
                        | LostWhy::Join(JoinError::Insecure { url }) => vec![url.clone()],
                        LostWhy::Join(JoinError::RefusedUncoded { status, .. }) => {
                            vec![status.to_string()]
                        }
                        _ => vec![],
                    };
                    (
                        lost_why(Lang::Ko, w),
                        lost_why(Lang::En, w),
                        w.to_string(),
                        params,
                    )
                })
                .collect(),
        );
        let banned = LostWhy::Join(JoinError::Refused(JoinRefused::Banned {
            reason: "욕설".into(),
            until: None,
        }));
        assert_eq!(
            lost_why(Lang::Ko, &banned),
            "이 박람회에 입장할 수 없습니다: 욕설"
        );
    }
}
