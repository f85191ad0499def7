"""The demo company's journey: maturity models, stage rules and onboarding templates built on the
events csops.demo actually draws, then 18 months of history (``csops journey seed-demo``).

What the demo events contain (csops/demo/events.py) and how the levels map onto them:

- Lv.1 一部門・一帳票で電子送付: ``document_sent`` in the last 30 days;
- Lv.2 複数部門・複数帳票: ``document_sent`` from 2+ departments and of 3+ document types in 90 days;
- Lv.3 紙の郵送ゼロ: the demo draws the postal channel at a fixed 5 % for everyone, so it cannot
  tell who stopped mailing paper; its stand-in is the whole run sent electronically: 3+ departments
  and regular bulk uploads (``bulk_upload`` 3+ in 30 days). A real install would use
  ``event_count`` of ``document_sent`` with ``where: {channel: postal}`` ``== 0``;
- Lv.4 取引先も電子化: 15+ partners invited in 90 days and documents opened by 20+ distinct
  partner recipients (anonymous ids of ``document_opened``) in 90 days.

First value: the first document delivered electronically (``document_sent`` with channel web or
email). Running it twice changes nothing: the configuration is upserted, evaluated days are
skipped, plans exist once per contract.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from decimal import Decimal
from typing import Any

from django.db import transaction

from csops.customers.models import Account, Activity, Contract
from csops.journey import onboarding, stages
from csops.journey.config import dump_yaml, import_config
from csops.journey.lake import lake_first_day
from csops.journey.maturity import evaluate_maturity, rebuild_maturity
from csops.journey.models import (
    Completion,
    CxCheckpoint,
    MaturityModel,
    Milestone,
    OnboardingPlan,
    OnboardingStep,
    Outcome,
    Sentiment,
    SuccessPlan,
)
from csops.journey.ttfv import evaluate_first_value

SENT = "document_sent"
ELECTRONIC = {"channel": ["email", "web"]}

DEMO_CONFIG: dict[str, Any] = {
    "version": 1,
    "maturity_models": [
        {
            "product": "delivery", "name": "帳票電子化の成熟度",
            "description": "一部門の試行から、全社・取引先まで電子化が広がる段階",
            "first_value_label": "初めての帳票を取引先へ電子で届けた",
            "first_value": {"type": "event_count", "event": SENT, "where": ELECTRONIC, "op": ">=", "value": 1},
            "levels": [
                {"name": "一部門・一帳票で電子送付",
                 "description": "パイロットの取引先へ、一つの部門が電子で送っている",
                 "conditions": [{"type": "event_count", "event": SENT, "window_days": 30, "op": ">=", "value": 1,
                                 "label": "30日以内に帳票を送付"}]},
                {"name": "複数部門・複数帳票", "description": "複数の部門が、複数の種類の帳票を送っている",
                 "conditions": [
                     {"type": "distinct_values", "event": SENT, "property": "department", "window_days": 90,
                      "op": ">=", "value": 2, "label": "90日以内に送付した部門 2以上"},
                     {"type": "distinct_values", "event": SENT, "property": "document_type", "window_days": 90,
                      "op": ">=", "value": 3, "label": "90日以内に送付した帳票の種類 3以上"}]},
                {"name": "紙の郵送ゼロ", "description": "全社の送付業務を電子に移した（デモでは一括送付の定着で代替）",
                 "conditions": [
                     {"type": "distinct_values", "event": SENT, "property": "department", "window_days": 90,
                      "op": ">=", "value": 3, "label": "90日以内に送付した部門 3以上"},
                     {"type": "event_count", "event": "bulk_upload", "window_days": 30, "op": ">=", "value": 3,
                      "label": "30日以内の一括アップロード 3回以上"}]},
                {"name": "取引先も電子化", "description": "取引先にも電子での受け取りを広げた",
                 "conditions": [
                     {"type": "event_count", "event": "partner_invited", "window_days": 90, "op": ">=", "value": 15,
                      "label": "90日以内に取引先を15社以上招待"},
                     {"type": "distinct_values", "event": "document_opened", "column": "anonymous_id",
                      "window_days": 90, "op": ">=", "value": 20,
                      "label": "90日以内に20以上の受取人が電子で開封"}]},
            ],
        },
        {
            "product": "analytics", "name": "分析活用の成熟度", "description": "",
            "first_value_label": "初めてダッシュボードを見た",
            "first_value": {"type": "event_count", "event": "dashboard_viewed", "op": ">=", "value": 1},
            "levels": [
                {"name": "ダッシュボードを見ている", "description": "",
                 "conditions": [{"type": "event_count", "event": "dashboard_viewed", "window_days": 30,
                                 "op": ">=", "value": 1}]},
                {"name": "自分で分析している", "description": "",
                 "conditions": [{"type": "event_count", "event": "query_run", "window_days": 30, "op": ">=",
                                 "value": 1}]},
                {"name": "アラートで運用している", "description": "",
                 "conditions": [{"type": "event_count", "event": "alert_created", "window_days": 90, "op": ">=",
                                 "value": 1}]},
                {"name": "部門を越えて共有している", "description": "",
                 "conditions": [{"type": "event_count", "event": "dashboard_shared", "window_days": 90, "op": ">=",
                                 "value": 3},
                                {"type": "distinct_values", "event": "dashboard_viewed", "property": "department",
                                 "window_days": 90, "op": ">=", "value": 2}]},
            ],
        },
    ],
    "stages": {
        "renewal_window_days": 90,
        "override_days": 30,
        "rules": [
            {"key": "plan-complete", "from": "onboarding", "to": "adoption", "match": "all",
             "conditions": [{"type": "plan_complete"}]},
            {"key": "first-value-settled", "from": "onboarding", "to": "adoption", "match": "all",
             "conditions": [{"type": "first_value"}, {"type": "days_since_start", "days": 90}]},
            {"key": "company-wide", "from": "adoption", "to": "expansion", "match": "all",
             "conditions": [{"type": "maturity_at_least", "level": 3}]},
        ],
    },
    "onboarding_templates": [
        {"key": "delivery-standard", "name": "導入オンボーディング（標準）", "product": "delivery", "segment": "",
         "stall_days": 21, "steps": [
             {"key": "kickoff", "title": "キックオフ会議", "owner": "csm", "due_days": 7, "completion": "manual"},
             {"key": "roles", "title": "推進者と運用担当者を決める（別の人に）", "owner": "promoter", "due_days": 7,
              "completion": "manual"},
             {"key": "template", "title": "最初の帳票テンプレートを作成", "owner": "operator", "due_days": 14,
              "completion": "auto",
              "condition": {"type": "event_count", "event": "template_created", "op": ">=", "value": 1}},
             {"key": "partners", "title": "パイロットの取引先を招待", "owner": "operator", "due_days": 21,
              "completion": "auto",
              "condition": {"type": "event_count", "event": "partner_invited", "op": ">=", "value": 3}},
             {"key": "first-send", "title": "初めての帳票を電子で送付", "owner": "promoter", "due_days": 30,
              "completion": "auto",
              "condition": {"type": "event_count", "event": SENT, "where": ELECTRONIC, "op": ">=", "value": 1}},
             {"key": "second-department", "title": "二つ目の部門で利用開始", "owner": "promoter", "due_days": 60,
              "completion": "auto",
              "condition": {"type": "distinct_values", "event": SENT, "property": "department", "op": ">=",
                            "value": 2}},
             {"key": "review", "title": "オンボーディング振り返り会", "owner": "csm", "due_days": 90,
              "completion": "manual"},
         ]},
        {"key": "delivery-enterprise", "name": "導入オンボーディング（エンタープライズ）", "product": "delivery",
         "segment": "enterprise", "stall_days": 21, "steps": [
             {"key": "handoff", "title": "営業からの引き継ぎ確認", "owner": "sales", "due_days": 3,
              "completion": "manual"},
             {"key": "kickoff", "title": "キックオフ会議", "owner": "csm", "due_days": 7, "completion": "manual"},
             {"key": "roles", "title": "推進者と運用担当者を決める（別の人に）", "owner": "promoter", "due_days": 7,
              "completion": "manual"},
             {"key": "sso", "title": "シングルサインオンの設定", "owner": "implementation", "due_days": 21,
              "completion": "auto",
              "condition": {"type": "event_count", "event": "login", "where": {"method": "sso"}, "op": ">=",
                            "value": 1}},
             {"key": "template", "title": "帳票テンプレートの設計", "owner": "implementation", "due_days": 21,
              "completion": "auto",
              "condition": {"type": "event_count", "event": "template_created", "op": ">=", "value": 3}},
             {"key": "partners", "title": "パイロットの取引先を招待", "owner": "operator", "due_days": 30,
              "completion": "auto",
              "condition": {"type": "event_count", "event": "partner_invited", "op": ">=", "value": 5}},
             {"key": "first-send", "title": "初めての帳票を電子で送付", "owner": "promoter", "due_days": 30,
              "completion": "auto",
              "condition": {"type": "event_count", "event": SENT, "where": ELECTRONIC, "op": ">=", "value": 1}},
             {"key": "departments", "title": "三つの部門で利用開始", "owner": "promoter", "due_days": 90,
              "completion": "auto",
              "condition": {"type": "distinct_values", "event": SENT, "property": "department", "op": ">=",
                            "value": 3}},
             {"key": "support-intro", "title": "サポート窓口の案内", "owner": "support", "due_days": 14,
              "completion": "manual"},
             {"key": "review", "title": "オンボーディング振り返り会", "owner": "csm", "due_days": 90,
              "completion": "manual"},
         ]},
        {"key": "analytics-standard", "name": "分析アドオン導入", "product": "analytics", "segment": "",
         "stall_days": 21, "steps": [
             {"key": "kickoff", "title": "分析の目的を確認", "owner": "csm", "due_days": 7, "completion": "manual"},
             {"key": "first-dashboard", "title": "最初のダッシュボードを見る", "owner": "operator", "due_days": 14,
              "completion": "auto",
              "condition": {"type": "event_count", "event": "dashboard_viewed", "op": ">=", "value": 1}},
             {"key": "alert", "title": "アラートを設定", "owner": "operator", "due_days": 45, "completion": "auto",
              "condition": {"type": "event_count", "event": "alert_created", "op": ">=", "value": 1}},
         ]},
    ],
}


def demo_yaml() -> str:
    return dump_yaml(DEMO_CONFIG)


def _hash(*parts: Any) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8], 16)


def _last_event_day() -> dt.date | None:
    from csops.usage import query

    t = query.events()
    rows = query.run(t.aggregate(last=t.timestamp.max()), tag="journey.lake_last_day")
    last = rows[0]["last"] if rows else None
    return last.astimezone(query._company_tz()).date() if last else None


def _manual_steps(today: dt.date) -> int:
    """The demo CSMs check their manual steps, mostly on time; some are forgotten (overdue)."""
    steps = list(OnboardingStep.objects.filter(completion=Completion.MANUAL, done_on__isnull=True,
                                               due_on__lt=today - dt.timedelta(days=3))
                 .select_related("plan", "plan__account"))
    checked = []
    for step in steps:
        h = _hash(step.plan.account.external_id, step.key)
        if h % 100 < 12:
            continue
        checked.append(step)
        step.done_on = min(today, max(step.plan.started_on, step.due_on - dt.timedelta(days=h % 6)))
        step.done_by_id = step.plan.account.owner_id
    OnboardingStep.objects.bulk_update(checked, ["done_on", "done_by"], batch_size=1000)
    onboarding._refresh_completion(list(OnboardingPlan.objects.filter(completed_on__isnull=True)))
    return len(checked)


def _success_plans(today: dt.date) -> int:
    """Success plans for enterprise and mid-market accounts with a live contract (about a third)."""
    if SuccessPlan.objects.exists():
        return 0
    accounts = [a for a in Account.objects.filter(segment__in=["enterprise", "mid_market"]).order_by("pk")
                if _hash(a.external_id, "plan") % 3 == 0]
    live = set(Contract.objects.filter(status__in=Contract.LIVE_STATUSES).values_list("account_id", flat=True))
    surveys: dict[int, Activity] = {}
    for act in Activity.objects.filter(kind="survey").order_by("occurred_at"):
        surveys[act.account_id] = act
    made = 0
    with transaction.atomic():
        for a in accounts:
            if a.pk not in live:
                continue
            h = _hash(a.external_id, "depth")
            deep = a.segment == "enterprise" and h % 2 == 0
            plan = SuccessPlan.objects.create(
                account=a, depth="deep" if deep else "light",
                summary=("全社の帳票業務を電子化し、経理の月末業務を2日短縮する" if deep
                         else "請求書の郵送をなくし、郵送コストを削減する"))
            baseline = Decimal(200 + h % 800)
            Outcome.objects.create(plan=plan, title="郵送コストの削減", kpi="月間の郵送件数", unit="件",
                                   baseline=baseline, target=Decimal(0),
                                   current=(baseline * Decimal(h % 70) / 100).quantize(Decimal(1)),
                                   due_on=today + dt.timedelta(days=90 + h % 120))
            if deep:
                Outcome.objects.create(plan=plan, title="月末締めの短縮", kpi="月次締めにかかる日数", unit="日",
                                       baseline=Decimal(7), target=Decimal(5), current=Decimal(6),
                                       due_on=today + dt.timedelta(days=365))
            Milestone.objects.create(plan=plan, kind="behavioural", title="経理部が毎月の請求書を電子で送る",
                                     due_on=today - dt.timedelta(days=30), done_on=today - dt.timedelta(days=40))
            Milestone.objects.create(plan=plan, kind="operational", title="全部門の送付フローを電子に統一",
                                     due_on=today + dt.timedelta(days=120))
            survey = surveys.get(a.pk)
            if survey is not None and isinstance(survey.data.get("nps"), int):
                nps = survey.data["nps"]
                CxCheckpoint.objects.create(
                    plan=plan, day=survey.occurred_at.date(), score=nps,
                    sentiment=(Sentiment.POSITIVE if nps >= 9
                               else Sentiment.NEUTRAL if nps >= 7 else Sentiment.NEGATIVE),
                    note=survey.body[:500] or survey.summary)
            made += 1
    return made


def seed_demo(*, actor: Any = None) -> str:
    """Configure the demo journey and compute its history over the lake; idempotent."""
    started = time.monotonic()
    parts = [import_config(DEMO_CONFIG, actor=actor)]
    first, last = lake_first_day(), _last_event_day()
    if first is None or last is None:
        return "; ".join(parts + ["no events in the lake: no history computed"])
    # A new or changed model is (re)built over the whole lake; the others only get the days they miss.
    for code in MaturityModel.objects.filter(rebuild_requested_at__isnull=False).values_list("product__code",
                                                                                           flat=True):
        rebuilt = rebuild_maturity(code, last=last, only_if_requested=True)
        if rebuilt is not None:
            parts.append(f"{code} rebuilt: {rebuilt.summary()}")
    parts.append(evaluate_maturity(first, last).summary())
    reached = evaluate_first_value(last)
    plans = onboarding.ensure_plans(last)
    auto = onboarding.auto_complete(last)
    manual = _manual_steps(last)
    parts.append(f"first value: {reached} account(s) reached it; onboarding: {plans} plan(s) started, "
                 f"{auto} step(s) done automatically, {manual} by hand")
    parts.append(stages.evaluate_stages(first, last).summary())
    parts.append(f"success plans: {_success_plans(last)} created")
    return "; ".join(parts) + f" ({time.monotonic() - started:.1f}s)"
