#!/usr/bin/env bash
# Fetches the jars of an Apache Kafka broker from Maven Central once, into
# ${XDG_CACHE_HOME:-~/.cache}/rnncast/kafka-<version>/, and prints that
# directory. Later calls reuse the cache without touching the network.
#   RNNCAST_KAFKA_VERSION  broker version (default 3.9.2)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=${RNNCAST_KAFKA_VERSION:-3.9.2}
dir=${XDG_CACHE_HOME:-$HOME/.cache}/rnncast/kafka-$version

if [ -f "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi
command -v mvn >/dev/null || { echo "fetch.sh: cannot fetch Kafka: mvn not found" >&2; exit 1; }
tmp=$(mktemp -d "${dir}.tmp.XXXXXX" 2>/dev/null || { mkdir -p "$(dirname "$dir")"; mktemp -d "${dir}.tmp.XXXXXX"; })
trap 'rm -rf "$tmp"' EXIT
echo "fetch.sh: fetching Apache Kafka $version jars from Maven Central into $dir" >&2
logging=()
case $version in
4.*) logging=(-Dkafka.log4j2) ;; # 4.x logs through log4j2, 3.x through reload4j
esac
if ! mvn -B -q -Dstyle.color=never -f "$here/pom.xml" -Dkafka.version="$version" "${logging[@]}" \
	dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$tmp.log" 2>&1; then
	echo "fetch.sh: cannot fetch Apache Kafka $version with Maven:" >&2
	cat "$tmp.log" >&2
	rm -f "$tmp.log"
	exit 1
fi
rm -f "$tmp.log"
ls "$tmp"/kafka_2.13-"$version".jar >/dev/null
touch "$tmp/.complete"
# Another run may have filled the cache meanwhile: keep the first one.
mv -T "$tmp" "$dir" 2>/dev/null || true
echo "$dir"
