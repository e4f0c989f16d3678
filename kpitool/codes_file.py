"""Findings about the file itself: can it be read as a workbook, and is it this year's template.

The FILE (:class:`kpitool.package.FileProblem`), TPL and STRUCT
(:class:`kpitool.reader.StructureProblem`) codes, registered in :data:`kpitool.findings.CATALOGUE`
before the codes about cell values. Import them through :mod:`kpitool.codes`, which re-exports
every code, so that the whole catalogue is registered wherever one code is used.
"""

from __future__ import annotations

from kpitool.findings import CATALOGUE, Severity

E, W = Severity.ERROR, Severity.WARNING

_REOPEN = "Excelで開いて「名前を付けて保存」で「Excel ブック（*.xlsx）」を選び、保存し直してから提出してください。"
_USE_TEMPLATE = "配布された提出様式（.xlsx）に入力して提出してください（提出先は様式の「記入方法」にあります）。"

# --- FILE: the file cannot be read as a workbook (kpitool.package.FileProblem) --------------

FILE_NOT_FOUND = CATALOGUE.add(
    "E-FILE-001", E, "ファイルを開けません",
    "ファイルが見つからないか、開けません。",
    "ファイルが移動・削除されていないか、ほかのアプリで開いたままになっていないか確認してください。",
    "FILE",
)
FILE_EMPTY = CATALOGUE.add(
    "E-FILE-002", E, "空のファイル",
    "ファイルの大きさが0バイトです。保存やコピーが途中で失敗した可能性があります。",
    "Excelで開いて内容を確認し、保存し直してから提出してください。",
    "FILE",
)
FILE_LEGACY_XLS = CATALOGUE.add(
    "E-FILE-003", E, "古い形式（.xls）のファイル",
    "Excel 97-2003 形式（.xls）のファイルです。この形式は読み取れません。",
    _USE_TEMPLATE,
    "FILE",
)
FILE_ENCRYPTED = CATALOGUE.add(
    "E-FILE-004", E, "パスワード付きのファイル",
    "パスワードで保護（暗号化）されているため、内容を読み取れません。",
    "「ファイル」→「情報」→「ブックの保護」→「パスワードを使用して暗号化」でパスワードを消し、"
    "保存し直してから提出してください。",
    "FILE",
)
FILE_XLSB = CATALOGUE.add(
    "E-FILE-005", E, "バイナリ形式（.xlsb）のファイル",
    "Excel バイナリ ブック（.xlsb）形式のファイルです。この形式は読み取れません。",
    _REOPEN,
    "FILE",
)
FILE_CSV_OR_TEXT = CATALOGUE.add(
    "E-FILE-006", E, "CSV・テキストのファイル",
    "Excelのブックではなく、CSVやテキストのファイルです（拡張子だけが .xlsx になっています）。",
    _USE_TEMPLATE,
    "FILE",
)
FILE_NOT_A_ZIP = CATALOGUE.add(
    "E-FILE-007", E, "Excelのファイルではありません",
    "Excelのファイルではありません（画像やほかのアプリのファイルの可能性があります）。",
    _USE_TEMPLATE,
    "FILE",
)
FILE_DAMAGED = CATALOGUE.add(
    "E-FILE-008", E, "壊れたファイル",
    "ファイルが壊れているか、途中までしか保存・送信されていません。",
    "元のファイルをExcelで開けるか確認し、保存し直してからもう一度提出してください。",
    "FILE",
)
FILE_NOT_SPREADSHEET = CATALOGUE.add(
    "E-FILE-009", E, "Excelのブックではありません",
    "Excelのブックとして必要な部分がありません（WordやLibreOfficeなど別の形式の可能性があります）。",
    _USE_TEMPLATE,
    "FILE",
)
FILE_STRICT_OOXML = CATALOGUE.add(
    "E-FILE-010", E, "Strict Open XML 形式のファイル",
    "「Strict Open XML スプレッドシート」形式で保存されています。この形式は読み取れません。",
    _REOPEN,
    "FILE",
)
FILE_ZIP_BOMB = CATALOGUE.add(
    "E-FILE-011", E, "展開すると大きすぎるファイル",
    "展開後の大きさや部品の数が上限を超えるため、安全のため読み取りません。",
    "不要なシートや画像を削除するか、配布した提出様式に入力し直してから提出してください。",
    "FILE",
)
FILE_XML_ATTACK = CATALOGUE.add(
    "E-FILE-012", E, "安全でない記述を含むファイル",
    "安全でないXMLの記述（DTD・外部参照）を含むため、読み取りません。",
    _USE_TEMPLATE,
    "FILE",
)
FILE_TOO_LARGE = CATALOGUE.add(
    "E-FILE-013", E, "大きすぎるファイル",
    "ファイルが大きすぎるため読み取りません。",
    "不要なシートや画像を削除するか、配布した提出様式に入力し直してから提出してください。",
    "FILE",
)
FILE_UNREADABLE = CATALOGUE.add(
    "E-FILE-014", E, "ブックの内容を読み取れません",
    "ブックの内容を読み取れません（{error}）。",
    _REOPEN,
    "FILE",
)
FILE_DUPLICATE_SHEET_NAMES = CATALOGUE.add(
    "E-FILE-015", E, "同じ名前のシートがあります",
    "シート名「{value}」が、前後の空白・全角半角・大文字小文字の違いだけでほかのシートと同じです。どちらのシートを読むべきか決められません。",
    "不要なほうのシートを削除し、提出様式のシート名に戻してから提出してください。",
    "FILE",
)
FILE_BAD_SHARED_STRING = CATALOGUE.add(
    "E-FILE-016", E, "セルの文字列の参照が壊れています",
    "セル {cell} の文字列の参照（{value}）が、ブック内の文字列を指していません。別のソフトで書き出したか、ファイルが壊れている可能性があります。",
    _REOPEN,
    "FILE",
)
FILE_HIDDEN_SHEET = CATALOGUE.add(
    "E-FILE-017", E, "提出様式のシートが非表示です",
    "シート「{value}」（{state}）は提出様式のシートの名前ですが、非表示になっています。表示されているシートだけを読み取るため、どちらを読むべきか決められません。",
    "シートを再表示する（シート見出しを右クリックして「再表示」）か、不要なシートを削除してから提出してください。",
    "FILE",
)
FILE_HAS_MACROS = CATALOGUE.add(
    "W-FILE-001", W, "マクロを含むファイル",
    "マクロ（VBA）を含んでいます。マクロは実行せず、セルの値だけを読み取ります。",
    "提出様式はマクロなしの .xlsx です。配布した提出様式に入力してください。",
    "FILE",
)
FILE_EXTERNAL_LINKS = CATALOGUE.add(
    "W-FILE-002", W, "外部リンクを含むファイル",
    "ほかのブックへのリンクが{count}件あります。リンク先は更新せず、保存されている値を読み取ります。",
    "値を貼り付けてリンクを解除してから提出してください（「データ」→「リンクの編集」→「リンクの解除」）。",
    "FILE",
)

# --- TPL: the workbook is not this year's kpitool template ---------------------------------

TPL_NOT_TEMPLATE = CATALOGUE.add(
    "E-TPL-001", E, "提出様式ではありません",
    "このブックは kpitool の提出様式ではありません（「基本情報」「事業成果目標」などのシートがありません）。",
    _USE_TEMPLATE,
    "TPL",
)
TPL_NO_IDENTITY = CATALOGUE.add(
    "W-TPL-001", W, "様式の識別情報がありません",
    "様式の識別情報（非表示のシート）がありません。シートを別のブックにコピーした可能性があります。",
    "配布した提出様式のファイルそのものに入力して提出してください。",
    "TPL",
)
TPL_VERSION = CATALOGUE.add(
    "E-TPL-002", E, "様式の版が違います",
    "この提出様式は第{found}版です。現在の様式は第{expected}版で、列が異なるため集約できません。",
    "最新の提出様式（第{expected}版）を提出先から受け取り、入力した内容を貼り付けて提出し直してください。"
    "第2版では実績調査の「主な取り組み」を「取り組み名」と「内容」の2列に分け、視点は一覧から選びます。",
    "TPL",
)
TPL_YEARS = CATALOGUE.add(
    "E-TPL-003", E, "年度が違う様式です",
    "{found}の様式です。今回は{expected}の様式で提出してください。{advice}",
    "今回配布された提出様式に入力し直してください。集約する課は、前年度の集約ファイルから "
    "`kpitool rollover 集約ファイル -o フォルダ` で、前年度の値を転記した今年度の様式を部局ごとに作成できます。",
    "TPL",
)

# --- STRUCT: sheets, header rows and columns (kpitool.reader.StructureProblem) -------------

STRUCT_MISSING_SHEET = CATALOGUE.add(
    "E-STRUCT-001", E, "シートがありません",
    "シート「{sheet}」がありません。",
    "シートを削除したり名前を変えたりしないでください。配布した提出様式からシートを戻してください。",
    "STRUCT",
)
STRUCT_MISSING_HEADER_ROW = CATALOGUE.add(
    "E-STRUCT-002", E, "表の見出し行が見つかりません",
    "シート「{sheet}」に表の見出し行（{value}）が見つかりません。",
    "見出しの行を削除したり書き換えたりしないでください。配布した提出様式の見出しに戻してください。",
    "STRUCT",
)
STRUCT_MISSING_COLUMN = CATALOGUE.add(
    "E-STRUCT-003", E, "見出しがありません",
    "見出し「{label}」が見つかりません。列を削除したか、見出しを書き換えた可能性があります。",
    "見出しを「{label}」に戻してください。",
    "STRUCT",
)
STRUCT_TOO_MANY_ROWS = CATALOGUE.add(
    "E-STRUCT-004", E, "行が多すぎます",
    "表の行数（{value}行）が上限の{limit}行を超えています。上限までの行だけを読み取りました。",
    "不要な行を削除してください。表の下に別の表やメモを置かないでください。",
    "STRUCT",
)
STRUCT_MISSING_LABEL = CATALOGUE.add(
    "E-STRUCT-005", E, "項目名が見つかりません",
    "項目名「{label}」が見つかりません。",
    "A列の項目名を「{label}」に戻し、B列に入力してください。",
    "STRUCT",
)
STRUCT_EXTRA_COLUMN = CATALOGUE.add(
    "W-STRUCT-001", W, "様式にない列",
    "様式にない列「{value}」があります。この列は取り込みません。",
    "必要なことは「備考」列に書いてください。",
    "STRUCT",
)
STRUCT_EMPTY_TABLE = CATALOGUE.add(
    "W-STRUCT-002", W, "入力がありません",
    "シート「{sheet}」に何も入力されていません。",
    "該当するものがない場合はそのままで構いません。入力漏れでないか確認してください。",
    "STRUCT",
)
