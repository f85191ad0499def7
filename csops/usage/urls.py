"""The usage app's routes, mounted at the site root by csops/urls.py.

``/v1/<call>``: the Segment-compatible tracking API (exempt from login and CSRF: the write key
authenticates). ``/sources/``: the page where CS Ops manage write keys.
"""

from __future__ import annotations

from django.urls import path, re_path

from csops.usage import ingest_views, views

urlpatterns = [
    re_path(r"^v1/(?P<call>track|identify|group|page|screen|alias|batch|import)/?$", ingest_views.collect,
            name="ingest"),
    path("sources/", views.source_list, name="sources"),
    path("sources/<int:pk>/revoke", views.source_revoke, name="source-revoke"),
]
