#!/usr/bin/env bash
# Installs what is needed, builds, and runs the main job. For now that is a
# symbolize demo: a C addon with inlined helpers is built, stripped and split,
# and addresses in the stripped file are turned into source lines through its
# debug file. (The symbol server joins this demo once it exists.)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$JOBS"
exec scripts/demo.sh build
