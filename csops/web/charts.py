"""Plotly figures for the dashboard, as plain dicts (``{"data": [...], "layout": {...}}``).

Built here rather than with plotly.graph_objects: a dict is all plotly.js needs, and building
one costs microseconds. Every point carries its drill-down URL in ``customdata``; the page's
script follows it on click, and the table under each chart holds the same links for keyboard
and screen-reader users. Bars also carry their grade or kind as text, never colour alone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from csops.web.dashboard import GRADES, NOT_SCORED, Dashboard, DashboardFilters

# Colour-blind-safe hues (Okabe-Ito) for the movement kinds; grades keep their usual meaning.
MOVEMENT_COLOURS = {"new": "#0072B2", "expansion": "#009E73", "contraction": "#E69F00", "churn": "#D55E00"}
GRADE_COLOURS = {"red": "#C0392B", "yellow": "#E0A800", "green": "#2E8B57", NOT_SCORED: "#9AA5B1"}
PATTERNS = {"contraction": "/", "churn": "x", "red": "x", "yellow": "/", "green": "", NOT_SCORED: "."}


def movement_labels() -> dict[str, str]:
    return {"new": _("New"), "expansion": _("Expansion"), "contraction": _("Contraction"), "churn": _("Churn")}


def grade_labels() -> dict[str, str]:
    return {"red": _("Red"), "yellow": _("Yellow"), "green": _("Green"), NOT_SCORED: _("Not scored")}


def drill_url(filters: DashboardFilters, **extra: Any) -> str:
    """The account list behind a figure; ``paying=1`` when the figure counts paying accounts only."""
    query = {**filters.as_query(), **{k: v for k, v in extra.items() if v not in (None, "")}}
    return reverse("account-list") + ("?" + urlencode(query) if query else "")


def _num(amount: Decimal) -> float:
    return float(amount)


def _layout(**extra: Any) -> dict[str, Any]:
    layout = {
        "margin": {"l": 70, "r": 20, "t": 10, "b": 40},
        "height": 300,
        "legend": {"orientation": "h", "y": -0.2},
        "font": {"family": "system-ui, 'Hiragino Sans', 'Noto Sans JP', sans-serif", "size": 12},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "separators": ".,",
    }
    layout.update(extra)
    return layout


def arr_movement(board: Dashboard, currency: str) -> dict[str, Any]:
    months = [m.label for m in board.months]
    labels = movement_labels()
    data: list[dict[str, Any]] = []
    for kind in ("new", "expansion", "contraction", "churn"):
        sign = -1 if kind in ("contraction", "churn") else 1
        data.append({
            "type": "bar", "name": labels[kind], "x": months,
            "y": [sign * _num(getattr(m, kind)) for m in board.months],
            "marker": {"color": MOVEMENT_COLOURS[kind], "pattern": {"shape": PATTERNS.get(kind, "")}},
            "customdata": [drill_url(board.filters, movement=kind, month=m.label) for m in board.months],
            "hovertemplate": f"{labels[kind]} %{{x}}: %{{y:,.0f}} {currency}<extra></extra>",
        })
    data.append({
        "type": "scatter", "mode": "lines+markers", "name": _("ARR at month end"), "x": months,
        "y": [_num(m.end_arr) for m in board.months], "yaxis": "y2", "line": {"color": "#1f4e79"},
        "customdata": [drill_url(board.filters) for _m in board.months],
        "hovertemplate": f"{_('ARR')} %{{x}}: %{{y:,.0f}} {currency}<extra></extra>",
    })
    return {"data": data, "layout": _layout(
        barmode="relative", xaxis={"type": "category"},
        yaxis={"title": {"text": _("Movement (%(currency)s)") % {"currency": currency}}, "tickformat": "~s"},
        yaxis2={"title": {"text": _("ARR (%(currency)s)") % {"currency": currency}}, "overlaying": "y",
                "side": "right", "tickformat": ".3s", "rangemode": "tozero", "showgrid": False},
        margin={"l": 80, "r": 80, "t": 10, "b": 40},
    )}


def retention(board: Dashboard) -> dict[str, Any]:
    months = [m.label for m in board.months]
    links = [drill_url(board.filters) for _m in board.months]
    data = [
        {"type": "scatter", "mode": "lines+markers", "name": _("NRR"), "x": months,
         "y": [None if m.nrr is None else round(m.nrr * 100, 1) for m in board.months],
         "line": {"color": "#0072B2"}, "marker": {"symbol": "circle"}, "customdata": links,
         "hovertemplate": "NRR %{x}: %{y:.1f}%<extra></extra>"},
        {"type": "scatter", "mode": "lines+markers", "name": _("GRR"), "x": months,
         "y": [None if m.grr is None else round(m.grr * 100, 1) for m in board.months],
         "line": {"color": "#D55E00", "dash": "dash"}, "marker": {"symbol": "square"}, "customdata": links,
         "hovertemplate": "GRR %{x}: %{y:.1f}%<extra></extra>"},
    ]
    return {"data": data, "layout": _layout(yaxis={"title": {"text": "%"}, "ticksuffix": "%"},
                                            xaxis={"type": "category"})}


def renewals(board: Dashboard, currency: str) -> dict[str, Any]:
    windows = [_("Next %(days)s days") % {"days": w.days} for w in board.renewals]
    by_grade = board.health is not None
    labels = grade_labels()
    data: list[dict[str, Any]] = []
    if by_grade:
        for grade in (*GRADES, NOT_SCORED):
            data.append({
                "type": "bar", "name": labels[grade], "x": windows,
                "y": [_num(w.by_grade.get(grade, Decimal(0))) for w in board.renewals],
                "marker": {"color": GRADE_COLOURS[grade], "pattern": {"shape": PATTERNS[grade]}},
                "customdata": [drill_url(board.filters, renewal=w.days, health=grade, sort="renewal")
                               for w in board.renewals],
                "hovertemplate": f"{labels[grade]}: %{{y:,.0f}} {currency}<extra></extra>",
            })
    else:
        data.append({
            "type": "bar", "name": _("ARR renewing"), "x": windows,
            "y": [_num(w.arr) for w in board.renewals], "marker": {"color": "#1f4e79"},
            "customdata": [drill_url(board.filters, renewal=w.days, sort="renewal") for w in board.renewals],
            "hovertemplate": f"%{{y:,.0f}} {currency}<extra></extra>",
        })
    return {"data": data, "layout": _layout(
        barmode="stack", yaxis={"title": {"text": _("ARR (%(currency)s)") % {"currency": currency}},
                                "tickformat": "~s"},
    )}


def health(board: Dashboard, currency: str) -> dict[str, Any] | None:
    if board.health is None:
        return None
    labels = grade_labels()
    return {"data": [{
        "type": "bar", "x": [labels[b.grade] for b in board.health], "y": [b.accounts for b in board.health],
        "text": [f"{b.accounts:,}" for b in board.health], "textposition": "auto",
        "marker": {"color": [GRADE_COLOURS[b.grade] for b in board.health],
                   "pattern": {"shape": [PATTERNS[b.grade] for b in board.health]}},
        "customdata": [drill_url(board.filters, health=b.grade, paying=1, sort="-arr") for b in board.health],
        "hovertemplate": "%{x}: %{y:,} <extra></extra>",
    }], "layout": _layout(yaxis={"title": {"text": _("Accounts")}}, showlegend=False)}


def maturity(board: Dashboard) -> dict[str, Any] | None:
    products = board.sections.get("maturity")
    if not products:
        return None
    palette = ["#1f4e79", "#009E73", "#E69F00", "#CC79A7"]
    data = []
    for i, product in enumerate(products):
        data.append({
            "type": "bar", "name": product.name, "x": [f"Lv.{r.level}" for r in product.levels],
            "y": [r.accounts for r in product.levels], "text": [r.name for r in product.levels],
            "textposition": "none", "marker": {"color": palette[i % len(palette)]},
            "customdata": [drill_url(board.filters, product=product.code, maturity=r.level, paying=1,
                                     sort="-arr")
                           for r in product.levels],
            "hovertemplate": f"{product.name} %{{x}} %{{text}}: %{{y:,}}<extra></extra>",
        })
    return {"data": data, "layout": _layout(barmode="group", yaxis={"title": {"text": _("Accounts")}},
                                            xaxis={"type": "category", "categoryorder": "category ascending"})}


def touch(board: Dashboard) -> dict[str, Any] | None:
    rows = board.sections.get("touch")
    if not rows:
        return None
    labels = [r.label or _("No touch model") for r in rows]
    return {"data": [{
        "type": "bar", "x": labels, "y": [r.accounts for r in rows], "text": [f"{r.accounts:,}" for r in rows],
        "textposition": "auto", "marker": {"color": "#1f4e79"},
        "customdata": [drill_url(board.filters, touch=r.touch_model, paying=1, sort="-arr") for r in rows],
        "hovertemplate": "%{x}: %{y:,}<extra></extra>",
    }], "layout": _layout(yaxis={"title": {"text": _("Accounts")}}, showlegend=False)}


def cta_throughput(board: Dashboard) -> dict[str, Any] | None:
    section = board.sections.get("ctas")
    if section is None:
        return None
    months = [m.label for m in section.months]
    return {"data": [
        {"type": "bar", "name": pgettext("cta count", "Created"), "x": months, "y": [m.created for m in section.months],
         "marker": {"color": "#0072B2"},
         "customdata": [drill_url(board.filters, cta=f"created-{m}") for m in months]},
        {"type": "bar", "name": pgettext("cta count", "Closed"), "x": months, "y": [m.closed for m in section.months],
         "marker": {"color": "#009E73", "pattern": {"shape": "/"}},
         "customdata": [drill_url(board.filters, cta=f"closed-{m}") for m in months]},
    ], "layout": _layout(barmode="group", yaxis={"title": {"text": _("CTAs")}}, xaxis={"type": "category"})}


def figures(board: Dashboard, currency: str) -> dict[str, Any]:
    out = {
        "arr-movement": arr_movement(board, currency),
        "retention": retention(board),
        "renewals": renewals(board, currency),
    }
    for key, chart in (("health", health(board, currency)), ("maturity", maturity(board)),
                       ("touch", touch(board)), ("ctas", cta_throughput(board))):
        if chart is not None:
            out[key] = chart
    return out
