"""Every kind of finding, registered once: its code, severity and Japanese texts.

This module and :mod:`kpitool.codes_file` (the FILE, TPL and STRUCT codes, re-exported here) are
the only ones that add to :data:`kpitool.findings.CATALOGUE`; import the catalogue from here (``from kpitool.codes import CATALOGUE``) so that every code is registered before it
is used. Each code is also a module constant, so rules and tests name codes without typing
strings. ``docs/findings.md`` is generated from this catalogue (``python -m
kpitool.build.findings_doc``), and a test keeps it current.

Codes are ``E-<GROUP>-NNN`` for エラー, ``W-<GROUP>-NNN`` for 警告 and ``I-<GROUP>-NNN`` for 情報; a code is never reused for
another meaning. Message templates may use ``{value}`` (the value as written), ``{label}`` (the
column or field), ``{sheet}``, ``{cell}`` and the named parameters each rule passes.
"""

from __future__ import annotations

from kpitool.codes_file import (  # FILE, TPL and STRUCT: registered first
    FILE_BAD_SHARED_STRING,
    FILE_CSV_OR_TEXT,
    FILE_DAMAGED,
    FILE_DUPLICATE_SHEET_NAMES,
    FILE_EMPTY,
    FILE_ENCRYPTED,
    FILE_EXTERNAL_LINKS,
    FILE_HAS_MACROS,
    FILE_HIDDEN_SHEET,
    FILE_LEGACY_XLS,
    FILE_NOT_A_ZIP,
    FILE_NOT_FOUND,
    FILE_NOT_SPREADSHEET,
    FILE_STRICT_OOXML,
    FILE_TOO_LARGE,
    FILE_UNREADABLE,
    FILE_XLSB,
    FILE_XML_ATTACK,
    FILE_ZIP_BOMB,
    STRUCT_EMPTY_TABLE,
    STRUCT_EXTRA_COLUMN,
    STRUCT_MISSING_COLUMN,
    STRUCT_MISSING_HEADER_ROW,
    STRUCT_MISSING_LABEL,
    STRUCT_MISSING_SHEET,
    STRUCT_TOO_MANY_ROWS,
    TPL_NO_IDENTITY,
    TPL_NOT_TEMPLATE,
    TPL_VERSION,
    TPL_YEARS,
)
from kpitool.findings import CATALOGUE, Severity

__all__ = ["CATALOGUE", "FILE_BAD_SHARED_STRING", "FILE_CSV_OR_TEXT", "FILE_DAMAGED", "FILE_DUPLICATE_SHEET_NAMES", "FILE_EMPTY", "FILE_ENCRYPTED", "FILE_EXTERNAL_LINKS", "FILE_HAS_MACROS", "FILE_HIDDEN_SHEET", "FILE_LEGACY_XLS", "FILE_NOT_A_ZIP", "FILE_NOT_FOUND", "FILE_NOT_SPREADSHEET", "FILE_STRICT_OOXML", "FILE_TOO_LARGE", "FILE_UNREADABLE", "FILE_XLSB", "FILE_XML_ATTACK", "FILE_ZIP_BOMB", "GROUP_TITLES", "STRUCT_EMPTY_TABLE", "STRUCT_EXTRA_COLUMN", "STRUCT_MISSING_COLUMN", "STRUCT_MISSING_HEADER_ROW", "STRUCT_MISSING_LABEL", "STRUCT_MISSING_SHEET", "STRUCT_TOO_MANY_ROWS", "TPL_NOT_TEMPLATE", "TPL_NO_IDENTITY", "TPL_VERSION", "TPL_YEARS"]

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

# Group -> its heading in docs/findings.md (and in the report's code list).
GROUP_TITLES: dict[str, str] = {
    "FILE": "ファイル",
    "TPL": "提出様式",
    "STRUCT": "シート・見出し",
    "BASIC": "基本情報",
    "KPI": "事業成果目標",
    "SURVEY": "実績調査",
    "FIG": "実績数値",
    "NUM": "数値",
    "UNIT": "単位・桁",
    "DATE": "日付",
    "CELL": "セル",
    "HIST": "前年度の集約ファイルとの照合",
    "RUN": "実行",
    "NARR": "実績の文章と数値",
}

# --- BASIC: 基本情報 ---------------------------------------------------------------------

BASIC_REQUIRED = CATALOGUE.add(
    "E-BASIC-001", E, "必須項目が空欄です",
    "「{label}」が入力されていません。",
    "{prompt}",
    "BASIC",
)
BASIC_NOT_IN_ROSTER = CATALOGUE.add(
    "E-BASIC-002", E, "部局名が名簿にありません",
    "部局名「{value}」は名簿にありません。{suggestion}",
    "一覧から部局名を選んでください（名簿の名前と一字一句同じにします）。",
    "BASIC",
)
BASIC_MUNICIPALITY = CATALOGUE.add(
    "E-BASIC-003", E, "自治体名が違います",
    "自治体名「{value}」が設定の「{expected}」と一致しません。",
    "自治体名を「{expected}」としてください。ほかの自治体のファイルでないかも確認してください。",
    "BASIC",
)
BASIC_DATE_IMPLAUSIBLE = CATALOGUE.add(
    "W-BASIC-001", W, "作成日が不自然です",
    "作成日 {date} は{reason}。",
    "作成日を確認してください。",
    "BASIC",
)

# --- KPI: 事業成果目標 -------------------------------------------------------------------

KPI_DUPLICATE_NO = CATALOGUE.add(
    "E-KPI-001", E, "番号が重複しています",
    "番号「{value}」が{first}と重複しています。",
    "指標ごとに別の番号を付けてください（同じ指標には毎年同じ番号を使います）。",
    "KPI",
)
KPI_REQUIRED = CATALOGUE.add(
    "E-KPI-002", E, "必須項目が空欄です",
    "「{label}」が入力されていません。",
    "{prompt}",
    "KPI",
)
KPI_BAD_DIRECTION = CATALOGUE.add(
    "E-KPI-003", E, "方向が正しくありません",
    "方向「{value}」は ↑・↓・→ のどれでもありません。",
    "一覧から ↑（高いほど良い）・↓（低いほど良い）・→（参考値）のどれかを選んでください。",
    "KPI",
)
KPI_BAD_GRADE = CATALOGUE.add(
    "E-KPI-004", E, "達成状況の区分が正しくありません",
    "達成状況「{value}」は区分（{grades}）にありません。",
    "一覧から {grades} のいずれかを選んでください。",
    "KPI",
)
KPI_GRADE_INCONSISTENT = CATALOGUE.add(
    "W-KPI-001", W, "達成状況が区分の基準と合いません",
    "達成状況「{grade}」は{requirement}の区分ですが、目標値 {target} と実績 {actual} から計算した達成率は {rate} です。",
    "目標値・実績・方向の値を確認してください。区分の基準: {criteria}",
    "KPI",
)
KPI_BAD_YEAR = CATALOGUE.add(
    "E-KPI-005", E, "年度として読めません",
    "「{label}」の「{value}」は年度として読めません。",
    "2016、2016年度、平成28年度、R4 のように年度を入力してください。",
    "KPI",
)
KPI_YEAR_ORDER = CATALOGUE.add(
    "W-KPI-002", W, "目標年度が基準年度より前です",
    "目標年度 {target_year}年度 が基準年度 {base_year}年度 より前です。",
    "基準年度と目標年度が入れ替わっていないか確認してください。",
    "KPI",
)
KPI_TARGET_EMPTY = CATALOGUE.add(
    "W-KPI-003", W, "目標値が空欄です",
    "「{label}」も備考も入力されていないため、目標なしとして扱い、達成率を計算しません。",
    "目標がある場合は目標値を数値で入力してください。数値でない目標は目標値に文章で入力して備考に説明を書き、"
    "目標を設定していない場合は -（該当なし）と入力してください。",
    "KPI",
)
KPI_RESULT_EMPTY = CATALOGUE.add(
    "W-KPI-004", W, "実績が空欄です",
    "「{label}」が入力されていません（空欄の実績は達成率の計算や評価に使われません）。",
    "実績を数値で入力してください。該当がない場合は -（該当なし）、まだ分からない場合は …（不詳）と入力し、"
    "備考に理由を書いてください。",
    "KPI",
)

# --- SURVEY: 実績調査 --------------------------------------------------------------------

SURVEY_DUPLICATE_NO = CATALOGUE.add(
    "E-SURVEY-001", E, "番号が重複しています",
    "番号「{value}」が{first}と重複しています。",
    "取り組みごとに別の番号を付けてください。",
    "SURVEY",
)
SURVEY_REQUIRED = CATALOGUE.add(
    "E-SURVEY-002", E, "必須項目が空欄です",
    "「{label}」が入力されていません。",
    "{prompt}",
    "SURVEY",
)
SURVEY_YEAR_EMPTY = CATALOGUE.add(
    "W-SURVEY-001", W, "実績が空欄です",
    "「{label}」が入力されていません。",
    "実績を文章で入力してください。該当がない場合は -（該当なし）と入力してください。",
    "SURVEY",
)
SURVEY_UNKNOWN_VIEWPOINT = CATALOGUE.add(
    "W-SURVEY-002", W, "視点が一覧にありません",
    "視点「{value}」は設定の視点の一覧にありません（公表用の表では「その他」に並びます）。",
    "視点の列のドロップダウンから選んでください（一覧: {choices}）。",
    "SURVEY",
)

# --- FIG: 実績数値 -----------------------------------------------------------------------

FIG_UNKNOWN_INITIATIVE = CATALOGUE.add(
    "E-FIG-001", E, "取り組み番号が実績調査にありません",
    "取り組み番号「{value}」は実績調査シートにありません。",
    "実績調査シートの番号（{numbers}）から入力してください。",
    "FIG",
)
FIG_DUPLICATE_ITEM = CATALOGUE.add(
    "E-FIG-002", E, "項目が重複しています",
    "取り組み番号「{initiative}」の項目「{value}」が{first}と重複しています。",
    "同じ取り組みの中では、項目ごとに別の名前を付けてください。",
    "FIG",
)
FIG_REQUIRED = CATALOGUE.add(
    "E-FIG-003", E, "必須項目が空欄です",
    "「{label}」が入力されていません。",
    "{prompt}",
    "FIG",
)
FIG_BAD_DIRECTION = CATALOGUE.add(
    "E-FIG-004", E, "方向が正しくありません",
    "方向「{value}」は ↑・↓・→ のどれでもありません。",
    "一覧から ↑（高いほど良い）・↓（低いほど良い）・→（参考値）のどれかを選んでください。",
    "FIG",
)

# --- NUM: numbers as users write them (kpitool.numbers.parse_number) ----------------------

_NUMBER_HINT = "数値だけを入力してください（例: 1234.5）。該当なしは -、不詳は …、秘匿は x と入力してください。"

NUM_NOT_A_NUMBER = CATALOGUE.add(
    "E-NUM-001", E, "数値として読めません",
    "「{value}」は数値として読めません。",
    _NUMBER_HINT,
    "NUM",
)
NUM_APPROXIMATE = CATALOGUE.add(
    "E-NUM-002", E, "概数・範囲は集計できません",
    "「{value}」は概数や範囲のため集計できません。",
    "確定した数値を入力してください。見込みの数値なら数値だけを入力し、備考に「見込み」と書いてください。",
    "NUM",
)
NUM_PENDING = CATALOGUE.add(
    "E-NUM-003", E, "数値が確定していません",
    "「{value}」は数値ではありません（未確定）。",
    "確定した数値を入力してください。まだ分からない場合は …（不詳）と入力し、備考に理由を書いてください。",
    "NUM",
)
NUM_MULTIPLE = CATALOGUE.add(
    "E-NUM-004", E, "数値が複数あります",
    "「{value}」には数値が複数あります。",
    "1つのセルには数値を1つだけ入力してください。別の数値は行を分けて入力してください。",
    "NUM",
)
NUM_DATE = CATALOGUE.add(
    "E-NUM-005", E, "数値の欄に日付があります",
    "数値の欄に日付「{value}」が入力されています。",
    "数値を入力してください。Excelが自動で日付に変えた場合は、セルの書式を「数値」にしてから入力し直してください。",
    "NUM",
)
NUM_BAD_RANK = CATALOGUE.add(
    "W-NUM-001", W, "順位が1以上の整数ではありません",
    "順位「{value}」が1以上の整数ではありません。",
    "順位は 1、2、3… の整数で入力してください。",
    "NUM",
)

NUM_OUT_OF_RANGE = CATALOGUE.add(
    "E-NUM-006", E, "数値が大きすぎます",
    "「{value}」は扱える範囲（絶対値{limit}以下）を超えています。",
    "桁や単位に誤りがないか確認し、正しい数値を入力してください。",
    "NUM",
)

# --- UNIT: units and orders of magnitude -------------------------------------------------

UNIT_MISMATCH = CATALOGUE.add(
    "E-UNIT-001", E, "単位が単位列と違います",
    "セルに書かれた単位「{typed}」が、単位列の「{unit}」と違います。",
    "{suggestion}単位列の単位（{unit}）で表した数値だけを入力してください。",
    "UNIT",
)
UNIT_YEAR_JUMP = CATALOGUE.add(
    "W-UNIT-001", W, "前年度から桁が大きく変わっています",
    "前年度 {prev} と当年度 {curr} で約{ratio}倍の差があります{cause}。",
    "単位の取り違えや桁の誤りがないか確認してください。正しい場合は備考に理由を書いてください。",
    "UNIT",
)
UNIT_TARGET_JUMP = CATALOGUE.add(
    "W-UNIT-002", W, "目標値と実績の桁が大きく違います",
    "目標値 {target} と実績 {actual} で約{ratio}倍の差があります{cause}。",
    "目標値と実績が同じ単位で入力されているか確認してください。",
    "UNIT",
)
UNIT_RANK_UP = CATALOGUE.add(
    "W-UNIT-003", W, "順位の指標が「高いほど良い」になっています",
    "単位「{unit}」は順位ですが、方向が「↑（高いほど良い）」です。順位は数が小さいほど上位なので、"
    "このままでは順位が下がると改善・達成と計算されます。",
    "順位が上がる（数が小さくなる）ほど良い指標なら方向を「↓（低いほど良い）」にしてください。",
    "UNIT",
)

# --- HIST: the 前年度 values against the previous cycle's master (kpitool.validation.restated)

HIST_RESTATED = CATALOGUE.add(
    "W-HIST-001", W, "前年度の値が前年度の集約ファイルと違います",
    "{what}の{year}の値 {submitted} が、前年度に集約した値 {recorded}（{master} の {master_cell}）と違います。",
    "前年度の値を修正した（確定値への更新など）場合は、備考に理由を書いてください。"
    "誤りの場合は前年度に集約した値に戻してください。",
    "HIST",
)

# --- DATE: dates (kpitool.dates.parse_date) ----------------------------------------------

DATE_NOT_A_DATE = CATALOGUE.add(
    "E-DATE-001", E, "日付として読めません",
    "「{value}」は日付として読めません。",
    "2024/4/1 または 令和6年4月1日 の形で入力してください。",
    "DATE",
)
DATE_IMPOSSIBLE = CATALOGUE.add(
    "E-DATE-002", E, "存在しない日付です",
    "「{value}」は存在しない日付です{detail}。",
    "正しい日付を入力してください（例: 2024/4/1）。",
    "DATE",
)
DATE_AMBIGUOUS = CATALOGUE.add(
    "E-DATE-003", E, "年月日が分かりません",
    "「{value}」では年・月・日が分かりません。",
    "年・月・日をすべて入力してください（例: 2024/4/1、令和6年4月1日）。",
    "DATE",
)

# --- CELL: what any cell may hold -------------------------------------------------------

CELL_FORMULA_ERROR = CATALOGUE.add(
    "E-CELL-001", E, "数式のエラー",
    "セルが {value} のエラーになっています。",
    "数式を直すか、数値を直接入力してください。",
    "CELL",
)
CELL_UNCACHED_FORMULA = CATALOGUE.add(
    "E-CELL-002", E, "計算されていない数式",
    "数式の計算結果が保存されていません（Excel以外のソフトで作成・保存された可能性があります）。",
    "Excelで開いて保存し直してから提出してください。",
    "CELL",
)
CELL_CONTROL_CHARS = CATALOGUE.add(
    "E-CELL-003", E, "制御文字があります",
    "目に見えない制御文字が含まれています。",
    "セルの内容を入力し直してください（ほかのシステムから貼り付けた文字に含まれることがあります）。",
    "CELL",
)
CELL_ID_AS_DATE = CATALOGUE.add(
    "E-CELL-004", E, "番号が日付に変わっています",
    "番号が日付（{value}）として保存されています。Excelが 1-1 などを日付に自動変換した可能性があります。",
    "セルの書式を「文字列」にしてから番号（例: 1-1）を入力し直してください。",
    "CELL",
)
CELL_TEXT_TOO_LONG = CATALOGUE.add(
    "E-CELL-005", E, "文字数が多すぎます",
    "{count}文字あります。Excelの1つのセルに入るのは{limit}文字までです。",
    "{limit}文字以内に短くしてください。詳しい内容は別の資料にしてください。",
    "CELL",
)
CELL_SPACES = CATALOGUE.add(
    "W-CELL-001", W, "前後に空白があります",
    "先頭または末尾に空白があります。",
    "余分な空白を削除してください。",
    "CELL",
)
CELL_FORMULA_LIKE = CATALOGUE.add(
    "W-CELL-002", W, "数式のように見える文字列",
    "「{value}」は = + - @ で始まるため数式と誤解されるおそれがあります。文字列のまま取り込みます。",
    "意図した入力か確認してください。箇条書きの記号には「・」を使ってください。",
    "CELL",
)
CELL_FORMULA = CATALOGUE.add(
    "W-CELL-003", W, "数式が入力されています",
    "数式が入力されています。保存されている計算結果「{value}」を取り込みます。",
    "値で入力することをおすすめします（コピーして「値の貼り付け」）。",
    "CELL",
)
CELL_INVISIBLE_CHARS = CATALOGUE.add(
    "W-CELL-004", W, "見えない文字があります",
    "{label}に見えない文字 {chars} があります。文字の並びが逆に表示されたり、同じに見える値が別の値として扱われたりします。集約ファイルとCSVでは <U+XXXX> の形で表示します。",
    "その文字を削除してください（ほかの文書やWebページからのコピー＆ペーストで紛れ込むことがあります）。",
    "CELL",
)
CELL_TEXT_CUT_IN_PRINT = CATALOGUE.add(
    "W-CELL-005", W, "1行に印刷しきれない長さの文章",
    "{count}文字あり、集約ファイルの実績調査シートの1行（Excelの行の高さは409ポイントまで）には"
    "印刷しきれません（約{lines}行分、1行に入るのは約{limit}行分）。",
    "集約ファイルの「実績調査（公表用）」シートでは、段落や①②③の区切りで次の行に続けて印刷します。"
    "段落ごとに改行（Alt+Enter）し、項目は①②③で始めると、区切りのよい所で分かれます。",
    "CELL",
)

# --- NARR: the 実績 texts against 実績数値 (kpitool.narrative.consistency) ---------------

NARR_UNCONFIRMED = CATALOGUE.add(
    "E-NARR-001", E, "取り込んだ内容が確認されていません",
    "公表済みの実績調査から取り込んだ内容に【要確認】の印が残っています。",
    "文章と数値を元の資料と照らして確認し、正しければ【要確認】を消してください（方向も選んでください）。"
    "誤っていれば直してください。確認されるまで集約に含めません。",
    "NARR",
)
NARR_FIGURE_DIFFERS = CATALOGUE.add(
    "W-NARR-001", W, "実績の文章と実績数値が違います",
    "実績調査の文章（{text_cell}）では「{quote}」ですが、実績数値の「{item}」（{unit}）は {figure} です。",
    "どちらが正しいか確認し、文章か実績数値のどちらかを直してください。",
    "NARR",
)
NARR_FIGURE_WITHOUT_ROW = CATALOGUE.add(
    "I-NARR-001", INFO, "文章の数値に実績数値の行がありません",
    "文章の「{quote}」に当たる行が、実績数値の取り組み番号「{initiative}」にありません。",
    "集計する数値なら、実績数値シートに 取り組み番号 {initiative}・項目「{item}」・単位「{unit}」・{values} "
    "の行を追加してください（自動では追加しません）。集計しない数値なら、このままで構いません。",
    "NARR",
)

# --- RUN: kpitool itself failed on this file --------------------------------------------

RUN_RULE_FAILED = CATALOGUE.add(
    "E-RUN-100", E, "検証中の内部エラー",
    "検証規則「{rule}」の実行中に内部エラー（{error}）が起きました。この規則の結果は含まれていません。",
    "kpitool の不具合の可能性があります。このファイルを添えて担当者に連絡してください。",
    "RUN",
)
RUN_READ_FAILED = CATALOGUE.add(
    "E-RUN-101", E, "読み取り中の内部エラー",
    "ファイルの読み取り中に内部エラー（{error}）が起きました。",
    "kpitool の不具合の可能性があります。このファイルを添えて担当者に連絡してください。",
    "RUN",
)

# --- consolidation (kpitool.consolidate) ---
# INBOX/CONS codes for the consolidation step are registered below this line.

GROUP_TITLES["INBOX"] = "受付フォルダ"
GROUP_TITLES["CONS"] = "集約"

DUPLICATE_TIE = CATALOGUE.add(
    "W-CONS-001", W, "どれが最新か分からないファイルがあります",
    "部局「{department}」のファイル{files}は作成日（{value}）が同じで、更新日時の差も{seconds}秒以内のため、"
    "どれが新しいか分かりません。エラーのない「{chosen}」を集約しました。",
    "どのファイルが最新か部局に確認し、古いファイルを受付フォルダから外してください。",
    "CONS",
)
DUPLICATE_UNDECIDED = CATALOGUE.add(
    "E-CONS-001", E, "どのファイルを集約するか決められません",
    "部局「{department}」のファイル{files}は作成日（{value}）が同じで、更新日時の差も{seconds}秒以内のため、"
    "どれが最新か決められません。どのファイルも集約していません（要確認）。",
    "どのファイルが最新か部局に確認し、ほかのファイルを受付フォルダから外してから、もう一度実行してください。",
    "CONS",
)
CONS_UNIT_MISMATCH = CATALOGUE.add(
    "W-CONS-003", W, "単位が違うため増減を計算しません",
    "「{value}」の単位「{typed}」が、この行の単位「{unit}」と違うため、増減・達成率を計算しません{scale}。",
    "単位列の単位で表した数値だけを入力してください（例: 単位が千円なら 1,167,400）。",
    "CONS",
)
CONS_SAME_INDICATOR = CATALOGUE.add(
    "W-CONS-004", W, "同じ指標の値が部局によって違います",
    "指標「{indicator}」（{unit}）の{year}が、{here} では {value}、{there} では {other} です。",
    "同じ指標なら、どちらの値が正しいか両部局に確認してください。別の指標なら指標名を区別してください。",
    "CONS",
)
INBOX_FILE_CHANGED = CATALOGUE.add(
    "W-INBOX-001", W, "集約中にファイルが変更されました",
    "集約の実行中に、このファイルが変更・差し替え・削除されました。集約ファイルには読み込んだ時点の内容"
    "（SHA-256 {value}）が入っています。",
    "ファイルの保存や差し替えが終わってから、もう一度集約してください。",
    "INBOX",
)
INBOX_LINK_OUTSIDE = CATALOGUE.add(
    "E-INBOX-001", E, "受付フォルダの外を指すリンク",
    "受付フォルダの外にあるファイル（{value}）へのリンク（ショートカット）です。受付フォルダに置かれたファイルだけを読み取ります。",
    "リンクではなく、提出ファイルそのものを受付フォルダに保存してください。",
    "INBOX",
)
