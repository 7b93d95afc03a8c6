#!/usr/bin/env python3
"""Token ids of a fixed corpus from llama.cpp's tokenizer (llama-cpp-python), the reference the
ktriage tokenizer is checked against (agent/tests/model.rs reads the output).

Usage: bench/tokenizer_reference.py MODEL.gguf > agent/tests/fixtures/smollm2-token-ids.json
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


def main() -> None:
    llm = Llama(model_path=sys.argv[1], vocab_only=True, verbose=False)
    out = []
    for text in CORPUS:
        special = "<|im_start|>" in text
        ids = llm.tokenize(text.encode(), add_bos=False, special=special)
        out.append({"text": text, "special": special, "ids": ids})
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    print()


if __name__ == "__main__":
    main()
