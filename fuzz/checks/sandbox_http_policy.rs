//! palisade-sandbox's HTTP policy on untrusted input: host patterns (from configuration), the
//! method and URL a guest asks for, and addresses a resolver returns. No wasmtime, no network.
//!
//! Input: `pattern \n method \n url \n` followed by 16 bytes read as an IPv6 address (and its
//! last 4 as IPv4).
//!
//! Shared by the fuzz target and the crate's `tests/fuzz_replay.rs` (see `fuzz/checks/README.md`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use palisade_sandbox::http::{HostPattern, HttpPolicy, TargetHost, special_purpose};

/// Runs the target's checks on one input; panics if an invariant is broken.
pub fn check(data: &[u8]) {
    let mut parts = data.splitn(4, |&b| b == b'\n');
    let pattern = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let method = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let url = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let tail = parts.next().unwrap_or_default();

    let policy = match HostPattern::parse(&pattern) {
        Ok(parsed) => {
            // Display is a canonical form that parses back to the same pattern.
            let shown = parsed.to_string();
            let reparsed = HostPattern::parse(&shown).expect("a displayed pattern parses");
            assert_eq!(reparsed, parsed, "{shown}");
            HttpPolicy::new()
                .allow(&pattern)
                .expect("parsed once, parses again")
        }
        Err(_) => HttpPolicy::new(),
    };
    if let Ok(target) = policy.check_request(&method, &url) {
        assert!(method == "GET" || method == "HEAD");
        assert!(HostPattern::parse(&pattern).is_ok_and(|p| p.matches(&target)));
        if let TargetHost::Ip(ip) = target.host {
            assert!(special_purpose(ip).is_none(), "{ip} passed");
        }
    }

    if let Some(bytes) = tail.get(..16).and_then(|b| <[u8; 16]>::try_from(b).ok()) {
        let v6 = Ipv6Addr::from(bytes);
        let _ = policy.check_address(IpAddr::V6(v6));
        if v6.to_ipv4_mapped().is_some() {
            assert!(special_purpose(IpAddr::V6(v6)).is_some(), "{v6} is mapped");
        }
        let v4 = Ipv4Addr::new(bytes[12], bytes[13], bytes[14], bytes[15]);
        if v4.is_loopback()
            || v4.is_private()
            || v4.is_link_local()
            || v4.is_multicast()
            || v4.is_unspecified()
        {
            assert!(
                policy.check_address(IpAddr::V4(v4)).is_err(),
                "{v4} allowed"
            );
        }
    }
}
