# Shared by the integration scripts: starts three `rivulet node` processes
# with Kafka listeners on free loopback ports and creates a topic.
# Usage: source cluster.sh RIVULET_BINARY TOPIC; then $broker, ${kp[i]}, ${np[i]}, $dir.
rivulet=$1
topic=$2
dir=$(mktemp -d /tmp/rivulet-it-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

# Free ports: let the kernel pick, via python3 if present, else a range from the pid.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
nodes=""; kafka=""
for i in 1 2 3; do
  np[$i]=$(free_port); kp[$i]=$(free_port)
  nodes+="${nodes:+, }$i@127.0.0.1:${np[$i]}"
  kafka+="${kafka:+, }$i@127.0.0.1:${kp[$i]}"
done
for i in 1 2 3; do
  printf '[node]\nid = %s\ndata_dir = %s/data%s\n[cluster]\nnodes = %s\nkafka = %s\ntick_ms = 20\n' \
    "$i" "$dir" "$i" "$nodes" "$kafka" > "$dir/n$i.ini"
  "$rivulet" node --config "$dir/n$i.ini" > "$dir/n$i.log" 2>&1 &
  pids+=($!)
done
broker="127.0.0.1:${kp[1]}"

# Wait (bounded) until the cluster takes a topic.
for attempt in $(seq 1 100); do
  if "$rivulet" topic create "$topic" --partitions 3 --replication-factor 3 \
       --bootstrap "127.0.0.1:${np[1]}" > "$dir/create.out" 2>&1; then break; fi
  grep -q "already exists" "$dir/create.out" && break
  sleep 0.2  # bounded retry while nodes start and elect a controller
done
grep -qE "created|already exists" "$dir/create.out" || { cat "$dir/create.out"; exit 1; }

