//! Parsing submitted events: the happy path, canonical form, and every structural rule's message.

use minutebook_model::*;
use serde_json::json;

fn base(kind: &str, data: serde_json::Value) -> serde_json::Value {
    json!({
        "type": kind,
        "effective": "2014-09-25",
        "recorded_by": "clerk",
        "source": {"document": "LRSCSB minutes 25 Sep 2014", "minute": "74"},
        "data": data,
    })
}

fn reject(value: serde_json::Value) -> Vec<Rejection> {
    parse_batch(value.to_string().as_bytes()).expect_err("should be rejected")
}

fn one_rejection(value: serde_json::Value) -> (String, Rule, String) {
    let r = reject(value);
    assert_eq!(r.len(), 1, "{r:#?}");
    let message = r[0].to_string();
    (r[0].field.clone(), r[0].rule.clone(), message)
}

#[test]
fn a_sound_event_parses_and_has_a_stable_canonical_form() {
    let v = base(
        "body_founded",
        json!({"body": "lrscsb", "name": "Leicestershire and Rutland SCSB", "kind": "board"}),
    );
    let drafts = parse_batch(v.to_string().as_bytes()).unwrap();
    let event = drafts[0]
        .clone()
        .into_event(EventId::new_v7(), chrono::Utc::now());
    let bytes = event.canonical_bytes();
    let back = Event::from_slice(&bytes).unwrap();
    assert_eq!(back, event);
    assert_eq!(back.canonical_bytes(), bytes);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with(r#"{"id":""#), "{text}");
    assert!(
        text.contains(r#""type":"body_founded","effective":"2014-09-25""#),
        "{text}"
    );
    assert!(
        text.ends_with(
            r#""data":{"body":"lrscsb","name":"Leicestershire and Rutland SCSB","kind":"board"}}"#
        ),
        "{text}"
    );
}

#[test]
fn batches_may_be_an_object_an_array_or_json_lines() {
    let a = base(
        "person_registered",
        json!({"person": "p1", "name": "Sally Healy", "title": "Chief Supt."}),
    );
    let b = base(
        "person_registered",
        json!({"person": "p2", "name": "Bob Bearne"}),
    );
    assert_eq!(parse_batch(a.to_string().as_bytes()).unwrap().len(), 1);
    assert_eq!(
        parse_batch(json!([a, b]).to_string().as_bytes())
            .unwrap()
            .len(),
        2
    );
    let lines = format!("{a}\n\n{b}\n");
    assert_eq!(parse_batch(lines.as_bytes()).unwrap().len(), 2);
}

#[test]
fn json_lines_errors_name_position_and_line() {
    let good = base(
        "person_registered",
        json!({"person": "p1", "name": "Sally Healy"}),
    );
    let bad = base("person_registered", json!({"person": "p2", "name": ""}));
    let input = format!("{good}\n{good}\n\n{bad}\n");
    let r = parse_batch(input.as_bytes()).unwrap_err();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].event.position, Some(3));
    assert_eq!(r[0].event.line, Some(4));
    assert_eq!(r[0].field, "data.name");
    assert_eq!(
        r[0].to_string(),
        "event #3 (line 4): field `data.name` must not be empty"
    );
    let broken = format!("{good}\n{{\"type\": \n");
    let r = parse_batch(broken.as_bytes()).unwrap_err();
    assert!(matches!(r[0].rule, Rule::NotJson(_)), "{r:?}");
    assert_eq!(r[0].event.position, Some(2));
}

#[test]
fn unknown_type() {
    let (field, rule, msg) = one_rejection(base("board_exploded", json!({})));
    assert_eq!(field, "type");
    assert!(matches!(rule, Rule::UnknownType { .. }));
    assert!(
        msg.contains("\"board_exploded\", which is not an event type"),
        "{msg}"
    );
}

#[test]
fn missing_and_unknown_fields() {
    let (field, rule, _) =
        one_rejection(base("body_founded", json!({"body": "b", "kind": "board"})));
    assert_eq!((field.as_str(), rule), ("data.name", Rule::Missing));
    let mut v = base("body_renamed", json!({"body": "b", "name": "B"}));
    v.as_object_mut().unwrap().remove("recorded_by");
    let (field, rule, _) = one_rejection(v);
    assert_eq!((field.as_str(), rule), ("recorded_by", Rule::Missing));
    let (field, rule, _) = one_rejection(base(
        "body_renamed",
        json!({"body": "b", "name": "B", "nmae": "C"}),
    ));
    assert_eq!(field, "data.nmae");
    assert!(matches!(rule, Rule::UnknownField { .. }));
}

#[test]
fn recorded_at_is_stamped_by_the_ledger() {
    let mut v = base("body_renamed", json!({"body": "b", "name": "B"}));
    v["recorded_at"] = json!("2014-09-25T10:00:00Z");
    let (field, rule, _) = one_rejection(v);
    assert_eq!(
        (field.as_str(), rule),
        ("recorded_at", Rule::StampedByLedger)
    );
}

#[test]
fn period_ending_before_it_starts() {
    let v = base(
        "funding_allocated",
        json!({
            "allocation": "a", "fund": "csf", "funder": "lcc", "recipient": "blaby",
            "amount": 2238000, "period": {"from": "2011-09-30", "to": "2011-04-01"}
        }),
    );
    let (field, rule, msg) = one_rejection(v);
    assert_eq!(field, "data.period.to");
    assert!(matches!(rule, Rule::PeriodEndsBeforeStart { .. }));
    assert!(
        msg.contains("ends on 2011-04-01, before it starts on 2011-09-30"),
        "{msg}"
    );
}

#[test]
fn negative_fractional_and_overflowing_amounts() {
    for (amount, words) in [
        (json!(-1), "must not be negative"),
        (json!(1.5), "whole number of pence"),
        (json!(u64::MAX), "overflows"),
    ] {
        let v = base(
            "funding_allocated",
            json!({
                "allocation": "a", "fund": "csf", "funder": "lcc", "recipient": "blaby",
                "amount": amount, "period": {"from": "2011-04-01", "to": "2011-09-30"}
            }),
        );
        let (field, _, msg) = one_rejection(v);
        assert_eq!(field, "data.amount");
        assert!(msg.contains(words), "{msg}");
    }
}

#[test]
fn malformed_and_out_of_range_dates() {
    let mut v = base("body_renamed", json!({"body": "b", "name": "B"}));
    v["effective"] = json!("25/09/2014");
    let (field, rule, _) = one_rejection(v.clone());
    assert_eq!(field, "effective");
    assert!(matches!(rule, Rule::MalformedDate(_)), "{rule:?}");
    v["effective"] = json!("0999-12-31");
    let (field, rule, _) = one_rejection(v);
    assert_eq!(field, "effective");
    assert!(matches!(rule, Rule::DateOutOfRange(_)), "{rule:?}");
}

#[test]
fn empty_names() {
    let (field, _, msg) = one_rejection(base(
        "person_registered",
        json!({"person": "p", "name": "   "}),
    ));
    assert_eq!(field, "data.name");
    assert!(msg.ends_with("must not be empty"), "{msg}");
    let mut v = base("body_renamed", json!({"body": "b", "name": "B"}));
    v["source"]["document"] = json!("");
    let (field, _, _) = one_rejection(v);
    assert_eq!(field, "source.document");
}

#[test]
fn retraction_must_supersede_something_and_not_itself() {
    let (field, rule, _) = one_rejection(base("retraction", json!({"reason": "wrong meeting"})));
    assert_eq!(
        (field.as_str(), rule),
        ("supersedes", Rule::TooFew("one event to retract"))
    );
    let id = EventId::new_v7();
    let mut v = base("retraction", json!({"reason": "x"}));
    v["id"] = json!(id);
    v["supersedes"] = json!([id]);
    let (field, rule, _) = one_rejection(v);
    assert_eq!(
        (field.as_str(), rule),
        ("supersedes", Rule::SupersedesItself)
    );
}

#[test]
fn cross_field_rules() {
    let cases = [
        (
            base(
                "bodies_merged",
                json!({"bodies": ["blaby"], "into": "blaby-hb"}),
            ),
            "data.bodies",
        ),
        (
            base("bodies_merged", json!({"bodies": ["a", "b"], "into": "a"})),
            "data.into",
        ),
        (
            base("body_succeeded", json!({"body": "lpt", "successors": []})),
            "data.successors",
        ),
        (
            base(
                "tor_adopted",
                json!({"body": "b", "version": "v1", "clauses": []}),
            ),
            "data.clauses",
        ),
        (
            base(
                "tor_adopted",
                json!({"body": "b", "version": "v1", "clauses": [
                {"number": "1", "text": "x"}, {"number": "1", "text": "y"}]}),
            ),
            "data.clauses",
        ),
        (
            base(
                "tor_amended",
                json!({"body": "b", "amends": "v1", "version": "v1", "changes": [{"op": "remove", "number": "1"}]}),
            ),
            "data.version",
        ),
        (
            base(
                "minutes_confirmed",
                json!({"meeting": "m1", "at_meeting": "m1"}),
            ),
            "data.at_meeting",
        ),
        (
            base(
                "funding_adjusted",
                json!({"allocation": "a", "reason": "cut"}),
            ),
            "data",
        ),
        (
            base(
                "funding_adjusted",
                json!({"allocation": "a", "amount": 1, "percent": "-24.8", "reason": "cut"}),
            ),
            "data.percent",
        ),
        (
            base(
                "total_stated",
                json!({"total": "t", "label": "Total", "amount": 1, "covers": []}),
            ),
            "data.covers",
        ),
        (
            base(
                "resolution_passed",
                json!({"resolution": "r", "meeting": "m", "minute": "74", "item": "ToR", "verb": "agreed"}),
            ),
            "data",
        ),
        (
            base(
                "meeting_held",
                json!({"meeting": "m", "body": "b", "present": [{"person": "p"}], "apologies": [{"person": "p"}]}),
            ),
            "data.present/apologies/in_attendance",
        ),
    ];
    for (value, field) in cases {
        let r = reject(value.clone());
        assert!(
            r.iter().any(|r| r.field == field),
            "expected a rejection at {field} for {value}: {r:#?}"
        );
    }
}

#[test]
fn schema_names_every_event_type() {
    let schema = schema::draft_schema().to_string();
    for t in Payload::TYPES {
        assert!(schema.contains(&format!("\"{t}\"")), "schema lacks {t}");
    }
}

#[test]
fn stored_events_parse_whatever_the_field_order_and_report_errors_precisely() {
    let v = base(
        "body_founded",
        json!({"body": "lrscsb", "name": "Board", "kind": "board"}),
    );
    let event = parse_batch(v.to_string().as_bytes())
        .unwrap()
        .remove(0)
        .into_event(EventId::new_v7(), chrono::Utc::now());
    let canonical = event.canonical_bytes();
    assert_eq!(Event::from_slice(&canonical).unwrap(), event);
    // `data` before `type`: not canonical, but still the same event.
    let mut reordered = serde_json::Map::new();
    let value: serde_json::Value = serde_json::from_slice(&canonical).unwrap();
    reordered.insert("data".into(), value["data"].clone());
    for (k, v) in value.as_object().unwrap() {
        if k != "data" {
            reordered.insert(k.clone(), v.clone());
        }
    }
    let bytes = serde_json::to_vec(&reordered).unwrap();
    assert_eq!(Event::from_slice(&bytes).unwrap(), event);
    // A bad stored event still names its field.
    let broken = String::from_utf8(canonical)
        .unwrap()
        .replace("\"kind\":\"board\"", "\"kind\":\"boardx\"");
    let err = Event::from_slice(broken.as_bytes()).unwrap_err();
    assert_eq!(err.field, "data.kind");
}
