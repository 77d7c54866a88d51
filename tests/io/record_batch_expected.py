#!/usr/bin/env python3
"""Independent cross-check of the hand-built batch in record_batch_test.cpp.

Encodes the same two records from the Kafka record batch v2 spec with plain
Python (no pip packages) and a bitwise CRC-32C, and prints the batch as a
C++ byte list plus its CRC. Run: /usr/bin/python3 tests/io/record_batch_expected.py
"""
import struct


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def uvarint(u: int) -> bytes:
    out = bytearray()
    while u >= 0x80:
        out.append((u & 0x7F) | 0x80)
        u >>= 7
    out.append(u)
    return bytes(out)


def varint(n: int) -> bytes:  # zig-zag, 64-bit wide is fine for small values
    return uvarint((n << 1) ^ (n >> 63))


def nullable(b):
    return varint(-1) if b is None else varint(len(b)) + b


def record(ts_delta, off_delta, key, value, headers):
    body = b"\x00" + varint(ts_delta) + varint(off_delta) + nullable(key) + nullable(value)
    body += varint(len(headers))
    for k, v in headers:
        body += varint(len(k)) + k + nullable(v)
    return varint(len(body)) + body


assert crc32c(b"123456789") == 0xE3069283

records = record(0, 0, b"a", b"bc", []) + record(3, 1, None, b"d", [(b"h", b"x")])
after_crc = struct.pack(">hiqqqhii", 0, 1, 1000, 1003, -1, -1, -1, 2) + records
crc = crc32c(after_crc)
batch = struct.pack(">qiib", 5, 49 + len(records), -1, 2) + struct.pack(">I", crc) + after_crc
assert len(batch) == 61 + len(records)
print("crc = 0x%08X, size = %d" % (crc, len(batch)))
print(", ".join("0x%02x" % b for b in batch))
