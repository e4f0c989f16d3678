"""経年推移 across three cycles built through rollover (issue 13).

2021/22 is submitted from scratch; 2022/23 and 2023/24 are the rollover templates of the
previous master with the new year typed in. The expected series is the list of values the test
typed, not anything the program printed.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from libreoffice import recalculate, require_soffice, same

from kpitool.audit import audit_master
from kpitool.cli import main
from kpitool.history import MasterData
from kpitool.master.layout import KPIS
from kpitool.master.trend import trend_records
from kpitool.template import FilledData, write_template

ROSTER = ("総務部", "財政部")
# 番号 -> (指標, 単位, 方向, 目標値, {year: 実績}) typed over the three cycles.
TYPED = {
    "1": ("業務改善提出件数", "件", "↑", 500, {2021: 420, 2022: 498, 2023: 515, 2024: 530}),
    "2": ("住みよさランキング", "位", "↓", 300, {2021: 340, 2022: 330, 2023: 318, 2024: 305}),
}


def _config(root: Path, years: tuple[int, int], masters: list[Path]) -> Path:
    listed = ", ".join(f'"{m.as_posix()}"' for m in masters)
    path = root / f"kpitool_{years[1]}.toml"
    path.write_text(
        f'municipality = "菊川市"\nfiscal_years = [{years[0]}, {years[1]}]\n'
        f"departments = [{', '.join(repr(d).replace(chr(39), chr(34)) for d in ROSTER)}]\n"
        f"[history]\nmasters = [{listed}]\n",
        encoding="utf-8",
    )
    return path


def _basic(department: str) -> dict[str, object]:
    return {"municipality": "菊川市", "department": department, "head": "菊川 太郎",
            "contact_person": "企画政策課 山田 花子", "contact": "内線 1234", "created": dt.date(2024, 4, 1)}


def _first_cycle(root: Path) -> Path:
    inbox = root / "inbox_2022"
    inbox.mkdir()
    kpis = [{"no": no, "policy": "行政経営", "indicator": name, "unit": unit, "direction": direction,
             "target": target, "prev": values[2021], "curr": values[2022]}
            for no, (name, unit, direction, target, values) in TYPED.items()]
    data = FilledData(basic=_basic("総務部"), kpis=kpis)
    write_template(inbox / "総務部.xlsx", roster=ROSTER, fiscal_years=(2021, 2022), data=data)
    master = root / "R4" / "master.xlsx"
    master.parent.mkdir()
    config = _config(root, (2021, 2022), [])
    assert main(["consolidate", str(inbox), "-o", str(master), "--config", str(config)]) == 0
    return master


def _next_cycle(root: Path, previous: list[Path], years: tuple[int, int]) -> Path:
    """Rollover the newest master, type the new year's 実績 into 総務部's template, consolidate."""
    config = _config(root, years, previous)
    out = root / f"templates_{years[1]}"
    assert main(["rollover", str(previous[-1]), "-o", str(out), "--config", str(config)]) == 0
    inbox = root / f"inbox_{years[1]}"
    inbox.mkdir()
    wb = openpyxl.load_workbook(out / f"kpi_template_{years[0]}_{years[1]}_総務部.xlsx")
    ws = wb["事業成果目標"]
    header_row = next(r for r in range(1, ws.max_row + 1) if "番号" in [c.value for c in ws[r]])
    header = [c.value for c in ws[header_row]]
    curr_col = next(i for i, h in enumerate(header) if str(h).startswith("令和") and str(h).endswith(
        f"{years[1] - 2018}年度実績")) + 1
    for r in range(header_row + 1, ws.max_row + 1):
        no = ws.cell(r, 1).value
        if no is not None:
            ws.cell(r, curr_col).value = TYPED[str(no)][4][years[1]]
    basic = wb["基本情報"]
    for r in range(1, basic.max_row + 1):
        label = basic.cell(r, 1).value
        if label in ("部局長名", "担当者") and not basic.cell(r, 2).value:
            basic.cell(r, 2).value = "山田 花子"
        if label == "作成日":
            basic.cell(r, 2).value = dt.datetime(years[1] + 1, 4, 1)
    wb.save(inbox / "総務部.xlsx")
    master = root / f"R{years[1] - 2018}" / "master.xlsx"
    master.parent.mkdir()
    code = main(["consolidate", str(inbox), "-o", str(master), "--config", str(config)])
    assert code == 0, f"consolidation of {years} failed"
    return master


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("trend")
    first = _first_cycle(root)
    second = _next_cycle(root, [first], (2022, 2023))
    third = _next_cycle(root, [first, second], (2023, 2024))
    return {"root": root, "first": first, "second": second, "third": third}


def _trend(master: Path) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(master, data_only=True)["経年推移"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]


def test_the_third_master_holds_every_typed_year(chain: dict[str, Path]) -> None:
    rows = _trend(chain["third"])
    for no, (name, unit, _direction, target, values) in TYPED.items():
        series = {int(r["年度（西暦）"]): r["実績"] for r in rows if str(r["番号"]) == no}
        assert series == values, no
        assert {r["指標名"] for r in rows if str(r["番号"]) == no} == {name}
        assert {r["単位"] for r in rows if str(r["番号"]) == no} == {unit}
        targets = {int(r["年度（西暦）"]): r["目標値"] for r in rows if str(r["番号"]) == no}
        assert targets[2024] == targets[2023] == targets[2022] == target


def test_achievement_follows_the_direction(chain: dict[str, Path]) -> None:
    rows = {(str(r["番号"]), int(r["年度（西暦）"])): r for r in _trend(chain["third"])}
    assert rows[("1", 2024)]["達成率"] == pytest.approx(530 / 500)
    assert rows[("2", 2024)]["達成率"] == pytest.approx(300 / 305)  # 位: lower is better


def test_earlier_years_link_to_the_master_they_came_from(chain: dict[str, Path]) -> None:
    rows = {(str(r["番号"]), int(r["年度（西暦）"])): r for r in _trend(chain["third"])}
    assert str(rows[("1", 2022)]["出典"]).startswith("../R4/master.xlsx!事業成果目標!")
    assert str(rows[("1", 2024)]["出典"]).startswith("総務部.xlsx!事業成果目標!")


def test_the_trend_csv_matches_the_sheet(chain: dict[str, Path]) -> None:
    text = (chain["third"].parent / "master_経年推移.csv").read_bytes().decode("utf-8-sig")
    assert text.count("\r\n") == len(_trend(chain["third"])) + 1
    assert "業務改善提出件数" in text and ",530," in text


def test_the_chain_audits_clean(chain: dict[str, Path]) -> None:
    report = audit_master(chain["third"])
    assert report.discrepancies == []
    assert report.files_checked >= 2


def test_audit_fails_when_a_previous_master_is_edited(chain: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(chain["root"], copy)
    first = copy / "R4" / "master.xlsx"
    data = bytearray(first.read_bytes())
    data[-30] ^= 0x01  # one byte of the zip's central directory comment area
    first.write_bytes(bytes(data))
    codes = [d.code for d in audit_master(copy / "R6" / "master.xlsx").discrepancies]
    assert codes == ["E-AUD-014"]
    first.unlink()
    codes = [d.code for d in audit_master(copy / "R6" / "master.xlsx").discrepancies]
    assert codes == ["E-AUD-013"]


def test_a_listed_master_that_is_missing_stops_consolidation(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    config = _config(tmp_path, (2022, 2023), [tmp_path / "nowhere.xlsx"])
    assert main(["consolidate", str(inbox), "-o", str(tmp_path / "m.xlsx"), "--config", str(config)]) == 2
    assert "[history] masters" in capsys.readouterr().err


@pytest.mark.libreoffice
def test_trend_formulas_recalculate_to_their_cached_values(chain: dict[str, Path], tmp_path: Path) -> None:
    require_soffice()
    recalculated = recalculate(chain["third"], tmp_path)
    before = openpyxl.load_workbook(chain["third"])["経年推移"]
    cached = openpyxl.load_workbook(chain["third"], data_only=True)["経年推移"]
    after = openpyxl.load_workbook(recalculated, data_only=True)["経年推移"]
    formulas = [c.coordinate for row in before.iter_rows() for c in row if c.data_type == "f"]
    assert len(formulas) >= 8
    wrong = {c: (cached[c].value, after[c].value) for c in formulas
             if not same("" if cached[c].value is None else cached[c].value,
                         "" if after[c].value is None else after[c].value)}
    assert wrong == {}


def test_a_renamed_department_s_earlier_years_continue_its_series() -> None:
    """[rollover] renamed: 建設経済部's 令和4・5年度 and 経済産業部's 令和6年度 are one series, not two."""
    old = {"department": "建設経済部", "no": "1", "indicator": "ふるさと納税件数", "unit": "件", "direction": "↑",
           "target": 22000, "prev": 5271, "curr": 3299, "_row": 2}
    previous = MasterData(path=Path("R5/master.xlsx"), fiscal_years=(2022, 2023), config={}, digest="", sha256="",
                          tables={KPIS: [old]})
    current = [{**old, "department": "経済産業部", "prev": 3299, "curr": 4102, "source": "経済産業部.xlsx"}]
    records = trend_records([previous], current, (2023, 2024), "", Path("."), (("建設経済部", "経済産業部"),))
    assert [(r["department"], r["year"], r["actual"]) for r in records] == [
        ("経済産業部", 2022, 5271), ("経済産業部", 2023, 3299), ("経済産業部", 2024, 4102)]
    assert records[1]["source"].startswith("R5/master.xlsx!事業成果目標!")  # the year's own master wins
