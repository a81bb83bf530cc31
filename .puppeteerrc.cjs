/**
 * Puppeteer (mermaid-cli's browser driver, a dev dependency) must not download a browser
 * on `npm ci`: the diagram suite drives Debian's Chromium (scripts/diagrams/install-chromium.sh).
 */
module.exports = { skipDownload: true };
