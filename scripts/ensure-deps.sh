#!/bin/sh
# Install the Debian packages named as arguments if any is missing.
# As root: apt-get (with one 'apt-get update' first). Otherwise: print the
# exact command and fail, so that nothing is built against a half set-up.
set -eu
missing=""
for pkg in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $pkg" ;;
    esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "islands: missing Debian packages:$missing" >&2
    echo "islands: install them with: sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "islands: installing missing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# One install at a time: 'make -j' may reach two dependency steps at once,
# and apt refuses a second apt running beside the first. The timeout waits
# for any other apt (unattended upgrades) instead of failing.
# The lock is in /run/lock, or where that is missing or read-only
# (containers, chroots) in the project's build directory, never under a
# fixed name in /tmp. Opened for appending: a name there already (a link
# someone planted) is never truncated. ISLANDS_DEPS_LOCK_DIR replaces
# /run/lock for the tests. dash exits when the redirection of `exec` itself
# fails, so a subshell tries it first.
lock=${ISLANDS_DEPS_LOCK_DIR:-/run/lock}/islands-ensure-deps.lock
if ! (exec 9>>"$lock") 2>/dev/null; then
    build_dir=$(cd "$(dirname "$0")/.." && pwd)/build
    mkdir -p "$build_dir"
    lock=$build_dir/.ensure-deps.lock
fi
exec 9>>"$lock"
flock 9
apt_wait="-o DPkg::Lock::Timeout=300"
# shellcheck disable=SC2086
apt-get $apt_wait update -qq
# shellcheck disable=SC2086
apt-get $apt_wait install -y -qq --no-install-recommends $missing >&2
