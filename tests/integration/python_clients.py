"""confluent-kafka and kafka-python against rivulet's Kafka listener.

Usage: python_clients.py BROKER TOPIC. Exits non-zero with a message when a
count is off. Run with Debian's /usr/bin/python3 (python3-confluent-kafka,
python3-kafka).
"""
import sys
import time

from confluent_kafka import Consumer, Producer
from kafka import KafkaConsumer, KafkaProducer

broker, topic = sys.argv[1], sys.argv[2]
failures = []


def check(what, got, want):
    print("%s: %s (want %s)" % (what, got, want))
    if got != want:
        failures.append(what)


# confluent-kafka AdminClient: CreateTopics / DeleteTopics with Kafka's error codes.
from confluent_kafka.admin import AdminClient, NewTopic

admin = AdminClient({"bootstrap.servers": broker})


def admin_outcome(futures):
    out = {}
    for name, f in futures.items():
        try:
            f.result(30)
            out[name] = "ok"
        except Exception as e:  # KafkaException carrying a KafkaError
            err = e.args[0]
            out[name] = err.name() if hasattr(err, "name") else str(e)
    return out


check("admin create", admin_outcome(admin.create_topics([NewTopic("py-admin", 2, 3)])), {"py-admin": "ok"})
check("admin create again", admin_outcome(admin.create_topics([NewTopic("py-admin", 2, 3)])),
      {"py-admin": "TOPIC_ALREADY_EXISTS"})
check("admin bad replication factor", admin_outcome(admin.create_topics([NewTopic("py-wide", 1, 5)])),
      {"py-wide": "INVALID_REPLICATION_FACTOR"})
check("admin delete", admin_outcome(admin.delete_topics(["py-admin", "py-missing"])),
      {"py-admin": "ok", "py-missing": "UNKNOWN_TOPIC_OR_PART"})

# confluent-kafka: idempotent produce, acks=all.
acked = []
p = Producer({"bootstrap.servers": broker, "acks": "all", "enable.idempotence": True})
for i in range(500):
    p.produce(topic, key=str(i % 7), value="ck%d" % i, on_delivery=lambda e, m: acked.append(e is None))
p.flush(60)
check("confluent-kafka records acknowledged", sum(acked), 500)

# kafka-python: produce, acks=all.
kp = KafkaProducer(bootstrap_servers=broker, acks="all")
futures = [kp.send(topic, key=str(i % 7).encode(), value=("kp%d" % i).encode()) for i in range(500)]
kp.flush(60)
check("kafka-python records acknowledged", sum(1 for f in futures if f.succeeded()), 500)
kp.close()

expected = {"ck%d" % i for i in range(500)} | {"kp%d" % i for i in range(500)}

# confluent-kafka: group consume, commit.
c = Consumer({"bootstrap.servers": broker, "group.id": "py-confluent", "auto.offset.reset": "earliest",
              "enable.auto.commit": False})
c.subscribe([topic])
seen, count = set(), 0
deadline = time.time() + 60
while len(seen) < len(expected) and time.time() < deadline:
    m = c.poll(0.5)
    if m is not None and m.error() is None:
        seen.add(m.value().decode())
        count += 1
c.commit(asynchronous=False)
c.close()
check("confluent-kafka group read (distinct)", seen == expected, True)
check("confluent-kafka group read (records)", count, len(expected))

# kafka-python: group consume. kafka-python 2.0.2 does not skip control
# batches, so it returns rivulet's raft no-op markers (key b"\0\0rv", null
# value) as records; they are counted apart (docs/kafka-compatibility.md).
kc = KafkaConsumer(topic, bootstrap_servers=broker, group_id="py-kafka-python", auto_offset_reset="earliest",
                   consumer_timeout_ms=10000)
values, markers = [], 0
for m in kc:
    if m.value is None and m.key == b"\x00\x00rv":
        markers += 1
    else:
        values.append(m.value.decode())
kc.close()
check("kafka-python group read (distinct)", set(values) == expected, True)
check("kafka-python group read (records)", len(values), len(expected))
print("kafka-python saw %d raft no-op markers" % markers)

sys.exit(1 if failures else 0)
