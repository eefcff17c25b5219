//! What every wording of a code must hold, for the tests of `refusals` and `joining`.

pub(super) fn hangul(s: &str) -> bool {
    s.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

/// Korean has Hangul, English none but what a parameter brought; no two kinds read the
/// same; and no text is the server's English.
pub(super) fn check_all(texts: Vec<(String, String, String, Vec<String>)>) {
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
