#!/usr/bin/env bash
# Install everything the tests need and run them: the README's test command.
# Debian's chromium (for the browser tests) and poppler-utils are installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# poppler-utils' pdftotext reads back the printed meeting pack.
if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium poppler-utils >/dev/null
fi
python -m pip install -q -r requirements-dev.txt
# Two workers (the machine has 2 cores), each taking whole test files, so module fixtures run once.
python -m pytest -n 2 --dist loadfile "$@"
