//! Small value types that validate themselves when parsed: text, money, percentages, periods.
//!
//! "Parse, don't validate": a `Name` is never empty, a `Pence` never negative, so code that holds one
//! need not check again. Rules that relate two fields (a period's end after its start) live in
//! `validate`.

use std::fmt;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest `Name` accepted (a person's or body's name, a title, a heading).
pub const MAX_NAME_LEN: usize = 1_000;
/// Longest `Text` accepted (a clause, a resolution part, a quote).
pub const MAX_TEXT_LEN: usize = 100_000;

fn text_problem(s: &str, max: usize) -> Option<String> {
    if s.trim().is_empty() {
        return Some("must not be empty".into());
    }
    if s.len() > max {
        return Some(format!("must be at most {max} bytes (got {})", s.len()));
    }
    None
}

macro_rules! text {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
        #[serde(transparent)]
        pub struct $name(#[schemars(length(min = 1))] String);

        impl $name {
            pub fn new(s: impl Into<String>) -> Result<Self, String> {
                let s = s.into();
                match text_problem(&s, $max) {
                    Some(problem) => Err(problem),
                    None => Ok(Self(s)),
                }
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Self::new(String::deserialize(d)?).map_err(serde::de::Error::custom)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text!(
    /// A short, non-empty piece of text: a name, a title, a heading (at most 1,000 bytes).
    Name,
    MAX_NAME_LEN
);
text!(
    /// Non-empty prose: a clause, a resolution part, a quote (at most 100,000 bytes).
    Text,
    MAX_TEXT_LEN
);

/// An amount of money in pence. Never negative, never a float: `£160,094` is `16009400`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, JsonSchema)]
#[schemars(transparent)]
pub struct Pence(#[schemars(range(min = 0))] i64);

impl Pence {
    pub const ZERO: Pence = Pence(0);

    pub fn new(pence: i64) -> Result<Self, String> {
        if pence < 0 {
            Err(format!("must not be negative (got {pence})"))
        } else {
            Ok(Pence(pence))
        }
    }
    pub fn from_pounds(pounds: i64) -> Option<Self> {
        pounds.checked_mul(100).and_then(|p| Pence::new(p).ok())
    }
    pub fn get(self) -> i64 {
        self.0
    }
    pub fn checked_add(self, other: Pence) -> Option<Pence> {
        self.0.checked_add(other.0).map(Pence)
    }
    /// Apply a percentage change, rounding half away from zero to the penny.
    pub fn apply(self, change: Percent) -> Option<Pence> {
        let scaled = i128::from(self.0) * (10_000 + i128::from(change.0));
        let rounded = (scaled + 5_000) / 10_000; // both factors are >= 0, so this rounds half up
        i64::try_from(rounded).ok().map(Pence)
    }
}

impl fmt::Display for Pence {
    /// `£160,094.00`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pounds = (self.0 / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in pounds.chars().enumerate() {
            if i > 0 && (pounds.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "£{grouped}.{:02}", self.0 % 100)
    }
}

impl Serialize for Pence {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for Pence {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Pence;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number of pence")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Pence, E> {
                Pence::new(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Pence, E> {
                i64::try_from(v).map(Pence).map_err(|_| {
                    E::custom(format!("overflows: at most {} pence (got {v})", i64::MAX))
                })
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Pence, E> {
                Err(E::custom(format!(
                    "must be a whole number of pence without a decimal point, not {v:?} (write £12.50 as 1250)"
                )))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// A percentage change, exact to a hundredth of a percent, written as a string: `"-24.8"` is a 24.8% cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, JsonSchema)]
#[schemars(transparent)]
pub struct Percent(
    /// Hundredths of a percent (basis points).
    #[schemars(with = "String", regex(pattern = r"^[+-]?\d{1,4}(\.\d{1,2})?$"))]
    i32,
);

impl Percent {
    pub fn basis_points(self) -> i32 {
        self.0
    }
}

impl std::str::FromStr for Percent {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad =
            || format!("must be a percentage like \"-24.8\" (at most two decimals), not {s:?}");
        let (negative, digits) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || whole.len() > 4
            || frac.len() > 2
            || !all_digits(whole)
            || !all_digits(frac)
        {
            return Err(bad());
        }
        let whole: i32 = whole.parse().map_err(|_| bad())?;
        let frac: i32 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let bp = whole * 100 + frac;
        let bp = if negative { -bp } else { bp };
        if bp < -10_000 {
            return Err(format!("cannot cut by more than 100% (got {s})"));
        }
        Ok(Percent(bp))
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        match abs % 100 {
            0 => write!(f, "{sign}{}", abs / 100),
            r if r % 10 == 0 => write!(f, "{sign}{}.{}", abs / 100, r / 10),
            r => write!(f, "{sign}{}.{r:02}", abs / 100),
        }
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A span of days, both ends included: `from` 2011-10-01 `to` 2012-03-31 is the second half of 2011/12.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub from: NaiveDate,
    /// The last day of the period (inclusive).
    pub to: NaiveDate,
}

impl Period {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pence_rejects_negative_fractional_and_overflowing_amounts() {
        assert_eq!(
            serde_json::from_str::<Pence>("2238000").unwrap().get(),
            2_238_000
        );
        let neg = serde_json::from_str::<Pence>("-1").unwrap_err().to_string();
        assert!(neg.contains("must not be negative"), "{neg}");
        let frac = serde_json::from_str::<Pence>("12.5")
            .unwrap_err()
            .to_string();
        assert!(frac.contains("whole number of pence"), "{frac}");
        let big = serde_json::from_str::<Pence>("9223372036854775808")
            .unwrap_err()
            .to_string();
        assert!(big.contains("overflows"), "{big}");
    }

    #[test]
    fn pence_display_in_pounds() {
        assert_eq!(
            Pence::from_pounds(160_094).unwrap().to_string(),
            "£160,094.00"
        );
        assert_eq!(Pence::new(5).unwrap().to_string(), "£0.05");
        assert_eq!(
            Pence::new(100_000_050).unwrap().to_string(),
            "£1,000,000.50"
        );
    }

    #[test]
    fn percent_parses_exactly_and_applies_with_rounding() {
        let cut: Percent = "-24.8".parse().unwrap();
        assert_eq!(cut.basis_points(), -2480);
        assert_eq!(cut.to_string(), "-24.8");
        assert_eq!("+5".parse::<Percent>().unwrap().to_string(), "5");
        assert_eq!("0.05".parse::<Percent>().unwrap().to_string(), "0.05");
        assert!("24.888".parse::<Percent>().is_err());
        assert!("-101".parse::<Percent>().is_err());
        assert!("abc".parse::<Percent>().is_err());
        // £22,380 cut by 24.8% is £16,829.76 exactly.
        assert_eq!(
            Pence::from_pounds(22_380)
                .unwrap()
                .apply(cut)
                .unwrap()
                .get(),
            1_682_976
        );
        // 1p cut by 50% rounds half up to 1p.
        assert_eq!(
            Pence::new(1)
                .unwrap()
                .apply("-50".parse().unwrap())
                .unwrap()
                .get(),
            1
        );
    }

    #[test]
    fn text_must_not_be_blank() {
        assert!(Name::new("  ").is_err());
        assert!(Name::new("x".repeat(MAX_NAME_LEN + 1)).is_err());
        assert!(Text::new("Clause 1").is_ok());
    }
}
