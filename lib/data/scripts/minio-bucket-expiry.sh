mc ilm import store/{{BUCKET}} <<'EOF'
{{LIFECYCLE}}
EOF
