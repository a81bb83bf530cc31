mc admin policy create store {{POLICY}} /dev/stdin <<'EOF'
{{POLICY_JSON}}
EOF
mc admin user add store {{ACCESS_KEY}} "$USER_SECRET_{{INDEX}}"
mc admin policy attach store {{POLICY}} --user {{ACCESS_KEY}}
