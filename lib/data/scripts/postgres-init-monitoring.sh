
# The exporter's login: pg_monitor (read statistics and settings), no data, connects
# to the maintenance database only, three sessions at most.
psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --host {{SOCKET_DIR}} --port {{PORT}} --username "${POSTGRES_USER:-{{SUPERUSER}}}" --dbname postgres \
  --set role={{ROLE}} --set password="$MONITORING_PASSWORD" <<'EOSQL'
{{MONITORING_SQL}}
EOSQL
