#!/usr/bin/env bash
# The production install, as the README documents it, in a scratch directory: the artifacts of
# `npm run build` plus `npm ci --omit=dev`, started with NODE_ENV=production; checks that it serves
# the page, GraphQL (text and a trusted document's hash) and /readyz. Used by .ci/run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
pid=""
# npm start runs node under npm and a shell: stop the whole process group it leads.
cleanup() { [ -n "$pid" ] && kill -- "-$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

[ -f "$root/dist/main.js" ] && [ -f "$root/client/dist/index.html" ] || { echo "run npm run build first"; exit 1; }
cd "$root"
# What a release ships: the build artifacts, the migrations, the trusted documents, the start script.
cp -r --parents package.json package-lock.json dist client/dist prisma/migrations client/src/gql/persisted-documents.json scripts/start.mjs scripts/postinstall.mjs "$work"
cd "$work"
npm ci --omit=dev --no-audit --no-fund --prefer-offline --loglevel=error
[ ! -e node_modules/vite ] && [ ! -e node_modules/vitest ] || { echo "dev dependencies were installed"; exit 1; }

port=$(node -e 'const s=require("net").createServer().listen(0,()=>{console.log(s.address().port);s.close()})')
NODE_ENV=production PORT=$port HOST=127.0.0.1 DATABASE_URL=memory: LOG_FORMAT=json \
  JWT_SECRET=production-check-secret-0123456789abcdef setsid npm start >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "not ready"; cat "$work/server.log"; exit 1; }

fail() { echo "production check failed: $*"; cat "$work/server.log"; exit 1; }
curl -sf "http://127.0.0.1:$port/" | grep -q '<div id="root"' || fail "the page is not served"
gql() { curl -sf -H 'content-type: application/json' -d "$1" "http://127.0.0.1:$port/graphql"; }
gql '{"query":"{ __typename }"}' | grep -q '"__typename":"Query"' || fail "GraphQL does not answer"
hash=$(node -e 'const d=require("./client/src/gql/persisted-documents.json");console.log(Object.keys(d).find(k=>d[k].startsWith("query Viewer")))')
gql "{\"extensions\":{\"persistedQuery\":{\"version\":1,\"sha256Hash\":\"$hash\"}}}" | grep -q '"viewer":null' || fail "a trusted document's hash does not run"
grep -q '"msg"' "$work/server.log" || fail "logs are not JSON lines"
echo "production install: npm ci --omit=dev + dist/ started, served the page, GraphQL and a trusted document"
