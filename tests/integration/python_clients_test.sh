#!/usr/bin/env bash
# Python Kafka clients (confluent-kafka 1.7, kafka-python 2.0.2, Debian's
# /usr/bin/python3) against three `rivulet node` processes.
# Usage: python_clients_test.sh RIVULET_BINARY
set -euo pipefail
source "$(dirname "$0")/cluster.sh" "$1" py-topic
/usr/bin/python3 -c 'import confluent_kafka, kafka' 2>/dev/null \
  || { echo "python3-confluent-kafka / python3-kafka not installed (tools/ensure-deps.sh installs them)"; exit 1; }
timeout 240 /usr/bin/python3 "$(dirname "$0")/python_clients.py" "$broker" py-topic
