"""The small exception family of kpitool, and the codes users see that are not findings.

Data problems in a submission are *findings* (see :mod:`kpitool.findings`), never exceptions.
Exceptions are for misuse and for situations where a run cannot go on; each carries a
Japanese message for the user and, where it fits, a stable code.

Every such code — the run codes of these exceptions, of the return copy and of the Excel
buttons — is declared once in :data:`RUN_CODES` (a table of the one code registry,
:data:`kpitool.findings.CATALOGUE`) with a Japanese title and what to do, so that
``docs/findings.md`` lists it (``python -m kpitool.build.findings_doc``). This module stays free of
heavy imports: :mod:`kpitool.xl` and the page generator read the codes from here.
"""

from __future__ import annotations

from collections.abc import Iterator

from kpitool.findings import CATALOGUE, Catalogue, FindingType, Severity


class CodeTable:
    """A named table of codes that are not validation findings, kept in the one registry.

    Codes are declared once in :data:`kpitool.findings.CATALOGUE` (unique across findings,
    run and audit codes) with a Japanese title and what to do; the message is written where
    the code is raised or found (template ``{detail}``). Iterated in code order.
    """

    def __init__(self, name: str, *, registry: Catalogue = CATALOGUE) -> None:
        self.name = name
        self._registry = registry

    def add(self, code: str, title: str, hint: str = "") -> str:
        severity = Severity.WARNING if code.startswith("W-") else Severity.ERROR
        return self._registry.add(code, severity, title, "{detail}", hint, table=self.name)

    def __getitem__(self, code: str) -> FindingType:
        kind = self._registry[code]
        if kind.table != self.name:
            raise KeyError(code)
        return kind

    def __contains__(self, code: object) -> bool:
        return code in self._registry and self._registry[code].table == self.name  # type: ignore[index]

    def __iter__(self) -> Iterator[FindingType]:
        return iter(self._registry.table(self.name))

    def __len__(self) -> int:
        return len(self._registry.table(self.name))


# The run codes: configuration, files written, the Excel buttons (kpitool.xl).
RUN_CODES = CodeTable("run")

RUN_FAILED = RUN_CODES.add(
    "E-RUN-000", "kpitool の実行エラー（ほかのコードに当たらないもの）",
    "メッセージの内容を確認してください。解決しない場合は、コードとメッセージを担当者に伝えてください。",
)
CONFIG_INVALID = RUN_CODES.add(
    "E-CFG-001", "設定ファイルがないか、書式や値が正しくありません",
    "設定ファイル（kpitool.toml）の場所と中身を確認してください。"
    "Excel のパネルでは「設定」シートの「設定ファイル」を確認します。",
)
INPUT_UNUSABLE = RUN_CODES.add(
    "E-RUN-001", "指定したフォルダ・ファイルが見つからないか、使えません（提出ファイルがない・集約ファイルではない など）",
    "受付フォルダ・集約ファイル・出力先など、指定したパスを確認してください（パネルでは「設定」シート）。",
)
MASTER_LOCKED = RUN_CODES.add(
    "E-RUN-002", "集約ファイルを置き換えられません（Excel で開いている・読み取り専用・権限なし）",
    "集約ファイルを Excel で開いている場合は閉じてから、もう一度実行してください。",
)
RUN_IN_PROGRESS = RUN_CODES.add(
    "E-RUN-003", "同じ集約ファイルをほかの人が作成中です",
    "ほかの人が同じ集約ファイルを作成中です。終わってから、もう一度実行してください。",
)
WRITE_FAILED = RUN_CODES.add(
    "E-RUN-004", "出力ファイルを書き込めません（空き容量・権限）",
    "保存先の空き容量と書き込みの権限を確認してください。前のファイルはそのまま残っています。",
)
RETURN_COPY_FAILED = RUN_CODES.add(
    "E-RUN-005", "差し戻し用のコピーを作成できません（ほかのファイルの処理は続けます）",
    "検証の後でファイルが変更された場合は、もう一度検証してください。"
    "Excel のブックとして読めないファイルは、指摘の一覧を添えて部局に再提出を依頼してください。",
)
ROLLOVER_UNMATCHED = RUN_CODES.add(
    "W-ROLL-001", "前年度の集約ファイルにある部局が、新しい名簿にありません（kpitool rollover）",
    "組織改編で名前が変わった部局は、kpitool.toml の [rollover] renamed に 旧部局名 = 新部局名 を書いて"
    "もう一度実行してください。廃止された部局なら対応は不要です。",
)
PARQUET_MISSING = RUN_CODES.add(
    "E-RUN-020", "Parquet を書き出すための追加パッケージ（pyarrow）が入っていません（--parquet）",
    "`python -m pip install \"kpitool[parquet]\"`（または `pyarrow`）を入れてから、もう一度実行してください。"
    "このときは何も読み込まず、集約ファイルも作成していません。",
)
USAGE_INVALID = RUN_CODES.add(
    "E-RUN-010", "コマンド・オプションの指定が正しくありません（kpitool コマンドの使い方）",
    "表示された使い方と候補を確かめて、指定し直してください。"
    "`kpitool コマンド --help` で各コマンドの説明が出ます。",
)
PUBLISH_NO_LIBREOFFICE = RUN_CODES.add(
    "W-PUB-001", "LibreOffice がないため、公表用の PDF を作成しませんでした（HTML・CSV は作成）",
    "PDF も必要なら LibreOffice をインストールしてから、もう一度 kpitool publish を実行してください。",
)
PUBLISH_PDF_FAILED = RUN_CODES.add(
    "W-PUB-002", "LibreOffice で公表用の PDF を作成できませんでした（HTML・CSV は作成）",
    "LibreOffice を閉じてから、もう一度実行してください。解決しない場合は、集約ファイルの「実績調査（公表用）」"
    "シートを Excel で開いて PDF に保存してください。",
)
XL_SHEET_MISSING = RUN_CODES.add(
    "E-XL-001", "パネルのシート、または「設定」シートの項目名が見つかりません",
    "配布された kpitool_panel.xlsm を使うか、シート名と「設定」シートA列の項目名を元に戻してください。",
)
XL_SETTING_INVALID = RUN_CODES.add(
    "E-XL-002", "「設定」シートの値が空欄か、読めません",
    "「設定」シートのパスを入力し、当年度は 2023 や 令和5 のように書くか空欄にしてください。",
)
XL_LOCATION_UNKNOWN = RUN_CODES.add(
    "E-XL-003", "パネルの保存場所のフォルダが分かりません（未保存・OneDrive/SharePoint 上）",
    "パネルを PC またはファイルサーバーのフォルダに保存してから実行してください。",
)
XL_ACCESS_FAILED = RUN_CODES.add(
    "E-XL-004", "ファイル・フォルダにアクセスできません（ネットワーク切断・他の人が開いている・権限なし）",
    "ネットワークのフォルダなら接続を確かめ、ファイルを Excel で開いていれば閉じてから、もう一度実行してください。",
)
XL_XLWINGS_MISMATCH = RUN_CODES.add(
    "E-XL-005", "パネルの xlwings（VBA）と、Python に入っている xlwings の版が違います",
    "パネルを配布された版の kpitool に付いてきたものに取り替えるか、`pip install -c constraints.txt` で"
    "パネルと同じ版の xlwings を入れてください（`kpitool doctor` で確かめられます）。",
)
XL_PYTHON_MISSING = RUN_CODES.add(
    "E-XL-006", "パネルに指定した Python（python.exe）が見つからないか、壊れています（Python を入れ直した後の仮想環境など）",
    "「xlwings.conf」シートの Interpreter_Win を確かめ、壊れた仮想環境は README の手順で作り直してください。"
    "その間は同じフォルダの .cmd ランチャー（`kpitool init --launchers`）で実行できます。",
)
XL_KPITOOL_MISSING = RUN_CODES.add(
    "E-XL-007", "パネルに指定した Python に kpitool が入っていません",
    "その Python で `python -m pip install --no-index --find-links 配布フォルダ kpitool` を実行してください。",
)
XL_UNEXPECTED = RUN_CODES.add(
    "E-XL-900", "予期しないエラー",
    "パネルと同じフォルダの kpitool_error.log（書けない場所では %TEMP% のもの）を kpitool の担当者に送ってください。",
)


# What `kpitool doctor` (and the panel's 診断 button) reports about this PC's setup.
ENV_PYTHON_OLD = RUN_CODES.add(
    "E-ENV-001", "Python の版が古すぎます（3.11 以上が必要）",
    "Python 3.11 以上を入れ、README の「Windows での導入」の手順で仮想環境を作り直してください。",
)
ENV_XLWINGS_MISSING = RUN_CODES.add(
    "E-ENV-002", "この Python に xlwings が入っていません（Excel のボタンが動きません）",
    "`python -m pip install --no-index --find-links 配布フォルダ kpitool` で kpitool と一緒に入れ直してください。",
)
ENV_INTERPRETER_DIFFERS = RUN_CODES.add(
    "E-ENV-003", "パネルの Interpreter_Win が、この Python とは別の python.exe を指しています",
    "「xlwings.conf」シートの Interpreter_Win に、診断に表示した python.exe のパスを書いてください。",
)
ENV_FOLDER_READONLY = RUN_CODES.add(
    "E-ENV-004", "作業フォルダに書き込めません",
    "書き込みの権限があるフォルダにパネルと受付フォルダを置くか、情報政策課に権限を依頼してください。",
)
ENV_ONEDRIVE = RUN_CODES.add(
    "E-ENV-005", "作業フォルダが OneDrive/SharePoint の同期フォルダにあります（同期中の上書き・フォルダが分からない エラーの原因）",
    "PC のローカルフォルダ（例: C:\\KPI）かファイルサーバーの共有フォルダに移してください。",
)
ENV_SHARE_BY_IP = RUN_CODES.add(
    "E-ENV-006", "作業フォルダを IP アドレスの共有（\\\\192.168.…）で開いています。Office はインターネット ゾーンとして扱い、マクロを止めます",
    "共有はサーバー名（\\\\fileserver\\…）かドライブ文字で開くか、情報政策課にイントラネット ゾーンへの登録を依頼してください。",
)
ENV_LIBREOFFICE_MISSING = RUN_CODES.add(
    "E-ENV-007", "LibreOffice が見つかりません（PDF の出力と、数式の再計算による確認ができません）",
    "必要なら LibreOffice を入れてください。検証・集約・監査は LibreOffice なしで動きます。",
)
ENV_PANEL_MISSING = RUN_CODES.add(
    "E-ENV-008", "作業フォルダに操作パネル（kpitool_panel.xlsm）が見つからないか、読めません",
    "パネルを作業フォルダに置くか、`kpitool doctor --panel パネルのパス` で場所を指定してください。",
)


class KpitoolError(Exception):
    """Base of every error kpitool raises on purpose; ``str()`` is the Japanese message."""

    code = RUN_FAILED

    def __init__(self, message_ja: str, *, code: str | None = None) -> None:
        super().__init__(message_ja)
        self.message_ja = message_ja
        if code:
            self.code = code


class ConfigError(KpitoolError):
    """The config file is missing, unreadable or has a bad key."""

    code = CONFIG_INVALID


class InputError(KpitoolError):
    """An input path given by the user does not exist or cannot be used."""

    code = INPUT_UNUSABLE


class MasterLocked(KpitoolError):
    """The master workbook cannot be replaced (open in Excel, read-only, no permission)."""

    code = MASTER_LOCKED


class RunInProgress(KpitoolError):
    """Another consolidation holds the lock file of this master."""

    code = RUN_IN_PROGRESS


class WriteFailed(KpitoolError):
    """Writing an output failed (disk full, permission); the previous file is left intact."""

    code = WRITE_FAILED
