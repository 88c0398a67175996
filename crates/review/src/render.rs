//! A report as text, GitHub Markdown, JSON, or one self-contained HTML file an auditor can open offline.

use comfy_table::{Table, presets};
use html_escape::encode_text as esc;

use crate::pack::Severity;
use crate::report::{Coverage, Report};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Md,
    Json,
    Html,
}

pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(report).expect("a report serializes") + "\n",
        Format::Text => text(report, false),
        Format::Md => text(report, true),
        Format::Html => html(report),
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Info => "info",
    }
}

fn coverage(c: &Coverage) -> (&'static str, String) {
    match c {
        Coverage::Checked { detail } => ("checked", detail.clone()),
        Coverage::Partly { detail, missing } => (
            "partly checked",
            format!("{detail}; not checkable: {missing}"),
        ),
        Coverage::NotCheckable { missing } => ("NOT CHECKED", missing.clone()),
        Coverage::NotApplicable { reason } => ("not applicable", reason.clone()),
    }
}

fn evidence_line(e: &minutebook_world::Evidence) -> String {
    let minute = e
        .source
        .minute
        .as_ref()
        .map_or(String::new(), |m| format!(", minute {m}"));
    format!(
        "#{} {} ({}): {}{minute}",
        e.seq, e.type_tag, e.id, e.source.document
    )
}

fn summary(report: &Report) -> String {
    let clipped = match report.checked {
        None => " The body did not exist in this period.".to_string(),
        Some((f, t)) if (f, t) != (report.from, report.to) => format!(
            " The body existed from {f} to {t} of this period; rules were checked over those dates."
        ),
        Some(_) => String::new(),
    };
    format!("{}{clipped}", summary_counts(report))
}

fn summary_counts(report: &Report) -> String {
    if report.findings.is_empty() {
        let unchecked = report.unchecked().count();
        return format!(
            "Nothing to report for {} from {} to {}: {} rule(s) checked, no findings.{}",
            report.body_name,
            report.from,
            report.to,
            report.rules.len() - unchecked,
            if unchecked > 0 {
                format!(" {unchecked} rule(s) could not be checked for want of data (see below).")
            } else {
                String::new()
            }
        );
    }
    format!(
        "{} finding(s) for {} from {} to {}: {} high, {} medium, {} low, {} for information. {} of {} rules could not be checked for want of data.",
        report.findings.len(),
        report.body_name,
        report.from,
        report.to,
        report.count(Severity::High),
        report.count(Severity::Medium),
        report.count(Severity::Low),
        report.count(Severity::Info),
        report.unchecked().count(),
        report.rules.len()
    )
}

fn text(report: &Report, md: bool) -> String {
    let mut out = String::new();
    let title = format!(
        "Compliance review: {} ({}), {} to {}",
        report.body_name, report.body, report.from, report.to
    );
    let heading = |out: &mut String, h: &str| {
        if md {
            out.push_str(&format!("\n## {h}\n\n"));
        } else {
            out.push_str(&format!("\n{h}\n{}\n", "-".repeat(h.chars().count())));
        }
    };
    if md {
        out.push_str(&format!("# {title}\n\n"));
    } else {
        out.push_str(&format!("{title}\n{}\n", "=".repeat(title.chars().count())));
    }
    out.push_str(&summary(report));
    out.push('\n');
    out.push_str(&format!(
        "{}Rule packs: {}. Events read: {}.\n",
        if md { "\n" } else { "" },
        report.packs.join("; "),
        report.events_read
    ));
    let table = |header: &[&str]| {
        let mut t = Table::new();
        t.load_preset(if md {
            presets::ASCII_MARKDOWN
        } else {
            presets::UTF8_FULL_CONDENSED
        });
        t.set_header(header.iter().copied());
        t
    };
    let cell = |s: String| {
        if md {
            s.replace('|', "\\|").replace('\n', "<br>")
        } else {
            s
        }
    };

    heading(&mut out, "Findings");
    if report.findings.is_empty() {
        out.push_str("None.\n");
    } else {
        let mut t = table(&[
            "#", "date", "severity", "rule", "basis", "finding", "evidence",
        ]);
        for (i, f) in report.findings.iter().enumerate() {
            t.add_row(vec![
                (i + 1).to_string(),
                f.date.to_string(),
                severity(f.severity).to_string(),
                cell(f.title.clone()),
                cell(f.basis.to_string()),
                cell(f.explanation.clone()),
                cell(
                    f.evidence
                        .iter()
                        .map(|e| format!("#{}", e.seq))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
        heading(&mut out, "Evidence");
        for (i, f) in report.findings.iter().enumerate() {
            out.push_str(&format!(
                "{}{}. {} — {}\n",
                if md { "\n" } else { "" },
                i + 1,
                f.date,
                f.title
            ));
            if f.evidence.is_empty() {
                out.push_str(if md {
                    "\n   - (the finding is an absence: no event records what the rule needs)\n"
                } else {
                    "   (the finding is an absence: no event records what the rule needs)\n"
                });
            }
            for e in &f.evidence {
                out.push_str(&format!("   - {}\n", cell(evidence_line(e))));
                if let Some(q) = &e.source.quote {
                    let mut short: String = q.as_str().chars().take(240).collect();
                    if short.len() < q.as_str().len() {
                        short.push('…');
                    }
                    out.push_str(&format!("     > {}\n", cell(short)));
                }
            }
        }
    }
    heading(&mut out, "Rules checked");
    let mut t = table(&["rule", "title", "pack", "status", "detail", "findings"]);
    for r in &report.rules {
        let (status, detail) = coverage(&r.coverage);
        t.add_row(vec![
            r.id.clone(),
            cell(r.title.clone()),
            cell(r.pack.clone()),
            status.to_string(),
            cell(detail),
            r.findings.to_string(),
        ]);
    }
    out.push_str(&t.to_string());
    out.push('\n');
    out
}

const CSS: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.sev{font-weight:600;text-transform:uppercase;font-size:.8rem}
.high{color:#a40000}.medium{color:#a35200}.low{color:#555}.info{color:#0b5394}
.summary{background:#f7f7f0;border:1px solid #ddd;padding:.75rem 1rem}
.evidence li{margin:.25rem 0}.quote{color:#444;font-style:italic;margin:.15rem 0 .4rem 1rem}
.notchecked{color:#a40000;font-weight:600}@media print{body{margin:0}}";

fn html(report: &Report) -> String {
    let mut h = String::new();
    let title = format!(
        "Compliance review: {} ({}), {} to {}",
        report.body_name, report.body, report.from, report.to
    );
    h.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{CSS}</style></head><body data-findings=\"{}\">\n",
        esc(&title),
        report.findings.len()
    ));
    h.push_str(&format!(
        "<h1>{}</h1>\n<p class=\"summary\" id=\"summary\">{}</p>\n",
        esc(&title),
        esc(&summary(report))
    ));
    h.push_str(&format!(
        "<p>Rule packs: {}. Events read: {}.</p>\n",
        esc(&report.packs.join("; ")),
        report.events_read
    ));
    h.push_str("<h2>Findings</h2>\n");
    if report.findings.is_empty() {
        h.push_str("<p>None.</p>\n");
    } else {
        h.push_str("<table id=\"findings\"><thead><tr><th>#</th><th>Date</th><th>Severity</th><th>Rule</th><th>Basis</th><th>Finding</th><th>Evidence</th></tr></thead><tbody>\n");
        for (i, f) in report.findings.iter().enumerate() {
            let links: Vec<String> = f
                .evidence
                .iter()
                .map(|e| format!("<a href=\"#f{}-e{}\">#{}</a>", i + 1, e.seq, e.seq))
                .collect();
            h.push_str(&format!(
                "<tr class=\"finding\" id=\"f{n}\"><td><a href=\"#ev{n}\">{n}</a></td><td>{}</td><td class=\"sev {s}\">{s}</td><td>{}<br><small>{}</small></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                f.date,
                esc(&f.title),
                esc(&f.rule),
                esc(&f.basis.to_string()),
                esc(&f.explanation),
                if links.is_empty() { "—".to_string() } else { links.join(" ") },
                n = i + 1,
                s = severity(f.severity),
            ));
        }
        h.push_str("</tbody></table>\n<h2>Evidence</h2>\n");
        for (i, f) in report.findings.iter().enumerate() {
            h.push_str(&format!(
                "<section class=\"evidence\" id=\"ev{n}\"><h3>{n}. {} — {}</h3><ul>\n",
                f.date,
                esc(&f.title),
                n = i + 1
            ));
            if f.evidence.is_empty() {
                h.push_str(
                    "<li>The finding is an absence: no event records what the rule needs.</li>\n",
                );
            }
            for e in &f.evidence {
                h.push_str(&format!(
                    "<li id=\"f{}-e{}\">{}",
                    i + 1,
                    e.seq,
                    esc(&evidence_line(e))
                ));
                // Only web links: a `javascript:` URL in a source must not run in an auditor's browser.
                if let Some(url) = e.source.url.as_ref().filter(|u| {
                    let u = u.as_str().to_ascii_lowercase();
                    u.starts_with("https://") || u.starts_with("http://")
                }) {
                    h.push_str(&format!(
                        " <a href=\"{}\">source</a>",
                        html_escape::encode_double_quoted_attribute(url.as_str())
                    ));
                }
                if let Some(q) = &e.source.quote {
                    h.push_str(&format!("<div class=\"quote\">“{}”</div>", esc(q.as_str())));
                }
                h.push_str("</li>\n");
            }
            h.push_str("</ul></section>\n");
        }
    }
    h.push_str("<h2>Rules checked</h2>\n<table id=\"rules\"><thead><tr><th>Rule</th><th>Title</th><th>Pack</th><th>Status</th><th>Detail</th><th>Findings</th></tr></thead><tbody>\n");
    for r in &report.rules {
        let (status, detail) = coverage(&r.coverage);
        let class = if status == "NOT CHECKED" {
            " class=\"notchecked\""
        } else {
            ""
        };
        h.push_str(&format!(
            "<tr class=\"rule\"><td>{}</td><td>{}</td><td>{}</td><td{class}>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&r.id),
            esc(&r.title),
            esc(&r.pack),
            status,
            esc(&detail),
            r.findings
        ));
    }
    h.push_str("</tbody></table>\n</body></html>\n");
    h
}
