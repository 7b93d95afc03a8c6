//! CPU kernels of the local inference engine that candle's general operators do slowly for
//! an agent's shapes. Plain safe Rust over slices, written so the compiler vectorizes it (eight
//! independent accumulators, fixed-width chunks); the workspace builds this crate optimized
//! even in debug profiles, so tests and `cargo run` get the same speed as a release.

pub mod quant;

use rayon::prelude::*;

/// Lanes of the accumulators (one AVX register of f32).
const LANES: usize = 8;

#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        s += x * y;
    }
    s
}

#[inline(always)]
fn axpy(out: &mut [f32], p: f32, v: &[f32]) {
    for (o, x) in out.iter_mut().zip(v) {
        *o += p * x;
    }
}

/// e^x to about 2e-7 relative error, branch-free so a loop over a slice vectorizes (libm's
/// `expf` is a call per element). `x` is clamped to [-87, 88], where f32 stays normal.
#[inline(always)]
pub fn exp_fast(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    // Adding and subtracting 1.5·2^23 rounds to the nearest integer in plain f32 arithmetic.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let n = (x * std::f32::consts::LOG2_E + ROUND) - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO; // |r| <= ln2 / 2
    // Taylor to degree 6 on |r| <= 0.347: the next term is below 1.2e-7.
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    p * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

#[inline(always)]
fn sum(xs: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let mut c = xs.chunks_exact(LANES);
    for x in &mut c {
        for i in 0..LANES {
            acc[i] += x[i];
        }
    }
    acc.iter().sum::<f32>() + c.remainder().iter().sum::<f32>()
}

#[inline(always)]
fn max(xs: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; LANES];
    let mut c = xs.chunks_exact(LANES);
    for x in &mut c {
        for i in 0..LANES {
            acc[i] = acc[i].max(x[i]);
        }
    }
    c.remainder()
        .iter()
        .chain(&acc)
        .copied()
        .fold(f32::NEG_INFINITY, f32::max)
}

/// Softmax in place over the first `visible` values of `row`; the rest become 0.
#[inline(always)]
fn softmax_prefix(row: &mut [f32], visible: usize) {
    let (vis, hidden) = row.split_at_mut(visible.min(row.len()));
    hidden.fill(0.0);
    let m = max(vis);
    for x in vis.iter_mut() {
        *x = exp_fast(*x - m);
    }
    let inv = 1.0 / sum(vis);
    for x in vis.iter_mut() {
        *x *= inv;
    }
}

/// The shape of a KV cache laid out `[n_kv][capacity][head_dim]`, valid for `len` positions.
#[derive(Debug, Clone, Copy)]
pub struct CacheShape {
    pub n_head: usize,
    pub n_kv: usize,
    pub head_dim: usize,
    pub capacity: usize,
    pub len: usize,
}

impl CacheShape {
    /// KV heads (at least one) and the query heads sharing each.
    fn groups(&self) -> (usize, usize) {
        let n_kv = self.n_kv.max(1);
        (n_kv, (self.n_head / n_kv).max(1))
    }
}

/// Positions one task of [`attend_one`] covers at least: below this, splitting a KV head's
/// positions across threads costs more than it saves.
const SPLIT_MIN: usize = 256;

/// One task's share of a KV head's attention: for each query head of the group, the running
/// max score, the sum of `e^(score - max)` and the unnormalised weighted sum of values.
struct Partial {
    max: Vec<f32>,
    sum: Vec<f32>,
    acc: Vec<f32>,
}

/// Attention of the query heads `qs` (`[group][head_dim]`, sharing one KV head) over positions
/// `range` of that head's keys `k` and values `v` (`[position][head_dim]`). Each key and value
/// row is read once for the whole group.
#[inline(always)]
fn attend_part(
    qs: &[f32],
    k: &[f32],
    v: &[f32],
    hd: usize,
    range: std::ops::Range<usize>,
    scale: f32,
) -> Partial {
    let group = qs.len() / hd;
    let n = range.len();
    let mut scores = vec![0f32; group * n];
    for (t, j) in range.clone().enumerate() {
        let kr = &k[j * hd..(j + 1) * hd];
        for g in 0..group {
            scores[g * n + t] = dot(&qs[g * hd..(g + 1) * hd], kr) * scale;
        }
    }
    let mut maxes = vec![0f32; group];
    let mut sums = vec![0f32; group];
    for g in 0..group {
        let s = &mut scores[g * n..(g + 1) * n];
        let m = max(s);
        for x in s.iter_mut() {
            *x = exp_fast(*x - m);
        }
        maxes[g] = m;
        sums[g] = sum(s);
    }
    let mut acc = vec![0f32; group * hd];
    for (t, j) in range.enumerate() {
        let vr = &v[j * hd..(j + 1) * hd];
        for g in 0..group {
            axpy(&mut acc[g * hd..(g + 1) * hd], scores[g * n + t], vr);
        }
    }
    Partial {
        max: maxes,
        sum: sums,
        acc,
    }
}

/// [`attend_part`] as `V3::vectorize` takes it, so it compiles with AVX2 and FMA enabled (a
/// closure might not be inlined into the function that enables them; this `call` is).
#[cfg(target_arch = "x86_64")]
struct PartFma<'a> {
    qs: &'a [f32],
    k: &'a [f32],
    v: &'a [f32],
    hd: usize,
    range: std::ops::Range<usize>,
    scale: f32,
}

#[cfg(target_arch = "x86_64")]
impl pulp::NullaryFnOnce for PartFma<'_> {
    type Output = Partial;

    #[inline(always)]
    fn call(self) -> Partial {
        attend_part(self.qs, self.k, self.v, self.hd, self.range, self.scale)
    }
}

/// Causal attention of one new query row (all heads) over the cache: `q` is
/// `[n_head][head_dim]`, the result too. Query heads share KV heads in consecutive groups
/// (head `h` reads KV head `h / (n_head / n_kv)`), as Llama-family GQA does. Each KV row is
/// read once per group, and long caches are split across threads by position, the parts merged
/// by their maxima (as flash-decoding does).
pub fn attend_one(q: &[f32], k: &[f32], v: &[f32], shape: CacheShape, scale: f32) -> Vec<f32> {
    let CacheShape {
        n_head,
        head_dim: hd,
        capacity,
        len,
        ..
    } = shape;
    let (n_kv, group) = shape.groups();
    let threads = rayon::current_num_threads().max(1);
    // Enough tasks for every thread, none shorter than SPLIT_MIN positions.
    let parts = (2 * threads)
        .div_ceil(n_kv)
        .min(len.div_ceil(SPLIT_MIN))
        .max(1);
    let per = len.div_ceil(parts).max(1);
    let tasks: Vec<(usize, std::ops::Range<usize>)> = (0..n_kv)
        .flat_map(|kv| {
            (0..parts)
                .map(move |p| (kv, (p * per).min(len)..((p + 1) * per).min(len)))
                .filter(|(_, r)| !r.is_empty())
        })
        .collect();
    let partials: Vec<(usize, Partial)> = tasks
        .into_par_iter()
        .map(|(kv, range)| {
            let base = kv * capacity * hd;
            let kh = &k[base..base + len * hd];
            let vh = &v[base..base + len * hd];
            let qs = &q[kv * group * hd..(kv + 1) * group * hd];
            #[cfg(target_arch = "x86_64")]
            if let Some(v3) = pulp::x86::V3::try_new() {
                // The same code, compiled where AVX2 and FMA are enabled.
                let part = PartFma {
                    qs,
                    k: kh,
                    v: vh,
                    hd,
                    range,
                    scale,
                };
                return (kv, v3.vectorize(part));
            }
            (kv, attend_part(qs, kh, vh, hd, range, scale))
        })
        .collect();
    let mut out = vec![0f32; n_head * hd];
    for kv in 0..n_kv {
        let mine: Vec<&Partial> = partials
            .iter()
            .filter(|(k, _)| *k == kv)
            .map(|(_, p)| p)
            .collect();
        for g in 0..group {
            let m = mine
                .iter()
                .map(|p| p.max[g])
                .fold(f32::NEG_INFINITY, f32::max);
            let z: f32 = mine.iter().map(|p| p.sum[g] * exp_fast(p.max[g] - m)).sum();
            let o = &mut out[(kv * group + g) * hd..(kv * group + g + 1) * hd];
            for p in &mine {
                axpy(o, exp_fast(p.max[g] - m) / z, &p.acc[g * hd..(g + 1) * hd]);
            }
        }
    }
    out
}

/// Query positions one task of [`attend_prefill`] covers (for every query head of its group):
/// its scores, `group × PREFILL_ROWS × positions`, stay in a core's cache.
const PREFILL_ROWS: usize = 8;
/// Keys scored at once: one AVX register of scores per query row.
const KEYS: usize = 8;
/// Output values a row accumulates in registers across the positions (eight AVX registers).
const VALUE_TILE: usize = 64;

/// Causal attention of a prefill chunk: `seq` query rows at positions `pos..pos + seq` over
/// the cache's first `shape.len == pos + seq` positions. `q` is `[n_head][seq][head_dim]` and
/// so is the result; query heads share KV heads in consecutive groups (as in [`attend_one`]).
///
/// Fused, so the `rows × positions` scores of a whole chunk are never materialised: each task
/// takes one KV head and [`PREFILL_ROWS`] positions, scores its rows against keys transposed
/// once per KV head (eight keys per register, no horizontal sums), applies the causal softmax
/// and sums the values, with the scores of only its own rows in memory. Future keys are
/// neither scored nor summed.
pub fn attend_prefill(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    shape: CacheShape,
    seq: usize,
    pos: usize,
    scale: f32,
) -> Vec<f32> {
    prefill(q, k, v, shape, seq, pos, scale, true)
}

/// [`attend_prefill`], with the SIMD path only where `simd` allows it (tests compare both).
#[allow(clippy::too_many_arguments)]
fn prefill(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    shape: CacheShape,
    seq: usize,
    pos: usize,
    scale: f32,
    simd: bool,
) -> Vec<f32> {
    let CacheShape {
        n_head,
        head_dim: hd,
        capacity,
        len,
        ..
    } = shape;
    let (n_kv, group) = shape.groups();
    debug_assert_eq!(len, pos + seq);
    // Keys transposed per KV head in tiles of KEYS positions, `[position / KEYS][d][KEYS]`
    // (padded to whole tiles), so scoring one tile reads one contiguous run of memory.
    let padded = len.div_ceil(KEYS) * KEYS;
    let kt: Vec<Vec<f32>> = (0..n_kv)
        .into_par_iter()
        .map(|kv| {
            let mut t = vec![0f32; hd * padded];
            let base = kv * capacity * hd;
            for j in 0..len {
                let row = &k[base + j * hd..base + (j + 1) * hd];
                let tile = (j / KEYS) * hd * KEYS + j % KEYS;
                for (d, x) in row.iter().enumerate() {
                    t[tile + d * KEYS] = *x;
                }
            }
            t
        })
        .collect();
    let blocks = seq.div_ceil(PREFILL_ROWS);
    let parts: Vec<(usize, usize, Vec<f32>)> = (0..n_kv * blocks)
        .into_par_iter()
        .map(|task| {
            let (kv, b) = (task / blocks, task % blocks);
            let i0 = b * PREFILL_ROWS;
            let i1 = (i0 + PREFILL_ROWS).min(seq);
            let t = PrefillTask {
                q: &q[kv * group * seq * hd..(kv + 1) * group * seq * hd],
                kt: &kt[kv],
                v: &v[kv * capacity * hd..kv * capacity * hd + len * hd],
                hd,
                group,
                seq,
                pos,
                rows: i0..i1,
                scale,
            };
            #[cfg(target_arch = "x86_64")]
            if let Some(v3) = pulp::x86::V3::try_new().filter(|_| simd) {
                return (kv, i0, v3.vectorize(PrefillFma(t, v3)));
            }
            let _ = simd;
            (kv, i0, t.run(None))
        })
        .collect();
    let mut out = vec![0f32; n_head * seq * hd];
    for (kv, i0, part) in parts {
        let n = part.len() / (group * hd);
        for g in 0..group {
            for r in 0..n {
                let src = &part[(g * n + r) * hd..(g * n + r + 1) * hd];
                let dst = ((kv * group + g) * seq + i0 + r) * hd;
                out[dst..dst + hd].copy_from_slice(src);
            }
        }
    }
    out
}

/// One task of [`attend_prefill`]: KV head's queries `q` (`[group][seq][hd]`), its keys in
/// transposed tiles `kt` (`[positions / KEYS][hd][KEYS]`, padded) and values `v` (`[position][hd]`), for
/// query positions `rows`.
struct PrefillTask<'a> {
    q: &'a [f32],
    kt: &'a [f32],
    v: &'a [f32],
    hd: usize,
    group: usize,
    seq: usize,
    pos: usize,
    rows: std::ops::Range<usize>,
    scale: f32,
}

/// A task run where AVX2 and FMA are enabled (`V3::vectorize`).
#[cfg(target_arch = "x86_64")]
struct PrefillFma<'a>(PrefillTask<'a>, pulp::x86::V3);

#[cfg(target_arch = "x86_64")]
impl pulp::NullaryFnOnce for PrefillFma<'_> {
    type Output = Vec<f32>;

    #[inline(always)]
    fn call(self) -> Vec<f32> {
        self.0.run(Some(self.1))
    }
}

/// The SIMD level a prefill task runs with: AVX2 and FMA, or none (plain Rust).
#[cfg(target_arch = "x86_64")]
type Simd = Option<pulp::x86::V3>;
#[cfg(not(target_arch = "x86_64"))]
type Simd = Option<std::convert::Infallible>;

/// Scores (unscaled) of query row `qr` against one tile of KEYS transposed keys
/// (`[hd][KEYS]`).
#[inline(always)]
fn score_tile(simd: Simd, qr: &[f32], tile: &[f32]) -> [f32; KEYS] {
    #[cfg(target_arch = "x86_64")]
    if let Some(s) = simd {
        return attn_v3::score_tile(s, qr, tile);
    }
    let _ = simd;
    let mut acc = [0f32; KEYS];
    for (d, &qd) in qr.iter().enumerate() {
        let kd = &tile[d * KEYS..(d + 1) * KEYS];
        for l in 0..KEYS {
            acc[l] += qd * kd[l];
        }
    }
    acc
}

/// `Σ_j w[j] · v[j][d0..d0 + VALUE_TILE]` over the rows of `v` (`[position][hd]`).
#[inline(always)]
fn values_tile(simd: Simd, w: &[f32], v: &[f32], hd: usize, d0: usize) -> [f32; VALUE_TILE] {
    #[cfg(target_arch = "x86_64")]
    if let Some(s) = simd {
        return attn_v3::values_tile(s, w, v, hd, d0);
    }
    let _ = simd;
    let mut acc = [0f32; VALUE_TILE];
    for (j, &wj) in w.iter().enumerate() {
        let vr = &v[j * hd + d0..j * hd + d0 + VALUE_TILE];
        for t in 0..VALUE_TILE {
            acc[t] += wj * vr[t];
        }
    }
    acc
}

#[cfg(target_arch = "x86_64")]
mod attn_v3 {
    //! AVX2 + FMA microkernels of the prefill attention; `#[inline(always)]` so they compile
    //! inside `V3::vectorize`, where those features are enabled.

    use core::arch::x86_64::__m256;
    use pulp::x86::V3;

    use super::{KEYS, VALUE_TILE};

    #[inline(always)]
    fn load(x: &[f32]) -> __m256 {
        let a: [f32; 8] = x[..8].try_into().unwrap_or([0.0; 8]);
        pulp::cast(a)
    }

    /// Four accumulator chains over `d`, eight keys per register.
    #[inline(always)]
    pub(super) fn score_tile(s: V3, qr: &[f32], tile: &[f32]) -> [f32; KEYS] {
        let mut acc = [s.avx._mm256_setzero_ps(); 4];
        let mut quads = qr.chunks_exact(4);
        let mut d = 0;
        for q4 in &mut quads {
            for c in 0..4 {
                acc[c] = s.fma._mm256_fmadd_ps(
                    s.avx._mm256_set1_ps(q4[c]),
                    load(&tile[(d + c) * KEYS..]),
                    acc[c],
                );
            }
            d += 4;
        }
        for (c, &qd) in quads.remainder().iter().enumerate() {
            acc[0] = s.fma._mm256_fmadd_ps(
                s.avx._mm256_set1_ps(qd),
                load(&tile[(d + c) * KEYS..]),
                acc[0],
            );
        }
        let sum = s.avx._mm256_add_ps(
            s.avx._mm256_add_ps(acc[0], acc[1]),
            s.avx._mm256_add_ps(acc[2], acc[3]),
        );
        pulp::cast(sum)
    }

    /// Eight registers of output values, one weighted value row added per position.
    #[inline(always)]
    pub(super) fn values_tile(
        s: V3,
        w: &[f32],
        v: &[f32],
        hd: usize,
        d0: usize,
    ) -> [f32; VALUE_TILE] {
        let mut acc = [s.avx._mm256_setzero_ps(); VALUE_TILE / 8];
        for (j, &wj) in w.iter().enumerate() {
            let b = s.avx._mm256_set1_ps(wj);
            let row = &v[j * hd + d0..j * hd + d0 + VALUE_TILE];
            for (t, a) in acc.iter_mut().enumerate() {
                *a = s.fma._mm256_fmadd_ps(b, load(&row[8 * t..]), *a);
            }
        }
        pulp::cast(acc)
    }
}

impl PrefillTask<'_> {
    /// Attention of this task's rows, `[group][rows][hd]`.
    #[inline(always)]
    fn run(self, simd: Simd) -> Vec<f32> {
        let Self {
            q,
            kt,
            v,
            hd,
            group,
            seq,
            pos,
            rows,
            scale,
        } = self;
        let n = rows.len();
        let visible = |r: usize| pos + rows.start + r % n + 1;
        // Keys the last row sees; every row's scores are laid out this wide.
        let width = pos + rows.end;
        let mut scores = vec![0f32; group * n * width];
        for r in 0..group * n {
            let (g, i) = (r / n, rows.start + r % n);
            let qr = &q[(g * seq + i) * hd..(g * seq + i + 1) * hd];
            let vis = visible(r);
            let out = &mut scores[r * width..(r + 1) * width];
            for j0 in (0..vis).step_by(KEYS) {
                let tile = &kt[j0 * hd..(j0 + KEYS) * hd];
                let sc = score_tile(simd, qr, tile);
                let m = KEYS.min(width - j0);
                for l in 0..m {
                    out[j0 + l] = sc[l] * scale;
                }
            }
            softmax_prefix(out, vis);
        }
        let mut y = vec![0f32; group * n * hd];
        for r in 0..group * n {
            let o = &mut y[r * hd..(r + 1) * hd];
            let w = &scores[r * width..r * width + visible(r)];
            // The output row in registers, VALUE_TILE values at a time, across all positions.
            let mut tiles = o.chunks_exact_mut(VALUE_TILE);
            let mut d0 = 0;
            for tile in &mut tiles {
                tile.copy_from_slice(&values_tile(simd, w, v, hd, d0));
                d0 += VALUE_TILE;
            }
            let rest = tiles.into_remainder();
            for (j, &wj) in w.iter().enumerate() {
                let vr = &v[j * hd + d0..(j + 1) * hd];
                for (x, &e) in rest.iter_mut().zip(vr) {
                    *x += wj * e;
                }
            }
        }
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook computation, one head at a time.
    fn reference(q: &[f32], k: &[f32], v: &[f32], s: CacheShape, scale: f32) -> Vec<f32> {
        let group = s.n_head / s.n_kv;
        let mut out = vec![0f32; s.n_head * s.head_dim];
        for h in 0..s.n_head {
            let kv = h / group;
            let row = |t: &[f32], j: usize| {
                let b = (kv * s.capacity + j) * s.head_dim;
                t[b..b + s.head_dim].to_vec()
            };
            let qh = &q[h * s.head_dim..(h + 1) * s.head_dim];
            let sc: Vec<f64> = (0..s.len)
                .map(|j| {
                    row(k, j)
                        .iter()
                        .zip(qh)
                        .map(|(a, b)| (*a as f64) * (*b as f64))
                        .sum::<f64>()
                        * scale as f64
                })
                .collect();
            let m = sc.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = sc.iter().map(|x| (x - m).exp()).collect();
            let z: f64 = e.iter().sum();
            for (j, w) in e.iter().enumerate() {
                for (d, x) in row(v, j).iter().enumerate() {
                    out[h * s.head_dim + d] += (w / z * *x as f64) as f32;
                }
            }
        }
        out
    }

    #[test]
    fn prefill_matches_the_textbook_attention_row_by_row() {
        // 9 query heads on 3 KV heads, 21 new rows after 14 cached positions, in a cache with
        // spare capacity; row i sees positions 0..=14 + i.
        let (n_head, n_kv, hd, capacity, pos, seq) = (9, 3, 64, 40, 14, 21);
        let fill = |n: usize, seed: f32| -> Vec<f32> {
            (0..n)
                .map(|i| ((i as f32 * 0.37 + seed).sin()) * 0.5)
                .collect()
        };
        let q = fill(n_head * seq * hd, 1.0);
        let k = fill(n_kv * capacity * hd, 2.0);
        let v = fill(n_kv * capacity * hd, 3.0);
        let shape = CacheShape {
            n_head,
            n_kv,
            head_dim: hd,
            capacity,
            len: pos + seq,
        };
        let got = attend_prefill(&q, &k, &v, shape, seq, pos, 0.125);
        let plain = prefill(&q, &k, &v, shape, seq, pos, 0.125, false);
        for (a, b) in got.iter().zip(&plain) {
            assert!((a - b).abs() < 1e-5, "SIMD {a} vs plain {b}");
        }
        for i in 0..seq {
            // Row i alone, as one query over the first pos + i + 1 positions.
            let qi: Vec<f32> = (0..n_head)
                .flat_map(|h| q[(h * seq + i) * hd..(h * seq + i + 1) * hd].to_vec())
                .collect();
            let s = CacheShape {
                len: pos + i + 1,
                ..shape
            };
            let want = reference(&qi, &k, &v, s, 0.125);
            for h in 0..n_head {
                for d in 0..hd {
                    let a = got[(h * seq + i) * hd + d];
                    let b = want[h * hd + d];
                    assert!((a - b).abs() < 1e-4, "row {i} head {h} dim {d}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn exp_fast_matches_libm() {
        let mut x = -90.0f32;
        while x < 88.0 {
            let (a, b) = (exp_fast(x), x.max(-87.0).exp());
            assert!(
                (a - b).abs() <= b * 3e-7 + f32::MIN_POSITIVE,
                "{x}: {a} vs {b}"
            );
            x += 0.0137;
        }
        assert_eq!(exp_fast(0.0), 1.0);
    }

    #[test]
    fn matches_the_textbook_attention() {
        let s = CacheShape {
            n_head: 9,
            n_kv: 3,
            head_dim: 64,
            capacity: 40,
            len: 33,
        };
        let fill = |n: usize, seed: f32| -> Vec<f32> {
            (0..n)
                .map(|i| ((i as f32 * 0.37 + seed).sin()) * 0.5)
                .collect()
        };
        let q = fill(s.n_head * s.head_dim, 1.0);
        let k = fill(s.n_kv * s.capacity * s.head_dim, 2.0);
        let v = fill(s.n_kv * s.capacity * s.head_dim, 3.0);
        let got = attend_one(&q, &k, &v, s, 0.125);
        let want = reference(&q, &k, &v, s, 0.125);
        for (a, b) in got.iter().zip(&want) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
        // A cache long enough to be split across threads by position, then merged.
        let s = CacheShape {
            capacity: 1_100,
            len: 1_037,
            ..s
        };
        let k = fill(s.n_kv * s.capacity * s.head_dim, 2.0);
        let v = fill(s.n_kv * s.capacity * s.head_dim, 3.0);
        let got = attend_one(&q, &k, &v, s, 0.3);
        let want = reference(&q, &k, &v, s, 0.3);
        for (a, b) in got.iter().zip(&want) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
    }
}
