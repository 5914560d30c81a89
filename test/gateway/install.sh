#!/usr/bin/env bash
# Installs the Python clients of the gateway's sample bots (test/gateway/bots), each with every
# dependency at an exact version, into two venvs at the repository root (git-ignored):
#   .venv-gateway         test/gateway/requirements.txt         alpaca-py (alpaca_py_bot.py)
#   .venv-gateway-legacy  test/gateway/requirements-legacy.txt  alpaca-trade-api (legacy_bot.py)
# Two venvs because alpaca-trade-api's pins would hold alpaca-py's dependencies years back (see
# requirements.txt). A venv that already holds exactly its requirements is left alone (the script
# then returns at once); otherwise it is built afresh. Needs Python >= 3.11 (`python3`, or
# $PYTHON) and PyPI. Called by .ci/run; test/gateway/bots.ts names it when a venv is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

python="${PYTHON:-python3}"

install() {
  local venv=$1 requirements=$2 module=$3
  local stamp="$venv/installed-requirements.txt"
  if [ -x "$venv/bin/python" ] && cmp -s "$requirements" "$stamp"; then
    return 0
  fi
  "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "the gateway bots need Python >= 3.11, found " + sys.version.split()[0])'
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
  "$venv/bin/python" -c "import $module"
  cp "$requirements" "$stamp"
  echo "installed $(grep -m1 -E '^alpaca' "$requirements") into $venv"
}

install .venv-gateway test/gateway/requirements.txt alpaca.trading.client
install .venv-gateway-legacy test/gateway/requirements-legacy.txt alpaca_trade_api
