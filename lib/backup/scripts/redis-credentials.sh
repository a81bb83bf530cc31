# redis-cli reads the password from REDISCLI_AUTH; only commands to the store get it.
store_cli() { REDISCLI_AUTH="$STORE_PASSWORD" redis-cli -h "$STORE_HOST" -p "$STORE_PORT" --no-auth-warning "$@"; }
