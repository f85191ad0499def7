# ruff: noqa: E501 (message prose reads better unbroken)
"""The demo company's default library (the seed's plays), run for the demo's today so the cockpit fills up.

- onboarding stall: a step email to the promoter and operator, then a CTA three days later if still stalled;
- health drop (10+ points in 7 days) or red grade: the CSM calls (a call CTA, counted against contact caps);
- renewal in 120 days: renewal preparation for the CSM, with a checklist;
- NPS detractor in the last survey wave: a recovery CTA for the CSM;
- expansion signal (seat utilisation of 90 % or more, or a new department active): a CTA for sales;
- promoter or decision maker left: relationship rebuild for the CSM;
- new high-severity support ticket: a CTA for support.

Rules whose data is missing (health scores before ``csops health seed-demo``, onboarding plans
before ``csops journey seed-demo``) simply hit nobody; re-running the seed afterwards fires them.

Contact caps at work: the demo loads no history of sent emails, so nothing would ever be over a
cap on the first day. The seed therefore gives one stalled onboarding account (the first, by id)
the week the onboarding campaign would have given it: its promoter was emailed the campaign's
three emails on the three business days before today, queued on the outreach send log like any
campaign email (real messages and real touches). The stall nudge to that promoter is then over the
contact cap and deferred (the action log shows it, retried on the next days); other recipients get theirs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from csops.outreach.config import import_config as import_outreach
from csops.playbooks.config import import_config

# The onboarding campaign's emails (csops/outreach/demo.py), in their order.
CAMPAIGN_TEMPLATES = ("onboarding-welcome", "onboarding-setup-guide", "onboarding-first-document")

NUDGE = {
    "version": 1,
    "templates": [{
        "key": "playbook-onboarding-nudge",
        "name": "プレイブック: オンボーディング停滞のフォロー",
        "subject": {"ja": "{{ account.name }} 様、導入の次の一歩をご一緒に", "en": "{{ account.name }}: your next onboarding step"},
        "text": {
            "ja": "{{ contact.name }} 様\n\n導入の途中で止まっているステップがあるようです。次の一歩はこちらです: {{ next_step }}\n"
                  "15分のオンライン相談も承ります。担当 {{ csm.name }}（{{ csm.email }}）までご返信ください。\n",
            "en": "Dear {{ contact.name }},\n\nOne onboarding step seems to be waiting. Your next step: {{ next_step }}\n"
                  "Happy to help in a 15-minute call: just reply to {{ csm.name }} ({{ csm.email }}).\n",
        },
    }],
}

CHECK_RENEWAL_JA = ["利用状況と導入効果をまとめる", "意思決定者との更新ミーティングを設定する", "追加提案の余地を確認する"]

DEMO_LIBRARY: dict[str, Any] = {
    "version": 1,
    "settings": {"account_cap": 6, "unreachable_after": 4, "capacity_target": 50, "defer_days": 14},
    "routing": [
        {"responsibility": "onboarding", "queue": "sales"},
        {"responsibility": "implementation", "queue": "implementation"},
        {"responsibility": "adoption", "owner": True},
        {"responsibility": "renewal", "owner": True},
        {"responsibility": "upsell", "queue": "sales"},
        {"responsibility": "technical", "queue": "support"},
    ],
    "touch_models": [
        {"key": "strategic", "name": "戦略顧客（ハイタッチ）", "touch_model": "high",
         "conditions": [{"field": "arr", "op": ">=", "value": 6000000}]},
        {"key": "enterprise", "name": "エンタープライズ（ハイタッチ）", "touch_model": "high",
         "conditions": [{"field": "segment", "op": "=", "value": "enterprise"}]},
        {"key": "mid-market", "name": "ミッドマーケット（ロータッチ）", "touch_model": "low",
         "conditions": [{"field": "segment", "op": "=", "value": "mid_market"}]},
        {"key": "small-teams", "name": "小規模チーム（コミュニティ）", "touch_model": "community",
         "conditions": [{"field": "employees", "op": "<", "value": 30}]},
    ],
    "playbooks": [
        {"key": "onboarding-stall", "name": "オンボーディング停滞", "responsibility": "onboarding",
         "description": "Step email to the promoter and operator; if the step is still overdue three days later, a CTA.",
         "actions": [
             {"type": "send_email", "template": "playbook-onboarding-nudge", "roles": ["promoter", "operator"]},
             {"type": "create_cta", "after_days": 3, "title": "{{ account }}: オンボーディングが停滞しています", "priority": "high",
              "due_days": 2, "checklist": ["停滞しているステップと理由を確認する", "推進者に電話する", "次回の期日を合意する"]},
         ]},
        {"key": "health-drop-call", "name": "ヘルス低下: CSM から電話", "responsibility": "adoption",
         "actions": [
             {"type": "create_cta", "title": "{{ account }} に電話: ヘルススコア低下", "priority": "high", "due_days": 2,
              "call": True, "contact_roles": ["promoter", "decision_maker"],
              "checklist": ["スコアの内訳で下がった指標を確認する", "推進者に電話して状況を聞く", "打ち手を記録する"]},
         ]},
        {"key": "renewal-prep", "name": "更新準備（120日前）", "responsibility": "renewal",
         "actions": [
             {"type": "create_cta", "title": "{{ account }} の更新準備（{{ renewal_date }}）", "priority": "medium",
              "due_days": 21, "checklist": CHECK_RENEWAL_JA},
         ]},
        {"key": "detractor-recovery", "name": "批判者のリカバリー", "responsibility": "adoption",
         "actions": [
             {"type": "create_cta", "title": "{{ account }}: NPS 批判者のフォロー", "priority": "high", "due_days": 5,
              "call": True, "contact_roles": ["promoter", "decision_maker", "operator", "user"],
              "checklist": ["回答コメントを読む", "回答者に電話してお詫びと課題を聞く", "改善計画を共有する"]},
         ]},
        {"key": "expansion-sales", "name": "拡大シグナル: 営業へ", "responsibility": "upsell",
         "actions": [
             {"type": "create_cta", "title": "{{ account }}: 拡大シグナル（提案の機会）", "priority": "medium",
              "due_days": 10, "checklist": ["利用部門を確認する", "CSM と提案内容をすり合わせる", "追加席数の見積もりを出す"]},
         ]},
        {"key": "relationship-rebuild", "name": "キーパーソン離任: 関係の再構築", "responsibility": "adoption",
         "actions": [
             {"type": "create_cta", "title": "{{ account }}: キーパーソン離任、関係を再構築", "priority": "high", "due_days": 7,
              "checklist": ["後任者を特定する", "後任者と面談を設定する", "成功計画を引き継ぐ"]},
         ]},
        {"key": "escalation-support", "name": "重大チケット: サポートへ", "responsibility": "technical",
         "actions": [
             {"type": "create_cta", "title": "{{ account }}: 重大度の高い問い合わせ", "priority": "high", "due_days": 1,
              "checklist": ["チケットの状況を確認する", "CSM に共有する"]},
         ]},
    ],
    "rules": [
        {"key": "onboarding-stalled", "name": "オンボーディングのステップが3日以上遅延", "active": True,
         "playbook": "onboarding-stall", "trigger": {"type": "onboarding_step_overdue", "grace_days": 3}},
        {"key": "health-drop", "name": "ヘルススコアが7日で10ポイント以上低下", "active": True,
         "playbook": "health-drop-call", "trigger": {"type": "health_score_dropped", "points": 10, "days": 7},
         "segment": {"touch_models": ["high", "low"]}},
        {"key": "health-red", "name": "ヘルスが赤になった", "active": True,
         "playbook": "health-drop-call", "trigger": {"type": "health_grade", "to": ["red"]},
         "segment": {"touch_models": ["high", "low"]}},
        {"key": "renewal-120", "name": "更新まで120日", "active": True, "playbook": "renewal-prep",
         "trigger": {"type": "renewal_in_days", "days": 120}},
        {"key": "nps-detractor", "name": "直近のNPSで批判者", "active": True, "playbook": "detractor-recovery",
         "trigger": {"type": "nps_detractor", "max_score": 6, "days": 180},
         "segment": {"touch_models": ["high", "low"]}},
        {"key": "expansion-signal", "name": "席数利用率90%以上", "active": True, "playbook": "expansion-sales",
         "trigger": {"type": "expansion_signal", "utilisation": 0.9, "days": 30}},
        {"key": "new-department", "name": "新しい部門が利用開始", "active": True, "playbook": "expansion-sales",
         "trigger": {"type": "new_department_active", "days": 30, "before_days": 90}},
        {"key": "promoter-left", "name": "推進者・意思決定者の離任", "active": True, "playbook": "relationship-rebuild",
         "trigger": {"type": "key_contact_left", "roles": ["promoter", "decision_maker"], "days": 30}},
        {"key": "support-escalation", "name": "重大度の高いチケット", "active": True, "playbook": "escalation-support",
         "trigger": {"type": "support_escalation", "severities": ["high"], "days": 7, "include_closed": True}},
        {"key": "usage-drop", "name": "利用が前の4週間より40%減", "active": False, "playbook": "health-drop-call",
         "trigger": {"type": "usage_drop", "percent": 40, "window_days": 28}},
    ],
}


def seed_demo(*, day: dt.date | None = None, actor: Any = None) -> str:
    """Create or update the library, set up the caps story, then run the day's "rules" and "ctas" steps.

    Running it twice changes nothing.
    """
    from csops.health.demo import demo_today
    from csops.outreach.demo import DEMO_CONFIG as OUTREACH_DEMO
    from csops.pipeline.services import run_pipeline

    day = day or demo_today()
    import_outreach({**NUDGE, "templates": [*NUDGE["templates"], *(
        t for t in OUTREACH_DEMO["templates"] if t["key"] in CAMPAIGN_TEMPLATES)]}, actor=actor)
    summary = import_config(DEMO_LIBRARY, actor=actor)
    week = campaign_week(day)
    # Forced: the steps are idempotent, and data that arrived since (health scores, onboarding
    # plans) must get its chance to fire.
    result = run_pipeline(day, only=["rules", "ctas"], force=True)
    steps = [s.summary or s.error.strip().splitlines()[-1:][0] if s.error else s.summary
             for s in result.run.step_runs.order_by("pk")]
    return "\n".join([summary, week, result.summary(), *steps])


def campaign_week(day: dt.date) -> str:
    """The caps story (module docstring): the first stalled onboarding account's promoter got the campaign's
    three emails on the three business days before ``day``. Idempotent (keyed by day and contact)."""
    from django.conf import settings

    from csops.customers.models import Contact
    from csops.outreach.models import Template
    from csops.outreach.queueing import queue_email
    from csops.outreach.windows import is_business_day
    from csops.playbooks.engine import preview
    from csops.playbooks.models import Rule

    rule = Rule.objects.filter(key="onboarding-stalled", is_active=True).first()
    hits = [h.account_id for h in preview(rule.trigger, rule.segment, day, rule=rule)] if rule else []
    promoter = (Contact.objects.filter(account_id__in=hits, role="promoter", is_active=True, unsubscribed=False)
                .exclude(email="").select_related("account").order_by("account_id", "pk").first())
    if promoter is None:
        return "caps story: no stalled onboarding account with a promoter"
    days = [d for d in (day - dt.timedelta(days=n) for n in range(1, 7))
            if is_business_day(d, country=settings.CSOPS_COUNTRY)][:len(CAMPAIGN_TEMPLATES)]
    templates = {t.key: t for t in Template.objects.filter(key__in=CAMPAIGN_TEMPLATES)}
    for key, sent_on in zip(CAMPAIGN_TEMPLATES, reversed(days), strict=False):
        queue_email(contact=promoter, template=templates[key], source="outreach", day=sent_on,
                    idempotency_key=f"demo:caps:{day.isoformat()}:{promoter.pk}:{key}")
    return (f"caps story: {promoter.account.name}'s promoter {promoter.name} had {len(days)} onboarding "
            f"emails this week")
