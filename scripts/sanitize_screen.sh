#!/usr/bin/env bash
# The compiled screen (src/did/validate/_screen.c) reads files from outside, in C: run its
# tests, and the readers' property tests, with it built under AddressSanitizer and
# UndefinedBehaviorSanitizer, so an out-of-bounds read or write fails the run instead of
# passing unseen (docs/adr/013). The sanitised build goes into a copy of the package that
# is put first on the import path; the installed one is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r src/did "$work/did"
rm -f "$work"/did/validate/_screen*.so
include=$($PY -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
suffix=$($PY -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
gcc -shared -fPIC -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
  -fno-sanitize-recover=all -I"$include" src/did/validate/_screen.c \
  -o "$work/did/validate/_screen$suffix"
# Python's own allocator would hide heap errors from ASan; leaks are CPython's, not ours.
# --capture=sys leaves standard error alone, so a sanitizer's report is seen.
LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
  PYTHONMALLOC=malloc ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
  PYTHONPATH="$work" SANITIZED_SCREEN="$work/did/validate/_screen$suffix" \
  .venv/bin/pytest -q -p no:cacheprovider --capture=sys tests/did/test_screen.py \
  tests/did/test_read_properties.py "$@"
