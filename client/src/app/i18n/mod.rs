//! The UI's words in Korean and English.

use madang_shared::map::Lang;

#[cfg(test)]
mod checks;
mod joining;
mod refusals;
mod words;
pub use joining::{join_error, lost_why};
pub use refusals::{notice, refusal};
pub use words::{Key, t};

/// A map property's name in the editor (the property key itself stays in the map file).
pub fn field_label(lang: Lang, key: &str) -> &'static str {
    let (ko, en) = match key {
        "title" => ("제목", "Title"),
        "title_en" => ("제목 (영어)", "Title (English)"),
        "org" => ("기관", "Organization"),
        "org_en" => ("기관 (영어)", "Organization (English)"),
        "theme" => ("주제", "Theme"),
        "images" => ("사진 파일", "Photo files"),
        "video" => ("영상 파일", "Video file"),
        "schedule" => ("상영 시간", "Showing times"),
        "capacity" => ("정원", "Capacity"),
        "description" => ("소개", "Description"),
        "description_en" => ("소개 (영어)", "Description (English)"),
        "to_map" => ("이어지는 홀", "Leads to hall"),
        "to_spawn" => ("도착 지점", "Arrival point"),
        _ => ("속성", "Property"),
    };
    match lang {
        Lang::Ko => ko,
        Lang::En => en,
    }
}

/// A map object's class, as a person calls it.
pub fn class_name(lang: Lang, class: &str) -> &'static str {
    let (ko, en) = match class {
        "booth" => ("부스", "Booth"),
        "photo_kiosk" => ("사진 키오스크", "Photo kiosk"),
        "video_kiosk" => ("영상 키오스크", "Video kiosk"),
        "private_area" => ("토론 테이블", "Discussion table"),
        "spotlight" => ("무대", "Stage"),
        "portal" => ("출입구", "Door"),
        "spawn" => ("도착 지점", "Arrival point"),
        _ => ("물체", "Object"),
    };
    match lang {
        Lang::Ko => ko,
        Lang::En => en,
    }
}

/// "Reconnecting in 4 s (R: now)", after a lost connection.
pub fn reconnecting_in(lang: Lang, secs: u64) -> String {
    match lang {
        Lang::Ko => format!("{secs}초 뒤 다시 연결합니다 (R: 지금)"),
        Lang::En => format!("Reconnecting in {secs} s (R: now)"),
    }
}

/// The language's code in the settings file.
pub fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Ko => "ko",
        Lang::En => "en",
    }
}

/// The language from a `--lang` value or the environment's `LANG`: Korean unless it says
/// English.
pub fn lang_from(flag: Option<&str>) -> Lang {
    let env = std::env::var("LANG").unwrap_or_default();
    let v = flag.unwrap_or(&env).to_ascii_lowercase();
    if v.starts_with("en") {
        Lang::En
    } else {
        Lang::Ko
    }
}

/// A length of time as people say it, rounded up to the minute: "11시간 1분" / "11 h 1 min",
/// from two days on days and whole hours, "2일 3시간" / "2 d 3 h"; never "0분" (anything left
/// is at least a minute).
pub fn duration_words(lang: Lang, ms: i64) -> String {
    let total = ((ms.max(0) + 59_999) / 60_000).max(1);
    let (days, hours, mins) = (total / 1440, total / 60 % 24, total % 60);
    let parts: Vec<(i64, &str, &str)> = if total >= 2 * 1440 {
        vec![(days, "일", "d"), (hours, "시간", "h")]
    } else {
        vec![(total / 60, "시간", "h"), (mins, "분", "min")]
    };
    let words: Vec<String> = parts
        .into_iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, ko, en)| match lang {
            Lang::Ko => format!("{n}{ko}"),
            Lang::En => format!("{n} {en}"),
        })
        .collect();
    words.join(" ")
}

/// When something starts, `ms` from now: "11시간 1분 후" / "in 11 h 1 min".
pub fn starts_in(lang: Lang, ms: i64) -> String {
    match lang {
        Lang::Ko => format!("{} 후", duration_words(lang, ms)),
        Lang::En => format!("in {}", duration_words(lang, ms)),
    }
}

/// How long something still runs: "1시간 5분 남음" / "1 h 5 min left".
pub fn time_left(lang: Lang, ms: i64) -> String {
    match lang {
        Lang::Ko => format!("{} 남음", duration_words(lang, ms)),
        Lang::En => format!("{} left", duration_words(lang, ms)),
    }
}

/// The signing board's count: "서명 2 / 17" / "2 of 17 signed".
pub fn signed_count(lang: Lang, n: usize, of: usize) -> String {
    match lang {
        Lang::Ko => format!("서명 {n} / {of}"),
        Lang::En => format!("{n} of {of} signed"),
    }
}

/// A signature on the board.
pub fn signed_by(lang: Lang, organization: &str, name: &str) -> String {
    match lang {
        Lang::Ko => format!("{organization} — {name} 서명"),
        Lang::En => format!("{organization} — signed by {name}"),
    }
}

/// The organization whose representative is at the desk.
pub fn signing_now(lang: Lang, organization: &str) -> String {
    match lang {
        Lang::Ko => format!("{organization} — 서명 중"),
        Lang::En => format!("{organization} — signing now"),
    }
}

/// The applause for a new signature.
pub fn applause_for(lang: Lang, organization: &str) -> String {
    match lang {
        Lang::Ko => format!("짝짝짝! {organization} 서명 완료 — 박수를 보내 주세요 (1)"),
        Lang::En => format!("{organization} has signed — applause! (1)"),
    }
}

/// What the representative at the desk is asked.
pub fn sign_for(lang: Lang, organization: &str) -> String {
    match lang {
        Lang::Ko => format!(
            "{organization}을(를) 대표하여 이 협약에 서명합니다. 서명은 이 컴퓨터에 보관된 내 서명 키로 합니다."
        ),
        Lang::En => format!(
            "You sign this agreement for {organization}, with your own signing key kept on this computer."
        ),
    }
}

/// Why signing failed on this side.
pub fn sign_failed(lang: Lang, why: &str) -> String {
    match lang {
        Lang::Ko => format!("서명하지 못했습니다: {why}"),
        Lang::En => format!("Could not sign: {why}"),
    }
}

/// The signing key could not be read or made (`no_identity`: the window keeps no visitor
/// identity at all); the file's trouble goes to the log.
pub fn sign_key_trouble(lang: Lang, no_identity: bool) -> String {
    let (ko, en) = if no_identity {
        (
            "이 창은 방문자 신원과 서명 키를 보관하지 않습니다",
            "this window keeps no visitor identity nor signing key",
        )
    } else {
        (
            "서명 키 파일을 읽을 수 없습니다 (자세한 내용은 로그에)",
            "the signing key file cannot be read (the log says why)",
        )
    };
    match lang {
        Lang::Ko => ko.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// Why the window would not sign what the server sent.
pub fn sign_error(lang: Lang, e: &crate::session::SignError) -> String {
    use crate::session::SignError::*;
    let (ko, en) = match e {
        NothingAsked => ("서명할 것이 없습니다", "there is nothing to sign"),
        NotWhatIsShown => (
            "보이는 협약과 서명할 내용이 다릅니다",
            "what is to be signed is not the agreement shown",
        ),
        NotMe => (
            "다른 방문자에게 온 요청입니다",
            "the request is for another visitor",
        ),
    };
    match lang {
        Lang::Ko => ko.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// The stamp counter on the HUD: "스탬프 3/4 · 35점 (K)".
pub fn stamp_counter(lang: Lang, earned: usize, total: usize, points: u32) -> String {
    match lang {
        Lang::Ko => format!("스탬프 {earned}/{total} · {points}점 (K)"),
        Lang::En => format!("Stamps {earned}/{total} · {points} pts (K)"),
    }
}

/// The notice for a stamp just earned.
pub fn stamp_earned(lang: Lang, label: &str, points: u32) -> String {
    match lang {
        Lang::Ko => format!("스탬프 획득: {label} (+{points}점)"),
        Lang::En => format!("Stamp earned: {label} (+{points} pts)"),
    }
}

/// A stamp's line on the card.
pub fn stamp_line(lang: Lang, earned: bool, label: &str, points: u32) -> String {
    let mark = if earned { "●" } else { "○" };
    match lang {
        Lang::Ko => format!("{mark} {label} · {points}점"),
        Lang::En => format!("{mark} {label} · {points} pts"),
    }
}

/// A tour's totals on the card.
pub fn tour_totals(lang: Lang, earned: usize, total: usize, points: u32, pledged: u32) -> String {
    match lang {
        Lang::Ko => format!("{earned}/{total} 스탬프 · {points}점 모음 · {pledged}점 기부함"),
        Lang::En => {
            format!("{earned} of {total} stamps · {points} pts earned · {pledged} pts given")
        }
    }
}

/// The button that gives a tour's points to a cause.
pub fn pledge_button(lang: Lang, cause: &str, points: u32) -> String {
    match lang {
        Lang::Ko => format!("{cause}에 {points}점 기부"),
        Lang::En => format!("Give {points} pts to {cause}"),
    }
}

/// What was given to a cause.
pub fn pledged_line(lang: Lang, cause: &str, points: u32) -> String {
    match lang {
        Lang::Ko => format!("♥ {cause}에 {points}점을 기부했습니다"),
        Lang::En => format!("♥ You gave {points} pts to {cause}"),
    }
}

/// Why there is no pledge button yet.
pub fn pledge_after(lang: Lang) -> &'static str {
    match lang {
        Lang::Ko => "스탬프를 모두 모으면 점수를 기부할 수 있습니다",
        Lang::En => "Collect every stamp to give your points to a cause",
    }
}

/// The relay's object passed: "혁신 온도계: 2019 주관기관 → 2020 주관기관".
pub fn relay_line(lang: Lang, object: &str, holder: &str) -> String {
    match lang {
        Lang::Ko => format!("{object} — {holder}이(가) 들고 있습니다"),
        Lang::En => format!("{object} — held by {holder}"),
    }
}

#[cfg(test)]
mod duration_tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn durations_read_as_people_say_them_in_both_languages() {
        let cases: [(i64, &str, &str); 9] = [
            (661 * MIN, "11시간 1분 후", "in 11 h 1 min"),
            (232 * MIN, "3시간 52분 후", "in 3 h 52 min"),
            (60 * MIN, "1시간 후", "in 1 h"),
            (59 * MIN + 1, "1시간 후", "in 1 h"),
            (5 * MIN, "5분 후", "in 5 min"),
            (1, "1분 후", "in 1 min"),
            (0, "1분 후", "in 1 min"),
            (47 * 60 * MIN, "47시간 후", "in 47 h"),
            ((2 * 1440 + 3 * 60 + 20) * MIN, "2일 3시간 후", "in 2 d 3 h"),
        ];
        for (ms, ko, en) in cases {
            assert_eq!(starts_in(Lang::Ko, ms), ko, "{ms} ms");
            assert_eq!(starts_in(Lang::En, ms), en, "{ms} ms");
        }
        assert_eq!(time_left(Lang::Ko, 65 * MIN), "1시간 5분 남음");
        assert_eq!(time_left(Lang::En, 65 * MIN), "1 h 5 min left");
        assert_eq!(time_left(Lang::En, 3 * 1440 * MIN), "3 d left");
    }
}
