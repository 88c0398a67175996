//! Dates and times as minutes write them: "Thursday, 25 September 2014", "25th Sept. 2014",
//! "September 25, 2014", "25/09/2014", "January 2018"; "10.00 am", "2.00pm", "2pm", "14:00 hrs".

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveTime};
use regex::Regex;

const MONTHS: &str = r"(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)";

static DMY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS}\.?,?\s+(\d{{4}})\b"
    ))
    .expect("valid regex")
});
static MDY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b{MONTHS}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"
    ))
    .expect("valid regex")
});
static NUMERIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b").expect("valid regex"));
static MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)\b{MONTHS}\.?,?\s+(\d{{4}})\b")).expect("valid regex")
});
static MONTH_ONLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"\b{MONTHS}\b")).expect("valid regex"));
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(\d{1,2})(?:[.:](\d{2}))?\s*(a\.?m\b\.?|p\.?m\b\.?)|\b([01]?\d|2[0-3])[:.]([0-5]\d)\s*(?:hrs|hours|h)\b|\b(noon|midday)\b",
    )
    .expect("valid regex")
});

fn month_number(name: &str) -> Option<u32> {
    let m = name.to_ascii_lowercase();
    let n = match m.get(..3)? {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    Some(n)
}

/// A date found in a text, with where it was and whether the day was stated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FoundDate {
    pub date: NaiveDate,
    /// Byte range in the text searched.
    pub start: usize,
    pub end: usize,
    /// False when only a month was given ("January 2018"): `date` is then the 1st.
    pub day_given: bool,
}

/// Every full date in `text`, in order of position.
pub fn dates(text: &str) -> Vec<FoundDate> {
    let mut found = Vec::new();
    for c in DMY.captures_iter(text) {
        let (Some(d), Some(m), Some(y)) = (c.get(1), c.get(2), c.get(3)) else {
            continue;
        };
        if let Some(date) = ymd(y.as_str(), month_number(m.as_str()), d.as_str()) {
            let all = c.get(0).expect("group 0");
            found.push(FoundDate {
                date,
                start: all.start(),
                end: all.end(),
                day_given: true,
            });
        }
    }
    for c in MDY.captures_iter(text) {
        let (Some(m), Some(d), Some(y)) = (c.get(1), c.get(2), c.get(3)) else {
            continue;
        };
        let all = c.get(0).expect("group 0");
        if found
            .iter()
            .any(|f| f.start < all.end() && all.start() < f.end)
        {
            continue;
        }
        if let Some(date) = ymd(y.as_str(), month_number(m.as_str()), d.as_str()) {
            found.push(FoundDate {
                date,
                start: all.start(),
                end: all.end(),
                day_given: true,
            });
        }
    }
    for c in NUMERIC.captures_iter(text) {
        let (Some(d), Some(m), Some(y)) = (c.get(1), c.get(2), c.get(3)) else {
            continue;
        };
        let all = c.get(0).expect("group 0");
        // UK minutes write day first.
        if let Some(date) = ymd(y.as_str(), m.as_str().parse().ok(), d.as_str()) {
            found.push(FoundDate {
                date,
                start: all.start(),
                end: all.end(),
                day_given: true,
            });
        }
    }
    found.sort_by_key(|f| f.start);
    found
}

/// Dates where only the month and year are given ("in January 2018"), as the 1st of the month,
/// leaving out those that are part of a full date.
pub fn month_dates(text: &str) -> Vec<FoundDate> {
    let full = dates(text);
    MONTH_YEAR
        .captures_iter(text)
        .filter_map(|c| {
            let all = c.get(0)?;
            if full
                .iter()
                .any(|f| f.start <= all.start() && all.end() <= f.end)
            {
                return None;
            }
            let date = ymd(c.get(2)?.as_str(), month_number(c.get(1)?.as_str()), "1")?;
            Some(FoundDate {
                date,
                start: all.start(),
                end: all.end(),
                day_given: false,
            })
        })
        .collect()
}

/// A month named without a year ("in December"), as its number.
pub fn bare_month(text: &str) -> Option<u32> {
    let c = MONTH_ONLY.captures(text)?;
    let name = c.get(1)?.as_str();
    // "May" is also a verb; only read it when capitalised and not sentence-initial.
    if name == "May" && c.get(0)?.start() == 0 {
        return None;
    }
    month_number(name)
}

fn ymd(y: &str, m: Option<u32>, d: &str) -> Option<NaiveDate> {
    let y: i32 = y.parse().ok()?;
    let d: u32 = d.parse().ok()?;
    if !(1000..=9999).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m?, d)
}

/// A time found in a text, and its byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FoundTime {
    pub time: NaiveTime,
    pub start: usize,
    pub end: usize,
}

/// Every clock time in `text`, in order.
pub fn times(text: &str) -> Vec<FoundTime> {
    TIME.captures_iter(text)
        .filter_map(|c| {
            let all = c.get(0)?;
            let time = if c.get(6).is_some() {
                NaiveTime::from_hms_opt(12, 0, 0)
            } else if let Some(h) = c.get(4) {
                NaiveTime::from_hms_opt(
                    h.as_str().parse().ok()?,
                    c.get(5)?.as_str().parse().ok()?,
                    0,
                )
            } else {
                let h: u32 = c.get(1)?.as_str().parse().ok()?;
                let m: u32 = c.get(2).map_or(Some(0), |m| m.as_str().parse().ok())?;
                let pm = c.get(3)?.as_str().to_ascii_lowercase().starts_with('p');
                if !(1..=12).contains(&h) {
                    return None;
                }
                let h = match (h, pm) {
                    (12, false) => 0,
                    (12, true) => 12,
                    (h, true) => h + 12,
                    (h, false) => h,
                };
                NaiveTime::from_hms_opt(h, m, 0)
            }?;
            Some(FoundTime {
                time,
                start: all.start(),
                end: all.end(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reads_the_ways_minutes_write_dates() {
        let found = |s: &str| dates(s).into_iter().map(|f| f.date).collect::<Vec<_>>();
        assert_eq!(
            found("Thursday, 25 September 2014 10.00 am"),
            [d(2014, 9, 25)]
        );
        assert_eq!(
            found("held on 3rd Sept. 2019 and 4/11/2019"),
            [d(2019, 9, 3), d(2019, 11, 4)]
        );
        assert_eq!(found("on Tuesday, March 5, 2019"), [d(2019, 3, 5)]);
        assert_eq!(found("31 February 2014, 99 May 2014"), []);
        assert_eq!(found("paragraphs 7.3 and 7.4"), []);
        let months = month_dates("be held in January 2018; see 12 June 2014");
        assert_eq!(months.len(), 1);
        assert_eq!(months[0].date, d(2018, 1, 1));
        assert!(!months[0].day_given);
        assert_eq!(bare_month("to the Board in December."), Some(12));
        assert_eq!(bare_month("May I say"), None);
    }

    #[test]
    fn reads_the_ways_minutes_write_times() {
        let t = |s: &str| {
            times(s)
                .into_iter()
                .map(|f| f.time.format("%H:%M").to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(t("Thursday 11 December 2014 at 2.00pm."), ["14:00"]);
        assert_eq!(t("at 10.00 am in"), ["10:00"]);
        assert_eq!(
            t("at 6pm, or 12 noon, or 18:30 hrs"),
            ["18:00", "12:00", "18:30"]
        );
        assert_eq!(t("12.30 a.m. and 12 pm"), ["00:30", "12:00"]);
        assert_eq!(t("paragraph 7.2 and 13 pm"), Vec::<String>::new());
    }
}
