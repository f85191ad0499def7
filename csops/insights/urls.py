"""Insights pages, mounted at ``/insights/`` by csops/urls.py (global names, no namespace)."""

from __future__ import annotations

from django.urls import path

from csops.insights import views

urlpatterns = [
    path("", views.report_view, name="insights-report"),
    path("scorecards/<int:pk>/apply-weights", views.apply_weights, name="insights-apply-weights"),
]
