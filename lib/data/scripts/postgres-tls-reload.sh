# pg_reload_conf() re-reads ssl_cert_file, ssl_key_file and ssl_ca_file (the superuser, on the socket).
reload_tls() {
  PGPASSWORD="$POSTGRES_PASSWORD" psql -X -q -w -h '{{SOCKET_DIR}}' -p '{{PORT}}' -U '{{SUPERUSER}}' -d postgres -Atc 'SELECT pg_reload_conf()' > /dev/null
}
