"""``POST /api/imports/{kind}``: the all-or-nothing CSV import over HTTP.

Only people who may import (CS Ops and admins) may call it. A rejected file answers 422 with
every bad row: ``{"error": "import rejected", "detail": [{"row", "field", "message"}, ...]}``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from csops.api import ApiError
from csops.customers.importers import KINDS, run_import
from csops.customers.permissions import can_import

router = Router(tags=["imports"])


class ImportOut(Schema):
    kind: str
    filename: str
    dry_run: bool
    encoding: str
    rows: int
    created: int
    updated: int
    ignored_columns: list[str]


class RowErrorOut(Schema):
    row: int
    field: str
    message: str


class ImportRejectedOut(Schema):
    error: str
    detail: list[RowErrorOut]


class ErrorOut(Schema):
    error: str
    detail: list[Any]


@router.post(
    "/imports/{kind}",
    response={200: ImportOut, 403: ErrorOut, 404: ErrorOut, 422: ImportRejectedOut},
    summary="Import a CSV file (all or nothing)",
)
def import_file(
    request: HttpRequest, kind: str, file: UploadedFile | None = File(None), dry_run: bool = False,  # noqa: B008
) -> dict[str, Any]:
    """Validate the uploaded CSV (`file`) as `kind` (accounts, contracts, contacts, activities) and, unless it has
    errors or `dry_run` is set, upsert every row by external id in one transaction."""
    user = request.auth  # type: ignore[attr-defined]
    if not can_import(user):
        raise ApiError(403, "only CS Ops and admins may import data")
    if kind not in KINDS:
        raise ApiError(404, "unknown import kind", [{"kinds": sorted(KINDS)}])
    if file is None:
        raise ApiError(422, "invalid input", [{"loc": ["file"], "msg": _("Choose a CSV file to upload."),
                                               "type": "missing"}])
    result = run_import(kind, file, actor=user, dry_run=dry_run, filename=file.name or "")
    if not result.ok:
        raise ApiError(422, "import rejected", list(result.errors))
    return {k: v for k, v in result.as_dict().items() if k != "errors"}
