//! CPU kernels of the local inference engine that candle's general operators do slowly for
//! an agent's shapes. Plain safe Rust over slices, written so the compiler vectorizes it (eight
//! independent accumulators, fixed-width chunks); the workspace builds this crate optimized
//! even in debug profiles, so tests and `cargo run` get the same speed as a release.

pub mod quant;

use rayon::prelude::*;

/// Lanes of the accumulators (one AVX register of f32).
const LANES: usize = 8;

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

/// Causal softmax of prefill attention scores, in place. `att` holds rows of `total` scores;
/// row `r` belongs to the query at position `pos + r % seq` (rows are `[head][seq]`, heads of
/// `seq` rows each), which sees columns `0..=pos + r % seq`. Later columns get weight 0, so no
/// mask tensor is built, added or exponentiated.
pub fn causal_softmax(att: &mut [f32], total: usize, seq: usize, pos: usize) {
    if total == 0 || seq == 0 {
        return;
    }
    att.par_chunks_mut(total)
        .enumerate()
        .for_each(|(r, row)| softmax_prefix(row, pos + r % seq + 1));
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

/// Causal attention of one new query row (all heads) over the cache: `q` is
/// `[n_head][head_dim]`, the result too. Query heads share KV heads in consecutive groups
/// (head `h` reads KV head `h / (n_head / n_kv)`), as Llama-family GQA does. Each KV row is
/// read once per group, and long caches are split across threads by position, the parts merged
/// by their maxima (as flash-decoding does).
pub fn attend_one(q: &[f32], k: &[f32], v: &[f32], shape: CacheShape, scale: f32) -> Vec<f32> {
    let CacheShape {
        n_head,
        n_kv,
        head_dim: hd,
        capacity,
        len,
    } = shape;
    let n_kv = n_kv.max(1);
    let group = (n_head / n_kv).max(1);
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
    fn causal_softmax_sees_only_the_past() {
        // Two heads of three query rows at positions 2, 3, 4 over 5 columns.
        let (seq, pos, total) = (3, 2, 5);
        let mut att: Vec<f32> = (0..2 * seq * total)
            .map(|i| (i as f32 * 0.7).sin())
            .collect();
        let orig = att.clone();
        causal_softmax(&mut att, total, seq, pos);
        for r in 0..2 * seq {
            let row = &att[r * total..(r + 1) * total];
            let visible = pos + r % seq + 1;
            assert!(row[visible..].iter().all(|x| *x == 0.0), "row {r}: {row:?}");
            let o = &orig[r * total..r * total + visible];
            let m = o.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let z: f32 = o.iter().map(|x| (x - m).exp()).sum();
            for (a, x) in row.iter().zip(o) {
                assert!((a - (x - m).exp() / z).abs() < 1e-6);
            }
        }
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
