//! The UI's words in Korean and English.

use madang_shared::map::Lang;

/// Every fixed string the UI shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    WindowTitle,
    Connecting,
    Connected,
    Lost,
    RetryHint,
    Controls,
    PeopleNear,
    Gallery,
    Screen,
    Stage,
    DoorTo,
    Table,
}

/// The string for `key` in `lang`.
pub fn t(lang: Lang, key: Key) -> &'static str {
    use Key::*;
    match (lang, key) {
        (Lang::Ko, WindowTitle) => "마당 Madang — 온라인 박람회",
        (Lang::En, WindowTitle) => "Madang — online expo",
        (Lang::Ko, Connecting) => "연결 중…",
        (Lang::En, Connecting) => "Connecting…",
        (Lang::Ko, Connected) => "연결됨",
        (Lang::En, Connected) => "Connected",
        (Lang::Ko, Lost) => "연결 끊김",
        (Lang::En, Lost) => "Connection lost",
        (Lang::Ko, RetryHint) => "R 키로 다시 연결",
        (Lang::En, RetryHint) => "Press R to reconnect",
        (Lang::Ko, Controls) => "이동: 방향키 또는 WASD",
        (Lang::En, Controls) => "Move: arrow keys or WASD",
        (Lang::Ko, PeopleNear) => "주변 사람",
        (Lang::En, PeopleNear) => "People near you",
        (Lang::Ko, Gallery) => "사진 갤러리",
        (Lang::En, Gallery) => "Photo gallery",
        (Lang::Ko, Screen) => "영상",
        (Lang::En, Screen) => "Video",
        (Lang::Ko, Stage) => "무대",
        (Lang::En, Stage) => "Stage",
        (Lang::Ko, DoorTo) => "가는 곳",
        (Lang::En, DoorTo) => "To",
        (Lang::Ko, Table) => "토론 테이블",
        (Lang::En, Table) => "Discussion table",
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
