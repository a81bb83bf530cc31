# MySQL 8.4 reloads its TLS context with ALTER INSTANCE RELOAD TLS, MariaDB with FLUSH SSL (root, on the socket).
reload_tls() {
  MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysql --protocol=socket --socket='{{SOCKET}}' --user=root -e 'ALTER INSTANCE RELOAD TLS' 2> /dev/null ||
    MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysql --protocol=socket --socket='{{SOCKET}}' --user=root -e 'FLUSH SSL'
}
