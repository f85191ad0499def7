"""The portfolio view: how health is distributed on the latest scored day, and the accounts behind each number.

Every count on the page is the length of a list that ``select_rows`` returns for the same filter,
so a number and the list it links to can never disagree.

An account scored by several scorecards (two products) has one grade per scorecard. By product,
each scorecard's own grade counts; everywhere else an account counts once, with its worst grade
(as the dashboard and the account list's health filter decide).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _

from csops.customers.models import Contract, Segment
from csops.health.assessments import latest_views
from csops.health.models import Grade, HealthScore
from csops.users.models import User

GRADES = ("red", "yellow", "green")
WORST_FIRST = {"red": 0, "yellow": 1, "green": 2, "": 3}
DISAGREEMENTS_SHOWN = 20
BANDS = tuple((low, low + 10) for low in range(0, 100, 10))


@dataclass
class Row:
    """One account under one scorecard on the latest day."""

    account_id: int
    account_name: str
    external_id: str
    segment: str
    owner_id: int | None
    owner_name: str
    account_arr: Decimal
    currency: str
    scorecard_id: int
    scorecard_name: str
    product: str
    product_name: str
    score: float | None
    grade: str
    trend_7: float | None
    csm_view: str = ""
    assessed_on: dt.date | None = None
    headline: bool = False  # the account's worst snapshot: the one that counts when not split by product
    product_arr: Decimal = Decimal(0)

    @property
    def disagrees(self) -> bool:
        return bool(self.csm_view and self.grade and self.csm_view != self.grade)

    @property
    def shown_score(self) -> str:
        from csops.health.panel import shown_score

        return shown_score(self.score)

    @property
    def band(self) -> str:
        if self.score is None:
            return ""
        low = min(90, int(self.score // 10 * 10))
        return f"{low}-{low + 10}"


def latest_day() -> dt.date | None:
    return HealthScore.objects.exclude(grade="").aggregate(day=Max("day"))["day"]


def load_rows(day: dt.date | None = None) -> tuple[dt.date | None, list[Row]]:
    """Every snapshot of the latest day (or ``day``), with account, owner and the CSM's latest view."""
    day = day or latest_day()
    if day is None:
        return None, []
    owners = dict(User.objects.values_list("pk", "name"))
    qs = (HealthScore.objects.filter(day=day)
          .values_list("account_id", "account__name", "account__external_id", "account__segment",
                       "account__owner_id", "account__arr", "account__currency", "scorecard_id",
                       "scorecard__name", "scorecard__product__code", "scorecard__product__name",
                       "scorecard__product_id",
                       "score", "grade", "trend_7"))
    views = latest_views()
    product_mrr: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for account_id, product_id, mrr in Contract.objects.filter(status__in=Contract.LIVE_STATUSES).values_list(
        "account_id", "product_id", "mrr"
    ):
        product_mrr[(account_id, product_id)] += mrr
    rows: list[Row] = []
    for (account_id, name, ext, segment, owner_id, arr, currency, sc_id, sc_name, product, product_name,
         product_id, score, grade, trend_7) in qs.iterator(chunk_size=2000):
        view = views.get((account_id, sc_id))
        rows.append(Row(
            account_id=account_id, account_name=name, external_id=ext, segment=segment or "",
            owner_id=owner_id, owner_name=owners.get(owner_id, "") if owner_id else "",
            account_arr=arr or Decimal(0), currency=currency, scorecard_id=sc_id, scorecard_name=sc_name,
            product=product, product_name=product_name, score=score, grade=grade or "", trend_7=trend_7,
            csm_view=view.csm_view if view else "", assessed_on=view.assessed_on if view else None,
            product_arr=product_mrr.get((account_id, product_id), Decimal(0)) * 12,
        ))
    _mark_headlines(rows)
    return day, rows


def _mark_headlines(rows: list[Row]) -> None:
    best: dict[int, Row] = {}
    for row in rows:
        current = best.get(row.account_id)
        key = (WORST_FIRST.get(row.grade, 3), row.score if row.score is not None else 101.0)
        if current is None or key < (WORST_FIRST.get(current.grade, 3),
                                     current.score if current.score is not None else 101.0):
            best[row.account_id] = row
    for row in best.values():
        row.headline = True


# --------------------------------------------------------------------------- filtering


@dataclass(frozen=True)
class Filter:
    """What the account list behind a number shows. Empty fields do not filter."""

    product: str = ""
    segment: str = ""  # a Segment value, or "none"
    owner: str = ""  # a user pk, or "none"
    grade: str = ""
    band: str = ""  # "40-50"
    disagree: bool = False
    view: str = ""  # the CSM's view, for the agreement matrix
    not_assessed: bool = False

    def query(self, **changes: Any) -> str:
        from urllib.parse import urlencode

        data = {**self.__dict__, **changes}
        return urlencode({k: ("1" if v is True else v) for k, v in data.items() if v not in ("", False, None)})

    @property
    def per_scorecard(self) -> bool:
        # By product, and when comparing with a CSM's view (given per scorecard), each snapshot counts.
        return bool(self.product or self.disagree or self.view or self.not_assessed)


def select_rows(rows: Iterable[Row], f: Filter) -> list[Row]:
    out = []
    for row in rows:
        if not f.per_scorecard and not row.headline:
            continue
        if f.product and row.product != f.product:
            continue
        if f.segment and (row.segment or "none") != f.segment:
            continue
        if f.owner and str(row.owner_id or "none") != f.owner:
            continue
        if f.grade and row.grade != f.grade:
            continue
        if f.band and row.band != f.band:
            continue
        if f.disagree and not row.disagrees:
            continue
        if f.view and row.csm_view != f.view:
            continue
        if f.not_assessed and row.csm_view:
            continue
        out.append(row)
    return out


# --------------------------------------------------------------------------- the page


@dataclass
class Cell:
    count: int
    query: str


@dataclass
class Line:
    """One row of a distribution table: a product, a segment or an owner."""

    label: str
    filter: Filter
    total: Cell
    grades: dict[str, Cell]
    average: float | None
    median: float | None
    at_risk_arr: Decimal
    at_risk: Cell


@dataclass
class Portfolio:
    day: dt.date | None
    currency: str
    overall: Line | None = None
    by_product: list[Line] = field(default_factory=list)
    by_segment: list[Line] = field(default_factory=list)
    by_owner: list[Line] = field(default_factory=list)
    bands: list[tuple[str, Cell, int]] = field(default_factory=list)  # (band, cell, bar width %)
    matrix: list[tuple[str, list[Cell]]] = field(default_factory=list)  # computed grade -> cells per CSM view
    not_assessed: Cell | None = None
    disagreements: list[Row] = field(default_factory=list)
    disagreement_count: Cell | None = None


def _line(label: str, rows: list[Row], base: Filter) -> Line:
    selected = select_rows(rows, base)
    scores = [r.score for r in selected if r.score is not None]
    red = [r for r in selected if r.grade == Grade.RED]
    arr = sum((r.product_arr if base.product else r.account_arr for r in red), Decimal(0))
    return Line(
        label=label, filter=base, total=Cell(len(selected), base.query()),
        grades={g: Cell(sum(1 for r in selected if r.grade == g), base.query(grade=g)) for g in GRADES},
        average=round(sum(scores) / len(scores), 1) if scores else None,
        median=round(median(scores), 1) if scores else None,
        at_risk_arr=arr, at_risk=Cell(len(red), base.query(grade="red")),
    )


def build_portfolio(rows: list[Row], *, day: dt.date | None, currency: str) -> Portfolio:
    page = Portfolio(day=day, currency=currency)
    if day is None:
        return page
    page.overall = _line(_("All accounts"), rows, Filter())
    for product, name in sorted({(r.product, r.product_name) for r in rows}):
        page.by_product.append(_line(name or product, rows, Filter(product=product)))
    segment_labels = dict(Segment.choices)
    for segment in sorted({r.segment or "none" for r in rows}):
        page.by_segment.append(_line(str(segment_labels.get(segment, _("No segment"))), rows, Filter(segment=segment)))
    owners = sorted({(r.owner_name or "", str(r.owner_id or "none")) for r in rows})
    for name, key in owners:
        page.by_owner.append(_line(name or _("Unassigned"), rows, Filter(owner=key)))
    headline = select_rows(rows, Filter())
    biggest = 0
    counts = []
    for low, high in BANDS:
        band = f"{low}-{high}"
        n = sum(1 for r in headline if r.band == band)
        biggest = max(biggest, n)
        counts.append((band, Cell(n, Filter(band=band).query())))
    page.bands = [(band, cell, round(cell.count / biggest * 100) if biggest else 0) for band, cell in counts]
    for grade in GRADES:
        page.matrix.append((grade, [
            Cell(len(select_rows(rows, Filter(grade=grade, view=view))), Filter(grade=grade, view=view).query())
            for view in GRADES
        ]))
    page.not_assessed = Cell(len(select_rows(rows, Filter(not_assessed=True))), Filter(not_assessed=True).query())
    disagreeing = select_rows(rows, Filter(disagree=True))
    page.disagreement_count = Cell(len(disagreeing), Filter(disagree=True).query())
    page.disagreements = sorted(disagreeing, key=lambda r: (-r.account_arr, r.account_name))[:DISAGREEMENTS_SHOWN]
    return page
