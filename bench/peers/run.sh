#!/usr/bin/env bash
# Runs Fila beside the peers (BullMQ, pg-boss, graphile-worker) with the shared harness, in one session.
#
#   bench/peers/run.sh [harness options…]     e.g.  --peers fila,bullmq --reps 3 --n 20000
#
# Sets up the harness in $PEERS (default /tmp/fila-peers): copies ../shared/bench/peers there, installs
# the peers' pinned versions, links this repository as the `fila` package, installs adapters/fila.mjs,
# and creates the `bench` database. Results go to $PEERS/harness/results.jsonl; report.mjs makes tables.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
SHARED="${SHARED:-$REPO/../shared/bench/peers}"
PEERS="${PEERS:-/tmp/fila-peers}"
H="$PEERS/harness"

if [ ! -d "$H/node_modules/bullmq" ]; then
  mkdir -p "$PEERS"
  rm -rf "$H" && cp -r "$SHARED" "$H"
  (cd "$H" && npm install --no-audit --no-fund)
fi
cp "$REPO/bench/peers/fila.mjs" "$H/adapters/fila.mjs"
mkdir -p "$H/node_modules"
ln -sfn "$REPO" "$H/node_modules/fila"
[ -f "$REPO/dist/index.js" ] || (cd "$REPO" && npm run build)
psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'bench'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE bench'

cd "$H"
node bench.mjs "$@"
