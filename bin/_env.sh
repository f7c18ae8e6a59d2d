# Sourced by bin/demo and bin/test: make sure .venv exists and matches requirements.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11 or newer is needed (found: $("$PYTHON" --version 2>&1 || echo none))" >&2
  exit 1
fi
STAMP=".venv/.requirements.sha256"
WANT="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "Setting up .venv (Python packages from requirements.txt)..."
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$WANT" > "$STAMP"
fi
# Browser assets (mermaid, htmx, tom-select, echarts) come from the npm registry at set-up, pinned
# by package.json and package-lock.json, never from the network at run time. Without npm
# the pages still work: diagrams show as Mermaid text, pickers as plain inputs.
ASSETS_WANT="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if command -v npm >/dev/null 2>&1 && [ "$(cat .venv/npm/.assets 2>/dev/null)" != "$ASSETS_WANT" ]; then
  echo "Installing browser assets (package-lock.json) from the npm registry..."
  mkdir -p .venv/npm
  cp package.json package-lock.json .venv/npm/
  if npm ci --prefix .venv/npm --no-audit --no-fund --silent >/dev/null 2>&1; then
    echo "$ASSETS_WANT" > .venv/npm/.assets
  else
    echo "  npm could not install the browser assets; pages fall back to plain inputs" >&2
  fi
fi
# Printed documents need Debian's Noto CJK fonts (Chinese would print as boxes): installed when missing and
# this runs as root with apt-get; dpkg-query answers in milliseconds when they are there (docs/documents.md).
if command -v dpkg-query >/dev/null 2>&1 && ! dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing fonts-noto-cjk (Chinese fonts for printed documents)..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk >/dev/null 2>&1; } \
      || echo "  could not install fonts-noto-cjk: printing documents is refused until it is installed" >&2
  else
    echo "fonts-noto-cjk is missing: printed documents need it (apt-get install fonts-noto-cjk)" >&2
  fi
fi
export PATH="$ROOT/.venv/bin:$PATH"

# wait_for_web URL PID LOG: wait until URL answers; fail with the log's tail if the
# server (PID) died or never answered.
wait_for_web() {
  local url="$1" pid="$2" log="$3"
  for _ in $(seq 1 60); do
    python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "the web server did not answer at $url; see $log" >&2
  tail -n 20 "$log" >&2
  return 1
}
