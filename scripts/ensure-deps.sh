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
exec 9>/run/lock/islands-ensure-deps.lock 2>/dev/null || exec 9>/tmp/islands-ensure-deps.lock
flock 9
apt_wait="-o DPkg::Lock::Timeout=300"
# shellcheck disable=SC2086
apt-get $apt_wait update -qq
# shellcheck disable=SC2086
apt-get $apt_wait install -y -qq --no-install-recommends $missing >&2
