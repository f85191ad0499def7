"""``csops feedback import``: every row or none, errors naming row and field, Excel's encodings."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from csops.audit.models import AuditEntry
from csops.feedback.importer import import_feedback
from csops.feedback.models import Feedback

pytestmark = pytest.mark.django_db

HEADER = "account_external_id,contact_external_id,kind,title,body,product,status\n"


def test_a_clean_file_records_every_row(acme, globex, product):
    data = (HEADER
            + "ACME-1,U-ACME-1,feature_request,請求書の一括ダウンロード,経理から,delivery,\n"
            + "GLOBEX-1,,Bug,CSVが文字化けする,,Document Delivery,under_review\n"
            + ",,,,,,\n").encode()
    result = import_feedback(data, filename="fb.csv")
    assert result.ok and result.written, result.errors
    assert result.rows == result.created == 2
    first = Feedback.objects.get(account=acme)
    assert (first.contact.external_id, first.product, first.status) == ("U-ACME-1", product, "new")
    assert Feedback.objects.get(account=globex).kind == "bug"
    assert AuditEntry.objects.filter(action="feedback.imported").count() == 1


def test_one_bad_row_writes_nothing_and_every_error_names_row_and_field(acme, globex_contact):
    data = (HEADER
            + "ACME-1,,feature_request,fine row,,,\n"
            + "NOPE-9,,bug,unknown account,,,\n"
            + "ACME-1,U-GLOBEX-1,wish,,,nope,done\n").encode()
    result = import_feedback(data)
    assert not result.written
    assert Feedback.objects.count() == 0
    assert {(e["row"], e["field"]) for e in result.errors} == {
        (3, "account_external_id"),
        (4, "contact_external_id"), (4, "kind"), (4, "title"), (4, "product"), (4, "status"),
    }


def test_a_missing_required_column_is_reported_on_the_header_row(acme):
    result = import_feedback(b"account_external_id,title\nACME-1,x\n")
    assert result.errors == [{"row": 1, "field": "kind", "message": "required column is missing"}]


def test_a_shift_jis_file_from_excel_is_read(acme):
    data = (HEADER + "ACME-1,,feature_request,請求書を一括でダウンロードしたい,,,\n").encode("cp932")
    result = import_feedback(data)
    assert result.written and result.encoding == "cp932"
    assert Feedback.objects.get().title == "請求書を一括でダウンロードしたい"


def test_the_command_imports_and_refuses_with_a_summary(acme, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "ACME-1,,use_case,経理部が毎月一括送付,,,\n", encoding="utf-8-sig")
    call_command("feedback", "import", str(good), "--dry-run")
    assert Feedback.objects.count() == 0
    call_command("feedback", "import", str(good))
    assert Feedback.objects.count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "ACME-1,,bug,,,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="bad.csv"):
        call_command("feedback", "import", str(bad))
    assert "title" in capsys.readouterr().err
    assert Feedback.objects.count() == 1
