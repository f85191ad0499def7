"""The web shell's pages. Thin: parse, authorise, call a query or a ``do_*`` service, render."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from csops.customers.models import Account, ContactRole
from csops.customers.permissions import can_assign_owner, can_edit_account
from csops.customers.services.accounts import do_assign_owner, do_log_activity
from csops.users import ratelimit
from csops.web import charts, dashboard, queries, search
from csops.web.dashboard import Dashboard, DashboardFilters
from csops.web.forms import (
    AccountFilterForm,
    ActivityForm,
    ContactStanceForm,
    DashboardFilterForm,
    LoginForm,
    OwnerForm,
    PreferencesForm,
)
from csops.web.services import do_set_contact_stance

# Rate-limit scopes for failed logins (csops.users.ratelimit): one counter per client IP
# and one per email, so neither spraying one password over many emails from one address
# nor guessing one person's password from many addresses gets more than the limit.
LOGIN_SCOPE_IP = "login-ip"
LOGIN_SCOPE_EMAIL = "login-email"


def _is_htmx(request: HttpRequest) -> bool:
    # A history restore (back button after hx-push-url with a cold cache) needs the whole page.
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy sets it.
    return request.META.get("REMOTE_ADDR") or "unknown"


def _email_key(email: str) -> str:
    # A digest: any cache backend accepts it as a key (memcached refuses spaces and long keys).
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    # So that the login page speaks the person's language after they sign out.
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


# ----------------------------------------------------------------------------- auth


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    success_url = _safe_next(request, reverse(settings.LOGIN_REDIRECT_URL))
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(success_url)

    status = 200
    blocked = ""
    form = LoginForm(request.POST or None)
    if request.method == "POST":
        ip = _client_ip(request)
        email = (request.POST.get("email") or "").strip().lower()[:254]
        email_key = _email_key(email)
        limit = settings.CSOPS_LOGIN_RATE
        if ratelimit.is_blocked(LOGIN_SCOPE_IP, ip, limit) or (
            email and ratelimit.is_blocked(LOGIN_SCOPE_EMAIL, email_key, limit)
        ):
            # Blocked before any password check: the answer is the same whether the password is right.
            form = LoginForm(initial={"email": email})
            blocked = _("Too many failed sign-in attempts. Please wait 15 minutes and try again.")
            status = 429
        elif form.is_valid():
            user = authenticate(request, username=form.cleaned_data["email"], password=form.cleaned_data["password"])
            if user is None:
                ratelimit.hit(LOGIN_SCOPE_IP, ip)
                ratelimit.hit(LOGIN_SCOPE_EMAIL, email_key)
                form.add_error(None, _("The email or password is not correct."))
            else:
                # Only the person's own counter resets: a valid login must not clear the IP's failures.
                ratelimit.reset(LOGIN_SCOPE_EMAIL, email_key)
                auth_login(request, user)
                response = redirect(success_url)
                _set_language_cookie(response, user.language)
                return response
    next_url = _safe_next(request, "")
    return render(request, "web/login.html", {"form": form, "next": next_url, "blocked": blocked}, status=status)


# Django's LogoutView accepts POST only (a GET answers 405), which is what we want.
logout_view = auth_views.LogoutView.as_view()


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        translation.activate(user.language)
        messages.success(request, _("Your preferences were saved."))
        response = redirect(_safe_next(request, reverse("preferences")))
        _set_language_cookie(response, user.language)
        return response
    return render(request, "web/preferences.html", {"form": form})


# ----------------------------------------------------------------------------- dashboard

DASHBOARD_CACHE_SECONDS = 300


def _cached_dashboard(filters: DashboardFilters, *, user: Any, today: Any) -> Dashboard:
    # The key holds a stamp of the data: a new contract, activity or score rebuilds at once.
    who = user.pk if filters.owner == queries.OWNER_MINE else None
    key = "web-dashboard:" + hashlib.sha256(
        repr((filters, who, today, dashboard.data_stamp())).encode()
    ).hexdigest()
    board = cache.get(key)
    if board is None:
        board = dashboard.build_dashboard(filters, user=user, today=today)
        cache.set(key, board, DASHBOARD_CACHE_SECONDS)
    return board


@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    form = DashboardFilterForm(request.GET, owners=list(queries.assignable_owners()))
    filters = form.filters()
    board = _cached_dashboard(filters, user=request.user, today=timezone.localdate())
    currency = settings.CSOPS_COMPANY_CURRENCY
    context = {
        "form": form,
        "board": board,
        "currency": currency,
        "figures": charts.figures(board, currency),
        "movement_labels": charts.movement_labels(),
        "grade_labels": charts.grade_labels(),
        "drill": {
            "all": charts.drill_url(filters, paying=1, sort="-arr"),
            "at_risk": charts.drill_url(filters, health="red", paying=1, sort="-arr"),
            "renewals": {w.days: charts.drill_url(filters, renewal=w.days, sort="renewal") for w in board.renewals},
            "health": {g: charts.drill_url(filters, health=g, paying=1, sort="-arr") for g in charts.grade_labels()},
            "months": {
                m.label: {k: charts.drill_url(filters, movement=k, month=m.label) for k in dashboard.MOVEMENT_KINDS}
                for m in board.months
            },
        },
    }
    context["pending_sections"] = [
        (key, title) for key, title in _FUTURE_SECTIONS if board.sections.get(key) is None
    ]
    context["panels"] = _panel_links(board, filters)
    return render(request, "web/dashboard.html", context)


def _panel_links(board: Dashboard, filters: DashboardFilters) -> dict[str, Any]:
    """The tables under the journey and playbooks charts, each row with its drill-down link."""
    drill = charts.drill_url
    out: dict[str, Any] = {}
    if board.sections.get("maturity") is not None:
        out["maturity"] = [
            (p, [(r, drill(filters, product=p.code, maturity=r.level, paying=1, sort="-arr")) for r in p.levels])
            for p in board.sections["maturity"]
        ]
    if board.sections.get("touch") is not None:
        out["touch"] = [
            (r, drill(filters, touch=r.touch_model, paying=1, sort="-arr")) for r in board.sections["touch"]
        ]
    if board.sections.get("ctas") is not None:
        section = board.sections["ctas"]
        out["ctas"] = {
            "section": section,
            "open": drill(filters, cta="open"), "overdue": drill(filters, cta="overdue"),
            "months": [(m, drill(filters, cta=f"created-{m.label}"), drill(filters, cta=f"closed-{m.label}"))
                       for m in section.months],
        }
    return out


# Panels whose data comes from apps still being built; each shows as pending until it registers.
_FUTURE_SECTIONS = (
    ("maturity", gettext_lazy("Maturity distribution per product")),
    ("touch", gettext_lazy("Touch-model coverage")),
    ("ctas", gettext_lazy("CTA throughput")),
    ("forecast", gettext_lazy("Forecast: next quarter")),
)


def _plotly_bundle() -> tuple[bytes, bytes, str]:
    """plotly.min.js from the installed plotly package, raw and gzipped, read once per process."""
    global _PLOTLY
    if _PLOTLY is None:
        import plotly

        raw = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
        _PLOTLY = (raw, gzip.compress(raw, 6, mtime=0), plotly.__version__)
    return _PLOTLY


_PLOTLY: tuple[bytes, bytes, str] | None = None


@require_GET
def plotly_js(request: HttpRequest, version: str) -> HttpResponse:
    """Served from the package, never a CDN; the URL holds the version so browsers keep it a year."""
    raw, packed, current = _plotly_bundle()
    if version != current:
        return redirect("plotly-js", version=current)
    gz = "gzip" in request.headers.get("Accept-Encoding", "")
    response = HttpResponse(packed if gz else raw, content_type="text/javascript; charset=utf-8")
    if gz:
        response["Content-Encoding"] = "gzip"
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    patch_vary_headers(response, ("Accept-Encoding",))
    return response


# ----------------------------------------------------------------------------- search


@require_GET
def search_view(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "")[:200]
    results = search.search(query, user=request.user)
    return render(request, "web/search.html", {"results": results, "q": query})


# ----------------------------------------------------------------------------- account list


@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    owners = list(queries.assignable_owners())
    form = AccountFilterForm(request.GET, owners=owners)
    filters = form.filters()
    page = queries.account_page(filters, user=request.user, today=timezone.localdate(), page=request.GET.get("page"))
    context = {
        "form": form,
        "filters": filters,
        "page_obj": page,
        "accounts": page.object_list,
        "sort_links": _sort_links(filters.sort),
    }
    template = "web/_account_results.html" if _is_htmx(request) else "web/account_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _sort_links(current: str) -> dict[str, dict[str, str]]:
    """For each sortable column: the sort a click on its header asks for, and the arrow shown now."""
    links = {}
    for key, first in (("name", "name"), ("arr", "-arr"), ("renewal", "renewal"), ("owner", "owner")):
        if current == key:
            links[key] = {"sort": "-" + key, "arrow": "▲"}
        elif current == "-" + key:
            links[key] = {"sort": key, "arrow": "▼"}
        else:
            links[key] = {"sort": first, "arrow": ""}
    return links


# ----------------------------------------------------------------------------- account page


def _account(pk: int) -> Account:
    return get_object_or_404(Account.objects.select_related("owner"), pk=pk)


def _cursor(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


# Contacts read from who decides to who uses, people who left at the end.
_CONTACT_ROLE_ORDER = {
    ContactRole.DECISION_MAKER: 0, ContactRole.PROMOTER: 1, ContactRole.OPERATOR: 2, ContactRole.USER: 3,
}


def _detail_context(request: HttpRequest, account: Account, **extra: Any) -> dict[str, Any]:
    contracts = list(account.contracts.select_related("product"))
    contacts = sorted(
        queries.contacts_with_last_touch(account),
        key=lambda c: (not c.is_active, _CONTACT_ROLE_ORDER.get(c.role, 9), c.name),
    )
    may_edit = can_edit_account(request.user, account)
    may_assign = can_assign_owner(request.user)
    context: dict[str, Any] = {
        "account": account,
        "contracts": contracts,
        "plans": sorted({c.plan for c in contracts if c.is_live and c.plan}),
        "contacts": contacts,
        "contact_warnings": queries.contact_warnings(contacts),
        "power_map": queries.power_map(contacts, now=timezone.now()),
        "stale_touch_days": queries.STALE_TOUCH_DAYS,
        "handoff": account.handoffs.select_related("accepted_by").first(),
        "timeline": queries.timeline(account, before=_cursor(request.GET.get("before"))),
        "may_edit": may_edit,
        "may_assign": may_assign,
        "timezone_name": settings.TIME_ZONE,
    }
    if may_edit and "activity_form" not in extra:
        context["activity_form"] = ActivityForm(account=account)
    if may_edit:
        context["stance_form"] = ContactStanceForm(account=account)
    if may_assign and "owner_form" not in extra:
        context["owner_form"] = OwnerForm(initial={"owner": account.owner_id})
    context.update(extra)
    return context


@require_GET
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(pk)
    return render(request, "web/account_detail.html", _detail_context(request, account))


@require_GET
def account_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The next slice of the timeline ("load more"); without htmx, the account page at that point."""
    account = _account(pk)
    before = _cursor(request.GET.get("before"))
    if not _is_htmx(request):
        url = reverse("account-detail", args=[account.pk])
        return HttpResponseRedirect(f"{url}?before={before}#timeline" if before else f"{url}#timeline")
    return render(request, "web/_timeline_items.html", {
        "account": account, "timeline": queries.timeline(account, before=before),
    })


@require_POST
def account_log_activity(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(pk)
    if not can_edit_account(request.user, account):
        raise PermissionDenied(_("You may not log activities on this account."))
    form = ActivityForm(request.POST, account=account)
    if not form.is_valid():
        if _is_htmx(request):
            response = render(request, "web/_activity_form.html", {"account": account, "activity_form": form})
            return reswap(retarget(response, "#activity-form"), "outerHTML")
        context = _detail_context(request, account, activity_form=form)
        return render(request, "web/account_detail.html", context, status=400)
    activity = do_log_activity(
        account,
        kind=form.cleaned_data["kind"],
        summary=form.cleaned_data["summary"],
        body=form.cleaned_data["body"],
        occurred_at=form.cleaned_data["occurred_at"],
        contacts=form.cleaned_data["contacts"],
        actor=request.user,
    )
    if _is_htmx(request):
        return render(request, "web/_activity_item.html", {"activity": activity, "fresh": True}, status=201)
    messages.success(request, _("Activity logged."))
    return redirect(reverse("account-detail", args=[account.pk]) + "#timeline")


@require_POST
def account_power_map(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(pk)
    if not can_edit_account(request.user, account):
        raise PermissionDenied(_("You may not change this account's contacts."))
    form = ContactStanceForm(request.POST, account=account)
    if not form.is_valid():
        messages.error(request, _("Choose a person of this account, an influence and a sentiment from the lists."))
    else:
        data = form.cleaned_data
        contact = data["contact"]
        if do_set_contact_stance(contact, influence=data["influence"], sentiment=data["sentiment"],
                                 actor=request.user):
            messages.success(request, _("%(contact)s updated on the power map.") % {"contact": contact})
    return redirect(reverse("account-detail", args=[account.pk]) + "#contacts-h")


@require_POST
def account_assign_owner(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(pk)
    if not can_assign_owner(request.user):
        raise PermissionDenied(_("Only CS Ops and admins assign owners."))
    form = OwnerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an active CSM, CS Ops member or admin."))
    else:
        owner = form.cleaned_data["owner"]
        if (owner.pk if owner else None) != account.owner_id:
            do_assign_owner(account, owner, actor=request.user)
            if owner is None:
                messages.success(request, _("%(account)s is now unassigned.") % {"account": account})
            else:
                messages.success(
                    request, _("%(owner)s now owns %(account)s.") % {"owner": owner, "account": account}
                )
    return redirect("account-detail", pk=account.pk)
