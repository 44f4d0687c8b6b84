//! Firmware symbols against the GNU Arm toolchain: small C and C++ files are compiled for the
//! nRF9160's Cortex-M33 at test time, and atscope's frames for their addresses are compared with
//! what `arm-none-eabi-addr2line -f -i` (the oracle) prints. Damaged and hostile files must give
//! typed errors.
//!
//! ```sh
//! apt-get install -y gcc-arm-none-eabi binutils-arm-none-eabi   # the compiler and the oracle
//! cargo nextest run -p atscope-analyzer --test symbols
//! ```

#[path = "../../tests/support/need.rs"]
mod need;

use std::path::{Path, PathBuf};
use std::process::Command;

use atscope_analyzer::symbols::{call_site, Frame, Symbols, SymbolsError, MAX_ELF_BYTES};
use object::{Object as _, ObjectSection as _};

/// A function (`work`), a static one (`helper`), a function inlined into it (`scale`), and a
/// caller whose calls are on lines of their own (`twice_called`, for the return-address case).
const C_SOURCE: &str = r#"volatile int sink;

static inline __attribute__((always_inline)) int scale(int x)
{
	int y = x * 3;
	sink = y;
	return y + 1;
}

static __attribute__((noinline)) int helper(int a)
{
	sink = a;
	return scale(a) ^ 5;
}

int work(int n)
{
	int acc = 0;
	for (int i = 0; i < n; i++) {
		acc += helper(i);
	}
	return acc;
}

__attribute__((noinline)) void first(void)
{
	sink = 1;
}

__attribute__((noinline)) void second(void)
{
	sink = 2;
}

void twice_called(void)
{
	first();
	second();
}

void _start(void)
{
	sink = work(sink);
	twice_called();
	for (;;) {
	}
}
"#;

/// The line of `first();` in [`C_SOURCE`], and of `second();` after it.
const FIRST_CALL_LINE: u32 = 37;

/// Compiles `source` (named `name`, C or C++ by its extension) for the Cortex-M33 with `flags`
/// added to `-O1 -mcpu=cortex-m33 -mthumb`, into `dir`; returns the ELF.
fn compile(dir: &Path, name: &str, source: &str, flags: &[&str]) -> PathBuf {
    let src = dir.join(name);
    std::fs::write(&src, source).unwrap();
    let elf = dir.join(format!("{name}{}.elf", flags.join("").replace(['-', '='], "")));
    let cc = if name.ends_with(".cpp") { "arm-none-eabi-g++" } else { "arm-none-eabi-gcc" };
    let out = Command::new(cc)
        .args(["-O1", "-mcpu=cortex-m33", "-mthumb", "-nostdlib", "-ffreestanding"])
        .args(flags)
        .arg("-o")
        .arg(&elf)
        .arg(&src)
        .output()
        .unwrap();
    assert!(out.status.success(), "{cc} failed: {}", String::from_utf8_lossy(&out.stderr));
    elf
}

/// What addr2line prints for one address: (function, file, line) per frame, innermost first,
/// with `??` and 0 for what it does not know.
type Oracle = Vec<(String, String, u32)>;

/// `arm-none-eabi-addr2line -a -f -i [-C] -e ELF ADDR…`, parsed per address.
fn oracle(elf: &Path, addrs: &[u64], demangle: bool) -> Vec<Oracle> {
    let mut cmd = Command::new("arm-none-eabi-addr2line");
    cmd.args(["-a", "-f", "-i"]);
    if demangle {
        cmd.arg("-C");
    }
    let out = cmd.arg("-e").arg(elf).args(addrs.iter().map(|a| format!("{a:#x}"))).output().unwrap();
    assert!(out.status.success(), "addr2line: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut result: Vec<Oracle> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(l) = lines.next() {
        if l.starts_with("0x") {
            result.push(Vec::new());
            continue;
        }
        let function = l.to_string();
        let loc = lines.next().expect("a location line after the function line");
        // `file:line`, `file:line (discriminator 3)`, `??:0`, `file:?`.
        let loc = loc.split(" (discriminator").next().unwrap();
        let (file, line) = loc.rsplit_once(':').unwrap();
        result.last_mut().unwrap().push((function, file.to_string(), line.parse().unwrap_or(0)));
    }
    assert_eq!(result.len(), addrs.len(), "{text}");
    result
}

/// atscope's frames in the oracle's terms (no frame: addr2line's `?? ??:0`).
fn ours(frames: &[Frame]) -> Oracle {
    if frames.is_empty() {
        return vec![("??".into(), "??".into(), 0)];
    }
    frames
        .iter()
        .map(|f| {
            (f.function.clone().unwrap_or("??".into()), f.file.clone().unwrap_or("??".into()), f.line.unwrap_or(0))
        })
        .collect()
}

/// Every halfword of `.text` (Thumb instructions are halfword-aligned).
fn probe_addresses(elf: &Path) -> Vec<u64> {
    let bytes = std::fs::read(elf).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    let text = file.section_by_name(".text").unwrap();
    (text.address()..text.address() + text.size()).step_by(2).collect()
}

#[test]
fn every_code_address_resolves_as_addr2line_does() {
    let Some(()) = need::arm_toolchain() else { return };
    let dir = tempfile::tempdir().unwrap();
    // DWARF 5 is what GCC 11 and later (the Zephyr SDK's too) write by default; older NCS
    // toolchains wrote DWARF 4.
    for dwarf in ["-gdwarf-4", "-gdwarf-5"] {
        let elf = compile(dir.path(), "slm.c", C_SOURCE, &[dwarf]);
        let symbols = Symbols::open(&elf).unwrap();
        assert!(symbols.is_thumb());
        let addrs = probe_addresses(&elf);
        let expected = oracle(&elf, &addrs, false);
        let mut inlined = 0;
        for (addr, want) in addrs.iter().zip(&expected) {
            let frames = symbols.frames(*addr);
            assert_eq!(ours(&frames), *want, "{dwarf} at {addr:#x}");
            // The Thumb bit of a PC or LR from a fault dump changes nothing.
            assert_eq!(symbols.frames(addr | 1), frames, "{dwarf} at {addr:#x} with bit 0 set");
            if frames.len() > 1 {
                inlined += 1;
                assert!(frames[..frames.len() - 1].iter().all(|f| f.inlined) && !frames.last().unwrap().inlined);
            }
        }
        assert!(inlined > 0, "{dwarf}: no address with an inlined function, the test source no longer tests inlining");
        // Outside the code (zero, the data after it, the top of the address space) there is no
        // frame. (addr2line falls back to the nearest symbol there, `__bss_start__` and the
        // like; frames come from the debug info only, `describe` uses sized function symbols.)
        let end = *addrs.last().unwrap() + 2;
        for outside in [0, end + 0x1000, 0xffff_fffe] {
            assert_eq!(symbols.frames(outside), [], "{dwarf} at {outside:#x}");
        }
    }
}

/// The address of the first instruction whose frames are `functions` (innermost first).
fn address_of(symbols: &Symbols, addrs: &[u64], functions: &[&str]) -> u64 {
    *addrs
        .iter()
        .find(|a| {
            symbols.frames(**a).iter().map(|f| f.function.as_deref().unwrap_or("??")).eq(functions.iter().copied())
        })
        .unwrap_or_else(|| panic!("no address in {functions:?}"))
}

#[test]
fn a_fault_address_reads_as_function_offset_and_line() {
    let Some(()) = need::arm_toolchain() else { return };
    let dir = tempfile::tempdir().unwrap();
    let elf = compile(dir.path(), "slm.c", C_SOURCE, &["-g"]);
    let symbols = Symbols::open(&elf).unwrap();
    let addrs = probe_addresses(&elf);

    // The static function, and the function inlined into it, named with the caller's line.
    let inl = address_of(&symbols, &addrs, &["scale", "helper"]);
    let helper = address_of(&symbols, &addrs, &["helper"]);
    let frames = symbols.frames(inl | 1);
    assert!(frames[0].line.is_some_and(|l| (5..=7).contains(&l)) && frames[1].line == Some(13), "{frames:?}");
    assert!(frames[0].file.as_deref().is_some_and(|f| f.ends_with("/slm.c")), "{frames:?}");
    let want = |a: u64, line: u32| format!("helper+{:#x} (slm.c:{line})", a - helper);
    let d = symbols.describe(inl | 1);
    assert!(
        d.starts_with(&format!("scale (slm.c:{}) inlined in ", frames[0].line.unwrap())) && d.ends_with(&want(inl, 13)),
        "{d}"
    );
    // The function's first instruction: offset 0, its line from the oracle.
    let line = oracle(&elf, &[helper], false)[0][0].2;
    assert_eq!(symbols.describe(helper), want(helper, line));
    // An address no code is at.
    assert_eq!(symbols.describe(0xffff_fff1), "0xfffffff0 (no symbol)");
}

#[test]
fn a_link_register_resolves_to_the_line_of_the_call() {
    let Some(()) = need::arm_toolchain() else { return };
    let dir = tempfile::tempdir().unwrap();
    let elf = compile(dir.path(), "slm.c", C_SOURCE, &["-g"]);
    let symbols = Symbols::open(&elf).unwrap();
    // The return address of `first()` in `twice_called`: the instruction after its `bl`.
    let dump = Command::new("arm-none-eabi-objdump").args(["-d"]).arg(&elf).output().unwrap();
    let dump = String::from_utf8(dump.stdout).unwrap();
    let insns: Vec<u64> =
        dump.lines().filter_map(|l| u64::from_str_radix(l.trim().split(':').next()?, 16).ok()).collect();
    let bl = dump.lines().find(|l| l.contains("\tbl\t") && l.ends_with("<first>")).expect("a call to first()");
    let bl = u64::from_str_radix(bl.trim().split(':').next().unwrap(), 16).unwrap();
    let lr = insns[insns.iter().position(|a| *a == bl).unwrap() + 1] | 1;
    // The return address is on the next line (the call to second()); the call site is on first()'s.
    assert_eq!(symbols.frames(lr)[0].line, Some(FIRST_CALL_LINE + 1), "{dump}");
    assert_eq!(symbols.frames(call_site(lr))[0].line, Some(FIRST_CALL_LINE));
    assert_eq!(ours(&symbols.frames(call_site(lr))), oracle(&elf, &[call_site(lr)], false)[0]);
}

#[test]
fn cplusplus_names_are_demangled_as_addr2line_c_does() {
    let Some(()) = need::arm_toolchain() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source = "namespace slm { namespace mqtt {\n\
                  int __attribute__((noinline)) connect(int port) { return port * 2 + 1; }\n\
                  } }\n\
                  extern \"C\" void _start(void) { volatile int r = slm::mqtt::connect(3); for (;;) {} }\n";
    let elf = compile(dir.path(), "slm.cpp", source, &["-g", "-fno-exceptions", "-fno-rtti"]);
    let symbols = Symbols::open(&elf).unwrap();
    let addrs = probe_addresses(&elf);
    let expected = oracle(&elf, &addrs, true);
    for (addr, want) in addrs.iter().zip(&expected) {
        assert_eq!(ours(&symbols.frames(*addr)), *want, "at {addr:#x}");
    }
    assert!(expected.iter().any(|o| o[0].0 == "slm::mqtt::connect(int)"), "{expected:?}");
    let at = address_of(&symbols, &addrs, &["slm::mqtt::connect(int)"]);
    assert!(symbols.describe(at).starts_with("slm::mqtt::connect(int)+0x"), "{}", symbols.describe(at));
}

#[test]
fn damaged_and_foreign_files_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    assert!(matches!(Symbols::open(d.join("absent.elf")), Err(SymbolsError::NotFound { .. })));
    assert!(matches!(Symbols::open(d), Err(SymbolsError::NotAFile { .. })));
    std::fs::write(d.join("empty.elf"), b"").unwrap();
    assert!(matches!(Symbols::open(d.join("empty.elf")), Err(SymbolsError::NotElf { .. })));
    // An Intel HEX file, the other artifact of a build.
    std::fs::write(d.join("merged.hex"), b":020000040000FA\n:00000001FF\n").unwrap();
    let e = Symbols::open(d.join("merged.hex")).unwrap_err();
    assert!(matches!(e, SymbolsError::NotElf { .. }) && e.to_string().contains("not its .hex"), "{e}");
    // Random bytes (a fixed xorshift stream), with and without the ELF magic in front.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut noise: Vec<u8> = (0..65536)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    assert!(matches!(Symbols::from_bytes(noise.clone(), Path::new("noise")), Err(SymbolsError::NotElf { .. })));
    noise[..4].copy_from_slice(b"\x7fELF");
    assert!(matches!(Symbols::from_bytes(noise, Path::new("noise")), Err(SymbolsError::Corrupt { .. })));
    // Larger than any firmware: refused before reading (a sparse file costs no disk).
    let big = std::fs::File::create(d.join("big.elf")).unwrap();
    big.set_len(MAX_ELF_BYTES + 1).unwrap();
    assert!(matches!(Symbols::open(d.join("big.elf")), Err(SymbolsError::TooLarge { .. })));
}

#[test]
fn a_truncated_or_stripped_elf_is_a_typed_error() {
    let Some(()) = need::arm_toolchain() else { return };
    let dir = tempfile::tempdir().unwrap();
    let elf = compile(dir.path(), "slm.c", C_SOURCE, &["-g"]);
    let bytes = std::fs::read(&elf).unwrap();
    // Cut anywhere: in the ELF header, in the code, in the debug info, in the section headers
    // (GNU ld writes them last).
    for cut in [1, 4, 5, 20, 51, 52, 0x100, bytes.len() / 3, bytes.len() / 2, bytes.len() - 40, bytes.len() - 1] {
        match Symbols::from_bytes(bytes[..cut].to_vec(), &elf) {
            Err(SymbolsError::Corrupt { why, .. }) => assert!(!why.is_empty()),
            Err(SymbolsError::NotElf { .. }) if cut < 4 => {}
            other => panic!("cut at {cut} of {}: {other:?}", bytes.len()),
        }
    }
    // Built without -g, and the debug info stripped from a -g build.
    let plain = compile(dir.path(), "slm.c", C_SOURCE, &[]);
    let e = Symbols::open(&plain).unwrap_err();
    assert!(matches!(e, SymbolsError::NoDebugInfo { .. }), "{e:?}");
    assert!(e.to_string().contains("no debug info"), "{e}");
    let stripped = dir.path().join("stripped.elf");
    let st = Command::new("arm-none-eabi-objcopy").arg("--strip-debug").arg(&elf).arg(&stripped).status().unwrap();
    assert!(st.success());
    assert!(matches!(Symbols::open(&stripped), Err(SymbolsError::NoDebugInfo { .. })));
}

#[test]
fn compressed_debug_sections_are_refused_with_what_to_do() {
    let Some(()) = need::arm_toolchain() else { return };
    let dir = tempfile::tempdir().unwrap();
    let elf = compile(dir.path(), "slm.c", C_SOURCE, &["-g"]);
    let z = dir.path().join("z.elf");
    let st =
        Command::new("arm-none-eabi-objcopy").arg("--compress-debug-sections=zlib").arg(&elf).arg(&z).status().unwrap();
    assert!(st.success());
    let e = Symbols::open(&z).unwrap_err();
    assert!(
        matches!(e, SymbolsError::Unsupported { .. }) && e.to_string().contains("--decompress-debug-sections"),
        "{e}"
    );
}

/// Debug info nested 100 000 levels deep (a function with inlined calls in inlined calls…, each
/// covering the code), written in assembly: refused at open. Without that check a lookup in
/// that function overflows the stack and aborts the process (addr2line recurses per level).
#[test]
fn absurdly_deep_debug_info_is_refused_not_followed() {
    let Some(()) = need::arm_toolchain() else { return };
    let dir = tempfile::tempdir().unwrap();
    // Abbreviations: 1 compile unit, 2 inlined call, 3 function; each with children and a
    // code range (DW_AT_low_pc as an address, DW_AT_high_pc as a length) that covers `_start`.
    let range = "\t.uleb128 0x11\n\t.uleb128 0x01\n\t.uleb128 0x12\n\t.uleb128 0x06\n\t.byte 0, 0\n";
    let asm = format!(
        "\t.text\n\t.thumb\n\t.global _start\n\t.type _start, %function\n_start:\ncode:\n\tb _start\n\t.size _start, .-_start\n\
         \t.section .debug_abbrev\n\
         \t.uleb128 1\n\t.uleb128 0x11\n\t.byte 1\n{range}\
         \t.uleb128 2\n\t.uleb128 0x1d\n\t.byte 1\n{range}\
         \t.uleb128 3\n\t.uleb128 0x2e\n\t.byte 1\n{range}\t.byte 0\n\
         \t.section .debug_info\n\
         \t.4byte .Lend - .Lstart\n.Lstart:\n\t.2byte 4\n\t.4byte 0\n\t.byte 4\n\
         \t.uleb128 1\n\t.4byte code\n\t.4byte 2\n\t.uleb128 3\n\t.4byte code\n\t.4byte 2\n\
         \t.rept 100000\n\t.uleb128 2\n\t.4byte code\n\t.4byte 2\n\t.endr\n\t.rept 100002\n\t.byte 0\n\t.endr\n.Lend:\n"
    );
    let elf = compile(dir.path(), "deep.s", &asm, &[]);
    let e = Symbols::open(&elf).unwrap_err();
    assert!(matches!(&e, SymbolsError::Corrupt { why, .. } if why.contains("nests deeper")), "{e:?}");
}
