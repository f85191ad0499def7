"""Playbook pages (thin: parse, authorise, call a service, render): the cockpit, CTAs, rules, playbooks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from csops.customers.models import Account
from csops.customers.permissions import can_edit_account
from csops.playbooks import cockpit as cockpit_data
from csops.playbooks import config, segments
from csops.playbooks.actions import VARIABLES, action_types
from csops.playbooks.engine import preview, unreachable_per_csm
from csops.playbooks.models import (
    ActionRun,
    Cta,
    CtaStatus,
    Outcome,
    Playbook,
    PlaybookSettings,
    Responsibility,
    Rule,
    SegmentRule,
)
from csops.playbooks.services import (
    can_act_on_cta,
    can_take_cta,
    do_check_item,
    do_close_cta,
    do_reassign_cta,
    do_save_settings,
    do_set_route,
    do_snooze_cta,
    do_take_cta,
    routing_table,
)
from csops.playbooks.triggers import trigger_types
from csops.users.models import Role, User
from csops.users.roles import can_configure


def _require_configure(request: HttpRequest) -> None:
    if not can_configure(request.user):
        raise PermissionDenied(_("Only CS Ops and admins change rules and playbooks."))


def _yaml_field(request: HttpRequest, name: str, default: Any) -> tuple[Any, list[str]]:
    text = request.POST.get(name, "").strip()
    if not text:
        return default, []
    try:
        return config.load_yaml(text), []
    except config.ConfigInvalid as exc:
        return default, [f"{name}: {e}" for e in exc.errors]


# --- the cockpit ----------------------------------------------------------------------------------


@require_GET
def cockpit(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    person = request.user
    if can_configure(request.user) and request.GET.get("csm"):
        person = get_object_or_404(User, pk=request.GET["csm"])
    data = cockpit_data.day_of(person, today=today, with_queues=can_configure(request.user))
    return render(request, "playbooks/cockpit.html", {
        **data, "person": person, "today": today, "may_pick": can_configure(request.user),
        "csms": User.objects.filter(role=Role.CSM, is_active=True).order_by("name") if can_configure(request.user)
        else [],
    })


# --- CTAs -------------------------------------------------------------------------------------------


def _cta(pk: int) -> Cta:
    return get_object_or_404(Cta.objects.select_related("account", "account__owner", "assignee", "rule",
                                                        "playbook", "contact"), pk=pk)


@require_GET
def cta_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cta = _cta(pk)
    return render(request, "playbooks/cta_detail.html", {
        "cta": cta, "reason": cockpit_data.reason_of(cta), "may_act": can_act_on_cta(request.user, cta),
        "may_take": can_take_cta(request.user, cta),
        "outcomes": Outcome.choices, "people": User.objects.filter(is_active=True).exclude(role=Role.VIEWER)
        .order_by("name"), "tomorrow": timezone.localdate() + dt.timedelta(days=1),
        "timeline": cta.account.activities.filter(data__cta=cta.pk).order_by("-occurred_at", "-id")[:20],
    })


def _act(request: HttpRequest, pk: int, change: Any) -> HttpResponse:
    cta = _cta(pk)
    if not can_act_on_cta(request.user, cta):
        raise PermissionDenied(_("Only the assignee, the account owner or CS Ops may change this CTA."))
    try:
        change(cta)
    except (ValueError, User.DoesNotExist) as exc:
        messages.error(request, str(exc))
    return redirect("playbooks-cta", cta.pk)


@require_POST
def cta_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    def change(cta: Cta) -> None:
        try:
            until = dt.date.fromisoformat(request.POST.get("until", ""))
        except ValueError:
            raise ValueError(_("Give the day to snooze until (YYYY-MM-DD).")) from None
        do_snooze_cta(cta, until=until, actor=request.user)
    return _act(request, pk, change)


@require_POST
def cta_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    def change(cta: Cta) -> None:
        to = User.objects.filter(pk=request.POST.get("to") or 0).first()
        do_reassign_cta(cta, to=to, actor=request.user)
    return _act(request, pk, change)


@require_POST
def cta_take(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an unassigned queue CTA for oneself; back to the page it was taken from (``next``)."""
    cta = _cta(pk)
    try:
        do_take_cta(cta, actor=request.user)  # PermissionDenied: 403
    except ValueError as exc:  # CtaAlreadyAssigned included: someone else has it
        messages.error(request, str(exc))
    else:
        messages.success(request, _("You took this CTA: %(title)s") % {"title": cta.title})
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return redirect(target)
    return redirect("playbooks-cta", cta.pk)


@require_POST
def cta_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda cta: do_close_cta(cta, outcome=request.POST.get("outcome", ""),
                                                       note=request.POST.get("note", ""), actor=request.user))


@require_POST
def cta_check(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    return _act(request, pk, lambda cta: do_check_item(cta, index=index, done=request.POST.get("done") == "1",
                                                        actor=request.user))


@require_GET
def account_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The CTA fragment of the account page (loaded by htmx after the page)."""
    account = get_object_or_404(Account, pk=pk)
    ctas = list(Cta.objects.filter(account=account).exclude(status=CtaStatus.CLOSED)
                .select_related("assignee").order_by("priority", "due_on"))
    return render(request, "playbooks/account_panel.html", {
        "account": account, "ctas": [(c, cockpit_data.reason_of(c)) for c in ctas],
        "today": timezone.localdate(), "playbooks": Playbook.objects.order_by("name"),
        "may_start": can_edit_account(request.user, account),
    })


@require_POST
def start_by_hand(request: HttpRequest, pk: int) -> HttpResponse:
    from csops.playbooks.engine import do_start_by_hand

    account = get_object_or_404(Account, pk=pk)
    if not can_edit_account(request.user, account):
        raise PermissionDenied(_("Only the account owner or CS Ops may start a playbook here."))
    playbook = get_object_or_404(Playbook, pk=request.POST.get("playbook") or 0)
    summary = do_start_by_hand(playbook, account, actor=request.user)
    messages.success(request, _("Playbook %(name)s started: %(summary)s") % {"name": playbook.name,
                                                                             "summary": summary})
    return redirect("account-detail", account.pk)


# --- rules and playbooks (CS Ops) -------------------------------------------------------------------


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    rules = Rule.objects.select_related("playbook").order_by("name")
    return render(request, "playbooks/library.html", {
        "rules": [(r, r.episodes.filter(ended_on__isnull=True).count()) for r in rules],
        "playbooks": Playbook.objects.order_by("name"), "may_edit": can_configure(request.user),
    })


def _rule_spec(request: HttpRequest) -> tuple[dict[str, Any], list[str]]:
    trigger, errors = _yaml_field(request, "trigger", {})
    segment, more = _yaml_field(request, "segment", {})
    playbook = Playbook.objects.filter(pk=request.POST.get("playbook") or 0).first()
    spec = {"key": request.POST.get("key", "").strip(), "name": request.POST.get("name", "").strip(),
            "description": request.POST.get("description", ""), "active": request.POST.get("active") == "on",
            "trigger": trigger, "segment": segment or {}, "playbook": playbook.key if playbook else None}
    return spec, errors + more


@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk) if pk else None
    spec = config.rule_state(rule) if rule else {"key": "", "name": "", "description": "", "active": False,
                                                 "trigger": {"type": "renewal_in_days", "days": 120},
                                                 "segment": {}, "playbook": None}
    errors: list[str] = []
    hits = None
    if request.method == "POST":
        _require_configure(request)
        spec, errors = _rule_spec(request)
        if not errors and "preview" in request.POST:
            errors = config.rule_errors(spec, set(Playbook.objects.values_list("key", flat=True)))
            try:
                day = dt.date.fromisoformat(request.POST.get("day") or timezone.localdate().isoformat())
            except ValueError:
                errors.append(_("Give the preview day as YYYY-MM-DD."))
            if not errors:
                from csops.usage.query import QueryError

                try:
                    hits = preview(spec["trigger"], spec["segment"], day, rule=rule)
                except (OverflowError, QueryError) as exc:
                    errors.append(_("The preview failed: %(error)s") % {"error": exc})
        elif not errors:
            try:
                saved = config.do_save_rule(spec, actor=request.user, instance=rule)
            except config.ConfigInvalid as exc:
                errors = exc.errors
            else:
                messages.success(request, _("Rule saved."))
                return redirect("playbooks-rule-edit", saved.pk)
    return render(request, "playbooks/rule_edit.html", {
        "rule": rule, "spec": spec, "errors": errors, "hits": hits, "may_edit": can_configure(request.user),
        "day": request.POST.get("day") or timezone.localdate().isoformat(),
        "trigger_yaml": config.dump_yaml(spec["trigger"]) if spec["trigger"] else "",
        "segment_yaml": config.dump_yaml(spec["segment"]) if spec["segment"] else "",
        "playbooks": Playbook.objects.order_by("name"), "trigger_types": trigger_types(),
        "recent": rule.episodes.select_related("account").order_by("-started_on")[:20] if rule else [],
    })


@require_POST
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    _require_configure(request)
    rule = get_object_or_404(Rule, pk=pk)
    try:
        config.do_set_rule_active(rule, not rule.is_active, actor=request.user)
    except config.ConfigInvalid as exc:
        messages.error(request, "; ".join(exc.errors))
    return redirect("playbooks-library")


@require_http_methods(["GET", "POST"])
def playbook_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    playbook = get_object_or_404(Playbook, pk=pk) if pk else None
    spec = config.playbook_state(playbook) if playbook else {
        "key": "", "name": "", "description": "", "responsibility": "adoption",
        "actions": [{"type": "create_cta", "title": "{{ account }}: ", "priority": "medium", "due_days": 3}]}
    errors: list[str] = []
    if request.method == "POST":
        _require_configure(request)
        actions, errors = _yaml_field(request, "actions", [])
        spec = {"key": request.POST.get("key", "").strip(), "name": request.POST.get("name", "").strip(),
                "description": request.POST.get("description", ""),
                "responsibility": request.POST.get("responsibility", ""), "actions": actions}
        if not errors:
            try:
                saved = config.do_save_playbook(spec, actor=request.user, instance=playbook)
            except config.ConfigInvalid as exc:
                errors = exc.errors
            else:
                messages.success(request, _("Playbook saved."))
                return redirect("playbooks-playbook-edit", saved.pk)
    return render(request, "playbooks/playbook_edit.html", {
        "playbook": playbook, "spec": spec, "errors": errors, "may_edit": can_configure(request.user),
        "actions_yaml": config.dump_yaml(spec["actions"]) if spec["actions"] else "",
        "responsibilities": Responsibility.choices, "action_types": action_types(), "variables": VARIABLES,
    })


# --- touch models, routing, settings, log -----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def touch_models(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    text = config.dump_yaml([config.segment_state(s) for s in SegmentRule.objects.order_by("position", "key")])
    if request.method == "POST":
        _require_configure(request)
        text = request.POST.get("touch_models", "")
        specs, errors = _yaml_field(request, "touch_models", [])
        if not errors:
            try:
                config.do_save_touch_models(specs or [], actor=request.user)
            except config.ConfigInvalid as exc:
                errors = exc.errors
            else:
                segments.store_touch_models(segments.compute_touch_models(), timezone.localdate())
                messages.success(request, _("Touch models saved and accounts re-assigned."))
                return redirect("playbooks-touch-models")
    target = PlaybookSettings.get().capacity_target
    unreachable = unreachable_per_csm()
    capacity = segments.capacity(target)
    for row in capacity:
        row["unreachable"] = unreachable.get(row["user"].pk, 0)
    return render(request, "playbooks/touch_models.html", {
        "text": text, "errors": errors, "coverage": segments.coverage(), "capacity": capacity,
        "may_edit": can_configure(request.user), "fields": segments.FIELDS,
    })


@require_http_methods(["GET", "POST"])
def routing(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _require_configure(request)
        if request.POST.get("form") == "settings":
            try:
                values = {name: int(request.POST.get(name, "")) for name in config.SETTINGS}
                if any(v < 0 for v in values.values()):
                    raise ValueError
            except ValueError:
                messages.error(request, _("Settings are whole numbers, 0 or more."))
            else:
                do_save_settings(actor=request.user, **values)
                messages.success(request, _("Settings saved."))
        else:
            responsibility = request.POST.get("responsibility", "")
            if responsibility not in Responsibility.values:
                raise Http404
            target = request.POST.get("target", "")
            user = User.objects.filter(pk=target.removeprefix("user:") or 0).first() if target.startswith(
                "user:") else None
            do_set_route(responsibility, to_owner=target == "owner", user=user,
                         queue=request.POST.get("queue", "").strip() or responsibility, actor=request.user)
            messages.success(request, _("Routing saved."))
        return redirect("playbooks-routing")
    return render(request, "playbooks/routing.html", {
        "table": routing_table(), "settings": PlaybookSettings.get(), "may_edit": can_configure(request.user),
        "people": User.objects.filter(is_active=True).exclude(role=Role.VIEWER).order_by("name"),
    })


@require_GET
def action_log(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    runs = ActionRun.objects.select_related("account", "playbook").order_by("-due_on", "-pk")
    if status:
        runs = runs.filter(status=status)
    return render(request, "playbooks/log.html", {"runs": runs[:300], "status": status,
                                                  "statuses": ActionRun._meta.get_field("status").choices})


@require_GET
def config_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(config.dump_yaml(config.export_config()), content_type="application/yaml")
    response["Content-Disposition"] = 'attachment; filename="playbooks.yaml"'
    return response


@require_POST
def config_import(request: HttpRequest) -> HttpResponse:
    _require_configure(request)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a YAML file to import."))
        return redirect("playbooks-library")
    try:
        summary = config.import_config(config.load_yaml(upload.read().decode("utf-8", "replace")),
                                       actor=request.user)
    except config.ConfigInvalid as exc:
        messages.error(request, _("Import refused, nothing changed: %(errors)s") % {"errors": "; ".join(exc.errors)})
    else:
        messages.success(request, summary)
    return redirect("playbooks-library")


@require_GET
def cta_list(request: HttpRequest) -> HttpResponse:
    """Every CTA, filtered: a team queue (unassigned), a person, a status."""
    ctas = Cta.objects.select_related("account", "assignee").order_by("priority", "due_on", "pk")
    status = request.GET.get("status", CtaStatus.OPEN)
    if status in CtaStatus.values:
        ctas = ctas.filter(status=status)
    if request.GET.get("queue"):
        ctas = ctas.filter(queue=request.GET["queue"], assignee__isnull=True)
    if request.GET.get("assignee"):
        ctas = ctas.filter(assignee_id=request.GET["assignee"] if request.GET["assignee"].isdigit() else 0)
    today = timezone.localdate()
    return render(request, "playbooks/cta_list.html", {
        "ctas": [(c, cockpit_data.reason_of(c), c.is_overdue(today=today),
                  c.assignee_id is None and c.status != CtaStatus.CLOSED and can_take_cta(request.user, c))
                 for c in ctas[:300]],
        "status": status, "queue": request.GET.get("queue", ""), "statuses": CtaStatus.choices,
    })
