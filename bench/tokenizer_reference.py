#!/usr/bin/env python3
"""Reference token ids from llama.cpp (llama-cpp-python) that agent/tests/model.rs checks the
ktriage engine against: the tokenizer on a fixed corpus, and the first greedy ids after a chat
prompt.

Usage: bench/tokenizer_reference.py MODEL.gguf > agent/tests/fixtures/smollm2-reference.json
Needs: pip install llama-cpp-python (the bench venv: target/interop/llama-venv).
"""
import json
import sys

from llama_cpp import Llama

CORPUS = [
    "Hello world",
    "system",
    " leading space and trailing  ",
    "Why is the LLM gateway returning 503s?",
    "CUDA out of memory. Tried to allocate 2.50 GiB (GPU 0; 79.15 GiB total capacity)",
    "kubectl -n llm-serving rollout undo deployment/vllm-llama --to-revision=6",
    '{"tool":"list_pods","arguments":{"namespace":"llm-serving"}}',
    "numbers 1234567890 and 3.14159 and 10k",
    "don't I'll you've WE'RE it's",
    "tabs\tand\nnewlines\n\n  indented\r\nwindows",
    "unicode: héllo wörld, naïve café, 日本語, Ελληνικά, emoji 🚀🔥",
    "2026-11-28T15:40:31Z ERROR [vllm.engine] torch.OutOfMemoryError: CUDA out of memory",
    "    def forward(self, x):\n        return self.w2(F.silu(self.w1(x)) * self.w3(x))",
    "ev-12 ev-3 llm-serving/Deployment/vllm-llama",
    "<|im_start|>system\nYou are ktriage.<|im_end|>\n<|im_start|>user\nping<|im_end|>\n<|im_start|>assistant\n",
    "!!!??? ... --- ***",
    "   ",
    "a",
]


CHAT = (
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "<|im_start|>user\nWhy would a vLLM pod run out of GPU memory after raising --max-model-len?<|im_end|>\n"
    "<|im_start|>assistant\n"
)
GREEDY_TOKENS = 32


def main() -> None:
    # f32 KV cache, no flash attention: the precision the ktriage engine computes in.
    llm = Llama(model_path=sys.argv[1], n_ctx=1024, n_threads=2, logits_all=True, type_k=0, type_v=0, flash_attn=False, verbose=False)
    corpus = []
    for text in CORPUS:
        special = "<|im_start|>" in text
        ids = llm.tokenize(text.encode(), add_bos=False, special=special)
        corpus.append({"text": text, "special": special, "ids": ids})
    prompt_ids = llm.tokenize(CHAT.encode(), add_bos=False, special=True)
    llm.reset()
    llm.eval(prompt_ids)
    greedy = []
    for _ in range(GREEDY_TOKENS):
        tok = int(llm.scores[llm.n_tokens - 1].argmax())
        greedy.append(tok)
        llm.eval([tok])
    out = {"corpus": corpus, "chat": {"text": CHAT, "prompt_ids": prompt_ids, "greedy_ids": greedy}}
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
