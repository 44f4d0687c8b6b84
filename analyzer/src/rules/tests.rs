//! Every finding id: one test that triggers it and one near miss that must not.

use crate::analysis::{Analysis, Options};
use crate::chunk::{Chunk, Condition, Dir, Record};
use crate::finding::Finding;
use crate::slm::SlmVersion;
use crate::timeline::{Config, EventKind};

const H: Dir = Dir::Host;
const M: Dir = Dir::Modem;

/// (seconds, side, bytes) steps → findings.
fn findings_with(steps: &[(f64, Dir, &[u8])], version: Option<SlmVersion>) -> Vec<Finding> {
    let opts = Options { decoder: Config { version, ..Default::default() }, ..Default::default() };
    let mut a = Analysis::new(opts);
    let mut out = Vec::new();
    let mut sink = |e: &crate::timeline::Event| {
        if let EventKind::Finding(f) = &e.kind {
            out.push(f.clone());
        }
    };
    for (t, d, b) in steps {
        a.push(&Record::Chunk(Chunk::bytes((t * 1e9) as i64, *d, b.to_vec())), &mut sink);
    }
    a.finish(&mut sink);
    out
}

fn findings(steps: &[(f64, Dir, &[u8])]) -> Vec<Finding> {
    findings_with(steps, None)
}

fn ids(f: &[Finding]) -> Vec<&str> {
    f.iter().map(|f| f.id.as_str()).collect()
}

fn has(f: &[Finding], id: &str) -> bool {
    f.iter().any(|x| x.id == id)
}

fn get<'a>(f: &'a [Finding], id: &str) -> &'a Finding {
    f.iter().find(|x| x.id == id).unwrap_or_else(|| panic!("no {id} in {:?}", ids(f)))
}

const BOOT: (f64, Dir, &[u8]) = (0.0, M, b"Ready\r\n");

#[test]
fn reset_unexpected_names_the_pending_command_and_the_garbage() {
    let f = findings(&[BOOT, (1.0, H, b"AT#XMQTTCON=0\r\n"), (3.0, M, b"\xc0\xff\x00Ready\r\n")]);
    let r = get(&f, "slm.reset.unexpected");
    assert!(r.message.contains("AT#XMQTTCON=0"), "{}", r.message);
    assert!(r.message.contains("c0 ff 00"), "{}", r.message);
}

#[test]
fn reset_after_xreset_sleep_or_at_boot_is_expected() {
    let f = findings(&[BOOT, (1.0, H, b"AT#XRESET\r\n"), (1.01, M, b"\r\nOK\r\n"), (3.0, M, b"Ready\r\n")]);
    assert!(!has(&f, "slm.reset.unexpected"), "{:?}", ids(&f));
    assert_eq!(f.iter().filter(|x| x.id == "slm.reset.expected").count(), 2);
    let f = findings(&[BOOT, (1.0, H, b"AT#XSLEEP=1\r\n"), (1.01, M, b"\r\nOK\r\n"), (30.0, M, b"Ready\r\n")]);
    assert!(!has(&f, "slm.reset.unexpected"), "{:?}", ids(&f));
}

#[test]
fn garbage_outside_any_item_is_reported_but_clean_lines_are_not() {
    let f = findings(&[BOOT, (1.0, M, b"\r\n\x00\x17\xfe\r\n")]);
    assert!(has(&f, "uart.garbage"));
    let f = findings(&[BOOT, (1.0, M, b"\r\n+CEREG: 1\r\n")]);
    assert!(!has(&f, "uart.garbage"));
}

#[test]
fn a_burst_of_framing_errors_suggests_a_baud_mismatch_and_one_does_not() {
    let mut a = Analysis::new(Options::default());
    let mut got = Vec::new();
    for i in 0..5 {
        a.push(&Record::Chunk(Chunk::condition(i * 10_000_000, M, Condition::Framing)), &mut |e| {
            if let EventKind::Finding(f) = &e.kind {
                got.push(f.id.clone());
            }
        });
    }
    assert!(got.contains(&"uart.baud-mismatch".to_string()), "{got:?}");
    let mut a = Analysis::new(Options::default());
    let mut got = Vec::new();
    a.push(&Record::Chunk(Chunk::condition(0, M, Condition::Framing)), &mut |e| {
        if let EventKind::Finding(f) = &e.kind {
            got.push(f.id.clone());
        }
    });
    assert!(got.is_empty());
}

#[test]
fn final_missing_after_the_timeout_but_not_before_it() {
    let f = findings(&[BOOT, (1.0, H, b"AT+CFUN?\r\n"), (20.0, M, b"\r\n+CEREG: 1\r\n")]);
    assert!(has(&f, "at.final.missing"), "{:?}", ids(&f));
    let f = findings(&[BOOT, (1.0, H, b"AT+CFUN?\r\n"), (2.0, M, b"\r\n+CEREG: 1\r\n")]);
    assert!(!has(&f, "at.final.missing"), "{:?}", ids(&f));
}

#[test]
fn final_late_beyond_the_documented_maximum() {
    let f = findings(&[BOOT, (1.0, H, b"AT+CFUN=1\r\n"), (9.0, M, b"\r\nOK\r\n")]);
    assert!(has(&f, "at.final.late"), "{:?}", ids(&f));
    let f = findings(&[BOOT, (1.0, H, b"AT#XMQTTCON=0\r\n"), (9.0, M, b"\r\n#XMQTTEVT: 1,0\r\n\r\nOK\r\n")]);
    assert!(!has(&f, "at.final.late"), "{:?}", ids(&f));
}

#[test]
fn final_unsolicited_when_nothing_is_pending() {
    let f = findings_with(&[BOOT, (1.0, M, b"\r\nOK\r\n")], Some(SlmVersion::new(2, 6, 0)));
    assert!(has(&f, "at.final.unsolicited"));
    let f = findings(&[BOOT, (1.0, H, b"AT\r\n"), (1.1, M, b"\r\nOK\r\n")]);
    assert!(!has(&f, "at.final.unsolicited"));
}

#[test]
fn urc_missing_for_mqtt_and_nrf_cloud_but_not_when_it_comes() {
    let f = findings(&[
        BOOT,
        (1.0, H, b"AT#XNRFCLOUD=1\r\n"),
        (3.0, M, b"\r\nOK\r\n"),
        (9.0, M, b"\r\n+CSCON: 0\r\n"),
        (60.0, H, b"AT\r\n"),
        (60.1, M, b"\r\nOK\r\n"),
    ]);
    let u = get(&f, "slm.urc.missing");
    assert!(u.message.contains("#XNRFCLOUD: 1"), "{}", u.message);
    assert!(u.help.contains("+CSCON: 0"), "{}", u.help);
    let f = findings(&[
        BOOT,
        (1.0, H, b"AT#XNRFCLOUD=1\r\n"),
        (3.0, M, b"\r\nOK\r\n"),
        (9.0, M, b"\r\n#XNRFCLOUD: 1,0\r\n"),
        (60.0, H, b"AT\r\n"),
        (60.1, M, b"\r\nOK\r\n"),
    ]);
    assert!(!has(&f, "slm.urc.missing"), "{:?}", ids(&f));
    // #XMQTTEVT: 1,0 may come before OK.
    let f = findings(&[
        BOOT,
        (1.0, H, b"AT#XMQTTCON=0\r\n"),
        (1.1, M, b"\r\n#XMQTTEVT: 1,0\r\n\r\nOK\r\n"),
        (90.0, H, b"AT\r\n"),
        (90.1, M, b"\r\nOK\r\n"),
    ]);
    assert!(!has(&f, "slm.urc.missing"), "{:?}", ids(&f));
}

#[test]
fn at_error_explains_cme_518_with_the_cfun_state() {
    let f = findings(&[
        BOOT,
        (1.0, H, b"AT+CFUN=1\r\n"),
        (1.1, M, b"\r\nOK\r\n"),
        (2.0, H, b"AT%KEYGEN=16842753,2,0\r\n"),
        (2.1, M, b"\r\n+CME ERROR: 518\r\n"),
    ]);
    let e = get(&f, "at.error");
    assert!(e.message.contains("AT+CFUN=4"), "{}", e.message);
    assert!(e.help.contains("AT+CFUN=1"), "{}", e.help);
    let f = findings(&[BOOT, (1.0, H, b"AT+CFUN=4\r\n"), (1.1, M, b"\r\nOK\r\n")]);
    assert!(!has(&f, "at.error"));
}

#[test]
fn pipelining_is_flagged_on_v21_but_not_on_v25() {
    let steps: &[(f64, Dir, &[u8])] = &[BOOT, (1.0, H, b"AT+CFUN=1\r\nAT+CEREG?\r\n"), (1.2, M, b"\r\nOK\r\n")];
    let f = findings(steps);
    assert!(has(&f, "slm.host.pipelined"));
    let f = findings_with(steps, Some(SlmVersion::new(2, 5, 0)));
    assert!(!has(&f, "slm.host.pipelined"));
}

#[test]
fn native_tls_mapping_is_explained_for_xcmng_tags_only() {
    let f = findings(&[
        BOOT,
        (1.0, H, b"AT#XCMNG=0,321,0,\"x\"\r\n"),
        (1.1, M, b"\r\nOK\r\n"),
        (2.0, H, b"AT%CMNG=1\r\n"),
        (2.1, M, b"\r\n%CMNG: 3210,0,\"AB\"\r\n\r\nOK\r\n"),
    ]);
    assert!(get(&f, "slm.tls.native-mapping").message.starts_with("3210 = native-TLS sec_tag 321, type 0"));
    let f = findings(&[
        BOOT,
        (2.0, H, b"AT%CMNG=1\r\n"),
        (2.1, M, b"\r\n%CMNG: 16842753,0,\"AB\"\r\n%CMNG: 42,0,\"CD\"\r\n\r\nOK\r\n"),
    ]);
    assert!(!has(&f, "slm.tls.native-mapping"), "{:?}", ids(&f));
}

#[test]
fn modem_tls_with_a_tag_written_only_through_xcmng_is_an_error() {
    let f = findings(&[
        BOOT,
        (1.0, H, b"AT#XCMNG=0,42,0,\"x\"\r\n"),
        (1.1, M, b"\r\nOK\r\n"),
        (2.0, H, b"AT#XMQTTCON=1,\"c\",\"\",\"\",\"b\",8883,42\r\n"),
    ]);
    assert!(has(&f, "slm.tls.modem-tag-unprovisioned"), "{:?}", ids(&f));
    let f = findings(&[
        BOOT,
        (1.0, H, b"AT%CMNG=0,42,0,\"x\"\r\n"),
        (1.1, M, b"\r\nOK\r\n"),
        (2.0, H, b"AT#XMQTTCON=1,\"c\",\"\",\"\",\"b\",8883,42\r\n"),
    ]);
    assert!(!has(&f, "slm.tls.modem-tag-unprovisioned"), "{:?}", ids(&f));
}

#[test]
fn datamode_traps_are_flagged() {
    // +++ with more bytes in the same burst (v2.1.x sends it as data).
    let f = findings(&[
        BOOT,
        (1.0, H, b"AT#XSEND\r\n"),
        (1.1, M, b"\r\nOK\r\n"),
        (2.0, H, b"abc+++AT\r\n"),
        (3.0, M, b"\r\n#XDATAMODE: 0\r\n"),
    ]);
    assert!(has(&f, "slm.datamode.terminator-not-last"), "{:?}", ids(&f));
    let f = findings(&[
        BOOT,
        (1.0, H, b"AT#XSEND\r\n"),
        (1.1, M, b"\r\nOK\r\n"),
        (2.0, H, b"abc"),
        (3.0, H, b"+++"),
        (3.1, M, b"\r\n#XDATAMODE: 0\r\n"),
    ]);
    assert!(!has(&f, "slm.datamode.terminator-not-last"), "{:?}", ids(&f));
    // Host data after an automatic exit.
    let f = findings(&[
        BOOT,
        (1.0, H, b"AT#XNRFCLOUD=2\r\n"),
        (1.1, M, b"\r\nOK\r\n"),
        (2.0, H, b"{\"x\":1}"),
        (2.1, M, b"\r\n#XDATAMODE: 0\r\n"),
        (2.5, H, b"+++AT+CFUN?\r\n"),
        (2.6, M, b"\r\nERROR\r\n"),
    ]);
    assert!(has(&f, "slm.datamode.data-after-exit"), "{:?}", ids(&f));
    // Near miss: the host waited for #XDATAMODE and sent a valid command.
    let f = findings(&[
        BOOT,
        (1.0, H, b"AT#XNRFCLOUD=2\r\n"),
        (1.1, M, b"\r\nOK\r\n"),
        (2.0, H, b"{\"x\":1}"),
        (2.1, M, b"\r\n#XDATAMODE: 0\r\n"),
        (2.5, H, b"AT+CFUN?\r\n"),
        (2.6, M, b"\r\n+CFUN: 1\r\n\r\nOK\r\n"),
    ]);
    assert!(!has(&f, "slm.datamode.data-after-exit"), "{:?}", ids(&f));
    // The SLM sending +++ (final SLM, remote close).
    let f = findings_with(
        &[
            BOOT,
            (1.0, H, b"AT#XSEND\r\n"),
            (1.1, M, b"\r\nOK\r\n"),
            (2.0, M, b"+++"),
            (2.5, H, b"+++"),
            (2.6, M, b"\r\n#XDATAMODE: -128\r\n"),
        ],
        Some(SlmVersion::new(2, 9, 0)),
    );
    assert!(has(&f, "slm.datamode.modem-terminator"), "{:?}", ids(&f));
    // Near miss: +++ inside the modem's received data, not at its end.
    let f = findings_with(
        &[
            BOOT,
            (1.0, H, b"AT#XSEND\r\n"),
            (1.1, M, b"\r\nOK\r\n"),
            (2.0, M, b"a+++b"),
            (2.5, H, b"+++"),
            (2.6, M, b"\r\n#XDATAMODE: 0\r\n"),
        ],
        Some(SlmVersion::new(2, 9, 0)),
    );
    assert!(!has(&f, "slm.datamode.modem-terminator"), "{:?}", ids(&f));
}

#[test]
fn severities_can_be_changed_or_turned_off() {
    let mut cfg = crate::rules::RuleConfig::default();
    cfg.add("slm.reset.*=off").unwrap();
    cfg.add("at.error=error").unwrap();
    assert_eq!(cfg.severity(crate::rules::FindingId::ResetUnexpected), None);
    assert_eq!(cfg.severity(crate::rules::FindingId::AtError), Some(crate::finding::Severity::Error));
    assert!(cfg.add("no.such.id=note").is_err());
    assert!(cfg.add("at.error=loud").is_err());
}

#[test]
fn a_capture_that_ends_before_a_promise_is_due_says_so_as_a_note() {
    let f = findings(&[BOOT, (1.0, H, b"AT#XMQTTSUB=\"t\",1\r\n"), (1.1, M, b"\r\nOK\r\n")]);
    let u = get(&f, "slm.urc.unconfirmed");
    assert!(u.message.contains("#XMQTTEVT: 7"), "{}", u.message);
    assert!(!has(&f, "slm.urc.missing"));
    let f = findings(&[BOOT, (1.0, H, b"AT#XMQTTSUB=\"t\",1\r\n"), (1.1, M, b"\r\nOK\r\n\r\n#XMQTTEVT: 7,0\r\n")]);
    assert!(!has(&f, "slm.urc.unconfirmed"));
}

#[test]
fn no_finding_quotes_a_secret() {
    let f = findings(&[
        BOOT,
        (1.0, H, b"AT+CFUN=1\r\n"),
        (1.1, M, b"\r\nOK\r\n"),
        (2.0, H, b"AT%CMNG=0,16842753,0,\"-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----\"\r\n"),
        (2.1, M, b"\r\n+CME ERROR: 518\r\n"),
    ]);
    let e = get(&f, "at.error");
    assert!(!e.message.contains("BEGIN") && e.message.contains("<redacted"), "{}", e.message);
    assert!(e.help.contains("AT+CFUN=1"), "the 518 cause names the earlier CFUN: {}", e.help);
}

#[test]
fn a_command_answered_after_an_idle_the_capture_missed_the_wake_of_is_not_lost() {
    let idle = [BOOT, (1.0, H, b"AT#XSLEEP=2\r\n" as &[u8]), (1.01, M, b"\r\nOK\r\n")];
    let mut lost = idle.to_vec();
    lost.extend([(5.0, H, b"AT+CESQ\r\n" as &[u8]), (9.0, M, b"Ready\r\n")]);
    let f = findings(&lost);
    assert!(has(&f, "slm.sleep.input-lost") && !has(&f, "at.final.missing"), "{:?}", ids(&f));
    let mut answered = idle.to_vec();
    answered.extend([(5.0, H, b"AT+CESQ\r\n" as &[u8]), (5.01, M, b"\r\n+CESQ: 99,99,255,255,31,62\r\n\r\nOK\r\n")]);
    let f = findings(&answered);
    assert!(!has(&f, "slm.sleep.input-lost"), "answered, so the SLM was awake: {:?}", ids(&f));
}

/// A CMUX session up to PPP running on DLCI 2 (`AT#XCMUX=1`, DLCIs 0–2 opened, `AT#XPPP=1`,
/// `#XPPP: 1,0,0`), then `ppp`: (seconds, side, PPP protocol, control packet) on DLCI 2.
fn ppp_session(ppp: &[(f64, Dir, u16, Vec<u8>)]) -> Vec<Finding> {
    use crate::cmux::encode;
    let uih = |d: Dir, dlci: u8, b: &[u8]| encode(dlci, d == H, 0xEF, b);
    let mut steps: Vec<(f64, Dir, Vec<u8>)> =
        vec![(0.0, H, b"AT#XCMUX=1\r\n".to_vec()), (0.1, M, b"\r\nOK\r\n".to_vec())];
    for (i, dlci) in [0u8, 1, 2].iter().enumerate() {
        let t = 0.2 + i as f64 * 0.01;
        steps.push((t, H, encode(*dlci, true, 0x3F, &[])));
        steps.push((t + 0.005, M, encode(*dlci, true, 0x73, &[])));
    }
    steps.push((0.5, H, uih(H, 1, b"AT#XPPP=1\r\n")));
    steps.push((0.6, M, uih(M, 1, b"\r\nOK\r\n")));
    steps.push((1.0, M, uih(M, 1, b"\r\n#XPPP: 1,0,0\r\n")));
    for (t, d, proto, packet) in ppp {
        steps.push((*t, *d, uih(*d, 2, &crate::ppp::encode(*proto, packet))));
    }
    let steps: Vec<(f64, Dir, &[u8])> = steps.iter().map(|(t, d, b)| (*t, *d, b.as_slice())).collect();
    findings_with(&steps, SlmVersion::parse("2.6.0"))
}

fn cp(code: u8, id: u8) -> Vec<u8> {
    vec![code, id, 0, 4]
}

#[test]
fn a_ppp_negotiation_that_never_completes() {
    use crate::ppp::LCP;
    // Configure-Requests every 3 s, never answered, for 33 s.
    let unanswered: Vec<_> = (0..12).map(|i| (2.0 + 3.0 * i as f64, H, LCP, cp(1, i + 1))).collect();
    let f = ppp_session(&unanswered);
    assert_eq!(ids(&f), ["ppp.negotiation-incomplete"], "{f:#?}");
    assert!(f[0].message.contains("no LCP Configure-Ack from the host"), "{}", f[0].message);
    // Near misses: the same for 9 s at the end of the capture (it may still complete), and a
    // negotiation that completes (LCP and IPCP acked both ways).
    assert_eq!(ids(&ppp_session(&unanswered[..4])), Vec::<&str>::new());
    let ok = [
        (2.0, H, LCP, cp(1, 1)),
        (2.1, M, LCP, cp(1, 1)),
        (2.2, M, LCP, cp(2, 1)),
        (2.3, H, LCP, cp(2, 1)),
        (2.4, H, crate::ppp::IPCP, cp(1, 1)),
        (2.5, M, crate::ppp::IPCP, cp(1, 1)),
        (2.6, M, crate::ppp::IPCP, cp(2, 1)),
        (2.7, H, crate::ppp::IPCP, cp(2, 1)),
    ];
    let mut long = ok.to_vec();
    long.push((40.0, H, LCP, cp(9, 2))); // an Echo-Request much later
    assert_eq!(ids(&ppp_session(&long)), Vec::<&str>::new());
}

#[test]
fn an_lcp_terminate_from_either_side_before_the_negotiation_ends() {
    use crate::ppp::LCP;
    let f = ppp_session(&[(2.0, H, LCP, cp(1, 1)), (2.1, M, LCP, cp(5, 7))]);
    assert_eq!(ids(&f), ["ppp.negotiation-incomplete", "ppp.terminated"], "{f:#?}");
    assert!(f[1].message.contains("from the modem"), "{}", f[1].message);
    // Before any PPP frame of the host, the modem's Terminate alone: no negotiation to miss.
    assert_eq!(ids(&ppp_session(&[(2.0, M, LCP, cp(5, 1))])), ["ppp.terminated"]);
}

const SMVER: (f64, Dir, &[u8]) = (2.0, M, b"\r\n#XSMVER: \"v1.0.1\",\"3.2.4\"\r\n\r\nOK\r\n");

#[test]
fn sm_dialect_is_said_once_with_how_commands_end() {
    let f = findings(&[BOOT, (1.99, H, b"AT#XSMVER\r"), SMVER, (3.0, H, b"AT\r"), (3.01, M, b"\r\nOK\r\n")]);
    assert_eq!(f.iter().filter(|x| x.id == "sm.dialect").count(), 1, "{:?}", ids(&f));
    let d = get(&f, "sm.dialect");
    assert!(d.message.contains("CR alone"), "{}", d.message);
    assert!(d.message.contains("1.0.1"), "{}", d.message);
    // Near miss: an SLM answering #XSLMVER is no Serial Modem.
    let f = findings(&[BOOT, (1.99, H, b"AT#XSLMVER\r\n"), (2.0, M, b"\r\n#XSLMVER: \"2.6.0\"\r\n\r\nOK\r\n")]);
    assert!(!has(&f, "sm.dialect"), "{:?}", ids(&f));
}

#[test]
fn an_slm_command_sent_before_the_serial_modem_shows_itself_is_said_then() {
    let f = findings(&[
        BOOT,
        (1.0, H, b"AT#XSLMVER\r"),
        (1.01, M, b"\r\nERROR\r\n"),
        (1.99, H, b"AT#XSMVER\r"),
        SMVER,
        (3.0, H, b"AT#XGPS=1,0,0,0\r"),
        (3.01, M, b"\r\nERROR\r\n"),
    ]);
    let said: Vec<_> = f.iter().filter(|x| x.id == "sm.slm-command").collect();
    assert_eq!(said.len(), 2, "{:?}", ids(&f));
    assert!(said.iter().any(|x| x.message.contains("AT#XSMVER")), "the successor is named");
    assert!(said.iter().any(|x| x.message.contains("AT#XGNSS")), "the successor is named");
    assert!(!has(&f, "slm.command.unsupported"), "said once, as sm.slm-command: {:?}", ids(&f));
    // Near miss: the same command on an SLM, and a Serial Modem command of the same name.
    let f = findings(&[BOOT, (1.0, H, b"AT#XSLMVER\r\n"), (1.01, M, b"\r\n#XSLMVER: \"2.6.0\"\r\n\r\nOK\r\n")]);
    assert!(!has(&f, "sm.slm-command"), "{:?}", ids(&f));
    let f = findings(&[
        BOOT,
        (1.99, H, b"AT#XSMVER\r"),
        SMVER,
        (3.0, H, b"AT#XSOCKET=1,1,0\r"),
        (3.02, M, b"\r\n#XSOCKET: 0,1,6\r\n\r\nOK\r\n"),
    ]);
    assert!(!has(&f, "sm.slm-command"), "{:?}", ids(&f));
    // A command the Serial Modem kept by name, sent in the SLM's form.
    let f = findings(&[
        BOOT,
        (1.99, H, b"AT#XSMVER\r"),
        SMVER,
        (3.0, H, b"AT#XSEND=\"hello\"\r"),
        (3.02, M, b"\r\nERROR\r\n"),
    ]);
    assert!(get(&f, "sm.slm-command").message.contains("AT#XSEND=<handle>,<mode>,<flags>"), "{:?}", ids(&f));
    let f =
        findings(&[BOOT, (1.99, H, b"AT#XSMVER\r"), SMVER, (3.0, H, b"AT#XSOCKET=0\r"), (3.02, M, b"\r\nERROR\r\n")]);
    assert!(get(&f, "sm.slm-command").message.contains("AT#XCLOSE"), "{:?}", ids(&f));
}

#[test]
fn an_lf_ended_command_on_a_cr_link_is_a_terminator_mismatch() {
    let f = findings(&[
        BOOT,
        (1.99, H, b"AT#XSMVER\r"),
        SMVER,
        (3.0, H, b"AT+CFUN?\n"),
        (5.0, H, b"AT+CEREG?\r"),
        (5.01, M, b"\r\nERROR\r\n"),
    ]);
    let m = get(&f, "sm.terminator-mismatch");
    assert!(m.message.contains("did not send AT+CFUN?"), "{}", m.message);
    assert!(!has(&f, "at.final.missing"), "the ERROR ends the glued line: {:?}", ids(&f));
    // Near miss: CR LF on the CR link (the LF is dropped), and an LF inside a quoted parameter.
    let f = findings(&[
        BOOT,
        (1.99, H, b"AT#XSMVER\r\n"),
        SMVER,
        (3.0, H, b"AT+CFUN?\r\n"),
        (3.01, M, b"\r\n+CFUN: 1\r\n\r\nOK\r\n"),
    ]);
    assert!(!has(&f, "sm.terminator-mismatch"), "{:?}", ids(&f));
    assert!(get(&f, "sm.dialect").message.contains("CR LF"));
    let f = findings(&[BOOT, (1.0, H, b"AT%CMNG=0,1,0,\"a\nb\"\r"), (1.01, M, b"\r\nOK\r\n")]);
    assert!(!has(&f, "sm.terminator-mismatch"), "{:?}", ids(&f));
}

#[test]
fn a_serial_modem_is_not_an_old_slm() {
    // +CME ERROR from an #X command came with SLM v2.7; the Serial Modem (v1.0) has it too.
    let f = findings(&[
        BOOT,
        (1.99, H, b"AT#XSMVER\r"),
        SMVER,
        (3.0, H, b"AT#XMQTTCON=1\r"),
        (3.01, M, b"\r\n+CME ERROR: 22\r\n"),
    ]);
    assert!(!has(&f, "slm.version.contradicted"), "{:?}", ids(&f));
    assert!(has(&f, "at.error"), "{:?}", ids(&f));
}
