# The clients read the password from MYSQL_PWD (MySQL 8.4 and MariaDB), never from their
# command line; any character is safe there, unlike in an option file.
export MYSQL_PWD="$STORE_PASSWORD"
# A store that requires TLS: the clients verify the server's certificate and host name with
# its CA. MySQL spells it --ssl-mode=VERIFY_IDENTITY, MariaDB --ssl-verify-server-cert;
# `loose-` makes each client skip the option it does not know.
tls_options=()
if [ -n "${STORE_TLS_CA:-}" ]; then
  tls_options=(--ssl-ca="$STORE_TLS_CA" --loose-ssl-mode=VERIFY_IDENTITY --loose-ssl-verify-server-cert)
fi
mysql_client() {
  local program="$1"
  shift
  "$program" --host="$STORE_HOST" --port="$STORE_PORT" --user="$STORE_USER" --protocol=TCP "${tls_options[@]}" "$@"
}
