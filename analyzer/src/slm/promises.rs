//! Promises: the URC a command makes due (`#XMQTTCON=1` → `#XMQTTEVT: 0,<r>`), from when, within
//! what window, and where that window comes from.

/// When a command promises a later URC.
#[derive(Debug, Clone, Copy)]
pub enum When {
    /// Whenever the command succeeds.
    Always,
    /// Parameter `i` is one of these values.
    Param(usize, &'static [i64]),
    /// Parameter `i` has this bit set (a flag).
    Bit(usize, i64),
}

/// From when the promise's deadline counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    /// From the final `OK` (the URC comes after it).
    Ok,
    /// From the command itself: the URC may come before or after `OK`.
    Sent,
}

/// A URC a command promises (§4, §9): `#XMQTTCON=1` → `#XMQTTEVT: 0,<r>`.
#[derive(Debug, Clone, Copy)]
pub struct Promise {
    /// The command.
    pub command: &'static str,
    /// For which parameters.
    pub when: When,
    /// The URC name (`Ready` for a reset).
    pub urc: &'static str,
    /// Accepted values of the URC's first field (empty: any).
    pub first: &'static [i64],
    /// What the URC means, for the message.
    pub label: &'static str,
    /// How long it may take, ms.
    pub within_ms: u64,
    /// Counted from.
    pub from: From,
    /// Where the window comes from: a source citation, or `heuristic`.
    pub window_source: &'static str,
    /// First release that makes this promise (`None`: v2.1.x).
    pub since: Option<crate::slm::version::Release>,
}

/// Every promise atscope checks.
pub static PROMISES: &[Promise] = &[
    Promise {
        command: "#XMQTTCON",
        when: When::Param(0, &[1, 2]),
        urc: "#XMQTTEVT",
        first: &[0],
        label: "CONNACK",
        within_ms: 10_000,
        window_source: "heuristic: one broker round trip after CONNECT was sent; MQTT sets no CONNACK deadline",
        from: From::Ok,
        since: None,
    },
    Promise {
        command: "#XMQTTCON",
        when: When::Param(0, &[0]),
        urc: "#XMQTTEVT",
        first: &[1],
        label: "DISCONNECT",
        within_ms: 65_000,
        window_source: "source: slm_at_mqtt.c waits up to CONFIG_MQTT_KEEPALIVE = 60 s for the MQTT thread",
        from: From::Sent,
        since: None,
    },
    Promise {
        command: "#XMQTTSUB",
        when: When::Always,
        urc: "#XMQTTEVT",
        first: &[7],
        label: "SUBACK",
        within_ms: 30_000,
        window_source: "heuristic: one broker round trip",
        from: From::Ok,
        since: None,
    },
    Promise {
        command: "#XMQTTUNSUB",
        when: When::Always,
        urc: "#XMQTTEVT",
        first: &[8],
        label: "UNSUBACK",
        within_ms: 30_000,
        window_source: "heuristic: one broker round trip",
        from: From::Ok,
        since: None,
    },
    Promise {
        command: "#XMQTTPUB",
        when: When::Param(2, &[1]),
        urc: "#XMQTTEVT",
        first: &[3],
        label: "PUBACK",
        within_ms: 30_000,
        window_source: "heuristic: one broker round trip",
        from: From::Ok,
        since: None,
    },
    Promise {
        command: "#XMQTTPUB",
        when: When::Param(2, &[2]),
        urc: "#XMQTTEVT",
        first: &[6],
        label: "PUBCOMP",
        within_ms: 30_000,
        window_source: "heuristic: two broker round trips",
        from: From::Ok,
        since: None,
    },
    Promise {
        command: "#XNRFCLOUD",
        when: When::Param(0, &[1]),
        urc: "#XNRFCLOUD",
        first: &[1],
        label: "cloud READY",
        within_ms: 30_000,
        window_source: "heuristic: a connect to nRF Cloud normally takes seconds",
        from: From::Ok,
        since: None,
    },
    Promise {
        command: "#XNRFCLOUD",
        when: When::Param(0, &[0]),
        urc: "#XNRFCLOUD",
        first: &[0],
        label: "cloud disconnected",
        within_ms: 30_000,
        window_source: "heuristic",
        from: From::Sent,
        since: None,
    },
    Promise {
        command: "#XFOTA",
        when: When::Param(0, &[1, 2]),
        urc: "#XFOTA",
        first: &[4],
        label: "downloaded, to be activated",
        within_ms: 600_000,
        window_source: "heuristic: a download of a few hundred KB over LTE-M",
        from: From::Ok,
        since: None,
    },
    // Op 3 is full modem FOTA from v2.5; before, it was pause/resume (slm_at_fota.c).
    Promise {
        command: "#XFOTA",
        when: When::Param(0, &[3]),
        urc: "#XFOTA",
        first: &[4],
        label: "downloaded, to be activated (full modem FOTA)",
        within_ms: 600_000,
        window_source: "heuristic: a download of a few hundred KB over LTE-M",
        from: From::Ok,
        since: Some((2, 5)),
    },
    Promise {
        command: "#XHTTPCREQ",
        when: When::Always,
        urc: "#XHTTPCREQ",
        first: &[0],
        label: "request sent",
        within_ms: 60_000,
        window_source: "heuristic: the v2.1.2 HTTP request itself has no timeout (SYS_FOREVER_MS)",
        from: From::Ok,
        since: None,
    },
    Promise {
        command: "#XSEND",
        when: When::Bit(2, 0x2000),
        urc: "#XSENDNTF",
        first: &[],
        label: "send acknowledged by the network",
        within_ms: 60_000,
        window_source: "heuristic: the network's acknowledgement (ncs-serial-modem v1.0.1 sm_at_socket.c: flag SM_MSG_SEND_ACK 0x2000 sends #XSENDNTF: <handle>,<status>,<size> when the send is acknowledged; no deadline in the source)",
        from: From::Ok,
        since: Some(crate::slm::version::SERIAL_MODEM),
    },
    Promise {
        command: "#XSENDTO",
        when: When::Bit(2, 0x2000),
        urc: "#XSENDNTF",
        first: &[],
        label: "send acknowledged by the network",
        within_ms: 60_000,
        window_source: "heuristic: the network's acknowledgement (ncs-serial-modem v1.0.1 sm_at_socket.c: flag SM_MSG_SEND_ACK 0x2000 sends #XSENDNTF: <handle>,<status>,<size> when the send is acknowledged; no deadline in the source)",
        from: From::Ok,
        since: Some(crate::slm::version::SERIAL_MODEM),
    },
    Promise {
        command: "#XRESET",
        when: When::Always,
        urc: "Ready",
        first: &[],
        label: "reboot",
        // 1–2 s normally (§4.10); MCUboot swapping a FOTA image on the way takes longer.
        within_ms: 30_000,
        window_source:
            "source: slm_at_host.c: CFUN=0 then a 1 s sleep before the reboot; MCUboot swapping an image takes longer",
        from: From::Ok,
        since: None,
    },
];

/// The promises a command in `form` with `params` makes (Set and Exec forms only) in SLM
/// `version`; `None`: in any release.
pub fn promises_of<'a>(
    name: &'a str,
    form: Option<crate::at::grammar::Form>,
    params: &'a [crate::at::grammar::Param],
    version: Option<crate::slm::SlmVersion>,
) -> impl Iterator<Item = &'static Promise> + 'a {
    use crate::at::grammar::{Form, Param};
    let made = matches!(form, Some(Form::Set | Form::Exec));
    PROMISES.iter().filter(move |p| {
        made && p.command.eq_ignore_ascii_case(name)
            && version.is_none_or(|v| crate::slm::version::in_releases(v, p.since, None))
            && match p.when {
                When::Always => true,
                When::Param(i, vals) => params.get(i).and_then(Param::as_int).is_some_and(|v| vals.contains(&v)),
                When::Bit(i, bit) => params.get(i).and_then(Param::as_int).is_some_and(|v| v & bit != 0),
            }
    })
}

impl Promise {
    /// Whether a URC named `name` with `params` is the one promised (`#XMQTTEVT: 0,…` for CONNACK).
    pub fn kept_by(&self, name: &str, params: &[crate::at::grammar::Param]) -> bool {
        self.urc.eq_ignore_ascii_case(name)
            && (self.first.is_empty()
                || params.first().and_then(crate::at::grammar::Param::as_int).is_some_and(|v| self.first.contains(&v)))
    }
}

/// The `#XFOTA` URC that ends a FOTA early (stage, status ≠ 0) also settles the promise.
pub fn fota_failed(fields: &[i64]) -> bool {
    fields.get(1).is_some_and(|&s| s != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::at::grammar::{split_params, Form};
    use crate::slm::SlmVersion;

    fn promised(cmd: &str, params: &str, v: (u16, u16)) -> Vec<&'static str> {
        let params = split_params(params);
        promises_of(cmd, Some(Form::Set), &params, Some(SlmVersion::new(v.0, v.1, 0))).map(|p| p.label).collect()
    }

    #[test]
    fn fota_op_3_promises_a_download_only_from_v2_5() {
        assert!(promised("#XFOTA", "3", (2, 1)).is_empty(), "v2.1–v2.4: op 3 is pause/resume");
        assert_eq!(promised("#XFOTA", "3,\"http://h/f.bin\"", (2, 5)).len(), 1);
        assert_eq!(promised("#XFOTA", "1,\"http://h/app.bin\"", (2, 1)).len(), 1);
    }

    #[test]
    fn a_serial_modem_send_with_flag_8192_promises_its_network_acknowledgement() {
        let sm = SlmVersion { sm: true, ..SlmVersion::new(1, 0, 1) };
        let of = |p: &str, v| {
            let params = split_params(p);
            promises_of("#XSEND", Some(Form::Set), &params, Some(v)).map(|p| p.urc).collect::<Vec<_>>()
        };
        assert_eq!(of("1,0,8192,\"Test notification\"", sm), vec!["#XSENDNTF"]);
        assert!(of("1,0,0,\"no ack asked\"", sm).is_empty());
        assert!(of("1,0,8192,\"x\"", SlmVersion::new(2, 9, 0)).is_empty(), "an SLM #XSEND has no such flag");
    }
}
