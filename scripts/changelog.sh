#!/usr/bin/env bash
# Lists what changed since the last release tag (vX.Y.Z), one commit subject a line, for the
# [Unreleased] section of CHANGELOG.md. Merges are left out (their branches' commits are listed).
#   scripts/changelog.sh            # since the newest tag, or every commit when there is none
#   scripts/changelog.sh v0.1.0     # since that tag
set -euo pipefail
cd "$(dirname "$0")/.."
since="${1:-$(git describe --tags --abbrev=0 --match 'v[0-9]*' 2>/dev/null || true)}"
range="${since:+$since..}HEAD"
git log --no-merges --reverse --format='- %s (%h)' "$range"
