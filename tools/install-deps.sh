#!/usr/bin/env bash
# Install the Debian 12 packages tickshm needs to build, test and fuzz.
# Skips apt entirely when everything is already installed.
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang clang-format
      liburing-dev libzstd-dev libsqlite3-dev libcmocka-dev libxxhash-dev libck-dev)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
