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
# Browser assets come from the npm registry at set-up, never from the network at run time.
# Without npm the flow studio shows its diagrams as Mermaid text instead of drawings.
MERMAID_VERSION=12.3.0
if command -v npm >/dev/null 2>&1 && [ "$(cat .venv/npm/.mermaid 2>/dev/null)" != "$MERMAID_VERSION" ]; then
  echo "Installing mermaid $MERMAID_VERSION (diagram drawing) from the npm registry..."
  if npm install --prefix .venv/npm "mermaid@$MERMAID_VERSION" --no-audit --no-fund --silent >/dev/null 2>&1; then
    echo "$MERMAID_VERSION" > .venv/npm/.mermaid
  else
    echo "  npm could not install mermaid; diagrams will show as text" >&2
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
