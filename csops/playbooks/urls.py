from __future__ import annotations

from django.urls import path

from csops.playbooks import views

urlpatterns = [
    path("", views.cockpit, name="playbooks-cockpit"),
    path("ctas/", views.cta_list, name="playbooks-ctas"),
    path("ctas/<int:pk>/", views.cta_detail, name="playbooks-cta"),
    path("ctas/<int:pk>/snooze/", views.cta_snooze, name="playbooks-cta-snooze"),
    path("ctas/<int:pk>/reassign/", views.cta_reassign, name="playbooks-cta-reassign"),
    path("ctas/<int:pk>/take/", views.cta_take, name="playbooks-cta-take"),
    path("ctas/<int:pk>/close/", views.cta_close, name="playbooks-cta-close"),
    path("ctas/<int:pk>/check/<int:index>/", views.cta_check, name="playbooks-cta-check"),
    path("accounts/<int:pk>/ctas/", views.account_panel, name="playbooks-account-panel"),
    path("accounts/<int:pk>/start/", views.start_by_hand, name="playbooks-start"),
    path("library/", views.library, name="playbooks-library"),
    path("rules/new/", views.rule_edit, name="playbooks-rule-new"),
    path("rules/<int:pk>/", views.rule_edit, name="playbooks-rule-edit"),
    path("rules/<int:pk>/toggle/", views.rule_toggle, name="playbooks-rule-toggle"),
    path("library/new/", views.playbook_edit, name="playbooks-playbook-new"),
    path("library/<int:pk>/", views.playbook_edit, name="playbooks-playbook-edit"),
    path("touch-models/", views.touch_models, name="playbooks-touch-models"),
    path("routing/", views.routing, name="playbooks-routing"),
    path("log/", views.action_log, name="playbooks-log"),
    path("export.yaml", views.config_export, name="playbooks-export"),
    path("import/", views.config_import, name="playbooks-import"),
]
