//! The framers against hand-made byte streams, and the split-invariance property.

use super::*;

fn host_lines(term: Terminator, input: &[u8]) -> Vec<Vec<u8>> {
    let mut f = HostFramer::new(term);
    input.iter().filter_map(|&b| f.push_byte(0, b)).map(|l| l.text).collect()
}

#[test]
fn bulk_feeding_cuts_the_same_lines_as_byte_by_byte() {
    let mut input = b"AT+CFUN=1\r\nAT%CMNG=0,1,0,\"a\r\nb\"\r\nATX\x08\x7f+X?\r\n".to_vec();
    input.extend(std::iter::repeat_n(b'A', MAX_HOST_LINE + 7));
    input.extend_from_slice(b"\r\nAT\r");
    for term in [Terminator::Auto, Terminator::CrLf, Terminator::Cr, Terminator::Lf] {
        let one = host_lines(term, &input);
        let mut f = HostFramer::new(term);
        let mut bulk = Vec::new();
        let mut rest = &input[..];
        while !rest.is_empty() {
            let (l, n) = f.push_until_line(0, rest);
            bulk.extend(l.map(|l| l.text));
            rest = &rest[n..];
        }
        assert_eq!(bulk, one, "{term:?}");
    }
}

#[test]
fn host_terminators_inside_quotes_do_not_end_the_command() {
    let pem = b"AT%CMNG=0,16842753,0,\"-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----\"\r\nAT\r\n";
    let lines = host_lines(Terminator::CrLf, pem);
    assert_eq!(lines.len(), 2);
    assert!(lines[0].ends_with(b"CERTIFICATE-----\""));
    assert_eq!(lines[1], b"AT");
}

#[test]
fn a_lone_cr_or_lf_is_part_of_the_command_in_crlf_mode() {
    assert_eq!(host_lines(Terminator::CrLf, b"AT\rX\nY\r\n"), vec![b"AT\rX\nY".to_vec()]);
    assert_eq!(host_lines(Terminator::Cr, b"AT\rAT+CFUN?\r"), vec![b"AT".to_vec(), b"AT+CFUN?".to_vec()]);
}

#[test]
fn auto_ends_lines_at_cr_and_drops_the_lf_of_cr_lf() {
    let mut f = HostFramer::new(Terminator::Auto);
    let lines: Vec<_> =
        b"AT#XSMVER\rAT+CFUN?\r\nAT\r".iter().filter_map(|&b| f.push_byte(0, b)).map(|l| l.text).collect();
    assert_eq!(lines, vec![b"AT#XSMVER".to_vec(), b"AT+CFUN?".to_vec(), b"AT".to_vec()]);
    let seen = f.terminator_seen();
    assert_eq!((seen.effective, seen.cr_alone, seen.cr_then_lf), (Some(Terminator::Cr), 2, 1));
}

#[test]
fn auto_keeps_a_bare_lf_inside_the_line_of_a_cr_link() {
    // The Serial Modem's CR build stores the LF and sends the glued line at the next CR.
    assert_eq!(
        host_lines(Terminator::Auto, b"AT\rAT+CFUN?\nAT+CEREG?\r"),
        vec![b"AT".to_vec(), b"AT+CFUN?\nAT+CEREG?".to_vec()]
    );
}

#[test]
fn auto_learns_an_lf_link_from_its_first_line() {
    let mut f = HostFramer::new(Terminator::Auto);
    let lines: Vec<_> = b"\nAT\nAT+CFUN?\n".iter().filter_map(|&b| f.push_byte(0, b)).map(|l| l.text).collect();
    assert_eq!(lines, vec![b"AT".to_vec(), b"AT+CFUN?".to_vec()]);
    assert_eq!(f.terminator_seen().effective, Some(Terminator::Lf));
}

#[test]
fn backspace_and_del_edit_the_line() {
    assert_eq!(host_lines(Terminator::CrLf, b"ATX\x08+CFUN?Z\x7f\r\n"), vec![b"AT+CFUN?".to_vec()]);
}

#[test]
fn an_overlong_host_line_is_cut_and_marked() {
    let mut f = HostFramer::new(Terminator::CrLf);
    let mut out = Vec::new();
    for _ in 0..MAX_HOST_LINE + 10 {
        out.extend(f.push_byte(0, b'A'));
    }
    assert_eq!(out.len(), 1);
    assert!(out[0].overflow);
}

fn modem_units(chunks: &[&[u8]]) -> Vec<ModemUnit> {
    let mut f = ModemFramer::default();
    let mut out = Vec::new();
    for (i, c) in chunks.iter().enumerate() {
        f.push(i as i64, c);
        while let Some(u) = f.next_unit() {
            out.push(u);
        }
    }
    out
}

fn texts(units: &[ModemUnit]) -> Vec<String> {
    units
        .iter()
        .map(|u| match u {
            ModemUnit::Line { .. } => String::from_utf8_lossy(u.text().expect("a line")).into_owned(),
            ModemUnit::Bytes { bytes, .. } => format!("<{}>", String::from_utf8_lossy(bytes)),
        })
        .collect()
}

#[test]
fn modem_lines_skip_blank_lines_and_keep_their_bytes() {
    let u = modem_units(&[b"Ready\r\n\r\n+CFUN: 1\r\n\r\nO", b"K\r\n"]);
    assert_eq!(texts(&u), vec!["Ready", "+CFUN: 1", "OK"]);
    let ModemUnit::Line { raw, lead, t0, t1, .. } = &u[2] else { panic!() };
    assert_eq!((raw.as_slice(), *lead, *t0, *t1), (&b"\r\nOK\r\n"[..], 2, 0, 1));
}

#[test]
fn cmng_content_with_crlf_inside_quotes_is_one_line() {
    let u = modem_units(&[b"%CMNG: 12,0,\"\",\"-----BEGIN\r\nX\r\n-----END\"\r\n\r\nOK\r\n"]);
    assert_eq!(texts(&u).len(), 2);
}

#[test]
fn an_announced_payload_is_taken_whole_even_if_it_holds_crlf_ok() {
    let mut f = ModemFramer::default();
    f.push(0, b"\r\n#XRECV: 8\r\nab\r\nOK\r\n\r\nOK\r\n");
    assert_eq!(f.next_unit().unwrap().text(), Some(&b"#XRECV: 8"[..]));
    f.expect_payload(8);
    assert_eq!(f.next_unit(), Some(ModemUnit::Bytes { t0: 0, t1: 0, bytes: b"ab\r\nOK\r\n".to_vec() }));
    assert_eq!(f.next_unit().unwrap().text(), Some(&b"OK"[..]));
}

#[test]
fn data_mode_cuts_only_slm_lines_out_of_raw_bytes() {
    let mut f = ModemFramer::default();
    f.set_data_mode(true);
    f.push(0, b"OK\r\nAT+X\r\n\r\n#XDATAMODE: 0\r\n");
    let mut out = Vec::new();
    while let Some(u) = f.next_unit() {
        out.push(u);
    }
    assert_eq!(texts(&out), vec!["<OK\r\nAT+X\r\n>", "#XDATAMODE: 0"]);
}
