#!/usr/bin/env bash
# Runs bench/pytorch_dpo_step.py with Debian's python3-torch, installing it first when missing.
# Debian's torch (1.13.1) is built for the system python3.11, not the pyenv python3 first on PATH, and
# without libopenblas0-pthread it falls back to the reference BLAS and runs ~8x slower
# (../shared/notes/infra.md, Python torch). Arguments are passed to the script.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python=/usr/bin/python3.11
if ! "$python" -c 'import torch' >/dev/null 2>&1 || ! dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
  echo "run-pytorch: installing python3-torch and libopenblas0-pthread (apt-get)..." >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-torch libopenblas0-pthread >&2
fi
# Debian package version (torch.__version__ reads 1.13.0a0 in this build)
echo "run-pytorch: python3-torch $(dpkg-query -W -f '${Version}' python3-torch)" >&2
exec "$python" "$here/pytorch_dpo_step.py" "$@"
