//! The user's severity overrides: `--severity ID=LEVEL` and the rules file (`atscope.toml`).

use crate::finding::Severity;

use super::catalogue::{FindingId, CATALOGUE};

/// The user's severity overrides: `id` or `prefix.*` → a severity, or `None` to turn it off.
#[derive(Debug, Clone, Default)]
pub struct RuleConfig {
    overrides: Vec<(String, Option<Severity>)>,
}

fn level(spec: &str, level: &str) -> Result<Option<Severity>, String> {
    match level.trim() {
        "off" | "none" => Ok(None),
        l => Severity::parse(l)
            .map(Some)
            .ok_or_else(|| format!("{spec}: level {l:?} must be note, warning, error or off")),
    }
}

impl RuleConfig {
    /// Parses `ID=LEVEL` (LEVEL: note, warning, error, off); later entries win.
    pub fn add(&mut self, spec: &str) -> Result<(), String> {
        let (id, lv) =
            spec.split_once('=').ok_or_else(|| format!("{spec:?}: expected ID=LEVEL, e.g. uart.garbage=note"))?;
        self.set(id.trim(), level(&format!("{spec:?}"), lv)?)
    }

    fn set(&mut self, id: &str, sev: Option<Severity>) -> Result<(), String> {
        if !CATALOGUE.iter().any(|e| matches(id, e.name)) {
            let all: Vec<&str> = CATALOGUE.iter().map(|e| e.name).collect();
            return Err(format!("{id:?} matches no finding id; known ids: {}", all.join(", ")));
        }
        self.overrides.push((id.to_string(), sev));
        Ok(())
    }

    /// Reads a rules file, TOML: a `[severity]` table of `"ID" = "LEVEL"` (dotted keys such as
    /// `uart.garbage = "note"` name the same id; `"slm.datamode.*"` matches a family). A file
    /// without a `[severity]` table is read as that table. Errors name the line.
    pub fn add_file_text(&mut self, text: &str) -> Result<(), String> {
        let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let line = e.span().map(|s| line_of(text, s.start)).map(|l| format!("line {l}: ")).unwrap_or_default();
            format!("{line}{}", e.message())
        })?;
        let table = match doc.get("severity") {
            Some(toml::Value::Table(t)) => t.clone(),
            Some(_) => return Err(format!("line {}: [severity] must be a table", find_line(text, "severity"))),
            None => doc,
        };
        let mut flat = Vec::new();
        flatten("", &table, &mut flat);
        for (id, v) in flat {
            let at = find_line(text, id.rsplit('.').next().unwrap_or(&id));
            let toml::Value::String(lv) = v else {
                return Err(format!(
                    "line {at}: {id}: the level must be a string: \"note\", \"warning\", \"error\" or \"off\""
                ));
            };
            let sev = level(&id, &lv).map_err(|e| format!("line {at}: {e}"))?;
            self.set(&id, sev).map_err(|e| format!("line {at}: {e}"))?;
        }
        Ok(())
    }

    /// The severity of `id` after overrides, or `None` when turned off.
    pub fn severity(&self, id: FindingId) -> Option<Severity> {
        self.severity_from(id, id.severity())
    }

    /// The severity of one finding of `id` that the evidence put at `level`, after overrides.
    pub fn severity_from(&self, id: FindingId, level: Severity) -> Option<Severity> {
        let mut s = Some(level);
        for (pat, sev) in &self.overrides {
            if matches(pat, id.as_str()) {
                s = *sev;
            }
        }
        s
    }
}

fn flatten(prefix: &str, t: &toml::Table, out: &mut Vec<(String, toml::Value)>) {
    for (k, v) in t {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::Table(inner) => flatten(&key, inner, out),
            v => out.push((key, v.clone())),
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The first line that mentions `word` outside a comment (for error messages).
fn find_line(text: &str, word: &str) -> usize {
    text.lines().position(|l| l.split('#').next().unwrap_or("").contains(word)).map(|i| i + 1).unwrap_or(1)
}

fn matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => pattern == id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_and_dotted_keys_name_the_same_id() {
        let mut c = RuleConfig::default();
        c.add_file_text(
            "[severity]\n\"uart.garbage\" = \"note\"\nslm.datamode.modem-terminator = \"off\"\n\"at.*\" = \"error\"\n",
        )
        .unwrap();
        assert_eq!(c.severity(FindingId::UartGarbage), Some(Severity::Note));
        assert_eq!(c.severity(FindingId::DatamodeModemTerminator), None);
        assert_eq!(c.severity(FindingId::AtError), Some(Severity::Error));
        assert_eq!(c.severity(FindingId::ResetUnexpected), Some(Severity::Error));
    }

    #[test]
    fn unknown_ids_and_levels_are_errors_naming_the_line() {
        let e = RuleConfig::default().add_file_text("[severity]\n\n\"uart.garbge\" = \"note\"\n").unwrap_err();
        assert!(e.starts_with("line 3:") && e.contains("matches no finding id"), "{e}");
        let e = RuleConfig::default().add_file_text("[severity]\n\"uart.garbage\" = \"loud\"\n").unwrap_err();
        assert!(e.starts_with("line 2:") && e.contains("must be note"), "{e}");
        let e = RuleConfig::default().add_file_text("[severity]\nuart.garbage = note\n").unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
        assert!(RuleConfig::default().add("nope=note").is_err());
    }
}
