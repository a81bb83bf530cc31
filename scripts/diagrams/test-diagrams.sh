#!/usr/bin/env bash
# Diagram suite: every architecture diagram of dist/ rendered to SVG by mermaid-cli with
# Debian's Chromium (installed here as root when missing, else the exact command is printed),
# checked against the construct graph (test/integration/diagrams).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bash scripts/diagrams/install-chromium.sh > /dev/null
exec npx jest -c jest.integration.config.js test/integration/diagrams "$@"
