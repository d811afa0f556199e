#!/usr/bin/env bash
# Start the portal on the embedded defaults: SQLite under var/, local record store,
# in-process task worker, emails to the outbox. Ctrl-C stops the server and the worker.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var
"$BIN/portal" migrate --noinput -v 0
"$BIN/portal" load_demo
"$BIN/portal" export-reference var/reference >/dev/null
LAST_MONTH=$("$BIN/python" -c 'import datetime as d; t = d.date.today().replace(day=1) - d.timedelta(days=1); print(t.strftime("%Y-%m"))')
TODAY=$(date +%F)
# The worker's start resumes validations a stopped worker left and sweeps its partial files
# and scratch folders (ADR 082, 084).
# Poll for queued tasks every 0.2 s (default 1 s): an upload's check starts almost at once,
# and an idle poll is one indexed query.
"$BIN/portal" worker --queue-name '*' --interval 0.2 >var/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true; wait $WORKER 2>/dev/null || true' EXIT INT TERM
echo
echo "  DID Portal is running at http://127.0.0.1:8000  (task worker pid $WORKER, log var/worker.log)"
echo "  Press Ctrl-C to stop both."
echo
echo "  A file the demo portal accepts (sign in as the RR8 submitter; upload it for $LAST_MONTH):"
echo "    $BIN/did synth --rows 5000 --period $LAST_MONTH --reference var/reference --provider RR8 --received $TODAY var/rr8-$LAST_MONTH.csv"
echo "  The same with errors to fix:  add --error-rate 0.02 (and a new file name)"
echo "  Check it offline first, as the portal will:"
echo "    $BIN/did validate var/rr8-$LAST_MONTH.csv --period $LAST_MONTH --providers RR8 --reference var/reference --codes var/reference/imaging-codes.csv"
echo
"$BIN/portal" runserver 127.0.0.1:8000
