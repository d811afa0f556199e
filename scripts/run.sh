#!/usr/bin/env bash
# Start the portal on the embedded defaults: SQLite under var/, local record store,
# in-process task worker, emails to the outbox. Ctrl-C stops the server and the worker.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var
"$BIN/portal" migrate --noinput -v 0
"$BIN/portal" load_demo
# Poll for queued tasks every 0.2 s (default 1 s): an upload's check starts almost at once,
# and an idle poll is one indexed query.
"$BIN/portal" worker --queue-name '*' --interval 0.2 >var/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true; wait $WORKER 2>/dev/null || true' EXIT INT TERM
echo
echo "  DID Portal is running at http://127.0.0.1:8000  (task worker pid $WORKER, log var/worker.log)"
echo "  Press Ctrl-C to stop both."
echo
"$BIN/portal" runserver 127.0.0.1:8000
