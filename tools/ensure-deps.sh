#!/usr/bin/env bash
# Installs the Debian packages rivulet builds with, if any is missing.
# As root: apt-get update + install. Not root: prints the exact command, exits 1.
set -euo pipefail

packages=(cmake g++ make libcaf-dev librdkafka-dev liblmdb-dev
          libboost-serialization-dev catch2 kcat python3-confluent-kafka python3-kafka
          zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "rivulet: missing Debian packages: ${missing[*]}" >&2
  echo "rivulet: run as root:  $cmd" >&2
  exit 1
fi
echo "rivulet: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
