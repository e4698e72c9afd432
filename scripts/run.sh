#!/usr/bin/env bash
# Installs what is needed, builds, and runs the main job on the embedded
# default (scripts/demo.sh): a C addon is split, its debug file uploaded to the
# symbol server on a local store, addresses in the stripped addon symbolized
# through the server, and a crash inside node symbolicated by the hook.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$JOBS"
exec scripts/demo.sh build
