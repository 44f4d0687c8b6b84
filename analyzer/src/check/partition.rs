//! `--partition K/N`: one machine's share of the traces, as nextest splits tests.
//!
//! * `hash:K/N` (also a bare `K/N`): a trace belongs to partition `hash(path) % N + 1`, its path
//!   relative to the traces folder with `/` separators. A trace stays in its partition whatever
//!   other traces are added or removed, so a CI matrix job keeps its traces as the corpus grows.
//! * `count:K/N`: the sorted traces dealt round-robin; shares differ by at most one trace, but
//!   adding a trace moves the ones after it.
//!
//! Either way the N partitions are disjoint and together hold every trace.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// A partition spec was not `hash:K/N`, `count:K/N` or `K/N` with `1 <= K <= N`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("partition {spec:?}: {why} (expected hash:K/N, count:K/N or K/N with 1 <= K <= N)")]
pub struct PartitionError {
    spec: String,
    why: &'static str,
}

/// How the traces are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// By a hash of the trace's relative path.
    Hash,
    /// Round-robin over the sorted traces.
    Count,
}

/// One of N partitions (K is 1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// How.
    pub scheme: Scheme,
    /// This partition, 1..=n.
    pub k: u64,
    /// How many.
    pub n: u64,
}

impl FromStr for Partition {
    type Err = PartitionError;

    fn from_str(spec: &str) -> Result<Self, PartitionError> {
        let err = |why| PartitionError { spec: spec.to_string(), why };
        let (scheme, kn) = match spec.split_once(':') {
            Some(("hash", rest)) => (Scheme::Hash, rest),
            Some(("count", rest)) => (Scheme::Count, rest),
            Some(_) => return Err(err("unknown scheme")),
            None => (Scheme::Hash, spec),
        };
        let (k, n) = kn.split_once('/').ok_or_else(|| err("no `/`"))?;
        let k: u64 = k.trim().parse().map_err(|_| err("K is not a number"))?;
        let n: u64 = n.trim().parse().map_err(|_| err("N is not a number"))?;
        if n == 0 || k == 0 || k > n {
            return Err(err("K out of range"));
        }
        Ok(Partition { scheme, k, n })
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self.scheme {
            Scheme::Hash => "hash",
            Scheme::Count => "count",
        };
        write!(f, "{s}:{}/{}", self.k, self.n)
    }
}

impl Partition {
    /// This partition's share of `traces` (sorted, relative to or below `root`), in order.
    pub fn select<P: AsRef<Path>>(&self, root: &Path, traces: &[P]) -> Vec<usize> {
        (0..traces.len())
            .filter(|&i| {
                let bucket = match self.scheme {
                    Scheme::Count => i as u64 % self.n,
                    Scheme::Hash => fnv1a(&rel_key(root, traces[i].as_ref())) % self.n,
                };
                bucket == self.k - 1
            })
            .collect()
    }
}

/// The path below `root` as `a/b/c` (the same on every platform).
fn rel_key(root: &Path, p: &Path) -> Vec<u8> {
    let rel = p.strip_prefix(root).unwrap_or(p);
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.join("/").into_bytes()
}

/// 64-bit FNV-1a: small, stable across versions and platforms.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn specs_parse_like_nextest_s() {
        assert_eq!("2/3".parse(), Ok(Partition { scheme: Scheme::Hash, k: 2, n: 3 }));
        assert_eq!("hash:1/1".parse(), Ok(Partition { scheme: Scheme::Hash, k: 1, n: 1 }));
        assert_eq!("count:3/3".parse(), Ok(Partition { scheme: Scheme::Count, k: 3, n: 3 }));
        for bad in ["0/3", "4/3", "1/0", "x/3", "3", "slice:1/2", ""] {
            let e = bad.parse::<Partition>().unwrap_err();
            assert!(e.to_string().contains("K <= N"), "{bad}: {e}");
        }
    }

    #[test]
    fn fnv1a_matches_its_reference_values() {
        assert_eq!(fnv1a(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn a_hash_partition_depends_on_the_relative_path_only() {
        let a = [PathBuf::from("/x/traces/s/a.atrace")];
        let b = [PathBuf::from("/elsewhere/t/s/a.atrace")];
        for k in 1..=5 {
            let p = Partition { scheme: Scheme::Hash, k, n: 5 };
            assert_eq!(p.select(Path::new("/x/traces"), &a), p.select(Path::new("/elsewhere/t"), &b));
        }
    }
}
