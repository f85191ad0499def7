from __future__ import annotations

from django.urls import path

from csops.web import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("me/", views.preferences, name="preferences"),
    path("", views.account_list, name="account-list"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("search/", views.search_view, name="search"),
    path("assets/plotly-<str:version>.min.js", views.plotly_js, name="plotly-js"),
    path("accounts/<int:pk>/", views.account_detail, name="account-detail"),
    path("accounts/<int:pk>/timeline/", views.account_timeline, name="account-timeline"),
    path("accounts/<int:pk>/activities/", views.account_log_activity, name="account-log-activity"),
    path("accounts/<int:pk>/power-map/", views.account_power_map, name="account-power-map"),
    path("accounts/<int:pk>/owner/", views.account_assign_owner, name="account-assign-owner"),
]
