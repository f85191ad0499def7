"""Country names as CRMs write them, mapped to the ISO 3166-1 alpha-2 code that Account.country stores.

Salesforce's BillingCountry and HubSpot's Country/Region are free text ("Japan", "日本", "USA"),
so the importer accepts a two-letter code or one of these names. Extend the table when a
customer's CRM spells a country another way; matching ignores case, spaces and punctuation.
"""

from __future__ import annotations

# ISO 3166-1 alpha-2 (copied from the tz database's iso3166.tab: no dependency needed).
_ISO_CODES_TEXT = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
ISO_CODES = frozenset(_ISO_CODES_TEXT.split())

# Code -> names (English, then Japanese). Only countries our customers are likely to have.
NAMES: dict[str, tuple[str, ...]] = {
    "JP": ("Japan", "Nippon", "Nihon", "日本", "日本国"),
    "US": ("United States", "United States of America", "USA", "U.S.A.", "U.S.", "America", "アメリカ", "米国",
           "アメリカ合衆国"),
    "GB": ("United Kingdom", "UK", "Great Britain", "Britain", "England", "イギリス", "英国"),
    "CN": ("China", "People's Republic of China", "PRC", "中国", "中華人民共和国"),
    "KR": ("South Korea", "Korea", "Republic of Korea", "韓国", "大韓民国"),
    "TW": ("Taiwan", "台湾"),
    "HK": ("Hong Kong", "香港"),
    "SG": ("Singapore", "シンガポール"),
    "TH": ("Thailand", "タイ"),
    "VN": ("Vietnam", "Viet Nam", "ベトナム"),
    "ID": ("Indonesia", "インドネシア"),
    "MY": ("Malaysia", "マレーシア"),
    "PH": ("Philippines", "フィリピン"),
    "IN": ("India", "インド"),
    "AU": ("Australia", "オーストラリア", "豪州"),
    "NZ": ("New Zealand", "ニュージーランド"),
    "CA": ("Canada", "カナダ"),
    "MX": ("Mexico", "メキシコ"),
    "BR": ("Brazil", "ブラジル"),
    "DE": ("Germany", "Deutschland", "ドイツ"),
    "FR": ("France", "フランス"),
    "IT": ("Italy", "イタリア"),
    "ES": ("Spain", "スペイン"),
    "NL": ("Netherlands", "The Netherlands", "Holland", "オランダ"),
    "BE": ("Belgium", "ベルギー"),
    "CH": ("Switzerland", "スイス"),
    "AT": ("Austria", "オーストリア"),
    "SE": ("Sweden", "スウェーデン"),
    "NO": ("Norway", "ノルウェー"),
    "DK": ("Denmark", "デンマーク"),
    "FI": ("Finland", "フィンランド"),
    "IE": ("Ireland", "アイルランド"),
    "PL": ("Poland", "ポーランド"),
    "PT": ("Portugal", "ポルトガル"),
    "IL": ("Israel", "イスラエル"),
    "AE": ("United Arab Emirates", "UAE", "アラブ首長国連邦"),
    "ZA": ("South Africa", "南アフリカ"),
}
