#!/usr/bin/env python3
"""Tiny synthetic GGUF models of the families the ktriage engine loads besides SmolLM2, with
deterministic random weights, and llama.cpp's answers on them (agent/tests/fixtures/
tiny-gguf-reference.json) for a Rust test to check the engine against.

    target/interop/llama-venv/bin/python bench/tiny_gguf.py --out target/interop/tiny-gguf
    target/interop/llama-venv/bin/python bench/tiny_gguf.py --out target/interop/tiny-gguf \\
        --reference agent/tests/fixtures/tiny-gguf-reference.json

Without --reference it only writes the four .gguf files (a second or two; byte-for-byte the same
on every run: seeded numpy default_rng, fixed metadata and tensor order). With --reference it
also runs llama.cpp on each file and writes the fixture: the file's sha256, the prompt ids as
llama.cpp tokenizes them, 16 greedy ids (argmax of llama.cpp's logits, f32 KV cache, no flash
attention), the top-1 logit and the top-1 minus top-2 margin of each step, the first step's top 5,
the top 4 logits after BOS alone and after BOS and token 100 (short inputs, where even these chaotic
random models are well conditioned), and for the qwen2 and the two SentencePiece vocabularies a
tokenizer corpus.

    qwen2.gguf    qwen2, q/k/v biases, tied output, Q8_0; SmolLM2's byte-level BPE, pre `qwen2`
    qwen3.gguf    qwen3, q/k norms, head_dim 32 != n_embd / n_head, untied output, Q8_0; same BPE
    gemma3.gguf   gemma3, 6 layers (5 sliding-window, 1 global), head_dim 32, extra norms, tied
                  output, Q4_0 blocks and Q8_0 embeddings; a Gemma-style SentencePiece vocabulary
    mistral.gguf  llama arch, GQA, untied output, every matrix Q4_1; a Llama 2 / Mistral v0.1
                  SentencePiece vocabulary

The BPE vocabulary (tokens, types, merges, chat template) is SmolLM2's, read from the default
model (--source). The SentencePiece vocabularies are synthetic: SmolLM2's normal pieces that are
valid UTF-8 without control characters, `Ġ`-space mapped to `▁`, the first 4000 kept, score
-rank; plus control, unknown, user-defined and <0xNN> byte-fallback tokens.

Needs (pinned; CI installs the same): gguf==0.19.0 and numpy (2.4.6 here) in
target/interop/llama-venv, and llama-cpp-python==0.3.36 there for --reference. The weights come
from numpy's default_rng (PCG64) normals and gguf.quants' Q8_0/Q4_0/Q4_1 quantizers: another
numpy or gguf may change the bytes, which the fixture's sha256 then catches.
"""
import argparse
import hashlib
import json
import mmap
import os
import re
import struct
import sys
from importlib.metadata import version

import numpy as np
import gguf
from gguf import GGMLQuantizationType as QT
from gguf.quants import quantize

DEFAULT_SOURCE = "target/interop/cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_PIN = "0.19.0"
GREEDY_TOKENS = 16
N_CTX = 256

# --- the source vocabulary ----------------------------------------------------------------------

_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def read_gguf_metadata(path: str, wanted: set[str]) -> dict:
    """The `wanted` metadata values of a GGUF file (gguf.GGUFReader takes ~6 s on SmolLM2 because
    it builds an object per array element; this reads only the key/value section)."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        if m[:4] != b"GGUF":
            raise SystemExit(f"{path} is not a GGUF file")
        _version, _n_tensors, n_kv = struct.unpack_from("<IQQ", m, 4)
        pos = 24

        def string(p: int) -> tuple[str, int]:
            (n,) = struct.unpack_from("<Q", m, p)
            return m[p + 8:p + 8 + n].decode("utf-8"), p + 8 + n

        def value(t: int, p: int, keep: bool):
            if t == 8:
                return string(p)
            if t == 9:
                et, n = struct.unpack_from("<IQ", m, p)
                p += 12
                if et == 8:
                    out = []
                    for _ in range(n):
                        (ln,) = struct.unpack_from("<Q", m, p)
                        if keep:
                            out.append(m[p + 8:p + 8 + ln].decode("utf-8"))
                        p += 8 + ln
                    return out, p
                fmt = _SCALARS[et]
                size = struct.calcsize(fmt)
                out = list(struct.unpack_from("<%d%s" % (n, fmt[1]), m, p)) if keep else None
                return out, p + n * size
            fmt = _SCALARS[t]
            return struct.unpack_from(fmt, m, p)[0], p + struct.calcsize(fmt)

        out = {}
        for _ in range(n_kv):
            key, pos = string(pos)
            (t,) = struct.unpack_from("<I", m, pos)
            v, pos = value(t, pos + 4, key in wanted)
            if key in wanted:
                out[key] = v
    missing = wanted - out.keys()
    if missing:
        raise SystemExit(f"{path} lacks {sorted(missing)}")
    return out


def gpt2_byte_decoder() -> dict[str, int]:
    """GPT-2's printable char -> byte mapping (the inverse of its bytes_to_unicode)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def spm_pieces(tokens: list[str], types: list[int], n: int, reserved: set[str]) -> list[str]:
    """The first `n` SentencePiece-valid pieces of a byte-level BPE vocabulary, in its order."""
    dec = gpt2_byte_decoder()
    out, seen = [], set(reserved)
    for tok, typ in zip(tokens, types):
        if typ != 1 or any(c not in dec for c in tok):
            continue
        try:
            text = bytes(dec[c] for c in tok).decode("utf-8")
        except UnicodeDecodeError:
            continue  # a partial UTF-8 sequence: SentencePiece starts from whole characters
        if "\u2581" in text or not text.replace(" ", "a").isprintable():
            continue
        if text.strip(" ") and " " in text.lstrip(" "):
            continue  # spaces only as a prefix, as SentencePiece splits them
        piece = text.replace(" ", "\u2581")
        if piece in seen:
            continue
        seen.add(piece)
        out.append(piece)
        if len(out) == n:
            break
    return out


def byte_tokens() -> list[str]:
    return ["<0x%02X>" % b for b in range(256)]


# Token types (llama.cpp's llama_token_type).
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, BYTE = 1, 2, 3, 4, 6

MISTRAL_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"
)
GEMMA_TEMPLATE = (
    "{{ bos_token }}{%- if messages[0]['role'] == 'system' -%}"
    "{%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}{%- set loop_messages = messages[1:] -%}"
    "{%- else -%}{%- set first_user_prefix = '' -%}{%- set loop_messages = messages -%}{%- endif -%}"
    "{%- for message in loop_messages -%}{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{%- endif -%}"
    "{%- if (message['role'] == 'assistant') -%}{%- set role = 'model' -%}{%- else -%}{%- set role = message['role'] -%}{%- endif -%}"
    "{{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else '') }}{{ message['content'] | trim }}"
    "{{ '<end_of_turn>\n' }}{%- endfor -%}{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}"
)


def bpe_vocab(src: dict) -> dict:
    """SmolLM2's byte-level BPE, with Qwen's special-token roles (<|endoftext|> bos/pad,
    <|im_end|> eos, no bos added)."""
    tokens = src["tokenizer.ggml.tokens"]
    return {
        "model": "gpt2",
        "pre": "qwen2",
        "tokens": tokens,
        "types": src["tokenizer.ggml.token_type"],
        "merges": src["tokenizer.ggml.merges"],
        "bos": tokens.index("<|endoftext|>"),
        "eos": tokens.index("<|im_end|>"),
        "pad": tokens.index("<|endoftext|>"),
        "add_bos": False,
        "template": src["tokenizer.chat_template"],
    }


def mistral_vocab(src: dict) -> dict:
    """Llama 2 / Mistral v0.1 layout: <unk> <s> </s>, <0x00>..<0xFF>, then the pieces."""
    head = [("<unk>", UNKNOWN), ("<s>", CONTROL), ("</s>", CONTROL)] + [(t, BYTE) for t in byte_tokens()]
    pieces = spm_pieces(src["tokenizer.ggml.tokens"], src["tokenizer.ggml.token_type"], 4000, {t for t, _ in head})
    return {
        "model": "llama",
        "pre": "default",
        "tokens": [t for t, _ in head] + pieces,
        "scores": [0.0] * len(head) + [-float(i) for i in range(len(pieces))],
        "types": [k for _, k in head] + [NORMAL] * len(pieces),
        "bos": 1,
        "eos": 2,
        "unk": 0,
        "add_bos": True,
        "add_space_prefix": True,
        "template": MISTRAL_TEMPLATE,
    }


def gemma_vocab(src: dict) -> dict:
    """Gemma layout: <pad> <eos> <bos> <unk> <mask>, the turn markers, user-defined newline and
    space runs (literal text, as Gemma 3's GGUFs store them: llama.cpp matches them before
    SentencePiece, even in text parsed without special tokens), <0x00>..<0xFF>, then the pieces.
    No space prefix."""
    head = [("<pad>", CONTROL), ("<eos>", CONTROL), ("<bos>", CONTROL), ("<unk>", UNKNOWN), ("<mask>", CONTROL),
            ("<start_of_turn>", CONTROL), ("<end_of_turn>", CONTROL)]
    user = ["\n", "\n\n", "\n\n\n", "  ", "   ", "    "]
    head += [(t, USER_DEFINED) for t in user] + [(t, BYTE) for t in byte_tokens()]
    pieces = spm_pieces(src["tokenizer.ggml.tokens"], src["tokenizer.ggml.token_type"], 4000, {t for t, _ in head})
    scores = [-1000.0 if k == USER_DEFINED else 0.0 for _, k in head]
    return {
        "model": "llama",
        "pre": "default",
        "tokens": [t for t, _ in head] + pieces,
        "scores": scores + [-float(i) for i in range(len(pieces))],
        "types": [k for _, k in head] + [NORMAL] * len(pieces),
        "bos": 2,
        "eos": 1,
        "unk": 3,
        "pad": 0,
        "add_bos": True,
        "add_space_prefix": False,
        "template": GEMMA_TEMPLATE,
    }


# --- the models ---------------------------------------------------------------------------------

# Shapes: every matrix row (the input dimension) a multiple of 32. Weights: N(0, 1/fan_in) matrices
# and norms 1 +- 20%, with these knobs (what a random model needs to decode like a model rather
# than repeat one token; top logits land around 40..150):
#   embd_std    std of token_embd (tied models: small, or the input token's own row wins again)
#   res_std     scale of what attention and FFN add to the residual (gemma3: the post-norms)
#   out_norm    output_norm's centre (tied models: brings the logits back up)
#   row_spread  log-normal spread of the vocabulary rows' lengths (heavier-tailed logits)
#   qk          scale of q and k (or of their norms): peaked attention
# `seed` seeds the model's default_rng. The seeds were chosen once by running llama.cpp on seeds
# 0..29 (gemma3 0..59) and keeping one whose 16 greedy steps are at least ~1.4 logits from a tie
# and that decodes at least 14 distinct ids.
MODELS = [
    {
        "name": "qwen2", "arch": "qwen2", "seed": 9, "vocab": "bpe",
        "n_embd": 64, "n_layer": 2, "n_head": 4, "n_kv": 2, "head_dim": 16, "n_ff": 128,
        "rope_base": 1000000.0, "eps": 1e-6, "tied": True, "biases": True,
        "embd_std": 0.2, "res_std": 2.0, "out_norm": 5.0, "row_spread": 0.3, "qk": 2.5,
        "matrix": QT.Q8_0, "embd": QT.Q8_0, "file_type": gguf.LlamaFileType.MOSTLY_Q8_0,
        "prompt": "<|im_start|>system\nYou are ktriage, an SRE assistant.<|im_end|>\n<|im_start|>user\n"
                  "WHY'S pod vllm-0 OOMKilled? It used 79.15GiB (limit: 80Gi).\n\nCheck it.<|im_end|>\n"
                  "<|im_start|>assistant\n",
    },
    {
        "name": "qwen3", "arch": "qwen3", "seed": 6, "vocab": "bpe",
        "n_embd": 64, "n_layer": 2, "n_head": 4, "n_kv": 2, "head_dim": 32, "n_ff": 192,
        "rope_base": 1000000.0, "eps": 1e-6, "tied": False, "qk_norm": True,
        "embd_std": 1.0, "row_spread": 0.5, "qk": 2.5,
        "matrix": QT.Q8_0, "embd": QT.Q8_0, "file_type": gguf.LlamaFileType.MOSTLY_Q8_0,
        "prompt": "<|im_start|>user\nList the 3 pods in CrashLoopBackOff in ns llm-serving; don't guess.<|im_end|>\n"
                  "<|im_start|>assistant\n",
    },
    {
        "name": "gemma3", "arch": "gemma3", "seed": 25, "vocab": "gemma",
        "n_embd": 64, "n_layer": 6, "n_head": 4, "n_kv": 2, "head_dim": 32, "n_ff": 192,
        # Window 128 > prompt + 16 steps: the fixture does not depend on how the window is cut
        # (llama.cpp masks i - j >= W; candle masks i - j > W, and only when prefilling).
        "rope_base": 1000000.0, "eps": 1e-6, "tied": True, "qk_norm": True, "sliding_window": 128,
        "embd_std": 0.1, "res_std": 3.0, "out_norm": 10.0, "row_spread": 0.3, "qk": 2.5,
        "matrix": QT.Q4_0, "embd": QT.Q8_0, "file_type": gguf.LlamaFileType.MOSTLY_Q4_0,
        "prompt": "<start_of_turn>user\nWhy is the pod vllm-0 crash looping?\n\nLogs:  OOMKilled (exit 137)<end_of_turn>\n"
                  "<start_of_turn>model\n",
    },
    {
        "name": "mistral", "arch": "llama", "seed": 7, "vocab": "mistral",
        "n_embd": 64, "n_layer": 2, "n_head": 4, "n_kv": 2, "head_dim": 16, "n_ff": 128,
        "rope_base": 10000.0, "eps": 1e-5, "tied": False,
        "embd_std": 1.0, "row_spread": 0.5, "qk": 2.5,
        "matrix": QT.Q4_1, "embd": QT.Q4_1, "file_type": gguf.LlamaFileType.MOSTLY_Q4_1,
        "prompt": "[INST] Why is the pod vllm-0 crash looping? Logs say: OOMKilled (exit 137). [/INST]",
    },
]


def build(spec: dict, vocab: dict, path: str) -> None:
    rng = np.random.default_rng(spec["seed"])
    d, n_layer, n_head, n_kv, hd, n_ff = (spec[k] for k in ("n_embd", "n_layer", "n_head", "n_kv", "head_dim", "n_ff"))
    n_vocab = len(vocab["tokens"])
    arch = spec["arch"]
    gemma = arch == "gemma3"

    def normal(shape, std):
        return (rng.standard_normal(shape, dtype=np.float32) * np.float32(std)).astype(np.float32)

    def matrix(n_out, n_in, std=None):
        return normal((n_out, n_in), 1.0 / np.sqrt(n_in) if std is None else std)

    def norm(n, center=1.0):
        return (np.float32(center) + normal((n,), 0.2 * center)).astype(np.float32)

    tensors: list[tuple[str, np.ndarray, QT | None]] = []

    def add(name, arr, qtype=None):
        tensors.append((name, arr, qtype))

    def vocab_rows(std):
        # Rows of log-normal length (real output embeddings' norms vary too): logits with
        # heavier tails than a Gaussian's, so the top two are seldom near-tied.
        rows = normal((n_vocab, d), std)
        return (rows * np.exp(normal((n_vocab, 1), spec["row_spread"]))).astype(np.float32)

    res = spec.get("res_std", 1.0)  # scale of what attention and FFN add to the residual
    # Scale of q and k: attention scores of std ~qk^2, peaked enough that what the last position
    # attends to changes with each new token (with flat attention a random model's hidden state
    # barely moves and greedy decoding repeats one token).
    qk = spec.get("qk", 1.0)
    add("token_embd.weight", vocab_rows(spec["embd_std"]), spec["embd"])
    for i in range(n_layer):
        p = f"blk.{i}"
        add(f"{p}.attn_norm.weight", norm(d))
        add(f"{p}.attn_q.weight", matrix(n_head * hd, d, qk / np.sqrt(d)), spec["matrix"])
        add(f"{p}.attn_k.weight", matrix(n_kv * hd, d, qk / np.sqrt(d)), spec["matrix"])
        add(f"{p}.attn_v.weight", matrix(n_kv * hd, d), spec["matrix"])
        if spec.get("biases"):
            # Qwen 2's large K bias (no effect on the softmax) and smaller Q and V ones.
            add(f"{p}.attn_q.bias", normal((n_head * hd,), 0.3))
            add(f"{p}.attn_k.bias", normal((n_kv * hd,), 2.0))
            add(f"{p}.attn_v.bias", normal((n_kv * hd,), 0.1))
        if spec.get("qk_norm"):
            add(f"{p}.attn_q_norm.weight", norm(hd, qk))
            add(f"{p}.attn_k_norm.weight", norm(hd, qk))
        add(f"{p}.attn_output.weight", matrix(d, n_head * hd, res / np.sqrt(n_head * hd)), spec["matrix"])
        if gemma:
            add(f"{p}.post_attention_norm.weight", norm(d, res))
        add(f"{p}.ffn_norm.weight", norm(d))
        add(f"{p}.ffn_gate.weight", matrix(n_ff, d), spec["matrix"])
        add(f"{p}.ffn_up.weight", matrix(n_ff, d), spec["matrix"])
        add(f"{p}.ffn_down.weight", matrix(d, n_ff, res / np.sqrt(n_ff)), spec["matrix"])
        if gemma:
            add(f"{p}.post_ffw_norm.weight", norm(d, res))
    add("output_norm.weight", norm(d, spec.get("out_norm", 1.0)))
    if not spec["tied"]:
        add("output.weight", vocab_rows(1.0), spec["matrix"])

    w = gguf.GGUFWriter(path, arch)
    w.add_name(f"ktriage tiny {spec['name']}")
    w.add_file_type(int(spec["file_type"]))
    w.add_context_length(N_CTX)
    w.add_embedding_length(d)
    w.add_block_count(n_layer)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_kv)
    if hd != d // n_head or gemma:
        w.add_key_length(hd)
        w.add_value_length(hd)
    if arch == "llama":
        w.add_rope_dimension_count(hd)
        w.add_vocab_size(n_vocab)
    w.add_rope_freq_base(spec["rope_base"])
    w.add_layer_norm_rms_eps(spec["eps"])
    if gemma:
        # Sliding layers' rope base and the 5-sliding-1-global pattern are left to both loaders'
        # defaults (10000 and 6; llama.cpp: rope.freq_base_swa / attention.sliding_window_pattern,
        # candle: rope.local_freq_base / attention.sliding_window_type), as in Gemma 3's own files.
        w.add_sliding_window(spec["sliding_window"])

    w.add_tokenizer_model(vocab["model"])
    w.add_tokenizer_pre(vocab["pre"])
    w.add_token_list(vocab["tokens"])
    if "scores" in vocab:
        w.add_token_scores(vocab["scores"])
    w.add_token_types(vocab["types"])
    if "merges" in vocab:
        w.add_token_merges(vocab["merges"])
    w.add_bos_token_id(vocab["bos"])
    w.add_eos_token_id(vocab["eos"])
    if "unk" in vocab:
        w.add_unk_token_id(vocab["unk"])
    if "pad" in vocab:
        w.add_pad_token_id(vocab["pad"])
    w.add_add_bos_token(vocab["add_bos"])
    if vocab["model"] == "llama":
        w.add_add_eos_token(False)
        w.add_add_space_prefix(vocab["add_space_prefix"])
    w.add_chat_template(vocab["template"])
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)

    for name, arr, qtype in tensors:
        if qtype is None:
            w.add_tensor(name, arr)
        else:
            w.add_tensor(name, quantize(arr, qtype), raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- llama.cpp's answers -------------------------------------------------------------------------

CORPUS_COMMON = [
    "Hello world",
    " leading space and trailing  ",
    "double  spaces   and    four",
    "line one\nline two\n\nline four\n",
    "numbers 1234567890 and 3.14159",
    "punctuation: !?.,;:()[]{}<>\"'-",
    "don't I'll WE'RE it's",
    "naïve café, 日本語",
    "emoji 🚀🔥 done",
    "\ttab\tseparated",
    "   ",
]
CORPUS_SPECIAL = {
    "bpe": "<|im_start|>user\nping<|im_end|>\n",
    "mistral": "<s>[INST] ping [/INST] pong</s>",
    "gemma": "<start_of_turn>user\nping<end_of_turn>\n<start_of_turn>model\n",
}


def reference(spec: dict, vocab_kind: str, path: str, with_corpus: bool) -> dict:
    import llama_cpp
    from llama_cpp import Llama

    # f32 KV cache, no flash attention: the precision the ktriage engine computes in.
    llm = Llama(model_path=path, n_ctx=N_CTX, n_threads=2, logits_all=True, type_k=0, type_v=0, flash_attn=False, verbose=False)
    add_bos = bool(llama_cpp.llama_vocab_get_add_bos(llama_cpp.llama_model_get_vocab(llm.model)))
    prompt_ids = llm.tokenize(spec["prompt"].encode(), add_bos=add_bos, special=True)
    llm.reset()
    llm.eval(prompt_ids)
    greedy, margins, top1, top5 = [], [], [], None
    for step in range(GREEDY_TOKENS):
        logits = np.asarray(llm.scores[llm.n_tokens - 1], dtype=np.float32)
        order = np.argsort(-logits, kind="stable")
        tok = int(order[0])
        if step == 0:
            top5 = [[int(i), round(float(logits[i]), 4)] for i in order[:5]]
        greedy.append(tok)
        margins.append(round(float(logits[order[0]] - logits[order[1]]), 4))
        top1.append(round(float(logits[order[0]]), 4))
        llm.eval([tok])
    # Short inputs, where even a chaotic random model is well conditioned: the first step's top
    # 4 logits after BOS alone and after BOS and one more token.
    short = []
    bos = prompt_ids[0] if add_bos else int(llama_cpp.llama_vocab_bos(llama_cpp.llama_model_get_vocab(llm.model)))
    for ids in ([bos], [bos, 100]):
        llm.reset()
        llm.eval(ids)
        logits = np.asarray(llm.scores[llm.n_tokens - 1], dtype=np.float32)
        order = np.argsort(-logits, kind="stable")[:4]
        short.append({"ids": ids, "top4": [[int(i), round(float(logits[i]), 4)] for i in order]})
    out = {
        "prompt": spec["prompt"],
        "short": short,
        "add_bos": add_bos,
        "prompt_ids": prompt_ids,
        "greedy_ids": greedy,
        "margins": margins,
        "min_margin": min(margins),
        "top1_logits": top1,
        "top5_first": top5,
    }
    if with_corpus:
        corpus = []
        for text in CORPUS_COMMON + [CORPUS_SPECIAL[vocab_kind]]:
            plain = llm.tokenize(text.encode(), add_bos=False, special=False)
            special = llm.tokenize(text.encode(), add_bos=False, special=True)
            corpus.append({"text": text, "ids": plain, "ids_special": special})
        out["corpus"] = corpus
    del llm
    return out


def compact_json(obj) -> str:
    """Indented JSON with lists of numbers (and [id, logit] pairs) kept on one line."""
    text = json.dumps(obj, ensure_ascii=False, indent=1)
    num_list = re.compile(r"\[(\s*-?[\d.e+-]+\s*,?)+\s*\]")
    text = num_list.sub(lambda m: "[" + ", ".join(x.strip() for x in m.group(0)[1:-1].split(",")) + "]", text)
    pairs = re.compile(r"\[\s*(\[[^\[\]]*\](?:,\s*\[[^\[\]]*\])*)\s*\]")
    return pairs.sub(lambda m: "[" + re.sub(r",\s+\[", ", [", m.group(1)) + "]", text) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="folder for the .gguf files (target/interop/tiny-gguf)")
    ap.add_argument("--reference", help="also run llama.cpp and write this JSON fixture")
    ap.add_argument("--source", default=DEFAULT_SOURCE, help="GGUF file whose BPE vocabulary is used (SmolLM2)")
    ap.add_argument("--only", action="append", help="only this model (repeatable)")
    args = ap.parse_args()
    if version("gguf") != GGUF_PIN:
        print(f"warning: gguf {version('gguf')} here, the files are pinned to gguf=={GGUF_PIN}: their bytes may differ", file=sys.stderr)

    src = read_gguf_metadata(args.source, {
        "tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.merges", "tokenizer.chat_template",
    })
    vocabs = {"bpe": bpe_vocab(src), "mistral": mistral_vocab(src), "gemma": gemma_vocab(src)}
    os.makedirs(args.out, exist_ok=True)
    models = [m for m in MODELS if not args.only or m["name"] in args.only]
    files = {}
    for spec in models:
        path = os.path.join(args.out, spec["name"] + ".gguf")
        build(spec, vocabs[spec["vocab"]], path)
        files[spec["name"]] = path
        print(f"{path}: {os.path.getsize(path)} bytes, sha256 {sha256(path)}", file=sys.stderr)
    if not args.reference:
        return

    import llama_cpp

    out = {
        "generator": "bench/tiny_gguf.py",
        "llama_cpp_python": llama_cpp.__version__,
        "gguf_py": version("gguf"),
        "numpy": np.__version__,
        "greedy": f"{GREEDY_TOKENS} argmax ids after the prompt (prompt_ids, bos included when add_bos); "
                  "margins[i] and top1_logits[i]: top-1 minus top-2 logit, and the top-1 logit, at step i; "
                  "corpus: ids without bos, special tokens not parsed (ids) and parsed (ids_special)",
        "models": [],
    }
    corpus_done = set()
    for spec in models:
        path = files[spec["name"]]
        vocab = vocabs[spec["vocab"]]
        entry = {
            "file": os.path.basename(path),
            "sha256": sha256(path),
            "bytes": os.path.getsize(path),
            "architecture": spec["arch"],
            "family": spec["name"],
            "config": {
                "n_vocab": len(vocab["tokens"]), "n_embd": spec["n_embd"], "n_layer": spec["n_layer"],
                "n_head": spec["n_head"], "n_kv_head": spec["n_kv"], "head_dim": spec["head_dim"],
                "n_ff": spec["n_ff"], "context_length": N_CTX, "rope_freq_base": spec["rope_base"],
                "tied_output": spec["tied"], "matrix_type": spec["matrix"].name, "embedding_type": spec["embd"].name,
                "tokenizer": vocab["model"] + ("/" + vocab["pre"] if vocab["model"] == "gpt2" else ""),
            },
        }
        if spec["arch"] == "gemma3":
            entry["config"]["sliding_window"] = spec["sliding_window"]
        with_corpus = spec["vocab"] not in corpus_done
        corpus_done.add(spec["vocab"])
        entry.update(reference(spec, spec["vocab"], path, with_corpus))
        print(f"{spec['name']}: greedy {entry['greedy_ids']} min margin {entry['min_margin']}", file=sys.stderr)
        out["models"].append(entry)
    with open(args.reference, "w", encoding="utf-8") as f:
        f.write(compact_json(out))


if __name__ == "__main__":
    main()
