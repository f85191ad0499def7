"""The column and value alias tables of the importers, kept as data so that adding a CRM is a one-line change.

A header matches a field when, after ``normalize`` (NFKC, case-folded, spaces and punctuation
removed), it equals the field's own name or one of its aliases. So ``Account ID``, ``account_id``
and ``ACCOUNT-ID`` are the same header. Aliases are tried in order: when a file holds two columns
for the same field (a Salesforce report with both ``Employees`` and ``NumberOfEmployees``), the
column whose alias comes first in the tuple wins and the other is reported as ignored.

Tables are per kind: ``Account ID`` is the record's own id in an account export but the
account reference in a contact export, and ``Record ID`` means the company, contact or activity
depending on what HubSpot exported.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Fold a header or an enum label to the key it is matched by.

    NFKC turns full-width Latin letters and digits (``ＩＤ``) into ASCII and the ideographic space
    into a plain one; ``\\W`` keeps kana and kanji, which are word characters in Unicode.
    """
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


# Columns whose header starts with this prefix go into the record's JSON ``traits`` under the
# rest of the header (``traits.plan_tier`` -> ``{"plan_tier": ...}``).
TRAITS_PREFIX = "traits."

# kind -> field -> aliases (besides the field's own name). Salesforce: API names (Data Loader /
# Data Export) and report labels; HubSpot: export labels; Japanese: Salesforce and HubSpot in Japanese.
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "accounts": {
        "external_id": (
            "Account ID", "Id", "AccountId", "Account Id (18)", "Record ID", "Company ID",
            "取引先 ID", "取引先ID", "レコード ID", "会社 ID",
        ),
        "name": ("Account Name", "Company name", "Company", "Name", "取引先名", "会社名", "名前"),
        "industry": ("Industry", "業種"),
        "employees": (
            "NumberOfEmployees", "Number of Employees", "Employees", "従業員数", "従業員",
        ),
        "country": (
            "BillingCountry", "Billing Country", "BillingCountryCode", "Billing Country Code",
            "Country/Region", "Country", "Country Code", "国", "国/地域", "請求先国",
        ),
        "website": (
            "Website", "Website URL", "Company Domain Name", "Domain", "Web サイト", "ウェブサイト", "Webサイト",
        ),
        "owner_email": (
            "Owner Email", "Account Owner Email", "Account Owner: Email", "Company owner email",
            "Account Owner", "Owner", "Company owner", "HubSpot Owner",
            "取引先 所有者", "取引先所有者", "所有者", "会社の所有者", "担当者",
        ),
        "segment": ("Segment", "Customer Segment", "セグメント"),
        "lifecycle_stage": ("Lifecycle Stage", "ライフサイクルステージ"),
    },
    "contracts": {
        "external_id": ("Contract ID", "Id", "ContractId", "Record ID", "契約 ID", "契約ID"),
        "account_external_id": (
            "Account ID", "AccountId", "Associated Company IDs (Primary)", "Associated Company IDs",
            "Company ID", "取引先 ID", "取引先ID", "会社 ID",
        ),
        "product": ("Product", "Product Code", "ProductCode", "製品", "製品コード", "商品", "商品コード"),
        "plan": ("Plan", "Plan Name", "プラン"),
        "seats": ("Seats", "Licenses", "Quantity", "席数", "ライセンス数", "数量"),
        "mrr": ("MRR", "Monthly Recurring Revenue", "月額", "月額料金"),
        "currency": ("Currency", "CurrencyIsoCode", "Currency ISO Code", "Contract Currency", "通貨"),
        "start_date": ("StartDate", "Start Date", "Contract Start Date", "開始日", "契約開始日"),
        "renewal_date": ("Renewal Date", "RenewalDate", "Next Renewal Date", "更新日", "契約更新日"),
        "end_date": ("EndDate", "End Date", "Contract End Date", "終了日", "契約終了日"),
        "status": ("Status", "Contract Status", "ステータス", "状況", "契約ステータス"),
    },
    "contacts": {
        "external_id": (
            "Contact ID", "Id", "ContactId", "Record ID", "取引先責任者 ID", "取引先責任者ID", "レコード ID",
        ),
        "account_external_id": (
            "Account ID", "AccountId", "Associated Company IDs (Primary)", "Associated Company IDs",
            "Associated Company ID", "Company ID", "取引先 ID", "取引先ID", "関連付けられた会社 ID",
        ),
        "name": ("Full Name", "Name", "Contact Name", "氏名", "名前", "取引先責任者名"),
        "first_name": ("First Name", "FirstName", "Given Name", "名"),
        "last_name": ("Last Name", "LastName", "Family Name", "Surname", "姓"),
        "email": ("Email", "E-mail", "Email Address", "メール", "メールアドレス", "Eメール"),
        "title": ("Title", "Job Title", "役職"),
        "department": ("Department", "部署", "部門"),
        "role": ("Role", "Contact Role", "Buying Role", "役割"),
        "phone": ("Phone", "Phone Number", "Business Phone", "MobilePhone", "Mobile", "電話", "電話番号"),
        "unsubscribed": (
            "HasOptedOutOfEmail", "Email Opt Out", "Unsubscribed from all email", "Unsubscribed",
            "メール送信除外", "配信停止",
        ),
        "is_active": ("Active", "Is Active", "在籍", "有効"),
    },
    "activities": {
        "external_id": ("Activity ID", "Id", "Task ID", "Event ID", "Record ID", "活動 ID", "活動ID"),
        "account_external_id": (
            "Account ID", "AccountId", "WhatId", "Associated Company IDs (Primary)", "Associated Company IDs",
            "Company ID", "取引先 ID", "取引先ID",
        ),
        "kind": ("Type", "Activity Type", "Task Subtype", "TaskSubtype", "Kind", "種別", "種類", "活動の種類"),
        "occurred_at": (
            "Occurred At", "ActivityDate", "Activity Date", "Date", "Activity date", "Create Date",
            "Timestamp", "日時", "日付", "活動日", "実施日時",
        ),
        "summary": ("Subject", "Summary", "Title", "件名", "概要"),
        "body": ("Description", "Comments", "Body", "Notes", "Call notes", "Note body", "内容", "本文", "詳細", "メモ"),
        "author_email": (
            "Author", "Assigned", "Assigned To", "Owner Email", "Activity assigned to", "Author Email",
            "作成者", "担当者", "任命先",
        ),
        "contact_external_ids": (
            "Contact IDs", "Contact ID", "WhoId", "Associated Contact IDs", "Contacts",
            "取引先責任者 ID", "取引先責任者ID",
        ),
    },
}

# Fields a file must have a column for; a missing one rejects the file before any row is read.
# For contacts, ``name`` is also satisfied by ``first_name``/``last_name`` (see contacts.py).
REQUIRED: dict[str, tuple[str, ...]] = {
    "accounts": ("external_id", "name"),
    "contracts": ("external_id", "account_external_id", "product", "mrr", "start_date"),
    "contacts": ("external_id", "account_external_id", "name"),
    "activities": ("account_external_id", "kind", "occurred_at", "summary"),
}

# Enum value -> labels that also mean it (besides the value itself); matched with ``normalize``.
SEGMENT_LABELS: dict[str, tuple[str, ...]] = {
    "enterprise": ("Enterprise", "Large", "エンタープライズ", "大企業"),
    "mid_market": ("Mid-market", "Mid market", "Midmarket", "ミッドマーケット", "中堅", "中堅企業"),
    "smb": ("SMB", "Small business", "Small", "中小", "中小企業"),
}
LIFECYCLE_LABELS: dict[str, tuple[str, ...]] = {
    "onboarding": ("Onboarding", "オンボーディング", "導入"),
    "adoption": ("Adoption", "アダプション", "活用", "定着"),
    "expansion": ("Expansion", "エクスパンション", "拡大"),
    "renewal": ("Renewal", "リニューアル", "更新"),
    "churned": ("Churned", "Churn", "解約", "解約済み"),
}
# HubSpot's "Lifecycle Stage" column normalises to our ``lifecycle_stage`` but holds its marketing
# and sales funnel (Lead, Customer...), not where a customer is in its life with us: ignore those.
LIFECYCLE_IGNORED = (
    "Subscriber", "Lead", "Marketing Qualified Lead", "Sales Qualified Lead", "Opportunity", "Customer", "Evangelist",
    "Other",
)
CONTRACT_STATUS_LABELS: dict[str, tuple[str, ...]] = {
    # Salesforce contracts are "Activated" once signed: that is our "active".
    "active": ("Active", "Activated", "有効", "契約中", "アクティブ"),
    "renewed": ("Renewed", "更新済み", "更新"),
    "expanded": ("Expanded", "Upsell", "拡大", "アップセル"),
    "contracted": ("Contracted", "Downsell", "Downgraded", "縮小", "ダウンセル"),
    "churned": ("Churned", "Cancelled", "Canceled", "Expired", "Terminated", "解約", "解約済み", "終了"),
}
CONTACT_ROLE_LABELS: dict[str, tuple[str, ...]] = {
    "decision_maker": ("Decision maker", "Decision Maker", "Economic Buyer", "決裁者", "意思決定者"),
    "promoter": ("Promoter", "Champion", "推進者", "推進担当"),
    "operator": ("Operator", "Admin", "Administrator", "運用担当者", "運用担当", "管理者"),
    "user": ("User", "End User", "利用者", "ユーザー", "ユーザ"),
}
ACTIVITY_KIND_LABELS: dict[str, tuple[str, ...]] = {
    "meeting": ("Meeting", "Event", "会議", "打ち合わせ", "打合せ", "ミーティング", "面談", "訪問"),
    "call": ("Call", "Phone call", "電話", "通話", "コール"),
    "email": ("Email", "E-mail", "メール"),
    "note": ("Note", "Notes", "メモ", "ノート"),
    "ticket": ("Ticket", "Support ticket", "Case", "チケット", "問い合わせ", "お問い合わせ", "ケース"),
    "survey": ("Survey", "NPS", "アンケート", "調査"),
    "system": ("System", "System event", "システム"),
}

# Booleans are matched after NFKC and case-folding only (not ``normalize``), so that the
# marks Japanese spreadsheets use (○ yes, × no) survive.
TRUE_WORDS = ("true", "yes", "y", "1", "t", "on", "はい", "真", "○", "〇", "✓")
FALSE_WORDS = ("false", "no", "n", "0", "f", "off", "いいえ", "偽", "×", "✗")

# Separator of several ids in one cell (HubSpot's own choice for associations).
ID_SEPARATOR = ";"


def describe(kind: str) -> list[tuple[str, bool, tuple[str, ...]]]:
    """``(field, required, aliases)`` for the import page's column reference."""
    return [(name, name in REQUIRED[kind], aliases) for name, aliases in ALIASES[kind].items()]
