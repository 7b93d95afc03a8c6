//! CPU kernels of the local inference engine that candle's general operators do slowly for
//! an agent's shapes. Plain safe Rust over slices, written so the compiler vectorizes it (eight
//! independent accumulators, fixed-width chunks); the workspace builds this crate optimized
//! even in debug profiles, so tests and `cargo run` get the same speed as a release.

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

/// The shape of a KV cache laid out `[n_kv][capacity][head_dim]`, valid for `len` positions.
#[derive(Debug, Clone, Copy)]
pub struct CacheShape {
    pub n_head: usize,
    pub n_kv: usize,
    pub head_dim: usize,
    pub capacity: usize,
    pub len: usize,
}

/// Causal attention of one new query row (all heads) over the cache: `q` is
/// `[n_head][head_dim]`, the result too. Query heads share KV heads in consecutive groups
/// (head `h` reads KV head `h / (n_head / n_kv)`), as Llama-family GQA does.
pub fn attend_one(q: &[f32], k: &[f32], v: &[f32], shape: CacheShape, scale: f32) -> Vec<f32> {
    let CacheShape {
        n_head,
        n_kv,
        head_dim: hd,
        capacity,
        len,
    } = shape;
    let group = (n_head / n_kv.max(1)).max(1);
    let mut out = vec![0f32; n_head * hd];
    out.par_chunks_mut(hd).enumerate().for_each(|(h, o)| {
        let kv = h / group;
        let base = kv * capacity * hd;
        let qh = &q[h * hd..(h + 1) * hd];
        let mut scores: Vec<f32> = (0..len)
            .map(|j| dot(qh, &k[base + j * hd..base + (j + 1) * hd]) * scale)
            .collect();
        let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0f32;
        for s in &mut scores {
            *s = (*s - max).exp();
            sum += *s;
        }
        let inv = 1.0 / sum;
        for (j, p) in scores.iter().enumerate() {
            axpy(o, p * inv, &v[base + j * hd..base + (j + 1) * hd]);
        }
    });
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
    }
}
