# Shared set-up for scripts/demo and scripts/test: a virtual environment with OneWindow installed.
# Sourced, not executed. Works on a fresh Debian/Ubuntu machine with Python 3.11+.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq || true; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PYTHON="$candidate"; break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "OneWindow needs Python 3.11 or newer (python3 --version)." >&2; exit 1
fi

if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv --help >/dev/null 2>&1 || ! "$PYTHON" -c 'import ensurepip' 2>/dev/null; then
    echo "Installing python3-venv…" >&2
    apt_install python3-venv || { echo "Please install python3-venv (apt-get install python3-venv)." >&2; exit 1; }
  fi
  "$PYTHON" -m venv .venv
fi
VENV_PY="$ROOT/.venv/bin/python"
pip_install() { "$VENV_PY" -m pip install -q --disable-pip-version-check "$@"; }

# Printed documents and archival PDFs (WeasyPrint) need Pango and a Chinese font on the server.
ensure_print_packages() {
  # (Read into variables first: `grep -q` in a pipe under `pipefail` fails on the early exit.)
  local libs fonts
  libs="$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true)"
  fonts="$(fc-list 2>/dev/null || true)"
  # WeasyPrint warns (an error under the tests) without HarfBuzz-Subset.
  if [[ "$libs" != *libpangoft2-1.0.so.0* || "$libs" != *libharfbuzz-subset.so.0* \
    || "$fonts" != *"Noto Serif CJK"* ]]; then
    echo "== installing Pango, HarfBuzz-Subset and fonts-noto-cjk (printed documents and PDFs)"
    apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk \
      || echo "!! could not install Pango/fonts-noto-cjk: PDFs need them (see docs/operations.md)" >&2
  fi
}
