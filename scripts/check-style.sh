#!/usr/bin/env bash
# Source checks: clang-format conformance and a short list of banned calls
# (unbounded string functions everywhere, printing or exiting in the library).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.c' -o -name '*.h')
if command -v clang-format >/dev/null; then
  for f in $files; do
    if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
      echo "style: $f is not clang-formatted (run clang-format -i $f)" >&2
      status=1
    fi
  done
fi
if grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets)\s*\(' $files | grep -v '^\S*:\s*/?\*' ; then
  echo "style: banned function used (see above)" >&2
  status=1
fi
# The library writes only into a stream its caller hands it (the report
# pipeline's text and JSON): never to stdout or stderr on its own.
# stdout and stderr are caught where code uses them: fprintf(stderr, …),
# fputs(s, stdout), f = stderr;
if grep -nE '\b(printf|vprintf|puts|putchar|perror|exit|_exit|abort)\s*\(|\(\s*(stdout|stderr)\s*,|,\s*(stdout|stderr)\s*\)|=\s*(stdout|stderr)\s*;' symbolizer/*.c; then
  echo "style: the library must not print or exit (see above)" >&2
  status=1
fi
# cli/ sees the server through server/server.h alone (docs/design.md)
for h in server/*.h; do
  b=$(basename "$h")
  [ "$b" = server.h ] && continue
  if grep -nE "#include \"(server/)?$b\"" cli/*.c cli/*.h; then
    echo "style: cli/ includes the server's private $b; use server/server.h" >&2
    status=1
  fi
done
exit $status
