#!/usr/bin/env bash
# The newcomer path as root in a private directory (issue 16): copy this checkout into a
# folder inside a fresh `mktemp -d` (mode 700, so the `postgres` user embedded PostgreSQL
# runs as cannot enter it), then the README's commands with DATABASE_URL unset:
# `npm ci`, `npm test -- <one file>`, `npm start` + a query, SIGTERM, `npm start` again
# (the demo data must still be there, not reseeded) + the same query.
# Run by test/root-private-dir.test.ts (part of npm test) when run as root; takes about 1.5 minutes. Needs ports 4000-4004 free.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
if [ "$(id -u)" != 0 ]; then echo "ci-root-private-dir: not root, nothing to prove (embedded PostgreSQL runs as the current user)"; exit 0; fi

tmp="$(mktemp -d)"
hub="$tmp/hub"
log="$tmp/start.log"
pid=""
cleanup() {
  [ -n "$pid" ] && kill -TERM -- "-$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  # The relocated binaries and data (/var/lib/care-team-hub/<hash>/, see shared/embedded-postgres.ts), whatever step failed.
  for link in "$hub/.data/postgres" "$hub/.data/test-postgres"; do
    [ -L "$link" ] && rm -rf "$(dirname "$(dirname "$(dirname "$(readlink "$link")")")")"
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
for port in 4000 4001 4002 4003 4004; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "ci-root-private-dir: port $port is in use; npm start needs 4000-4004"; exit 1; fi
done
echo "ci-root-private-dir: $tmp is $(stat -c %a "$tmp") (private); the hub goes in $hub"

mkdir "$hub"
# The working tree as a clone would have it (uncommitted work included), without build output or data.
tar -C "$src" --exclude=./node_modules --exclude=./.data --exclude=./dist --exclude=./.git -cf - . | tar -C "$hub" -xf -
cd "$hub"
unset DATABASE_URL
export EMBEDDED_PG_PORT="${EMBEDDED_PG_PORT:-54339}" SEED_PATIENTS=20

npm ci --no-audit --no-fund --loglevel=error
npm test -- test/foundation.test.ts

query() {
  local token
  token="$(npm run -s token -- --role admin)"
  curl -sf http://127.0.0.1:4000/graphql -H 'content-type: application/json' -H "authorization: Bearer $token" \
    -d '{"query":"{ patients(first: 1) { totalCount } kpiTargets { key } }"}'
}
start() {
  # Its own process group, stopped as a terminal's Ctrl-C or docker stop would: the signal reaches npm, sh and node.
  setsid npm start >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do
    grep -q 'Care Team Hub is running' "$log" && return 0
    kill -0 "$pid" 2>/dev/null || { tail -40 "$log"; echo "ci-root-private-dir: npm start exited"; exit 1; }
    sleep 1
  done
  tail -40 "$log"; echo "ci-root-private-dir: npm start did not come up within 120 s"; exit 1
}
stop() {
  kill -TERM -- "-$pid"
  wait "$pid" || true
  local group="$pid"
  pid=""
  # npm may return before the hub it started has finished stopping: wait for the whole group, then read its last words.
  local gone=""
  for _ in $(seq 1 60); do pgrep -g "$group" >/dev/null || { gone=1; break; }; sleep 0.5; done
  [ -n "$gone" ] || { tail -20 "$log"; echo "ci-root-private-dir: processes of npm start still running 30 s after SIGTERM"; exit 1; }
  grep -q '"msg":"stopped cleanly"' "$log" || { tail -20 "$log"; echo "ci-root-private-dir: npm start did not stop cleanly on SIGTERM"; exit 1; }
}

start
first="$(query)"
echo "ci-root-private-dir: first start answered $first (data in $(readlink .data/postgres))"
grep -q 'seeding the demo population' "$log" || { echo "ci-root-private-dir: the first start did not seed"; exit 1; }
stop

start
second="$(query)"
stop
if grep -q 'seeding the demo population' "$log"; then echo "ci-root-private-dir: the restart reseeded: data was not kept"; exit 1; fi
[ "$first" = "$second" ] || { echo "ci-root-private-dir: after a restart the answer changed: $second"; exit 1; }
case "$first" in *'"totalCount":20'*) ;; *) echo "ci-root-private-dir: unexpected answer"; exit 1 ;; esac
echo "ci-root-private-dir: ok (npm ci, npm test, npm start, restart with data kept; as root under a mode-$(stat -c %a "$tmp") directory)"
