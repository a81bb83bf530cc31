mc mb --ignore-existing store/{{BUCKET}}
{{VERSIONING}}
{{EXPIRY}}
{{ANONYMOUS}}
