gzip -t "$dir/mongo.archive.gz"
# Reads the whole archive and checks each document without writing anything.
mongorestore --config="$mongo_config" --uri="$mongo_uri" --dryRun --objcheck --oplogReplay --gzip --archive="$dir/mongo.archive.gz"
