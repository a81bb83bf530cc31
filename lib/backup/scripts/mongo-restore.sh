# Collections in the archive are dropped and restored, then the oplog is replayed up to
# the end of the dump.
mongorestore --config="$mongo_config" --uri="$mongo_uri" --drop --oplogReplay --gzip --archive="$dir/mongo.archive.gz"
