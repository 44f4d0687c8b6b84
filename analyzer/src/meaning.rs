//! Meanings: an event's raw values in words, from the SLM knowledge in [`crate::slm`]
//! (`#XMQTTEVT: 1,0` → `MQTT DISCONNECT, ok`). Set on events by [`crate::analysis`].

use crate::at::grammar::{Form, Param};
use crate::slm::table::{self, lookup};
use crate::slm::{cme_meaning, result_word, SlmVersion};
use crate::timeline::{Event, EventKind};

use std::fmt::Write as _;

/// Appends the separator of word `*n` (`first` before the first, `, ` after) and counts it.
fn next_word<'a>(out: &'a mut String, n: &mut usize, first: &str) -> &'a mut String {
    out.push_str(if *n == 0 { first } else { ", " });
    *n += 1;
    out
}

/// Appends the words of the parameters that have named values (`first` before the first word,
/// `, ` between them); `*n` counts the words written.
fn push_field_words(out: &mut String, n: &mut usize, first: &str, fields: &[table::Field], params: &[Param]) {
    for (spec, p) in fields.iter().zip(params) {
        if let (Some(v), false) = (p.as_int(), spec.values.is_empty()) {
            let out = next_word(out, n, first);
            match lookup(spec.values, v) {
                // A bare on/off says nothing without the parameter's name.
                Some(m @ ("on" | "off")) => {
                    out.push_str(spec.name);
                    out.push(' ');
                    out.push_str(m);
                }
                Some(m) => out.push_str(m),
                None => {
                    let _ = write!(out, "{} {v} (unknown)", spec.name);
                }
            }
        }
    }
}

/// The meaning of an event's raw values in SLM `version`, if atscope knows one. `command` is the
/// name of the command an information line or final result answers.
pub fn meaning(e: &Event, command: Option<&str>, version: SlmVersion) -> Option<String> {
    let mut s = String::new();
    meaning_into(&mut s, e, command, version).then_some(s)
}

/// [`meaning`], appended to `out` (a caller with many events reuses one buffer); false, with
/// `out` as it was, when there is none.
pub fn meaning_into(out: &mut String, e: &Event, command: Option<&str>, version: SlmVersion) -> bool {
    let start = out.len();
    let found = write_meaning(out, e, command, version).is_some();
    if !found {
        out.truncate(start);
    }
    found
}

fn write_meaning(out: &mut String, e: &Event, command: Option<&str>, version: SlmVersion) -> Option<()> {
    match &e.kind {
        EventKind::Command { name, form, params, invalid, .. } => {
            if invalid.is_some() {
                return None;
            }
            let spec = table::command_in(name, version)?;
            match form {
                Some(Form::Read) => {
                    out.push_str("read: ");
                    out.push_str(spec.summary);
                }
                Some(Form::Test) => {
                    out.push_str("test: ");
                    out.push_str(spec.summary);
                    out.push_str(" (allowed values)");
                }
                Some(Form::Set) => {
                    out.push_str(spec.summary);
                    let mut n = 0;
                    push_field_words(out, &mut n, ": ", spec.params, params);
                    if name == "#XCMNG" && params.first().and_then(Param::as_int) == Some(0) {
                        if let (Some(s), Some(t)) =
                            (params.get(1).and_then(Param::as_int), params.get(2).and_then(Param::as_int))
                        {
                            let out = next_word(out, &mut n, ": ");
                            let _ = if version.sm {
                                write!(out, "native-TLS sec_tag {s}: the Serial Modem has no native TLS")
                            } else if version.maps_native_tls_tags() {
                                write!(
                                    out,
                                    "native-TLS sec_tag {s}; v2.1–v2.5 store it as modem sec_tag {}",
                                    s * 10 + t
                                )
                            } else {
                                write!(out, "native-TLS sec_tag {s}, kept in the SLM's settings (not in the modem)")
                            };
                        }
                    }
                }
                _ => out.push_str(spec.summary),
            }
            Some(())
        }
        EventKind::Final { result: crate::at::grammar::FinalResult::CmeError(n), .. } => {
            out.push_str(cme_meaning(command, *n)?);
            Some(())
        }
        EventKind::Urc { name, params, .. } | EventKind::Info { name: Some(name), params, .. } => {
            let read_response = matches!(e.kind, EventKind::Info { .. });
            line_meaning(out, name, params, read_response, command, version)
        }
        _ => None,
    }
}

fn line_meaning(
    out: &mut String,
    name: &str,
    params: &[Param],
    info: bool,
    command: Option<&str>,
    version: SlmVersion,
) -> Option<()> {
    let int = |i: usize| params.get(i).and_then(Param::as_int);
    match name {
        "#XMQTTEVT" => {
            let evt = int(0)?;
            let res = int(1).unwrap_or(0);
            let ev = lookup(table::MQTT_EVT, evt).unwrap_or("unknown event");
            out.push_str("MQTT ");
            out.push_str(ev);
            out.push_str(", ");
            match lookup(table::CONNACK, res).filter(|_| evt == 0 && res >= 0) {
                Some(r) => out.push_str(r),
                None if evt == 0 && res >= 0 => {
                    let _ = write!(out, "return code {res}");
                }
                None => out.push_str(&result_word(res)),
            }
        }
        "#XDATAMODE" => match int(0)? {
            0 if version.datamode_zero_hides_failure() => {
                out.push_str("data mode ended (v2.1.x prints 0 even after a failed send)")
            }
            0 => out.push_str("data mode ended, no error"),
            r if r < 0 => {
                out.push_str("data mode ended: ");
                out.push_str(&result_word(r));
            }
            r => {
                let _ = write!(out, "{r} bytes sent in data mode");
            }
        },
        "#XNRFCLOUD" if params.len() >= 2 && int(0).is_some() && int(1).is_some() => {
            out.push_str(if int(0) == Some(1) { "nRF Cloud ready" } else { "nRF Cloud not ready" });
            if info && params.len() >= 3 {
                out.push_str(", sec_tag ");
                if let Some(v) = int(2) {
                    let _ = write!(out, "{v}");
                }
            }
        }
        "#XFOTA" if command.is_none_or(|c| !c.eq_ignore_ascii_case("#XFOTA")) || !info => {
            let spec = table::urc_spec("#XFOTA")?;
            out.push_str("FOTA");
            let mut n = 0;
            push_field_words(out, &mut n, " ", spec.fields, params);
            if int(0) == Some(1) {
                if let Some(p) = int(2) {
                    let _ = write!(next_word(out, &mut n, " "), "{p}%");
                }
            }
            if n == 0 {
                return None;
            }
        }
        "#XGPS" if params.len() == 2 && params.iter().all(|p| p.as_int().is_some()) => {
            let status = lookup(table::GPS_STATUS, int(1)?)?;
            out.push_str("GNSS ");
            out.push_str(status);
        }
        "#XGPS" if params.len() >= 7 => out.push_str("GNSS fix: lat, lon, alt m, accuracy m, speed m/s, heading, UTC"),
        "+CEREG" => {
            // The read response has <n> first.
            let off = usize::from(info);
            let stat = int(off)?;
            out.push_str(lookup(table::CEREG_STAT, stat).unwrap_or("unknown state"));
            if let Some(act) = int(off + 3) {
                if let Some(a) = lookup(&[(7, "LTE-M"), (9, "NB-IoT")], act) {
                    out.push_str(", ");
                    out.push_str(a);
                }
            }
        }
        "+CSCON" => {
            // The read response is `<n>,<mode>`; the URC `<mode>[,<state>[,<access>]]`.
            let mode = int(usize::from(info))?;
            let m = lookup(&[(0, "idle"), (1, "connected")], mode)?;
            out.push_str("RRC ");
            out.push_str(m);
        }
        "+CFUN" => {
            let m = lookup(
                &[
                    (0, "power off"),
                    (1, "normal"),
                    (2, "receive only"),
                    (4, "flight mode"),
                    (44, "flight mode, UICC kept"),
                ],
                int(0)?,
            );
            out.push_str("mode ");
            out.push_str(m.unwrap_or("other"));
        }
        "%CMNG" => {
            let tag = int(0)?;
            let ty = int(1)?;
            let reserved = if tag > 2_147_483_647 { " (modem-reserved tag)" } else { "" };
            let _ = write!(out, "sec_tag {tag}{reserved}: {}", lookup(table::CRED_TYPE, ty).unwrap_or("unknown type"));
        }
        "%CESQ" => {
            let rsrp = int(0)?;
            if rsrp == 255 {
                out.push_str("RSRP unknown");
            } else {
                let _ = write!(out, "RSRP {} dBm", rsrp - 140);
            }
            match int(2) {
                Some(255) | None => {}
                Some(q) => {
                    let _ = write!(out, ", RSRQ {:.1} dB", q as f64 / 2.0 - 19.5);
                }
            }
        }
        "#XMODEM" => {
            out.push_str("modem library fault/restart: the application lives on; re-attach and reopen sockets")
        }
        "+CMS ERROR" => out.push_str("the modem unregistered the SMS client (the SMS library re-registers)"),
        _ => {
            let spec = table::urc_spec(name)?;
            out.push_str(spec.summary);
            let mut n = 0;
            push_field_words(out, &mut n, ": ", spec.fields, params);
            // Information lines are the answer to a command; a URC's summary says what it is.
            if n == 0 && info {
                return None;
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::Bytes;

    fn urc(line: &str) -> Option<String> {
        urc_in(line, SlmVersion::DEFAULT)
    }

    fn urc_in(line: &str, version: SlmVersion) -> Option<String> {
        let name = line.split(':').next().unwrap().to_string();
        let params = crate::at::grammar::split_params(line.split_once(':').map_or("", |(_, r)| r.trim()));
        let e = Event {
            seq: 0,
            t_ns: 0,
            end_ns: 0,
            dir: None,
            dlci: None,
            meaning: None,
            kind: EventKind::Urc { name, params, line: Bytes(line.as_bytes().to_vec()) },
        };
        meaning(&e, None, version)
    }

    fn command_in(line: &str, version: SlmVersion) -> Option<String> {
        let c = crate::at::grammar::parse_command(line.as_bytes()).unwrap();
        let kind = EventKind::Command {
            exchange: 1,
            name: c.name,
            form: Some(c.form),
            params: c.params,
            line: Bytes(line.as_bytes().to_vec()),
            invalid: None,
            overflow: false,
            pending: Vec::new(),
        };
        meaning(&Event { seq: 0, t_ns: 0, end_ns: 0, dir: None, dlci: None, meaning: None, kind }, None, version)
    }

    #[test]
    fn raw_values_get_their_meaning() {
        assert_eq!(urc("#XMQTTEVT: 1,0").as_deref(), Some("MQTT DISCONNECT, ok"));
        assert_eq!(urc("#XMQTTEVT: 0,5").as_deref(), Some("MQTT CONNACK, refused: not authorized"));
        assert_eq!(urc("#XMQTTEVT: 0,-116").as_deref(), Some("MQTT CONNACK, error -116 (ETIMEDOUT)"));
        assert_eq!(urc("+CEREG: 5,\"0A2E\",\"01D9B70A\",9").as_deref(), Some("registered, roaming, NB-IoT"));
        assert_eq!(urc("+CSCON: 0").as_deref(), Some("RRC idle"));
        assert_eq!(urc("#XFOTA: 1,0,50").as_deref(), Some("FOTA download, OK, 50%"));
        assert_eq!(urc("%CESQ: 54,2,20,3").as_deref(), Some("RSRP -86 dBm, RSRQ -9.5 dB"));
    }

    #[test]
    fn meanings_follow_the_version() {
        let (v212, v22, v26) = (SlmVersion::DEFAULT, SlmVersion::new(2, 2, 0), SlmVersion::new(2, 6, 0));
        assert!(urc_in("#XDATAMODE: 0", v212).unwrap().contains("even after a failed send"));
        assert_eq!(urc_in("#XDATAMODE: 0", v22).as_deref(), Some("data mode ended, no error"));
        assert!(command_in("AT#XCMNG=0,321,0,\"x\"", v212).unwrap().contains("modem sec_tag 3210"));
        let v26_words = command_in("AT#XCMNG=0,321,0,\"x\"", v26).unwrap();
        assert!(v26_words.contains("SLM's settings") && !v26_words.contains("3210"), "{v26_words}");
    }

    #[test]
    fn cme_codes_mean_what_the_command_documents() {
        assert!(cme_meaning(Some("%CMNG"), 518).unwrap().contains("AT+CFUN=4"));
        assert!(cme_meaning(Some("%KEYGEN"), 519).unwrap().contains("delete it first"));
        assert_eq!(cme_meaning(Some("+CPIN"), 11), Some("SIM PIN required"));
        assert_eq!(cme_meaning(None, 518), None);
    }
}
