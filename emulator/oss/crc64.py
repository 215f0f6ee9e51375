"""CRC-64/ECMA-182 as OSS computes ``x-oss-hash-crc64ecma`` (the CRC-64/XZ parameters).

Reflected polynomial 0xC96C5795D7870F42 (ECMA-182's 0x42F0E1EBA9EA3693 bit-reversed), initial
register all ones, final XOR all ones; the header carries the value in decimal. This is what the
SDKs' ``crcmod.Crc(0x142F0E1EBA9EA3693, initCrc=0, rev=True, xorOut=0xFFFFFFFFFFFFFFFF)`` computes.

Example
-------
>>> hex(crc64(b"123456789"))
'0x995dc9bbdf1939fa'
>>> crc64(b"hello world")
5981764153023615706
"""

from __future__ import annotations

POLYNOMIAL = 0xC96C5795D7870F42
MASK = 0xFFFFFFFFFFFFFFFF


def _table() -> tuple[int, ...]:
    entries = []
    for byte in range(256):
        value = byte
        for _ in range(8):
            value = (value >> 1) ^ POLYNOMIAL if value & 1 else value >> 1
        entries.append(value)
    return tuple(entries)


TABLE = _table()


def crc64(data: bytes, crc: int = 0) -> int:
    """The CRC of ``data``; pass a previous result as ``crc`` to continue over more data."""
    register = crc ^ MASK
    table = TABLE
    for byte in data:
        register = table[(register ^ byte) & 0xFF] ^ (register >> 8)
    return register ^ MASK
