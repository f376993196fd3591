#!/bin/bash
# Runs a command in a network namespace of its own with loopback up
# (tests/net/netns.sh), removed afterwards; exits with its status.
#
#   tests/net/in-netns.sh COMMAND [ARGS...]
set -u
. "$(dirname "$0")/netns.sh"
netns_lo_up keel-host-$$
ip netns exec "$ns" "$@"
