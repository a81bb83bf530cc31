redis-check-rdb "$dir/dump.rdb"
