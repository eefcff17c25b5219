//! The text people show each other: display names, and comments on booths.
//!
//! A name is shown over an avatar to everyone in the hall, so it is checked on the join endpoint
//! and again on the server when the connection arrives (the token's user data is not trusted more
//! than any other input).

/// The longest name, in characters (not bytes): enough for "홍길동 (행정안전부)".
pub const NAME_MAX_CHARS: usize = 24;

/// Why a display name was refused. The message is meant for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty or only spaces")]
    Blank,
    #[error("the name is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the name contains a control or invisible character (U+{code:04X})")]
    ControlCharacter { code: u32 },
}

/// Checks a display name and returns it with surrounding whitespace removed.
pub fn validate_display_name(raw: &str) -> Result<String, NameError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(NameError::Blank);
    }
    if let Some(c) = name.chars().find(|&c| is_hidden_char(c)) {
        return Err(NameError::ControlCharacter { code: c as u32 });
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(NameError::TooLong {
            max: NAME_MAX_CHARS,
        });
    }
    Ok(name.to_owned())
}

/// The longest comment, in characters.
pub const COMMENT_MAX_CHARS: usize = 300;

/// Why a comment was refused. The message is meant for the person who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommentError {
    #[error("the message is empty")]
    Blank,
    #[error("the message is longer than {max} characters")]
    TooLong { max: usize },
}

/// Cleans a comment: line breaks and tabs become spaces, other control and invisible
/// characters are dropped, surrounding spaces trimmed. Refuses what is then empty or too long.
pub fn clean_comment(raw: &str) -> Result<String, CommentError> {
    clean_text(raw, COMMENT_MAX_CHARS)
}

/// Cleans a chat message as [`clean_comment`] does, with the chat's length limit.
pub fn clean_chat(raw: &str) -> Result<String, CommentError> {
    clean_text(raw, crate::protocol::CHAT_MAX_CHARS)
}

fn clean_text(raw: &str, max: usize) -> Result<String, CommentError> {
    let cleaned: String = raw
        .chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if is_hidden_char(c) => None,
            c => Some(c),
        })
        .collect();
    let text = cleaned.trim();
    if text.is_empty() {
        return Err(CommentError::Blank);
    }
    if text.chars().count() > max {
        return Err(CommentError::TooLong { max });
    }
    Ok(text.to_owned())
}

/// Control characters, the format characters that make text invisible or reorder it
/// (zero-width spaces and joiners, bidirectional overrides, the byte-order mark, the tag
/// block), and the letters that draw as nothing: the Hangul fillers (U+115F, U+1160, U+3164,
/// U+FFA0), which pass for a blank name, the Khmer inherent vowels, the combining grapheme
/// joiner and the Braille blank.
pub fn is_hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180E
            | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0x2800 | 0x3164
            | 0xFEFF | 0xFFA0 | 0xFFF9..=0xFFFB | 0x1D173..=0x1D17A | 0xE0000..=0xE007F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_and_english_names_are_accepted_and_trimmed() {
        assert_eq!(validate_display_name("  김마당 ").as_deref(), Ok("김마당"));
        assert_eq!(validate_display_name("Ada L.").as_deref(), Ok("Ada L."));
    }

    #[test]
    fn blank_names_are_refused() {
        assert_eq!(validate_display_name(""), Err(NameError::Blank));
        assert_eq!(validate_display_name(" \t "), Err(NameError::Blank));
    }

    #[test]
    fn long_names_are_refused_by_characters_not_bytes() {
        let ok: String = "가".repeat(NAME_MAX_CHARS);
        assert!(
            validate_display_name(&ok).is_ok(),
            "24 Hangul syllables fit"
        );
        let long: String = "가".repeat(NAME_MAX_CHARS + 1);
        assert_eq!(
            validate_display_name(&long),
            Err(NameError::TooLong {
                max: NAME_MAX_CHARS
            })
        );
    }

    #[test]
    fn comments_lose_control_characters_and_keep_hangul() {
        assert_eq!(
            clean_comment(" 정말\n감동적\u{7}이에요\u{202E}! ").as_deref(),
            Ok("정말 감동적이에요!")
        );
        assert_eq!(clean_comment("\u{200B}\n\t "), Err(CommentError::Blank));
        assert!(clean_comment(&"가".repeat(COMMENT_MAX_CHARS)).is_ok());
        assert_eq!(
            clean_comment(&"가".repeat(COMMENT_MAX_CHARS + 1)),
            Err(CommentError::TooLong {
                max: COMMENT_MAX_CHARS
            })
        );
    }

    #[test]
    fn control_and_invisible_characters_are_refused() {
        assert_eq!(
            validate_display_name("a\u{7}b"),
            Err(NameError::ControlCharacter { code: 7 })
        );
        assert_eq!(
            validate_display_name("a\u{202E}b"),
            Err(NameError::ControlCharacter { code: 0x202E })
        );
        assert_eq!(
            validate_display_name("a\u{200B}b"),
            Err(NameError::ControlCharacter { code: 0x200B })
        );
    }

    #[test]
    fn names_that_draw_as_nothing_are_refused() {
        for c in [
            '\u{3164}',
            '\u{115F}',
            '\u{1160}',
            '\u{FFA0}',
            '\u{E0041}',
            '\u{E007F}',
        ] {
            let name = format!("관리자{c}");
            assert_eq!(
                validate_display_name(&name),
                Err(NameError::ControlCharacter { code: c as u32 }),
                "a name with U+{:04X} is refused",
                c as u32
            );
            assert_eq!(
                validate_display_name(&c.to_string()),
                Err(NameError::ControlCharacter { code: c as u32 })
            );
        }
        assert_eq!(
            validate_display_name("한글 이름").as_deref(),
            Ok("한글 이름")
        );
    }
}
