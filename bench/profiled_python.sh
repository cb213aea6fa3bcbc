#!/bin/sh
# PULUMI_PYTHON_CMD for `bench_fleet.py --profile DIR`: the dynamic provider process (the launcher runs
# `-u -m pulumi.dynamic`, or `-u -m akua_pulumi.toolchain.dynamic` when akua_pulumi is installed) runs
# under bench/provider_profile.py (cProfile, dumped on exit and on SIGTERM/SIGINT); everything else as is.
if [ "$1" = "-u" ] && [ "$2" = "-m" ]; then
    case "$3" in
    pulumi.dynamic | akua_pulumi.toolchain.dynamic)
        module="$3"
        shift 3
        exec "$AKUA_BENCH_PYTHON" -u "$(dirname "$0")/provider_profile.py" "$module" "$@"
        ;;
    esac
fi
exec "$AKUA_BENCH_PYTHON" "$@"
