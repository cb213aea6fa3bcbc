#!/bin/sh
# PULUMI_PYTHON_CMD for `bench_fleet.py --profile DIR`: the dynamic provider process runs under
# bench/provider_profile.py (cProfile, dumped on exit and on SIGTERM/SIGINT); everything else as is.
if [ "$1" = "-u" ] && [ "$2" = "-m" ] && [ "$3" = "pulumi.dynamic" ]; then
    shift 3
    exec "$AKUA_BENCH_PYTHON" -u "$(dirname "$0")/provider_profile.py" "$@"
fi
exec "$AKUA_BENCH_PYTHON" "$@"
