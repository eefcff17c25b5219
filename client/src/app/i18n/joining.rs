//! Why joining failed or a connection was lost, in the visitor's language. Every match here
//! lists every kind (no `_` arm), so a new code does not compile until it is worded.

use madang_shared::map::Lang;
use madang_shared::refusal::{JoinRefused, NameProblem, format_utc};

use super::refusals::pick;
use crate::session::{JoinError, LostWhy};

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
    use crate::app::i18n::checks::check_all;

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
