"""A write torn by a crash (never acknowledged) is found by its length and CRC and only it is dropped."""

from __future__ import annotations

import struct

from csops.usage.wal import MAGIC, encode_record, read_records, wal_dir
from csops.usage.writer import Ingestor
from tests.usage.ingest_support import message_ids


def row(message_id: str) -> tuple:
    return (message_id, "track", "login", "U-1", None, "A-1", 1767225600000000, 1767225600000000, "{}", "{}")


def records(*names: str) -> bytes:
    return b"".join(encode_record([row(n)]) for n in names)


def leave_segment(lake_dir, data: bytes, name: str = "00000000000000000001-99999-dead.wal") -> None:
    folder = wal_dir(lake_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def recover(lake_dir):
    ingestor = Ingestor(lake_dir)
    try:
        return ingestor.recover()
    finally:
        ingestor.stop()


def test_a_half_written_last_record_is_dropped_and_the_rest_replayed(settings):
    whole = MAGIC + records("a", "b", "c")
    torn = encode_record([row("d")])[:-7]
    leave_segment(settings.CSOPS_LAKE_DIR, whole + torn)
    stats = recover(settings.CSOPS_LAKE_DIR)
    assert (stats.events, stats.torn_bytes) == (3, len(torn))
    assert sorted(message_ids()) == ["a", "b", "c"]


def test_a_last_record_with_a_bad_checksum_is_dropped(settings):
    last = bytearray(encode_record([row("d")]))
    last[-2] ^= 0xFF
    leave_segment(settings.CSOPS_LAKE_DIR, MAGIC + records("a") + bytes(last))
    stats = recover(settings.CSOPS_LAKE_DIR)
    assert (stats.events, stats.torn_bytes) == (1, len(last))
    assert message_ids() == ["a"]


def test_a_header_cut_in_the_middle_is_dropped(settings):
    leave_segment(settings.CSOPS_LAKE_DIR, MAGIC + records("a", "b") + struct.pack("<I", 99)[:3])
    assert recover(settings.CSOPS_LAKE_DIR).torn_bytes == 3
    assert sorted(message_ids()) == ["a", "b"]


def test_a_segment_cut_inside_its_magic_holds_nothing(settings):
    leave_segment(settings.CSOPS_LAKE_DIR, MAGIC[:4])
    assert recover(settings.CSOPS_LAKE_DIR).events == 0
    assert message_ids() == []


def test_reading_stops_at_the_first_bad_record():
    result = read_records(MAGIC + records("a") + b"\x00" * 8 + records("b"))
    assert [r[0] for r in result.rows] == ["a"]
    assert result.records == 1
