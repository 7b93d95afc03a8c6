//! The Llama-family transformer (Llama 2/3, SmolLM2, Mistral, and Gemma 3's variant of it) over
//! GGUF weights, written for an agent loop: its KV cache can be cut back to any length, so a new turn that shares a
//! prefix with the last one prefills only what changed, and the cache grows in chunks up to a
//! fixed context (bounded memory).
//!
//! Grouped-query attention is computed without copying K/V per head. On the CPU it runs in
//! [`kernels`]: one kernel for a decode row, one fused kernel for a prefill chunk (its scores
//! never materialised); elsewhere, and on Gemma 3's windowed layers, the query heads that share
//! a KV head are folded into the row dimension of one matmul.

use std::sync::Arc;

use candle_core::quantized::{GgmlDType, QMatMul, QTensor, gguf_file};
use candle_core::{D, DType, Device, Module, Tensor};
use candle_transformers::quantized_nn::RmsNorm;
use kernels::quant::{self, QKind, QMatrix};

use super::WeightFormat;

type Res<T> = candle_core::Result<T>;

/// The KV cache grows by this many positions at a time.
const CACHE_CHUNK: usize = 256;

struct Layer {
    wq: Linear,
    wk: Linear,
    wv: Linear,
    wo: Linear,
    w1: Linear,
    w2: Linear,
    w3: Linear,
    attn_norm: RmsNorm,
    ffn_norm: RmsNorm,
    /// Gemma 3: RMS norms of each query and key head, and of the attention and feed-forward
    /// outputs before they join the residual stream.
    q_norm: Option<RmsNorm>,
    k_norm: Option<RmsNorm>,
    post_attn_norm: Option<RmsNorm>,
    post_ffw_norm: Option<RmsNorm>,
    /// Keys at this distance or more are not attended (Gemma 3's sliding-window layers).
    window: Option<usize>,
    /// Index into `Llama::rope` (Gemma 3's sliding layers have their own base).
    rope: usize,
    /// `[1, n_kv, capacity, head_dim]`, valid up to `Llama::len`.
    k: Option<Tensor>,
    v: Option<Tensor>,
}

impl Layer {
    /// The rest of a layer after attention: the output projection into the residual stream,
    /// then the gated feed-forward (each with Gemma's post-norm when the layer has one).
    fn feed_forward(&self, x: &Tensor, attn: &Tensor, gelu: bool) -> Res<Tensor> {
        let mut o = self.wo.forward(attn)?;
        if let Some(n) = &self.post_attn_norm {
            o = n.forward(&o)?;
        }
        let x1 = (x + o)?;
        let h = self.ffn_norm.forward(&x1)?;
        let [gate, up] = Linear::forward_many([&self.w1, &self.w3], &h)?;
        let gate = if gelu {
            gate.gelu()?
        } else {
            candle_nn::ops::silu(&gate)?
        };
        let mut down = self.w2.forward(&(gate * up)?)?;
        if let Some(n) = &self.post_ffw_norm {
            down = n.forward(&down)?;
        }
        x1 + down
    }
}

/// A loaded Llama-family model with its cache.
pub struct Llama {
    embed: Embedding,
    layers: Vec<Layer>,
    norm: RmsNorm,
    output: Linear,
    n_head: usize,
    n_kv: usize,
    head_dim: usize,
    /// `(cos, sin)` tables, `[max_context, head_dim / 2]`, one per rope base.
    rope: Vec<(Tensor, Tensor)>,
    /// Rotate halves (NeoX, Gemma) rather than adjacent pairs (Llama).
    neox: bool,
    /// GELU-tanh in the feed-forward (Gemma) rather than SiLU.
    gelu: bool,
    /// Gemma scales embeddings by the square root of their width.
    embed_scale: Option<f64>,
    /// What queries are multiplied by: 1/√head_dim (Gemma 3 27B: 1/√(dim / heads), as llama.cpp).
    attn_scale: f64,
    /// Positions in the cache.
    len: usize,
    capacity: usize,
    pub max_context: usize,
    device: Device,
}

/// A norm the layout has (`wanted`), read from `name`.
fn norm_if(
    wanted: bool,
    t: &mut impl FnMut(&str) -> Res<QTensor>,
    name: &str,
    eps: f64,
) -> Res<Option<RmsNorm>> {
    if !wanted {
        return Ok(None);
    }
    Ok(Some(RmsNorm::from_qtensor(t(name)?, eps)?))
}

/// Rows at or above which a quantized weight is dequantized for the product: a prompt chunk
/// then runs as one f32 GEMM (tiled, SIMD) instead of one quantized dot product per row and
/// column. The f32 copy lives only for that product, so memory stays that of the quantized model.
const GEMM_ROWS: usize = 16;

/// A projection whose weights stay quantized.
pub(crate) enum Linear {
    /// Through candle. With `gemm`, prompt chunks run as f32 GEMMs; without it (`as-stored`)
    /// every row runs the quantized dot product, as llama.cpp does, so logits do not depend on
    /// how a prompt was split between cache and prefill.
    Candle { q: QMatMul, gemm: bool },
    /// Through [`kernels::quant`]: decode rows as quantized products, prompt chunks as f32
    /// GEMMs over a transient dequantized copy.
    Kernel(Arc<QMatrix>),
}

impl Linear {
    pub(crate) fn forward(&self, x: &Tensor) -> Res<Tensor> {
        let cols = x.dim(D::Minus1)?;
        let rows = x.elem_count() / cols.max(1);
        match self {
            Linear::Kernel(w) if rows < GEMM_ROWS => {
                let xs: Vec<f32> = x.flatten_all()?.to_vec1()?;
                let mut out = Vec::with_capacity(rows * w.rows());
                for row in xs.chunks_exact(cols) {
                    out.extend(quant::gemv(w, row).map_err(candle_core::Error::wrap)?);
                }
                let mut dims = x.dims().to_vec();
                if let Some(last) = dims.last_mut() {
                    *last = w.rows();
                }
                Tensor::from_vec(out, dims, x.device())
            }
            Linear::Kernel(w) => {
                let dense = Tensor::from_vec(w.dequantize(), (w.rows(), w.cols()), x.device())?;
                x.broadcast_matmul(&dense.t()?)
            }
            Linear::Candle {
                q: QMatMul::QTensor(qt),
                gemm: true,
            } if rows >= GEMM_ROWS && x.device().is_cpu() => {
                let w = qt.dequantize(x.device())?;
                x.broadcast_matmul(&w.t()?)
            }
            Linear::Candle { q, .. } => q.forward(x),
        }
    }

    /// The products of several projections with one input row (`q`, `k`, `v`; `gate`, `up`):
    /// one quantization of the input and one parallel region when all run on the kernels.
    fn forward_many<const N: usize>(ls: [&Linear; N], x: &Tensor) -> Res<[Tensor; N]> {
        let kernels: Vec<&QMatrix> = ls
            .iter()
            .filter_map(|l| match l {
                Linear::Kernel(w) => Some(w.as_ref()),
                Linear::Candle { .. } => None,
            })
            .collect();
        if kernels.len() == N && x.elem_count() == x.dim(D::Minus1)? {
            let xs: Vec<f32> = x.flatten_all()?.to_vec1()?;
            let outs = quant::gemv_many(&kernels, &xs).map_err(candle_core::Error::wrap)?;
            let mut dims = x.dims().to_vec();
            let tensors = outs
                .into_iter()
                .map(|o| {
                    if let Some(last) = dims.last_mut() {
                        *last = o.len();
                    }
                    Tensor::from_vec(o, dims.clone(), x.device())
                })
                .collect::<Res<Vec<_>>>()?;
            return tensors
                .try_into()
                .map_err(|_| candle_core::Error::Msg("fused product lost an output".into()));
        }
        let mut out = Vec::with_capacity(N);
        for l in ls {
            out.push(l.forward(x)?);
        }
        out.try_into()
            .map_err(|_| candle_core::Error::Msg("product lost an output".into()))
    }
}

/// The block format of `qt` when [`kernels::quant`] computes it on this device.
fn kernel_kind(qt: &QTensor, device: &Device) -> Option<QKind> {
    if !device.is_cpu() {
        return None;
    }
    match qt.dtype() {
        GgmlDType::Q4_1 => Some(QKind::Q4_1),
        GgmlDType::Q8_0 => Some(QKind::Q8_0),
        _ => None,
    }
}

/// `qt` as a [`QMatrix`], when the kernels take its format on this device.
fn kernel_matrix(qt: &QTensor, device: &Device) -> Res<Option<Arc<QMatrix>>> {
    let Some(kind) = kernel_kind(qt, device) else {
        return Ok(None);
    };
    let (rows, cols) = qt.shape().dims2()?;
    let m = QMatrix::from_ggml(kind, rows, cols, &qt.data()?).map_err(candle_core::Error::wrap)?;
    Ok(Some(Arc::new(m)))
}

/// Load a weight as a matmul in the requested format.
pub(crate) fn linear(qt: QTensor, format: WeightFormat, device: &Device) -> Res<Linear> {
    if format == WeightFormat::Native
        && let Some(m) = kernel_matrix(&qt, device)?
    {
        return Ok(Linear::Kernel(m));
    }
    Ok(Linear::Candle {
        q: linear_inner(qt, format, device)?,
        gemm: format != WeightFormat::AsStored,
    })
}

fn linear_inner(qt: QTensor, format: WeightFormat, device: &Device) -> Res<QMatMul> {
    let dtype = qt.dtype();
    match format {
        WeightFormat::AsStored => QMatMul::from_qtensor(qt),
        WeightFormat::Q8 | WeightFormat::Native => {
            // Blocks without a SIMD CPU kernel in candle are requantized to Q8_0 (which has
            // one, chosen at run time); the error added is far below the 4-bit step.
            if matches!(dtype, GgmlDType::Q4_1 | GgmlDType::Q5_0 | GgmlDType::Q5_1)
                && device.is_cpu()
            {
                let t = qt.dequantize(device)?;
                QMatMul::from_qtensor(QTensor::quantize(&t, GgmlDType::Q8_0)?)
            } else {
                QMatMul::from_qtensor(qt)
            }
        }
        WeightFormat::F32 => Ok(QMatMul::Tensor(qt.dequantize(device)?)),
    }
}

/// The token embedding: f32 rows, or the quantized matrix (shared with the output layer when
/// they are tied), dequantized a row per token.
enum Embedding {
    Dense(Tensor),
    Quantized(Arc<QMatrix>),
}

impl Embedding {
    fn lookup(&self, tokens: &[u32], device: &Device) -> Res<Tensor> {
        match self {
            Embedding::Dense(e) => e.index_select(&Tensor::new(tokens, device)?, 0),
            Embedding::Quantized(m) => {
                let cols = m.cols();
                let mut out = vec![0f32; tokens.len() * cols];
                for (&t, row) in tokens.iter().zip(out.chunks_exact_mut(cols)) {
                    let t = t as usize;
                    if t >= m.rows() {
                        candle_core::bail!(
                            "token {t} is outside the {}-token vocabulary",
                            m.rows()
                        );
                    }
                    m.dequantize_row(t, row);
                }
                Tensor::from_vec(out, (tokens.len(), cols), device)
            }
        }
    }
}

/// Attention of one query row over a CPU cache, through [`kernels::attend_one`]; returns
/// `[1, 1, n_head * head_dim]`.
fn decode_attention(
    q: &Tensor,
    kc: &Tensor,
    vc: &Tensor,
    shape: kernels::CacheShape,
    scale: f32,
) -> Res<Tensor> {
    let q: Vec<f32> = q.flatten_all()?.to_vec1()?;
    let (ks, _) = kc.storage_and_layout();
    let (vs, _) = vc.storage_and_layout();
    let (candle_core::Storage::Cpu(k), candle_core::Storage::Cpu(v)) = (&*ks, &*vs) else {
        candle_core::bail!("decode attention needs a CPU cache");
    };
    let y = kernels::attend_one(&q, k.as_slice::<f32>()?, v.as_slice::<f32>()?, shape, scale);
    Tensor::from_vec(y, (1, 1, shape.n_head * shape.head_dim), &Device::Cpu)
}

/// Causal attention of a prefill chunk (`q`: `[1, n_head, seq, head_dim]`) over a CPU cache,
/// through [`kernels::attend_prefill`]; returns `[1, seq, n_head * head_dim]`.
fn prefill_attention(
    q: &Tensor,
    kc: &Tensor,
    vc: &Tensor,
    shape: kernels::CacheShape,
    seq: usize,
    pos: usize,
    scale: f32,
) -> Res<Tensor> {
    let q: Vec<f32> = q.contiguous()?.flatten_all()?.to_vec1()?;
    let (ks, _) = kc.storage_and_layout();
    let (vs, _) = vc.storage_and_layout();
    let (candle_core::Storage::Cpu(k), candle_core::Storage::Cpu(v)) = (&*ks, &*vs) else {
        candle_core::bail!("prefill attention needs a CPU cache");
    };
    let y = kernels::attend_prefill(
        &q,
        k.as_slice::<f32>()?,
        v.as_slice::<f32>()?,
        shape,
        seq,
        pos,
        scale,
    );
    Tensor::from_vec(y, (1, shape.n_head, seq, shape.head_dim), &Device::Cpu)?
        .transpose(1, 2)?
        .reshape((1, seq, shape.n_head * shape.head_dim))
}

impl Llama {
    pub fn from_gguf<R: std::io::Read + std::io::Seek>(
        ct: &gguf_file::Content,
        reader: &mut R,
        device: &Device,
        format: WeightFormat,
        max_context: usize,
    ) -> Res<Self> {
        let arch = ct
            .metadata
            .get("general.architecture")
            .and_then(|v| v.to_string().ok().cloned())
            .unwrap_or_else(|| "llama".into());
        let get = |k: &str| {
            ct.metadata
                .get(&format!("{arch}.{k}"))
                .ok_or_else(|| candle_core::Error::Msg(format!("GGUF has no `{arch}.{k}`")))
        };
        let n_head = get("attention.head_count")?.to_u32()? as usize;
        let n_kv = get("attention.head_count_kv")?.to_u32()? as usize;
        let n_layer = get("block_count")?.to_u32()? as usize;
        let dim = get("embedding_length")?.to_u32()? as usize;
        let eps = get("attention.layer_norm_rms_epsilon")?.to_f32()? as f64;
        let base = get("rope.freq_base")
            .and_then(|v| v.to_f32())
            .unwrap_or(10_000.0);
        let trained_ctx = get("context_length")
            .and_then(|v| v.to_u32())
            .unwrap_or(4096) as usize;
        let gemma = arch == "gemma3";
        let head_dim = get("attention.key_length")
            .and_then(|v| v.to_u32())
            .map_or(dim / n_head, |v| v as usize);
        if n_kv == 0 || !n_head.is_multiple_of(n_kv) {
            candle_core::bail!("{n_head} query heads do not share {n_kv} KV heads evenly");
        }
        let max_context = max_context.min(trained_ctx).max(16);
        // Gemma 3: five sliding-window layers, then one global, with the local rope base (none
        // without a window, as llama.cpp reads such a file).
        let window = get("attention.sliding_window")
            .and_then(|v| v.to_u32())
            .ok()
            .filter(|&w| gemma && w > 0)
            .map(|w| w as usize);
        let pattern = get("attention.sliding_window_type")
            .and_then(|v| v.to_u32())
            .unwrap_or(6) as usize;
        let local_base = get("rope.local_freq_base")
            .and_then(|v| v.to_f32())
            .unwrap_or(10_000.0);
        // Linear rope scaling (Gemma 3 4B and larger: factor 8 on the global layers only).
        let linear_scale = match get("rope.scaling.type").and_then(|v| v.to_string().cloned()) {
            Ok(t) if t == "linear" => get("rope.scaling.factor")
                .and_then(|v| v.to_f32())
                .map_or(1.0, |f| 1.0 / f.max(1.0)),
            _ => 1.0,
        };
        let table = |base: f32, scale: f32| -> Res<(Tensor, Tensor)> {
            let theta: Vec<f32> = (0..head_dim)
                .step_by(2)
                .map(|i| scale / base.powf(i as f32 / head_dim as f32))
                .collect();
            let theta = Tensor::new(theta.as_slice(), device)?;
            let pos = Tensor::arange(0u32, max_context as u32, device)?
                .to_dtype(DType::F32)?
                .reshape((max_context, 1))?;
            let freqs = pos.matmul(&theta.reshape((1, head_dim / 2))?)?;
            Ok((freqs.cos()?, freqs.sin()?))
        };
        let mut rope = vec![table(base, linear_scale)?];
        if window.is_some() {
            rope.push(table(local_base, 1.0)?);
        }

        let mut t = |name: &str| ct.tensor(reader, name, device);
        let embed_q = t("token_embd.weight")?;
        let embed_kernel = match format {
            WeightFormat::Native => kernel_matrix(&embed_q, device)?,
            _ => None,
        };
        let embed = match &embed_kernel {
            Some(m) => Embedding::Quantized(m.clone()),
            None => Embedding::Dense(embed_q.dequantize(device)?),
        };
        let output = match (t("output.weight"), embed_kernel) {
            (Ok(o), _) => linear(o, format, device)?,
            // Tied embeddings (SmolLM2): the output layer is the embedding matrix.
            (Err(_), Some(m)) => Linear::Kernel(m),
            (Err(_), None) => linear(embed_q, format, device)?,
        };
        let norm = RmsNorm::from_qtensor(t("output_norm.weight")?, eps)?;
        let mut layers = Vec::with_capacity(n_layer);
        for i in 0..n_layer {
            let p = format!("blk.{i}");
            layers.push(Layer {
                wq: linear(t(&format!("{p}.attn_q.weight"))?, format, device)?,
                wk: linear(t(&format!("{p}.attn_k.weight"))?, format, device)?,
                wv: linear(t(&format!("{p}.attn_v.weight"))?, format, device)?,
                wo: linear(t(&format!("{p}.attn_output.weight"))?, format, device)?,
                w1: linear(t(&format!("{p}.ffn_gate.weight"))?, format, device)?,
                w2: linear(t(&format!("{p}.ffn_down.weight"))?, format, device)?,
                w3: linear(t(&format!("{p}.ffn_up.weight"))?, format, device)?,
                attn_norm: RmsNorm::from_qtensor(t(&format!("{p}.attn_norm.weight"))?, eps)?,
                ffn_norm: RmsNorm::from_qtensor(t(&format!("{p}.ffn_norm.weight"))?, eps)?,
                q_norm: norm_if(gemma, &mut t, &format!("{p}.attn_q_norm.weight"), eps)?,
                k_norm: norm_if(gemma, &mut t, &format!("{p}.attn_k_norm.weight"), eps)?,
                post_attn_norm: norm_if(
                    gemma,
                    &mut t,
                    &format!("{p}.post_attention_norm.weight"),
                    eps,
                )?,
                post_ffw_norm: norm_if(gemma, &mut t, &format!("{p}.post_ffw_norm.weight"), eps)?,
                window: window.filter(|_| (i + 1) % pattern != 0),
                rope: usize::from(window.is_some() && (i + 1) % pattern != 0),
                k: None,
                v: None,
            });
        }
        Ok(Self {
            embed,
            layers,
            norm,
            output,
            n_head,
            n_kv,
            head_dim,
            rope,
            neox: gemma,
            gelu: gemma,
            embed_scale: gemma.then(|| (dim as f64).sqrt()),
            attn_scale: if gemma && n_layer == 62 {
                1.0 / ((dim / n_head) as f64).sqrt()
            } else {
                1.0 / (head_dim as f64).sqrt()
            },
            len: 0,
            capacity: 0,
            max_context,
            device: device.clone(),
        })
    }

    /// Positions held in the cache.
    pub fn cached(&self) -> usize {
        self.len
    }

    fn shape(&self, len: usize) -> kernels::CacheShape {
        kernels::CacheShape {
            n_head: self.n_head,
            n_kv: self.n_kv,
            head_dim: self.head_dim,
            capacity: self.capacity,
            len,
        }
    }

    /// K and V of the first `n` cached positions of every layer (`[1, n_kv, n, head_dim]` each),
    /// to save and give back to [`Llama::restore`] in a later process.
    pub fn cache_prefix(&self, n: usize) -> Res<Vec<(Tensor, Tensor)>> {
        if n > self.len {
            candle_core::bail!("{n} positions asked, {} cached", self.len);
        }
        self.layers
            .iter()
            .map(|l| match (&l.k, &l.v) {
                (Some(k), Some(v)) => Ok((
                    k.narrow(2, 0, n)?.contiguous()?,
                    v.narrow(2, 0, n)?.contiguous()?,
                )),
                _ => candle_core::bail!("KV cache not allocated"),
            })
            .collect()
    }

    /// Make `kv` (from [`Llama::cache_prefix`] on the same model) the whole cache.
    pub fn restore(&mut self, kv: &[(Tensor, Tensor)]) -> Res<()> {
        if kv.len() != self.layers.len() {
            candle_core::bail!(
                "saved cache has {} layers, the model {}",
                kv.len(),
                self.layers.len()
            );
        }
        let n = kv.first().map_or(Ok(0), |(k, _)| k.dim(2))?;
        if n > self.max_context {
            candle_core::bail!(
                "saved cache holds {n} positions, the context {}",
                self.max_context
            );
        }
        self.len = 0;
        self.ensure_capacity(n)?;
        let want = (1, self.n_kv, n, self.head_dim);
        for (l, (k, v)) in self.layers.iter_mut().zip(kv) {
            if k.dims4()? != want || v.dims4()? != want {
                candle_core::bail!("saved cache shape does not fit this model");
            }
            let (Some(kc), Some(vc)) = (l.k.as_ref(), l.v.as_ref()) else {
                candle_core::bail!("KV cache not allocated");
            };
            kc.slice_set(&k.to_device(&self.device)?.to_dtype(DType::F32)?, 2, 0)?;
            vc.slice_set(&v.to_device(&self.device)?.to_dtype(DType::F32)?, 2, 0)?;
        }
        self.len = n;
        Ok(())
    }

    /// Forget everything after the first `len` positions.
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    fn ensure_capacity(&mut self, needed: usize) -> Res<()> {
        if needed <= self.capacity {
            return Ok(());
        }
        let new_cap = needed.div_ceil(CACHE_CHUNK) * CACHE_CHUNK;
        let new_cap = new_cap.min(self.max_context);
        for l in &mut self.layers {
            for slot in [&mut l.k, &mut l.v] {
                let fresh = Tensor::zeros(
                    (1, self.n_kv, new_cap, self.head_dim),
                    DType::F32,
                    &self.device,
                )?;
                if let Some(old) = slot.as_ref()
                    && self.len > 0
                {
                    fresh.slice_set(&old.narrow(2, 0, self.len)?.contiguous()?, 2, 0)?;
                }
                *slot = Some(fresh);
            }
        }
        self.capacity = new_cap;
        Ok(())
    }

    /// Run `tokens` at positions `cached()..`, append them to the cache, and return the logits
    /// of the last one (`[vocab]`).
    pub fn forward(&mut self, tokens: &[u32]) -> Res<Tensor> {
        let seq = tokens.len();
        let pos = self.len;
        if seq == 0 {
            candle_core::bail!("no tokens to run");
        }
        if pos + seq > self.max_context {
            candle_core::bail!(
                "the prompt needs {} positions but the context holds {}",
                pos + seq,
                self.max_context
            );
        }
        self.ensure_capacity(pos + seq)?;
        let mut x = self.embed.lookup(tokens, &self.device)?.unsqueeze(0)?; // [1, seq, dim]
        if let Some(scale) = self.embed_scale {
            x = (x * scale)?;
        }
        let rope: Vec<(Tensor, Tensor)> = self
            .rope
            .iter()
            .map(|(c, s)| Ok((c.narrow(0, pos, seq)?, s.narrow(0, pos, seq)?)))
            .collect::<Res<_>>()?;
        let group = self.n_head / self.n_kv;
        let gelu = self.gelu;
        let total = pos + seq;
        let cpu = self.device.is_cpu();
        // Causal mask over [group * seq, total] (row g*seq + i sees columns <= pos + i), built
        // once per call, for devices without the CPU kernel.
        let mask = if seq > 1 && !cpu {
            let m: Vec<f32> = (0..group * seq)
                .flat_map(|r| {
                    let i = r % seq;
                    (0..total).map(move |j| if j > pos + i { f32::NEG_INFINITY } else { 0.0 })
                })
                .collect();
            Some(Tensor::from_vec(m, (group * seq, total), &self.device)?)
        } else {
            None
        };
        let scale = self.attn_scale;
        let shape = self.shape(total);
        for l in &mut self.layers {
            let h = l.attn_norm.forward(&x)?;
            let [q, k, v] = Linear::forward_many([&l.wq, &l.wk, &l.wv], &h)?;
            let q = q
                .reshape((1, seq, self.n_head, self.head_dim))?
                .transpose(1, 2)?
                .contiguous()?;
            let k = k
                .reshape((1, seq, self.n_kv, self.head_dim))?
                .transpose(1, 2)?
                .contiguous()?;
            let v = v
                .reshape((1, seq, self.n_kv, self.head_dim))?
                .transpose(1, 2)?
                .contiguous()?;
            let (q, k) = match (&l.q_norm, &l.k_norm) {
                (Some(qn), Some(kn)) => (qn.forward(&q)?, kn.forward(&k)?),
                _ => (q, k),
            };
            let (cos, sin) = &rope[l.rope];
            let (q, k) = if self.neox {
                (
                    candle_nn::rotary_emb::rope(&q.contiguous()?, cos, sin)?,
                    candle_nn::rotary_emb::rope(&k.contiguous()?, cos, sin)?,
                )
            } else {
                (
                    candle_nn::rotary_emb::rope_i(&q, cos, sin)?,
                    candle_nn::rotary_emb::rope_i(&k, cos, sin)?,
                )
            };
            let (Some(kc), Some(vc)) = (l.k.as_ref(), l.v.as_ref()) else {
                candle_core::bail!("KV cache not allocated");
            };
            kc.slice_set(&k, 2, pos)?;
            vc.slice_set(&v, 2, pos)?;
            // Whether the sliding window hides any key from this call's rows; if not, the fast
            // causal paths apply.
            let windowed = l.window.is_some_and(|w| total > w);
            if cpu && !windowed {
                // Direct kernels over the cache: one new row (candle's batched matmuls pay
                // per-call packing that dominates at this shape), or a prefill chunk fused so
                // its rows × positions scores are never materialised.
                let y = if seq == 1 {
                    decode_attention(&q, kc, vc, shape, scale as f32)?
                } else {
                    prefill_attention(&q, kc, vc, shape, seq, pos, scale as f32)?
                };
                x = l.feed_forward(&x, &y, gelu)?;
                continue;
            }
            let keys = kc.narrow(2, 0, total)?;
            let values = vc.narrow(2, 0, total)?;
            // [1, n_kv, group * seq, head_dim]: heads sharing a KV head become rows.
            let q = q.reshape((1, self.n_kv, group * seq, self.head_dim))?;
            // The scale goes on the queries (seq rows), not on the scores (seq × total).
            let att = (q * scale)?.matmul(&keys.t()?)?; // [1, n_kv, group*seq, total]
            let att = match (&mask, l.window) {
                (_, Some(w)) if windowed => {
                    // Row i (position pos + i) sees columns j with pos + i - w < j <= pos + i.
                    let m: Vec<f32> = (0..group * seq)
                        .flat_map(|r| {
                            let p = pos + r % seq;
                            (0..total).map(move |j| {
                                if j > p || p - j >= w {
                                    f32::NEG_INFINITY
                                } else {
                                    0.0
                                }
                            })
                        })
                        .collect();
                    let m = Tensor::from_vec(m, (group * seq, total), &self.device)?;
                    candle_nn::ops::softmax_last_dim(&att.broadcast_add(&m)?)?
                }
                (Some(m), _) => candle_nn::ops::softmax_last_dim(&att.broadcast_add(m)?)?,
                (None, _) => candle_nn::ops::softmax_last_dim(&att)?,
            };
            // The cache views are strided only across KV heads, which matmul takes as batch strides.
            let y = att.matmul(&values)?; // [1, n_kv, group*seq, hd]
            let y = y
                .reshape((1, self.n_head, seq, self.head_dim))?
                .transpose(1, 2)?
                .reshape((1, seq, self.n_head * self.head_dim))?;
            x = l.feed_forward(&x, &y, gelu)?;
        }
        self.len = total;
        let last = x.narrow(1, seq - 1, 1)?;
        let last = self.norm.forward(&last)?;
        self.output
            .forward(&last)?
            .squeeze(0)?
            .squeeze(0)?
            .to_dtype(DType::F32)
    }
}
