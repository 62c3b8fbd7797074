#!/usr/bin/env bash
# Lints the Swift sources with the repository's .swift-format (strict: findings fail).
# With --fix, formats the files in place first.
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Package.swift Sources Tests)
if [[ "${1:-}" == "--fix" ]]; then
    swift format format --in-place --recursive --parallel "${paths[@]}"
fi
swift format lint --strict --recursive --parallel "${paths[@]}"
