#!/bin/sh
# Starts the Redis server (`server`) or its Sentinel (`sentinel`) of one member, writing the
# configuration that holds the password at start, from the environment (the Secret), into a
# private file on an emptyDir: never in the ConfigMap, never on a command line (`ps` shows it).
#
#   REDIS_PASSWORD    the password (requirepass, masterauth, Sentinel's auth-pass and its own)
#   REDIS_RUN_DIR     where the files written here go (writable, not persisted)
#   REDIS_CONFIG      the ConfigMap's redis.conf (server) or sentinel.conf (sentinel)
# With Sentinel (unset for a standalone server):
#   REDIS_SELF        host:port this member's server announces (its stable DNS name)
#   SENTINEL_SELF     host:port this member's Sentinel announces
#   REDIS_MEMBERS     every member's server, host:port, space-separated, the first one first
#   REDIS_SENTINELS   every member's Sentinel, host:port, space-separated
#   SENTINEL_MASTER_NAME, SENTINEL_QUORUM, SENTINEL_DOWN_AFTER_MS, SENTINEL_FAILOVER_TIMEOUT_MS
set -eu
role="${1:?server or sentinel}"
run="${REDIS_RUN_DIR:?}"
umask 077
mkdir -p "$run"

# A value quoted for a Redis configuration file (backslashes and double quotes escaped).
quoted() { printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"; }
host_of() { printf '%s' "${1%:*}"; }
port_of() { printf '%s' "${1##*:}"; }
ask() {
  target="$1"
  shift
  REDISCLI_AUTH="$REDIS_PASSWORD" timeout 3 redis-cli --no-auth-warning -h "$(host_of "$target")" -p "$(port_of "$target")" "$@" 2> /dev/null
}

# The current master, as host:port. A restarted member must follow the master the Sentinels
# promoted, never start as a second master: first the other Sentinels are asked, then (none
# answers: the whole group is starting) the other members, for one that is a master; only
# when nobody answers is the first member the master.
current_master() {
  for sentinel in $REDIS_SENTINELS; do
    [ "$sentinel" = "$SENTINEL_SELF" ] && continue
    answer="$(ask "$sentinel" SENTINEL get-master-addr-by-name "$SENTINEL_MASTER_NAME" | tr -d '\r')" || continue
    host="$(printf '%s\n' "$answer" | sed -n 1p)"
    port="$(printf '%s\n' "$answer" | sed -n 2p)"
    if [ -n "$host" ] && [ -n "$port" ]; then
      echo "redis-start: Sentinel $sentinel names $host:$port the master" >&2
      printf '%s:%s' "$host" "$port"
      return
    fi
  done
  for member in $REDIS_MEMBERS; do
    [ "$member" = "$REDIS_SELF" ] && continue
    if ask "$member" INFO replication | tr -d '\r' | grep -qx 'role:master'; then
      echo "redis-start: no Sentinel answers; $member is a master" >&2
      printf '%s' "$member"
      return
    fi
  done
  # shellcheck disable=SC2086 # split into the members on purpose
  set -- $REDIS_MEMBERS
  echo "redis-start: neither a Sentinel nor a master answers; the first member, $1, is the master" >&2
  printf '%s' "$1"
}

password="$(quoted "$REDIS_PASSWORD")"
case "$role" in
  server)
    conf="$run/redis.conf"
    {
      # First, so that what follows (and CONFIG REWRITE, which Sentinel issues) wins.
      printf 'include %s\n' "$(quoted "$REDIS_CONFIG")"
      printf 'requirepass %s\n' "$password"
      if [ -n "${REDIS_MEMBERS:-}" ]; then
        master="$(current_master)"
        printf 'masterauth %s\n' "$password"
        printf 'replica-announce-ip %s\n' "$(host_of "$REDIS_SELF")"
        printf 'replica-announce-port %s\n' "$(port_of "$REDIS_SELF")"
        if [ "$master" != "$REDIS_SELF" ]; then
          printf 'replicaof %s %s\n' "$(host_of "$master")" "$(port_of "$master")"
        fi
      fi
    } > "$conf"
    exec redis-server "$conf"
    ;;
  sentinel)
    conf="$run/sentinel.conf"
    master="$(current_master)"
    {
      # Sentinel rewrites its file as the group changes: a private copy, not the ConfigMap.
      cat "$REDIS_CONFIG"
      printf 'requirepass %s\n' "$password"
      printf 'sentinel announce-ip %s\n' "$(host_of "$SENTINEL_SELF")"
      printf 'sentinel announce-port %s\n' "$(port_of "$SENTINEL_SELF")"
      printf 'sentinel monitor %s %s %s %s\n' "$SENTINEL_MASTER_NAME" "$(host_of "$master")" "$(port_of "$master")" "$SENTINEL_QUORUM"
      printf 'sentinel auth-pass %s %s\n' "$SENTINEL_MASTER_NAME" "$password"
      printf 'sentinel down-after-milliseconds %s %s\n' "$SENTINEL_MASTER_NAME" "$SENTINEL_DOWN_AFTER_MS"
      printf 'sentinel failover-timeout %s %s\n' "$SENTINEL_MASTER_NAME" "$SENTINEL_FAILOVER_TIMEOUT_MS"
      printf 'sentinel parallel-syncs %s 1\n' "$SENTINEL_MASTER_NAME"
    } > "$conf"
    exec redis-server "$conf" --sentinel
    ;;
  *)
    echo "redis-start: '$role' is neither server nor sentinel" >&2
    exit 2
    ;;
esac
