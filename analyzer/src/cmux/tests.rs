//! The deframer against frames built by [`super::encode`], and the split-invariance property.

use super::*;
use proptest::prelude::*;

fn units(chunks: &[&[u8]]) -> Vec<Unit> {
    let mut d = Deframer::new();
    let mut out = Vec::new();
    for (i, c) in chunks.iter().enumerate() {
        d.push(i as i64, c);
        while let Some(u) = d.next_unit() {
            out.push(u);
        }
    }
    d.finish();
    while let Some(u) = d.next_unit() {
        out.push(u);
    }
    out
}

fn frames(us: &[Unit]) -> Vec<&Frame> {
    us.iter().filter_map(|u| if let Unit::Frame(f) = u { Some(f) } else { None }).collect()
}

#[test]
fn the_fcs_matches_the_27_010_examples() {
    // SABM on DLCI 0 with P set, as every CMUX start sends it: F9 03 3F 01 1C F9.
    assert_eq!(encode(0, true, 0x3F, &[]), vec![0xF9, 0x03, 0x3F, 0x01, 0x1C, 0xF9]);
    // Its UA: F9 03 73 01 D7 F9.
    assert_eq!(encode(0, true, 0x73, &[]), vec![0xF9, 0x03, 0x73, 0x01, 0xD7, 0xF9]);
}

#[test]
fn frames_sharing_flags_stray_bytes_and_a_bad_fcs() {
    let mut wire = b"OK\r\n".to_vec();
    wire.extend(encode(0, true, 0x3F, &[]));
    let uih = encode(1, true, 0xEF, b"AT\r");
    wire.extend(&uih[1..]); // the previous closing flag opens it
    let mut bad = encode(1, false, 0xEF, b"\r\nOK\r\n");
    let n = bad.len();
    bad[n - 2] ^= 0x55;
    wire.extend(bad);
    wire.extend(b"\r\nReady\r\n");
    let us = units(&[&wire]);
    let fs = frames(&us);
    assert_eq!(fs.len(), 3, "{us:?}");
    assert_eq!((fs[0].dlci, fs[0].kind(), fs[0].pf()), (0, FrameType::Sabm, true));
    assert_eq!((fs[1].dlci, fs[1].kind(), fs[1].info.as_slice()), (1, FrameType::Uih, &b"AT\r"[..]));
    assert!(fs[0].fcs_ok && fs[1].fcs_ok && !fs[2].fcs_ok);
    assert_eq!(us.first(), Some(&Unit::Stray(Stray { t0: 0, t1: 0, data: b"OK\r\n".to_vec() })));
    assert_eq!(us.last(), Some(&Unit::Stray(Stray { t0: 0, t1: 0, data: b"\r\nReady\r\n".to_vec() })));
}

#[test]
fn a_capture_that_starts_inside_a_frame_loses_bytes_not_step() {
    let payload: Vec<u8> = [0xF9, 0x07, 0xEF, 0x05, 0xF9, 0x41].repeat(3);
    let whole = encode(2, true, 0xEF, &payload);
    let mut wire = whole[5..].to_vec(); // cut in the middle of the information
    wire.extend(encode(2, true, 0xEF, b"hello"));
    let us = units(&[&wire]);
    let fs = frames(&us);
    assert_eq!(fs.len(), 1, "{us:?}");
    assert_eq!(fs[0].info, b"hello");
    assert!(fs[0].fcs_ok);
}

#[test]
fn control_messages_decode() {
    // MSC command for DLCI 1: type E3, length 2 (05), address 07, signals 0D.
    let m = control_messages(&[0xE3, 0x05, 0x07, 0x0D]).unwrap();
    assert_eq!(m, vec![ControlMessage { kind: ControlType::Msc, command: true, values: vec![0x07, 0x0D] }]);
    assert_eq!(control_messages(&[0xC3, 0x01]).unwrap()[0].kind, ControlType::Cld);
    assert_eq!(control_messages(&[0xE3, 0x09, 0x07]), None, "a length past the end");
}

/// A unit without its times: (dlci, control, information, FCS ok) of a frame, or stray bytes.
type Cut = (Option<(u8, u8, Vec<u8>, bool)>, Vec<u8>);

fn arb_wire() -> impl Strategy<Value = Vec<u8>> {
    let frame = (
        0u8..4,
        any::<bool>(),
        prop::sample::select(vec![0x3F, 0x73, 0xEF, 0xFF, 0x03, 0x53]),
        prop::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(|(d, cr, c, info)| encode(d, cr, c, &info));
    let junk = prop::collection::vec(any::<u8>(), 0..20);
    prop::collection::vec(prop_oneof![frame, junk], 0..12).prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn any_split_gives_the_same_units(
        wire in arb_wire(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..10)
    ) {
        let whole = units(&[&wire]);
        let chunks = crate::stray::cut_at(&wire, cuts.iter().map(|c| c.index(wire.len() + 1)).collect());
        // Times differ with the split; the cut does not.
        let strip = |us: Vec<Unit>| -> Vec<Cut> {
            us.into_iter().map(|u| match u {
                Unit::Frame(f) => (Some((f.dlci, f.control, f.info, f.fcs_ok)), Vec::new()),
                Unit::Stray(Stray { data, .. }) => (None, data),
            }).collect()
        };
        let split = units(&chunks);
        let total: usize = split.iter().map(|u| match u {
            Unit::Frame(f) => f.info.len(),
            Unit::Stray(Stray { data, .. }) => data.len(),
        }).sum();
        prop_assert!(total <= wire.len());
        prop_assert_eq!(strip(whole), strip(split));
    }
}
