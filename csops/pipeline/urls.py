from __future__ import annotations

from django.urls import path

from csops.pipeline import views

urlpatterns = [
    path("pipeline/", views.pipeline_page, name="pipeline"),
    path("pipeline/run/", views.pipeline_run_now, name="pipeline-run"),
]
