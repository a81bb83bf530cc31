# The tools read the password from a 0600 config file, never from their command line.
mongo_config="$(mktemp /tmp/mongo.XXXXXX.yaml)"
escaped_password="${STORE_PASSWORD//\\/\\\\}"
escaped_password="${escaped_password//\"/\\\"}"
printf 'password: "%s"\n' "$escaped_password" > "$mongo_config"
mongo_uri="mongodb://${STORE_USER}@${STORE_MEMBERS}/?replicaSet=${MONGO_REPLICA_SET}&authSource=admin"
