//! Modem TLS: the services that run TLS in the modem with a sec_tag the host names, where that
//! sec_tag is in their parameters per release, and from which release a native-TLS build runs
//! them in the SLM instead.

/// Where a modem-TLS service takes its sec_tag from.
#[derive(Debug, Clone, Copy)]
pub enum SecTag {
    /// Always this tag (nRF Cloud: `CONFIG_NRF_CLOUD_SEC_TAG`).
    Fixed(i64),
    /// A parameter: (first version, index) rows, the newest that applies wins.
    Param(&'static [((u16, u16), usize)]),
}

/// A service that runs TLS in the modem with a sec_tag the host names (§5): the credentials must
/// be in modem storage at that tag, as the modem reads them.
#[derive(Debug, Clone, Copy)]
pub struct ModemTls {
    /// The command.
    pub command: &'static str,
    /// For messages.
    pub service: &'static str,
    /// The values of parameter 0 that connect.
    pub ops: &'static [i64],
    /// Where the sec_tag is.
    pub sec_tag: SecTag,
    /// The credential types the handshake needs.
    pub needs: &'static [i64],
    /// The version from which a native-TLS build runs this service in the SLM instead.
    pub native_from: Option<(u16, u16)>,
    /// The row applies only when parameter `.0` is `.1` (`#XSSOCKET` TLS vs DTLS).
    pub param_is: Option<(usize, i64)>,
}

impl ModemTls {
    /// The parameter index of the sec_tag in SLM `v`.
    pub fn sec_tag_index(&self, v: crate::slm::SlmVersion) -> Option<usize> {
        match self.sec_tag {
            SecTag::Fixed(_) => None,
            SecTag::Param(rows) => rows.iter().rev().find(|(since, _)| (v.major, v.minor) >= *since).map(|r| r.1),
        }
    }
}

/// The modem-TLS services (source: `slm_at_mqtt.c`, `slm_at_tcp_proxy.c`, `slm_at_udp_proxy.c`,
/// `slm_at_socket.c`, `nrf_cloud_transport.c` at each tag).
pub static MODEM_TLS: &[ModemTls] = &[
    ModemTls {
        command: "#XNRFCLOUD",
        service: "#XNRFCLOUD (nRF Cloud)",
        ops: &[1],
        sec_tag: SecTag::Fixed(16_842_753),
        needs: &[0, 1, 2],
        native_from: None,
        param_is: None,
    },
    ModemTls {
        command: "#XMQTTCON",
        service: "#XMQTTCON",
        ops: &[1, 2],
        // v2.6 moved the client id to #XMQTTCFG, so the sec_tag moved one place left.
        sec_tag: SecTag::Param(&[((0, 0), 6), ((2, 6), 5)]),
        needs: &[0],
        native_from: None,
        param_is: None,
    },
    ModemTls {
        command: "#XTCPCLI",
        service: "#XTCPCLI",
        ops: &[1, 2],
        sec_tag: SecTag::Param(&[((0, 0), 3)]),
        needs: &[0],
        // v2.6: a native-TLS build sets TLS_NATIVE on the proxy socket.
        native_from: Some((2, 6)),
        param_is: None,
    },
    ModemTls {
        command: "#XUDPCLI",
        service: "#XUDPCLI",
        ops: &[1, 2],
        sec_tag: SecTag::Param(&[((0, 0), 3)]),
        needs: &[0],
        // v2.6 still opens a modem DTLS socket (slm_at_udp_proxy.c); native DTLS came with v2.8.
        native_from: Some((2, 8)),
        param_is: None,
    },
    // #XSSOCKET=<op>,<type>,…: type 1 (TLS) is native from v2.6, type 2 (DTLS) from v2.8.
    ModemTls {
        command: "#XSSOCKET",
        service: "#XSSOCKET",
        ops: &[1, 2],
        sec_tag: SecTag::Param(&[((0, 0), 3)]),
        needs: &[0],
        // v2.1–v2.5 load the mapped credentials but open a modem-TLS socket with the raw tag.
        native_from: Some((2, 6)),
        param_is: Some((1, 1)),
    },
    ModemTls {
        command: "#XSSOCKET",
        service: "#XSSOCKET",
        ops: &[1, 2],
        sec_tag: SecTag::Param(&[((0, 0), 3)]),
        needs: &[0],
        native_from: Some((2, 8)),
        param_is: Some((1, 2)),
    },
];

/// The modem-TLS row a connecting command uses in SLM `v`, if any.
pub fn modem_tls(
    name: &str,
    params: &[crate::at::grammar::Param],
    v: crate::slm::SlmVersion,
) -> Option<&'static ModemTls> {
    let op = params.first().and_then(crate::at::grammar::Param::as_int)?;
    MODEM_TLS.iter().find(|r| {
        r.command.eq_ignore_ascii_case(name)
            && r.ops.contains(&op)
            && r.param_is
                .is_none_or(|(i, want)| params.get(i).and_then(crate::at::grammar::Param::as_int) == Some(want))
            && r.native_from.is_none_or(|n| !crate::slm::version::in_releases(v, Some(n), None))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::at::grammar::split_params;
    use crate::slm::SlmVersion;

    fn modem_tls_in(cmd: &str, params: &str, v: (u16, u16)) -> bool {
        modem_tls(cmd, &split_params(params), SlmVersion::new(v.0, v.1, 0)).is_some()
    }

    #[test]
    fn native_tls_takes_over_tls_at_v2_6_and_dtls_at_v2_8() {
        assert!(modem_tls_in("#XTCPCLI", "1,\"h\",443,42", (2, 5)));
        assert!(!modem_tls_in("#XTCPCLI", "1,\"h\",443,42", (2, 6)));
        assert!(modem_tls_in("#XUDPCLI", "1,\"h\",5684,42", (2, 6)), "v2.6 still opens a modem DTLS socket");
        assert!(!modem_tls_in("#XUDPCLI", "1,\"h\",5684,42", (2, 8)));
        assert!(!modem_tls_in("#XSSOCKET", "1,1,0,42", (2, 6)), "TLS (type 1) is native from v2.6");
        assert!(modem_tls_in("#XSSOCKET", "1,2,0,42", (2, 6)), "DTLS (type 2) only from v2.8");
        assert!(!modem_tls_in("#XSSOCKET", "1,2,0,42", (2, 8)));
    }
}
