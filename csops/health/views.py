"""Health pages (thin: parse, authorise, call a service or a builder, render).

Everyone signed in reads health; a CSM assesses only their own accounts; CS Ops and admins
assess any account and edit scorecards. Every refusal is decided here, on the server.
"""

from __future__ import annotations

import logging
from typing import Any

import yaml
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from csops.customers.models import Account, Segment
from csops.customers.permissions import can_view_account
from csops.health import assessments, panel, portfolio, services
from csops.health.assessments import AssessmentInvalid, can_assess, can_edit_scorecards, lang_code
from csops.health.definition import DefinitionError
from csops.health.forms import (
    NEW_FIELDS,
    AssessmentForm,
    NewScorecardForm,
    apply_structured,
    editable_paths,
    get_path,
)
from csops.health.models import Scorecard
from csops.health.preview import preview_distribution
from csops.users.models import User
from csops.users.roles import is_reader

logger = logging.getLogger("csops.health.views")


def _require_reader(request: HttpRequest) -> None:
    if not is_reader(request.user):
        raise PermissionDenied


# --------------------------------------------------------------------------- account panel


def _panel_context(request: HttpRequest, account: Account, *, bound: dict[int, AssessmentForm] | None = None,
                   saved: int | None = None) -> dict[str, Any]:
    lang = lang_code()
    today = timezone.localdate()
    may_assess = can_assess(request.user, account)
    cards = []
    for scorecard in panel.scorecards_for(account):
        card = panel.scorecard_panel(account, scorecard, today=today, lang=lang)
        if may_assess:
            card.form = (bound or {}).get(scorecard.pk) or AssessmentForm(card.spec, previous=card.assessment)
        cards.append(card)
    # An assessment refused for a scorecard the panel does not show still says why.
    shown = {card.scorecard.pk for card in cards}
    errors = [message for pk, form in (bound or {}).items() if pk not in shown for message in form.errors.values()]
    return {"account": account, "cards": cards, "may_assess": may_assess, "saved": saved, "errors": errors}


@require_GET
def account_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The health fragment of the account page (loaded by htmx after the page)."""
    account = get_object_or_404(Account.objects.select_related("owner"), pk=pk)
    if not can_view_account(request.user, account):
        raise PermissionDenied
    return render(request, "health/panel.html", _panel_context(request, account))


@require_POST
def account_assess(request: HttpRequest, pk: int, scorecard_pk: int) -> HttpResponse:
    account = get_object_or_404(Account.objects.select_related("owner"), pk=pk)
    scorecard = get_object_or_404(Scorecard.objects.select_related("product"), pk=scorecard_pk)
    if not can_assess(request.user, account):
        raise PermissionDenied(_("Only the account's CSM, CS Ops and admins record assessments."))
    form = AssessmentForm(assessments.form_spec(scorecard), request.POST)
    saved = None
    status = 200
    try:
        assessments.do_record_assessment(account, scorecard, request.POST, actor=request.user)
    except AssessmentInvalid as exc:
        form.add_errors(exc.errors)
        status = 422 if not request.htmx else 200  # htmx swaps only 2xx answers by default
    else:
        saved = scorecard.pk
    bound = {scorecard.pk: form} if saved is None else None
    return render(request, "health/panel.html", _panel_context(request, account, bound=bound, saved=saved),
                  status=status)


# --------------------------------------------------------------------------- portfolio


def _currency() -> str:
    return settings.CSOPS_COMPANY_CURRENCY


@require_GET
def portfolio_view(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    day, rows = portfolio.load_rows()
    page = portfolio.build_portfolio(rows, day=day, currency=_currency())
    return render(request, "health/portfolio.html", {"page": page, "grades": portfolio.GRADES})


def _filter_from(request: HttpRequest) -> portfolio.Filter:
    get = request.GET
    grades = set(portfolio.GRADES)
    segments = {*Segment.values, "none"}
    bands = {f"{low}-{high}" for low, high in portfolio.BANDS}
    owner = get.get("owner", "")
    return portfolio.Filter(
        product=get.get("product", "")[:50],
        segment=get.get("segment", "") if get.get("segment", "") in segments else "",
        owner=owner if owner == "none" or owner.isdigit() else "",
        grade=get.get("grade", "") if get.get("grade", "") in grades else "",
        band=get.get("band", "") if get.get("band", "") in bands else "",
        disagree=get.get("disagree") == "1",
        view=get.get("view", "") if get.get("view", "") in grades else "",
        not_assessed=get.get("not_assessed") == "1",
    )


@require_GET
def account_rows(request: HttpRequest) -> HttpResponse:
    """The accounts behind a number of the portfolio."""
    _require_reader(request)
    flt = _filter_from(request)
    day, rows = portfolio.load_rows()
    selected = sorted(portfolio.select_rows(rows, flt),
                      key=lambda r: (r.score if r.score is not None else 101.0, r.account_name))
    owner_name = ""
    if flt.owner.isdigit():
        owner_name = User.objects.filter(pk=int(flt.owner)).values_list("name", flat=True).first() or ""
    return render(request, "health/accounts.html", {
        "day": day, "rows": selected, "filter": flt, "owner_name": owner_name,
        "segment_label": dict(Segment.choices).get(flt.segment, ""), "list_query": _account_list_query(flt),
    })


def _account_list_query(flt: portfolio.Filter) -> str | None:
    """The same accounts in the main account list, when its filters can say it (grade, product, segment, owner)."""
    if flt.band or flt.disagree or flt.view or flt.not_assessed or flt.segment == "none":
        return None
    from urllib.parse import urlencode

    params = {"health": flt.grade, "product": flt.product, "segment": flt.segment, "owner": flt.owner}
    return urlencode({k: v for k, v in params.items() if v})


# --------------------------------------------------------------------------- scorecards


@require_GET
def scorecard_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    cards = Scorecard.objects.select_related("product").order_by("product__code", "segment", "key")
    return render(request, "health/scorecards.html", {
        "scorecards": cards, "may_edit": can_edit_scorecards(request.user),
    })


@require_http_methods(["GET", "POST"])
def scorecard_new(request: HttpRequest) -> HttpResponse:
    """Create a scorecard (CS Ops and admins): from a copy, the product's default file or a Usage group.

    Saved like an import (``services.do_save_scorecard``: validated, version 1, audited), then
    opened in the editor; a key that is taken is refused rather than overwritten.
    """
    _require_reader(request)
    if not can_edit_scorecards(request.user):
        raise PermissionDenied(_("Only CS Ops and admins create scorecards."))
    if request.method == "GET":
        initial = {}
        if (source := request.GET.get("copy", "")).isdigit():
            initial = {"start": "copy", "source": source}
        return render(request, "health/scorecard_new.html", {"form": NewScorecardForm(initial=initial)})
    form = NewScorecardForm(request.POST)
    if form.is_valid():
        try:
            saved = services.do_save_scorecard(form.document(), actor=request.user, create=True)
        except DefinitionError as exc:
            for path, message in exc.errors:
                if path in NEW_FIELDS:
                    form.add_error(path, message)
                else:
                    form.add_error(None, f"{path}: {message}" if path else message)
        except IntegrityError:  # another person took the key a moment ago
            form.add_error("key", _("Another scorecard already has the key %(key)s.") % {
                "key": form.cleaned_data["key"]})
        else:
            if saved.is_active:
                messages.success(request, _("Scorecard %(name)s created (version 1).") % {"name": saved.name})
            else:
                messages.success(request, _("Scorecard %(name)s created (version 1). It scores no account until "
                                            "you set it active (active: true in the YAML).") % {"name": saved.name})
            return redirect("health-scorecard", pk=saved.pk)
    return render(request, "health/scorecard_new.html", {"form": form}, status=422)


def _yaml_text(scorecard: Scorecard) -> str:
    return yaml.safe_dump(services.document_of(scorecard), allow_unicode=True, sort_keys=False)


def _editor_context(request: HttpRequest, scorecard: Scorecard, *, definition: dict[str, Any],
                    errors: list[tuple[str, str]] | None = None, yaml_text: str | None = None,
                    yaml_errors: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    lang = lang_code()
    errors = errors or []
    by_path = {path: message for path, message in errors}
    inputs = set(editable_paths(definition))
    groups = []
    for gi, group in enumerate(definition.get("groups") or []):
        measures = []
        for mi, measure in enumerate(group.get("measures") or []):
            base = f"groups[{gi}].measures[{mi}]"

            def fld(name: str, base: str = base) -> dict[str, Any]:
                path = f"{base}.{name}"
                value = get_path(definition, path)
                return {"path": path, "value": "" if value is None else value, "error": by_path.get(path, "")}

            measures.append({
                "key": measure.get("key"),
                "name": assessments.label_of(measure.get("name"), lang) or measure.get("key"),
                "type": measure.get("type"), "window": measure.get("window"),
                "weight": fld("weight"), "direction": fld("direction"), "method": fld("normalise.method"),
                "red": fld("normalise.red"), "green": fld("normalise.green"),
                "low": fld("normalise.low"), "high": fld("normalise.high"),
                "error": by_path.get(base, ""),
            })
        groups.append({
            "key": group.get("key"), "name": assessments.label_of(group.get("name"), lang) or group.get("key"),
            "weight": {"path": f"groups[{gi}].weight", "value": group.get("weight", ""),
                       "error": by_path.get(f"groups[{gi}].weight", "")},
            "error": by_path.get(f"groups[{gi}]", "") or by_path.get(f"groups[{gi}].measures", ""),
            "measures": measures,
        })

    def top(path: str) -> dict[str, Any]:
        value = get_path(definition, path)
        return {"path": path, "value": "" if value is None else value, "error": by_path.get(path, "")}

    shown = inputs | {f"groups[{i}]" for i in range(len(groups))} | {
        f"groups[{i}].measures" for i in range(len(groups))
    } | {f"groups[{gi}].measures[{mi}]" for gi, g in enumerate(groups) for mi in range(len(g["measures"]))}
    return {
        "scorecard": scorecard, "may_edit": can_edit_scorecards(request.user),
        "groups": groups, "red_below": top("grades.red_below"), "green_from": top("grades.green_from"),
        "max_age_days": top("assessment.max_age_days"),
        "other_errors": [(p, m) for p, m in errors if p not in shown],
        "yaml_text": yaml_text if yaml_text is not None else _yaml_text(scorecard),
        "yaml_errors": yaml_errors or [],
        "methods": ("thresholds", "linear", "percentile"),
    }


def _saved(request: HttpRequest, before: Scorecard, saved: Scorecard) -> None:
    """Say the scorecard was saved and, when it changed, re-score its latest day so that the portfolio moves now."""
    if saved.version == before.version:
        messages.success(request, _("Scorecard saved."))
        return
    try:
        result = services.rescore_latest_day(saved)
    except Exception:  # noqa: BLE001 - the save stands; the next scoring run catches up
        logger.exception("re-scoring scorecard %s after a save failed", saved.key)
        result = None
        failed = True
    else:
        failed = result is not None and bool(result.failed)
    if failed:
        messages.warning(request, _("Scorecard saved. Re-scoring its latest day failed; the next scoring run "
                                    "will use the new version."))
    elif result is not None:
        messages.success(request, _("Scorecard saved. Its latest scored day was re-scored with version "
                                    "%(version)s.") % {"version": saved.version})
    else:
        messages.success(request, _("Scorecard saved."))


@require_http_methods(["GET", "POST"])
def scorecard_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The structured editor (weights, bounds, cut-offs, assessment age); read-only for CSMs and viewers."""
    _require_reader(request)
    scorecard = get_object_or_404(Scorecard.objects.select_related("product"), pk=pk)
    if request.method == "GET":
        return render(request, "health/editor.html",
                      _editor_context(request, scorecard, definition=dict(scorecard.definition or {})))
    if not can_edit_scorecards(request.user):
        raise PermissionDenied(_("Only CS Ops and admins edit scorecards."))
    data, input_errors = apply_structured(scorecard.definition or {}, request.POST)
    errors = list(input_errors.items())
    if not errors:
        try:
            saved = services.do_save_scorecard({**assessments.full_document(scorecard), **data},
                                               actor=request.user, scorecard=scorecard)
        except DefinitionError as exc:
            errors = list(exc.errors)
        else:
            _saved(request, scorecard, saved)
            return redirect("health-scorecard", pk=scorecard.pk)
    return render(request, "health/editor.html", _editor_context(request, scorecard, definition=data, errors=errors),
                  status=422)


def _parse_yaml(text: str) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("line %(line)s") % {"line": mark.line + 1} if mark is not None else "yaml"
        return None, [(where, str(getattr(exc, "problem", None) or exc))]
    if not isinstance(data, dict):
        return None, [("", _("The YAML must be a mapping of the scorecard's fields."))]
    return data, []


@require_POST
def scorecard_yaml(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the whole definition from the YAML editor (groups, measures, anchors: everything)."""
    _require_reader(request)
    scorecard = get_object_or_404(Scorecard.objects.select_related("product"), pk=pk)
    if not can_edit_scorecards(request.user):
        raise PermissionDenied(_("Only CS Ops and admins edit scorecards."))
    text = request.POST.get("yaml", "")
    data, errors = _parse_yaml(text)
    if data is not None:
        try:
            saved = services.do_save_scorecard(data, actor=request.user, scorecard=scorecard)
        except DefinitionError as exc:
            errors = list(exc.errors)
        else:
            _saved(request, scorecard, saved)
            return redirect("health-scorecard", pk=scorecard.pk)
    return render(request, "health/editor.html", _editor_context(
        request, scorecard, definition=dict(scorecard.definition or {}), yaml_text=text, yaml_errors=errors,
    ), status=422)


@require_POST
def scorecard_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """How the latest snapshots would be graded with the edited (unsaved) definition (an htmx fragment)."""
    scorecard = get_object_or_404(Scorecard.objects.select_related("product"), pk=pk)
    if not can_edit_scorecards(request.user):
        raise PermissionDenied(_("Only CS Ops and admins edit scorecards."))
    if "yaml" in request.POST:
        data, errors = _parse_yaml(request.POST.get("yaml", ""))
    else:
        data, input_errors = apply_structured(scorecard.definition or {}, request.POST)
        errors = list(input_errors.items())
    result = preview_distribution(scorecard, data) if data is not None and not errors else None
    if result is not None and result.errors:
        errors = result.errors
    return render(request, "health/_preview.html", {"preview": result, "errors": errors, "scorecard": scorecard})


@require_GET
def scorecard_export(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    scorecard = get_object_or_404(Scorecard.objects.select_related("product"), pk=pk)
    response = HttpResponse(_yaml_text(scorecard), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{scorecard.key}.yaml"'
    return response

