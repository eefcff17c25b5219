//! Display names: what a visitor may call themselves.
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

/// Control characters, and the format characters that make text invisible or reorder it
/// (zero-width spaces and joiners, bidirectional overrides, the byte-order mark).
pub fn is_hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0x00AD | 0x061C | 0x180E | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB)
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
}
