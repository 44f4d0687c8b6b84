//! Code addresses of the SLM firmware resolved to function, file and line, from the firmware's
//! ELF and its DWARF debug info (`build/…/zephyr/zephyr.elf`).
//!
//! A crash of the SLM leaves a program counter and a link register in its log
//! (`Faulting instruction address (r15/pc): 0x0002a3b6`, `r14/lr: 0x0002a391`). With the ELF
//! of the flashed build, [`Symbols::frames`] names the function, file and line of such an
//! address, with the functions the compiler inlined there, innermost first (what
//! `arm-none-eabi-addr2line -f -i -e zephyr.elf ADDR` prints), and [`Symbols::describe`] makes
//! the one short string a finding's message quotes: `mqtt_thread+0x1c (slm_at_mqtt.c:412)`.
//! [`locate`] finds the ELF of the build a trace names.
//!
//! The nRF9160's application core is a Cortex-M33: Thumb code only, whose addresses as the CPU
//! reports them (a PC or LR from a fault dump, a function pointer) carry bit 0 set. On an Arm
//! ELF, [`Symbols::frames`] and [`Symbols::describe`] clear bit 0 themselves, so a value from
//! the dump can be passed as it is. A link register is a *return* address, the instruction
//! after the call; [`call_site`] turns it into an address inside the call, whose line is the
//! caller's line that made the call.
//!
//! What it does not do: unwind a stack (a fault dump gives PC and LR, not a backtrace), read
//! split DWARF (`.dwo`) or compressed debug sections (`-gz`; the Zephyr SDK does not compress
//! them), or map a file: an ELF is read into memory, at most [`MAX_ELF_BYTES`].
//!
//! Bad input is an error, never a panic or a hang: random bytes, a truncated ELF, an ELF
//! without debug info or with malformed DWARF each give a [`SymbolsError`] (the fuzz target
//! `fuzz/fuzz_targets/symbols.rs` holds it to that).

pub mod locate;

use std::borrow::Cow;
use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use object::{Object as _, ObjectSection as _, ObjectSymbol as _};

/// The largest ELF atscope reads (256 MiB). An SLM `zephyr.elf` with full debug info is tens of
/// MiB; a larger file is not a firmware image.
pub const MAX_ELF_BYTES: u64 = 256 << 20;

/// The deepest nesting of debugging entries accepted (compile unit, function, lexical block,
/// inlined call, …). Real firmware stays below 40; the DWARF reader recurses per level of
/// inlining, so a hostile file could otherwise exhaust the stack.
const MAX_DIE_DEPTH: isize = 256;

/// Function names longer than this are shown as they are in the file, not demangled (the
/// demanglers' work and output grow with the input; real names are far shorter).
const MAX_DEMANGLE_INPUT: usize = 1024;

/// The DWARF reader over the ELF's bytes, shared by every section (no copies).
type Reader = gimli::EndianReader<gimli::RunTimeEndian, Arc<[u8]>>;

/// Why an ELF cannot give symbols. The messages name the file and say what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SymbolsError {
    /// The file does not exist.
    #[error("{path}: no such file (the ELF is `zephyr/zephyr.elf` in the firmware's build folder)")]
    NotFound {
        /// The file.
        path: PathBuf,
    },
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The path is a folder, a device or a pipe.
    #[error("{path}: not a regular file (give the firmware's zephyr.elf)")]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The file is larger than [`MAX_ELF_BYTES`].
    #[error("{path}: {size} bytes, more than the {max} bytes a firmware ELF may have")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// The file is not an ELF at all.
    #[error("{path}: not an ELF file ({why}); give the firmware's zephyr.elf, not its .hex or .bin")]
    NotElf {
        /// The file.
        path: PathBuf,
        /// What its first bytes are.
        why: String,
    },
    /// An ELF with no DWARF debug info (stripped, or built without `-g`).
    #[error(
        "{path}: the ELF has no debug info (.debug_info): use the zephyr.elf of the build folder, \
         not a stripped copy (Zephyr builds with CONFIG_DEBUG_INFO=y by default)"
    )]
    NoDebugInfo {
        /// The file.
        path: PathBuf,
    },
    /// The ELF or its DWARF is cut short or malformed.
    #[error("{path}: damaged ELF ({why})")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// A well-formed ELF that uses something atscope does not read.
    #[error("{path}: {why}")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What, and what to do.
        why: String,
    },
}

/// One function frame at an address: the function (inlined or not) and the source position in
/// it. For an inlined function's caller, the position is the line of the inlined call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Frame {
    /// The function's name, demangled for C++ and Rust; `None` where the debug info names none
    /// (assembly code has lines but no function entries).
    pub function: Option<String>,
    /// The source file as the debug info gives it (usually an absolute path on the build machine).
    pub file: Option<String>,
    /// The 1-based line; `None` where the debug info gives none.
    pub line: Option<u32>,
    /// The 1-based column, where the compiler recorded one (`Some(0)`: the start of the line).
    pub column: Option<u32>,
    /// Whether this function was inlined into the next frame (every frame but the last).
    pub inlined: bool,
}

impl fmt::Display for Frame {
    /// `name (file.c:12)`, with the file's last component only; `??` for what is unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.function.as_deref().unwrap_or("??"), self.short_location())
    }
}

impl Frame {
    /// `file.c:12` (the file's last path component), `file.c` without a line, `??` without a file.
    pub fn short_location(&self) -> String {
        let file = self.file.as_deref().map(file_name).unwrap_or("??");
        match self.line {
            Some(l) => format!("{file}:{l}"),
            None => file.to_string(),
        }
    }
}

/// The last component of a path written on any system (`/` or `\`).
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// A function symbol of the ELF's symbol table (for `name+0x1c`).
#[derive(Debug)]
struct FunctionSymbol {
    start: u64,
    size: u64,
    name: String,
}

/// The symbols of one firmware ELF, ready for lookups. Opening parses the ELF headers and checks
/// the DWARF's structure; the line tables and functions of a compile unit are read at its first
/// lookup (and kept).
///
/// `Send` but not `Sync` (the DWARF reader fills its caches through `&self`): a server shares
/// it behind a `Mutex`, or resolves the few addresses of a crash once and keeps the strings.
pub struct Symbols {
    ctx: addr2line::Context<Reader>,
    /// Arm (Thumb) code: bit 0 of an address is the Thumb bit, not part of the address.
    thumb: bool,
    /// Sized function symbols, by start address.
    functions: Vec<FunctionSymbol>,
}

// A session may open the ELF on one thread and decode on another.
const _: fn() = || {
    fn send<T: Send>() {}
    send::<Symbols>();
};

impl fmt::Debug for Symbols {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Symbols").field("thumb", &self.thumb).field("functions", &self.functions.len()).finish()
    }
}

impl Symbols {
    /// Reads the ELF at `path` (at most [`MAX_ELF_BYTES`], checked before reading).
    pub fn open(path: impl AsRef<Path>) -> Result<Symbols, SymbolsError> {
        let path = path.as_ref();
        let io = |source: std::io::Error| match source.kind() {
            std::io::ErrorKind::NotFound => SymbolsError::NotFound { path: path.to_owned() },
            _ => SymbolsError::Io { path: path.to_owned(), source },
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() {
            return Err(SymbolsError::NotAFile { path: path.to_owned() });
        }
        let too_large = |size| SymbolsError::TooLarge { path: path.to_owned(), size, max: MAX_ELF_BYTES };
        if meta.len() > MAX_ELF_BYTES {
            return Err(too_large(meta.len()));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        // The file may grow while it is read: never more than the limit.
        std::fs::File::open(path).and_then(|f| f.take(MAX_ELF_BYTES + 1).read_to_end(&mut bytes)).map_err(io)?;
        if bytes.len() as u64 > MAX_ELF_BYTES {
            return Err(too_large(bytes.len() as u64));
        }
        Symbols::from_bytes(bytes, path)
    }

    /// Parses an ELF held in memory; `path` names it in errors.
    pub fn from_bytes(bytes: Vec<u8>, path: &Path) -> Result<Symbols, SymbolsError> {
        let corrupt = |why: String| SymbolsError::Corrupt { path: path.to_owned(), why };
        if !bytes.starts_with(b"\x7fELF") {
            let head: String = bytes.iter().take(8).map(|b| format!("{b:02x} ")).collect();
            let why = if bytes.is_empty() {
                "the file is empty".to_string()
            } else {
                format!("it starts with {}, not 7f 45 4c 46", head.trim_end())
            };
            return Err(SymbolsError::NotElf { path: path.to_owned(), why });
        }
        let data: Arc<[u8]> = Arc::from(bytes);
        let file = object::File::parse(&*data).map_err(|e| corrupt(format!("{e}; is the file truncated?")))?;
        let thumb = file.architecture() == object::Architecture::Arm;
        let endian = if file.is_little_endian() { gimli::RunTimeEndian::Little } else { gimli::RunTimeEndian::Big };

        let has_debug_info = file.section_by_name(".debug_info").is_some_and(|s| s.size() > 0)
            || file.section_by_name(".zdebug_info").is_some();
        if !has_debug_info {
            return Err(SymbolsError::NoDebugInfo { path: path.to_owned() });
        }

        let load = |id: gimli::SectionId| -> Result<Reader, SymbolsError> {
            let whole = gimli::EndianReader::new(data.clone(), endian);
            let Some(section) = file.section_by_name(id.name()) else {
                return Ok(whole.range(0..0));
            };
            let range = section.compressed_file_range().map_err(|e| corrupt(format!("section {}: {e}", id.name())))?;
            if range.format != object::CompressionFormat::None {
                return Err(SymbolsError::Unsupported {
                    path: path.to_owned(),
                    why: format!(
                        "section {} is compressed; atscope reads uncompressed debug info (link without -gz, \
                         or `arm-none-eabi-objcopy --decompress-debug-sections`)",
                        id.name()
                    ),
                });
            }
            // A section that occupies no file space (SHT_NOBITS) has no debug data.
            let Some((offset, size)) = section.file_range() else {
                return Ok(whole.range(0..0));
            };
            let end = offset.checked_add(size).filter(|&e| e <= data.len() as u64).ok_or_else(|| {
                corrupt(format!(
                    "section {} ends at byte {} of a {}-byte file: the file is truncated",
                    id.name(),
                    offset.saturating_add(size),
                    data.len()
                ))
            })?;
            Ok(whole.range(offset as usize..end as usize))
        };
        let mut dwarf = gimli::Dwarf::load(load)?;
        dwarf.populate_abbreviations_cache(gimli::AbbreviationsCacheStrategy::Duplicates);
        check_nesting(&dwarf).map_err(corrupt)?;
        let ctx = addr2line::Context::from_dwarf(dwarf).map_err(|e| corrupt(format!("debug info: {e}")))?;

        let mut functions: Vec<FunctionSymbol> = file
            .symbols()
            .filter(|s| s.kind() == object::SymbolKind::Text && s.size() > 0)
            .filter_map(|s| {
                let name = s.name().ok().filter(|n| !n.is_empty())?;
                let start = if thumb { s.address() & !1 } else { s.address() };
                Some(FunctionSymbol { start, size: s.size(), name: name.to_string() })
            })
            .collect();
        functions.sort_by(|a, b| a.start.cmp(&b.start).then(b.size.cmp(&a.size)));
        Ok(Symbols { ctx, thumb, functions })
    }

    /// Whether addresses are Arm Thumb code addresses (bit 0 is cleared before each lookup).
    pub fn is_thumb(&self) -> bool {
        self.thumb
    }

    /// The address looked up for `addr`: bit 0 cleared on Arm (the Thumb bit of a PC or LR).
    fn probe(&self, addr: u64) -> u64 {
        if self.thumb {
            addr & !1
        } else {
            addr
        }
    }

    /// The frames at a code address, innermost first: the functions inlined there, then the
    /// function they were inlined into (its frame has `inlined: false`). Empty when the debug
    /// info does not cover the address (not code of this ELF, or code built without `-g`).
    ///
    /// A PC or LR from a fault dump is passed as it is: on an Arm ELF bit 0 (the Thumb bit) is
    /// cleared first. For an LR, pass [`call_site`]`(lr)` to get the line of the call rather
    /// than the line the function returns to.
    pub fn frames(&self, addr: u64) -> Vec<Frame> {
        let probe = self.probe(addr);
        let mut out = Vec::new();
        let Ok(mut iter) = self.ctx.find_frames(probe).skip_all_loads() else {
            return out;
        };
        // The iterator ends by itself; the bound only guards against a malformed file whose
        // inlining chain never ends (the nesting is checked at open: at most MAX_DIE_DEPTH).
        while let Ok(Some(frame)) = iter.next() {
            let function = frame.function.as_ref().and_then(|f| {
                let raw = f.raw_name().ok()?;
                Some(demangle(raw, f.language).into_owned())
            });
            let (file, line, column) = match &frame.location {
                Some(l) => (l.file.map(str::to_string), l.line, l.column),
                None => (None, None, None),
            };
            out.push(Frame { function, file, line, column, inlined: true });
            if out.len() > MAX_DIE_DEPTH as usize {
                break;
            }
        }
        if let Some(last) = out.last_mut() {
            last.inlined = false;
        }
        out
    }

    /// The function symbol containing `addr` and the offset into it: `("mqtt_thread", 0x1c)`.
    /// From the ELF's symbol table (sized function symbols), with bit 0 cleared on Arm.
    pub fn symbol(&self, addr: u64) -> Option<(Cow<'_, str>, u64)> {
        let probe = self.probe(addr);
        // The last symbol starting at or before the address that also contains it (symbols
        // may nest or overlap: the nearest start wins).
        let upto = self.functions.partition_point(|f| f.start <= probe);
        self.functions[..upto]
            .iter()
            .rev()
            .take(16)
            .find(|f| probe - f.start < f.size)
            .map(|f| (demangle(Cow::Borrowed(f.name.as_str()), None), probe - f.start))
    }

    /// One short line for messages: `mqtt_thread+0x1c (slm_at_mqtt.c:412)`; with inlining,
    /// innermost first: `scale (t.c:5) inlined in helper+0x4 (t.c:13)`; `0x0002a3b6 (no symbol)`
    /// when neither the debug info nor the symbol table knows the address. Bit 0 is cleared
    /// on Arm, as in [`Symbols::frames`].
    pub fn describe(&self, addr: u64) -> String {
        let frames = self.frames(addr);
        let symbol = self.symbol(addr);
        let Some((outer, inner)) = frames.split_last() else {
            return match symbol {
                Some((name, off)) => format!("{name}+{off:#x}"),
                None => format!("{:#010x} (no symbol)", self.probe(addr)),
            };
        };
        let head = match symbol {
            Some((name, off)) => format!("{name}+{off:#x}"),
            None => outer.function.clone().unwrap_or_else(|| "??".to_string()),
        };
        let mut out = String::new();
        for f in inner {
            out.push_str(&format!("{f} inlined in "));
        }
        out.push_str(&format!("{head} ({})", outer.short_location()));
        out
    }
}

/// The address of the call instruction that a return address (an LR, bit 0 set or not) comes
/// back from: resolving it gives the caller's line that made the call, where the return
/// address itself may already belong to the next line. Thumb calls are 2 or 4 bytes long and
/// end at the return address, so the halfword before it is always inside the call.
///
/// ```
/// // `bl` at 0x8024..0x8028, LR 0x8029 (Thumb bit set): the call is at 0x8026.
/// assert_eq!(atscope_analyzer::symbols::call_site(0x8029), 0x8026);
/// assert_eq!(atscope_analyzer::symbols::call_site(0x8028), 0x8026);
/// ```
pub fn call_site(return_address: u64) -> u64 {
    (return_address & !1).saturating_sub(2)
}

/// `name` demangled as `language` says (both schemes tried when unknown), or as it is.
fn demangle(name: Cow<'_, str>, language: Option<gimli::DwLang>) -> Cow<'_, str> {
    if name.len() > MAX_DEMANGLE_INPUT {
        return name;
    }
    addr2line::demangle_auto(name, language)
}

/// Refuses DWARF whose debugging entries nest deeper than [`MAX_DIE_DEPTH`]. A unit that fails
/// to parse is left to the lookups (they report nothing for it), not refused here.
fn check_nesting(dwarf: &gimli::Dwarf<Reader>) -> Result<(), String> {
    let mut units = dwarf.units();
    loop {
        let header = match units.next() {
            Ok(Some(h)) => h,
            Ok(None) => return Ok(()),
            Err(e) => return Err(format!("debug info: {e}")),
        };
        let Ok(abbrevs) = dwarf.abbreviations(&header) else { continue };
        let Ok(mut entries) = header.entries_raw(&abbrevs, None) else { continue };
        while !entries.is_empty() {
            if entries.next_depth() > MAX_DIE_DEPTH {
                return Err(format!("debug info nests deeper than {MAX_DIE_DEPTH} levels"));
            }
            match entries.read_abbreviation() {
                Ok(Some(abbrev)) => {
                    if entries.skip_attributes(abbrev.attributes()).is_err() {
                        break;
                    }
                }
                Ok(None) => {}
                Err(_) => break,
            }
        }
    }
}
