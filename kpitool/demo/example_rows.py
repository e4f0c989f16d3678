"""The building blocks of the bundled examples: roster, 視点, and one row as staff type it.

:mod:`kpitool.demo.examples` builds the six departments' files from these (see there for where
the numbers and texts come from). Pure data, no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kpitool.spec import DEFAULT_FISCAL_YEARS

MUNICIPALITY = "菊川市"
FISCAL_YEARS = DEFAULT_FISCAL_YEARS

ROSTER: list[str] = [
    "総合政策部",
    "企画政策部",
    "総務部",
    "財務部",
    "地域支援部",
    "市長公室",
    "教育文化部",
]
NON_SUBMITTER = "教育文化部"

Value = str | int | float | dt.date | None

V1 = "視点1 効果的・効率的な行政運営の推進"
V2 = "視点2 健全な財政運営の推進"
V3 = "視点3 地域の力の向上及び連携の強化の推進"

ERROR_DEPARTMENT = "地域支援部"
WARNING_DEPARTMENT = "総務部"


@dataclass(frozen=True)
class ExampleSubmission:
    """One department's filled template, as the values its staff typed."""

    filename: str
    basic: dict[str, object]
    kpis: list[dict[str, object]] = field(default_factory=list)
    survey: list[dict[str, object]] = field(default_factory=list)
    figures: list[dict[str, object]] = field(default_factory=list)
    has_errors: bool = False
    description: str = ""


def basic_info(department: str, head: str, person: str, contact: str, created: Value) -> dict[str, object]:
    return {
        "municipality": MUNICIPALITY,
        "department": department,
        "head": head,
        "contact_person": person,
        "contact": contact,
        "created": created,
    }


def kpi_row(
    no: str,
    policy: str,
    indicator: str,
    unit: str | None,
    direction: str,
    target: Value,
    prev: Value,
    curr: Value,
    grade: str | None,
    note: str | None = None,
    *,
    base: Value = None,
    base_year: Value = None,
    target_year: Value = None,
) -> dict[str, object]:
    return {
        "no": no,
        "policy": policy,
        "indicator": indicator,
        "unit": unit,
        "direction": direction,
        "base": base,
        "base_year": base_year,
        "target": target,
        "target_year": target_year,
        "prev": prev,
        "curr": curr,
        "grade": grade,
        "note": note,
    }


# The 視点 of seed 004 with their middle headings, in the published order (the demo config's
# [survey]). Where the seed prints the 視点 itself in place of a heading, the heading is
# named after that group's first 取り組み.
VIEWPOINTS: dict[str, tuple[str, ...]] = {
    V1: ("(1) 計画的な行政運営", "(2) 官民連携の推進", "(3) 自治体DXの推進", "(4) 機能的な組織運営の推進"),
    V2: ("(1) 計画的な財政運営", "(2) 財源の確保", "(3) 公共施設の計画的な管理及び統合・廃止"),
    V3: ("(1) 協働のまちづくりの推進", "(2) 積極的な情報発信の推進", "(3) 効果的な広聴活動の推進"),
}

# 取り組み名 -> (中見出し, 内容): the ● description under each bold title of seed 004.
INITIATIVES: dict[str, tuple[str, str]] = {
    "自治体情報システム「ガバメントクラウド」への移行": (
        "(3) 自治体DXの推進",
        "自治体情報システムの標準化・共通化に対応しつつ、既存庁内情報システムの見直しをした上で、ガバメントクラウドへ移行します。"),
    "行政手続きのオンライン化": (
        "(3) 自治体DXの推進",
        "マイナンバーカードによるオンライン申請や多用途に活用できる申請システム、施設予約システムにより業務の効率化、市民の利便性向上を図ります。"),
    "AI・RPAなどデジタル技術の活用": (
        "(3) 自治体DXの推進", "AIやデジタル技術を活用した新たな業務について検討し、多分野に展開していきます。"),
    "行政経営システムを活用した事務事業評価の実施": (
        "(1) 計画的な行政運営", "実行計画・予算・決算・評価を連動させた行政経営システムを活用し、成果を重視した行政運営を進めていきます。"),
    "部の運営方針に基づく事業の取り組み": (
        "(1) 計画的な行政運営",
        "年度ごとに、現状、課題及び重点的に取り組む施策・事業を取りまとめた「部の運営方針」を明確にし、職員一丸となり取り組みます。"),
    "業務改善・職員提案制度の推進": (
        "(1) 計画的な行政運営",
        "業務改善・職員提案制度により、職員一人一人が業務の効率化を意識し、所属する課等内の業務について、改善・見直し・工夫等を実施します。"),
    "官民連携の推進": (
        "(2) 官民連携の推進",
        "行政サービスの水準を維持しながら、民間委託、指定管理者制度、PFI及び民間企業との共創等のPPPの手法を効果的に活用していきます。"),
    "指定管理者制度等の推進": (
        "(2) 官民連携の推進", "既に実施をしている指定管理者制度等の効果を検証し、制度及び運用の改善に向けた取り組みを実施します。"),
    "機能的な組織運営の推進": (
        "(4) 機能的な組織運営の推進",
        "必要に応じた組織・機構の設置や廃止などの見直しを行い、職員の能力を最大限に発揮される事務処理体制を確立します。"),
    "人材育成の推進": (
        "(4) 機能的な組織運営の推進",
        "高い使命感を持ち、現状を分析する力や将来を見通す力、自律的な政策形成能力を有する職員の育成を進め、組織全体の活力を生み出します。"),
    "働き方改革の推進": (
        "(4) 機能的な組織運営の推進",
        "組織と職員一人一人が意欲を持って行政課題の発見や職務・環境改善に取組み、生き生きと働くことができる職場環境の整備を進めます。"),
    "情報公開の推進及び個人情報漏洩対策の強化": (
        "(2) 積極的な情報発信の推進",
        "市民からの情報開示請求について適切かつ迅速に対応するとともに、個人情報の保護に取り組みます。"),
    "行政経営システムと連動した予算編成の推進": (
        "(1) 計画的な財政運営", "行政経営システムを活用し、事務事業の評価結果を予算編成に反映させ、財政運営の健全化を図ります。"),
    "市税等の納付環境の拡充及び滞納整理事務の強化": (
        "(2) 財源の確保", "納税機会の拡充とともに、公平性を確保するため滞納整理事務を実施することにより、市税等の収入確保を図ります。"),
    "財産運用の推進": (
        "(2) 財源の確保",
        "市債の活用、国及び県の支援事業の活用、市有財産の有効活用、広告媒体としての活用並びにふるさと納税制度の活用等を通じて、財源の確保に取組みます。"),
    "財産運用の推進（ふるさと納税事業）": (
        "(2) 財源の確保", "ふるさと納税制度の活用等を通じて、財源の確保に取組みます。"),
    "公共施設等の有効活用の検討": (
        "(3) 公共施設の計画的な管理及び統合・廃止",
        "当面利用が見込まれない未利用地については、売却及び貸付等の適切な方法により有効活用します。"),
    "協働のまちづくり推進体制の整備": (
        "(1) 協働のまちづくりの推進",
        "多様な主体による協働のまちづくりの実現に向け、「菊川市協働の指針」の推進と、指針に基づく取組の効果的な実施を図ります。"),
    "協働の担い手育成、機会・場の提供": (
        "(1) 協働のまちづくりの推進",
        "市民協働センターを拠点として、協働の担い手となる人材の育成及びその人材を活かす仕組みづくりを推進します。"),
    "協働の担い手支援の充実": (
        "(1) 協働のまちづくりの推進",
        "「1%地域づくり活動交付金」の適正な運用や、新しい取組・チャレンジを生み出すための支援を行います。"),
    "各種媒体を活用した情報発信の推進": (
        "(2) 積極的な情報発信の推進",
        "広報紙並びに公式ホームページ・SNS及びメール配信サービス等を通じて、市政情報や暮らしの情報を積極的に発信します。"),
    "市政懇談会等による広聴活動の推進": (
        "(3) 効果的な広聴活動の推進",
        "市政懇談会及び市のご意見箱等を通じて、市政に関する意見及び要望等市民ニーズの把握に努め、市政に反映します。"),
}
HEADING_SEPARATOR = " ／ "  # as in the template's 視点 dropdown (kpitool.structure)


def survey_row(no: str, viewpoint: str, initiative: str, plan: str, prev: str, curr: str) -> dict[str, object]:
    """One 取り組み as chosen from the 視点 dropdown: 「視点 ／ 中見出し」, 取り組み名 and 内容 apart."""
    heading, content = INITIATIVES[initiative]
    return {"no": no, "viewpoint": f"{viewpoint}{HEADING_SEPARATOR}{heading}", "initiative": initiative,
            "content": content, "plan": plan, "prev": prev, "curr": curr}


def figure_row(
    initiative_no: str,
    item: str,
    unit: str | None,
    direction: str,
    prev: Value,
    curr: Value,
    note: str | None = None,
) -> dict[str, object]:
    return {
        "initiative_no": initiative_no,
        "item": item,
        "unit": unit,
        "direction": direction,
        "prev": prev,
        "curr": curr,
        "note": note,
    }


ESTIMATE = "令和5年度実績は見込み値"
NO_TARGET = "目標値は設定していない"


# 菊川市 財務部 令和4年度実績 as published (seed 004), one paragraph a line: 1,090 characters.
ZAIMU_R4_FULL = "\n".join((
    '「市税の収納」',
    '・納付書QRコードによる収納を開始した。 対象税目：市県民税普通徴収、固定資産税・都市計画税、軽自動車税種別割、国民健康保険税普通徴収',
    '「徴収管理」',
    '・磐田財務事務所から職員1名を6月から週1回派遣していただき、滞納額の圧縮及び収入率の向上を図った。',
    '・滞納者数 2,528 人・社 内、令和4年度課税のみ滞納者 993 人・社',
    '・差押件数 235件',
    '・換価件数・金額 463件 21,925,394円',
    '・執行停止人数・金額 273 人・社 36,562,227円',
    '・不納欠損人数・金額 666 人・社 37,507,682円',
    '・滞納整理機構移管人数・徴収金額 20 人・社 12,449,815円',
    '「税外債権管理」',
    '・税及び料金等に関する徴収対策会議を2回開催 ・税及び料金等に関する徴収対策ワーキンググループ会議を1回開催',
    '・債権放棄債権・金額 4債権 1,547,644円',
    '令和4年度においては、原価計算用のコスト情報がそろっていないこと、コロナ禍でコスト情報も安定していないことから使用料・手数料の見直しを見送ることとした。',
    '①適債性がある事業について、普通交付税措置がある有利な起債の借り入れなどに配慮した。【合併特例債(充当率95%、交付税措置率70%)：R4決算額 1,167,400千円(内:地域振興等基金積立分746,100千円)】',
    '②広告事業',
    '・納税通知用封筒：136,809円',
    '・広告付揭示物：462,000円',
    '・雑誌カバー広告事業：92,600円',
    '・市ホームページ：560,000円',
    '・本庁舎自動販売機：986,642円',
    '・広告付き窓口封筒：84,000円',
    '③ふるさと納税事業',
    '・令和3年度キャンプ用品を選択された寄附者を対象に、火剣山キャンプ場でキャンプイベントを開催し、349,000円の寄附に繋がった。',
    '・返礼品の送料のうち、500円を市が負担することで、寄附設定額を下げ、他市との競争力強化に繋がった。',
    '・静岡県立大生と連携し、9件の返礼品を追加した。',
    '・首都圏に向けての広告の掲載を行い、寄附増加に繋がった。',
    '以上の取組みの結果、5,271件、117,858,500円の寄附に繋がった。',
    '④ネーミングライツ',
    '・炭焼き さわやか 菊川グラウンド：450,000円',
    '⑤行政経営課題達成プロジェクトのテーマを「基金の新たな運用方針策定による運用益の確保」とし、地方公共団体金融機構(JFM)の地方支援業務を活用しながら、「資金の安全性及び流動性を確保した上で、効率的な資金の管理を行うこと」を目的とする「菊川市資金管理方針」を策定した。',
))
