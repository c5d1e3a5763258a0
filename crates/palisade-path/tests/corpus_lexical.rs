//! The lexical half of the corpus: untrusted inputs drawn from the public test suites of the
//! tools this crate learns from and from CVEs, each with its source, run against the
//! strict-portable (`S`) or unix (`U`) profile.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a corpus test fails loudly on the first wrong case"
)]

use palisade_path::{ErrorKind, Profile, Sanitizer};

use ErrorKind::{Absolute, Empty, Encoding, InvalidComponent, NulByte, TooLong, Traversal};

/// Expected outcome: the normalised path, or the error kind.
#[derive(Debug, Clone, Copy)]
enum Want {
    Ok(&'static str),
    Err(ErrorKind),
}
use Want::{Err as E, Ok as O};

const S: Profile = Profile::StrictPortable;
const U: Profile = Profile::Unix;

/// (input, profile, expected, source)
const CASES: &[(&str, Profile, Want, &str)] = &[
    // Go path/filepath isLocalTests (IsLocal, all platforms).
    ("", S, E(Empty), "Go filepath isLocalTests"),
    (".", S, O("."), "Go filepath isLocalTests"),
    ("..", S, E(Traversal), "Go filepath isLocalTests"),
    ("../a", S, E(Traversal), "Go filepath isLocalTests"),
    ("/", S, E(Absolute), "Go filepath isLocalTests"),
    ("/a", S, E(Absolute), "Go filepath isLocalTests"),
    ("a", S, O("a"), "Go filepath isLocalTests"),
    ("a/../a", S, O("a"), "Go filepath isLocalTests"),
    ("a/", S, O("a"), "Go filepath isLocalTests"),
    ("a/.", S, O("a"), "Go filepath isLocalTests"),
    ("a/./b/./c", S, O("a/b/c"), "Go filepath isLocalTests"),
    (
        "a/../b:/../../c",
        S,
        E(InvalidComponent),
        "Go filepath isLocalTests",
    ),
    (
        "a/../b:/../../c",
        U,
        E(Traversal),
        "Go filepath isLocalTests (unix meaning)",
    ),
    ("a/../../c", S, E(Traversal), "Go filepath isLocalTests"),
    // Go winislocaltests (IsLocal on Windows).
    ("\\", S, E(Absolute), "Go filepath winIsLocalTests"),
    ("\\a", S, E(Absolute), "Go filepath winIsLocalTests"),
    ("C:", S, E(Absolute), "Go filepath winIsLocalTests"),
    ("C:\\a", S, E(Absolute), "Go filepath winIsLocalTests"),
    ("..\\a", S, E(Traversal), "Go filepath winIsLocalTests"),
    (
        "a/../c:",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "CONIN$",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "conin$",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "CONOUT$",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "conout$",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    ("dollar$", S, O("dollar$"), "Go filepath winIsLocalTests"),
    ("NUL", S, E(InvalidComponent), "Go filepath winIsLocalTests"),
    ("nul", S, E(InvalidComponent), "Go filepath winIsLocalTests"),
    (
        "nul ",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "nul.",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "a/nul:",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "a/nul : a",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "com0",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests (COM0)",
    ),
    (
        "com1",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "com2",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "com9",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "com\u{b9}",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests (superscript one)",
    ),
    (
        "com\u{b2}",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests (superscript two)",
    ),
    (
        "com\u{b3}",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests (superscript three)",
    ),
    (
        "com\u{b9} : a",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "cOm1",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "lpt0",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests (LPT0)",
    ),
    (
        "lpt1",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "LPT1",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "lpt\u{b3}",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "./nul",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "a/nul.txt/b",
        S,
        E(InvalidComponent),
        "Go filepath winIsLocalTests",
    ),
    (
        "\\\\host\\share",
        S,
        E(Absolute),
        "Go filepath winIsLocalTests (UNC)",
    ),
    (
        "\\\\?\\C:\\x",
        S,
        E(Absolute),
        "Go filepath winIsLocalTests (verbatim)",
    ),
    (
        "\\\\.\\C:\\x",
        S,
        E(Absolute),
        "Go filepath winIsLocalTests (device)",
    ),
    (
        "\\??\\C:\\x",
        S,
        E(Absolute),
        "Go filepath winIsLocalTests (NT object)",
    ),
    (
        "//host/share",
        S,
        E(Absolute),
        "Go filepath winIsLocalTests (UNC with /)",
    ),
    (
        "C:x",
        S,
        E(Absolute),
        "Go filepath winIsLocalTests (drive-relative)",
    ),
    // Go CVE-2023-45283 / CVE-2023-45284: \??\ prefix and reserved names with extensions.
    (
        "\\??\\c:\\x",
        S,
        E(Absolute),
        "CVE-2023-45283 (Go Clean \\??\\ prefix)",
    ),
    (
        "COM1.txt",
        S,
        E(InvalidComponent),
        "CVE-2023-45284 (IsLocal COM1.txt)",
    ),
    ("COM1.foo.bar", S, E(InvalidComponent), "CVE-2023-45284"),
    (
        "a/LPT1 .txt",
        S,
        E(InvalidComponent),
        "CVE-2023-45284 (space before extension)",
    ),
    // Go os.Root / filepath-securejoin / libpathrs: lexically contained paths.
    (
        "a/b/../c",
        S,
        O("a/c"),
        "filepath-securejoin TestSecureJoin",
    ),
    ("a//b", S, O("a/b"), "filepath-securejoin TestSecureJoin"),
    (
        "a/b/c/../../../",
        S,
        O("."),
        "filepath-securejoin TestSecureJoin",
    ),
    (
        "../../../../../../etc/passwd",
        S,
        E(Traversal),
        "filepath-securejoin TestSecureJoin",
    ),
    (
        "/../../etc/passwd",
        U,
        E(Absolute),
        "filepath-securejoin TestSecureJoin",
    ),
    (
        "./././",
        S,
        O("."),
        "libpathrs resolver tests (dot components)",
    ),
    ("a/./../b/./c/..", S, O("b"), "libpathrs resolver tests"),
    (
        "b/c/../../../",
        S,
        E(Traversal),
        "openat2 selftest resolve_test (lexical half)",
    ),
    (
        "a/b/c/d/../../../../..",
        S,
        E(Traversal),
        "openat2 selftest resolve_test (lexical half)",
    ),
    // Traversal checked on every component, including ones popped later (fail closed).
    (
        "a/../../b/../c",
        S,
        E(Traversal),
        "issue 3 (checked on every component)",
    ),
    (
        "../a/..",
        S,
        E(Traversal),
        "issue 3 (checked on every component)",
    ),
    (
        "CON/../x",
        S,
        E(InvalidComponent),
        "issue 3 (popped components are checked)",
    ),
    // CVE-2018-1002200 "Zip Slip" and tar entries.
    (
        "../../../../../../../tmp/evil.sh",
        S,
        E(Traversal),
        "CVE-2018-1002200 Zip Slip",
    ),
    (
        "good/../../evil.sh",
        S,
        E(Traversal),
        "CVE-2018-1002200 Zip Slip",
    ),
    (
        "..\\..\\evil.exe",
        S,
        E(Traversal),
        "CVE-2018-1002200 Zip Slip (Windows entry)",
    ),
    (
        "..\\..\\evil.exe",
        U,
        O("..\\..\\evil.exe"),
        "CVE-2018-1002200 (on Unix `\\` is a name)",
    ),
    (
        "/etc/cron.d/x",
        S,
        E(Absolute),
        "CVE-2018-1002200 (absolute tar entry)",
    ),
    // CVE-2021-41773 / CVE-2021-42013 (Apache httpd) and other percent-decoding bugs.
    (".%2e/.%2e/etc/passwd", S, E(Encoding), "CVE-2021-41773"),
    ("%2e%2e/%2e%2e/etc/passwd", S, E(Encoding), "CVE-2021-41773"),
    (
        "%%32%65%%32%65/etc/passwd",
        S,
        E(Encoding),
        "CVE-2021-42013 (double encoding)",
    ),
    (
        "%252e%252e/etc",
        S,
        E(Encoding),
        "CVE-2001-0333 (IIS double decode)",
    ),
    (
        "..%2fetc",
        S,
        E(Encoding),
        "CVE-2021-41773 family (encoded slash)",
    ),
    (
        "..%5cetc",
        U,
        E(Encoding),
        "CVE-2001-0333 (encoded backslash)",
    ),
    (
        "..%c0%af",
        S,
        E(Encoding),
        "CVE-2000-0884 (IIS overlong UTF-8 slash)",
    ),
    ("a%00.txt", S, E(Encoding), "CWE-158 (encoded NUL)"),
    (
        "file%3a%3a$DATA",
        S,
        E(Encoding),
        "CVE-2019-1352 (encoded NTFS stream colon)",
    ),
    (
        "%ef%bc%8f",
        S,
        E(Encoding),
        "issue 3 (percent-encoded fullwidth solidus)",
    ),
    ("%2e", S, E(Encoding), "RFC 3986 dot segment"),
    (
        "100%25done",
        S,
        O("100%25done"),
        "issue 3 (other % sequences stay literal)",
    ),
    (
        "%41BC",
        S,
        O("%41BC"),
        "issue 3 (other % sequences stay literal)",
    ),
    ("50%", S, O("50%"), "issue 3 (lone percent stays literal)"),
    ("%%", S, O("%%"), "issue 3 (lone percent stays literal)"),
    (
        "%2525252e%2525252e",
        S,
        E(Encoding),
        "issue 3 (decoded until stable)",
    ),
    // NUL and control characters.
    ("a\0b", S, E(NulByte), "CWE-158 (NUL truncation)"),
    (
        "safe.txt\0.png",
        U,
        E(NulByte),
        "CWE-158 (extension check bypass)",
    ),
    ("a\nb", S, E(InvalidComponent), "CWE-93 (newline in a name)"),
    ("a\rb", U, E(InvalidComponent), "CWE-93"),
    ("a\u{7f}", S, E(InvalidComponent), "DEL"),
    ("a\u{85}b", S, E(InvalidComponent), "C1 control NEL"),
    (
        "\u{1b}[31mred",
        S,
        E(InvalidComponent),
        "CVE-2021-25743 family (terminal escapes)",
    ),
    // Unicode look-alikes and invisible characters (Unicode TR#36, confusables.txt).
    (
        "a\u{ff0f}b",
        S,
        E(Encoding),
        "TR#36 fullwidth solidus U+FF0F",
    ),
    (
        "a\u{ff3c}b",
        S,
        E(Encoding),
        "TR#36 fullwidth reverse solidus U+FF3C",
    ),
    (
        "\u{2024}\u{2024}/etc",
        S,
        E(Encoding),
        "TR#36 one-dot leader U+2024",
    ),
    (
        "\u{2025}/etc",
        U,
        E(Encoding),
        "TR#36 two-dot leader U+2025",
    ),
    (
        "a\u{2215}b",
        S,
        E(Encoding),
        "confusables.txt division slash U+2215",
    ),
    (
        "a\u{2044}b",
        U,
        E(Encoding),
        "confusables.txt fraction slash U+2044",
    ),
    ("a\u{ff1a}b", S, E(Encoding), "TR#36 fullwidth colon U+FF1A"),
    ("a\u{fe55}b", S, E(Encoding), "TR#36 small colon U+FE55"),
    (
        "a\u{ff0e}\u{ff0e}",
        S,
        E(Encoding),
        "TR#36 fullwidth full stop U+FF0E",
    ),
    (
        "a\u{ff1a}b",
        U,
        O("a\u{ff1a}b"),
        "on Unix a colon look-alike is harmless",
    ),
    (
        "\u{2100}",
        U,
        E(Encoding),
        "TR#36: U+2100 ACCOUNT OF is a/c under NFKC",
    ),
    (
        "x\u{33ae}",
        S,
        E(Encoding),
        "TR#36: U+33AE is rad, division slash, s under NFKC",
    ),
    (
        "\u{fe52}\u{fe52}",
        U,
        E(Encoding),
        "TR#36: small full stop U+FE52",
    ),
    (
        "secret\u{200b}.txt",
        S,
        E(InvalidComponent),
        "zero-width space U+200B",
    ),
    (
        "a\u{200d}b",
        S,
        E(InvalidComponent),
        "zero-width joiner U+200D",
    ),
    (
        "invoice\u{202e}fdp.exe",
        U,
        E(InvalidComponent),
        "CVE-2021-42574 (RTL override)",
    ),
    ("\u{feff}a", S, E(InvalidComponent), "BOM U+FEFF"),
    ("a\u{ad}b", S, E(InvalidComponent), "soft hyphen U+00AD"),
    (
        "na\u{ef}ve/\u{65e5}\u{672c}.txt",
        S,
        O("na\u{ef}ve/\u{65e5}\u{672c}.txt"),
        "ordinary Unicode is kept",
    ),
    // Windows name rules (Microsoft "Naming Files, Paths, and Namespaces").
    ("a<b", S, E(InvalidComponent), "Windows naming rules"),
    ("a>b", S, E(InvalidComponent), "Windows naming rules"),
    ("a\"b", S, E(InvalidComponent), "Windows naming rules"),
    ("a|b", S, E(InvalidComponent), "Windows naming rules"),
    ("a?b", S, E(InvalidComponent), "Windows naming rules"),
    ("a*b", S, E(InvalidComponent), "Windows naming rules"),
    (
        "file.txt::$DATA",
        S,
        E(InvalidComponent),
        "CVE-2019-1352 (NTFS stream)",
    ),
    (
        ".git::$INDEX_ALLOCATION/config",
        S,
        E(InvalidComponent),
        "CVE-2019-1352",
    ),
    (
        "secret.",
        S,
        E(InvalidComponent),
        "Windows strips trailing dots",
    ),
    (
        "secret ",
        S,
        E(InvalidComponent),
        "Windows strips trailing spaces",
    ),
    (
        ".git./config",
        S,
        E(InvalidComponent),
        "CVE-2014-9390 family (git on NTFS)",
    ),
    (
        "...",
        S,
        E(InvalidComponent),
        "Windows strips trailing dots",
    ),
    ("...", U, O("..."), "on Unix `...` is a name"),
    (
        "a<b|c",
        U,
        O("a<b|c"),
        "unix profile keeps Windows characters",
    ),
    ("NUL", U, O("NUL"), "unix profile keeps device names"),
    ("CONSOLE", S, O("CONSOLE"), "not a device name"),
    ("COM10", S, O("COM10"), "not a device name"),
    // Lengths (Linux PATH_MAX 4096, NAME_MAX 255).
    (LONG_COMPONENT, S, E(TooLong), "NAME_MAX"),
    // Invalid UTF-8 is in `bytes_cases`.
];

const LONG_COMPONENT: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// (bytes, profile, expected, source)
const BYTES_CASES: &[(&[u8], Profile, Want, &str)] = &[
    (b"a/\xff", S, E(Encoding), "invalid UTF-8"),
    (
        b"\xc0\xaf",
        U,
        E(Encoding),
        "CVE-2000-0884 (overlong UTF-8 slash)",
    ),
    (
        b"\xc0\xae\xc0\xae/etc",
        U,
        E(Encoding),
        "CVE-2000-0884 (overlong UTF-8 dots)",
    ),
    (
        b"\xed\xa0\x80",
        S,
        E(Encoding),
        "lone surrogate (CESU/WTF-8)",
    ),
    (b"a\0", U, E(NulByte), "CWE-158"),
    (b"", U, E(Empty), "empty"),
    (b"ok/file", U, O("ok/file"), "plain bytes"),
];

fn sanitizer(profile: Profile) -> Sanitizer {
    Sanitizer::builder().profile(profile).build().unwrap()
}

fn check(
    label: &str,
    got: Result<palisade_path::SafeRelPath, palisade_path::Error>,
    want: Want,
    source: &str,
) -> Option<String> {
    match (got, want) {
        (Ok(path), Want::Ok(expected)) if path.as_str() == expected => None,
        (Err(err), Want::Err(kind)) if err.kind() == kind => {
            // Every message names the input (escaped) and is lowercase.
            assert!(
                err.to_string().starts_with(char::is_lowercase),
                "{label}: {err}"
            );
            None
        }
        (got, want) => Some(format!("{label} [{source}]: want {want:?}, got {got:?}")),
    }
}

#[test]
fn lexical_corpus() {
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|&(input, profile, want, source)| {
            check(
                &format!("{input:?} ({profile:?})"),
                sanitizer(profile).sanitize(input),
                want,
                source,
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn lexical_bytes_corpus() {
    let failures: Vec<String> = BYTES_CASES
        .iter()
        .filter_map(|&(input, profile, want, source)| {
            check(
                &format!("{input:?} ({profile:?})"),
                sanitizer(profile).sanitize_bytes(input),
                want,
                source,
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_is_large_enough_and_cited() {
    eprintln!("lexical cases: {}", CASES.len() + BYTES_CASES.len());
    assert!(
        CASES.len() + BYTES_CASES.len() >= 120,
        "{}",
        CASES.len() + BYTES_CASES.len()
    );
    assert!(CASES.iter().all(|case| !case.3.is_empty()));
}

#[test]
fn path_limit_is_4096_bytes() {
    let s = Sanitizer::new();
    let at_limit = vec!["a".repeat(255); 16].join("/"); // 16*255 + 15 = 4095 bytes
    assert_eq!(at_limit.len(), 4095);
    assert!(s.sanitize(&at_limit).is_ok());
    let over = format!("{at_limit}/b");
    assert_eq!(over.len(), 4097);
    assert_eq!(s.sanitize(&over).unwrap_err().kind(), TooLong);
    assert_eq!(s.sanitize(&"a".repeat(255)).unwrap().as_str().len(), 255);
}
