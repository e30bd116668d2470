#!/usr/bin/env bash
# Starts the built service on the embedded database in a temporary DATA_DIR and checks that
# /docs-json answers and that the demo credentials log in and upsert one extension.
set -euo pipefail
cd "$(dirname "$0")/.."
SMOKE_DIR=$(mktemp -d)
PORT=${SMOKE_PORT:-3999}
DATA_DIR="$SMOKE_DIR" PORT="$PORT" node dist/main.js >"$SMOKE_DIR/service.log" 2>&1 &
SERVICE_PID=$!
trap 'kill $SERVICE_PID 2>/dev/null || true; wait $SERVICE_PID 2>/dev/null || true; rm -rf "$SMOKE_DIR"' EXIT

for _ in $(seq 1 60); do
  [ -f "$SMOKE_DIR/demo-credentials.json" ] && curl -sf "http://127.0.0.1:$PORT/docs-json" >/dev/null && break
  kill -0 $SERVICE_PID 2>/dev/null || { cat "$SMOKE_DIR/service.log"; exit 1; }
  sleep 1
done
curl -sf "http://127.0.0.1:$PORT/docs-json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const d=JSON.parse(s);if(!d.paths["/rest/bulk/contact_extensions"])process.exit(1);console.log("docs-json: ok,",Object.keys(d.paths).length,"paths")})'
LOGIN=$(node -e 'const c=require(process.argv[1]);process.stdout.write(JSON.stringify({userKey:c.userKey,secret:c.secret}))' "$SMOKE_DIR/demo-credentials.json")
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/rest/login" -H 'Content-Type: application/json' -d "$LOGIN" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).access_token))')
RESULT=$(curl -sf -X POST "http://127.0.0.1:$PORT/rest/bulk/contact_extensions" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"columns":["contact_key","address","channel","name","permission"],"insertIfNotExists":true,"contactDatas":[{"contact_key":"demo-contact-2","address":"+90 535 123 45 67","channel":"S","name":"Mobile","permission":true}]}')
echo "bulk upsert: $RESULT"
echo "$RESULT" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);if(r.inserted!==1||r.failed!==0)process.exit(1)})'
echo "smoke test on the embedded database: ok"
