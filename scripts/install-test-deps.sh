#!/usr/bin/env bash
# Install the system tools lwt's tests need (Debian/Ubuntu, run as root).
#
# Idempotent and non-interactive: every tool is checked first, so on a prepared
# machine this does no apt work at all; otherwise `apt-get update` runs once and
# only the missing packages are installed.
#
#   iproute2      ip netns / ip -batch: the kernel reference router (tests)
#   tshark        wire checks: every pcap lwt writes must dissect cleanly
#   iputils-ping  ping between namespaces (selftest-style topologies)
#   ethtool       switch off veth checksum offload for locally generated packets
#   netsniff-ng   trafgen, for benchmarks
#   procps        sysctl
#   tcpdump       debugging captures
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi

# package:command-that-proves-it-is-installed
wanted=(
    "iproute2:ip"
    "tshark:tshark"
    "iputils-ping:ping"
    "ethtool:ethtool"
    "netsniff-ng:trafgen"
    "procps:sysctl"
    "tcpdump:tcpdump"
)

missing=()
for entry in "${wanted[@]}"; do
    pkg=${entry%%:*}
    cmd=${entry#*:}
    # Look in sbin too: a non-root PATH often lacks it.
    if command -v "$cmd" >/dev/null 2>&1 ||
        [ -x "/usr/sbin/$cmd" ] || [ -x "/sbin/$cmd" ] || [ -x "/usr/bin/$cmd" ]; then
        continue
    fi
    missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-test-deps: all test dependencies present"
    exit 0
fi

echo "install-test-deps: installing ${missing[*]}"

# tshark's postinst asks whether non-root users may capture; answer "no" up front.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
    $SUDO debconf-set-selections

$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

for entry in "${wanted[@]}"; do
    cmd=${entry#*:}
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ] && [ ! -x "/sbin/$cmd" ]; then
        echo "install-test-deps: $cmd still missing after install" >&2
        exit 1
    fi
done
echo "install-test-deps: done"
