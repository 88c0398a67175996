//! The example ledger (`events/example/*.jsonl`) parses, hangs together, and says what the seed
//! documents (`tests/fixtures/seeds/`) say.
//!
//! Quotes follow one convention: one or more excerpts of the seed, separated by " ... ", optionally
//! followed by " [Ledger note: ...]" where the ledger explains a reading (a date the seed does not give).
//! Every excerpt must appear in the seed word for word (runs of whitespace compared as one space).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use chrono::{NaiveDate, NaiveTime};
use minutebook_model::*;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/example");
const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/seeds");

const NOTE: &str = " [Ledger note: ";

/// Every event of every example file, in file-name order, with the file it came from.
fn ledger() -> Vec<(String, Draft)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(EXAMPLE)
        .expect("events/example exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no .jsonl files in {EXAMPLE}");
    let mut events = Vec::new();
    let mut rejections = Vec::new();
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        match parse_batch(&bytes) {
            Ok(drafts) => events.extend(drafts.into_iter().map(|d| (name.clone(), d))),
            Err(rs) => rejections.extend(rs.into_iter().map(|r| format!("{name}: {r}"))),
        }
    }
    assert!(
        rejections.is_empty(),
        "the example ledger has rejected events:\n{}",
        rejections.join("\n")
    );
    events
}

fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn seed(document: &str) -> String {
    let file = match document {
        "Leicestershire and Rutland Safer Communities Strategy Board minutes, 25 September 2014" => {
            "lrscsb-minutes-2014-09-25.txt"
        }
        "Leicestershire Safer Communities Agreement 2011-13" => "lscsb-agreement-2011-13.txt",
        "Joint Overview & Scrutiny Committee (Blaby and Hinckley & Bosworth), Community Safety Partnership update, 2017" => {
            "blaby-hb-csp-scrutiny-2017.txt"
        }
        other => panic!("source document {other:?} is not one of the seeds"),
    };
    normalise(&std::fs::read_to_string(format!("{SEEDS}/{file}")).unwrap())
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The events no later event supersedes.
fn current(events: &[(String, Draft)]) -> Vec<&Draft> {
    let superseded: HashSet<EventId> = events
        .iter()
        .flat_map(|(_, d)| d.supersedes.iter().copied())
        .collect();
    events
        .iter()
        .map(|(_, d)| d)
        .filter(|d| !superseded.contains(&d.id.unwrap()))
        .collect()
}

#[test]
fn ids_are_given_unique_and_supersede_only_earlier_events() {
    let events = ledger();
    let mut seen = HashSet::new();
    for (i, (file, d)) in events.iter().enumerate() {
        let id =
            d.id.unwrap_or_else(|| panic!("{file}: event #{} has no id", i + 1));
        for s in &d.supersedes {
            assert!(
                seen.contains(s),
                "{file}: event {id} supersedes {s}, which is not an earlier event"
            );
        }
        assert!(seen.insert(id), "{file}: id {id} is used twice");
    }
}

#[test]
fn every_quote_is_the_seed_word_for_word() {
    let mut seeds = HashMap::new();
    for (file, d) in ledger() {
        let id = d.id.unwrap();
        let text = seeds
            .entry(d.source.document.to_string())
            .or_insert_with(|| seed(d.source.document.as_str()));
        let quote = d
            .source
            .quote
            .as_ref()
            .unwrap_or_else(|| panic!("{file}: event {id} has no quote"));
        let quote = quote.as_str();
        let words = quote.find(NOTE).map_or(quote, |at| {
            assert!(
                quote.ends_with(']'),
                "{file}: event {id}: unterminated note"
            );
            &quote[..at]
        });
        for excerpt in words.split(" ... ") {
            assert!(
                !excerpt.trim().is_empty() && text.contains(&normalise(excerpt)),
                "{file}: event {id} quotes words not in its seed: {excerpt:?}"
            );
        }
        // A resolution's item, words and parts are the seed's too.
        if let Payload::ResolutionPassed(r) = &d.payload {
            let mut texts = vec![r.item.to_string()];
            texts.extend(r.text.iter().map(ToString::to_string));
            let mut stack: Vec<&ResolutionPart> = r.parts.iter().collect();
            while let Some(p) = stack.pop() {
                texts.push(p.text.to_string());
                stack.extend(&p.parts);
            }
            for t in texts {
                assert!(
                    text.contains(&normalise(&t)),
                    "{file}: resolution {} has words not in its seed: {t:?}",
                    r.resolution
                );
            }
        }
    }
}

/// Walks the log in order and checks that everything an event names was introduced earlier, and
/// took effect no later than the event that names it.
#[test]
fn every_reference_follows_what_it_names() {
    let events = ledger();
    let mut bodies: HashMap<BodyKey, NaiveDate> = HashMap::new();
    let mut people: HashMap<PersonKey, NaiveDate> = HashMap::new();
    let mut held: HashMap<MeetingKey, NaiveDate> = HashMap::new();
    let mut scheduled: HashSet<MeetingKey> = HashSet::new();
    let mut resolutions: HashMap<ResolutionKey, Vec<String>> = HashMap::new();
    let mut tor: HashMap<BodyKey, (TorVersion, Vec<SeatKey>)> = HashMap::new();
    let mut funds: HashMap<FundKey, BodyKey> = HashMap::new();
    let mut allocations: HashSet<AllocationKey> = HashSet::new();
    let mut problems = Vec::new();

    for (file, d) in &events {
        let id = d.id.unwrap();
        let mut fail = |what: String| {
            problems.push(format!("{file}: {id} ({}): {what}", d.payload.type_tag()))
        };
        let person = |p: &PersonKey, fail: &mut dyn FnMut(String)| match people.get(p) {
            None => fail(format!("person {p} is not registered earlier")),
            Some(since) if *since > d.effective => {
                fail(format!("person {p} is registered only from {since}"))
            }
            Some(_) => {}
        };
        // Bodies named by the payload (a founding names its own key: only the parent must exist).
        let named: Vec<&BodyKey> = match &d.payload {
            Payload::BodyFounded(p) => p.parent.iter().collect(),
            Payload::BodiesMerged(p) => p.bodies.iter().chain([&p.into]).collect(),
            other => other.bodies(),
        };
        for b in named {
            match bodies.get(b) {
                None => fail(format!("body {b} is not founded earlier")),
                Some(since) if *since > d.effective => {
                    fail(format!("body {b} is founded only from {since}"))
                }
                Some(_) => {}
            }
        }
        match &d.payload {
            Payload::BodyFounded(p) => {
                let again = bodies.insert(p.body.clone(), d.effective).is_some();
                if again {
                    fail(format!("body {} is founded twice", p.body));
                }
            }
            Payload::PersonRegistered(p) => {
                let again = people.insert(p.person.clone(), d.effective).is_some();
                if again {
                    fail(format!("person {} is registered twice", p.person));
                }
            }
            Payload::MemberAppointed(p) => {
                person(&p.person, &mut fail);
                if let Some(seat) = &p.seat {
                    let defined = tor
                        .get(&p.body)
                        .is_some_and(|(_, seats)| seats.contains(seat));
                    if !defined {
                        fail(format!(
                            "seat {seat} is not in {}'s terms of reference",
                            p.body
                        ));
                    }
                }
            }
            Payload::TorAdopted(p) => {
                let seats = p.provisions.seats.iter().map(|s| s.key.clone()).collect();
                if tor
                    .insert(p.body.clone(), (p.version.clone(), seats))
                    .is_some()
                {
                    fail(format!("{} adopts terms of reference twice", p.body));
                }
            }
            Payload::TorAmended(p) => {
                match tor.get(&p.body) {
                    Some((v, _)) if *v == p.amends => {}
                    other => fail(format!(
                        "amends {} but the version in force is {other:?}",
                        p.amends
                    )),
                }
                let seats = match &p.provisions {
                    Some(pr) => pr.seats.iter().map(|s| s.key.clone()).collect(),
                    None => tor.get(&p.body).map(|(_, s)| s.clone()).unwrap_or_default(),
                };
                tor.insert(p.body.clone(), (p.version.clone(), seats));
            }
            Payload::MeetingHeld(p) => {
                for a in p.present.iter().chain(&p.apologies).chain(&p.in_attendance) {
                    person(&a.person, &mut fail);
                }
                held.insert(p.meeting.clone(), d.effective);
            }
            Payload::MeetingScheduled(p) => {
                scheduled.insert(p.meeting.clone());
            }
            Payload::MinutesConfirmed(p) => {
                for m in [&p.meeting, &p.at_meeting] {
                    if !held.contains_key(m) {
                        fail(format!("meeting {m} is not held earlier"));
                    }
                }
            }
            Payload::InterestDeclared(p) => {
                person(&p.person, &mut fail);
                if held.get(&p.meeting) != Some(&d.effective) {
                    fail(format!(
                        "meeting {} is not held earlier on {}",
                        p.meeting, d.effective
                    ));
                }
            }
            Payload::ResolutionPassed(p) => {
                if held.get(&p.meeting) != Some(&d.effective) {
                    fail(format!(
                        "meeting {} is not held earlier on {}",
                        p.meeting, d.effective
                    ));
                }
                let labels = p.parts.iter().map(|x| x.label.to_string()).collect();
                resolutions.insert(p.resolution.clone(), labels);
            }
            Payload::ActionAssigned(p) => {
                if let Some(r) = &p.resolution {
                    match (resolutions.get(r), &p.part) {
                        (None, _) => fail(format!("resolution {r} is not passed earlier")),
                        (Some(labels), Some(part)) if !labels.contains(&part.to_string()) => {
                            fail(format!("resolution {r} has no part {part}"))
                        }
                        _ => {}
                    }
                }
                if let Owner::Person(p) = &p.owner {
                    person(p, &mut fail);
                }
                if let Some(Due::Meeting(m)) = &p.due
                    && !scheduled.contains(m)
                    && !held.contains_key(m)
                {
                    fail(format!(
                        "due at meeting {m}, which is not scheduled earlier"
                    ));
                }
            }
            Payload::FundEstablished(p) => {
                funds.insert(p.fund.clone(), p.funder.clone());
            }
            Payload::FundingAllocated(p) => {
                match funds.get(&p.fund) {
                    Some(funder) if *funder == p.funder => {}
                    other => fail(format!(
                        "fund {} is given out by {other:?}, not {}",
                        p.fund, p.funder
                    )),
                }
                if !allocations.insert(p.allocation.clone()) {
                    fail(format!("allocation {} is made twice", p.allocation));
                }
            }
            Payload::FundTransferred(p) => match funds.get_mut(&p.fund) {
                Some(funder) if *funder == p.from_funder => *funder = p.to_funder.clone(),
                other => fail(format!(
                    "fund {} is given out by {other:?}, not {}",
                    p.fund, p.from_funder
                )),
            },
            Payload::TotalStated(p) => {
                for a in &p.covers {
                    if !allocations.contains(a) {
                        fail(format!(
                            "total {} covers {a}, which is not allocated earlier",
                            p.total
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn appendix_1_totals_are_kept_as_printed() {
    let events = ledger();
    let amounts: HashMap<&str, i64> = events
        .iter()
        .filter_map(|(_, d)| match &d.payload {
            Payload::FundingAllocated(p) => Some((p.allocation.as_str(), p.amount.get())),
            _ => None,
        })
        .collect();
    let totals: HashMap<&str, &TotalStated> = events
        .iter()
        .filter_map(|(_, d)| match &d.payload {
            Payload::TotalStated(t) => Some((t.label.as_str(), t)),
            _ => None,
        })
        .collect();
    let sum = |t: &TotalStated| t.covers.iter().map(|a| amounts[a.as_str()]).sum::<i64>();

    let csp = totals["Total CSP allocation"];
    assert_eq!(csp.covers.len(), 7);
    assert_eq!(csp.amount.get(), 16_009_400, "the printed total");
    assert_eq!(sum(csp), 16_009_300, "the seven rows");
    assert_eq!(csp.note.as_ref().unwrap().as_str(), "rounded to nearest £");

    let revenue = totals["Total Revenue"];
    assert_eq!(revenue.covers.len(), 8);
    assert_eq!(revenue.amount.get(), 27_846_400);
    assert_eq!(sum(revenue), 27_846_300);

    // Every CSP allocation to September 2011 runs from April, the countywide one included.
    for (_, d) in &events {
        if let Payload::FundingAllocated(p) = &d.payload
            && revenue.covers.contains(&p.allocation)
        {
            assert_eq!(
                (p.period.from, p.period.to),
                (date("2011-04-01"), date("2011-09-30"))
            );
        }
    }
    assert_eq!(amounts["csf-2011-04/blaby"], 2_238_000);
    assert_eq!(amounts["csf-2011-10/lscsb"], 27_848_100);
    assert_eq!(amounts["csf-2012-04/lscsb"], 28_175_900);
    assert_eq!(amounts["opcc-slf-2015-16/increase"], 5_000_000);
}

#[test]
fn the_december_meeting_is_recorded_as_stated_twice_then_corrected_to_ten_oclock() {
    let events = ledger();
    let december = |d: &&Draft| matches!(&d.payload, Payload::MeetingScheduled(m) if m.meeting.as_str() == "lrscsb-2014-12-11");
    let all: Vec<&Draft> = events.iter().map(|(_, d)| d).filter(december).collect();
    assert_eq!(
        all.len(),
        2,
        "the heading's 2.00pm and the minute's 10.00 am, both as the document states them"
    );
    let time = |d: &Draft| match &d.payload {
        Payload::MeetingScheduled(m) => m.time,
        _ => unreachable!(),
    };
    assert_eq!(time(all[0]), NaiveTime::from_hms_opt(14, 0, 0));
    assert_eq!(time(all[1]), NaiveTime::from_hms_opt(10, 0, 0));
    let retraction = events
        .iter()
        .map(|(_, d)| d)
        .find(|d| matches!(d.payload, Payload::Retraction(_)))
        .expect("a later correction");
    assert_eq!(
        retraction.supersedes,
        vec![all[0].id.unwrap()],
        "the correction retracts the 2.00pm"
    );
    let now: Vec<&Draft> = current(&events).into_iter().filter(december).collect();
    assert_eq!(now.len(), 1);
    assert_eq!(time(now[0]), NaiveTime::from_hms_opt(10, 0, 0));
}

#[test]
fn the_seeds_structural_changes_are_recorded() {
    let events = ledger();
    let mut seen = Vec::new();
    for (_, d) in &events {
        match &d.payload {
            Payload::BodyRenamed(p) => seen.push(format!("renamed {} to {}", p.body, p.name)),
            Payload::BodySucceeded(p) => {
                let s: Vec<_> = p.successors.iter().map(|b| b.as_str()).collect();
                seen.push(format!("{} succeeded by {}", p.body, s.join(" and ")))
            }
            Payload::BodiesMerged(p) => {
                let b: Vec<_> = p.bodies.iter().map(|b| b.as_str()).collect();
                seen.push(format!("{} merged into {}", b.join(" and "), p.into))
            }
            Payload::FundTransferred(p) => seen.push(format!(
                "{} moved from {} to {} on {}",
                p.fund, p.from_funder, p.to_funder, d.effective
            )),
            Payload::TorAmended(p) => {
                seen.push(format!("{} amended {} to {}", p.body, p.amends, p.version))
            }
            _ => {}
        }
    }
    assert_eq!(
        seen,
        [
            "csf moved from lcc to opcc on 2013-04-01",
            "leics-probation-trust succeeded by nps and crc-dlnr",
            "renamed lscsb to Leicestershire and Rutland Safer Communities Strategy Board",
            "lscsb amended lscsb-tor-2011 to lscsb-tor-2014",
            "blaby and hinckley-bosworth merged into blaby-hb-csp",
        ]
    );
}
