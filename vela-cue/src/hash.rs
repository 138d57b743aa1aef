//! A small, fast, non-cryptographic hasher for the evaluator's maps (labels are short strings).

use std::hash::{BuildHasherDefault, Hasher};

/// FxHash-style hasher (multiply-rotate), as used by rustc.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
        // the tail, zero-padded, read in fixed-size pieces (a variable-length copy is a
        // memcpy call)
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let (mut w, mut i) = (0u64, 0usize);
            if let Some(b) = rest.first_chunk::<4>() {
                w = u32::from_le_bytes(*b) as u64;
                i = 4;
            }
            if let Some(b) = rest[i..].first_chunk::<2>() {
                w |= (u16::from_le_bytes(*b) as u64) << (i * 8);
                i += 2;
            }
            if let Some(b) = rest.get(i) {
                w |= (*b as u64) << (i * 8);
            }
            self.add(w);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// Build-hasher for [`FxHasher`].
pub type FxBuild = BuildHasherDefault<FxHasher>;
/// `HashMap` with [`FxHasher`].
pub type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuild>;

/// A `HashSet` with [`FxHasher`].
pub type FxHashSet<K> = std::collections::HashSet<K, FxBuild>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_hash_like_zero_padded_words() {
        let text = b"abcdefghijklmnopq";
        for n in 0..text.len() {
            let mut h = FxHasher::default();
            h.write(&text[..n]);
            let mut want = FxHasher::default();
            for c in text[..n].chunks(8) {
                let mut b = [0u8; 8];
                b[..c.len()].copy_from_slice(c);
                want.add(u64::from_le_bytes(b));
            }
            assert_eq!(h.finish(), want.finish(), "{n} bytes");
        }
    }
}
