# Every database in one gzip archive; --oplog makes it a consistent point in time on a
# replica set (read from a secondary when one is healthy).
mongodump --config="$mongo_config" --uri="${mongo_uri}&readPreference=secondaryPreferred" --oplog --gzip --archive="$work/mongo.archive.gz"
