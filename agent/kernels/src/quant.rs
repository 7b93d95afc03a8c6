//! Quantized matrix × vector products for decoding one token at a time, over weights kept in
//! their GGUF block formats (Q4_1 and Q8_0, 32 values per block).
//!
//! Decode reads every weight once per token, so its speed is set by the bytes read and the
//! work per byte. candle has no SIMD kernel for Q4_1, so the engine used to requantize Q4_1 to
//! Q8_0 at load: 1.06 bytes per weight instead of 0.625. Here Q4_1 stays 4-bit and runs the
//! dot product ggml runs (`vec_dot_q4_1_q8_1`): the activation is quantized once per product to
//! 8-bit blocks with their sums, each weight block costs one multiply-add of bytes, and four
//! rows share each activation load.
//!
//! The scales are converted from f16 to f32 once, at load, so the inner loop needs no F16C.
//! Weights then take 0.75 (Q4_1) or 1.125 (Q8_0) bytes each.
//!
//! The SIMD path uses AVX2 and FMA, chosen at run time through `pulp` (whose safe wrappers keep
//! this crate free of `unsafe`); other CPUs run the scalar path, which gives the same integer
//! sums and differs only in float rounding order.

use rayon::prelude::*;

/// Values per quantized block.
pub const BLOCK: usize = 32;

/// Errors from building a quantized matrix.
#[derive(Debug, thiserror::Error)]
pub enum QuantError {
    #[error("{cols} columns is not a multiple of the {BLOCK}-value block")]
    Columns { cols: usize },
    #[error("{kind:?} matrix of {rows}x{cols} needs {want} bytes, got {got}")]
    Bytes {
        kind: QKind,
        rows: usize,
        cols: usize,
        want: usize,
        got: usize,
    },
    #[error("product of a {cols}-column matrix with a vector of {len}")]
    Vector { cols: usize, len: usize },
}

/// The GGUF block formats these kernels take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QKind {
    /// f16 scale, f16 minimum, 32 unsigned 4-bit values (value = q * d + m).
    Q4_1,
    /// f16 scale, 32 signed 8-bit values (value = q * d).
    Q8_0,
}

impl QKind {
    /// Bytes of one block as stored in a GGUF file.
    pub fn block_bytes(self) -> usize {
        match self {
            QKind::Q4_1 => 4 + BLOCK / 2,
            QKind::Q8_0 => 2 + BLOCK,
        }
    }
}

/// Rows stored together: a tile holds, per block, the four rows' scales, then (Q4_1) their
/// minimums, then their values, so one product reads one stream of memory and the four rows
/// share each activation load.
const TILE: usize = 4;

/// A `rows × cols` weight matrix in a block format, one row per output, held as tiles of
/// [`TILE`] rows (the last tile padded with zero rows).
#[derive(Debug)]
pub struct QMatrix {
    kind: QKind,
    rows: usize,
    cols: usize,
    /// Tile after tile; within a tile, block after block, each [`QKind::tile_bytes`] long:
    /// 4 f32 scales, 4 f32 minimums (Q4_1), then 4 rows of 16 nibble bytes (Q4_1: low nibbles
    /// are values 0..16, high 16..32) or of 32 signed bytes (Q8_0).
    data: Vec<u8>,
}

/// Bytes of one block of a tile.
const Q4_1_TILE: usize = TILE * (4 + 4 + BLOCK / 2);
const Q8_0_TILE: usize = TILE * (4 + BLOCK);

impl QKind {
    fn tile_bytes(self) -> usize {
        match self {
            QKind::Q4_1 => Q4_1_TILE,
            QKind::Q8_0 => Q8_0_TILE,
        }
    }
}

fn f16(lo: u8, hi: u8) -> f32 {
    half::f16::from_bits(u16::from_le_bytes([lo, hi])).to_f32()
}

#[inline(always)]
fn f32_at(b: &[u8], at: usize) -> f32 {
    f32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl QMatrix {
    /// Take a matrix from its GGUF bytes (blocks of a row are contiguous, rows follow).
    pub fn from_ggml(
        kind: QKind,
        rows: usize,
        cols: usize,
        bytes: &[u8],
    ) -> Result<Self, QuantError> {
        if !cols.is_multiple_of(BLOCK) {
            return Err(QuantError::Columns { cols });
        }
        let nb = cols / BLOCK;
        let want = rows * nb * kind.block_bytes();
        if bytes.len() != want {
            return Err(QuantError::Bytes {
                kind,
                rows,
                cols,
                want,
                got: bytes.len(),
            });
        }
        let tb = kind.tile_bytes();
        let mut data = vec![0u8; rows.div_ceil(TILE) * nb * tb];
        for (i, b) in bytes.chunks_exact(kind.block_bytes()).enumerate() {
            let (r, j) = (i / nb, i % nb);
            let (t, k) = (r / TILE, r % TILE);
            let tile = &mut data[(t * nb + j) * tb..(t * nb + j + 1) * tb];
            tile[4 * k..4 * k + 4].copy_from_slice(&f16(b[0], b[1]).to_le_bytes());
            match kind {
                QKind::Q4_1 => {
                    tile[16 + 4 * k..20 + 4 * k].copy_from_slice(&f16(b[2], b[3]).to_le_bytes());
                    tile[32 + 16 * k..48 + 16 * k].copy_from_slice(&b[4..]);
                }
                QKind::Q8_0 => tile[16 + 32 * k..48 + 32 * k].copy_from_slice(&b[2..]),
            }
        }
        Ok(Self {
            kind,
            rows,
            cols,
            data,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The blocks of tile `t`.
    fn tile(&self, t: usize) -> &[u8] {
        let len = self.cols / BLOCK * self.kind.tile_bytes();
        &self.data[t * len..(t + 1) * len]
    }

    /// Row `r` as f32 into `out` (`cols` long): an embedding lookup.
    pub fn dequantize_row(&self, r: usize, out: &mut [f32]) {
        let k = r % TILE;
        let blocks = self.tile(r / TILE).chunks_exact(self.kind.tile_bytes());
        for (o, b) in out.chunks_exact_mut(BLOCK).zip(blocks) {
            let d = f32_at(b, 4 * k);
            match self.kind {
                QKind::Q4_1 => {
                    let m = f32_at(b, 16 + 4 * k);
                    let q = &b[32 + 16 * k..48 + 16 * k];
                    for i in 0..16 {
                        o[i] = f32::from(q[i] & 0x0f) * d + m;
                        o[i + 16] = f32::from(q[i] >> 4) * d + m;
                    }
                }
                QKind::Q8_0 => {
                    let q = &b[16 + 32 * k..48 + 32 * k];
                    for i in 0..BLOCK {
                        o[i] = f32::from(q[i] as i8) * d;
                    }
                }
            }
        }
    }

    /// The whole matrix as f32, row-major (for prompt chunks, which run as GEMMs).
    pub fn dequantize(&self) -> Vec<f32> {
        let mut out = vec![0f32; self.rows * self.cols];
        out.par_chunks_mut(self.cols)
            .enumerate()
            .for_each(|(r, row)| self.dequantize_row(r, row));
        out
    }

    /// `out[i] = row(first + i) · x` for `out.len()` rows.
    fn dot_rows(&self, first: usize, x: &QVector, out: &mut [f32]) {
        let mut r = first;
        let end = first + out.len();
        while r < end {
            let t = r / TILE;
            let sums = self.dot_tile(t, x);
            let upto = end.min((t + 1) * TILE);
            out[r - first..upto - first].copy_from_slice(&sums[r - t * TILE..upto - t * TILE]);
            r = upto;
        }
    }

    /// The four products of tile `t` with `x`.
    fn dot_tile(&self, t: usize, x: &QVector) -> [f32; TILE] {
        let tile = self.tile(t);
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V3::try_new() {
            return simd.vectorize(v3::DotTile {
                simd,
                kind: self.kind,
                tile,
                x,
            });
        }
        dot_tile_scalar(self.kind, tile, x)
    }
}

fn dot_tile_scalar(kind: QKind, tile: &[u8], x: &QVector) -> [f32; TILE] {
    let mut sums = [0f32; TILE];
    let blocks = tile.chunks_exact(kind.tile_bytes());
    for (j, b) in blocks.enumerate() {
        let y = &x.q[j * BLOCK..(j + 1) * BLOCK];
        for (k, sum) in sums.iter_mut().enumerate() {
            let d = f32_at(b, 4 * k) * x.d[j];
            let mut sumi = 0i32;
            match kind {
                QKind::Q4_1 => {
                    let q = &b[32 + 16 * k..48 + 16 * k];
                    for i in 0..16 {
                        sumi += i32::from(q[i] & 0x0f) * i32::from(y[i]);
                        sumi += i32::from(q[i] >> 4) * i32::from(y[i + 16]);
                    }
                    *sum += d * sumi as f32 + f32_at(b, 16 + 4 * k) * x.s[j];
                }
                QKind::Q8_0 => {
                    let q = &b[16 + 32 * k..48 + 32 * k];
                    for i in 0..BLOCK {
                        sumi += i32::from(q[i] as i8) * i32::from(y[i]);
                    }
                    *sum += d * sumi as f32;
                }
            }
        }
    }
    sums
}

/// An activation vector quantized to 8-bit blocks, as ggml's `q8_1`: per block a scale `d`
/// (max |x| / 127), 32 values rounded half away from zero, and `s = d * Σq` (which carries
/// Q4_1's minimum through the product).
#[derive(Debug)]
pub struct QVector {
    q: Vec<i8>,
    d: Vec<f32>,
    s: Vec<f32>,
}

impl QVector {
    /// Quantize `x` (its length a multiple of [`BLOCK`]).
    pub fn quantize(x: &[f32]) -> Self {
        let nb = x.len() / BLOCK;
        let mut q = vec![0i8; nb * BLOCK];
        let mut d = Vec::with_capacity(nb);
        let mut s = Vec::with_capacity(nb);
        for (xb, qb) in x.chunks_exact(BLOCK).zip(q.chunks_exact_mut(BLOCK)) {
            let amax = xb.iter().fold(0f32, |a, v| a.max(v.abs()));
            let scale = amax / 127.0;
            let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
            let mut sum = 0i32;
            for (o, v) in qb.iter_mut().zip(xb) {
                let t = v * inv;
                // Round half away from zero (roundf) without a libm call; |t| <= 127.
                let r = (t + 0.5f32.copysign(t)) as i32;
                *o = r as i8;
                sum += r;
            }
            d.push(scale);
            s.push(scale * sum as f32);
        }
        Self { q, d, s }
    }
}

/// Rows per parallel work item: about eight items per thread, a multiple of 4 (the SIMD path
/// takes four rows at a time), at least 16 so an item outweighs its scheduling.
fn chunk_rows(total: usize) -> usize {
    let per = total.div_ceil(rayon::current_num_threads().max(1) * 8);
    per.max(16).next_multiple_of(4)
}

/// The products of several matrices with one vector (`q`, `k` and `v`, or `gate` and `up`):
/// the vector is quantized once and all rows run in one parallel region.
pub fn gemv_many(mats: &[&QMatrix], x: &[f32]) -> Result<Vec<Vec<f32>>, QuantError> {
    for m in mats {
        if m.cols != x.len() {
            return Err(QuantError::Vector {
                cols: m.cols,
                len: x.len(),
            });
        }
    }
    let qx = QVector::quantize(x);
    let starts: Vec<usize> = mats
        .iter()
        .scan(0, |acc, m| {
            let s = *acc;
            *acc += m.rows;
            Some(s)
        })
        .collect();
    let total: usize = mats.iter().map(|m| m.rows).sum();
    let mut all = vec![0f32; total];
    let per = chunk_rows(total);
    all.par_chunks_mut(per).enumerate().for_each(|(c, chunk)| {
        let (mut r, end) = (c * per, c * per + chunk.len());
        while r < end {
            // The matrix holding global row r, and how far this chunk runs inside it.
            let i = starts.partition_point(|&s| s <= r) - 1;
            let upto = end.min(starts[i] + mats[i].rows);
            mats[i].dot_rows(r - starts[i], &qx, &mut chunk[r - c * per..upto - c * per]);
            r = upto;
        }
    });
    let mut out = Vec::with_capacity(mats.len());
    let mut rest = all.as_slice();
    for m in mats {
        let (head, tail) = rest.split_at(m.rows);
        out.push(head.to_vec());
        rest = tail;
    }
    Ok(out)
}

/// `W · x` for one matrix.
pub fn gemv(w: &QMatrix, x: &[f32]) -> Result<Vec<f32>, QuantError> {
    Ok(gemv_many(&[w], x)?.pop().unwrap_or_default())
}

#[cfg(target_arch = "x86_64")]
mod v3 {
    //! AVX2 + FMA. Every function is `#[inline(always)]` so it compiles inside
    //! `V3::vectorize`, where those features are enabled.

    use core::arch::x86_64::{__m128, __m128i, __m256, __m256i};
    use pulp::x86::V3;

    use super::{BLOCK, Q4_1_TILE, Q8_0_TILE, QKind, QVector, TILE, f32_at};

    /// One tile product as `V3::vectorize` takes it (a closure might not be inlined into the
    /// function that enables the features; this `call` is).
    pub(super) struct DotTile<'a> {
        pub simd: V3,
        pub kind: QKind,
        pub tile: &'a [u8],
        pub x: &'a QVector,
    }

    impl pulp::NullaryFnOnce for DotTile<'_> {
        type Output = [f32; TILE];

        #[inline(always)]
        fn call(self) -> [f32; TILE] {
            match self.kind {
                QKind::Q4_1 => q4_1(self.simd, self.tile, self.x),
                QKind::Q8_0 => q8_0(self.simd, self.tile, self.x),
            }
        }
    }

    #[inline(always)]
    fn load16(b: &[u8]) -> __m128i {
        let a: [u8; 16] = b[..16].try_into().unwrap_or([0; 16]);
        pulp::cast(a)
    }

    #[inline(always)]
    fn load32(b: &[u8]) -> __m256i {
        let a: [u8; 32] = b[..32].try_into().unwrap_or([0; 32]);
        pulp::cast(a)
    }

    #[inline(always)]
    fn load4f(b: &[u8]) -> __m128 {
        let a: [u8; 16] = b[..16].try_into().unwrap_or([0; 16]);
        pulp::cast(a)
    }

    #[inline(always)]
    fn hsum(v: __m256) -> f32 {
        let a: [f32; 8] = pulp::cast(v);
        ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]))
    }

    /// 32 unsigned values (0..16) from 16 bytes of nibbles: low nibbles in the low half.
    #[inline(always)]
    fn nibbles(s: V3, q: __m128i) -> __m256i {
        let hi = s.sse2._mm_srli_epi16::<4>(q);
        let both = s.avx._mm256_set_m128i(hi, q);
        s.avx2._mm256_and_si256(both, s.avx._mm256_set1_epi8(0x0f))
    }

    /// Sum of the 32 products u8 × i8 of a block, as 8 lanes of f32.
    #[inline(always)]
    fn block_dot(s: V3, w: __m256i, y: __m256i) -> __m256 {
        let p16 = s.avx2._mm256_maddubs_epi16(w, y);
        let p32 = s.avx2._mm256_madd_epi16(p16, s.avx._mm256_set1_epi16(1));
        s.avx._mm256_cvtepi32_ps(p32)
    }

    #[inline(always)]
    fn q4_1(s: V3, tile: &[u8], x: &QVector) -> [f32; TILE] {
        let mut acc = [s.avx._mm256_setzero_ps(); TILE];
        let mut mins = s.sse._mm_setzero_ps();
        let (blocks, _) = tile.as_chunks::<Q4_1_TILE>();
        let (ys, _) = x.q.as_chunks::<BLOCK>();
        for ((b, y), (&dx, &sx)) in blocks.iter().zip(ys).zip(x.d.iter().zip(&x.s)) {
            let y: __m256i = pulp::cast(*y);
            // Σ m·(d_x Σq_x) for the four rows at once.
            mins = s
                .fma
                ._mm_fmadd_ps(load4f(&b[16..]), s.sse._mm_set1_ps(sx), mins);
            for (k, a) in acc.iter_mut().enumerate() {
                let scale = s.avx._mm256_set1_ps(f32_at(b, 4 * k) * dx);
                let p = block_dot(s, nibbles(s, load16(&b[32 + 16 * k..])), y);
                *a = s.fma._mm256_fmadd_ps(scale, p, *a);
            }
        }
        let mins: [f32; TILE] = pulp::cast(mins);
        [
            hsum(acc[0]) + mins[0],
            hsum(acc[1]) + mins[1],
            hsum(acc[2]) + mins[2],
            hsum(acc[3]) + mins[3],
        ]
    }

    /// Q8_0 weights are signed: the sign moves onto the activation (as ggml does).
    #[inline(always)]
    fn q8_0(s: V3, tile: &[u8], x: &QVector) -> [f32; TILE] {
        let mut acc = [s.avx._mm256_setzero_ps(); TILE];
        let (blocks, _) = tile.as_chunks::<Q8_0_TILE>();
        let (ys, _) = x.q.as_chunks::<BLOCK>();
        for ((b, y), &dx) in blocks.iter().zip(ys).zip(&x.d) {
            let y: __m256i = pulp::cast(*y);
            for (k, a) in acc.iter_mut().enumerate() {
                let w = load32(&b[16 + 32 * k..]);
                let scale = s.avx._mm256_set1_ps(f32_at(b, 4 * k) * dx);
                let p = block_dot(s, s.avx2._mm256_abs_epi8(w), s.avx2._mm256_sign_epi8(y, w));
                *a = s.fma._mm256_fmadd_ps(scale, p, *a);
            }
        }
        [hsum(acc[0]), hsum(acc[1]), hsum(acc[2]), hsum(acc[3])]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random f32 in [-1, 1).
    fn noise(i: usize) -> f32 {
        let x = (i as u64)
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((x >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    /// GGUF bytes of a random matrix in `kind`.
    fn ggml_bytes(kind: QKind, rows: usize, cols: usize, seed: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for b in 0..rows * cols / BLOCK {
            let h = |v: f32| half::f16::from_f32(v).to_bits().to_le_bytes();
            out.extend(h(0.01 + 0.02 * noise(seed + 7 * b).abs()));
            match kind {
                QKind::Q4_1 => {
                    out.extend(h(-0.1 * noise(seed + 11 * b).abs()));
                    out.extend((0..16).map(|i| (noise(seed + 31 * b + i) * 1e4) as u8));
                }
                QKind::Q8_0 => {
                    out.extend((0..32).map(|i| (noise(seed + 37 * b + i) * 127.0) as i8 as u8))
                }
            }
        }
        out
    }

    fn reference(w: &QMatrix, x: &[f32]) -> Vec<f32> {
        let dense = w.dequantize();
        dense
            .chunks_exact(w.cols)
            .map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum())
            .collect()
    }

    #[test]
    fn products_match_the_dequantized_matrix_within_activation_rounding() {
        for kind in [QKind::Q4_1, QKind::Q8_0] {
            // 10 rows: two quads and a remainder of two.
            let (rows, cols) = (10, 96);
            let w = QMatrix::from_ggml(kind, rows, cols, &ggml_bytes(kind, rows, cols, 3))
                .expect("valid matrix");
            let x: Vec<f32> = (0..cols).map(|i| noise(1000 + i)).collect();
            let got = gemv(&w, &x).expect("product");
            let want = reference(&w, &x);
            for (g, r) in got.iter().zip(&want) {
                // The activation is rounded to 8 bits: about 0.4 % of its block maximum.
                let scale: f32 = w.dequantize().iter().map(|v| v.abs()).sum::<f32>() / rows as f32;
                assert!((g - r).abs() <= 0.01 * scale, "{kind:?}: {g} vs {r}");
            }
        }
    }

    #[test]
    fn simd_and_scalar_paths_give_the_same_sums() {
        for kind in [QKind::Q4_1, QKind::Q8_0] {
            let (rows, cols) = (7, 64);
            let w = QMatrix::from_ggml(kind, rows, cols, &ggml_bytes(kind, rows, cols, 9))
                .expect("valid matrix");
            let x: Vec<f32> = (0..cols).map(|i| noise(77 + i)).collect();
            let qx = QVector::quantize(&x);
            for t in 0..rows.div_ceil(TILE) {
                let fast = w.dot_tile(t, &qx);
                let slow = dot_tile_scalar(kind, w.tile(t), &qx);
                for (f, s) in fast.iter().zip(&slow) {
                    assert!(
                        (f - s).abs() <= 1e-4 * s.abs().max(1.0),
                        "{kind:?} tile {t}: {f} vs {s}"
                    );
                }
            }
        }
    }

    #[test]
    fn several_matrices_share_one_parallel_product() {
        let cols = 64;
        let a = QMatrix::from_ggml(QKind::Q4_1, 40, cols, &ggml_bytes(QKind::Q4_1, 40, cols, 1))
            .expect("a");
        let b = QMatrix::from_ggml(QKind::Q4_1, 13, cols, &ggml_bytes(QKind::Q4_1, 13, cols, 2))
            .expect("b");
        let x: Vec<f32> = (0..cols).map(|i| noise(5 + i)).collect();
        let both = gemv_many(&[&a, &b], &x).expect("products");
        assert_eq!(both[0], gemv(&a, &x).expect("a"));
        assert_eq!(both[1], gemv(&b, &x).expect("b"));
        // A matrix whose rows are not a multiple of the tile first: the next one starts
        // mid-tile in the shared output, and work items cut through tiles.
        let swapped = gemv_many(&[&b, &a], &x).expect("products");
        assert_eq!(swapped[0], both[1]);
        assert_eq!(swapped[1], both[0]);
    }

    #[test]
    fn q4_1_rows_dequantize_as_ggml_lays_them_out() {
        // One block: d = 1, m = -8, nibbles j | (15 - j) << 4.
        let mut bytes = Vec::new();
        bytes.extend(half::f16::from_f32(1.0).to_bits().to_le_bytes());
        bytes.extend(half::f16::from_f32(-8.0).to_bits().to_le_bytes());
        bytes.extend((0..16u8).map(|j| j | (15 - j) << 4));
        let w = QMatrix::from_ggml(QKind::Q4_1, 1, 32, &bytes).expect("block");
        let mut row = vec![0f32; 32];
        w.dequantize_row(0, &mut row);
        assert_eq!(row[0], -8.0);
        assert_eq!(row[15], 7.0);
        assert_eq!(row[16], 7.0);
        assert_eq!(row[31], -8.0);
    }

    #[test]
    fn bad_shapes_are_errors() {
        assert!(matches!(
            QMatrix::from_ggml(QKind::Q8_0, 1, 30, &[0; 34]),
            Err(QuantError::Columns { cols: 30 })
        ));
        assert!(matches!(
            QMatrix::from_ggml(QKind::Q8_0, 2, 32, &[0; 34]),
            Err(QuantError::Bytes { want: 68, .. })
        ));
        let w = QMatrix::from_ggml(QKind::Q8_0, 1, 32, &[0; 34]).expect("zero block");
        assert!(matches!(
            gemv(&w, &[0.0; 64]),
            Err(QuantError::Vector { .. })
        ));
    }
}
