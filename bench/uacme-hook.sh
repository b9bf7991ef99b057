#!/bin/sh
# The challenge hook that bench.sh gives uacme: for http-01 it writes the
# key authorization where the benchmark's busybox httpd serves
# /.well-known/acme-challenge/ from $BENCH_WEBROOT, and removes it after.
# uacme calls it as: METHOD TYPE IDENT TOKEN AUTH.
method=$1 type=$2 token=$4 auth=$5
dir=$BENCH_WEBROOT/.well-known/acme-challenge

[ "$type" = http-01 ] || exit 1
case "$method" in
begin)
	mkdir -p "$dir" && printf '%s' "$auth" > "$dir/$token"
	;;
done | failed)
	rm -f "$dir/$token"
	;;
*)
	exit 1
	;;
esac
