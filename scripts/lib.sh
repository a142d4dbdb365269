# shellcheck shell=bash
# Sourced by scripts/test and scripts/serve (not run on its own): the steps both need.
# Everything below works from the repository root, wherever the user typed the command.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT" || exit 1

say() { echo "==> $*" >&2; }
die() { echo "error: $*" >&2; exit 1; }

# apt-get update runs once, and only when something is missing: a warm machine makes no network call.
APT_UPDATED=''
apt_install() {
    local log=/tmp/senim-apt.log
    if [[ -z $APT_UPDATED ]]; then
        apt-get update -qq >"$log" 2>&1 || { cat "$log" >&2; die "apt-get update failed"; }
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"$log" 2>&1 \
        || { tail -n 30 "$log" >&2; die "apt-get install $* failed (full log: $log)"; }
}

# Waits for a service to answer, so pytest never races a server that is still starting.
wait_for() {
    local what=$1; shift
    for _ in $(seq 1 30); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 1
    done
    die "$what did not answer within 30 s"
}

# .venv in the repo root; pip runs only when pyproject.toml changed since the last install, so a
# second run starts pytest at once and needs no network. $1 is the extra to install ("test" or none).
ensure_venv() {
    local extra=${1:-} target=. hash
    [[ -n $extra ]] && target=".[$extra]"
    if ! .venv/bin/python -c 'import pip' >/dev/null 2>&1; then
        say "creating .venv"
        # Debian's python3 ships venv without ensurepip until python3-venv is installed.
        if ! python3 -m venv --clear .venv >/dev/null 2>&1; then
            say "installing python3-venv"
            apt_install python3-venv
            python3 -m venv --clear .venv >/dev/null || die "python3 -m venv failed"
        fi
    fi
    hash=$(sha256sum pyproject.toml | cut -d' ' -f1)
    # One stamp per extra: after `.[test]` the plain install is up to date too (serve after test is free).
    if [[ $(cat ".venv/.installed-${extra:-base}" 2>/dev/null) != "$hash" ]]; then
        say "installing Python dependencies ($target)"
        # pip and the build backend warn a lot even with -q: keep it in a log, show it on failure.
        local log=.venv/pip-install.log
        { .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip \
            && .venv/bin/python -m pip install -q --disable-pip-version-check -e "$target"; } >"$log" 2>&1 \
            || { tail -n 30 "$log" >&2; die "pip install $target failed (full log: $REPO_ROOT/$log)"; }
        echo "$hash" >.venv/.installed-base
        [[ -n $extra ]] && echo "$hash" >".venv/.installed-$extra"
    fi
    return 0
}
