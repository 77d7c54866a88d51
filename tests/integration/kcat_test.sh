#!/usr/bin/env bash
# kcat (librdkafka) against three `rivulet node` processes with Kafka
# listeners: metadata, produce, consume from the beginning, offset query.
# Usage: kcat_test.sh RIVULET_BINARY
set -euo pipefail
export RIVULET_LOG=info  # the nodes log which transactions they coordinate
source "$(dirname "$0")/cluster.sh" "$1" kcat-topic
command -v kcat >/dev/null || { echo "kcat not installed (tools/ensure-deps.sh installs it)"; exit 1; }

# Metadata lists the three brokers and three partitions with leaders.
for attempt in $(seq 1 100); do
  kcat -b "$broker" -L -t kcat-topic > "$dir/meta.out" 2>&1 || true
  if [ "$(grep -c 'leader [123],' "$dir/meta.out")" = 3 ]; then break; fi
  sleep 0.1  # leaders being elected
done
grep -q "3 brokers" "$dir/meta.out" || { cat "$dir/meta.out"; exit 1; }
[ "$(grep -c 'leader [123],' "$dir/meta.out")" = 3 ] || { cat "$dir/meta.out"; exit 1; }

# Produce 2000 keyed records (acks=all by default in kcat? set it).
seq 1 2000 | sed 's/^\(.*\)$/k\1:v\1/' | timeout 60 kcat -b "$broker" -t kcat-topic -P -K: -X acks=all
# Consume everything from the beginning, on any broker as bootstrap.
timeout 60 kcat -b "127.0.0.1:${kp[2]}" -t kcat-topic -C -e -q -o beginning -f '%k:%s\n' > "$dir/read.out"
count=$(wc -l < "$dir/read.out")
unique=$(sort -u "$dir/read.out" | wc -l)
expected=$(seq 1 2000 | sed 's/^\(.*\)$/k\1:v\1/' | sort)
if [ "$count" != 2000 ] || [ "$unique" != 2000 ] || [ "$(sort "$dir/read.out")" != "$expected" ]; then
  echo "read $count records ($unique distinct), expected the 2000 produced"; exit 1
fi
# The end offsets add up to the records plus one no-op per partition leader.
timeout 30 kcat -b "$broker" -Q -t kcat-topic:0:-1 -t kcat-topic:1:-1 -t kcat-topic:2:-1 > "$dir/q.out"
total=$(awk '/offset/ {s += $NF} END {print s}' "$dir/q.out")
[ "$total" -ge 2003 ] || { cat "$dir/q.out"; echo "end offsets sum $total < 2003"; exit 1; }
# Idempotent producer (InitProducerId) and a consumer group (FindCoordinator,
# JoinGroup, SyncGroup, Heartbeat, OffsetCommit/Fetch): the group reads all
# 3000 records once, commits, and a second run of the group reads nothing new.
seq 2001 3000 | sed 's/^\(.*\)$/k\1:v\1/' | timeout 60 kcat -b "$broker" -t kcat-topic -P -K: -X enable.idempotence=true
timeout 120 kcat -b "$broker" -G kcat-group -X auto.offset.reset=earliest -e -q -f '%k:%s\n' kcat-topic > "$dir/group.out"
gcount=$(wc -l < "$dir/group.out"); gunique=$(sort -u "$dir/group.out" | wc -l)
[ "$gcount" = 3000 ] && [ "$gunique" = 3000 ] || { echo "group read $gcount ($gunique distinct), expected 3000"; exit 1; }
timeout 120 kcat -b "$broker" -G kcat-group -X auto.offset.reset=earliest -e -q kcat-topic > "$dir/group2.out"
[ "$(wc -l < "$dir/group2.out")" = 0 ] || { echo "the group re-read $(wc -l < "$dir/group2.out") records after committing"; exit 1; }

# Garbage (a frame claiming 2 GiB, then junk) closes that connection only.
exec 3<>"/dev/tcp/127.0.0.1/${kp[1]}"
printf '\x7f\xff\xff\xffjunk' >&3
if timeout 5 cat <&3 > /dev/null; then :; fi  # the listener closes it
exec 3>&-
grep -q "closing connection from .*127.0.0.1.*too_large" "$dir/n1.log" || { cat "$dir/n1.log"; echo "no log line for the bad connection"; exit 1; }
kcat -b "$broker" -L -t kcat-topic | grep -q "3 brokers" || { echo "listener broken after garbage"; exit 1; }
# A transactional producer (kcat wraps its input in one transaction): a
# read_committed reader sees its 10 records once kcat committed.
seq 1 10 | sed 's/^/t/' | timeout 60 kcat -b "$broker" -t kcat-topic -P -X transactional.id=kcat-txn
timeout 60 kcat -b "$broker" -t kcat-topic -C -e -q -o beginning -X isolation.level=read_committed > "$dir/rc.out"
tcount=$(grep -c '^t' "$dir/rc.out" || true)
[ "$tcount" = 10 ] || { echo "read_committed saw $tcount of the 10 transactional records"; exit 1; }
grep -q "transaction coordinator of 'kcat-txn'.*CompleteCommit\|PrepareCommit of producer" "$dir"/n*.log \
  || { echo "no node committed a transaction of kcat-txn"; exit 1; }
echo "kcat: 2000 records (acks=all) + 1000 (idempotent) + 10 (transactional) produced, read back exactly once by assign and by a group, which resumes from its committed offsets, through rivulet's Kafka listener"
