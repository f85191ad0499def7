"""Words the demo company is made of: Japanese names, company parts, industries, phrases.

Kept as tuples (never sets) so that a seed always picks the same words.
"""

from __future__ import annotations

# (kanji, romaji) pairs; romaji gives e-mail addresses and web domains.
FAMILY_NAMES = (
    ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka"), ("伊藤", "ito"),
    ("渡辺", "watanabe"), ("山本", "yamamoto"), ("中村", "nakamura"), ("小林", "kobayashi"), ("加藤", "kato"),
    ("吉田", "yoshida"), ("山田", "yamada"), ("佐々木", "sasaki"), ("山口", "yamaguchi"), ("松本", "matsumoto"),
    ("井上", "inoue"), ("木村", "kimura"), ("林", "hayashi"), ("斎藤", "saito"), ("清水", "shimizu"),
    ("山崎", "yamazaki"), ("森", "mori"), ("池田", "ikeda"), ("橋本", "hashimoto"), ("阿部", "abe"),
    ("石川", "ishikawa"), ("山下", "yamashita"), ("中島", "nakajima"), ("石井", "ishii"), ("小川", "ogawa"),
    ("前田", "maeda"), ("岡田", "okada"), ("長谷川", "hasegawa"), ("藤田", "fujita"), ("後藤", "goto"),
    ("近藤", "kondo"), ("村上", "murakami"), ("遠藤", "endo"), ("青木", "aoki"), ("坂本", "sakamoto"),
    ("福田", "fukuda"), ("太田", "ota"), ("西村", "nishimura"), ("藤井", "fujii"), ("金子", "kaneko"),
    ("岡本", "okamoto"), ("藤原", "fujiwara"), ("中野", "nakano"), ("三浦", "miura"), ("原田", "harada"),
    ("松田", "matsuda"), ("竹内", "takeuchi"), ("中川", "nakagawa"), ("小野", "ono"), ("田村", "tamura"),
    ("和田", "wada"), ("森田", "morita"), ("上田", "ueda"), ("原", "hara"), ("大野", "ono"),
)

GIVEN_NAMES = (
    ("翔太", "shota"), ("大輔", "daisuke"), ("健太", "kenta"), ("拓也", "takuya"), ("直樹", "naoki"),
    ("雄一", "yuichi"), ("和也", "kazuya"), ("亮", "ryo"), ("誠", "makoto"), ("浩二", "koji"),
    ("隆", "takashi"), ("剛", "tsuyoshi"), ("優斗", "yuto"), ("蓮", "ren"), ("陽介", "yosuke"),
    ("智也", "tomoya"), ("健一", "kenichi"), ("修", "osamu"), ("哲也", "tetsuya"), ("悠真", "yuma"),
    ("大樹", "daiki"), ("翼", "tsubasa"), ("拓海", "takumi"), ("慎吾", "shingo"), ("健", "ken"),
    ("美咲", "misaki"), ("陽子", "yoko"), ("由美", "yumi"), ("恵", "megumi"), ("彩", "aya"),
    ("愛", "ai"), ("真由美", "mayumi"), ("香織", "kaori"), ("奈々", "nana"), ("麻衣", "mai"),
    ("千尋", "chihiro"), ("沙織", "saori"), ("明美", "akemi"), ("裕子", "yuko"), ("智子", "tomoko"),
    ("直美", "naomi"), ("結衣", "yui"), ("葵", "aoi"), ("花子", "hanako"), ("さくら", "sakura"),
    ("理恵", "rie"), ("早紀", "saki"), ("綾香", "ayaka"), ("春香", "haruka"), ("久美子", "kumiko"),
)

# The first part of a company name: places and auspicious words.
COMPANY_HEADS = (
    ("東和", "towa"), ("大成", "taisei"), ("日栄", "nichiei"), ("北斗", "hokuto"), ("三協", "sankyo"),
    ("中央", "chuo"), ("昭栄", "shoei"), ("富士見", "fujimi"), ("桜井", "sakurai"), ("若葉", "wakaba"),
    ("丸和", "maruwa"), ("新光", "shinko"), ("関東", "kanto"), ("大和", "yamato"), ("光陽", "koyo"),
    ("青葉", "aoba"), ("旭", "asahi"), ("協和", "kyowa"), ("泉", "izumi"), ("明星", "meisei"),
    ("東邦", "toho"), ("日進", "nisshin"), ("共栄", "kyoei"), ("千代田", "chiyoda"), ("浪速", "naniwa"),
    ("北陸", "hokuriku"), ("九州", "kyushu"), ("東海", "tokai"), ("湘南", "shonan"), ("名港", "meiko"),
    ("阪神", "hanshin"), ("信州", "shinshu"), ("瀬戸内", "setouchi"), ("飛鳥", "asuka"), ("平和", "heiwa"),
    ("双葉", "futaba"), ("白鳥", "shiratori"), ("大洋", "taiyo"), ("三和", "sanwa"), ("東洋", "toyo"),
    ("銀河", "ginga"), ("みなと", "minato"), ("アルファ", "alpha"), ("ネクスト", "next"), ("ユニオン", "union"),
    ("フロンティア", "frontier"), ("サンライズ", "sunrise"), ("ブライト", "bright"), ("クレスト", "crest"),
    ("グローバル", "global"),
)

# Optional middle part, used only when the two-part names run out (very large demos).
COMPANY_MIDDLES = (
    ("総合", "sogo"), ("日本", "nihon"), ("国際", "kokusai"), ("第一", "daiichi"), ("中部", "chubu"),
    ("西日本", "nishinihon"), ("東日本", "higashinihon"), ("関西", "kansai"), ("北海道", "hokkaido"),
    ("ジャパン", "japan"), ("テクノ", "techno"), ("エコ", "eco"), ("メトロ", "metro"), ("スマート", "smart"),
    ("ユニバーサル", "universal"),
)

# industry -> the words that end a company name in it.
INDUSTRIES = (
    ("製造業", (("精機", "seiki"), ("工業", "kogyo"), ("製作所", "seisakusho"), ("化成", "kasei"),
               ("電機", "denki"), ("金属", "kinzoku"), ("技研", "giken"))),
    ("建設業", (("建設", "kensetsu"), ("工務店", "komuten"), ("住建", "juken"), ("設備", "setsubi"))),
    ("卸売業", (("商事", "shoji"), ("産業", "sangyo"), ("通商", "tsusho"), ("トレーディング", "trading"))),
    ("小売業", (("商店", "shoten"), ("ストア", "store"), ("リテール", "retail"))),
    ("運輸・物流", (("運輸", "unyu"), ("物流", "butsuryu"), ("ロジスティクス", "logistics"), ("倉庫", "soko"))),
    ("不動産業", (("不動産", "fudosan"), ("地所", "jisho"), ("エステート", "estate"), ("ハウジング", "housing"))),
    ("金融・保険", (("ファイナンス", "finance"), ("リース", "lease"), ("信販", "shinpan"))),
    ("医療・福祉", (("メディカル", "medical"), ("薬品", "yakuhin"), ("ケアサービス", "care"))),
    ("情報通信", (("システム", "system"), ("ソフト", "soft"), ("テクノロジー", "technology"),
                ("ネットワークス", "networks"))),
    ("専門サービス", (("コンサルティング", "consulting"), ("ビジネスサービス", "bizservice"), ("人材", "jinzai"))),
    ("食品", (("フーズ", "foods"), ("食品", "shokuhin"), ("製菓", "seika"))),
)

PREFECTURES = (
    ("東京都", 45), ("大阪府", 14), ("神奈川県", 8), ("愛知県", 8), ("福岡県", 5), ("埼玉県", 4),
    ("北海道", 3), ("兵庫県", 3), ("京都府", 3), ("広島県", 2), ("宮城県", 2), ("静岡県", 3),
)
LEAD_SOURCES = ("展示会", "Web問い合わせ", "パートナー紹介", "セミナー", "アウトバウンド")

# Departments that use the product; accounting always comes first (it owns the invoices).
DEPARTMENTS = (
    "経理部", "総務部", "営業管理部", "購買部", "人事部", "法務部", "情報システム部", "経営企画部",
    "物流部", "品質保証部", "営業部", "カスタマーサポート部",
)

DECISION_MAKER_TITLES = {
    "enterprise": ("執行役員 管理本部長", "経理部長", "財務経理本部長", "CFO"),
    "mid_market": ("管理部長", "経理部長", "取締役 管理本部長", "総務部長"),
    "smb": ("代表取締役", "取締役", "管理部長"),
}
PROMOTER_TITLES = ("経理課長", "業務改革推進室 室長", "DX推進担当 課長", "経理課 主任", "総務課長")
OPERATOR_TITLES = ("システム管理者", "情報システム課 主任", "経理課 担当", "総務課 担当")
USER_TITLES = ("経理担当", "営業事務", "総務担当", "購買担当", "業務担当", "アシスタント")

CSMS = (
    ("csm@demo.csops.example", "佐藤 美咲"),
    ("csm2@demo.csops.example", "鈴木 健太"),
    ("csm3@demo.csops.example", "高橋 由美"),
    ("csm4@demo.csops.example", "田中 翔"),
    ("csm5@demo.csops.example", "伊藤 綾"),
    ("csm6@demo.csops.example", "渡辺 大輔"),
    ("csm7@demo.csops.example", "山本 彩花"),
)
SELLERS = ("中村 健一", "小林 直美", "加藤 拓也", "吉田 恵", "山田 誠")

DOCUMENT_TYPES = ("invoice", "delivery_note", "quotation", "purchase_order", "payment_notice", "withholding_slip")
DOCUMENT_TYPE_NAMES = {
    "invoice": "請求書", "delivery_note": "納品書", "quotation": "見積書", "purchase_order": "発注書",
    "payment_notice": "支払通知書", "withholding_slip": "源泉徴収票",
}

MEETING_SUMMARIES = (
    "定例ミーティング", "活用状況の確認ミーティング", "新部門展開の打ち合わせ", "テンプレート設計の相談",
    "取引先への電子化案内の進め方について", "運用ルールの見直し",
)
QBR_SUMMARY = "四半期ビジネスレビュー（QBR）"
CALL_SUMMARIES = (
    "利用状況のヒアリング", "請求書発行フローの確認", "取引先招待の進め方について", "更新に向けた事前確認",
    "問い合わせ対応のフォローアップ", "新機能の使い方のご説明",
)
EMAIL_SUMMARIES = (
    "活用Tipsのご案内", "新機能リリースのお知らせ", "ユーザー勉強会のご案内", "月次利用レポートの送付",
    "アンケートご協力のお願い", "メンテナンスのお知らせ",
)
NOTE_SUMMARIES = (
    "社内稟議の状況を確認", "他部門への展開に前向き", "経理部長が削減効果を評価", "決算期の繁忙で対応が遅れ気味",
    "取引先からの評判が良いとのこと", "次年度予算の確保に向けて資料を依頼された",
)
RISK_NOTE_SUMMARIES = (
    "利用が減少傾向。担当者に状況を確認する", "推進担当者の異動予定あり", "競合製品の検討があるとの情報",
    "費用対効果について社内で疑問の声",
)
# (summary, category)
TICKETS = (
    ("PDFのレイアウトが崩れる", "document"), ("取引先に通知メールが届かない", "delivery"),
    ("CSV取込で文字化けが発生", "import"), ("ログインできない", "login"), ("SSO設定でエラーが出る", "sso"),
    ("承認フローが先に進まない", "workflow"), ("送付履歴の検索が遅い", "performance"),
    ("請求書番号の採番ルールを変更したい", "settings"), ("インボイスの登録番号を表示したい", "compliance"),
)
NPS_COMMENTS = {
    "promoter": ("毎月の郵送作業がなくなり大変助かっています。", "取引先からも受け取りやすいと好評です。"),
    "passive": ("便利だが、取引先側の設定がもう少し簡単だと良い。", "帳票のレイアウト調整に手間がかかる。"),
    "detractor": ("動作が重く、問い合わせへの回答にも時間がかかる。", "社内で使う人が増えず、効果が見えにくい。"),
}
CHURN_REASONS = {
    "no_promoter": "推進担当者が不在となり、運用の継続が難しいため",
    "support_friction": "障害や問い合わせ対応への不満が解消されなかったため",
    "usage_depth": "利用が定着せず、費用対効果が見えなかったため",
    "breadth": "一部の部門でしか使われず、全社展開の見込みが立たなかったため",
    "other": "社内システムの刷新に伴い、サービスを見直したため",
}

PROMISED_ITEMS = (
    "オンボーディング研修（全{k}回）", "既存帳票テンプレートの移行支援（最大{t}件）",
    "取引先向け案内文テンプレートの提供", "稼働後3か月間の月次定例", "電子帳簿保存法対応の設定レビュー",
)
