//! Packed logic samples (sigrok's layout) → level transitions: the one scanner shared by the
//! `.sr` reader ([`super::sr`]) and the live libsigrok feed (`super::live_sigrok`).
//!
//! A sample is `unitsize` bytes, little-endian; bit `b` of it is the level of the channel at
//! bit `b` (the first 8 bytes, i.e. 64 channels, are read). Bytes may come in pieces of any
//! size: a sample cut between two pieces is completed by the next one.

use super::wave::Edge;

/// The transitions of picked bits of a stream of packed samples.
#[derive(Debug, Clone)]
pub struct PackedScanner {
    unitsize: usize,
    /// Channel of each sample bit (`u32::MAX`: none).
    chan_of_bit: [u32; 64],
    mask: u64,
    /// Masked value of the previous sample.
    cur: u64,
    /// Index of the next sample.
    pos: u64,
    /// Bytes of a sample cut at the end of the previous piece.
    cut: Vec<u8>,
}

/// The first up to 8 bytes of a sample as a little-endian number.
pub fn sample_at(s: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = s.len().min(8);
    b[..n].copy_from_slice(&s[..n]);
    u64::from_le_bytes(b)
}

impl PackedScanner {
    /// A scanner of samples of `unitsize` bytes (at least 1) where channel `i` is at bit
    /// `bits[i]` (below 64; higher bits are ignored).
    pub fn new(unitsize: usize, bits: &[u32]) -> PackedScanner {
        let mut chan_of_bit = [u32::MAX; 64];
        let mut mask = 0u64;
        for (ch, &bit) in bits.iter().enumerate().filter(|(_, &b)| b < 64) {
            chan_of_bit[bit as usize] = ch as u32;
            mask |= 1 << bit;
        }
        PackedScanner { unitsize: unitsize.max(1), chan_of_bit, mask, cur: 0, pos: 0, cut: Vec::new() }
    }

    /// Bytes per sample.
    pub fn unitsize(&self) -> usize {
        self.unitsize
    }

    /// Index of the next sample.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// Takes `first` (a whole sample) as the levels before the stream, so that its first sample
    /// gives no transition; returns each channel's level in it (channel order of `bits`).
    pub fn start(&mut self, first: &[u8], bits: &[u32]) -> Vec<bool> {
        self.cur = sample_at(first) & self.mask;
        bits.iter().map(|&b| b < 64 && self.cur >> b & 1 == 1).collect()
    }

    /// Skips `samples` samples that were not received (the levels carry over); a cut sample
    /// is dropped with them.
    pub fn skip(&mut self, samples: u64) {
        self.cut.clear();
        self.pos += samples;
    }

    /// Appends the transitions in `data` (any number of bytes) to `out`.
    pub fn scan(&mut self, mut data: &[u8], out: &mut Vec<Edge>) {
        let u = self.unitsize;
        if !self.cut.is_empty() {
            let need = (u - self.cut.len()).min(data.len());
            self.cut.extend_from_slice(&data[..need]);
            data = &data[need..];
            if self.cut.len() < u {
                return;
            }
            let whole = std::mem::take(&mut self.cut);
            self.scan_whole(&whole, out);
        }
        let whole = data.len() - data.len() % u;
        self.scan_whole(&data[..whole], out);
        self.cut.extend_from_slice(&data[whole..]);
    }

    fn emit(&self, sample: u64, diff: u64, new: u64, out: &mut Vec<Edge>) {
        let mut d = diff;
        while d != 0 {
            let bit = d.trailing_zeros();
            d &= d - 1;
            out.push(Edge { sample, channel: self.chan_of_bit[bit as usize], level: new >> bit & 1 == 1 });
        }
    }

    /// Scans whole samples.
    fn scan_whole(&mut self, data: &[u8], out: &mut Vec<Edge>) {
        let base = self.pos;
        let mask = self.mask;
        if self.unitsize == 1 {
            let m = mask as u8;
            let mut c = self.cur as u8;
            const ONES: u64 = 0x0101_0101_0101_0101;
            let mask8 = u64::from(m) * ONES;
            let word = |i: usize| u64::from_le_bytes(data[i..i + 8].try_into().expect("8 bytes"));
            let mut i = 0;
            while i + 8 <= data.len() {
                let splat = u64::from(c) * ONES;
                // Skip 64-byte blocks without a change (the common case).
                while i + 64 <= data.len() {
                    let mut acc = 0u64;
                    for k in 0..8 {
                        acc |= word(i + 8 * k) ^ splat;
                    }
                    if acc & mask8 != 0 {
                        break;
                    }
                    i += 64;
                }
                // Then 8 bytes at a time; a changed byte is found from the lowest set bit.
                while i + 8 <= data.len() {
                    let x = (word(i) ^ splat) & mask8;
                    if x == 0 {
                        i += 8;
                        continue;
                    }
                    let at = i + (x.trailing_zeros() / 8) as usize;
                    let b = data[at] & m;
                    self.emit(base + at as u64, u64::from(b ^ c), u64::from(b), out);
                    c = b;
                    i = at + 1;
                    break;
                }
            }
            for (j, &b) in data.iter().enumerate().skip(i) {
                let b = b & m;
                if b != c {
                    self.emit(base + j as u64, u64::from(b ^ c), u64::from(b), out);
                    c = b;
                }
            }
            self.cur = u64::from(c);
        } else {
            let mut cur = self.cur;
            for (k, s) in data.chunks_exact(self.unitsize).enumerate() {
                let v = sample_at(s) & mask;
                if v != cur {
                    self.emit(base + k as u64, v ^ cur, v, out);
                    cur = v;
                }
            }
            self.cur = cur;
        }
        self.pos += (data.len() / self.unitsize) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The transitions by the definition: sample by sample, bit by bit.
    fn naive(data: &[u8], unitsize: usize, bits: &[u32]) -> Vec<Edge> {
        let samples: Vec<u64> = data.chunks_exact(unitsize).map(sample_at).collect();
        let mut out = Vec::new();
        for (i, w) in samples.windows(2).enumerate() {
            for (ch, &b) in bits.iter().enumerate() {
                let (a, z) = (w[0] >> b & 1, w[1] >> b & 1);
                if a != z {
                    out.push(Edge { sample: i as u64 + 1, channel: ch as u32, level: z == 1 });
                }
            }
        }
        // Same order as the scanner: by sample, then by bit.
        out.sort_by_key(|e| (e.sample, bits[e.channel as usize]));
        out
    }

    proptest! {
        #[test]
        fn pieces_of_any_size_give_the_transitions_of_the_whole(
            unitsize in 1usize..=9,
            raw in proptest::collection::vec(any::<u8>(), 0..600),
            runs in 1usize..40,
            cuts in proptest::collection::vec(0usize..700, 0..12),
            bits in proptest::collection::btree_set(0u32..72, 1..6),
        ) {
            // Runs of repeated samples, so that the skip-ahead paths are taken.
            let mut data = Vec::new();
            for s in raw.chunks(unitsize) {
                for _ in 0..runs {
                    data.extend_from_slice(s);
                }
            }
            let bits: Vec<u32> = bits.into_iter().filter(|&b| (b as usize) < unitsize * 8 && b < 64).collect();
            prop_assume!(!bits.is_empty() && data.len() >= unitsize);
            let mut s = PackedScanner::new(unitsize, &bits);
            let levels = s.start(&data[..unitsize], &bits);
            prop_assert_eq!(levels.len(), bits.len());
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
            cuts.sort_unstable();
            let mut out = Vec::new();
            let mut at = 0;
            for c in cuts.into_iter().chain([data.len()]) {
                s.scan(&data[at..c], &mut out);
                at = c;
            }
            // `start` consumed no sample: the stream's first sample is scanned again, equal.
            prop_assert_eq!(s.pos(), (data.len() / unitsize) as u64);
            prop_assert_eq!(out, naive(&data[..data.len() - data.len() % unitsize], unitsize, &bits));
        }
    }

    #[test]
    fn a_skip_moves_time_on_and_drops_a_cut_sample() {
        let mut s = PackedScanner::new(2, &[0, 9]);
        s.start(&[0, 0], &[0, 9]);
        let mut out = Vec::new();
        s.scan(&[0, 0, 1], &mut out); // one sample and half of the next
        s.skip(10);
        s.scan(&[1, 2], &mut out);
        assert_eq!(s.pos(), 12);
        assert_eq!(out, [Edge { sample: 11, channel: 0, level: true }, Edge { sample: 11, channel: 1, level: true }]);
    }
}
