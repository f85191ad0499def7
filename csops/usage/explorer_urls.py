"""Pages over the event lake, mounted at ``/usage/`` by csops/urls.py.

The names are global (no namespace), as elsewhere in csops: ``{% url 'usage-panel' account.pk %}``.
"""

from __future__ import annotations

from django.urls import path

from csops.usage import explorer_views as views

urlpatterns = [
    path("accounts/<int:pk>/panel", views.account_panel, name="usage-panel"),
    path("events/", views.explorer, name="usage-explorer"),
    path("features/", views.feature_list, name="usage-features"),
    path("features/new", views.feature_create, name="usage-feature-create"),
    path("features/<int:pk>/edit", views.feature_edit, name="usage-feature-edit"),
    path("features/<int:pk>/delete", views.feature_delete, name="usage-feature-delete"),
    path("features/export.yaml", views.feature_export, name="usage-features-export"),
]
