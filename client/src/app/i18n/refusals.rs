//! What the server refused or tells, in the visitor's language. Every
//! match here lists every kind (no `_` arm), so a new code does not compile until it is worded.

use madang_shared::map::Lang;
use madang_shared::refusal::{Counted, Refusal, ServerNotice};

/// Korean or English, picked by `lang`.
pub(super) fn pick(lang: Lang, ko: String, en: String) -> String {
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
        MapInfinite => (
            "무한 지도는 여기서 고칠 수 없습니다. Tiled에서 고쳐 주세요".into(),
            "This map is infinite: edit it in Tiled".into(),
        ),
        PresentersOnly => (
            "발표자와 운영자만 슬라이드를 넘길 수 있습니다".into(),
            "Only presenters and organizers show slides".into(),
        ),
        NotAtTheScreen => (
            "무대 위나 화면 앞에 서야 슬라이드를 띄울 수 있습니다".into(),
            "Stand on the stage or at the screen to show slides".into(),
        ),
        NoSuchSlideScreen { screen } => (
            format!("이 홀에는 슬라이드 화면 {screen}이(가) 없습니다"),
            format!("There is no slide screen {screen} in this hall"),
        ),
        NoSuchDeck { deck } => (
            format!("발표 자료 `{deck}`을(를) 띄울 수 없습니다"),
            format!("The deck `{deck}` cannot be shown"),
        ),
        NoDeckShown => (
            "화면에 띄운 발표 자료가 없습니다".into(),
            "The screen shows no deck".into(),
        ),
        NoAgreement => (
            "이 박람회에는 서명할 협약이 없습니다".into(),
            "This expo has no agreement to sign".into(),
        ),
        NotAtTheDesk => (
            "서명대에 선 대표만 서명할 수 있습니다".into(),
            "Only the representative at the signing desk signs".into(),
        ),
        SignatureInvalid => (
            "서명이 확인되지 않습니다".into(),
            "The signature does not verify".into(),
        ),
        SignatureNotSaved => (
            "서명을 저장하지 못했습니다. 다시 서명해 주세요".into(),
            "The signature could not be saved; sign again".into(),
        ),
        AllSigned => (
            "모든 기관이 서명했습니다".into(),
            "Every organization has signed".into(),
        ),
        Absent { who } => (
            format!("{who}이(가) 지금 여기 없습니다"),
            format!("{who} is not here"),
        ),
        NoRelay => (
            "이 박람회에는 릴레이 물건이 없습니다".into(),
            "This expo has no relay object".into(),
        ),
        HandoverNotSaved => (
            "전달 기록을 저장하지 못했습니다. 다시 전달해 주세요".into(),
            "The handover could not be saved; hand it over again".into(),
        ),
        ProgramDone => (
            "진행 순서의 마지막 단계까지 끝났습니다".into(),
            "The program has no more steps".into(),
        ),
        NoSuchTour => (
            "그런 스탬프 투어가 없습니다".into(),
            "There is no such stamp tour".into(),
        ),
        NoSuchCause => (
            "그런 기부처가 없습니다".into(),
            "There is no such cause".into(),
        ),
        TourNotComplete => (
            "스탬프를 모두 모은 뒤에 기부할 수 있습니다".into(),
            "Collect every stamp first, then give your points".into(),
        ),
        AlreadyHandedOver => (
            "다음 주관기관이 이미 들고 있습니다".into(),
            "The next host holds it already".into(),
        ),
        AbsentNextSkips { who } => (
            format!("{who}이(가) 지금 여기 없습니다. 다음을 한 번 더 누르면 건너뜁니다"),
            format!("{who} is not here: Next again goes on without them"),
        ),
        SignatureSaving => (
            "서명을 저장하는 중입니다. 잠시 뒤에 다음 기관을 불러 주세요".into(),
            "A signature is being saved; call the next in a moment".into(),
        ),
        NothingToPledge => (
            "기부할 점수가 남아 있지 않습니다".into(),
            "There are no points left to give".into(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::i18n::checks::check_all;

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
            NoSuchSlideScreen { screen } => vec![screen.to_string()],
            NoSuchDeck { deck } => vec![deck.clone()],
            Absent { who } | AbsentNextSkips { who } => vec![who.clone()],
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
}
