//! The importer never panics and always ends, whatever it is given: arbitrary strings, and strings
//! made of the fragments minutes are made of (numbers, labels, verbs, names, dates, HTML tags), which
//! reach far deeper into the parser than random text does. Every draft it makes is structurally
//! valid. (Longer runs: the cargo-fuzz target in fuzz/.)

use minutebook_minutes::{Known, KnownBody, KnownMember, KnownPerson, Options, import, read};
use minutebook_model::{Role, problems};
use proptest::prelude::*;

fn opts(date: bool) -> Options {
    Options {
        body: "board".parse().unwrap(),
        date: date.then(|| "2020-01-02".parse().unwrap()),
        document: None,
        url: None,
        recorded_by: "proptest".into(),
    }
}

fn known() -> Known {
    Known {
        people: vec![KnownPerson {
            key: "ann-bee".parse().unwrap(),
            title: Some("Cllr".into()),
            name: "Ann Bee".into(),
        }],
        bodies: vec![KnownBody {
            key: "board".parse().unwrap(),
            name: "The Board".into(),
            other_names: vec![],
        }],
        meetings: vec![],
        members: vec![KnownMember {
            membership: "board/ann-bee".parse().unwrap(),
            person: "ann-bee".parse().unwrap(),
            role: Role::Chair,
        }],
        tor_in_force: Some("board-tor-1".parse().unwrap()),
    }
}

fn check(input: &str) {
    let Ok(reading) = read(input.as_bytes()) else {
        return;
    };
    for (date, known) in [(true, Known::default()), (true, known()), (false, known())] {
        if let Ok(import) = import(&reading, &opts(date), &known) {
            for d in &import.drafts {
                assert_eq!(
                    problems(d),
                    vec![],
                    "structurally invalid draft from {input:?}"
                );
            }
        }
    }
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("63.".to_string()),
        Just("Minutes:".to_string()),
        Just("RESOLVED:".to_string()),
        Just("RESOLVED – That ".to_string()),
        Just("AGREED that".to_string()),
        Just("NOTED.".to_string()),
        Just("(a) ".to_string()),
        Just("(i) ".to_string()),
        Just("ii. ".to_string()),
        Just("(iv)".to_string()),
        Just("1. ".to_string()),
        Just("· ".to_string()),
        Just("Apologies for absence were received from ".to_string()),
        Just("Cllr. Ann Bee (Fire Authority), and Chief Supt. X Y (".to_string()),
        Just("Present: Councillors A B, C D and ".to_string()),
        Just("The Chairman declared a personal interest in item 4. He declared ".to_string()),
        Just("The minutes of the meeting held on 12 June 2014 were confirmed".to_string()),
        Just("Councillor Ann Bee was elected Vice-Chair".to_string()),
        Just("the terms of reference be approved subject to ".to_string()),
        Just("Date of the next meeting 11 December 2014 at 2.00pm 10.00 am".to_string()),
        Just("be requested to report to the Board in December".to_string()),
        Just("£1,234.56 £50k £9999999999999999999999 £".to_string()),
        Just("Board - Thursday, 25 September 2014 10.00 am".to_string()),
        Just("<p>".to_string()),
        Just("<ol type=\"i\"><li>".to_string()),
        Just("</li></ol>".to_string()),
        Just("<div id=\"modgov\">".to_string()),
        "[ -~]{0,12}",
        "\\PC{0,6}",
    ]
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,400}") {
        check(&s);
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(reading) = read(&b) {
            let _ = import(&reading, &opts(true), &Known::default());
        }
    }

    #[test]
    fn minutes_like_text_never_panics(parts in proptest::collection::vec(fragment(), 0..60)) {
        let s: String = parts.concat();
        check(&s);
        check(&format!("<html><body>{s}</body></html>"));
    }
}

#[test]
fn deep_nesting_and_long_lines_end() {
    let deep = "<div>".repeat(20_000) + "RESOLVED: (a) x" + &"</div>".repeat(20_000);
    check(&deep);
    let labels: String = (0..3000).map(|i| format!("({}) x\n", i % 40)).collect();
    check(&format!("RESOLVED:\n{labels}"));
    check(&"(a) ".repeat(50_000));
    check(&format!(
        "RESOLVED:\n{}",
        "(a) x\n(i) y\n(1) z\n(A) w\n(I) v\n".repeat(5_000)
    ));
    check(&"Apologies from A B, ".repeat(5_000));
}
