# ruff: noqa: E501 (message prose reads better unbroken)
"""The demo company's onboarding campaign (Japanese first, English too), created idempotently.

Day 0: welcome with the shortest-path onboarding map, to the decision maker and the promoter.
Day 3: the setup guide, to the operator (the system administrator) and the promoter.
Day 7: when no document was sent yet, the how-to for the first sending, to promoter, operator and users.
Contacts leave when their account leaves the onboarding stage.
"""

from __future__ import annotations

from typing import Any

from csops.outreach.config import dump_yaml, import_config

ONBOARDING_MAP = "https://support.demo.csops.example/onboarding-map"
SETUP_GUIDE = "https://support.demo.csops.example/setup"
HOW_TO_SEND = "https://support.demo.csops.example/how-to/first-document"

_FOOT_JA = "ご不明な点は担当の {{ csm.name }}（{{ csm.email }}）までお気軽にお問い合わせください。"
_FOOT_EN = "Questions? Your CSM {{ csm.name }} ({{ csm.email }}) is happy to help."

DEMO_CONFIG: dict[str, Any] = {
    "version": 1,
    "templates": [
        {
            "key": "onboarding-welcome",
            "name": "オンボーディング: ようこそ",
            "subject": {"ja": "{{ account.name }} 様、ご利用開始ありがとうございます",
                        "en": "Welcome aboard, {{ account.name }}"},
            "text": {
                "ja": "{{ contact.name }} 様\n\nこの度は {{ contract.product }} をご契約いただきありがとうございます。\n"
                      f"最短で成果を出すためのオンボーディングマップをご用意しました:\n{ONBOARDING_MAP}\n\n{_FOOT_JA}\n",
                "en": "Dear {{ contact.name }},\n\nThank you for choosing {{ contract.product }}.\n"
                      f"Here is the shortest path to your first results:\n{ONBOARDING_MAP}\n\n{_FOOT_EN}\n",
            },
            "html": {
                "ja": "<p>{{ contact.name }} 様</p><p>この度は {{ contract.product }} をご契約いただきありがとうございます。</p>"
                      f'<p><a href="{ONBOARDING_MAP}">オンボーディングマップを見る</a></p><p>{_FOOT_JA}</p>',
                "en": "<p>Dear {{ contact.name }},</p><p>Thank you for choosing {{ contract.product }}.</p>"
                      f'<p><a href="{ONBOARDING_MAP}">Open your onboarding map</a></p><p>{_FOOT_EN}</p>',
            },
        },
        {
            "key": "onboarding-setup-guide",
            "name": "オンボーディング: 初期設定ガイド",
            "subject": {"ja": "【3分で完了】{{ contract.product }} の初期設定ガイド",
                        "en": "Set up {{ contract.product }} in three minutes"},
            "text": {
                "ja": "{{ contact.name }} 様\n\n取引先の登録と送付テンプレートの作成で、すぐに書類を送れるようになります。\n"
                      f"初期設定ガイド: {SETUP_GUIDE}\n\n{_FOOT_JA}\n",
                "en": "Dear {{ contact.name }},\n\nAdd your partners and a document template, and you are ready to send.\n"
                      f"Setup guide: {SETUP_GUIDE}\n\n{_FOOT_EN}\n",
            },
            "html": {
                "ja": "<p>{{ contact.name }} 様</p><p>取引先の登録と送付テンプレートの作成で、すぐに書類を送れるようになります。</p>"
                      f'<p><a href="{SETUP_GUIDE}">初期設定ガイドを開く</a></p><p>{_FOOT_JA}</p>',
                "en": "<p>Dear {{ contact.name }},</p><p>Add your partners and a document template.</p>"
                      f'<p><a href="{SETUP_GUIDE}">Open the setup guide</a></p><p>{_FOOT_EN}</p>',
            },
        },
        {
            "key": "onboarding-first-document",
            "name": "オンボーディング: はじめての書類送付",
            "subject": {"ja": "はじめての書類送付の手順のご案内", "en": "How to send your first document"},
            "text": {
                "ja": "{{ contact.name }} 様\n\n{{ account.name }} 様ではまだ書類の送付が行われていないようです。\n"
                      f"はじめての送付の手順はこちら: {HOW_TO_SEND}\n\n{_FOOT_JA}\n",
                "en": "Dear {{ contact.name }},\n\n{{ account.name }} has not sent a document yet.\n"
                      f"Here is how to send the first one: {HOW_TO_SEND}\n\n{_FOOT_EN}\n",
            },
            "html": {
                "ja": "<p>{{ contact.name }} 様</p><p>{{ account.name }} 様ではまだ書類の送付が行われていないようです。</p>"
                      f'<p><a href="{HOW_TO_SEND}">はじめての送付の手順を見る</a></p><p>{_FOOT_JA}</p>',
                "en": "<p>Dear {{ contact.name }},</p><p>{{ account.name }} has not sent a document yet.</p>"
                      f'<p><a href="{HOW_TO_SEND}">See how to send the first one</a></p><p>{_FOOT_EN}</p>',
            },
        },
    ],
    "campaigns": [
        {
            "key": "onboarding",
            "name": "オンボーディング ステップメール",
            "description": "Tech-touch onboarding: welcome, setup guide, and the how-to when nothing was sent by day 7.",
            "active": True,
            "roles": ["decision_maker", "promoter", "operator", "user"],
            "entry": [{"type": "lifecycle_stage", "in": ["onboarding"]}],
            "exit": [{"type": "lifecycle_stage", "not_in": ["onboarding"]}],
            "steps": [
                {"day": 0, "template": "onboarding-welcome", "roles": ["decision_maker", "promoter"]},
                {"day": 3, "template": "onboarding-setup-guide", "roles": ["operator", "promoter"]},
                {"day": 7, "template": "onboarding-first-document", "roles": ["promoter", "operator", "user"],
                 "when": [{"type": "event_not_done", "event": "document_sent"}]},
            ],
        },
    ],
}


def seed_demo(*, actor: Any = None) -> str:
    """Create or update the demo campaign and its templates (running it twice changes nothing)."""
    return import_config(DEMO_CONFIG, actor=actor)


def demo_yaml() -> str:
    return dump_yaml(DEMO_CONFIG)
