#!/usr/bin/env bash
# ktriage's in-process engine vs llama.cpp (llama-cpp-python, built here from PyPI) on the same
# GGUF: prefill tokens/s (a PROMPT-token prompt, default 512) and decode tokens/s (128 greedy
# tokens after it), 2 threads, one warm-up then RUNS runs each, medians and the ratio, in one run.
#
#   bench/engine_vs_llamacpp.sh                 # the default model, 3 runs
#   RUNS=5 MODEL=/path/to/file.gguf bench/engine_vs_llamacpp.sh
#   PROMPT=2048 bench/engine_vs_llamacpp.sh     # a long prompt, as an agent's later turns are
#
# Needs: .ci/install-test-deps (llama-cpp-python in target/interop/llama-venv, the model).
# Builds ktriage in release (the shipped, portable build: no target-cpu=native).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
THREADS=${THREADS:-2}
PROMPT=${PROMPT:-512}
MODEL=${MODEL:-target/interop/cache/models/SmolLM2-135M-Instruct.Q4_1.gguf}
PY=target/interop/llama-venv/bin/python
[ -f "$MODEL" ] || { echo "no model at $MODEL: run .ci/install-test-deps" >&2; exit 1; }
[ -x "$PY" ] || { echo "no llama-cpp-python at $PY: run .ci/install-test-deps" >&2; exit 1; }
cargo build -q --release -p agent
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" >&2

ours=$(./target/release/ktriage model bench --model "$MODEL" --threads "$THREADS" --runs "$RUNS" --prompt "$PROMPT" --json)
echo "ktriage:   $ours" >&2
theirs=$("$PY" - "$MODEL" "$THREADS" "$RUNS" "$PROMPT" <<'PYEOF'
import json, statistics, sys, time
import llama_cpp
model, threads, runs, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
llm = llama_cpp.Llama(model_path=model, n_ctx=n + 256, n_threads=threads, n_batch=512, verbose=False)
prompt = [1000 + (i % 500) for i in range(n)]
pre, dec = [], []
for r in range(runs + 1):
    llm.reset()
    t = time.perf_counter(); llm.eval(prompt); p = n / (time.perf_counter() - t)
    t = time.perf_counter()
    for i in range(128):
        llm.eval([1000 + i])
    d = 128 / (time.perf_counter() - t)
    if r > 0:
        pre.append(p); dec.append(d)
print(json.dumps({"engine": "llama.cpp (llama-cpp-python %s)" % llama_cpp.__version__,
                  "prefill_tok_s": statistics.median(pre), "decode_tok_s": statistics.median(dec)}))
PYEOF
)
echo "llama.cpp: $theirs" >&2
python3 - "$ours" "$theirs" <<'PYEOF'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("| engine | prefill tok/s | decode tok/s |")
print("|---|---|---|")
print("| ktriage (%s) | %.0f | %.1f |" % (a["model"], a["prefill_tok_s"], a["decode_tok_s"]))
print("| %s | %.0f | %.1f |" % (b["engine"], b["prefill_tok_s"], b["decode_tok_s"]))
print("| ratio ktriage / llama.cpp | %.2fx | %.2fx |" % (a["prefill_tok_s"] / b["prefill_tok_s"], a["decode_tok_s"] / b["decode_tok_s"]))
PYEOF
