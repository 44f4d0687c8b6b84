//! The line itself: bytes that fit no AT item, and bursts of them or of framing errors that
//! point at a baud-rate mismatch (also measured on a waveform's bit times).

use super::*;

/// Framing errors or garbage runs within this window that make a baud-rate burst.
const BURST_WINDOW_NS: i64 = 1_000_000_000;
const BURST_COUNT: usize = 4;

impl Rules {
    /// A waveform channel decoded at a rate its measured bit time contradicts.
    pub fn baud_mismatch(
        &self,
        dir: Option<Dir>,
        channel: &str,
        m: &crate::capture::BaudMismatch,
    ) -> Vec<(i64, i64, Finding)> {
        let (configured, measured) = (m.configured, m.measured);
        let side = dir.map(|d| format!("the {d} line")).unwrap_or_else(|| "an unused channel".into());
        self.finish_drafts(vec![Draft {
            id: FindingId::UartBaudMismatch,
            level: None,
            t0: 0,
            t1: 0,
            message: format!("channel {channel:?} ({side}) was decoded at {configured} Bd, but its bit time measures {measured:.0} Bd"),
            help: format!(
                "The shortest pulses on this line are {:.2} bit times at {configured} Bd, so the decode is likely wrong from the start. Decode again with --baud {} or --baud auto; if the device itself runs at the other rate, check #XSLMUART (v2.1.x saves it to flash) against the host's setting.",
                f64::from(configured) / measured,
                m.suggested
            ),
            events: Vec::new(),
        }])
    }

    /// Bytes that fit no AT item.
    pub(super) fn garbage(&mut self, e: &Event, out: &mut Vec<Draft>) {
        let EventKind::Garbage { data, .. } = &e.kind else {
            return;
        };
        self.any_traffic = true;
        let dir = e.dir.map(|d| d.as_str()).unwrap_or("?");
        out.push(Draft {
            id: FindingId::UartGarbage,
            level: None,
            t0: e.t_ns,
            t1: e.end_ns,
            message: format!("{} byte(s) on the {dir} line fit no AT item: {}", data.0.len(), hex(&data.0[..data.0.len().min(16)])),
            help: "Non-printable bytes or invalid UTF-8 outside any payload. Single bytes such as 00, FF or C0 are typical of a line glitch while a chip resets or a cable is plugged; a steady stream suggests a wrong baud rate, a floating RX line, or a missing ground.".into(),
            events: vec![e.seq],
        });
        self.burst(e, out, "garbage");
    }

    pub(super) fn burst(&mut self, e: &Event, out: &mut Vec<Draft>, what: &str) {
        self.bursts.push_back((e.t_ns, e.seq));
        while self.bursts.front().is_some_and(|(t, _)| e.t_ns - t > BURST_WINDOW_NS) {
            self.bursts.pop_front();
        }
        if self.bursts.len() >= BURST_COUNT && e.t_ns > self.burst_flagged_until {
            let t0 = self.bursts.front().map(|b| b.0).unwrap_or(e.t_ns);
            let dir = e.dir.map(|d| d.as_str()).unwrap_or("a");
            out.push(Draft {
                id: FindingId::UartBaudMismatch,
                level: None,
                t0,
                t1: e.end_ns,
                message: format!("{} {what} within {} on the {dir} line", self.bursts.len(), secs(e.t_ns - t0)),
                help: "Bursts of framing errors or undecodable bytes usually mean the two ends disagree on the baud rate (SLM v2.1.x can boot at a rate saved by #XSLMUART, and switches 50 ms after AT#XSLMUART's OK), or the capture's UART settings are wrong. Check both ends' rate and 8N1 framing, and the line's ground.".into(),
                events: self.bursts.iter().map(|b| b.1).collect(),
            });
            self.burst_flagged_until = e.t_ns + BURST_WINDOW_NS;
            self.bursts.clear();
        }
    }
}
