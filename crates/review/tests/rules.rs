//! Each rule on a compliant and a non-compliant ledger: the finding, its date and its evidence ids.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use minutebook_model::*;
use minutebook_review::{Finding, Pack, Report, review};
use minutebook_world::World;
use serde_json::{Value, json};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A ledger under construction: events get ids 1, 2, 3... so tests can name their evidence.
#[derive(Default)]
struct Ledger {
    events: Vec<(u64, Event)>,
}

impl Ledger {
    fn add(&mut self, kind: &str, effective: &str, data: Value) -> EventId {
        self.add_superseding(kind, effective, data, &[])
    }

    fn add_superseding(
        &mut self,
        kind: &str,
        effective: &str,
        data: Value,
        supersedes: &[EventId],
    ) -> EventId {
        let seq = self.events.len() as u64 + 1;
        let id = EventId(uuid::Uuid::from_u128(seq as u128));
        let v = json!({"id": id, "type": kind, "effective": effective, "recorded_by": "test",
            "source": {"document": "test minutes", "minute": seq.to_string()}, "supersedes": supersedes, "data": data});
        let draft = parse_batch(v.to_string().as_bytes())
            .unwrap_or_else(|e| panic!("{e:?}"))
            .remove(0);
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(seq as i64);
        self.events.push((seq, draft.into_event(id, at)));
        id
    }

    /// A board (`b`) founded 2010 with two people registered (`p1`, `p2`), a third (`p3`), and a police force.
    fn board() -> Ledger {
        let mut l = Ledger::default();
        l.add(
            "body_founded",
            "2010-01-01",
            json!({"body": "b", "name": "Safer Communities Board", "kind": "board"}),
        );
        l.add(
            "body_founded",
            "2010-01-01",
            json!({"body": "police", "name": "Leicestershire Police", "kind": "authority"}),
        );
        for p in ["p1", "p2", "p3"] {
            l.add(
                "person_registered",
                "2010-01-01",
                json!({"person": p, "name": format!("Person {p}")}),
            );
        }
        l
    }

    fn review(&self, rule: Value, from: &str, to: &str) -> Report {
        self.review_body("b", rule, from, to)
    }

    fn review_body(&self, body: &str, rule: Value, from: &str, to: &str) -> Report {
        let pack = Pack::parse(
            &json!({"name": "test", "rules": [rule]}).to_string(),
            "test",
        )
        .unwrap();
        let world = World::from_events(self.events.clone());
        review(&world, &body.parse().unwrap(), d(from), d(to), &[pack]).unwrap()
    }
}

fn rule(check: &str, extra: Value) -> Value {
    let mut r = json!({"id": check, "title": check, "severity": "medium", "check": check});
    if let Value::Object(m) = extra {
        r.as_object_mut().unwrap().extend(m);
    }
    r
}

fn ids(f: &Finding) -> Vec<EventId> {
    f.evidence.iter().map(|e| e.id).collect()
}

fn one(report: &Report) -> &Finding {
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    &report.findings[0]
}

fn none(report: &Report) {
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(
        matches!(
            report.rules[0].coverage,
            minutebook_review::Coverage::Checked { .. }
        ),
        "a compliant ledger is fully checked: {:?}",
        report.rules[0].coverage
    );
}

fn tor(l: &mut Ledger, date: &str, provisions: Value) -> EventId {
    l.add("tor_adopted", date, json!({"body": "b", "version": format!("tor-{date}"), "clauses": [{"number": "1", "text": "Purpose"}], "provisions": provisions}))
}

fn appoint(l: &mut Ledger, m: &str, person: &str, date: &str, extra: Value) -> EventId {
    let mut data = json!({"membership": m, "body": "b", "person": person, "role": "member"});
    data.as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    l.add("member_appointed", date, data)
}

fn meeting(l: &mut Ledger, key: &str, date: &str, present: &[&str]) -> EventId {
    let present: Vec<Value> = present.iter().map(|p| json!({"person": p})).collect();
    l.add(
        "meeting_held",
        date,
        json!({"meeting": key, "body": "b", "present": present}),
    )
}

#[test]
fn quorum() {
    let setup = || {
        let mut l = Ledger::board();
        let t = tor(&mut l, "2011-01-01", json!({"quorum": {"members": 2}}));
        for (m, p) in [("m1", "p1"), ("m2", "p2"), ("m3", "p3")] {
            appoint(&mut l, m, p, "2011-01-01", json!({}));
        }
        (l, t)
    };
    let (mut l, t) = setup();
    let m = meeting(&mut l, "mt", "2012-03-01", &["p1"]);
    let f = one(&l.review(rule("quorum", json!({})), "2012-01-01", "2012-12-31")).clone();
    assert_eq!(f.date, d("2012-03-01"));
    assert!(
        f.explanation
            .contains("1 of 3 members present, the quorum is 2"),
        "{}",
        f.explanation
    );
    assert_eq!(ids(&f), vec![t, m]);
    let (mut l, _) = setup();
    meeting(&mut l, "mt", "2012-03-01", &["p1", "p2"]);
    none(&l.review(rule("quorum", json!({})), "2012-01-01", "2012-12-31"));
}

#[test]
fn seats_filled() {
    let setup = || {
        let mut l = Ledger::board();
        let t = tor(
            &mut l,
            "2012-01-01",
            json!({"seats": [{"key": "police", "title": "Police", "for_body": "police"}]}),
        );
        (l, t)
    };
    let r = rule("seats_filled", json!({"grace_days": 30}));
    let (mut l, t) = setup();
    appoint(&mut l, "m1", "p1", "2012-03-01", json!({"seat": "police"}));
    let f = one(&l.review(r.clone(), "2012-01-01", "2012-12-31")).clone();
    assert_eq!(
        f.date,
        d("2012-01-31"),
        "the grace period after the vacancy began"
    );
    assert!(
        f.explanation
            .contains("from 2012-01-01 to 2012-02-29, 60 days"),
        "{}",
        f.explanation
    );
    assert_eq!(ids(&f), vec![t]);
    let (mut l, _) = setup();
    appoint(&mut l, "m1", "p1", "2012-01-20", json!({"seat": "police"}));
    none(&l.review(r, "2012-01-01", "2012-12-31"));
}

#[test]
fn meetings_per_year() {
    let setup = |n: usize| {
        let mut l = Ledger::board();
        let t = tor(&mut l, "2011-01-01", json!({"meetings_per_year": 4}));
        for i in 0..n {
            meeting(
                &mut l,
                &format!("m{i}"),
                &format!("2012-0{}-01", i * 2 + 1),
                &[],
            );
        }
        (l, t)
    };
    let (l, t) = setup(2);
    let f = one(&l.review(
        rule("meetings_per_year", json!({})),
        "2012-01-01",
        "2012-12-31",
    ))
    .clone();
    assert_eq!(f.date, d("2012-12-31"));
    assert!(
        f.explanation.contains(
            "2 meeting(s) held from 2012-01-01 to 2012-12-31; the terms of reference require 4"
        ),
        "{}",
        f.explanation
    );
    assert_eq!(ids(&f), vec![t]);
    let (l, _) = setup(4);
    none(&l.review(
        rule("meetings_per_year", json!({})),
        "2012-01-01",
        "2012-12-31",
    ));
}

#[test]
fn tor_reviewed() {
    let r = rule("tor_reviewed", json!({}));
    let mut l = Ledger::board();
    let t = tor(&mut l, "2011-01-01", json!({"review_interval_months": 12}));
    let late = l.add(
        "tor_reviewed",
        "2012-06-01",
        json!({"body": "b", "version": "tor-2011-01-01"}),
    );
    let report = l.review(r.clone(), "2011-01-01", "2013-12-31");
    assert_eq!(report.findings.len(), 2, "{:#?}", report.findings);
    assert_eq!(
        report.findings[0].date,
        d("2012-01-01"),
        "due a year after adoption; reviewed only in June"
    );
    assert_eq!(
        report.findings[1].date,
        d("2013-06-01"),
        "due a year after that review; none by the end"
    );
    assert_eq!(ids(&report.findings[0]), vec![t, late]);
    let mut l = Ledger::board();
    tor(&mut l, "2011-01-01", json!({"review_interval_months": 12}));
    for date in ["2011-12-01", "2012-11-01", "2013-10-01"] {
        l.add(
            "tor_reviewed",
            date,
            json!({"body": "b", "version": "tor-2011-01-01"}),
        );
    }
    none(&l.review(r, "2011-01-01", "2013-12-31"));
}

#[test]
fn tor_reviewed_uses_the_pack_default_only_when_the_tor_state_no_interval() {
    let mut l = Ledger::board();
    let t = tor(&mut l, "2011-01-01", json!({}));
    let without_default = l.review(rule("tor_reviewed", json!({})), "2011-01-01", "2013-12-31");
    assert!(without_default.findings.is_empty());
    assert!(
        matches!(
            without_default.rules[0].coverage,
            minutebook_review::Coverage::NotCheckable { .. }
        ),
        "missing data is reported"
    );
    let with_default = l.review(
        rule("tor_reviewed", json!({"default_interval_months": 12})),
        "2011-01-01",
        "2013-12-31",
    );
    let f = one(&with_default);
    assert_eq!(f.date, d("2012-01-01"));
    assert!(
        f.explanation.contains("rule pack's default"),
        "{}",
        f.explanation
    );
    assert_eq!(ids(f), vec![t]);
}

#[test]
fn chair_appointed() {
    let setup = || {
        let mut l = Ledger::board();
        let t = tor(
            &mut l,
            "2011-01-01",
            json!({"chair_appointment": "The chair is elected annually by the Board."}),
        );
        let c = appoint(
            &mut l,
            "chair",
            "p1",
            "2011-01-01",
            json!({"role": "chair"}),
        );
        (l, t, c)
    };
    let (mut l, t, c) = setup();
    let m = meeting(&mut l, "mt", "2012-06-01", &[]);
    let f = one(&l.review(
        rule("chair_appointed", json!({})),
        "2012-01-01",
        "2012-12-31",
    ))
    .clone();
    assert_eq!(f.date, d("2012-06-01"));
    assert!(
        f.explanation
            .contains("since 2011-01-01, more than 12 months"),
        "{}",
        f.explanation
    );
    assert_eq!(ids(&f), vec![t, c, m]);
    let (mut l, _, _) = setup();
    l.add(
        "member_role_changed",
        "2012-01-15",
        json!({"membership": "chair", "role": "chair"}),
    );
    meeting(&mut l, "mt", "2012-06-01", &[]);
    none(&l.review(
        rule("chair_appointed", json!({})),
        "2012-01-01",
        "2012-12-31",
    ));
}

#[test]
fn minutes_confirmed() {
    let setup = || {
        let mut l = Ledger::board();
        let a = meeting(&mut l, "m1", "2012-03-01", &[]);
        let b = meeting(&mut l, "m2", "2012-06-01", &[]);
        (l, a, b)
    };
    let (l, a, b) = setup();
    let report = l.review(
        rule("minutes_confirmed", json!({})),
        "2012-01-01",
        "2012-12-31",
    );
    let f = one(&report);
    assert_eq!(f.date, d("2012-06-01"));
    assert_eq!(ids(f), vec![a, b]);
    let (mut l, _, _) = setup();
    l.add(
        "minutes_confirmed",
        "2012-06-01",
        json!({"meeting": "m1", "at_meeting": "m2"}),
    );
    meeting(&mut l, "m3", "2012-09-01", &[]);
    l.add(
        "minutes_confirmed",
        "2012-09-01",
        json!({"meeting": "m2", "at_meeting": "m3"}),
    );
    let report = l.review(
        rule("minutes_confirmed", json!({})),
        "2012-01-01",
        "2012-08-31",
    );
    none(&report);
}

#[test]
fn attendance_and_interests_recorded() {
    let mut l = Ledger::board();
    let bare = meeting(&mut l, "m1", "2012-03-01", &[]);
    let f = one(&l.review(
        rule("attendance_recorded", json!({})),
        "2012-01-01",
        "2012-12-31",
    ))
    .clone();
    assert_eq!((f.date, ids(&f)), (d("2012-03-01"), vec![bare]));
    let f = one(&l.review(
        rule("interests_recorded", json!({})),
        "2012-01-01",
        "2012-12-31",
    ))
    .clone();
    assert_eq!((f.date, ids(&f)), (d("2012-03-01"), vec![bare]));
    let mut l = Ledger::board();
    meeting(&mut l, "m1", "2012-03-01", &["p1"]);
    l.add("interest_declared", "2012-03-01", json!({"meeting": "m1", "person": "p1", "kind": "personal", "nature": "member of a district council"}));
    none(&l.review(
        rule("attendance_recorded", json!({})),
        "2012-01-01",
        "2012-12-31",
    ));
    none(&l.review(
        rule("interests_recorded", json!({})),
        "2012-01-01",
        "2012-12-31",
    ));
}

#[test]
fn actions_discharged() {
    let setup = || {
        let mut l = Ledger::board();
        let a = l.add("action_assigned", "2014-09-25", json!({"action": "a1", "owner": {"body": "b"}, "description": "Report in December", "due": {"date": "2014-12-11"}}));
        (l, a)
    };
    let (l, a) = setup();
    let f = one(&l.review(
        rule("actions_discharged", json!({})),
        "2014-01-01",
        "2014-12-31",
    ))
    .clone();
    assert_eq!(f.date, d("2014-12-11"));
    assert!(
        f.explanation
            .contains("still open on 2014-12-31, 97 days after it was set"),
        "{}",
        f.explanation
    );
    assert_eq!(ids(&f), vec![a]);
    let (mut l, _) = setup();
    l.add("action_discharged", "2014-12-01", json!({"action": "a1"}));
    none(&l.review(
        rule("actions_discharged", json!({})),
        "2014-01-01",
        "2014-12-31",
    ));
}

#[test]
fn no_contradictions() {
    let setup = || {
        let mut l = Ledger::board();
        let two = l.add(
            "meeting_scheduled",
            "2014-09-25",
            json!({"meeting": "dec", "body": "b", "date": "2014-12-11", "time": "14:00:00"}),
        );
        let ten = l.add(
            "meeting_scheduled",
            "2014-09-25",
            json!({"meeting": "dec", "body": "b", "date": "2014-12-11", "time": "10:00:00"}),
        );
        (l, two, ten)
    };
    let (l, two, ten) = setup();
    let f = one(&l.review(
        rule("no_contradictions", json!({})),
        "2014-01-01",
        "2014-12-31",
    ))
    .clone();
    assert_eq!(f.date, d("2014-09-25"));
    assert_eq!(ids(&f), vec![two, ten]);
    let (mut l, two, _) = setup();
    l.add_superseding(
        "retraction",
        "2014-09-25",
        json!({"reason": "the minute says 10.00 am"}),
        &[two],
    );
    none(&l.review(
        rule("no_contradictions", json!({})),
        "2014-01-01",
        "2014-12-31",
    ));
}

#[test]
fn represented_bodies_exist() {
    let setup = || {
        let mut l = Ledger::board();
        l.add(
            "body_founded",
            "2010-01-01",
            json!({"body": "trust", "name": "Probation Trust", "kind": "authority"}),
        );
        l.add(
            "body_founded",
            "2014-06-01",
            json!({"body": "nps", "name": "National Probation Service", "kind": "authority"}),
        );
        let m = appoint(
            &mut l,
            "m1",
            "p1",
            "2012-01-01",
            json!({"on_behalf_of": "trust"}),
        );
        let s = l.add(
            "body_succeeded",
            "2014-06-12",
            json!({"body": "trust", "successors": ["nps"]}),
        );
        (l, m, s)
    };
    let (l, m, s) = setup();
    let f = one(&l.review(
        rule("represented_bodies_exist", json!({})),
        "2014-01-01",
        "2014-12-31",
    ))
    .clone();
    assert_eq!(f.date, d("2014-06-12"));
    assert_eq!(ids(&f), vec![m, s]);
    let (mut l, _, _) = setup();
    l.add(
        "membership_ended",
        "2014-06-12",
        json!({"membership": "m1", "reason": "organisation_changed"}),
    );
    none(&l.review(
        rule("represented_bodies_exist", json!({})),
        "2014-01-01",
        "2014-12-31",
    ));
}

fn funded(total: i64, note: Option<&str>) -> (Ledger, Vec<EventId>) {
    let mut l = Ledger::board();
    l.add(
        "body_founded",
        "2010-01-01",
        json!({"body": "csp", "name": "Blaby CSP", "kind": "partnership", "parent": "b"}),
    );
    l.add(
        "fund_established",
        "2010-01-01",
        json!({"fund": "csf", "name": "Community Safety Fund", "funder": "b"}),
    );
    let period = json!({"from": "2011-04-01", "to": "2011-09-30"});
    let a1 = l.add("funding_allocated", "2011-04-01", json!({"allocation": "a1", "fund": "csf", "funder": "b", "recipient": "csp", "amount": 10000, "period": period}));
    let a2 = l.add("funding_allocated", "2011-04-01", json!({"allocation": "a2", "fund": "csf", "funder": "b", "recipient": "b", "amount": 19900, "period": period}));
    let mut data = json!({"total": "t", "label": "Total", "amount": total, "covers": ["a1", "a2"]});
    if let Some(n) = note {
        data["note"] = json!(n);
    }
    let t = l.add("total_stated", "2011-04-01", data);
    (l, vec![a1, a2, t])
}

#[test]
fn totals_reconcile() {
    let (l, evidence) = funded(30000, Some("rounded to nearest £"));
    let f = one(&l.review(
        rule("totals_reconcile", json!({})),
        "2011-01-01",
        "2011-12-31",
    ))
    .clone();
    assert_eq!(f.date, d("2011-04-01"));
    assert!(
        f.explanation.contains("a difference of -£1.00"),
        "{}",
        f.explanation
    );
    assert!(
        f.explanation.contains("rounding is the likely cause"),
        "{}",
        f.explanation
    );
    assert_eq!(f.severity, minutebook_review::Severity::Low);
    assert_eq!(ids(&f), evidence);
    let (l, _) = funded(40000, None);
    let f = one(&l.review(
        rule("totals_reconcile", json!({})),
        "2011-01-01",
        "2011-12-31",
    ))
    .clone();
    assert_eq!(
        f.severity,
        minutebook_review::Severity::Medium,
        "no rounding to explain £100"
    );
    let (l, _) = funded(29900, None);
    none(&l.review(
        rule("totals_reconcile", json!({})),
        "2011-01-01",
        "2011-12-31",
    ));
}

#[test]
fn allocations_valid() {
    let (mut l, _) = funded(29900, None);
    l.add(
        "body_founded",
        "2011-06-01",
        json!({"body": "late", "name": "Late CSP", "kind": "partnership", "parent": "b"}),
    );
    let late = l.add("funding_allocated", "2011-04-01", json!({"allocation": "a3", "fund": "csf", "funder": "b", "recipient": "late", "amount": 1, "period": {"from": "2011-04-01", "to": "2011-09-30"}}));
    let report = l.review(
        rule("allocations_valid", json!({})),
        "2011-01-01",
        "2011-12-31",
    );
    let f = one(&report);
    assert_eq!(f.date, d("2011-04-01"));
    assert!(
        f.explanation.contains("was founded only on 2011-06-01"),
        "{}",
        f.explanation
    );
    assert!(ids(f).contains(&late));
    // A fund given out after it moved to another funder.
    let (mut l, _) = funded(29900, None);
    l.add(
        "body_founded",
        "2012-01-01",
        json!({"body": "pcc", "name": "Police and Crime Commissioner", "kind": "funder"}),
    );
    let moved = l.add(
        "fund_transferred",
        "2013-04-01",
        json!({"fund": "csf", "from_funder": "b", "to_funder": "pcc"}),
    );
    let stale = l.add("funding_allocated", "2013-04-01", json!({"allocation": "a4", "fund": "csf", "funder": "b", "recipient": "csp", "amount": 1, "period": {"from": "2013-04-01", "to": "2014-03-31"}}));
    let f = one(&l.review(
        rule("allocations_valid", json!({})),
        "2013-01-01",
        "2013-12-31",
    ))
    .clone();
    assert_eq!(f.date, d("2013-04-01"));
    assert!(
        f.explanation.contains("the fund was given out by pcc"),
        "{}",
        f.explanation
    );
    assert!(ids(&f).contains(&stale) && ids(&f).contains(&moved));
    let (l, _) = funded(29900, None);
    none(&l.review(
        rule("allocations_valid", json!({})),
        "2011-01-01",
        "2011-12-31",
    ));
}

#[test]
fn categories_represented() {
    let r = rule(
        "categories_represented",
        json!({"categories": [{"name": "police", "names_containing": ["police"], "names_not_containing": ["commissioner"]}]}),
    );
    let mut l = Ledger::board();
    appoint(&mut l, "m1", "p1", "2012-01-01", json!({}));
    let police = appoint(
        &mut l,
        "m2",
        "p2",
        "2012-02-01",
        json!({"on_behalf_of": "police"}),
    );
    let f = one(&l.review(r.clone(), "2012-01-01", "2012-12-31")).clone();
    assert_eq!(f.date, d("2012-01-01"));
    assert!(
        f.explanation
            .contains("\"police\" from 2012-01-01 to 2012-01-31"),
        "{}",
        f.explanation
    );
    assert!(
        !ids(&f).contains(&police),
        "the evidence is who sat when the gap began"
    );
    let mut l = Ledger::board();
    appoint(
        &mut l,
        "m2",
        "p2",
        "2011-06-01",
        json!({"on_behalf_of": "police"}),
    );
    none(&l.review(r.clone(), "2012-01-01", "2012-12-31"));
    // No membership at all is missing data, not a pass and not a flood of findings.
    let l = Ledger::board();
    let report = l.review(r, "2012-01-01", "2012-12-31");
    assert!(report.findings.is_empty());
    assert!(matches!(
        report.rules[0].coverage,
        minutebook_review::Coverage::NotCheckable { .. }
    ));
}

#[test]
fn scrutinised_within() {
    let setup = |dates: &[&str]| {
        let mut l = Ledger::default();
        l.add("body_founded", "2014-06-01", json!({"body": "csp", "name": "Blaby and Hinckley & Bosworth Community Safety Partnership", "kind": "partnership"}));
        l.add("body_founded", "2014-01-01", json!({"body": "osc", "name": "Joint Overview & Scrutiny Committee", "kind": "committee"}));
        let mut ids = Vec::new();
        for (i, date) in dates.iter().enumerate() {
            let m = format!("osc-{i}");
            l.add("meeting_held", date, json!({"meeting": m, "body": "osc"}));
            ids.push(l.add("resolution_passed", date, json!({"resolution": format!("{m}/1"), "meeting": m, "minute": "1",
                "item": "Blaby and Hinckley & Bosworth Community Safety Partnership update", "verb": "resolved", "text": "The report be noted"})));
        }
        (l, ids)
    };
    let r = rule("scrutinised_within", json!({"months": 12}));
    let (l, ids_of_scrutiny) = setup(&["2015-01-10", "2016-06-01"]);
    let f = one(&l.review_body("csp", r.clone(), "2015-01-01", "2016-12-31")).clone();
    assert_eq!(
        f.date,
        d("2016-01-10"),
        "twelve months after the last scrutiny"
    );
    assert!(
        f.explanation
            .contains("last scrutinised on 2015-01-10; next on 2016-06-01"),
        "{}",
        f.explanation
    );
    assert_eq!(ids(&f), vec![ids_of_scrutiny[1]]);
    let (l, _) = setup(&["2015-01-10", "2015-12-01", "2016-11-01"]);
    none(&l.review_body("csp", r, "2015-01-01", "2016-12-31"));
}

#[test]
fn packs_refuse_unknown_fields_and_duplicate_ids() {
    let typo = json!({"name": "x", "rules": [{"id": "a", "title": "a", "severity": "low", "check": "seats_filled", "grace_dayz": 3}]});
    assert!(
        Pack::parse(&typo.to_string(), "typo.json")
            .unwrap_err()
            .to_string()
            .contains("grace_dayz")
    );
    let twice =
        json!({"name": "x", "rules": [rule("quorum", json!({})), rule("quorum", json!({}))]});
    assert!(
        Pack::parse(&twice.to_string(), "twice.json")
            .unwrap_err()
            .to_string()
            .contains("used twice")
    );
    for builtin in [
        minutebook_review::DEFAULT_PACK,
        minutebook_review::CSP_ENGLAND_PACK,
    ] {
        Pack::parse(builtin, "built-in").unwrap();
    }
}

#[test]
fn rules_apply_only_while_the_body_exists() {
    let mut l = Ledger::board();
    tor(
        &mut l,
        "2015-01-01",
        json!({"meetings_per_year": 4, "seats": [{"key": "police", "title": "Police"}]}),
    );
    appoint(&mut l, "m1", "p1", "2015-01-01", json!({"seat": "police"}));
    l.add(
        "membership_ended",
        "2016-01-01",
        json!({"membership": "m1", "reason": "body_dissolved"}),
    );
    l.add("body_dissolved", "2016-01-01", json!({"body": "b"}));
    let report = l.review(
        rule("seats_filled", json!({"grace_days": 30})),
        "2016-01-01",
        "2017-12-31",
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.checked, None);
    assert!(matches!(
        report.rules[0].coverage,
        minutebook_review::Coverage::NotApplicable { .. }
    ));
    let report = l.review(
        rule("seats_filled", json!({"grace_days": 30})),
        "2014-01-01",
        "2017-12-31",
    );
    assert_eq!(
        report.checked,
        Some((d("2014-01-01"), d("2015-12-31"))),
        "the board was founded in 2010 and dissolved on 2016-01-01"
    );
    assert!(
        report.findings.is_empty(),
        "the seat was filled for the whole life of the body: {:#?}",
        report.findings
    );
}

#[test]
fn the_html_report_links_only_web_sources() {
    let mut l = Ledger::board();
    l.events.push({
        let v = json!({"id": EventId(uuid::Uuid::from_u128(999)), "type": "meeting_held", "effective": "2012-03-01", "recorded_by": "t",
            "source": {"document": "<script>alert(1)</script>", "url": "javascript:alert(document.domain)"},
            "data": {"meeting": "m1", "body": "b"}});
        let d = parse_batch(v.to_string().as_bytes()).unwrap().remove(0);
        (999, d.into_event(EventId(uuid::Uuid::from_u128(999)), Utc::now()))
    });
    let report = l.review(
        rule("attendance_recorded", json!({})),
        "2012-01-01",
        "2012-12-31",
    );
    assert_eq!(report.findings.len(), 1);
    let html = minutebook_review::render(&report, minutebook_review::Format::Html);
    assert!(
        !html.contains("javascript:"),
        "no script URL reaches the page"
    );
    assert!(!html.contains("<script>alert"), "names are escaped");
    assert!(html.contains("&lt;script&gt;"));
}
