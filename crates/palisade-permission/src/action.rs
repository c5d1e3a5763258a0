//! The actions a gate decides on.

/// Something an agent or plugin wants to do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Action {
    /// A bash command line, analysed into every simple command it runs.
    Shell(String),
    /// An argv vector run without a shell (`argv[0]` is the program).
    Argv(Vec<String>),
    /// A file access: the path as the agent gave it, relative to the workspace root or
    /// absolute. Normalised with `palisade-path` before any rule sees it.
    File {
        /// Read, write or delete.
        access: FileAccess,
        /// The path as given.
        path: String,
    },
    /// A network connection.
    Network(NetworkTarget),
    /// A named tool call with JSON arguments.
    Tool {
        /// The tool's name.
        name: String,
        /// Its arguments.
        arguments: serde_json::Value,
    },
}

/// Where a network action connects.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NetworkTarget {
    /// `https`, `ssh`, … (lowercase).
    pub scheme: String,
    /// Host name or address (lowercase, no trailing dot).
    pub host: String,
    /// Port.
    pub port: u16,
}

impl NetworkTarget {
    /// A target, normalised (lowercase scheme and host, trailing dot removed).
    pub fn new(scheme: &str, host: &str, port: u16) -> Self {
        Self {
            scheme: scheme.to_ascii_lowercase(),
            host: host.trim_end_matches('.').to_ascii_lowercase(),
            port,
        }
    }
}

/// The canonical form of a host as a connection would use it: an IPv4 address in dotted
/// quads however it was written (`127.1`, `0x7f000001`, `2130706433`, `0177.0.0.1`: the
/// `inet_aton` forms resolvers accept), an IPv6 address without brackets in its shortest
/// form (an IPv4-mapped one as its IPv4 address), or a DNS name of letters, digits, `-` and
/// `_` in dot-separated labels. Anything else (`evil.example/.github.com`, a space, `\`, a
/// port, userinfo, non-ASCII) is an error: a URL built from it would connect elsewhere
/// (found by probing, session 8).
pub(crate) fn canonical_host(host: &str) -> Result<String, String> {
    let lower = host.to_ascii_lowercase();
    let name = lower.strip_suffix('.').unwrap_or(&lower);
    if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        return inner
            .parse::<std::net::Ipv6Addr>()
            .map(canonical_v6)
            .map_err(|_| format!("host `{host}` is not an IPv6 address"));
    }
    if let Ok(v6) = name.parse::<std::net::Ipv6Addr>() {
        return Ok(canonical_v6(v6));
    }
    if let Some(v4) = inet_aton(name) {
        return Ok(v4.to_string());
    }
    let valid_label = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    // A name's last label is never all digits: `1.2.3.999` and `1.2.3.4.5` are malformed
    // addresses, which resolvers treat in their own ways.
    let numeric_tld = name
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()) || tld.starts_with("0x"));
    if name.is_empty() || name.len() > 253 || numeric_tld || !name.split('.').all(valid_label) {
        return Err(format!(
            "host `{host}` is not a host name or an IP address (letters, digits, `-` and `_` in dot-separated labels)"
        ));
    }
    Ok(name.to_owned())
}

/// Whether a canonical host (see [`canonical_host`]) is this machine (loopback, unspecified),
/// link-local, or a cloud metadata endpoint.
pub(crate) fn is_local_or_metadata(host: &str) -> bool {
    if let Ok(v4) = host.parse::<std::net::Ipv4Addr>() {
        return v4.is_loopback()
            || v4.is_unspecified()
            || v4.is_link_local()
            || v4.octets().first() == Some(&0)
            || v4 == std::net::Ipv4Addr::new(100, 100, 100, 200);
    }
    if let Ok(v6) = host.parse::<std::net::Ipv6Addr>() {
        let first = v6.segments().first().copied().unwrap_or(0);
        return v6.is_loopback()
            || v6.is_unspecified()
            || (first & 0xffc0) == 0xfe80
            // AWS's IPv6 metadata endpoint, fd00:ec2::254.
            || v6 == std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)
            // NAT64 (64:ff9b::/96) of a local IPv4 address.
            || (v6.segments().get(..6) == Some(&[0x64, 0xff9b, 0, 0, 0, 0])
                && is_local_or_metadata(
                    &std::net::Ipv4Addr::from(u32::try_from(v6.to_bits() & 0xffff_ffff).unwrap_or(0))
                        .to_string(),
                ));
    }
    matches!(
        host,
        "localhost"
            | "localhost.localdomain"
            | "ip6-localhost"
            | "ip6-loopback"
            | "metadata.google.internal"
            | "metadata"
            | "instance-data"
            | "instance-data.ec2.internal"
    ) || host.ends_with(".localhost")
}

fn canonical_v6(v6: std::net::Ipv6Addr) -> String {
    match v6.to_ipv4_mapped() {
        Some(v4) => v4.to_string(),
        None => v6.to_string(),
    }
}

/// An IPv4 address in any form `inet_aton` accepts: one to four parts, each decimal, octal
/// (leading `0`) or hexadecimal (`0x`), the last filling the remaining bytes.
fn inet_aton(text: &str) -> Option<std::net::Ipv4Addr> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in &parts {
        let value = if let Some(hex) = part.strip_prefix("0x") {
            if hex.is_empty() {
                0
            } else {
                u64::from_str_radix(hex, 16).ok()?
            }
        } else if part.len() > 1 && part.starts_with('0') {
            u64::from_str_radix(part.get(1..)?, 8).ok()?
        } else if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse::<u64>().ok()?
        } else {
            return None;
        };
        numbers.push(value);
    }
    let (last, leading) = numbers.split_last()?;
    if leading.iter().any(|n| *n > 255) {
        return None;
    }
    let room = 8 * (4 - leading.len() as u32);
    if room < 64 && *last >= (1u64 << room) {
        return None;
    }
    let mut address: u64 = 0;
    for (i, n) in leading.iter().enumerate() {
        address |= n << (24 - 8 * i as u32);
    }
    address |= last;
    u32::try_from(address).ok().map(std::net::Ipv4Addr::from)
}

/// The kind of file access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum FileAccess {
    /// Reading a file or listing a directory.
    Read,
    /// Creating or changing a file.
    Write,
    /// Removing a file or directory.
    Delete,
}

impl FileAccess {
    /// `"read"`, `"write"` or `"delete"`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileAccess::Read => "read",
            FileAccess::Write => "write",
            FileAccess::Delete => "delete",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{canonical_host, is_local_or_metadata};

    #[test]
    fn local_and_metadata_hosts_are_recognised() {
        for host in [
            "127.0.0.2",
            "0.0.0.0",
            "[::1]",
            "[::]",
            "169.254.169.254",
            "[fd00:ec2::254]",
            "[64:ff9b::7f00:1]",
            "localhost",
            "metadata.google.internal",
            "0x7f000001",
            "[::ffff:127.0.0.1]",
        ] {
            let canonical = canonical_host(host).unwrap_or_default();
            assert!(is_local_or_metadata(&canonical), "{host} ({canonical})");
        }
        for host in ["example.com", "8.8.8.8", "[2001:db8::1]", "10.0.0.1"] {
            let canonical = canonical_host(host).unwrap_or_default();
            assert!(!is_local_or_metadata(&canonical), "{host}");
        }
    }

    #[test]
    fn hosts_are_canonical() {
        for (host, canonical) in [
            ("127.1", "127.0.0.1"),
            ("0x7f000001", "127.0.0.1"),
            ("2130706433", "127.0.0.1"),
            ("0177.0.0.1", "127.0.0.1"),
            ("0x7f.1", "127.0.0.1"),
            ("169.254.43518", "169.254.169.254"),
            ("[::ffff:169.254.169.254]", "169.254.169.254"),
            ("::ffff:a9fe:a9fe", "169.254.169.254"),
            ("[::1]", "::1"),
            ("0:0:0:0:0:0:0:1", "::1"),
            ("GitHub.COM.", "github.com"),
            ("_dmarc.example.com", "_dmarc.example.com"),
            ("10.1", "10.0.0.1"),
        ] {
            assert_eq!(canonical_host(host).as_deref(), Ok(canonical), "{host}");
        }
        for bad in [
            "evil.example/.github.com",
            "evil.example#.github.com",
            "evil.example\\.github.com",
            "evil.example .github.com",
            "evil.example:8080",
            "user@evil.example",
            "..github.com",
            "",
            "caf\u{e9}.example",
            "a\0b",
            "256.1.1.1.1",
        ] {
            assert!(canonical_host(bad).is_err(), "{bad:?}");
        }
    }
}
