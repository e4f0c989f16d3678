"""Bundled example data: six 菊川市 departments' filled templates, built from the seed documents.

Where the numbers and texts come from (``/work/shared/seeds``):

- ``004_*`` 菊川市「行政経営推進方針2022における主な取り組み実績調査（令和4年度・令和5年度実績）」.
  Every 実績調査 row and every 実績数値 figure is taken from it, split by 視点 into departments:
  視点1 (3) 自治体DX → 総合政策部; 視点1 (1)(2) 行政経営・業務改善・官民連携 → 企画政策部;
  視点1 (4) 組織・人材育成・働き方 and 視点3 情報公開 → 総務部; 視点2 財政・税務・財産運用・市有地
  → 財務部; 視点3 (1) 協働 and 視点2 のふるさと納税事業 → 地域支援部; 視点3 (2)(3) 情報発信・
  市政懇談会 → 市長公室. Long texts are shortened to one to three sentences.
- ``000_*`` 真庭市 総合政策部「令和6年度 部局経営目標」(作成日 令和6年4月1日). Its 事業成果目標
  (指標, 目標値, 令和5年度実績値) are adapted as the 事業成果目標 of the 菊川市 departments above;
  真庭市-only names are made generic (まにわ版SDGs → SDGs, COCO MANIWA・Manicolle → 移住定住サイト,
  まにわを元気にする活動応援事業 → 地域を元気にする活動応援事業). The seed gives no 令和4年度
  実績 for them, so that column holds the 不詳 marker ``…``; 令和5年度 values are the seed's own
  (見込み where the seed says so). Grades follow the default judgement rule (A and B need
  達成率 ≥ 100 %, C below); 6-2 is a B (target met, an issue remains). The seed's first KPI,
  目標値「すべての項目」, is kept as a 定性 target; 認知度 gets the seed's 平成29年度 30 % as 基準値.
- ``002_*`` 小美玉市総合計画: the 住みよさランキング (実績値 370位, 将来値 300位), used as a
  ranking KPI (位, direction ↓) of 市長公室 with 基準値 370位 (基準年度 2016) and 目標年度 2022.
  合併特例債 and the 対前年度増減 rows are 参考値 (方向 →): neither 改善 nor 悪化.
- ``001_*`` (真庭市 令和5年度 部局経営目標) and ``003_*`` (伊豆の国市 総合戦略) give mission
  texts and indicator names without figures; nothing is taken from them.

Department heads and contact persons are fictitious; the 部局 names match :data:`ROSTER`
exactly. Values are what staff type into cells (str, int, float, ``datetime.date``; ``None`` is
an empty cell) and deliberately include the quirks the reader must normalise: 全角数字, numbers
typed as text with separators or units, △ negatives, the markers ``-`` and ``…``, a 和暦 作成日,
percent, 位 and 千円. One department (地域支援部) has real errors for the validator to find, one
(総務部) only warning-level stray spaces; :func:`duplicate_submission` is an older second file of
財務部 for the 重複 status. Pure data, no I/O.
"""

from __future__ import annotations

import datetime as dt

from kpitool.demo.example_rows import (
    ERROR_DEPARTMENT,
    ESTIMATE,
    FISCAL_YEARS,
    MUNICIPALITY,
    NO_TARGET,
    NON_SUBMITTER,
    ROSTER,
    V1,
    V2,
    V3,
    VIEWPOINTS,
    WARNING_DEPARTMENT,
    ZAIMU_R4_FULL,
    ExampleSubmission,
    basic_info,
    figure_row,
    kpi_row,
    survey_row,
)

__all__ = [
    "ERROR_DEPARTMENT", "FISCAL_YEARS", "MUNICIPALITY", "NON_SUBMITTER", "ROSTER", "WARNING_DEPARTMENT",
    "ZAIMU_R4_FULL", "ExampleSubmission", "duplicate_submission", "example_config_toml", "example_submissions",
]


def _sogo_seisaku() -> ExampleSubmission:
    """総合政策部: 真庭市 総合政策部の事業成果目標 + 菊川市 視点1 (3) 自治体DX."""
    sdgs = "SDGsの普及促進及び実践"
    plan = "総合計画の推進及び行政施策の体系化"
    teiju = "交流定住センターの機能強化"
    kpis = [
        kpi_row("1-1", sdgs, "SDGsパートナー新規登録数", "団体", "↑", 150, "…", 150, "A", ESTIMATE),
        kpi_row("1-2", sdgs, "4都市連携ツアー参加者数", "人", "↑", 100, "…", 22, "C", ESTIMATE),
        kpi_row("2-1", plan, "総合計画審議会開催回数", "回", "↑", 4, "…", 2, "C", ESTIMATE),
        kpi_row("2-2", plan, "総合計画推進本部会議開催回数", "回", "↑", 8, "…", 2, "C", ESTIMATE),
        kpi_row("6-1", teiju, "移住定住サイトアクセス数", "件", "↑", "125,000", "…", "148,974", "A"),
        # B under the judgement rule: target met (109 %), but an issue remains.
        kpi_row("6-2", teiju, "移住相談件数", "件", "↑", 150, "…", 164, "B",
                "目標は達成したが、相談から移住に結びついた件数は伸び悩んだ"),
        # A 定性 target (真庭市: 目標値「すべての項目」): text, no 達成率, not graded yet.
        kpi_row("7-1", "総合戦略に基づく人口減少対策の全庁的推進",
                "総合戦略の評価検証によりすべての基本目標においてA評価以上", "基本目標", "↑", "すべての項目", "…", "…",
                None, "数値目標のない定性の目標。評価検証の結果は取りまとめ中"),
    ]
    survey = [
        survey_row(
            "1", V1, "自治体情報システム「ガバメントクラウド」への移行", "菊川市DX推進方針",
            "「地方公共団体情報システム標準化基本方針」の閣議決定を受け、専門部会及びワーキンググループを設置し、"
            "令和5年1月30日に第1回ワーキングを開催した。",
            "地域情報化アドバイザーを招聘し専門部会で講演いただいた。実務担当者によるワーキンググループを計7回開催し、"
            "課題の洗い出し及び対応方法の検討を行った。",
        ),
        survey_row(
            "2", V1, "行政手続きのオンライン化", "デジタル・ガバメント実行計画、菊川市DX推進方針",
            "国の自治体DX推進計画で「特に国民の利便性向上に資する手続」と定められた27手続について、"
            "マイナンバーカードによるオンライン申請を受け付けるシステムを構築した。",
            "電子申請システムに関する職員向けの操作研修会を開催する等、利用できる職員数を増やし、"
            "電子申請件数や手続数の増加を図った。",
        ),
        survey_row(
            "3", V1, "AI・RPAなどデジタル技術の活用", "菊川市DX推進方針",
            "令和2年度より導入しているRPAについて、令和4年度末時点で9業務の導入実績があり、業務の効率化が図られた。",
            "令和2年度より導入しているRPAについて、令和5年度末時点で12業務の導入実績があり、業務の効率化が図られた。",
        ),
    ]
    figures = [
        figure_row("1", "標準化・共通化ワーキンググループ開催回数", "回", "↑", 1, 7, "令和4年度は令和5年1月30日の第1回のみ"),
        figure_row("2", "マイナンバーカードでオンライン申請できる手続数", "手続", "↑", 27, "…", "令和5年度の手続数は不詳"),
        figure_row("3", "RPA導入業務数（年度末時点）", "業務", "↑", 9, 12),
    ]
    return ExampleSubmission(
        filename="01_総合政策部.xlsx",
        basic=basic_info("総合政策部", "菊川 太郎", "総合政策課 山田 花子", "内線 2101", "令和6年4月1日"),
        kpis=kpis,
        survey=survey,
        figures=figures,
        description="作成日を和暦の文字列で入力。令和4年度実績は不詳（…）、数値を「125,000」のように文字で入力。"
        "目標を達成したが課題が残るB、目標値「すべての項目」の定性の目標。",
    )


def _kikaku_seisaku() -> ExampleSubmission:
    """企画政策部: 菊川市 視点1 (1)(2) 行政経営・業務改善・官民連携."""
    kpis = [
        kpi_row("1", "総合戦略に基づく人口減少対策の全庁的推進", "評価・検証会議開催回数", "回", "↑",
                4, "…", 2, "C", ESTIMATE),
        kpi_row("2", "業務改善・職員提案制度の推進", "業務改善 提出件数", "件", "↑", "-", 498, "515件", None, NO_TARGET),
        kpi_row("3", "部の運営方針に基づく事業の取り組み", "重点施策のA評価件数", "件", "↑", "-", 49, "…", None,
                "令和5年度は結果取りまとめ後に公表予定"),
    ]
    survey = [
        survey_row(
            "1", V1, "行政経営システムを活用した事務事業評価の実施", "行政経営システム",
            "行政評価、実行計画、予算・決算までを一つのサイクルとする行政経営システムにおいて、令和3年度分の行政評価を実施した。"
            "職員人件費を行政評価に反映し、事業コスト分析の精度が向上した。",
            "行政経営システムにおいて、令和4年度分の行政評価を実施した。",
        ),
        survey_row(
            "2", V1, "部の運営方針に基づく事業の取り組み", "部の運営方針",
            "「部の運営方針」を作成し目標達成に向けて取り組んだ。達成状況は重点施策60件のうちA 49件、B 3件、C 8件となり、"
            "ホームページに公表した。",
            "「部の運営方針」を作成し目標達成に向けて取り組んだ。達成状況は結果取りまとめ後、ホームページで公表を予定している。",
        ),
        survey_row(
            "3", V1, "業務改善・職員提案制度の推進", "業務改善職員提案制度",
            "業務改善の提出件数は498件で、事務時間削減2,459.3時間、経費削減8,782,546円の効果があった。職員提案は8件。",
            "業務改善の提出件数は515件で、事務時間削減4,618時間、経費削減11,752,258円の効果があった。職員提案は5件。",
        ),
        survey_row(
            "4", V1, "官民連携の推進", "官民連携事業、共創推進事業",
            "内閣府の支援制度を活用し「菊川市PPP/PFI手法導入優先的検討規程（案）」を策定した。",
            "規程（案）の内容精査を実施し、令和6年度中に内部ルールとして全庁へ周知することとした。",
        ),
        survey_row(
            "5", V1, "指定管理者制度等の推進", "指定管理者制度",
            "小菊荘の令和5年度からの指定管理者選定に向けて選定委員会を開催したが、応募者はなかった。",
            "火剣山キャンプ場（新規）及び東部ふれあいプラザ（更新）について選定委員会を開催し、指定管理候補者を決定した。",
        ),
    ]
    pending = "令和5年度は結果取りまとめ後に公表予定"
    figures = [
        figure_row("2", "重点施策 A評価件数", "件", "↑", 49, "…", pending),
        figure_row("2", "重点施策 C評価件数", "件", "↓", 8, "…", pending),
        figure_row("3", "業務改善 提出件数", "件", "↑", 498, "５１５"),
        figure_row("3", "業務改善 事務時間削減", "時間", "↑", "2,459.3", 4618),
        figure_row("3", "業務改善 経費削減額", "円", "↑", "8,782,546円", "11,752,258円"),
        figure_row("3", "業務改善 収入増加額", "円", "↑", 2025230, 25035874),
        figure_row("3", "業務改善 市民サービス向上件数", "件", "↑", 135, 141),
        figure_row("3", "職員提案 提出件数", "件", "↑", 8, 5),
    ]
    return ExampleSubmission(
        filename="02_企画政策部.xlsx",
        basic=basic_info("企画政策部", "小笠 一郎", "企画政策課 鈴木 由美", "内線 2201", dt.date(2024, 4, 8)),
        kpis=kpis,
        survey=survey,
        figures=figures,
        description="全角数字（５１５）、文字の「2,459.3」、単位付きの「515件」「8,782,546円」、目標なし（-）と不詳（…）。",
    )


def _somu() -> ExampleSubmission:
    """総務部: 菊川市 視点1 (4) 組織・人材育成・働き方 + 視点3 情報公開 (warnings only)."""
    kpis = [
        kpi_row("1", "行政dXの推進", "dX活用による事務改善件数", "件", "↑", 5, "…", 3, "C", ESTIMATE),
        kpi_row("2", "行政手続きのオンライン化", "オンライン申請・予約システム導入件数", "件", "↑", 50, "…", "…", None,
                "指標変更のため令和5年度実績は不詳"),
        # A leading space typed by staff: a warning, not an error.
        kpi_row("3", "人材育成の推進", " 職員研修受講者数", "人", "↑", "-", 630, 557, None, NO_TARGET),
    ]
    survey = [
        survey_row(
            "1", V1, "機能的な組織運営の推進", "定員管理計画",
            "令和5年度の組織について検討を行い、秘書室及び防災強靱化室の新設等を行った。",
            "令和6年度の組織について検討を行い、市長公室及び産業支援センターの新設等を行った。"
            "定年延長等を踏まえ、令和6年度から令和10年度までの定員管理計画を策定した。",
        ),
        survey_row(
            "2", V1, "人材育成の推進", "人材育成基本方針、職員研修計画、人事評価制度",
            "目指すべき職員像の実現に向けて研修の積極的な受講を促し、91講座、630人が受講した。",
            "目指すべき職員像の実現に向けて研修の積極的な受講を促し、102講座、557人が受講した。"
            "令和6年度から令和8年度までの3市広域研修計画を策定した。",
        ),
        survey_row(
            "3", V1, "働き方改革の推進", "働き方改革",
            "60歳以降の働き方に関する制度を構築し関係例規を改正した。新たなビジネスチャットツールを導入した。",
            "令和6年度から夏季休暇の取得可能期間を拡大し、時差出勤やテレワーク勤務の利用要件を緩和することとした。",
        ),
        survey_row(
            "4", V3, "情報公開の推進及び個人情報漏洩対策の強化", "情報公開・個人情報保護制度",
            "情報管理に係る職員研修に加え、改正個人情報保護法の制度説明会を実施し、個人情報ファイル簿を整備した。",
            "職員研修と制度説明会に加え、個人情報取扱事務に関する内部監査に向けた体制の構築を開始した。",
        ),
    ]
    figures = [
        figure_row("2", "研修講座数", "講座", "↑", 91, 102),
        # A trailing space typed by staff: a warning, not an error.
        figure_row("2", "研修受講者数 ", "人", "↑", 630, 557),
        figure_row("2", "三市合同職員研修の開催回数（本市会場）", "回", "↑", 7, 9, "公共施設の広域的活用（視点2）にも該当"),
    ]
    return ExampleSubmission(
        filename="03_総務部.xlsx",
        basic=basic_info("総務部", "菊川 次郎　", "総務課 佐藤 健", "内線 2301", dt.date(2024, 4, 9)),
        kpis=kpis,
        survey=survey,
        figures=figures,
        description="警告だけのファイル：部局長名の末尾・指標名の先頭・項目名の末尾に余分な空白。",
    )


def _zaimu_rows() -> tuple[list[dict[str, object]], list[dict[str, object]], list[dict[str, object]]]:
    tax = "市税等の納付環境の拡充及び滞納整理事務の強化"
    kpis = [
        kpi_row("1", tax, "市税等滞納者数", "人・社", "↓", "-", "2,528", "2,509", None, NO_TARGET),
        kpi_row("2", tax, "差押件数", "件", "↑", "-", 235, 310, None, NO_TARGET),
    ]
    survey = [
        survey_row(
            "1-1", V2, "行政経営システムと連動した予算編成の推進", "新公会計制度、財政運営方針、行政経営システム",
            "令和3年度行政評価結果をもとに各課の令和5年度事業計画をヒアリングした。予算額は過去最高額となったが、"
            "財政調整基金繰入額は例年並みに抑制できた。",
            "令和4年度行政評価結果をもとに各課の令和6年度事業計画をヒアリングした。有利な起債の活用と事業の精査により、"
            "財政調整基金繰入額を例年並みに抑制した。",
        ),
        survey_row(
            "2-1", V2, tax, "市税の収納、徴収管理",
            ZAIMU_R4_FULL,  # the real text in full: 実績調査（公表用） must print all of it (issue 12)
            "徴収職員3名の内1名を現年度担当とし、早期に調査し滞納処分を実施した。",
        ),
        survey_row(
            "2-2", V2, "財産運用の推進", "広告・ネーミングライツ事業",
            "普通交付税措置がある有利な起債の借り入れに配慮した（合併特例債 R4決算額 1,167,400千円）。"
            "「菊川市資金管理方針」を策定した。",
            "有利な起債の借り入れに配慮した（合併特例債 R5予算額 347,800千円、決算未確定）。"
            "資金管理方針に基づき債券を購入し財政調整基金の運用を開始した。",
        ),
        survey_row(
            "3-1", V2, "公共施設等の有効活用の検討", "公共施設等総合管理計画",
            "利用していない市有地について売却または貸付けにより活用を図った。",
            "利用していない市有地について売却または貸付けにより活用を図った。",
        ),
    ]
    figures = [
        figure_row("2-1", "滞納者数", "人・社", "↓", 2528, 2509),
        figure_row("2-1", "差押件数", "件", "↑", 235, 310),
        figure_row("2-1", "換価金額", "円", "↑", 21925394, 21780983),
        figure_row("2-1", "不納欠損金額", "円", "↓", 37507682, 32122594),
        figure_row("2-1", "滞納整理機構移管 徴収金額", "円", "↑", 12449815, 15885406),
        # 参考値 (→): borrowing has no good or bad direction.
        figure_row("2-2", "合併特例債", "千円", "→", "1,167,400千円", "347,800千円",
                   "令和4年度は決算額、令和5年度は予算額（決算未確定）"),
        figure_row("2-2", "広告事業 市ホームページ", "円", "↑", 560000, 600000),
        figure_row("2-2", "ネーミングライツ", "円", "↑", 450000, 450000),
        figure_row("3-1", "市有地賃貸料決算額", "円", "↑", 24122814, 21653896),
        figure_row("3-1", "市有地賃貸料 対前年度増減", "円", "→", "-", "△2,468,918", "担当者が計算して記入"),
        figure_row("3-1", "市有地売却代決算額", "円", "↑", 1743667, 4262990),
    ]
    return kpis, survey, figures


def _zaimu() -> ExampleSubmission:
    """財務部: 菊川市 視点2 財政・税務・財産運用・市有地."""
    kpis, survey, figures = _zaimu_rows()
    return ExampleSubmission(
        filename="04_財務部.xlsx",
        basic=basic_info("財務部", "横地 三郎", "財政課 高橋 誠", "内線 2401", dt.date(2024, 4, 12)),
        kpis=kpis,
        survey=survey,
        figures=figures,
        description="税務の数値（滞納者数は↓）、千円単位の「1,167,400千円」、△で入力された増減「△2,468,918」、番号は 2-1 形式。",
    )


def _chiiki_shien() -> ExampleSubmission:
    """地域支援部: 菊川市 視点3 (1) 協働 + ふるさと納税事業; the file with real errors."""
    kyodo = "協働のまちづくりの推進"
    koryu = "地域間交流の推進"
    kpis = [
        # Error: 約60人 is not a number (the seed's 目標値 is 60人).
        kpi_row("1-1", "SDGsの普及促進及び実践", "SDGsミーティング参加者数", "人", "↑", "約60人", "…", 20, "C", ESTIMATE),
        kpi_row("2-1", kyodo, "協働のまちづくり推進指針改定に参加する市民人数", "人", "↑", 30, "…", 6, "C"),
        kpi_row("2-2", koryu, "市内交流ツアー参加者数", "人", "↑", "1,500", "…", "1,487", "C"),
        # Error: 番号 2-2 used twice (should be 2-3).
        kpi_row("2-2", koryu, "定住促進事業の開催件数", "件", "↑", 15, "…", 14, "C"),
        kpi_row("3-1", "市民主体の地域価値向上に向けた活動の支援", "地域を元気にする活動応援事業の活用団体数", "団体", "↑",
                60, "…", 40, "C"),
        kpi_row("3-2", "地域人材を活用した関係人口の構築", "交流事業数", "件", "↑", 30, "…", 32, "A"),
    ]
    survey = [
        survey_row(
            "1", V3, "協働のまちづくり推進体制の整備", "菊川市協働の指針、地域コミュニティづくりの指針",
            "協働推進委員会を2回開催した。コミュニティ活性化事業にて全11地区を訪問してヒアリングを行い、"
            "NPOと協働するモデル事業を開催した。",
            "協働推進委員会を2回開催した。NPOや若者とのマッチングが11件あり、NPO活動及びワークショップのリストを"
            "各地区に情報提供した。",
        ),
        survey_row(
            "2", V3, "協働の担い手育成、機会・場の提供", "市民協働センター活動推進事業",
            "市民協働センター運営業務をNPO法人アートコロールきくがわに委託し、多様な主体をつなぐコーディネート等の事業を推進した。",
            "市民協働センター運営業務委託を更新し令和5～7年度の業務を委託した。地区コミュニティとNPO及び若者とのマッチングを追加した。",
        ),
        survey_row(
            "3", V3, "協働の担い手支援の充実", "1%地域づくり活動交付金制度",
            "1%地域づくり活動交付金事業は40団体が活動し、交付確定額は12,402,000円であった。"
            "人材育成講座（きくがわ未来塾 18人、高校生まちづくりスクール 17人）を開催した。",
            "1%地域づくり活動交付金事業は43団体が活動した。交付確定額は現在実績報告書の確認作業中である。"
            "人材育成講座（きくがわ未来塾 9人、高校生まちづくりスクール 5人）を開催した。",
        ),
        survey_row(
            "4", V2, "財産運用の推進（ふるさと納税事業）", "ふるさと納税事業、企業版ふるさと納税事業",
            "キャンプイベントの開催、送料の一部負担、静岡県立大生と連携した返礼品の追加等の結果、5,271件、117,858,500円の寄附に繋がった。",
            "ふるさと納税自動販売機の導入、新規ポータルサイトの追加、ガバメントクラウドファンディング等の結果、"
            "3,299件、92,434,000円の寄附に繋がった。",
        ),
    ]
    figures = [
        figure_row("1", "協働推進委員会 開催回数", "回", "↑", 2, 2),
        figure_row("1", "NPO・若者とのマッチング件数", "件", "↑", "-", 11, "令和5年度から委託仕様に追加"),
        figure_row("3", "1%地域づくり活動交付金 活動団体数", "団体", "↑", 40, 43),
        # Error: 集計中 is not a number (the seed: 交付確定額は現在実績報告書の確認作業中).
        figure_row("3", "1%地域づくり活動交付金 交付確定額", "円", "↑", 12402000, "集計中", "実績報告書の確認作業中"),
        figure_row("3", "きくがわ未来塾 参加者数", "人", "↑", 18, 9),
        # Error: 取り組み番号 3-2 is a KPI 番号; the 実績調査 has no row 3-2 (should be 3).
        figure_row("3-2", "きくがわ高校生まちづくりスクール 参加者数", "人", "↑", 17, 5),
        # Error: 単位 left empty.
        figure_row("3", "スキルアップ講座 開催回数", None, "↑", 3, 3),
        figure_row("4", "ふるさと納税 寄附件数", "件", "↑", 5271, 3299),
        figure_row("4", "ふるさと納税 寄附件数 対前年度増減", "件", "→", "-", "△1,972"),
        # Error: 令和5年度 typed in 千円 (92,434,000円 in the seed) under unit 円: a ~1/1000 jump.
        figure_row("4", "ふるさと納税 寄附額", "円", "↑", "117,858,500", 92434),
    ]
    return ExampleSubmission(
        filename="05_地域支援部.xlsx",
        basic=basic_info("地域支援部", "牧之 四郎", "地域支援課 伊藤 恵", "内線 2501", dt.date(2024, 4, 10)),
        kpis=kpis,
        survey=survey,
        figures=figures,
        has_errors=True,
        description="要修正：目標値「約60人」、交付確定額「集計中」、番号2-2の重複、存在しない取り組み番号3-2、"
        "単位の空欄、寄附額の円と千円の取り違え。",
    )


def _shicho_koshitsu() -> ExampleSubmission:
    """市長公室: 菊川市 視点3 (2)(3) 情報発信・市政懇談会."""
    kpis = [
        kpi_row("1", "インターネットメディアの効果的活用", "市ホームページアクセス件数", "万件", "↑", 450, "…", 416, "C"),
        # 基準値 of 平成29年度 (真庭市: 平成29年度30%、令和2年度34%、令和3年度33%): 進捗率 (34 − 30) / (39 − 30).
        kpi_row("2", "パブリシティ露出による認知度と信頼性の向上", "首都圏及び関西圏での市の認知度", "%", "↑",
                39, "…", "34%", "C", "令和3年度は33%", base="30%", base_year="平成29年度", target_year="令和6年度"),
        kpi_row("3", "政策形成における市民参画の推進", "対話カフェ参加者数", "人", "↑", 100, "…", 90, "C"),
        # 小美玉市 総合計画: 実績値 2016年 370位 → 将来値 2022年 300位.
        kpi_row("4", "戦略的シティプロモーションの推進", "住みよさランキング", "位", "↓", "300位", "…", "…", None,
                "最新の順位は未公表", base="370位", base_year=2016, target_year=2022),
    ]
    survey = [
        survey_row(
            "1", V3, "各種媒体を活用した情報発信の推進", "広報菊川・市ホームページ・公式SNS・茶こちゃんメール、市長記者会見",
            "広報紙や市ホームページ、市公式SNSを使い、市民に情報発信を行った。令和4年度から自治体広報情報サービスを活用し、"
            "テレビのdボタンで市の情報を発信した。",
            "市公式SNS等で情報発信を行った。「広報ホームページ委員会」を「情報発信推進委員会」に改め、"
            "職員に対し効果的な情報発信に関する研修を行った。",
        ),
        survey_row(
            "2", V3, "市政懇談会等による広聴活動の推進", "市政懇談会、市政への提言、皆様からの意見（ご意見箱）",
            "市政懇談会を開催し、市内全11地区を回り、延べ323人が参加した。",
            "市政懇談会を開催し、市内全11地区を回り、延べ326人が参加した。",
        ),
    ]
    figures = [
        figure_row("1", "Facebook 発信件数", "件", "↑", 828, 811),
        figure_row("1", "Instagram 発信件数", "件", "↑", 752, 667),
        figure_row("1", "LINE（プッシュ通知）発信件数", "件", "↑", 316, 401),
        figure_row("1", "LINE（VOOM）発信件数", "件", "↑", 658, 442),
        figure_row("1", "Twitter 発信件数", "件", "↑", 829, 793),
        figure_row("1", "dボタン 発信件数", "件", "↑", 193, 201),
        figure_row("2", "市政懇談会 参加者数（延べ）", "人", "↑", "323人", "326人"),
        figure_row("2", "市政懇談会 開催地区数", "地区", "↑", 11, 11),
    ]
    return ExampleSubmission(
        filename="06_市長公室.xlsx",
        basic=basic_info("市長公室", "赤土 五郎", "広報課 中村 彩", "内線 2601", dt.date(2024, 4, 11)),
        kpis=kpis,
        survey=survey,
        figures=figures,
        description="百分率「34%」（単位 %）と平成29年度の基準値からの進捗率、順位（位、方向↓）の基準値「370位」"
        "（2016年度）と目標値「300位」（2022年度）、単位「万件」、SNSの件数。",
    )


def example_submissions() -> list[ExampleSubmission]:
    """The example inbox: one file per submitting department (every roster entry but one)."""
    return [
        _sogo_seisaku(),
        _kikaku_seisaku(),
        _somu(),
        _zaimu(),
        _chiiki_shien(),
        _shicho_koshitsu(),
    ]


def duplicate_submission() -> ExampleSubmission:
    """An older first version of 財務部's file (earlier 作成日), to demo the 重複 status.

    It was sent before the 市有地 figures were added and before the 合併特例債 of 令和5年度 was
    entered; the later ``04_財務部.xlsx`` replaces it.
    """
    kpis, survey, figures = _zaimu_rows()
    figures = [dict(f) for f in figures if f["initiative_no"] != "3-1"]
    for row in figures:
        if row["item"] == "合併特例債":
            row["curr"] = "…"
            row["note"] = "令和5年度は確認中"
    return ExampleSubmission(
        filename="04_財務部_第1版.xlsx",
        basic=basic_info("財務部", "横地 三郎", "財政課 高橋 誠", "内線 2401", dt.date(2024, 4, 5)),
        kpis=kpis,
        survey=[s for s in survey if s["no"] != "3-1"],
        figures=figures,
        description="財務部の古い版（作成日 2024/4/5）。04_財務部.xlsx と重複。",
    )


def example_config_toml() -> str:
    """A kpitool.toml for the demo: 菊川市, 令和4・5年度, the roster; default grade thresholds."""
    departments = "\n".join(f'  "{name}",' for name in ROSTER)
    return (
        "# kpitool の設定ファイル（デモ用）\n"
        f'municipality = "{MUNICIPALITY}"\n'
        "\n"
        "# 前年度と当年度（西暦）: 令和4年度・令和5年度\n"
        f"fiscal_years = [{FISCAL_YEARS[0]}, {FISCAL_YEARS[1]}]\n"
        "\n"
        "# 部局の名簿（提出状況はこの名簿で判定します）\n"
        "departments = [\n"
        f"{departments}\n"
        "]\n"
        "\n"
        "# 達成状況の区分は既定値（scheme = \"judgement\"）: 各部局が判断し、A（目標どおり達成）・\n"
        "# B（達成したが課題が残る）は達成率100%以上、C（達成できなかった）は100%未満です。\n"
        "\n"
        "[template]\n"
        'submit_to = "企画政策課"\n'
        'submit_contact = "内線 2201 / kikaku@city.kikugawa.example.jp"\n'
        "\n"
        "[survey]\n"
        "# 実績調査の視点と中見出し（菊川市 行政経営推進方針2022 の順）\n"
        "viewpoints = [\n"
        + "".join(f'  {{ name = "{v}", headings = [{", ".join(chr(34) + h + chr(34) for h in hs)}] }},\n'
                  for v, hs in VIEWPOINTS.items())
        + "]\n"
    )
