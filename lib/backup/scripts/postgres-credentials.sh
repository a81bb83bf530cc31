export PGHOST="$STORE_HOST" PGPORT="$STORE_PORT" PGUSER="$STORE_USER" PGPASSWORD="$STORE_PASSWORD" PGCONNECT_TIMEOUT=10
# A store that requires TLS: libpq verifies the server's certificate and host name with its CA.
if [ -n "${STORE_TLS_CA:-}" ]; then
  export PGSSLMODE=verify-full PGSSLROOTCERT="$STORE_TLS_CA"
fi
