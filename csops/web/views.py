from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from csops.customers.models import Account

login_view = login_not_required(auth_views.LoginView.as_view(template_name="web/login.html"))
logout_view = auth_views.LogoutView.as_view()


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})


def account_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/account_list.html", {"accounts": Account.objects.all()[:50]})


def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "web/account_detail.html", {"account": get_object_or_404(Account, pk=pk)})
