//! Stray bytes: bytes a framer found outside its frames (before the first, between two, or a
//! frame that broke off), kept with the times of the first and the last.

/// A run of stray bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stray {
    /// Time of the first byte.
    pub t0: i64,
    /// Time of the last byte.
    pub t1: i64,
    /// The bytes.
    pub data: Vec<u8>,
}

impl Stray {
    /// Adds byte `b` that arrived at time `t`.
    pub fn push(&mut self, b: u8, t: i64) {
        if self.data.is_empty() {
            self.t0 = t;
        }
        self.data.push(b);
        self.t1 = t;
    }

    /// The run so far, if it has bytes; the run starts anew.
    pub fn take(&mut self) -> Option<Stray> {
        (!self.data.is_empty()).then(|| std::mem::take(self))
    }

    /// How many bytes it has.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// `wire` cut at the given points (sorted, in range): how the framers' split-invariance tests
/// feed the same bytes in other chunks.
#[cfg(test)]
pub(crate) fn cut_at(wire: &[u8], mut at: Vec<usize>) -> Vec<&[u8]> {
    at.sort_unstable();
    let mut chunks = Vec::new();
    let mut from = 0;
    for a in at {
        let a = a.clamp(from, wire.len());
        chunks.push(&wire[from..a]);
        from = a;
    }
    chunks.push(&wire[from..]);
    chunks
}
