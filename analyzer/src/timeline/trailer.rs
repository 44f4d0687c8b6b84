//! Payloads announced *after* their bytes: v2.1.x/v2.2.x `#XTCPDATA`/`#XUDPDATA` and every
//! `#XHTTPCRSP`. Modem lines with nothing pending are held back until the next line tells
//! whether a trailer claims them.

use super::*;

impl TimelineBuilder {
    /// A v2.1.x `#XTCPDATA`/`#XUDPDATA`, or any `#XHTTPCRSP`: claims the held bytes before it.
    pub(super) fn trailer(&mut self, name: &str, params: &[Param], lead: &[u8]) -> bool {
        let int = |i: usize| params.get(i).and_then(Param::as_int);
        let Some(part) = payloads::announcer(name, self.version)
            .filter(|a| a.place == payloads::Place::Before)
            .and_then(|a| a.parts.first())
        else {
            return false;
        };
        // `#XHTTPCRSP: 0,<negative errno>` is the remote closing early, not a trailer.
        if name == "#XHTTPCRSP" && int(0) == Some(0) && !matches!(int(1), Some(0 | 1)) {
            return false;
        }
        let Some(n) = int(part.count) else {
            return false;
        };
        let last = int(1);
        let mut n = usize::try_from(n).unwrap_or(0);
        if name == "#XHTTPCRSP" {
            // The first trailer of a response covers the header block; later ones give the
            // running total of body bytes.
            if self.http_in_body {
                let total = n;
                n = total.saturating_sub(self.http_claimed);
                self.http_claimed = total.max(self.http_claimed);
            } else {
                self.http_in_body = true;
                self.http_claimed = 0;
            }
            if last == Some(1) && self.http_in_body && self.http_claimed > 0 {
                self.http_active = false;
                self.http_in_body = false;
                self.http_claimed = 0;
            }
        }
        let mut region: Vec<u8> = Vec::new();
        let mut times: Vec<(usize, i64, i64)> = Vec::new();
        for h in &self.held {
            times.push((region.len(), h.t0, h.t1));
            region.extend_from_slice(&h.raw);
        }
        region.extend_from_slice(lead);
        if region.ends_with(b"\r\n") {
            region.truncate(region.len() - 2);
        }
        let n = n.min(region.len());
        let cut = region.len() - n;
        let payload = region[cut..].to_vec();
        let held = std::mem::take(&mut self.held);
        self.held_bytes = 0;
        // Bytes before the claimed region are released as the lines they were; the start of a
        // line the region begins inside of is released as text (it fits no trailer).
        let mut consumed = 0;
        for h in held {
            if consumed + h.raw.len() <= cut {
                consumed += h.raw.len();
                self.classify_released(h);
                continue;
            }
            if consumed < cut {
                let head: Vec<u8> =
                    h.raw[..cut - consumed].iter().copied().filter(|b| !matches!(b, b'\r' | b'\n')).collect();
                if !head.is_empty() {
                    self.text_line(h.t0, h.t1, head);
                }
            }
            break;
        }
        let t_first = times.iter().rev().find(|(off, _, _)| *off <= cut).map(|t| t.1).unwrap_or(0);
        let t_last = times.last().map(|t| t.2).unwrap_or(t_first);
        let owner = part.owner;
        if !payload.is_empty() {
            let len = payload.len();
            self.emit(
                t_first,
                t_last,
                Some(Dir::Modem),
                EventKind::Payload { exchange: None, owner: owner.into(), len, data: Bytes(payload) },
            );
        }
        true
    }

    pub(super) fn hold(&mut self, t0: i64, t1: i64, text: Vec<u8>, raw: Vec<u8>) {
        self.held_bytes += raw.len();
        self.held.push(Held { t0, t1, text, raw });
        while self.held_bytes > MAX_HELD && !self.held.is_empty() {
            let h = self.held.remove(0);
            self.held_bytes -= h.raw.len();
            self.classify_released(h);
        }
    }

    pub(super) fn release_held(&mut self) {
        self.held_bytes = 0;
        for h in std::mem::take(&mut self.held) {
            self.classify_released(h);
        }
    }

    pub(super) fn classify_released(&mut self, h: Held) {
        if is_ready(&h.text) {
            let garbage = h.text[..h.text.len() - 5].to_vec();
            self.reset(h.t0, h.t1, garbage);
            return;
        }
        match grammar::parse_modem_line(&h.text) {
            ModemLine::Final(r) => self.final_result(h.t0, h.t1, r),
            _ => self.text_line(h.t0, h.t1, h.text),
        }
    }
}
