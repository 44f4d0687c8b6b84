//! Unit tests of the session rules, one behaviour each.

use super::*;
use crate::chunk::Chunk;

fn run(recs: &[(i64, Dir, &[u8])], cfg: Config) -> Vec<Event> {
    let mut b = TimelineBuilder::new(cfg);
    let mut out = Vec::new();
    for (t, d, bytes) in recs {
        b.push(&Record::Chunk(Chunk::bytes(*t, *d, bytes.to_vec())));
        out.extend(b.drain());
    }
    b.finish();
    out.extend(b.drain());
    out
}

fn kinds(ev: &[Event]) -> Vec<String> {
    ev.iter()
        .map(|e| match &e.kind {
            EventKind::Command { line, .. } => format!("cmd {}", line.escaped()),
            EventKind::Info { line, .. } => format!("info {}", line.escaped()),
            EventKind::Final { exchange, result, .. } => format!("final {result} {exchange:?}"),
            EventKind::Urc { line, .. } => format!("urc {}", line.escaped()),
            EventKind::Text { line } => format!("text {}", line.escaped()),
            EventKind::Payload { owner, data, .. } => format!("payload {owner} {}", data.escaped()),
            EventKind::Garbage { data, .. } => format!("garbage {}", hex(&data.0)),
            EventKind::Reset(r) => format!("reset {:?}", r.aborted),
            EventKind::DataMode { enter, .. } => format!("datamode {enter}"),
            EventKind::Exchange { id, status, .. } => format!("exchange {id} {status:?}"),
            other => other.type_name().to_string(),
        })
        .collect()
}

use crate::timeline::event::hex;

const H: Dir = Dir::Host;
const M: Dir = Dir::Modem;

#[test]
fn a_command_its_information_and_its_ok_form_one_exchange() {
    let ev = run(&[(0, H, b"AT+CFUN?\r\n"), (10, M, b"\r\n+CFUN: 1\r\n\r\nOK\r\n")], Config::default());
    assert_eq!(kinds(&ev), vec!["cmd AT+CFUN?", "info +CFUN: 1", "final OK Some(1)", "exchange 1 Ok"]);
}

#[test]
fn a_prefixed_line_after_the_final_result_is_a_urc() {
    let ev = run(
        &[(0, H, b"AT#XGPS=1,0\r\n"), (10, M, b"\r\n#XGPS: 1,1\r\n\r\nOK\r\n\r\n#XGPS: 1,4\r\n")],
        Config::default(),
    );
    assert_eq!(kinds(&ev)[1], "info #XGPS: 1,1");
    assert_eq!(kinds(&ev)[4], "urc #XGPS: 1,4");
}

#[test]
fn an_xrecv_payload_holding_ok_does_not_end_the_exchange() {
    let ev = run(
        &[(0, H, b"AT#XRECV=10\r\n"), (10, M, b"\r\n#XRECV: 6\r\nOK\r\nOK"), (20, M, b"\r\nOK\r\n")],
        Config::default(),
    );
    assert_eq!(
        kinds(&ev),
        vec!["cmd AT#XRECV=10", "info #XRECV: 6", "payload #XRECV OK\\r\\nOK", "final OK Some(1)", "exchange 1 Ok"]
    );
    assert_eq!(ev[3].t_ns, 20, "the exchange ends at the real OK");
}

#[test]
fn an_mqtt_message_carries_topic_and_payload() {
    let ev = run(&[(0, M, b"\r\n#XMQTTMSG: 3,4\r\nt/a\r\nOK\r\n\r\n\r\n#XMQTTEVT: 2,0\r\n")], Config::default());
    assert_eq!(
        kinds(&ev),
        vec!["urc #XMQTTMSG: 3,4", "payload #XMQTTMSG topic t/a", "payload #XMQTTMSG OK\\r\\n", "urc #XMQTTEVT: 2,0"]
    );
}

#[test]
fn data_mode_payload_never_yields_commands() {
    let ev = run(
        &[
            (0, H, b"AT#XSEND\r\n"),
            (10, M, b"\r\nOK\r\n"),
            (20, H, b"AT+CFUN=0\r\nAT#XRESET\r\n"),
            (30, H, b"+++"),
            (40, M, b"\r\n#XDATAMODE: 0\r\n"),
            (50, H, b"AT\r\n"),
        ],
        Config::default(),
    );
    let k = kinds(&ev);
    assert_eq!(k.iter().filter(|k| k.starts_with("cmd")).count(), 2, "{k:?}");
    assert!(k.contains(&"payload data mode AT+CFUN=0\\r\\nAT#XRESET\\r\\n".to_string()), "{k:?}");
}

#[test]
fn v22_and_later_parse_bytes_after_the_terminator_as_commands() {
    let cfg = Config { version: Some(SlmVersion::new(2, 5, 0)), ..Default::default() };
    let ev = run(&[(0, H, b"AT#XSEND\r\n"), (10, M, b"\r\nOK\r\n"), (20, H, b"hello+++AT+CFUN?\r\n")], cfg);
    let k = kinds(&ev);
    assert!(k.contains(&"payload data mode hello".to_string()), "{k:?}");
    assert!(k.contains(&"cmd AT+CFUN?".to_string()), "{k:?}");
}

#[test]
fn ready_after_garbage_is_a_reset_that_aborts_the_pending_command() {
    let ev = run(&[(0, H, b"AT#XMQTTCON=0\r\n"), (10, M, b"\xc0\xff\x00Ready\r\n")], Config::default());
    assert_eq!(kinds(&ev), vec!["cmd AT#XMQTTCON=0", "reset [1]", "exchange 1 Aborted"]);
    let EventKind::Reset(r) = &ev[1].kind else { panic!() };
    assert_eq!(r.garbage.0, vec![0xc0, 0xff, 0x00]);
}

#[test]
fn garbage_before_an_at_line_is_split_off() {
    let ev = run(&[(0, M, b"\xff\xfe+CEREG: 1\r\n")], Config::default());
    assert_eq!(kinds(&ev), vec!["garbage ff fe", "urc +CEREG: 1"]);
}

#[test]
fn a_final_result_with_nothing_pending_is_unsolicited_and_cms_524_is_a_urc() {
    let cfg = Config { version: Some(SlmVersion::new(2, 6, 0)), ..Default::default() };
    let ev = run(&[(0, M, b"\r\nOK\r\n\r\n+CMS ERROR: 524\r\n")], cfg);
    assert_eq!(kinds(&ev), vec!["final OK None", "urc +CMS ERROR: 524"]);
}

#[test]
fn v21_tcp_data_before_its_trailer_is_payload_even_with_ok_inside() {
    let ev = run(&[(0, M, b"hi\r\nOK\r\n\r\n#XTCPDATA: 8\r\n")], Config::default());
    assert_eq!(kinds(&ev), vec!["payload #XTCPDATA hi\\r\\nOK\\r\\n", "urc #XTCPDATA: 8"]);
}

#[test]
fn v23_tcp_data_follows_its_header() {
    let cfg = Config { version: Some(SlmVersion::new(2, 3, 0)), ..Default::default() };
    let ev = run(&[(0, M, b"\r\n#XTCPDATA: 4\r\nOK\r\n")], cfg);
    assert_eq!(kinds(&ev), vec!["urc #XTCPDATA: 4", "payload #XTCPDATA OK\\r\\n"]);
}

#[test]
fn a_command_without_a_final_result_stays_open() {
    let ev = run(&[(0, H, b"AT+COPS=?\r\n")], Config::default());
    assert_eq!(kinds(&ev), vec!["cmd AT+COPS=?", "exchange 1 Open"]);
}

#[test]
fn a_command_sent_while_another_is_pending_names_it() {
    let ev = run(&[(0, H, b"AT+CFUN=1\r\nAT+CEREG?\r\n")], Config::default());
    let EventKind::Command { pending, .. } = &ev[1].kind else { panic!() };
    assert_eq!(pending, &vec![1]);
}

#[test]
fn slmver_sets_the_version() {
    let mut b = TimelineBuilder::new(Config::default());
    b.push(&Record::Chunk(Chunk::bytes(0, H, b"AT#XSLMVER\r\n".to_vec())));
    b.push(&Record::Chunk(Chunk::bytes(1, M, b"\r\n#XSLMVER: \"2.6.0\",\"2.6.0\"\r\n\r\nOK\r\n".to_vec())));
    assert_eq!(b.version(), SlmVersion::new(2, 6, 0));
    assert!(b.version_known());
}

#[test]
fn the_pdu_line_after_cmt_belongs_to_it_and_only_that_line() {
    let ev = run(
        &[
            (0, M, b"\r\n+CMT: \"+4670\",3\r\n0791AB\r\n"),
            (10, M, b"\r\n+CMT: \"+4670\",3\r\n\r\n+CEREG: 1\r\n0791AB\r\n"),
        ],
        Config::default(),
    );
    assert_eq!(
        kinds(&ev),
        vec![
            "urc +CMT: \"+4670\",3",
            "payload +CMT PDU 0791AB",
            "urc +CMT: \"+4670\",3",
            "urc +CEREG: 1",
            "text 0791AB"
        ]
    );
}

#[test]
fn a_ready_inside_an_http_response_body_is_payload_for_its_trailer() {
    let cfg = Config { version: Some(SlmVersion::new(2, 6, 0)), ..Default::default() };
    let ev = run(
        &[
            (0, H, b"AT#XHTTPCREQ=\"GET\",\"/\"\r\n"),
            (10, M, b"\r\nOK\r\n\r\n#XHTTPCREQ: 0\r\n"),
            (20, M, b"HTTP/1.1 200 OK\r\n\r\n"),
            (30, M, b"\r\n#XHTTPCRSP:19,0\r\n"),
            (40, M, b"a\r\nOK\r\nRe"),
            (90, M, b"ady\r\n"),
            (100, M, b"\r\n#XHTTPCRSP:14,1\r\n"),
        ],
        cfg,
    );
    assert!(!kinds(&ev).iter().any(|k| k.starts_with("reset") || k.starts_with("final OK None")), "{:?}", kinds(&ev));
    assert!(kinds(&ev).contains(&"payload #XHTTPCRSP a\\r\\nOK\\r\\nReady\\r\\n".to_string()), "{:?}", kinds(&ev));
}

#[test]
fn bytes_before_a_trailers_region_are_kept_even_inside_a_line() {
    let cfg = Config { version: Some(SlmVersion::new(2, 6, 0)), ..Default::default() };
    let ev = run(
        &[
            (0, H, b"AT#XHTTPCREQ=\"GET\",\"/\"\r\n"),
            (10, M, b"\r\nOK\r\n\r\n#XHTTPCREQ: 0\r\n"),
            (20, M, b"xyzBODY\r\n"),
            (30, M, b"\r\n#XHTTPCRSP:6,1\r\n"),
        ],
        cfg,
    );
    let k = kinds(&ev);
    assert!(k.contains(&"text xyz".to_string()) && k.contains(&"payload #XHTTPCRSP BODY\\r\\n".to_string()), "{k:?}");
}
