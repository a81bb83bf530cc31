mc anonymous set-json /dev/stdin store/{{BUCKET}} <<'EOF'
{{POLICY_JSON}}
EOF
