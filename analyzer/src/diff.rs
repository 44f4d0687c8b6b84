//! Semantic diff of two sessions: do they show the same modem behaviour?
//!
//! Both sides are timelines from [`crate::analysis::Analysis`]. A side is reduced to its
//! [`Behaviour`]: the exchanges (command line, how it ended, final result, information lines,
//! payloads), the URCs and free text lines, the resets, and the findings. Everything the modem
//! said before the first host command (boot output, `Ready` at power-on) is left out, so a replay
//! against a modem that is already up compares equal to the recording that saw it boot.
//!
//! Comparison:
//! * exchanges are aligned by command line, in order (longest common subsequence over the
//!   normalised lines); an exchange on one side only is a difference; for aligned ones the
//!   final result (or "aborted by reset", "no final result"), the information lines and the
//!   payloads must be equal;
//! * URCs (and modem text lines, and payloads that no command owns) are aligned the same way,
//!   independently of the exchanges, so a URC that moved past a command is not a difference;
//! * resets are aligned by the command that preceded them;
//! * every line goes through [`crate::volatile::normalize`] first (IMEI, IP addresses, handles,
//!   times, UUIDs, `%CMNG` digests …);
//! * latencies that differ by more than the [`Tolerance`] are notes (differences with
//!   [`DiffOptions::strict_timing`]); findings that differ are notes (they follow from the
//!   behaviour, and some depend on timing).
//!
//! Pure: events in, a [`DiffReport`] out.

use serde::Serialize;

use crate::timeline::event::escape;
use crate::timeline::{Event, EventKind, ExchangeStatus};
use crate::volatile::normalize;

/// How far latencies may differ before a note is raised.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Tolerance {
    /// Absolute slack, ns.
    pub abs_ns: i64,
    /// Relative slack (0.5 = 50 % of the larger latency).
    pub rel: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance { abs_ns: 500_000_000, rel: 0.5 }
    }
}

/// Diff settings.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Latency tolerance.
    pub tolerance: Tolerance,
    /// Multiply B's durations by this before comparing (a replay run at `--speed 20` has 20).
    /// 0 or 1: as is.
    pub b_time_scale: f64,
    /// Count latency differences beyond the tolerance as behaviour differences.
    pub strict_timing: bool,
}

/// One exchange as the diff sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ExchangeView {
    /// Exchange id in its timeline.
    pub id: u32,
    /// Time of the command, ns.
    pub t_ns: i64,
    /// The command line, printable.
    pub line: String,
    /// The line with volatile values aliased (the alignment key).
    pub key: String,
    /// How it ended: `OK`, `ERROR`, `+CME ERROR: 518`, `aborted by reset`, `no final result`, `lost`.
    pub outcome: String,
    /// Latency, ns.
    pub latency_ns: Option<i64>,
    /// Normalised information lines.
    pub info: Vec<String>,
    /// Normalised payloads (`owner: bytes`).
    pub payloads: Vec<String>,
}

/// Something the modem said outside an exchange (a URC, a text line, an unowned payload), or a reset.
#[derive(Debug, Clone, Serialize)]
pub struct Observed {
    /// Time, ns.
    pub t_ns: i64,
    /// Printable text.
    pub text: String,
    /// Normalised text (the alignment key).
    pub key: String,
}

/// What one session shows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Behaviour {
    /// Exchanges, in command order.
    pub exchanges: Vec<ExchangeView>,
    /// URCs, text lines and unowned payloads, in order.
    pub urcs: Vec<Observed>,
    /// Resets, keyed by the command before them.
    pub resets: Vec<Observed>,
    /// Finding ids, in order.
    pub findings: Vec<String>,
}

fn outcome(status: ExchangeStatus, result: Option<&crate::at::grammar::FinalResult>) -> String {
    match (status, result) {
        (ExchangeStatus::Aborted, _) => "aborted by reset".into(),
        (ExchangeStatus::Open, _) => "no final result".into(),
        (ExchangeStatus::TimedOut, _) => "timed out (no final result)".into(),
        (ExchangeStatus::Lost, _) => "lost (never answered)".into(),
        (_, Some(r)) => r.to_string(),
        (ExchangeStatus::Ok, None) => "OK".into(),
        (ExchangeStatus::Error, None) => "ERROR".into(),
    }
}

impl Behaviour {
    /// Reduces a timeline to its behaviour.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Behaviour {
        let mut b = Behaviour::default();
        let mut started = false;
        let mut index: std::collections::HashMap<u32, usize> = Default::default();
        let mut last_cmd = String::from("start");
        for e in events {
            match &e.kind {
                EventKind::Command { exchange, line, .. } => {
                    started = true;
                    let text = escape(&line.0);
                    last_cmd = normalize(&text);
                    index.insert(*exchange, b.exchanges.len());
                    b.exchanges.push(ExchangeView {
                        id: *exchange,
                        t_ns: e.t_ns,
                        key: normalize(&text),
                        line: text,
                        outcome: "no final result".into(),
                        latency_ns: None,
                        info: Vec::new(),
                        payloads: Vec::new(),
                    });
                }
                _ if !started => {}
                EventKind::Info { exchange, line, .. } => {
                    if let Some(&i) = index.get(exchange) {
                        b.exchanges[i].info.push(normalize(&escape(&line.0)));
                    }
                }
                EventKind::Exchange { id, status, result, latency_ns, .. } => {
                    if let Some(&i) = index.get(id) {
                        b.exchanges[i].outcome = outcome(*status, result.as_ref());
                        b.exchanges[i].latency_ns = *latency_ns;
                    }
                }
                EventKind::Payload { exchange, owner, data, .. } if e.dir == Some(crate::chunk::Dir::Modem) => {
                    let text = format!("{owner}: {}", escape(&data.0));
                    match exchange.and_then(|x| index.get(&x)) {
                        // A data-mode exchange's payload from the modem is not an answer to it.
                        Some(&i) if owner != "data mode" => b.exchanges[i].payloads.push(normalize(&text)),
                        _ => b.urcs.push(Observed { t_ns: e.t_ns, key: normalize(&text), text }),
                    }
                }
                EventKind::Urc { line, .. } | EventKind::Text { line } => {
                    let text = escape(&line.0);
                    b.urcs.push(Observed { t_ns: e.t_ns, key: normalize(&text), text });
                }
                EventKind::Reset(_) => b.resets.push(Observed {
                    t_ns: e.t_ns,
                    text: format!("reset after {last_cmd}"),
                    key: format!("reset after {last_cmd}"),
                }),
                EventKind::Finding(f) => b.findings.push(f.id.clone()),
                _ => {}
            }
        }
        b
    }
}

/// One side of a difference.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// Time in that session, ns.
    pub t_ns: i64,
    /// What that session shows.
    pub text: String,
}

/// A behaviour difference (or, under `notes`, a remark that does not count).
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// `exchange.missing`, `exchange.extra`, `exchange.result`, `exchange.info`,
    /// `exchange.payload`, `exchange.timing`, `urc.missing`, `urc.extra`, `reset.missing`,
    /// `reset.extra`, `finding.missing`, `finding.extra`.
    pub kind: &'static str,
    /// The command the difference is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// What A shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a: Option<Side>,
    /// What B shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b: Option<Side>,
}

impl Difference {
    /// One readable line.
    pub fn line(&self) -> String {
        let cmd = self.command.as_deref().map(|c| format!("{c}: ")).unwrap_or_default();
        let a = self.a.as_ref().map(|s| s.text.as_str()).unwrap_or("—");
        let b = self.b.as_ref().map(|s| s.text.as_str()).unwrap_or("—");
        match self.kind {
            "exchange.missing" => format!("command only in A: {a}"),
            "exchange.extra" => format!("command only in B: {b}"),
            "urc.missing" => format!("URC only in A: {a}"),
            "urc.extra" => format!("URC only in B: {b}"),
            "reset.missing" => format!("only in A: {a}"),
            "reset.extra" => format!("only in B: {b}"),
            "finding.missing" => format!("finding only in A: {a}"),
            "finding.extra" => format!("finding only in B: {b}"),
            "exchange.result" => format!("{cmd}A ended {a}, B ended {b}"),
            "exchange.timing" => format!("{cmd}latency A {a}, B {b}"),
            _ => format!("{cmd}A: {a} | B: {b}"),
        }
    }
}

/// Counts of one side, for the header lines.
#[derive(Debug, Clone, Serialize)]
pub struct SideSummary {
    /// Exchanges compared.
    pub exchanges: usize,
    /// URCs compared.
    pub urcs: usize,
    /// Resets compared.
    pub resets: usize,
}

/// The result of a diff.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    /// No behaviour differences.
    pub equivalent: bool,
    /// Side A's counts.
    pub a: SideSummary,
    /// Side B's counts.
    pub b: SideSummary,
    /// Exchanges aligned on both sides.
    pub matched_exchanges: usize,
    /// Behaviour differences.
    pub differences: Vec<Difference>,
    /// Remarks that do not make the sessions differ.
    pub notes: Vec<Difference>,
}

impl DiffReport {
    /// The report as text lines (without the A/B file header).
    pub fn text(&self) -> String {
        let mut s = String::new();
        for d in &self.differences {
            s.push_str(&format!("  differs: {}\n", d.line()));
        }
        for n in &self.notes {
            s.push_str(&format!("  note:    {}\n", n.line()));
        }
        s.push_str(&format!(
            "{}: {} of {}/{} exchanges aligned, {}/{} URCs, {}/{} resets; {} difference{}, {} note{}\n",
            if self.equivalent { "equivalent" } else { "behaviour differs" },
            self.matched_exchanges,
            self.a.exchanges,
            self.b.exchanges,
            self.a.urcs,
            self.b.urcs,
            self.a.resets,
            self.b.resets,
            self.differences.len(),
            if self.differences.len() == 1 { "" } else { "s" },
            self.notes.len(),
            if self.notes.len() == 1 { "" } else { "s" },
        ));
        s
    }
}

/// Aligns two key sequences in order: the pairs (i, j) of a longest common subsequence. Large
/// inputs (beyond a few million cells) fall back to a greedy match with a bounded look-ahead.
pub fn align(a: &[&str], b: &[&str]) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    if n.saturating_mul(m) > 4_000_000 {
        return align_greedy(a, b);
    }
    // lcs[i][j] = LCS length of a[i..], b[j..]
    let w = m + 1;
    let mut lcs = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * w + j] =
                if a[i] == b[j] { lcs[(i + 1) * w + j + 1] + 1 } else { lcs[(i + 1) * w + j].max(lcs[i * w + j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            out.push((i, j));
            i += 1;
            j += 1;
        } else if lcs[(i + 1) * w + j] >= lcs[i * w + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

fn align_greedy(a: &[&str], b: &[&str]) -> Vec<(usize, usize)> {
    const LOOKAHEAD: usize = 64;
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push((i, j));
            i += 1;
            j += 1;
            continue;
        }
        let in_b = (j + 1..b.len().min(j + LOOKAHEAD)).find(|&k| b[k] == a[i]);
        let in_a = (i + 1..a.len().min(i + LOOKAHEAD)).find(|&k| a[k] == b[j]);
        match (in_a, in_b) {
            (Some(ka), Some(kb)) if ka - i <= kb - j => i = ka,
            (_, Some(kb)) => j = kb,
            (Some(ka), None) => i = ka,
            (None, None) => {
                i += 1;
                j += 1;
            }
        }
    }
    out
}

fn ms(ns: i64) -> String {
    format!("{:.1} ms", ns as f64 / 1e6)
}

/// Compares two behaviours.
pub fn diff(a: &Behaviour, b: &Behaviour, opts: &DiffOptions) -> DiffReport {
    let mut differences = Vec::new();
    let mut notes = Vec::new();
    let scale = if opts.b_time_scale > 0.0 { opts.b_time_scale } else { 1.0 };
    let side = |t_ns: i64, text: &str| Some(Side { t_ns, text: text.to_string() });

    // Exchanges.
    let ka: Vec<&str> = a.exchanges.iter().map(|x| x.key.as_str()).collect();
    let kb: Vec<&str> = b.exchanges.iter().map(|x| x.key.as_str()).collect();
    let pairs = align(&ka, &kb);
    let (mut i, mut j) = (0, 0);
    for &(pi, pj) in pairs.iter().chain(std::iter::once(&(ka.len(), kb.len()))) {
        for x in &a.exchanges[i..pi] {
            differences.push(Difference { kind: "exchange.missing", command: None, a: side(x.t_ns, &x.line), b: None });
        }
        for x in &b.exchanges[j..pj] {
            differences.push(Difference { kind: "exchange.extra", command: None, a: None, b: side(x.t_ns, &x.line) });
        }
        if pi < ka.len() {
            let (xa, xb) = (&a.exchanges[pi], &b.exchanges[pj]);
            let cmd = Some(xa.line.clone());
            if xa.outcome != xb.outcome {
                differences.push(Difference {
                    kind: "exchange.result",
                    command: cmd.clone(),
                    a: side(xa.t_ns, &xa.outcome),
                    b: side(xb.t_ns, &xb.outcome),
                });
            }
            if xa.info != xb.info {
                differences.push(Difference {
                    kind: "exchange.info",
                    command: cmd.clone(),
                    a: side(xa.t_ns, &xa.info.join(" | ")),
                    b: side(xb.t_ns, &xb.info.join(" | ")),
                });
            }
            if xa.payloads != xb.payloads {
                differences.push(Difference {
                    kind: "exchange.payload",
                    command: cmd.clone(),
                    a: side(xa.t_ns, &xa.payloads.join(" | ")),
                    b: side(xb.t_ns, &xb.payloads.join(" | ")),
                });
            }
            if let (Some(la), Some(lb)) = (xa.latency_ns, xb.latency_ns) {
                let lb_scaled = (lb as f64 * scale) as i64;
                let slack = opts.tolerance.abs_ns.max((la.max(lb_scaled) as f64 * opts.tolerance.rel) as i64);
                if (la - lb_scaled).abs() > slack {
                    let d = Difference {
                        kind: "exchange.timing",
                        command: cmd,
                        a: side(xa.t_ns, &ms(la)),
                        b: side(
                            xb.t_ns,
                            &if scale != 1.0 { format!("{} (×{scale} = {})", ms(lb), ms(lb_scaled)) } else { ms(lb) },
                        ),
                    };
                    if opts.strict_timing {
                        differences.push(d);
                    } else {
                        notes.push(d);
                    }
                }
            }
        }
        i = pi + 1;
        j = pj + 1;
    }

    // URCs and resets: aligned on their own.
    for (xs, ys, missing, extra) in
        [(&a.urcs, &b.urcs, "urc.missing", "urc.extra"), (&a.resets, &b.resets, "reset.missing", "reset.extra")]
    {
        let ka: Vec<&str> = xs.iter().map(|u| u.key.as_str()).collect();
        let kb: Vec<&str> = ys.iter().map(|u| u.key.as_str()).collect();
        let pairs = align(&ka, &kb);
        let mut ma = vec![false; xs.len()];
        let mut mb = vec![false; ys.len()];
        for (i, j) in pairs {
            ma[i] = true;
            mb[j] = true;
        }
        for (u, _) in xs.iter().zip(&ma).filter(|(_, m)| !**m) {
            differences.push(Difference { kind: missing, command: None, a: side(u.t_ns, &u.text), b: None });
        }
        for (u, _) in ys.iter().zip(&mb).filter(|(_, m)| !**m) {
            differences.push(Difference { kind: extra, command: None, a: None, b: side(u.t_ns, &u.text) });
        }
    }

    // Findings: a multiset comparison, as notes.
    let mut fa = a.findings.clone();
    let mut fb = b.findings.clone();
    fa.sort();
    fb.sort();
    let (mut i, mut j) = (0, 0);
    while i < fa.len() || j < fb.len() {
        match (fa.get(i), fb.get(j)) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), y) if y.is_none_or(|y| x < y) => {
                notes.push(Difference { kind: "finding.missing", command: None, a: side(0, x), b: None });
                i += 1;
            }
            (_, Some(y)) => {
                notes.push(Difference { kind: "finding.extra", command: None, a: None, b: side(0, y) });
                j += 1;
            }
            _ => break,
        }
    }

    DiffReport {
        equivalent: differences.is_empty(),
        a: SideSummary { exchanges: a.exchanges.len(), urcs: a.urcs.len(), resets: a.resets.len() },
        b: SideSummary { exchanges: b.exchanges.len(), urcs: b.urcs.len(), resets: b.resets.len() },
        matched_exchanges: pairs.len(),
        differences,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{decode_all, Options};
    use crate::chunk::{Chunk, Dir, Record};

    fn behaviour(recs: &[(i64, Dir, &[u8])]) -> Behaviour {
        let recs: Vec<Result<Record, ()>> =
            recs.iter().map(|(t, d, b)| Ok(Record::Chunk(Chunk::bytes(*t, *d, b.to_vec())))).collect();
        let (events, _) = decode_all(recs, Options::default()).unwrap();
        Behaviour::from_events(&events)
    }

    const MS: i64 = 1_000_000;

    #[test]
    fn volatile_values_and_boot_output_do_not_make_a_difference() {
        let a = behaviour(&[
            (0, Dir::Modem, b"Ready\r\n"),
            (10 * MS, Dir::Host, b"AT+CGPADDR=0\r\n"),
            (15 * MS, Dir::Modem, b"\r\n+CGPADDR: 0,\"10.160.77.12\"\r\n\r\nOK\r\n"),
            (20 * MS, Dir::Host, b"AT#XSOCKET=1,1,0\r\n"),
            (25 * MS, Dir::Modem, b"\r\n#XSOCKET: 0,1,6\r\n\r\nOK\r\n"),
        ]);
        let b = behaviour(&[
            (10 * MS, Dir::Host, b"AT+CGPADDR=0\r\n"),
            (11 * MS, Dir::Modem, b"\r\n+CGPADDR: 0,\"10.1.2.3\"\r\n\r\nOK\r\n"),
            (20 * MS, Dir::Host, b"AT#XSOCKET=1,1,0\r\n"),
            (21 * MS, Dir::Modem, b"\r\n#XSOCKET: 3,1,6\r\n\r\nOK\r\n"),
        ]);
        let r = diff(&a, &b, &DiffOptions::default());
        assert!(r.equivalent, "{}", r.text());
        assert_eq!(r.matched_exchanges, 2);
    }

    #[test]
    fn a_reset_instead_of_an_answer_is_reported_three_ways() {
        let a = behaviour(&[
            (0, Dir::Host, b"AT#XMQTTCON=0\r\n"),
            (5 * MS, Dir::Modem, b"\r\n#XMQTTEVT: 1,0\r\n"),
            (6 * MS, Dir::Modem, b"\r\nOK\r\n"),
        ]);
        let b = behaviour(&[(0, Dir::Host, b"AT#XMQTTCON=0\r\n"), (5 * MS, Dir::Modem, b"\xc0\xffReady\r\n")]);
        let r = diff(&a, &b, &DiffOptions::default());
        assert!(!r.equivalent);
        let kinds: Vec<&str> = r.differences.iter().map(|d| d.kind).collect();
        assert!(kinds.contains(&"exchange.result"), "{kinds:?}");
        assert!(kinds.contains(&"urc.missing"), "{kinds:?}");
        assert!(kinds.contains(&"reset.extra"), "{kinds:?}");
        assert!(r
            .notes
            .iter()
            .any(|n| n.kind == "finding.extra" && n.b.as_ref().unwrap().text == "slm.reset.unexpected"));
    }

    #[test]
    fn missing_and_extra_commands_are_aligned_around() {
        let a = behaviour(&[
            (0, Dir::Host, b"AT\r\n"),
            (MS, Dir::Modem, b"\r\nOK\r\n"),
            (2 * MS, Dir::Host, b"AT+CFUN?\r\n"),
            (3 * MS, Dir::Modem, b"\r\n+CFUN: 1\r\n\r\nOK\r\n"),
            (4 * MS, Dir::Host, b"AT+CGMR\r\n"),
            (5 * MS, Dir::Modem, b"\r\nmfw_nrf9160_1.3.5\r\n\r\nOK\r\n"),
        ]);
        let b = behaviour(&[
            (0, Dir::Host, b"AT\r\n"),
            (MS, Dir::Modem, b"\r\nOK\r\n"),
            (4 * MS, Dir::Host, b"AT+CGMR\r\n"),
            (5 * MS, Dir::Modem, b"\r\nmfw_nrf9160_1.3.6\r\n\r\nOK\r\n"),
            (6 * MS, Dir::Host, b"AT+CGSN\r\n"),
            (7 * MS, Dir::Modem, b"\r\nERROR\r\n"),
        ]);
        let r = diff(&a, &b, &DiffOptions::default());
        let lines: Vec<String> = r.differences.iter().map(Difference::line).collect();
        assert_eq!(
            lines,
            [
                "command only in A: AT+CFUN?",
                "AT+CGMR: A: mfw_nrf9160_1.3.5 | B: mfw_nrf9160_1.3.6",
                "command only in B: AT+CGSN",
            ]
        );
    }

    #[test]
    fn latency_beyond_tolerance_is_a_note_unless_strict() {
        let a = behaviour(&[(0, Dir::Host, b"AT\r\n"), (10 * MS, Dir::Modem, b"\r\nOK\r\n")]);
        let b = behaviour(&[(0, Dir::Host, b"AT\r\n"), (2000 * MS, Dir::Modem, b"\r\nOK\r\n")]);
        let r = diff(&a, &b, &DiffOptions::default());
        assert!(r.equivalent);
        assert_eq!(r.notes[0].kind, "exchange.timing");
        let r = diff(&a, &b, &DiffOptions { strict_timing: true, ..Default::default() });
        assert!(!r.equivalent);
        // The same latency at 20× speed is within tolerance once scaled back.
        let c = behaviour(&[(0, Dir::Host, b"AT\r\n"), (MS / 2, Dir::Modem, b"\r\nOK\r\n")]);
        let r = diff(&a, &c, &DiffOptions { strict_timing: true, b_time_scale: 20.0, ..Default::default() });
        assert!(r.equivalent, "{}", r.text());
    }
}
