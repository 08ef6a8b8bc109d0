#!/bin/sh
# Grade on this machine's cores through Dask (the same outputs as plain `make grade`): a scheduler and one
# worker on 127.0.0.1 only, then `grade --cluster`. Run as root (the sandbox needs it), from the course root:
#   sh deploy/dask/one-machine.sh [--submissions DIR] [--out DIR] ...
# Normally you do not need this on one machine: the local pool does the same with less. It is the shape of
# every other set-up, and the way to try them.
set -eu
venv=${VENV:-.venv}
port=${DASK_PORT:-8786}
cores=$(nproc)
# Loopback only: the scheduler runs whatever code any client that reaches it sends.
"$venv/bin/dask" scheduler --host 127.0.0.1 --port "$port" --no-dashboard &
scheduler=$!
# One worker process; it runs up to `--workers` jobs at once (each in its own sandboxed slot process), at most
# --nthreads. autograder=1 is what every grading job asks a share of: without it a worker gets no job.
"$venv/bin/dask" worker "tcp://127.0.0.1:$port" --host 127.0.0.1 --nthreads "$cores" \
    --resources autograder=1 --no-dashboard &
worker=$!
trap 'kill "$worker" "$scheduler"' EXIT INT TERM
"$venv/bin/python" -m autograder grade --cluster "tcp://127.0.0.1:$port" --workers "$cores" "$@"
