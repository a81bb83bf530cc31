# mc reads the policy from a file (not from a pipe); printf is the shell's own, and HOME is the /tmp emptyDir.
printf '%s\n' '{{POLICY_JSON}}' > "$HOME/anonymous-{{BUCKET}}.json"
mc anonymous set-json "$HOME/anonymous-{{BUCKET}}.json" store/{{BUCKET}}
