#!/bin/sh
# Remove shared memory left by test processes that died without cleaning up.
# Test namespaces are "tst<pid>x<name>": only those whose pid is gone are
# removed, so a concurrently running test suite is left alone.
for f in /dev/shm/tickshm.tst*; do
	[ -e "$f" ] || continue
	base=${f#/dev/shm/tickshm.tst}
	pid=${base%%x*}
	case $pid in '' | *[!0-9]*) continue ;; esac
	[ -d "/proc/$pid" ] && continue
	echo "shm_cleanup: removing leftover $f"
	rm -f -- "$f"
done
exit 0
