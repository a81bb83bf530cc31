: "${KEEP_COUNT:?}" "${KEEP_DAYS:?}"
