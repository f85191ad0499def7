"""Contracts: upserted by external id, attached to an existing account and a known product.

After the write, the touched accounts' ARR, currency and next renewal are recomputed
(``refresh_account_rollup``), so that the account list sorts right at once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.utils.translation import gettext as _

from csops.customers.importers import cells, columns
from csops.customers.importers.base import Context, Field, Kind, Row, batched, max_length
from csops.customers.models import Contract, Product
from csops.customers.services.accounts import refresh_account_rollup
from csops.lib.money import check_amount

_MRR = Contract._meta.get_field("mrr")


def _mrr(raw: str) -> Decimal:
    return cells.amount(raw, max_digits=_MRR.max_digits, decimal_places=_MRR.decimal_places)  # type: ignore[arg-type]


class ContractKind(Kind):
    name = "contracts"
    model = Contract
    fields: ClassVar[dict[str, Field]] = {
        "external_id": Field(cells.identifier(max_length(Contract, "external_id")), required=True),
        "account_external_id": Field(cells.identifier(100), required=True),
        "product": Field(cells.text(50), required=True),
        "plan": Field(cells.text(max_length(Contract, "plan")), empty=""),
        "seats": Field(cells.whole_number),
        "mrr": Field(_mrr, required=True),
        "currency": Field(cells.currency),
        "start_date": Field(cells.date, required=True),
        "renewal_date": Field(cells.date, empty=None),
        "end_date": Field(cells.date, empty=None),
        "status": Field(cells.choice(columns.CONTRACT_STATUS_LABELS)),
    }

    def __init__(self) -> None:
        self._products: dict[str, int] | None = None

    def products(self) -> dict[str, int]:
        if self._products is None:
            self._products = dict(Product.objects.values_list("code", "pk"))
        return self._products

    def attribute(self, field_name: str) -> str:
        return {"account_external_id": "account_id", "product": "product_id"}.get(field_name, field_name)

    def finish_row(self, row: Row, ctx: Context) -> None:
        label = ctx.header.label
        code = row.values.get("product")
        if code is not None:
            pk = self.products().get(code)
            if pk is None:
                known = ", ".join(sorted(self.products())) or "-"
                row.error(label("product"), _("unknown product %(value)r (known codes: %(known)s)")
                          % {"value": code, "known": known})
            else:
                row.values["product"] = pk
        start = row.values.get("start_date")
        for name in ("renewal_date", "end_date"):
            other = row.values.get(name)
            if start and other and other < start:
                row.error(label(name), _("%(date)s is before the start date %(start)s")
                          % {"date": other.isoformat(), "start": start.isoformat()})
        if "mrr" in row.values and "currency" in row.values:
            self._check_mrr(row, row.values["currency"], ctx)

    def _check_mrr(self, row: Row, currency: str, ctx: Context) -> None:
        problem = check_amount(row.values["mrr"], currency)
        if problem:
            row.error(ctx.header.label("mrr"), _("%(amount)s %(currency)s: %(problem)s")
                      % {"amount": row.values["mrr"], "currency": currency, "problem": problem})

    def resolve(self, rows: list[Row], ctx: Context) -> None:
        ctx.resolve_account(rows)

    def count_existing(self, rows: list[Row], ctx: Context) -> None:
        # Also fetch the stored currency: an MRR given without a currency is checked against it.
        ids = [r.values["external_id"] for r in rows if r.values.get("external_id")]
        stored = dict(Contract.objects.filter(external_id__in=ids).values_list("external_id", "currency"))
        for row in rows:
            external_id = row.values.get("external_id")
            row.exists = external_id in stored
            ctx.updated += row.exists
            ctx.created += not row.exists
            if "mrr" in row.values and "currency" not in row.values:
                self._check_mrr(row, stored.get(external_id) or settings.CSOPS_COMPANY_CURRENCY, ctx)

    def apply(self, obj: Any, row: Row, ctx: Context) -> None:
        if obj.pk is None and "currency" not in row.values:
            # No currency on a new contract means the company's (CSOPS_CURRENCY), not the model's
            # hard-coded JPY; on an update it means "unchanged".
            obj.currency = settings.CSOPS_COMPANY_CURRENCY
        super().apply(obj, row, ctx)
        ctx.touched_accounts.add(obj.account_id)

    def before_update(self, obj: Any, ctx: Context) -> None:
        ctx.touched_accounts.add(obj.account_id)  # moving a contract changes the old account's ARR too

    def after_write(self, ctx: Context) -> None:
        for batch in batched(sorted(ctx.touched_accounts)):
            refresh_account_rollup(batch)
