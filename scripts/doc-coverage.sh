#!/usr/bin/env bash
# Checks LemmingCore's documentation (issue 17): every public symbol has a doc comment, and the
# DocC catalog (Sources/LemmingCore/LemmingCore.docc) builds with warnings as errors, so a broken
# symbol link in an article or a comment fails.
#
# It runs the DocC plugin (swift-docc-plugin), which builds LemmingCore and its dependencies in
# .build (shared with `swift build`) and extracts the module's symbol graph, then reads that graph.
# A public or open symbol of LemmingCore counts as documented when the graph gives it a doc
# comment. What needs no comment of its own:
# - members a type gets from a protocol extension declared elsewhere (the graph marks them
#   `::SYNTHESIZED::`: `!=` of Equatable, `Array`'s members on a conformer, ...), and members the
#   compiler writes (they have no source location: a synthesized `==`, `hash(into:)`, a Codable
#   `init(from:)`);
# - a member that implements a protocol requirement and has no comment: the symbol graph gives it
#   the requirement's comment (its docs are inherited), so it passes; say more only when the
#   implementation adds something (a unit, an error thrown).
# Everything else public in Sources/LemmingCore, enum cases and extension members on other modules'
# types included, needs `///` (STYLE.md "Docs and tooling").
#
# Usage: scripts/doc-coverage.sh [extra `swift package` options, e.g. --scratch-path DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT

# Builds the symbol graph and the documentation archive; docc's warnings (an unresolved ``link``,
# a parameter left out where others are documented, an article's broken reference) are errors.
# The symbol graph is read even when docc fails, so that one run lists both kinds of problems.
status=0
swift package "$@" generate-documentation --target LemmingCore --warnings-as-errors || status=1

scratch=.build
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    [[ "${args[i]}" == "--scratch-path" ]] && scratch=${args[i + 1]}
done
graphs=$(find "$scratch" -name 'LemmingCore*.symbols.json' -newer "$stamp" -printf '%h\n' | sort -u)
if [[ -z "$graphs" || $(wc -l <<<"$graphs") -ne 1 ]]; then
    echo "error: expected LemmingCore's symbol graph in one folder under $scratch, found: ${graphs:-none}" >&2
    exit 1
fi

python3 - "$graphs" <<'PYTHON' || status=1
import glob, json, os, sys
from urllib.parse import unquote, urlparse

folder = sys.argv[1]
root = os.getcwd() + "/"
missing, total = [], 0
for path in sorted(glob.glob(os.path.join(folder, "LemmingCore*.symbols.json"))):
    with open(path) as file:
        graph = json.load(file)
    for symbol in graph["symbols"]:
        if symbol.get("accessLevel") not in ("public", "open"):
            continue
        if "::SYNTHESIZED::" in symbol["identifier"]["precise"]:
            continue
        location = symbol.get("location")
        if location is None:
            continue
        source = unquote(urlparse(location["uri"]).path)
        if "/Sources/LemmingCore/" not in source:
            continue
        total += 1
        lines = (symbol.get("docComment") or {}).get("lines", [])
        if any(line["text"].strip() for line in lines):
            continue
        line = location["position"]["line"] + 1
        name = ".".join(symbol["pathComponents"])
        kind = symbol["kind"]["identifier"].removeprefix("swift.")
        missing.append(f"{source.removeprefix(root)}:{line}: {kind} {name}")
if total == 0:
    sys.exit("error: no public symbol of LemmingCore in the symbol graph")
if missing:
    print("\n".join(sorted(set(missing))))
    print(f"error: {len(set(missing))} of {total} public symbols of LemmingCore have no doc comment", file=sys.stderr)
    sys.exit(1)
print(f"LemmingCore: all {total} public symbols documented")
PYTHON
if ((status)); then
    echo "error: LemmingCore's documentation has problems (listed above)" >&2
fi
exit "$status"
