//! Meanings: an event's raw values in words, from the SLM knowledge in [`crate::slm`]
//! (`#XMQTTEVT: 1,0` → `MQTT DISCONNECT, ok`). Set on events by [`crate::analysis`].

use crate::at::grammar::{Form, Param};
use crate::slm::table::{self, lookup};
use crate::slm::{cme_meaning, result_word, SlmVersion};
use crate::timeline::{Event, EventKind};

fn ints(params: &[Param]) -> Vec<Option<i64>> {
    params.iter().map(Param::as_int).collect()
}

fn field_words(fields: &[table::Field], params: &[Param]) -> Vec<String> {
    let mut out = Vec::new();
    for (spec, p) in fields.iter().zip(params) {
        if let (Some(v), false) = (p.as_int(), spec.values.is_empty()) {
            match lookup(spec.values, v) {
                // A bare on/off says nothing without the parameter's name.
                Some(m @ ("on" | "off")) => out.push(format!("{} {m}", spec.name)),
                Some(m) => out.push(m.to_string()),
                None => out.push(format!("{} {v} (unknown)", spec.name)),
            }
        }
    }
    out
}

/// The meaning of an event's raw values in SLM `version`, if atscope knows one. `command` is the
/// name of the command an information line or final result answers.
pub fn meaning(e: &Event, command: Option<&str>, version: SlmVersion) -> Option<String> {
    match &e.kind {
        EventKind::Command { name, form, params, invalid, .. } => {
            if invalid.is_some() {
                return None;
            }
            let spec = table::command_in(name, version)?;
            match form {
                Some(Form::Read) => Some(format!("read: {}", spec.summary)),
                Some(Form::Test) => Some(format!("test: {} (allowed values)", spec.summary)),
                Some(Form::Set) => {
                    let mut words = field_words(spec.params, params);
                    if name == "#XCMNG" && params.first().and_then(Param::as_int) == Some(0) {
                        if let (Some(s), Some(t)) =
                            (params.get(1).and_then(Param::as_int), params.get(2).and_then(Param::as_int))
                        {
                            words.push(if version.sm {
                                format!("native-TLS sec_tag {s}: the Serial Modem has no native TLS")
                            } else if version.maps_native_tls_tags() {
                                format!("native-TLS sec_tag {s}; v2.1–v2.5 store it as modem sec_tag {}", s * 10 + t)
                            } else {
                                format!("native-TLS sec_tag {s}, kept in the SLM's settings (not in the modem)")
                            });
                        }
                    }
                    if words.is_empty() {
                        Some(spec.summary.to_string())
                    } else {
                        Some(format!("{}: {}", spec.summary, words.join(", ")))
                    }
                }
                _ => Some(spec.summary.to_string()),
            }
        }
        EventKind::Final { result: crate::at::grammar::FinalResult::CmeError(n), .. } => {
            cme_meaning(command, *n).map(str::to_string)
        }
        EventKind::Urc { name, params, .. } | EventKind::Info { name: Some(name), params, .. } => {
            let read_response = matches!(e.kind, EventKind::Info { .. });
            line_meaning(name, params, read_response, command, version)
        }
        _ => None,
    }
}

fn line_meaning(
    name: &str,
    params: &[Param],
    info: bool,
    command: Option<&str>,
    version: SlmVersion,
) -> Option<String> {
    let n = ints(params);
    match name {
        "#XMQTTEVT" => {
            let evt = n.first().copied().flatten()?;
            let res = n.get(1).copied().flatten().unwrap_or(0);
            let ev = lookup(table::MQTT_EVT, evt).unwrap_or("unknown event");
            let r = if evt == 0 && res >= 0 {
                lookup(table::CONNACK, res).map(str::to_string).unwrap_or(format!("return code {res}"))
            } else {
                result_word(res)
            };
            Some(format!("MQTT {ev}, {r}"))
        }
        "#XDATAMODE" => {
            let r = n.first().copied().flatten()?;
            Some(match r {
                0 if version.datamode_zero_hides_failure() => {
                    "data mode ended (v2.1.x prints 0 even after a failed send)".into()
                }
                0 => "data mode ended, no error".into(),
                r if r < 0 => format!("data mode ended: {}", result_word(r)),
                r => format!("{r} bytes sent in data mode"),
            })
        }
        "#XNRFCLOUD" if n.len() >= 2 && n[0].is_some() && n[1].is_some() => {
            let ready = if n[0] == Some(1) { "nRF Cloud ready" } else { "nRF Cloud not ready" };
            let extra = if info && params.len() >= 3 {
                format!(", sec_tag {}", params[2].as_int().map(|v| v.to_string()).unwrap_or_default())
            } else {
                String::new()
            };
            Some(format!("{ready}{extra}"))
        }
        "#XFOTA" if command.is_none_or(|c| !c.eq_ignore_ascii_case("#XFOTA")) || !info => {
            let spec = table::urc_spec("#XFOTA")?;
            let mut w = field_words(spec.fields, params);
            if n.first() == Some(&Some(1)) {
                if let Some(Some(p)) = n.get(2) {
                    w.push(format!("{p}%"));
                }
            }
            (!w.is_empty()).then(|| format!("FOTA {}", w.join(", ")))
        }
        "#XGPS" if n.len() == 2 && n.iter().all(Option::is_some) => {
            Some(format!("GNSS {}", lookup(table::GPS_STATUS, n[1]?)?))
        }
        "#XGPS" if params.len() >= 7 => Some("GNSS fix: lat, lon, alt m, accuracy m, speed m/s, heading, UTC".into()),
        "+CEREG" => {
            // The read response has <n> first.
            let off = usize::from(info);
            let stat = n.get(off).copied().flatten()?;
            let mut s = lookup(table::CEREG_STAT, stat).unwrap_or("unknown state").to_string();
            if let Some(Some(act)) = n.get(off + 3) {
                if let Some(a) = lookup(&[(7, "LTE-M"), (9, "NB-IoT")], *act) {
                    s.push_str(&format!(", {a}"));
                }
            }
            Some(s)
        }
        "+CSCON" => {
            // The read response is `<n>,<mode>`; the URC `<mode>[,<state>[,<access>]]`.
            let mode = n.get(usize::from(info)).copied().flatten()?;
            Some(format!("RRC {}", lookup(&[(0, "idle"), (1, "connected")], mode)?))
        }
        "+CFUN" => Some(format!(
            "mode {}",
            lookup(
                &[
                    (0, "power off"),
                    (1, "normal"),
                    (2, "receive only"),
                    (4, "flight mode"),
                    (44, "flight mode, UICC kept")
                ],
                n.first().copied().flatten()?
            )
            .unwrap_or("other")
        )),
        "%CMNG" => {
            let tag = n.first().copied().flatten()?;
            let ty = n.get(1).copied().flatten()?;
            let reserved = if tag > 2_147_483_647 { " (modem-reserved tag)" } else { "" };
            Some(format!("sec_tag {tag}{reserved}: {}", lookup(table::CRED_TYPE, ty).unwrap_or("unknown type")))
        }
        "%CESQ" => {
            let rsrp = n.first().copied().flatten()?;
            let rsrq = n.get(2).copied().flatten();
            let p = if rsrp == 255 { "RSRP unknown".to_string() } else { format!("RSRP {} dBm", rsrp - 140) };
            let q = match rsrq {
                Some(255) | None => String::new(),
                Some(q) => format!(", RSRQ {:.1} dB", q as f64 / 2.0 - 19.5),
            };
            Some(format!("{p}{q}"))
        }
        "#XMODEM" => Some("modem library fault/restart: the application lives on; re-attach and reopen sockets".into()),
        "+CMS ERROR" => Some("the modem unregistered the SMS client (the SMS library re-registers)".into()),
        _ => {
            let spec = table::urc_spec(name)?;
            let w = field_words(spec.fields, params);
            if w.is_empty() {
                // Information lines are the answer to a command; a URC's summary says what it is.
                (!info).then(|| spec.summary.to_string())
            } else {
                Some(format!("{}: {}", spec.summary, w.join(", ")))
            }
        }
    }
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
