//! AT decoding: framing of both directions and the grammar of one line.
