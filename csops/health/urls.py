"""Health pages, mounted at ``/health/`` by csops/urls.py (global names, no namespace)."""

from __future__ import annotations

from django.urls import path

from csops.health import views

urlpatterns = [
    path("", views.portfolio_view, name="health-portfolio"),
    path("accounts/", views.account_rows, name="health-accounts"),
    path("accounts/<int:pk>/panel", views.account_panel, name="health-panel"),
    path("accounts/<int:pk>/assess/<int:scorecard_pk>", views.account_assess, name="health-assess"),
    path("scorecards/", views.scorecard_list, name="health-scorecards"),
    path("scorecards/new/", views.scorecard_new, name="health-scorecard-new"),
    path("scorecards/<int:pk>/", views.scorecard_edit, name="health-scorecard"),
    path("scorecards/<int:pk>/yaml", views.scorecard_yaml, name="health-scorecard-yaml"),
    path("scorecards/<int:pk>/preview", views.scorecard_preview, name="health-scorecard-preview"),
    path("scorecards/<int:pk>/export.yaml", views.scorecard_export, name="health-scorecard-export"),
]
