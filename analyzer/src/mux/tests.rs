use super::*;
use crate::at::framer::Terminator;
use crate::cmux::encode;
use crate::timeline::event::CmuxDrop;
use crate::timeline::{Config, Event};

const SABM: u8 = 0x3F;
const UA: u8 = 0x73;
const UIH: u8 = 0xEF;

fn run(records: &[(i64, Dir, Vec<u8>)]) -> Vec<Event> {
    let mut link = Link::new(TimelineBuilder::new(Config { terminator: Terminator::Cr, version: None }));
    for (t, d, b) in records {
        link.push(&Record::Chunk(Chunk::bytes(*t, *d, b.clone())));
    }
    link.finish();
    link.builder_mut().drain().collect()
}

/// The host opens DLCI 0 and 1 (SABM, answered UA).
fn open_0_and_1(t: i64) -> Vec<(i64, Dir, Vec<u8>)> {
    vec![
        (t, Dir::Host, encode(0, true, SABM, &[])),
        (t + 1, Dir::Modem, encode(0, true, UA, &[])),
        (t + 2, Dir::Host, encode(1, true, SABM, &[])),
        (t + 3, Dir::Modem, encode(1, true, UA, &[])),
    ]
}

fn commands(ev: &[Event]) -> Vec<(String, Option<u8>)> {
    ev.iter()
        .filter_map(|e| match &e.kind {
            EventKind::Command { line, .. } => Some((line.escaped(), e.dlci)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_plain_capture_has_no_channel() {
    let ev = run(&[(0, Dir::Host, b"AT+CFUN?\r".to_vec()), (1, Dir::Modem, b"\r\n+CFUN: 1\r\n\r\nOK\r\n".to_vec())]);
    assert!(ev.iter().all(|e| e.dlci.is_none()));
    assert!(!ev.iter().any(|e| matches!(e.kind, EventKind::CmuxState { .. })));
    assert_eq!(commands(&ev), [("AT+CFUN?".to_string(), None)]);
}

#[test]
fn frames_right_after_the_ok_in_the_same_chunk_are_frames() {
    // The OK and, in the same chunk, a frame (a test message on DLCI 0, before it was opened).
    let mut modem = b"\r\nOK\r\n".to_vec();
    modem.extend(encode(0, false, UIH, &[0x23, 0x03, 0x55]));
    let mut recs = vec![(0, Dir::Host, b"AT#XCMUX=2\r".to_vec()), (1, Dir::Modem, modem)];
    recs.push((2, Dir::Host, encode(0, true, SABM, &[])));
    recs.push((2, Dir::Modem, encode(0, true, UA, &[])));
    recs.push((3, Dir::Host, encode(2, true, SABM, &[])));
    recs.push((4, Dir::Modem, encode(2, true, UA, &[])));
    recs.push((5, Dir::Host, encode(2, true, UIH, b"AT+CGMR\r")));
    recs.push((6, Dir::Modem, encode(2, false, UIH, b"\r\nmfw_nrf91x1_2.0.2\r\n\r\nOK\r\n")));
    let ev = run(&recs);
    let state = ev.iter().find_map(|e| match &e.kind {
        EventKind::CmuxState { up: true, at_channel, ppp_channel, .. } => Some((*at_channel, *ppp_channel)),
        _ => None,
    });
    assert_eq!(state, Some((2, 1)), "AT on the channel AT#XCMUX named, PPP on the other");
    let first = ev.iter().find(|e| matches!(&e.kind, EventKind::Cmux { .. }));
    assert!(
        matches!(first.map(|e| &e.kind), Some(EventKind::Cmux { frame, messages, dropped: Some(CmuxDrop::BeforeOpen), .. }) if frame == "UIH" && messages == &["Test command (1 bytes)"]),
        "{first:?}"
    );
    assert_eq!(commands(&ev), [("AT#XCMUX=2".to_string(), None), ("AT+CGMR".to_string(), Some(2))]);
    assert!(ev.iter().any(|e| matches!(&e.kind, EventKind::Exchange { name, status: crate::timeline::ExchangeStatus::Ok, .. } if name == "+CGMR")));
    assert!(!ev.iter().any(|e| matches!(e.kind, EventKind::Garbage { .. })), "{ev:#?}");
}

#[test]
fn a_ready_outside_frames_ends_the_mux_and_plain_at_follows() {
    let mut recs = vec![(0, Dir::Host, b"AT#XCMUX\r".to_vec()), (1, Dir::Modem, b"\r\nOK\r\n".to_vec())];
    recs.extend(open_0_and_1(10));
    let mut modem = b"\x00Ready\r\n".to_vec();
    modem.extend_from_slice(b"\r\nOK\r\n");
    recs.push((20, Dir::Host, b"AT\r".to_vec()));
    recs.push((21, Dir::Modem, modem));
    let ev = run(&recs);
    let down = ev.iter().position(|e| matches!(&e.kind, EventKind::CmuxState { up: false, why, .. } if why == "reset"));
    let reset = ev.iter().position(|e| matches!(e.kind, EventKind::Reset(_)));
    assert!(down.is_some() && reset.is_some() && down < reset, "{ev:#?}");
    // The host's plain AT after the reboot is outside frames while the mux was up: stray; the
    // OK after the Ready is plain again (no command pending: unsolicited).
    assert!(ev.iter().any(|e| matches!(e.kind, EventKind::Final { exchange: None, .. })), "{ev:#?}");
}

#[test]
fn dropped_frames_do_not_reach_the_at_channel() {
    let mut recs = vec![(0, Dir::Host, b"AT#XCMUX=1\r".to_vec()), (1, Dir::Modem, b"\r\nOK\r\n".to_vec())];
    recs.push((2, Dir::Host, encode(1, true, UIH, b"AT+CFUN?\r")));
    recs.extend(open_0_and_1(10));
    let mut bad = encode(1, true, UIH, b"AT+CGSN\r");
    let n = bad.len();
    bad[n - 2] ^= 0x55;
    recs.push((20, Dir::Host, bad));
    recs.push((21, Dir::Host, encode(3, true, UIH, b"AT+CGMR\r")));
    recs.push((22, Dir::Host, b"AT+CEREG?\r".to_vec()));
    recs.push((23, Dir::Host, encode(1, true, UIH, b"AT\r")));
    let ev = run(&recs);
    let drops: Vec<_> = ev
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Cmux { dropped: Some(d), .. } => Some((*d, e.dlci)),
            _ => None,
        })
        .collect();
    assert_eq!(drops, [(CmuxDrop::BeforeOpen, Some(1)), (CmuxDrop::Fcs, Some(1)), (CmuxDrop::UnopenedDlci, Some(3))]);
    assert!(ev.iter().any(|e| matches!(e.kind, EventKind::CmuxStray { plain_at: true, .. })));
    assert_eq!(commands(&ev), [("AT#XCMUX=1".to_string(), None), ("AT".to_string(), Some(1))]);
}

#[test]
fn a_capture_that_starts_inside_the_mux_is_taken_for_cmux() {
    let mut modem = b"5,1\r\n".to_vec();
    modem.push(0x12); // the cut frame's FCS
    modem.extend(encode(1, false, UIH, b"\r\n+CSCON: 0\r\n"));
    let recs = vec![
        (0, Dir::Modem, modem),
        (5, Dir::Host, encode(1, true, UIH, b"AT\r")),
        (6, Dir::Modem, encode(1, false, UIH, b"\r\nOK\r\n")),
    ];
    let ev = run(&recs);
    assert!(ev.iter().any(|e| matches!(&e.kind, EventKind::CmuxState { up: true, why, .. } if why == "capture")));
    assert_eq!(commands(&ev), [("AT".to_string(), Some(1))]);
    assert!(ev.iter().any(|e| matches!(&e.kind, EventKind::Urc { name, .. } if name == "+CSCON") && e.dlci == Some(1)));
    assert!(
        !ev.iter().any(|e| matches!(e.kind, EventKind::Cmux { dropped: Some(_), .. })),
        "every DLCI is taken for open"
    );
}

#[test]
fn ppp_on_its_channel_becomes_ppp_events() {
    let mut recs = vec![(0, Dir::Host, b"AT#XCMUX=1\r".to_vec()), (1, Dir::Modem, b"\r\nOK\r\n".to_vec())];
    recs.extend(open_0_and_1(10));
    recs.push((20, Dir::Host, encode(2, true, SABM, &[])));
    recs.push((21, Dir::Modem, encode(2, true, UA, &[])));
    let lcp = crate::ppp::encode(crate::ppp::LCP, &[1, 7, 0, 8, 1, 4, 0x05, 0x00]);
    // The PPP frame split over two CMUX frames.
    recs.push((30, Dir::Modem, encode(2, false, UIH, &lcp[..5])));
    recs.push((31, Dir::Modem, encode(2, false, UIH, &lcp[5..])));
    let ev = run(&recs);
    let ppp: Vec<_> = ev
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Ppp(p) => Some((e.dlci, p.protocol.clone(), p.code.clone(), p.id, p.options.clone(), p.fcs_ok)),
            _ => None,
        })
        .collect();
    assert_eq!(
        ppp,
        [(
            Some(2),
            "LCP".to_string(),
            Some("Configure-Request".to_string()),
            Some(7),
            vec!["MRU 1280".to_string()],
            true
        )]
    );
}

#[test]
fn at_xcmux_on_the_running_mux_moves_the_at_channel_after_its_ok() {
    let mut recs = vec![(0, Dir::Host, b"AT#XCMUX=1\r".to_vec()), (1, Dir::Modem, b"\r\nOK\r\n".to_vec())];
    recs.extend(open_0_and_1(10));
    recs.push((20, Dir::Host, encode(2, true, SABM, &[])));
    recs.push((21, Dir::Modem, encode(2, true, UA, &[])));
    recs.push((30, Dir::Host, encode(1, true, UIH, b"AT#XCMUX=2\r")));
    recs.push((31, Dir::Modem, encode(1, false, UIH, b"\r\nOK\r\n")));
    recs.push((40, Dir::Host, encode(2, true, UIH, b"AT+CFUN?\r")));
    recs.push((41, Dir::Modem, encode(2, false, UIH, b"\r\n+CFUN: 1\r\n\r\nOK\r\n")));
    let ev = run(&recs);
    let moved = ev.iter().find_map(|e| match &e.kind {
        EventKind::CmuxState { why, at_channel, ppp_channel, .. } if why == "at-channel" => {
            Some((*at_channel, *ppp_channel))
        }
        _ => None,
    });
    assert_eq!(moved, Some((2, 1)));
    assert_eq!(
        commands(&ev),
        [("AT#XCMUX=1".to_string(), None), ("AT#XCMUX=2".to_string(), Some(1)), ("AT+CFUN?".to_string(), Some(2))]
    );
    assert!(!ev.iter().any(|e| matches!(e.kind, EventKind::Ppp(_))), "DLCI 2 is AT now, not PPP");
}

#[test]
fn a_capture_of_the_serial_modems_own_ppp_uart_is_ppp_from_the_start() {
    use crate::ppp::{encode as ppp, IPCP, LCP};
    let recs = vec![
        (0, Dir::Host, ppp(LCP, &[1, 1, 0, 4])),
        (1, Dir::Modem, ppp(LCP, &[1, 1, 0, 8, 1, 4, 0x05, 0x00])),
        (2, Dir::Modem, ppp(LCP, &[2, 1, 0, 4])),
        (3, Dir::Host, ppp(IPCP, &[1, 1, 0, 10, 3, 6, 0, 0, 0, 0])),
    ];
    let ev = run(&recs);
    let ppp: Vec<_> = ev
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Ppp(p) => Some((e.dir, e.dlci, p.protocol.clone(), p.code.clone().unwrap_or_default())),
            _ => None,
        })
        .collect();
    assert_eq!(ppp.len(), 4, "{ev:#?}");
    assert_eq!(ppp[1], (Some(Dir::Modem), None, "LCP".to_string(), "Configure-Request".to_string()));
    assert_eq!(ppp[3].2, "IPCP");
    assert!(!ev.iter().any(|e| matches!(e.kind, EventKind::CmuxState { .. } | EventKind::Garbage { .. })), "{ev:#?}");
    // Near miss: a tilde in plain AT text is no PPP frame.
    let ev = run(&[(0, Dir::Host, b"AT+CGDCONT=0,\"IP\",\"a~b\"\r".to_vec()), (1, Dir::Modem, b"\r\nOK\r\n".to_vec())]);
    assert_eq!(commands(&ev).len(), 1);
    assert!(!ev.iter().any(|e| matches!(e.kind, EventKind::Ppp(_))));
}
