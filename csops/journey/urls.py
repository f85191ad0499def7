"""The journey's pages, mounted at /journey/ (names are global, prefixed ``journey-``)."""

from __future__ import annotations

from django.urls import path

from csops.journey import views

urlpatterns = [
    path("", views.portfolio, name="journey-portfolio"),
    path("onboarding/", views.onboarding_board, name="journey-onboarding"),
    path("ttfv/", views.ttfv_page, name="journey-ttfv"),
    path("config/", views.config_page, name="journey-config"),
    path("config.yaml", views.config_export, name="journey-config-export"),
    path("accounts/<int:pk>/panel", views.account_panel, name="journey-panel"),
    path("accounts/<int:pk>/stage", views.stage_override, name="journey-stage"),
    path("accounts/<int:pk>/success-plan", views.success_plan, name="journey-success-plan"),
    path("accounts/<int:pk>/outcomes", views.outcome_add, name="journey-outcome-add"),
    path("accounts/<int:pk>/milestones", views.milestone_add, name="journey-milestone-add"),
    path("accounts/<int:pk>/checkpoints", views.checkpoint_add, name="journey-checkpoint-add"),
    path("outcomes/<int:pk>", views.outcome_update, name="journey-outcome-update"),
    path("outcomes/<int:pk>/edit", views.outcome_edit, name="journey-outcome-edit"),
    path("outcomes/<int:pk>/delete", views.outcome_delete, name="journey-outcome-delete"),
    path("milestones/<int:pk>", views.milestone_done, name="journey-milestone-done"),
    path("milestones/<int:pk>/delete", views.milestone_delete, name="journey-milestone-delete"),
    path("checkpoints/<int:pk>/delete", views.checkpoint_delete, name="journey-checkpoint-delete"),
    path("steps/<int:pk>", views.step_done, name="journey-step"),
    path("plans/<int:pk>/people", views.plan_people, name="journey-plan-people"),
]
