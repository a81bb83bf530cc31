# A point-in-time RDB snapshot streamed by the server (the replication protocol): consistent
# without touching the server's own files.
store_cli --rdb "$work/dump.rdb"
