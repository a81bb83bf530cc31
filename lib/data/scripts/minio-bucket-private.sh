mc anonymous set none store/{{BUCKET}} >/dev/null
