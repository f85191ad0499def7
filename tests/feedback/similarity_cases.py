"""A small labelled set of request titles for tuning and testing the grouping.

Each list is one ask worded several ways in one language, keyed "ask/language". Titles of one
key are duplicates of each other; the Japanese and English lists of one ask are duplicates too,
but character n-grams share nothing across the two scripts, so matching "ダークモード" with
"Dark mode" is out of reach (see docs/feedback.md). Hence the two scores the tests use:

* precision against the asks (grouping "Salesforce連携" with "Salesforce sync" is right);
* recall within one language (missing "ダークモード" ~ "Dark mode" is expected).
"""

from __future__ import annotations

LABELLED_ASKS: dict[str, list[str]] = {
    "invoice-download/ja": [
        "請求書の一括ダウンロード", "請求書を一括でダウンロードしたい", "請求書を一括ダウンロードしたい",
        "請求書PDFをまとめてダウンロードしたい",
    ],
    "invoice-download/en": [
        "Bulk invoice download", "Download all invoices in bulk", "Download invoices in bulk as PDF",
    ],
    "customer-csv/ja": ["顧客一覧のCSV出力", "CSVで顧客一覧をダウンロードしたい", "顧客一覧をCSVでエクスポートしたい"],
    "customer-csv/en": ["Export customer list as CSV", "CSV export of the customer list"],
    "user-csv/ja": ["ユーザー一覧をCSVでダウンロード", "ユーザー一覧のCSVエクスポート"],
    "user-csv/en": ["Export users to CSV", "CSV export of all users"],
    "invoice-csv/en": ["Export invoices as CSV", "Invoice CSV export"],
    "audit-log/ja": ["監査ログのエクスポート", "監査ログを閲覧したい", "管理者操作の監査ログ"],
    "audit-log/en": ["Audit log export", "Audit log of admin actions", "View the audit log"],
    "sso/ja": ["SSOでログインしたい", "SAML SSO対応", "SAMLでシングルサインオンしたい"],
    "sso/en": ["SAML single sign-on", "Single sign-on (SSO) with Okta", "Log in with SSO"],
    "slack/ja": ["Slack連携", "通知をSlackに送りたい", "Slackに通知してほしい"],
    "slack/en": ["Slack notifications", "Send notifications to a Slack channel", "Slack integration"],
    "rate-limit/ja": ["APIのレート制限を緩和してほしい", "APIレート制限の引き上げ", "APIのレート制限が厳しすぎる"],
    "rate-limit/en": ["Increase API rate limits", "API rate limit is too low", "Higher rate limits for the API"],
    "mobile/ja": ["スマホアプリがほしい", "スマホアプリ対応", "iPhoneとAndroidのスマホアプリ"],
    "mobile/en": ["Mobile app", "Native mobile app for iOS and Android", "A mobile app for field staff"],
    "dark-mode/ja": ["ダークモード対応", "ダークモードが欲しい", "ダークモード機能"],
    "dark-mode/en": ["Dark mode", "Dark mode support", "Add a dark theme / dark mode"],
    "2fa/ja": ["二要素認証に対応してほしい", "二要素認証を必須にしたい", "ログイン時の二要素認証"],
    "2fa/en": ["Two-factor authentication", "Require two-factor authentication (2FA)", "2FA for all users"],
    "salesforce/ja": ["Salesforce連携", "Salesforceと同期したい", "Salesforceの取引先を同期"],
    "salesforce/en": ["Salesforce sync", "Sync accounts with Salesforce", "Two-way Salesforce integration"],
}

# Pairs named in the audit: these must share a group ...
KNOWN_DUPLICATES = [
    ("顧客一覧のCSV出力", "CSVで顧客一覧をダウンロードしたい"),
    ("SSOでログインしたい", "SAML SSO対応"),
    ("Slack連携", "通知をSlackに送りたい"),
    ("請求書の一括ダウンロード", "請求書を一括でダウンロードしたい"),
    ("Bulk invoice download", "Download all invoices in bulk"),
]
# ... and these were chained together by single linkage and must not.
KNOWN_UNRELATED = [
    ("請求書の一括ダウンロード", "CSVで顧客一覧をダウンロードしたい"),
    ("請求書の一括ダウンロード", "ユーザー一覧をCSVでダウンロード"),
    ("CSVで顧客一覧をダウンロードしたい", "ユーザー一覧をCSVでダウンロード"),
    ("Export invoices as CSV", "Audit log export"),
    ("Slack連携", "Salesforce連携"),
    ("SAML SSO対応", "ダークモード対応"),
]


def titles_and_labels() -> tuple[list[str], list[str]]:
    titles, labels = [], []
    for label, wordings in LABELLED_ASKS.items():
        titles += wordings
        labels += [label] * len(wordings)
    return titles, labels


def ask_of(label: str) -> str:
    return label.split("/")[0]


def pairwise_scores(groups: list[list[int]], labels: list[str]) -> tuple[float, float]:
    """Pairwise precision and recall of ``groups`` against ``labels``."""
    group_of = {index: n for n, members in enumerate(groups) for index in members}
    tp = fp = fn = 0
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            same_group, same_label = group_of[i] == group_of[j], labels[i] == labels[j]
            tp += same_group and same_label
            fp += same_group and not same_label
            fn += same_label and not same_group
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1)
