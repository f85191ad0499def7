"""UTF-8 with or without BOM, Shift_JIS/CP932 from Japanese Excel, and a clear report for anything else."""

from __future__ import annotations

import pytest

from csops.customers.models import Account
from tests.customers.import_corpus import csv_bytes, do_import, errors_at, message_for

ROWS = [["external_id", "name", "industry"], ["JP-1", "株式会社サンプル①", "製造"],
        ["JP-2", "㈱テスト・ソリューションズ", "ＩＴ"]]


@pytest.mark.parametrize(("encoding", "bom", "label"), [
    ("utf-8", False, "utf-8"),
    ("utf-8", True, "utf-8-sig"),
    ("cp932", False, "cp932"),
])
def test_it_reads_the_encodings_japanese_excel_writes(db, encoding, bom, label):
    result = do_import("accounts", csv_bytes(ROWS, encoding=encoding, bom=bom))

    assert result.ok, result.errors
    assert result.encoding == label
    assert dict(Account.objects.values_list("external_id", "name")) == {
        "JP-1": "株式会社サンプル①", "JP-2": "㈱テスト・ソリューションズ"}


def test_a_bom_does_not_become_part_of_the_first_header(db):
    result = do_import("accounts", csv_bytes([["external_id", "name"], ["A", "A"]], bom=True))

    assert result.ok
    assert result.ignored_columns == []


def test_a_lead_byte_without_its_trail_byte_is_neither_encoding(db):
    data = csv_bytes(ROWS, encoding="cp932") + b"JP-3,\x81\x7f broken,x\r\n"

    result = do_import("accounts", data)

    offset = data.index(b"\x81\x7f")
    assert f"byte 0x81 at offset {offset} (line 4) is not valid Shift_JIS" in message_for(result, 4)


def test_a_file_in_neither_encoding_is_rejected_with_the_offset_and_line(db):
    data = csv_bytes(ROWS, encoding="cp932") + b"JP-3,\xff\xfe broken,x\r\n"

    result = do_import("accounts", data)

    assert errors_at(result) == [(4, "")]
    message = message_for(result, 4)
    assert message.startswith("The file is neither UTF-8 nor Shift_JIS (CP932)")
    offset = data.index(b"\xff")
    assert f"byte 0xFF at offset {offset} (line 4) is not valid Shift_JIS" in message
    assert "(line 2) is not valid UTF-8" in message  # where the UTF-8 reading gave up: the first kanji
    assert not Account.objects.exists()


def test_a_utf8_bom_with_invalid_bytes_behind_it_is_not_read_as_shift_jis(db):
    data = b"\xef\xbb\xbf" + b"external_id,name\r\nA," + "名前".encode("cp932") + b"\r\n"

    result = do_import("accounts", data)

    assert errors_at(result) == [(2, "")]
    assert "starts with a UTF-8 byte-order mark but byte 0x96 at offset 23 (line 2)" in message_for(result, 2)


def test_utf16_is_refused_with_advice(db):
    data = "external_id,name\r\nA,A\r\n".encode("utf-16")

    result = do_import("accounts", data)

    assert "UTF-16" in message_for(result, 1)
    assert "CSV UTF-8" in message_for(result, 1)


def test_a_long_cp932_file_is_detected_across_read_pieces(db):
    # Longer than one read piece, with the first non-ASCII byte far from the start.
    rows = [["external_id", "name"]] + [[f"A-{i}", f"Account {i}"] for i in range(20000)] + [["JP", "日本語の会社"]]

    result = do_import("accounts", csv_bytes(rows, encoding="cp932"))

    assert result.ok
    assert result.encoding == "cp932"
    assert Account.objects.get(external_id="JP").name == "日本語の会社"
