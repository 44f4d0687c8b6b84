//! Stored transcripts in insta's `.snap` file format, so that `cargo insta review` and
//! `cargo insta accept` review `atscope check` changes exactly like the project's insta tests.
//!
//! A `.snap` file is a YAML header between two `---` lines, then the transcript. A changed or
//! new transcript is written beside the stored one as a pending `.snap.new`. Two transcripts are
//! equal when they are equal after insta's normalisation (line ends and trailing white space),
//! whatever their headers say.

use std::path::{Path, PathBuf};

/// Extension of a stored transcript (after the trace's own name: `x.atrace.snap`).
pub const EXT: &str = "snap";
/// Extension of a pending transcript (`x.atrace.snap.new`).
pub const PENDING_EXT: &str = "snap.new";

/// A stored transcript: its header (the YAML block with both `---` lines) and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snap {
    /// The header as stored, `---\n…---\n`.
    pub header: String,
    /// The transcript.
    pub body: String,
}

impl Snap {
    /// Parses a `.snap` file's text (insta's format: a header between `---` lines, then the
    /// body). Text without a header is taken as a bare body.
    pub fn parse(text: &str) -> Snap {
        let mut lines = text.split_inclusive('\n');
        let mut header = String::new();
        if let Some(first) = lines.clone().next().filter(|l| l.trim_end() == "---") {
            header.push_str(first);
            lines.next();
            let mut closed = false;
            for l in lines.by_ref() {
                header.push_str(l);
                if l.trim_end() == "---" {
                    closed = true;
                    break;
                }
            }
            if !closed {
                return Snap { header: String::new(), body: text.to_string() };
            }
        }
        Snap { header, body: lines.collect() }
    }

    /// A new snapshot with the header `atscope check` writes.
    pub fn new(input_file: &str, body: &str) -> Snap {
        let header = format!(
            "---\nsource: atscope check\nexpression: transcript\ninput_file: {}\n---\n",
            yaml_scalar(input_file)
        );
        Snap { header, body: body.to_string() }
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let body = normalize(&self.body);
        let mut out = String::with_capacity(self.header.len() + body.len() + 1);
        out.push_str(&self.header);
        out.push_str(&body);
        out.push('\n');
        out
    }

    /// Whether the body equals `transcript` the way insta compares them.
    pub fn matches(&self, transcript: &str) -> bool {
        normalize(&self.body) == normalize(transcript)
    }
}

/// insta's normalisation of a file snapshot: line ends as `\n`, no trailing white space at the end.
pub fn normalize(s: &str) -> String {
    let mut out = s.lines().collect::<Vec<_>>().join("\n");
    out.truncate(out.trim_end().len());
    out
}

/// The body lines of a stored file, read as needed.
pub type StoredLines = Box<dyn Iterator<Item = std::io::Result<String>> + Send>;

/// The body of a stored file given a line at a time (as `BufRead::lines` gives them): the lines
/// after the header, as [`Snap::parse`] reads it. Only the header is read here.
pub fn body_lines<I>(mut lines: I) -> std::io::Result<StoredLines>
where
    I: Iterator<Item = std::io::Result<String>> + Send + 'static,
{
    let mut head = Vec::new();
    match lines.next() {
        None => return Ok(Box::new(std::iter::empty())),
        Some(first) => {
            let first = first?;
            if first.trim_end() != "---" {
                return Ok(Box::new(std::iter::once(Ok(first)).chain(lines)));
            }
            head.push(first);
        }
    }
    for l in lines.by_ref() {
        let l = l?;
        let end = l.trim_end() == "---";
        head.push(l);
        if end {
            return Ok(Box::new(lines));
        }
    }
    // No closing `---`: all of it is the body.
    Ok(Box::new(head.into_iter().map(Ok)))
}

/// Compares a transcript given a line at a time with stored lines read as needed, with the
/// outcome of comparing their [`normalize`]d texts. It holds only the transcript's last
/// non-blank line and the blank lines after it (which normalisation may trim).
pub struct LineMatch {
    stored: StoredLines,
    held: Vec<String>,
    same: bool,
    error: Option<std::io::Error>,
}

impl LineMatch {
    /// Against `stored`.
    pub fn new(stored: StoredLines) -> LineMatch {
        LineMatch { stored, held: Vec::new(), same: true, error: None }
    }

    fn next_stored(&mut self) -> Option<String> {
        match self.stored.next()? {
            Ok(l) => Some(l),
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }

    /// The transcript's next line (without `\n`).
    pub fn push(&mut self, line: &str) {
        if !self.same {
            return;
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        if !line.trim_end().is_empty() {
            // What is held is followed by more text: it must match exactly.
            for h in std::mem::take(&mut self.held) {
                if self.next_stored().as_deref() != Some(h.as_str()) {
                    self.same = false;
                    return;
                }
            }
        }
        self.held.push(line.to_string());
    }

    /// Whether the transcript equals the stored one.
    pub fn finish(mut self) -> std::io::Result<bool> {
        let mut same = self.same;
        if same {
            // The transcript's end, normalised: its last non-blank line, trimmed, if any.
            let last = self.held.first().map(|l| l.trim_end().to_string()).filter(|l| !l.is_empty());
            if let Some(last) = last {
                same = self.next_stored().is_some_and(|s| s.trim_end() == last);
            }
            // Then the stored text may only have blank lines left.
            while same {
                match self.next_stored() {
                    Some(s) => same = s.trim_end().is_empty(),
                    None => break,
                }
            }
        }
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(same),
        }
    }
}

/// Where the stored transcript of `trace` (below `traces`) lives below `snapshots`.
pub fn path_of(traces: &Path, snapshots: &Path, trace: &Path) -> PathBuf {
    let rel = trace.strip_prefix(traces).unwrap_or(trace);
    let mut p = snapshots.join(rel);
    let name = format!("{}.{EXT}", p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    p.set_file_name(name);
    p
}

/// The pending file beside a stored one.
pub fn pending_of(snap: &Path) -> PathBuf {
    let mut p = snap.as_os_str().to_owned();
    p.push(".new");
    PathBuf::from(p)
}

/// `s` as a YAML scalar: plain when that is unambiguous, else double-quoted (JSON string syntax
/// is valid YAML).
fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "._/-+@".contains(c))
        && !s.starts_with(['-', '@', '.']);
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_snapshot_parses_back_to_its_header_and_body() {
        let s = Snap::new("slm-2.1.2/a b.atrace", "+0.000s modem OK\n+0.1s host CMD\n");
        let text = s.render();
        assert!(text.starts_with("---\nsource: atscope check\n"), "{text}");
        assert!(text.contains("input_file: \"slm-2.1.2/a b.atrace\"\n"), "{text}");
        let back = Snap::parse(&text);
        assert_eq!(back.header, s.header);
        assert!(back.matches("+0.000s modem OK\r\n+0.1s host CMD\n\n"));
        assert!(!back.matches("+0.000s modem OK\n"));
    }

    #[test]
    fn insta_s_own_header_is_kept_and_a_headerless_file_is_all_body() {
        let text = "---\nsource: tests/snapshots.rs\nexpression: transcript\n---\nline 1\n---\nline 3\n";
        let s = Snap::parse(text);
        assert_eq!(s.header, "---\nsource: tests/snapshots.rs\nexpression: transcript\n---\n");
        assert_eq!(s.body, "line 1\n---\nline 3\n");
        assert_eq!(s.render(), text);
        assert_eq!(Snap::parse("just text\n").body, "just text\n");
        assert_eq!(Snap::parse("---\nunclosed\n").body, "---\nunclosed\n");
    }

    /// The line-at-a-time comparison agrees with comparing normalised texts.
    #[test]
    fn streaming_comparison_agrees_with_normalised_text_comparison() {
        let texts = [
            "",
            "\n",
            "a",
            "a\n",
            "a  \n\n \n",
            "a\r\nb\r\n",
            "a\nb",
            "a\n\nb\n",
            "a\n \nb\n",
            "a\nb  \n",
            "a \nb\n",
            "a\nb\nc\n",
            "b\n",
            " \n\na\n",
        ];
        for stored in texts {
            for header in ["", "---\nsource: x\n---\n"] {
                let file = std::io::Cursor::new(format!("{header}{stored}"));
                for now in texts {
                    let mut m = LineMatch::new(body_lines(std::io::BufRead::lines(file.clone())).unwrap());
                    // As `transcribe` gives them: the text split at `\n`, the piece after a
                    // final `\n` not given.
                    let body = now.strip_suffix('\n').unwrap_or(now);
                    if !now.is_empty() {
                        body.split('\n').for_each(|l| m.push(l));
                    }
                    let expected = normalize(stored) == normalize(now);
                    assert_eq!(m.finish().unwrap(), expected, "stored {stored:?} (header {header:?}), now {now:?}");
                }
            }
        }
    }

    #[test]
    fn paths_mirror_the_trace_tree() {
        let p = path_of(Path::new("t"), Path::new("t/snapshots"), Path::new("t/slm-2.1.2/x.atrace"));
        assert_eq!(p, Path::new("t/snapshots/slm-2.1.2/x.atrace.snap"));
        assert_eq!(pending_of(&p), Path::new("t/snapshots/slm-2.1.2/x.atrace.snap.new"));
    }
}
