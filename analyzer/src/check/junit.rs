//! JUnit XML for CI dashboards: one test case per trace.
//!
//! The report is XML 1.0: characters XML 1.0 does not allow at all (C0 controls other than tab,
//! line feed and carriage return, U+FFFE, U+FFFF), not even as `&#N;` references, are written
//! as visible escapes (`\x1b`, `\u{fffe}`), as they would appear in a transcript.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{Outcome, TraceResult};

/// Whether XML 1.0 allows `c` in a document.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// `s` escaped for XML text or a double-quoted attribute.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if !xml_char(c) && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if !xml_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The report; `findings_failed` lists traces whose findings reached the `--fail-on` level.
pub fn report(results: &[TraceResult], findings_failed: &[PathBuf]) -> String {
    let failures = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Changed(_) | Outcome::New) || findings_failed.contains(&r.trace))
        .count();
    let errors = results.iter().filter(|r| matches!(r.outcome, Outcome::Failed(_))).count();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuite name=\"atscope check\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">",
        results.len()
    );
    for r in results {
        let name = escape(&r.trace.display().to_string());
        let _ = write!(x, "  <testcase classname=\"atscope.check\" name=\"{name}\">");
        match &r.outcome {
            Outcome::Changed(d) => {
                let _ = write!(x, "<failure message=\"behaviour changed\">{}</failure>", escape(d));
            }
            Outcome::New => {
                x.push_str("<failure message=\"no stored transcript (run with --update)\"/>");
            }
            Outcome::Failed(e) => {
                let _ = write!(x, "<error message=\"{}\"/>", escape(e));
            }
            Outcome::Same | Outcome::Updated => {}
        }
        if findings_failed.contains(&r.trace) {
            x.push_str("<failure message=\"findings at or above the --fail-on level\"/>");
        }
        x.push_str("</testcase>\n");
    }
    x.push_str("</testsuite>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_forbids_become_visible_escapes() {
        assert_eq!(escape("a\u{1b}[0m\0b\u{7}"), "a\\x1b[0m\\x00b\\x07");
        assert_eq!(escape("\u{FFFE}<&>\"\t\n\r\u{85}é"), "\\u{fffe}&lt;&amp;&gt;&quot;\t\n\r\u{85}é");
    }
}
