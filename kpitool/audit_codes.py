"""The audit's codes and report: what ``kpitool audit`` can find, declared once.

Each discrepancy code has its title and what to do (docs/findings.md lists them); a
discrepancy is the same :class:`~kpitool.findings.Finding` record as validation's, with the
message written where it is found (:mod:`kpitool.audit_checks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kpitool.errors import CodeTable
from kpitool.findings import CATALOGUE, Finding

# Each discrepancy code, declared once with its title and what to do (docs/findings.md lists
# them); the message of each discrepancy is written where it is found.
AUDIT_CODES = CodeTable("audit")

DIGEST_MISMATCH = AUDIT_CODES.add(
    "E-AUD-001", "データのダイジェストが一致しない",
    "集約後にデータのシートが変更されています。続く指摘で変更されたセル・行を確かめ、"
    "意図しない変更なら受付フォルダから集約し直してください。",
)
CELL_CHANGED = AUDIT_CODES.add(
    "E-AUD-002", "集約後に変更されたセル",
    "変更が正しいか確かめてください。集約時の値に戻すには、受付フォルダから集約し直してください。",
)
ROWS_CHANGED = AUDIT_CODES.add(
    "E-AUD-003", "行の追加・削除・並べ替え",
    "集約ファイルの行は追加・削除・並べ替えをしないでください。元に戻すには、受付フォルダから集約し直してください。",
)
HEADER_CHANGED = AUDIT_CODES.add(
    "E-AUD-004", "見出しの変更",
    "見出しを元に戻すか、受付フォルダから集約し直してください。",
)
FORMULA_VALUE = AUDIT_CODES.add(
    "E-AUD-005", "数式の表示値が計算結果と一致しない",
    "数式や参照先のセルが変更されていないか確かめ、受付フォルダから集約し直してください。",
)
FORMULA_UNCACHED = AUDIT_CODES.add(
    "E-AUD-006", "数式の計算結果が保存されていない",
    "Excel で開いて保存し直すと計算結果が保存されます。集約ファイルは Excel 以外のツールで保存しないでください。",
)
SUMMARY_CHANGED = AUDIT_CODES.add(
    "E-AUD-007", "概要の値がデータと一致しない",
    "概要シートは編集しないでください。集約し直すと作り直されます。",
)
SHEETS_CHANGED = AUDIT_CODES.add(
    "E-AUD-008", "シートの順序・表示・保護の変更",
    "シートを並べ替えたり、非表示にしたり、保護を解除したりしないでください。元に戻すには、受付フォルダから集約し直してください。",
)
SOURCE_MISSING = AUDIT_CODES.add(
    "E-AUD-010", "受付フォルダにない入力ファイル",
    "移動・削除・名前の変更をしたファイルを、集約時の名前で受付フォルダに戻してください。",
)
SOURCE_CHANGED = AUDIT_CODES.add(
    "E-AUD-011", "集約時と内容が異なる入力ファイル",
    "差し替えが正しい提出なら、検証してから集約し直してください。そうでなければ集約時のファイルに戻してください。",
)
SOURCE_EXTRA = AUDIT_CODES.add(
    "E-AUD-012", "集約時になかったファイル",
    "集約の後に届いたファイルなら、検証してから集約し直してください。",
)

CSV_MISMATCH = AUDIT_CODES.add(
    "E-AUD-015", "集約ファイルと一致しない公開用CSV",
    "公開用CSVが見つからないか、別の実行で作成されたものです。受付フォルダから集約し直すと、集約ファイルとCSVが同時に作り直されます。",
)

PREVIOUS_MISSING = AUDIT_CODES.add(
    "E-AUD-013", "経年推移の元になった前年度の集約ファイルが見つからない",
    "監査ログの設定（history）に記録された前年度の集約ファイルを、集約ファイルから見て記録どおりの場所に戻してください。",
)
PREVIOUS_CHANGED = AUDIT_CODES.add(
    "E-AUD-014", "経年推移の元になった前年度の集約ファイルが集約時と異なる",
    "前年度の集約ファイルが集約後に変更・差し替えされています。前年度の集約ファイルを kpitool audit で確認し、"
    "正しいファイルに戻してください。",
)


@dataclass
class AuditReport:
    """The result of :func:`audit_master`."""

    master: Path
    recorded_digest: str = ""
    computed_digest: str = ""
    formulas_checked: int = 0
    files_checked: int = 0
    discrepancies: list[Finding] = field(default_factory=list)  # findings of AUDIT_CODES

    @property
    def ok(self) -> bool:
        return not self.discrepancies

    def flatten(self) -> list[tuple[str, str, str]]:
        """``(sheet or file, cell, code)`` of each discrepancy — the shape tests compare."""
        return [(d.sheet or d.file, d.cell, d.code) for d in self.discrepancies]

    def add(self, code: str, message: str, **where: str) -> None:
        """Record a discrepancy: a finding of an audit code, ``message`` its Japanese detail."""
        self.discrepancies.append(CATALOGUE.make(code, detail=message, **where))
