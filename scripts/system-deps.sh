#!/bin/sh
# Install what powerreg needs from the system: graphviz's `dot` and a CJK font, so that
# Chinese labels are laid out with real metrics. Does nothing when both are present.
# `sh scripts/system-deps.sh test` also installs what the tests need: Debian's chromium,
# which the browser test of the public website drives headless (make run needs no browser).
set -eu
need=""
if [ "${1:-}" = "test" ] && [ ! -x /usr/bin/chromium ]; then
    need="$need chromium"
fi
command -v dot >/dev/null 2>&1 || need="$need graphviz"
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null | head -n 1)" ]; then
    need="$need fonts-noto-cjk fontconfig"
fi
[ -z "$need" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "powerreg needs:$need — apt-get is not available here; install them with your" >&2
    echo "system's package manager (graphviz, a CJK font such as Noto Sans CJK SC, and for" >&2
    echo "the tests chromium at /usr/bin/chromium)." >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "powerreg needs:$need — run 'apt-get install$need' as root, then try again." >&2
        exit 1
    fi
else SUDO=""; fi
echo "installing$need with apt-get" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
