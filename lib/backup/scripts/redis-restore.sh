# Redis cannot load an RDB over the network: a private server in this pod loads the
# snapshot, then every key (with its TTL) is copied into the store with MIGRATE.
migrate() {
  local db="$1"
  shift
  local reply
  reply="$(local_cli -n "$db" MIGRATE "$STORE_HOST" "$STORE_PORT" "" "$db" 60000 COPY REPLACE AUTH "$STORE_PASSWORD" KEYS "$@")"
  [ "$reply" = "OK" ] || { echo "MIGRATE failed: $reply" >&2; exit 1; }
}
scratch="$(mktemp -d /tmp/restore.XXXXXX)"
cp "$dir/dump.rdb" "$scratch/dump.rdb"
redis-server --port 0 --unixsocket "$scratch/redis.sock" --unixsocketperm 700 --dir "$scratch" --dbfilename dump.rdb --appendonly no --save "" --daemonize no > "$scratch/server.log" 2>&1 &
loader=$!
trap 'kill "$loader" 2> /dev/null' EXIT
local_cli() { env -u REDISCLI_AUTH redis-cli -s "$scratch/redis.sock" "$@"; }
for _ in $(seq 1 60); do
  if [ "$(local_cli ping 2> /dev/null)" = "PONG" ]; then break; fi
  sleep 1
done
[ "$(local_cli ping)" = "PONG" ] || { cat "$scratch/server.log" >&2; echo "the snapshot did not load" >&2; exit 1; }
expected=0
dbs=()
while IFS=: read -r name stats; do
  dbs+=("${name#db}")
  count="${stats%%,*}"
  expected=$((expected + ${count#keys=}))
done < <(local_cli info keyspace | tr -d "\r" | grep "^db")
[ "$(store_cli FLUSHALL SYNC)" = "OK" ] || { echo "FLUSHALL failed" >&2; exit 1; }
total=0
for db in "${dbs[@]}"; do
  keys=()
  while IFS= read -r key; do
    keys+=("$key")
    if [ "${#keys[@]}" -ge 100 ]; then
      migrate "$db" "${keys[@]}"
      total=$((total + ${#keys[@]}))
      keys=()
    fi
  done < <(local_cli -n "$db" --scan)
  if [ "${#keys[@]}" -gt 0 ]; then
    migrate "$db" "${keys[@]}"
    total=$((total + ${#keys[@]}))
  fi
done
[ "$total" -eq "$expected" ] || { echo "copied $total keys of $expected" >&2; exit 1; }
echo "restored $total keys"
