# The clients read the password from MYSQL_PWD (MySQL 8.4 and MariaDB), never from their
# command line; any character is safe there, unlike in an option file.
export MYSQL_PWD="$STORE_PASSWORD"
mysql_client() {
  local program="$1"
  shift
  "$program" --host="$STORE_HOST" --port="$STORE_PORT" --user="$STORE_USER" --protocol=TCP "$@"
}
