//! The lexical rules as data: which names, characters and prefixes each profile refuses, and
//! where each rule comes from.

/// Windows device names, reserved in every directory with any extension and in any case
/// (`con.txt`, `Aux.tar.gz`, `NUL `). Sources: Microsoft "Naming Files, Paths, and Namespaces";
/// Go `filepath.IsLocal` / `internal/filepathlite` `IsReservedName` (CVE-2023-45283 follow-ups
/// added `COM0`, `LPT0`, superscript digits, `CONIN$` and `CONOUT$`). `CLOCK$` is the NT/DOS
/// clock device; refusing it costs nothing.
pub(crate) const RESERVED_DEVICE_NAMES: &[&str] = &[
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "CONIN$",
    "CONOUT$",
    "CLOCK$", //
    "COM0",
    "COM1",
    "COM2",
    "COM3",
    "COM4",
    "COM5",
    "COM6",
    "COM7",
    "COM8",
    "COM9", //
    "COM\u{b9}",
    "COM\u{b2}",
    "COM\u{b3}", // COM¹ COM² COM³: Windows treats them as COM1-3
    "LPT0",
    "LPT1",
    "LPT2",
    "LPT3",
    "LPT4",
    "LPT5",
    "LPT6",
    "LPT7",
    "LPT8",
    "LPT9", //
    "LPT\u{b9}",
    "LPT\u{b2}",
    "LPT\u{b3}",
];

/// Characters Windows refuses in a file name (besides separators, NUL and controls).
/// Source: Microsoft "Naming Files, Paths, and Namespaces". `:` also opens NTFS alternate data
/// streams (`file::$DATA`, `.git::$INDEX_ALLOCATION`, CVE-2019-1352).
pub(crate) const WINDOWS_FORBIDDEN_CHARS: &[char] = &['<', '>', ':', '"', '|', '?', '*'];

/// Characters that render as nothing (or as a direction change) and so let two different
/// names look identical: Unicode `Default_Ignorable_Code_Point` ranges plus the line and
/// paragraph separators and bidi overrides (CVE-2021-42574, "Trojan Source").
pub(crate) const INVISIBLE_RANGES: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),   // soft hyphen
    ('\u{034F}', '\u{034F}'),   // combining grapheme joiner
    ('\u{061C}', '\u{061C}'),   // Arabic letter mark
    ('\u{115F}', '\u{1160}'),   // Hangul choseong/jungseong fillers
    ('\u{17B4}', '\u{17B5}'),   // Khmer inherent vowels
    ('\u{180B}', '\u{180F}'),   // Mongolian variation selectors and vowel separator
    ('\u{200B}', '\u{200F}'),   // zero-width space, ZWNJ, ZWJ, LRM, RLM
    ('\u{2028}', '\u{202E}'),   // line/paragraph separators, bidi embeddings and overrides
    ('\u{2060}', '\u{206F}'),   // word joiner, invisible operators, bidi isolates
    ('\u{3164}', '\u{3164}'),   // Hangul filler
    ('\u{FE00}', '\u{FE0F}'),   // variation selectors
    ('\u{FEFF}', '\u{FEFF}'),   // zero-width no-break space (BOM)
    ('\u{FFA0}', '\u{FFA0}'),   // halfwidth Hangul filler
    ('\u{FFF0}', '\u{FFFB}'),   // unassigned specials, interlinear annotation controls
    ('\u{1BCA0}', '\u{1BCA3}'), // shorthand format controls
    ('\u{1D173}', '\u{1D17A}'), // musical symbol format controls
    ('\u{E0000}', '\u{E0FFF}'), // tags and variation selectors supplement
];

/// Whether `c` is one of the [`INVISIBLE_RANGES`].
pub(crate) fn is_invisible(c: char) -> bool {
    INVISIBLE_RANGES
        .iter()
        .any(|&(low, high)| (low..=high).contains(&c))
}

/// How many rounds of percent-decoding are tried before a still-changing component is refused
/// (`%25252e` needs three). Double encoding defeated single-decode filters in CVE-2001-0333
/// (IIS) and CVE-2021-42013 (Apache `%%32%65`).
pub(crate) const MAX_PERCENT_DECODE_ROUNDS: usize = 16;

/// Everything one profile refuses, as data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProfileRules {
    /// Characters that separate components.
    pub separators: &'static [char],
    /// Characters refused inside a component.
    pub forbidden_chars: &'static [char],
    /// Characters that a non-ASCII look-alike may not turn into under NFKC
    /// (`U+FF0F` fullwidth solidus → `/`, `U+2024` one-dot leader → `.`, `U+2215` division
    /// slash does not decompose but `U+FE55` small colon → `:`).
    pub lookalike_targets: &'static [char],
    /// Refuse a trailing dot or space (Windows strips them: `secret.` opens `secret`).
    pub trailing_dot_or_space: bool,
    /// Refuse [`RESERVED_DEVICE_NAMES`].
    pub reserved_device_names: bool,
    /// Refuse a leading `C:` drive prefix (absolute or drive-relative).
    pub drive_prefix: bool,
}

/// Strict-portable: a path that is safe on Linux, macOS and Windows alike.
pub(crate) const STRICT_PORTABLE: ProfileRules = ProfileRules {
    separators: &['/', '\\'],
    forbidden_chars: WINDOWS_FORBIDDEN_CHARS,
    lookalike_targets: &['/', '\\', '.', ':', '<', '>', '"', '|', '?', '*'],
    trailing_dot_or_space: true,
    reserved_device_names: true,
    drive_prefix: true,
};

/// Unix: `\`, `:` and the Windows name rules are ordinary; everything else stays.
pub(crate) const UNIX: ProfileRules = ProfileRules {
    separators: &['/'],
    forbidden_chars: &[],
    lookalike_targets: &['/', '\\', '.'],
    trailing_dot_or_space: false,
    reserved_device_names: false,
    drive_prefix: false,
};

/// Look-alikes that NFKC leaves alone but that render as a separator, dot or colon (from
/// Unicode's `confusables.txt`): `U+2215` division slash, `U+2044` fraction slash,
/// `U+2216` set minus, `U+2236` ratio, `U+A789` modifier letter colon, `U+A4F8` Lisu tone
/// mya ti. Each maps to the ASCII character it imitates; it is refused when that character is
/// one of the profile's look-alike targets.
pub(crate) const CONFUSABLES: &[(char, char)] = &[
    ('\u{2215}', '/'),  // division slash
    ('\u{2044}', '/'),  // fraction slash
    ('\u{29F8}', '/'),  // big solidus
    ('\u{2571}', '/'),  // box drawings light diagonal upper right to lower left
    ('\u{1735}', '/'),  // Philippine single punctuation
    ('\u{2216}', '\\'), // set minus
    ('\u{29F5}', '\\'), // reverse solidus operator
    ('\u{29F9}', '\\'), // big reverse solidus
    ('\u{2572}', '\\'), // box drawings light diagonal upper left to lower right
    ('\u{2236}', ':'),  // ratio
    ('\u{A789}', ':'),  // modifier letter colon
    ('\u{02D0}', ':'),  // modifier letter triangular colon
    ('\u{0589}', ':'),  // Armenian full stop
    ('\u{A4F8}', '.'),  // Lisu letter tone mya ti
    ('\u{0701}', '.'),  // Syriac supralinear full stop
    ('\u{0702}', '.'),  // Syriac sublinear full stop
];

/// Characters that divide components in *any* profile, checked in decoded percent-escapes
/// (a decoder on the other side may be Windows).
pub(crate) const ANY_SEPARATOR: &[char] = &['/', '\\'];

/// The part of a component Windows compares against device names: up to the first `.` or
/// `:`, without trailing spaces (`CON .txt`, `nul:stream`).
pub(crate) fn device_name_base(component: &str) -> &str {
    let end = component.find(['.', ':']).unwrap_or(component.len());
    component
        .get(..end)
        .unwrap_or(component)
        .trim_end_matches(' ')
}

/// Whether `component` names a Windows device.
pub(crate) fn is_reserved_device_name(component: &str) -> bool {
    let base = device_name_base(component);
    RESERVED_DEVICE_NAMES
        .iter()
        .any(|name| name.eq_ignore_ascii_case(base))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_match_with_extensions_case_and_spaces() {
        for name in [
            "CON",
            "con",
            "Con.txt",
            "nul.tar.gz",
            "AUX ",
            "COM1",
            "com\u{b9}",
            "LPT0",
            "CONIN$",
            "conout$.log",
            "NUL:stream",
            "PRN .txt",
        ] {
            assert!(is_reserved_device_name(name), "{name}");
        }
        for name in [
            "CONSOLE",
            "COM10",
            "LPT",
            "xCON",
            "CON_",
            "nul_",
            "COM\u{b4}",
        ] {
            assert!(!is_reserved_device_name(name), "{name}");
        }
    }

    #[test]
    fn invisible_ranges_are_ordered_and_disjoint() {
        for pair in INVISIBLE_RANGES.windows(2) {
            assert!(pair[0].0 <= pair[0].1 && pair[0].1 < pair[1].0);
        }
        assert!(is_invisible('\u{200D}'));
        assert!(!is_invisible('a'));
    }
}
