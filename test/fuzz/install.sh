#!/usr/bin/env bash
# Installs the fuzz tool (test/fuzz/requirements.txt: schemathesis and every dependency at an exact
# version) into .venv-fuzz at the repository root (git-ignored). Does nothing when that venv already
# holds exactly these requirements; otherwise builds it afresh. Needs Python >= 3.11 (`python3`, or
# $PYTHON) and PyPI. Called by .ci/run, and by test/fuzz/schemathesis.test.ts when the venv is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.venv-fuzz
requirements=test/fuzz/requirements.txt
stamp="$venv/installed-requirements.txt"
python="${PYTHON:-python3}"

if [ -x "$venv/bin/schemathesis" ] && cmp -s "$requirements" "$stamp"; then
  exit 0
fi
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "schemathesis needs Python >= 3.11, found " + sys.version.split()[0])'
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
cp "$requirements" "$stamp"
echo "installed $("$venv/bin/schemathesis" --version) into $venv"
