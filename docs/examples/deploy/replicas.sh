#!/usr/bin/env bash
# Reference deployment on one machine: a private redis-server, three `agate serve --redis` replicas on one registry
# file, and nginx in front (round robin, no stickiness, SSE-friendly; nginx.conf.template beside this script).
# Everything listens on 127.0.0.1 and lives in a temporary folder; Ctrl-C (or SIGTERM) stops it all and removes it.
#
#   npm run build && docs/examples/deploy/replicas.sh     # then: MCP at http://127.0.0.1:8080/mcp/time
#
# Env: PORT (nginx, 8080), REPLICA_PORTS ("8081 8082 8083"), ADMIN_PORTS ("8091 8092 8093"), REDIS_PORT (6390),
# AGATE (the command: `agate` if on PATH, else this checkout's dist/cli/index.js), NGINX (nginx on PATH, else
# /usr/sbin/nginx), AGATE_ADMIN_TOKEN (random unless set).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -z "${AGATE:-}" ]; then
  if command -v agate >/dev/null; then AGATE=agate; else AGATE="node $(cd "$here/../../.." && pwd)/dist/cli/index.js"; fi
fi
PORT="${PORT:-8080}"
REPLICA_PORTS="${REPLICA_PORTS:-8081 8082 8083}"
ADMIN_PORTS="${ADMIN_PORTS:-8091 8092 8093}"
REDIS_PORT="${REDIS_PORT:-6390}"
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
export AGATE_ADMIN_TOKEN="${AGATE_ADMIN_TOKEN:-agt_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export AGATE_LOG_LEVEL="${AGATE_LOG_LEVEL:-warn}"

work="$(mktemp -d "${TMPDIR:-/tmp}/agate-deploy.XXXXXX")"
pids=()
stop() {
  trap - EXIT INT TERM
  # nginx first (no new requests), then the replicas (SIGTERM: they drain), then Redis.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits until `file` contains `text`, or fails after 60 s (or when process `pid` has exited).
wait_for() {
  local file="$1" text="$2" pid="$3"
  for _ in $(seq 600); do
    grep -q "$text" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { echo "failed to start; its log:" >&2; cat "$file" >&2; return 1; }
    sleep 0.1
  done
  echo "timed out waiting for '$text' in $file" >&2
  return 1
}

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --logfile "$work/redis.log" &
pids+=($!)
wait_for "$work/redis.log" 'Ready to accept connections' "${pids[-1]}"

# One at a time: the first start creates the registry and its secret key, which every replica must share.
read -r -a ports <<<"$REPLICA_PORTS"
read -r -a admin_ports <<<"$ADMIN_PORTS"
upstreams=""
for i in "${!ports[@]}"; do
  $AGATE --db "$work/agate.db" serve --host 127.0.0.1 --port "${ports[i]}" --admin-port "${admin_ports[i]}" \
    --demo-port 0 --redis "redis://127.0.0.1:$REDIS_PORT" --trusted-proxy 127.0.0.1 >"$work/replica-$i.log" 2>&1 &
  pids+=($!)
  wait_for "$work/replica-$i.log" 'agate is running' "${pids[-1]}"
  upstreams+="    server 127.0.0.1:${ports[i]};"$'\n'
done

mkdir -p "$work/nginx/tmp"
sed -e "s|@PREFIX@|$work/nginx|g" -e "s|@LISTEN@|127.0.0.1:$PORT|" "$here/nginx.conf.template" |
  awk -v servers="$upstreams" '/@UPSTREAM_SERVERS@/ { printf "%s", servers; next } { print }' >"$work/nginx/nginx.conf"
# In the foreground of its own process (no daemon, no system service): stopping this script stops it.
"$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 100); do
  [ -s "$work/nginx/nginx.pid" ] && break
  kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/nginx/error.log" >&2; exit 1; }
  sleep 0.1
done

echo "folder: $work"
echo "admin token: $AGATE_ADMIN_TOKEN (admin APIs: ${ADMIN_PORTS// /, } on 127.0.0.1)"
echo "agate replicas behind nginx: http://127.0.0.1:$PORT (MCP: http://127.0.0.1:$PORT/mcp/time)"
wait
