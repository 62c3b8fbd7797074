#!/usr/bin/env bash
# Checks, tags and builds a release of LeMMing.
#
#   scripts/release.sh 0.2.0              check, test, build dist/, then tag v0.2.0
#   scripts/release.sh 0.2.0 --dry-run    the same without the tag
#   scripts/release.sh 0.2.0 --skip-tests when the README's test command already passed on this commit
#   scripts/release.sh 0.2.0 --check-only only the checks below: is this commit ready to be 0.2.0?
#
# Before: set the version in Sources/LemmingCore/LemmingVersion.swift (the one place it is
# written; `lemming --version` prints it) and give CHANGELOG.md a "## [0.2.0] - YYYY-MM-DD" section
# (scripts/changelog.sh lists the commits since the last tag), commit both. The script refuses a
# tree with uncommitted changes, a version that does not match, a missing changelog section or a
# tag that exists; then runs the lint and the tests, builds `lemming` in release mode with the
# Swift runtime linked in (a binary that needs no Swift installed), checks that it reports the
# version, and writes dist/lemming-VERSION-linux-ARCH.tar.gz (the binary, README.md,
# CHANGELOG.md) with its SHA-256. The tag is annotated and local: push it yourself.
#
# Linking the Swift runtime in needs libcurl's and libxml2's development files
# (apt-get install libcurl4-openssl-dev libxml2-dev); the binary then needs only the system's
# libc, libstdc++, libsqlite3, libcurl and zlib.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "error: $*" >&2; exit 1; }

version=${1:-}
shift || true
dry_run=false
skip_tests=false
check_only=false
usage="usage: scripts/release.sh VERSION [--dry-run] [--skip-tests] [--check-only]"
for argument in "$@"; do
    case $argument in
        --dry-run) dry_run=true ;;
        --skip-tests) skip_tests=true ;;
        --check-only) check_only=true ;;
        *) fail "unknown argument $argument ($usage)" ;;
    esac
done
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "give the version as X.Y.Z ($usage)"

[[ -z $(git status --porcelain) ]] || fail "the working tree has uncommitted changes; commit or stash them first"
declared=$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/LemmingCore/LemmingVersion.swift)
[[ $declared == "$version" ]] || fail "Sources/LemmingCore/LemmingVersion.swift says $declared; set it to $version and commit"
grep -q "^## \[$version\]" CHANGELOG.md || fail "CHANGELOG.md has no '## [$version]' section (scripts/changelog.sh lists the commits since the last tag)"
if git rev-parse -q --verify "refs/tags/v$version" > /dev/null; then fail "the tag v$version exists already"; fi
if $check_only; then
    echo "ready for $version: clean tree, LemmingVersion.swift and CHANGELOG.md agree, no tag v$version yet"
    exit 0
fi

echo "== lint"
scripts/lint.sh
if ! $skip_tests; then
    echo "== tests (scripts/test)"
    scripts/test
fi

echo "== release build"
scratch=.build-release
swift build -c release --scratch-path "$scratch" --product lemming --static-swift-stdlib \
    || fail "the release build failed (linking the Swift runtime in needs: apt-get install libcurl4-openssl-dev libxml2-dev)"
binary=$(swift build -c release --scratch-path "$scratch" --product lemming --static-swift-stdlib --show-bin-path)/lemming
reported=$("$binary" --version)
[[ $reported == "$version" ]] || fail "the built lemming reports '$reported', not $version"

arch=$(uname -m)
name=lemming-$version-linux-$arch
rm -rf "dist/$name" && mkdir -p "dist/$name"
cp "$binary" README.md CHANGELOG.md "dist/$name/"
strip "dist/$name/lemming"
tar -C dist -czf "dist/$name.tar.gz" "$name"
(cd dist && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
rm -rf "dist/$name"
echo "built dist/$name.tar.gz ($(cut -d' ' -f1 "dist/$name.tar.gz.sha256"))"

if $dry_run; then
    echo "dry run: not tagged (scripts/release.sh $version tags v$version)"
else
    git tag -a "v$version" -m "LeMMing $version"
    echo "tagged v$version (git push origin v$version to publish it)"
fi
