//! What a line of a crash dump says: Zephyr's fatal-error, fault and assertion texts, and the
//! modem library's fault line. Pure: one line's text in, one [`Part`] out.
//!
//! The texts, as Zephyr and nRF Connect SDK print them:
//!
//! * `arch/arm/core/cortex_m/fault.c`: `***** BUS FAULT *****` (also `HARD FAULT`, `MPU FAULT`,
//!   `USAGE FAULT`, `SECURE FAULT`, `Debug monitor exception`), the register dump
//!   `r3/a4:  0x… r12/ip:  0x… r14/lr:  0x…` and `Faulting instruction address (r15/pc): 0x…`;
//! * `kernel/fatal.c`: `>>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0` (reasons: CPU
//!   exception, Unhandled interrupt, Stack overflow, Kernel oops, Kernel panic), then
//!   `Current thread: 0x20012345 (mqtt_thread)` and `Halting system`;
//! * `lib/os/assert.c` and `__ASSERT`: `ASSERTION FAIL [expr] @ file:line` (printk), then the
//!   message on an indented line;
//! * `lib/nrf_modem_lib/fault.c` (module `nrf_modem`): `Modem error: 0x…, PC: 0x…`, when the SLM
//!   is built without its own modem fault handler (which prints `#XMODEM: FAULT` on the UART).

/// What one line contributes to a crash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// `***** BUS FAULT *****`: the fault's name (`BUS FAULT`).
    Fault(String),
    /// `>>> ZEPHYR FATAL ERROR n: reason`.
    Fatal {
        /// Zephyr's reason code (`K_ERR_*`).
        code: i64,
        /// Its words (`CPU exception`, `Stack overflow`, `Kernel panic`).
        reason: String,
    },
    /// `Current thread: 0x… (name)`.
    Thread(String),
    /// `Faulting instruction address (r15/pc): 0x…`.
    Pc(u32),
    /// The `r14/lr:` value of the register dump.
    Lr(u32),
    /// `ASSERTION FAIL [expr] @ file:line`: the text after `ASSERTION FAIL`.
    Assert(String),
    /// `Halting system`: the dump is complete.
    Halt,
    /// The modem library's fault handler: reason and the modem's PC.
    ModemFault {
        /// The modem's fault reason.
        reason: u32,
        /// The modem firmware's program counter.
        pc: u32,
    },
}

fn hex_after<'a>(s: &'a str, key: &str) -> Option<(u32, &'a str)> {
    let i = s.find(key)?;
    let r = s[i + key.len()..].trim_start();
    let r = r.strip_prefix("0x").or_else(|| r.strip_prefix("0X"))?;
    let n = r.bytes().take_while(u8::is_ascii_hexdigit).count();
    if n == 0 || n > 8 {
        return None;
    }
    Some((u32::from_str_radix(&r[..n], 16).ok()?, &r[n..]))
}

/// Classifies one line's message text.
pub fn classify(text: &str) -> Option<Part> {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix("***** ").and_then(|r| r.strip_suffix(" *****")) {
        let inner = inner.trim();
        if !inner.is_empty() && inner.len() <= 64 {
            return Some(Part::Fault(inner.to_string()));
        }
    }
    if let Some(r) = t.strip_prefix(">>> ZEPHYR FATAL ERROR ") {
        let n = r.bytes().take_while(|b| b.is_ascii_digit()).count();
        let code = r[..n].parse().unwrap_or(-1);
        let reason = r[n..].trim_start_matches(':').trim();
        let reason = reason.split(" on CPU").next().unwrap_or(reason).trim();
        return Some(Part::Fatal { code, reason: reason.to_string() });
    }
    if let Some(r) = t.strip_prefix("Current thread:") {
        let name = match (r.find('('), r.rfind(')')) {
            (Some(a), Some(b)) if b > a => r[a + 1..b].trim(),
            _ => r.trim(),
        };
        return Some(Part::Thread(name.to_string()));
    }
    if let Some((pc, _)) = hex_after(t, "Faulting instruction address (r15/pc):") {
        return Some(Part::Pc(pc));
    }
    if let Some((lr, _)) = hex_after(t, "r14/lr:") {
        return Some(Part::Lr(lr));
    }
    if let Some(r) = t.strip_prefix("ASSERTION FAIL") {
        return Some(Part::Assert(r.trim().to_string()));
    }
    if t == "Halting system" || t == "Halting system." {
        return Some(Part::Halt);
    }
    if let Some((reason, rest)) = hex_after(t, "Modem error:") {
        if let Some((pc, _)) = hex_after(rest, "PC:") {
            return Some(Part::ModemFault { reason, pc });
        }
    }
    None
}

impl Part {
    /// Whether this line starts a crash of the application (not the modem's fault).
    pub fn starts_crash(&self) -> bool {
        matches!(self, Part::Fault(_) | Part::Fatal { .. } | Part::Assert(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zephyr_fault_dump_lines() {
        assert_eq!(classify("***** BUS FAULT *****"), Some(Part::Fault("BUS FAULT".into())));
        assert_eq!(
            classify("***** Debug monitor exception *****"),
            Some(Part::Fault("Debug monitor exception".into()))
        );
        assert_eq!(
            classify(">>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0"),
            Some(Part::Fatal { code: 0, reason: "CPU exception".into() })
        );
        assert_eq!(
            classify(">>> ZEPHYR FATAL ERROR 2: Stack overflow"),
            Some(Part::Fatal { code: 2, reason: "Stack overflow".into() })
        );
        assert_eq!(classify("Current thread: 0x20014a30 (mqtt_thread)"), Some(Part::Thread("mqtt_thread".into())));
        assert_eq!(classify("Faulting instruction address (r15/pc): 0x0002a8c4"), Some(Part::Pc(0x2a8c4)));
        assert_eq!(classify("r3/a4:  0x00000000 r12/ip:  0x00000010 r14/lr:  0x0001f3b5"), Some(Part::Lr(0x1f3b5)));
        assert_eq!(classify("Halting system"), Some(Part::Halt));
        assert_eq!(
            classify("ASSERTION FAIL [err == 0] @ WEST_TOPDIR/zephyr/kernel/sem.c:42"),
            Some(Part::Assert("[err == 0] @ WEST_TOPDIR/zephyr/kernel/sem.c:42".into()))
        );
    }

    #[test]
    fn the_modem_library_fault_line() {
        assert_eq!(classify("Modem error: 0x1, PC: 0x5a3c2"), Some(Part::ModemFault { reason: 1, pc: 0x5a3c2 }));
        assert_eq!(classify("Modem error: 0x1"), None);
    }

    #[test]
    fn ordinary_lines_are_no_crash() {
        assert_eq!(classify("mqtt_connect: -111"), None);
        assert_eq!(classify("***** *****"), None);
        assert_eq!(classify("Faulting instruction address (r15/pc): 0xZZ"), None);
    }
}
