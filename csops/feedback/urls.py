from __future__ import annotations

from django.urls import path

from csops.feedback import views

urlpatterns = [
    path("", views.feedback_list, name="feedback-list"),
    path("export.csv", views.feedback_export, name="feedback-export"),
    path("<int:pk>/status/", views.feedback_status, name="feedback-status"),
    path("accounts/<int:pk>/", views.account_feedback, name="feedback-account"),
]
