//! Quotas: how many cells (requests, or units of cost) may pass per period, and how many may
//! pass at once (the burst). GCRA semantics, as in governor: one cell is replenished every
//! `period / count`, and up to `burst` cells can be spent back to back.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

use crate::clock::nanos;
use crate::error::{Error, ErrorKind};

/// The longest quota string [`Quota::from_str`] accepts; longer input is rejected unread.
pub const MAX_QUOTA_LEN: usize = 64;

/// Period units accepted in quota strings, with their length in nanoseconds.
const UNITS: &[(&str, u64)] = &[
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("sec", 1_000_000_000),
    ("second", 1_000_000_000),
    ("m", 60_000_000_000),
    ("min", 60_000_000_000),
    ("minute", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("hour", 3_600_000_000_000),
    ("d", 86_400_000_000_000),
    ("day", 86_400_000_000_000),
];

/// Units used when printing a period, largest first.
const DISPLAY_UNITS: &[(&str, u64)] = &[
    ("d", 86_400_000_000_000),
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
];

/// A rate: `count` cells per `period`, with a burst of `burst` cells.
///
/// Written as a string, `10/s` (burst 10), `600/m`, `3/10s`, `10/s burst 20`. The burst
/// defaults to `count`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    count: u32,
    period_ns: u64,
    burst: u32,
}

impl Quota {
    /// `count` per second, burst `count`.
    pub fn per_second(count: NonZeroU32) -> Self {
        Self::new(count, 1_000_000_000)
    }

    /// `count` per minute, burst `count`.
    pub fn per_minute(count: NonZeroU32) -> Self {
        Self::new(count, 60_000_000_000)
    }

    /// `count` per hour, burst `count`.
    pub fn per_hour(count: NonZeroU32) -> Self {
        Self::new(count, 3_600_000_000_000)
    }

    /// `count` per `period`, burst `count`. `None` when the period is zero or longer than
    /// 584 years.
    pub fn per(count: NonZeroU32, period: Duration) -> Option<Self> {
        let period_ns = nanos(period);
        (period_ns != 0 && period_ns != u64::MAX).then(|| Self::new(count, period_ns))
    }

    fn new(count: NonZeroU32, period_ns: u64) -> Self {
        Self {
            count: count.get(),
            period_ns,
            burst: count.get(),
        }
    }

    /// The same rate with a different burst.
    #[must_use]
    pub fn with_burst(self, burst: NonZeroU32) -> Self {
        Self {
            burst: burst.get(),
            ..self
        }
    }

    /// How many cells may be spent back to back.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// The number of cells per [`period`](Self::period).
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The period over which [`count`](Self::count) cells are replenished.
    pub fn period(&self) -> Duration {
        Duration::from_nanos(self.period_ns)
    }

    /// The time to replenish one cell (`period / count`, at least 1 ns).
    pub fn replenish_interval(&self) -> Duration {
        Duration::from_nanos(self.interval_ns())
    }

    #[inline]
    pub(crate) fn interval_ns(&self) -> u64 {
        (self.period_ns / u64::from(self.count)).max(1)
    }

    /// The emptiness tolerance: how far ahead of now the theoretical arrival time may be
    /// after an admission (`burst × interval`).
    #[inline]
    pub(crate) fn capacity_ns(&self) -> u64 {
        self.interval_ns().saturating_mul(u64::from(self.burst))
    }
}

impl fmt::Debug for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Quota({self})")
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/", self.count)?;
        let (unit, len) = DISPLAY_UNITS
            .iter()
            .copied()
            .find(|&(_, len)| self.period_ns.is_multiple_of(len))
            .unwrap_or(("ns", 1));
        let multiple = self.period_ns / len;
        if multiple != 1 {
            write!(f, "{multiple}")?;
        }
        write!(f, "{unit}")?;
        if self.burst != self.count {
            write!(f, " burst {}", self.burst)?;
        }
        Ok(())
    }
}

fn invalid(input: &str, what: &str) -> Error {
    Error::new(
        ErrorKind::InvalidQuota,
        format_args!(
            "invalid quota `{}`: {what}; write e.g. `10/s`, `600/m`, `3/10s` or `10/s burst 20`",
            input.escape_debug()
        ),
    )
}

fn parse_count(input: &str, digits: &str, what: &str) -> Result<NonZeroU32, Error> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(input, &format!("{what} must be a whole number")));
    }
    digits
        .parse::<u32>()
        .ok()
        .and_then(NonZeroU32::new)
        .ok_or_else(|| invalid(input, &format!("{what} must be between 1 and {}", u32::MAX)))
}

impl FromStr for Quota {
    type Err = Error;

    /// Parses `COUNT/[N]UNIT[ burst B]`, UNIT one of `ms`, `s`, `sec`, `second`, `m`, `min`,
    /// `minute`, `h`, `hour`, `d`, `day`. Untrusted input is fine: the string is bounded to
    /// [`MAX_QUOTA_LEN`] bytes and every number is range-checked.
    fn from_str(input: &str) -> Result<Self, Error> {
        if input.len() > MAX_QUOTA_LEN {
            return Err(Error::new(
                ErrorKind::InvalidQuota,
                format_args!("invalid quota: longer than {MAX_QUOTA_LEN} bytes"),
            ));
        }
        let mut words = input.split_ascii_whitespace();
        let rate = words.next().ok_or_else(|| invalid(input, "it is empty"))?;
        let burst = match (words.next(), words.next(), words.next()) {
            (None, _, _) => None,
            (Some("burst"), Some(burst), None) => Some(parse_count(input, burst, "the burst")?),
            _ => return Err(invalid(input, "only `burst N` may follow the rate")),
        };
        let (count, period) = rate
            .split_once('/')
            .ok_or_else(|| invalid(input, "the rate needs a `/`"))?;
        let count = parse_count(input, count, "the count")?;
        let unit_start = period
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| invalid(input, "the period needs a unit"))?;
        let (multiple, unit) = period.split_at(unit_start);
        let multiple = if multiple.is_empty() {
            NonZeroU32::MIN
        } else {
            parse_count(input, multiple, "the period's multiple")?
        };
        let unit_ns = UNITS
            .iter()
            .find(|&&(name, _)| name == unit)
            .map(|&(_, ns)| ns)
            .ok_or_else(|| invalid(input, &format!("unknown unit `{}`", unit.escape_debug())))?;
        let period_ns = unit_ns
            .checked_mul(u64::from(multiple.get()))
            .filter(|&ns| ns != u64::MAX)
            .ok_or_else(|| invalid(input, "the period is too long"))?;
        let quota = Self::new(count, period_ns);
        Ok(match burst {
            Some(burst) => quota.with_burst(burst),
            None => quota,
        })
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Quota {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Quota {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Quota;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quota string such as `10/s` or `10/s burst 20`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Quota, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn q(s: &str) -> Quota {
        s.parse().unwrap()
    }

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(q("10/s"), Quota::per_second(NonZeroU32::new(10).unwrap()));
        assert_eq!(q("600/m").replenish_interval(), Duration::from_millis(100));
        assert_eq!(
            q("3/10s").replenish_interval(),
            Duration::from_nanos(3_333_333_333)
        );
        assert_eq!(q("10/s burst 20").burst(), 20);
        assert_eq!(q("1/day").period(), Duration::from_secs(86_400));
        assert_eq!(q(" 5/250ms ").count(), 5);
    }

    #[test]
    fn rejects_malformed_quotas_with_a_message_naming_the_input() {
        for bad in [
            "",
            "10",
            "10/",
            "/s",
            "0/s",
            "10/0s",
            "-1/s",
            "10/fortnight",
            "10/s burst",
            "10/s burst 0",
            "10/s burst 5 extra",
            "10/s bust 5",
            "4294967296/s",
            "1.5/s",
            "10 /s",
            "+1/s",
            "10/s\u{0}",
        ] {
            let err = bad.parse::<Quota>().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidQuota, "{bad:?}");
            assert!(err.to_string().starts_with("invalid quota"), "{err}");
        }
        let long = format!("1/s{}", " ".repeat(MAX_QUOTA_LEN));
        assert!(long.parse::<Quota>().is_err());
    }

    #[test]
    fn display_is_canonical() {
        assert_eq!(q("10/s").to_string(), "10/s");
        assert_eq!(q("10/sec").to_string(), "10/s");
        assert_eq!(q("10/60s").to_string(), "10/m");
        assert_eq!(q("3/10s burst 7").to_string(), "3/10s burst 7");
        assert_eq!(q("10/1500ms").to_string(), "10/1500ms");
    }

    proptest! {
        #[test]
        fn display_round_trips(count in 1u32.., multiple in 1u32..100_000, unit in 0usize..UNITS.len(), burst in proptest::option::of(1u32..)) {
            let (name, _) = UNITS[unit];
            let mut text = format!("{count}/{multiple}{name}");
            if let Some(b) = burst { text.push_str(&format!(" burst {b}")); }
            let quota: Quota = text.parse().unwrap();
            let again: Quota = quota.to_string().parse().unwrap();
            prop_assert_eq!(quota, again);
        }

        #[test]
        fn arbitrary_input_never_panics(s in "\\PC{0,80}") {
            let _ = s.parse::<Quota>();
        }
    }
}
