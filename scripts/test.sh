#!/usr/bin/env bash
# Install everything the tests need and run them: the README's test command.
# Debian's chromium (for the browser tests) is installed with apt-get when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium >/dev/null
fi
python -m pip install -q -r requirements-dev.txt
# Two workers (the machine has 2 cores), each taking whole test files, so module fixtures run once.
python -m pytest -n 2 --dist loadfile "$@"
