"""The SKUs an import has met so far, and the row of each, in fixed memory.

A feed of a million rows would hold ~80 MB as a Python set of strings; this open-addressed
table of 64-bit hashes and row numbers (two arrays sized once from the feed's row count,
filled to at most 70 %) holds 12 bytes a slot: 17 MB for a million rows. Two SKUs of one
file sharing a 64-bit hash is a chance of about 1 in 10^8 for a million rows; the import
would then report a duplicate that is not one.
"""

from __future__ import annotations

import hashlib
from array import array

MAX_LOAD = 0.7


def _hash(sku: str) -> int:
    # Stable across processes (str's hash is salted per process; a resumed import rebuilds
    # the table in another one).
    value = int.from_bytes(hashlib.blake2b(sku.encode(), digest_size=8).digest(), "big")
    return (value & 0x7FFF_FFFF_FFFF_FFFF) or 1  # 0 marks an empty slot


class SeenSkus:
    def __init__(self, expected: int) -> None:
        self._allocate(max(1024, int(expected / MAX_LOAD) + 1))
        self._count = 0

    def _allocate(self, size: int) -> None:
        self._size = size
        self._keys = array("q", bytes(8 * size))
        self._rows = array("i", bytes(4 * size))

    def add(self, sku: str, row: int) -> int | None:
        """Remember `sku` at `row`; the row where it was met first if it was already."""
        key = _hash(sku)
        size = self._size
        slot = key % size
        keys = self._keys
        while True:
            found = keys[slot]
            if found == 0:
                if self._count >= size * MAX_LOAD:
                    self._grow()
                    return self.add(sku, row)
                keys[slot] = key
                self._rows[slot] = row
                self._count += 1
                return None
            if found == key:
                return self._rows[slot]
            slot = slot + 1 if slot + 1 < size else 0

    def _grow(self) -> None:
        """More rows than the feed's count said (a file changed under a resumed import)."""
        old_keys, old_rows = self._keys, self._rows
        self._allocate(self._size * 2)
        size = self._size
        for key, row in zip(old_keys, old_rows, strict=True):
            if key:
                slot = key % size
                while self._keys[slot]:
                    slot = slot + 1 if slot + 1 < size else 0
                self._keys[slot] = key
                self._rows[slot] = row
