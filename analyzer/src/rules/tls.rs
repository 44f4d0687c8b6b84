//! Native-TLS credentials: what `%CMNG`, `%KEYGEN` and `#XCMNG` put where, the `S*10+T`
//! mapping of SLM v2.1–v2.5, and modem-TLS services that use a sec_tag whose credentials the
//! capture shows are not in the modem. That finding waits for the connection's outcome: an
//! error when it fails, nothing when it succeeds, a warning when the capture does not tell.

use crate::at::grammar::{FinalResult, Form, Param};
use crate::finding::Severity;
use crate::slm::{table, SlmVersion};
use crate::timeline::{Event, EventKind};

use super::{ints, Cmd, Draft, FindingId, Rules};

/// A `%CMNG` listing line, kept until the listing is complete.
#[derive(Debug, Clone)]
pub(super) struct Listed {
    tag: i64,
    ty: i64,
    seq: u64,
    t0: i64,
    t1: i64,
}

/// A credential finding waiting for the connection's outcome.
#[derive(Debug)]
pub(super) struct PendingTls {
    draft: Draft,
    /// The command that connects.
    cmd_seq: u64,
    service: String,
    /// `#XSSOCKET`: the handshake happens at the next `#XCONNECT`.
    connect_seq: Option<u64>,
}

impl Rules {
    /// A `%CMNG` information line of a `%CMNG` command (a listing or a read).
    pub(super) fn info_line(&mut self, e: &Event, name: &str, params: &[Param]) {
        let Some(c) = (match &e.kind {
            EventKind::Info { exchange, .. } => self.cmds.get(exchange).cloned(),
            _ => None,
        }) else {
            return;
        };
        if name == "%CMNG" && c.name == "%CMNG" {
            let v = ints(params);
            let (Some(&tag), Some(&ty)) = (v.first(), v.get(1)) else { return };
            self.listing.push(Listed { tag, ty, seq: e.seq, t0: e.t_ns, t1: e.end_ns });
        }
    }

    /// A `%CMNG` command completed: a whole listing is known, so every mapped tag in it is
    /// explained whatever the order of its lines.
    pub(super) fn listing_done(&mut self, c: &Cmd, ok: bool, out: &mut Vec<Draft>) {
        let listed = std::mem::take(&mut self.listing);
        if !ok || c.name != "%CMNG" {
            return;
        }
        let int = |i: usize| c.params.get(i).and_then(Param::as_int);
        let full = int(0) == Some(1) && c.params.len() == 1;
        if full {
            // A whole listing is what the modem holds now.
            self.modem_creds.clear();
            self.listing_seen = true;
        }
        for l in &listed {
            self.modem_creds.entry(l.tag).or_default().insert(l.ty);
        }
        if !self.version.unwrap_or(SlmVersion::DEFAULT).maps_native_tls_tags() {
            return;
        }
        for l in &listed {
            let (tag, ty) = (l.tag, l.ty);
            if !((10..=2_147_483_647).contains(&tag) && ty == 0 && (0..=5).contains(&(tag % 10))) {
                continue;
            }
            let (s, t) = (tag / 10, tag % 10);
            let written = self.mapped.get(&s).is_some_and(|ts| ts.contains(&t));
            let tname = table::lookup(table::XCMNG_TYPE, t).unwrap_or("credential");
            // Looks like a mapping only if written through #XCMNG here, or its siblings are listed.
            let siblings =
                (0..=5).filter(|k| self.modem_creds.get(&(s * 10 + k)).is_some_and(|x| x.contains(&0))).count();
            if !(written || siblings >= 2 || self.mapped.contains_key(&s)) {
                continue;
            }
            let how =
                if written { "stored by #XCMNG as modem type 0" } else { "probably stored by #XCMNG as modem type 0" };
            out.push(Draft {
                id: FindingId::TlsNativeMapping,
                level: None,
                t0: l.t0,
                t1: l.t1,
                message: format!("{tag} = native-TLS sec_tag {s}, type {t} ({tname}), {how}"),
                help: format!(
                    "With native TLS (overlay-native_tls.conf), SLM v2.1–v2.5 keep #XCMNG credentials in modem storage under sec_tag S*10+T, always as modem type 0 so that they can be read back; that is why sec_tag {s} shows up as {} in AT%CMNG=1. Only the SLM's own Mbed TLS (TLS server, HTTP client, #XSSOCKET) reads them; modem TLS (MQTT, nRF Cloud, #XTCPCLI, FOTA) looks for sec_tag {s} itself and finds nothing there.",
                    (0..=2).map(|k| (s * 10 + k).to_string()).collect::<Vec<_>>().join("/")
                ),
                events: vec![l.seq],
            });
        }
    }

    /// Types of native sec_tag `s` that the capture shows went through `#XCMNG`: written here,
    /// or listed by the modem as mapped entries `s*10+t` (v2.1–v2.5).
    fn mapped_types(&self, s: i64, version: SlmVersion) -> Vec<i64> {
        let mut types: Vec<i64> = self.mapped.get(&s).map(|x| x.iter().copied().collect()).unwrap_or_default();
        if self.listing_seen && version < SlmVersion::new(2, 6, 0) {
            for t in 0..=5 {
                let listed = s.checked_mul(10).and_then(|m| m.checked_add(t)).and_then(|m| self.modem_creds.get(&m));
                if listed.is_some_and(|x| x.contains(&0)) && !types.contains(&t) {
                    types.push(t);
                }
            }
        }
        types.sort_unstable();
        types
    }

    /// A final result: it may be the outcome a pending credential finding waits for.
    pub(super) fn tls_final(&mut self, c: &Cmd, result: &FinalResult, out: &mut Vec<Draft>) {
        if c.name == "#XCONNECT" {
            if let Some(p) = self.tls_pending.iter_mut().find(|p| p.service == "#XSSOCKET" && p.connect_seq.is_none()) {
                p.connect_seq = Some(c.seq);
                let seq = p.cmd_seq;
                return self.tls_outcome(seq, result.is_ok(), out);
            }
        }
        let decides = |p: &PendingTls| {
            p.cmd_seq == c.seq && (!result.is_ok() || matches!(p.service.as_str(), "#XTCPCLI" | "#XUDPCLI"))
        };
        if let Some(seq) = self.tls_pending.iter().find(|p| decides(p)).map(|p| p.cmd_seq) {
            self.tls_outcome(seq, result.is_ok(), out);
        }
    }

    /// A URC that tells how a pending connection ended.
    pub(super) fn tls_urc(&mut self, name: &str, params: &[Param], out: &mut Vec<Draft>) {
        if !matches!(name, "#XMQTTEVT" | "#XNRFCLOUD") {
            return;
        }
        let v = ints(params);
        let (service, ok) = match (name, v.first(), v.get(1)) {
            ("#XMQTTEVT", Some(0), Some(&r)) => ("#XMQTTCON", r == 0),
            ("#XNRFCLOUD", Some(1), _) => ("#XNRFCLOUD", true),
            ("#XNRFCLOUD", Some(0), _) => ("#XNRFCLOUD", false),
            _ => return,
        };
        if let Some(seq) = self.tls_pending.iter().find(|p| p.service == service).map(|p| p.cmd_seq) {
            self.tls_outcome(seq, ok, out);
        }
    }

    /// The connection of command `seq` ended: a failure confirms the finding, a success
    /// withdraws it (the credentials were there after all).
    pub(super) fn tls_outcome(&mut self, seq: u64, ok: bool, out: &mut Vec<Draft>) {
        let Some(i) = self.tls_pending.iter().position(|p| p.cmd_seq == seq) else { return };
        let p = self.tls_pending.remove(i);
        if !ok {
            out.push(p.draft);
        }
    }

    /// The end of the capture (or a reboot) without an outcome: the finding stands, as a warning.
    pub(super) fn tls_unsettled(&mut self, failed: bool, out: &mut Vec<Draft>) {
        for mut p in std::mem::take(&mut self.tls_pending) {
            if !failed {
                p.draft.level = Some(Severity::Warning);
                p.draft.help.push_str(" The capture does not show whether the connection then succeeded.");
            }
            out.push(p.draft);
        }
    }

    /// `AT%CMNG=1,321` / `AT%CMNG=2,321,0` for a tag that exists only as native-TLS mappings.
    pub(super) fn query_mapped_tag(&mut self, e: &Event, c: &Cmd, out: &mut Vec<Draft>) {
        let int = |i: usize| c.params.get(i).and_then(Param::as_int);
        let (Some(op), Some(s)) = (int(0), int(1)) else { return };
        if !matches!(op, 1 | 2) || self.modem_creds.get(&s).is_some_and(|t| !t.is_empty()) {
            return;
        }
        let mapped: Vec<i64> = (0..=5).map(|t| s * 10 + t).filter(|m| self.modem_creds.contains_key(m)).collect();
        if !self.mapped.contains_key(&s) && mapped.is_empty() {
            return;
        }
        let at = if mapped.is_empty() {
            format!("{}…{}", s * 10, s * 10 + 2)
        } else {
            mapped.iter().map(|m| m.to_string()).collect::<Vec<_>>().join("/")
        };
        out.push(Draft {
            id: FindingId::TlsNativeMapping,
            level: None,
            t0: c.t0,
            t1: e.end_ns,
            message: format!("{} asks the modem for sec_tag {s}, which exists only as native-TLS mappings at {at}", c.line),
            help: format!("#XCMNG stored sec_tag {s} in modem storage as {s}*10+type ({at}), so the modem has nothing under {s} itself. Query AT%CMNG=1 without a tag to see the mapped entries, or read them back with AT#XCMNG=2,{s},0."),
            events: vec![c.seq, e.seq],
        });
    }

    pub(super) fn credential_write(&mut self, c: &Cmd) {
        let p = &c.params;
        let int = |i: usize| p.get(i).and_then(Param::as_int);
        match c.name.as_str() {
            "%CMNG" => match (int(0), int(1), int(2)) {
                (Some(0), Some(tag), Some(ty)) => {
                    self.modem_creds.entry(tag).or_default().insert(ty);
                }
                (Some(3), Some(tag), Some(ty)) => {
                    if let Some(s) = self.modem_creds.get_mut(&tag) {
                        s.remove(&ty);
                    }
                }
                _ => {}
            },
            "%KEYGEN" => {
                if let (Some(tag), Some(kt)) = (int(0), int(1)) {
                    self.modem_creds.entry(tag).or_default().insert(kt);
                }
            }
            "#XCMNG" => match (int(0), int(1), int(2)) {
                (Some(0), Some(s), Some(t)) => {
                    self.mapped.entry(s).or_default().insert(t);
                }
                (Some(3), Some(s), Some(t)) => {
                    if let Some(x) = self.mapped.get_mut(&s) {
                        x.remove(&t);
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// A service that runs TLS in the modem with a sec_tag provisioned only through `#XCMNG`.
    pub(super) fn tls_use(&mut self, e: &Event, version: SlmVersion) {
        let EventKind::Command { name, params, form: Some(Form::Set), .. } = &e.kind else { return };
        let Some(row) = table::modem_tls(name, params, version) else { return };
        let (service, needs) = (row.service, row.needs);
        let tag = match row.sec_tag {
            table::SecTag::Fixed(t) => Some(t),
            table::SecTag::Param(_) => row.sec_tag_index(version).and_then(|i| params.get(i)).and_then(Param::as_int),
        };
        let Some(tag) = tag else { return };
        let have = self.modem_creds.get(&tag).cloned().unwrap_or_default();
        let mapped_types = self.mapped_types(tag, version);
        let missing: Vec<i64> = needs.iter().copied().filter(|t| !have.contains(t)).collect();
        if missing.is_empty() || mapped_types.is_empty() || !self.flagged_tags.insert((tag, "use")) {
            return;
        }
        let tn = |t: i64| table::lookup(table::CRED_TYPE, t).unwrap_or("credential").to_string();
        let have_s = if have.is_empty() {
            "nothing".to_string()
        } else {
            have.iter().map(|t| tn(*t)).collect::<Vec<_>>().join(", ")
        };
        let where_s = if version < SlmVersion::new(2, 6, 0) {
            mapped_types
                .iter()
                .map(|t| format!("{} at modem tag {}", tn(*t), tag * 10 + t))
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            "in the SLM's Zephyr settings".to_string()
        };
        let how = if self.mapped.contains_key(&tag) {
            "went through #XCMNG (native TLS)"
        } else {
            "are listed by AT%CMNG=1 only as native-TLS mappings"
        };
        let message = format!(
            "{service} uses modem sec_tag {tag}, but its {} {how}: {where_s}; the modem has {have_s} at {tag}",
            missing.iter().map(|t| tn(*t)).collect::<Vec<_>>().join(" and ")
        );
        let help = format!(
            "{service} runs TLS in the modem with sec_tag {tag} as given; it never reads what #XCMNG writes (modem tags S*10+T in v2.1–v2.5, Zephyr settings from v2.6), so the modem has none of these credentials for the handshake. Provision these credentials with AT%CMNG=0,{tag},<type>,\"…\" while the modem is offline (AT+CFUN=4), or with AT%KEYGEN plus a signed certificate written by AT%CMNG; keep #XCMNG for the SLM's own TLS (TLS server, HTTP client, #XSSOCKET)."
        );
        let draft = Draft {
            id: FindingId::TlsModemTagUnprovisioned,
            level: None,
            t0: e.t_ns,
            t1: e.end_ns,
            message,
            help,
            events: vec![e.seq],
        };
        self.tls_pending.push(PendingTls { draft, cmd_seq: e.seq, service: name.clone(), connect_seq: None });
    }
}
