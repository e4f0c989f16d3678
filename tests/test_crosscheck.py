"""The same indicator reported by two departments with different values (issue 11)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from conftest import ROSTER, sample_data

from kpitool import codes
from kpitool.config import Config, Department
from kpitool.consolidate import consolidate
from kpitool.template import write_template

CONFIG = Config(municipality="菊川市", departments=tuple(Department(n) for n in ROSTER))


def ratio(name: str, unit: str, prev: Any, curr: Any) -> dict[str, Any]:
    return {"no": "1", "policy": "財政運営", "indicator": name, "unit": unit, "direction": "↓",
            "target": 88, "prev": prev, "curr": curr, "grade": None}


def department(inbox: Path, name: str, kpi: dict[str, Any]) -> None:
    data = sample_data()
    data = dataclasses.replace(data, basic={**data.basic, "department": name}, kpis=[kpi])
    inbox.mkdir(exist_ok=True)
    write_template(inbox / f"{name}.xlsx", roster=ROSTER, data=data)


def conflicts(inbox: Path) -> list[dict[str, Any]]:
    findings = consolidate(inbox, CONFIG).findings
    return findings[findings["code"] == codes.CONS_SAME_INDICATOR].to_dict("records")


def test_two_departments_with_different_values_are_named(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    department(inbox, "総務部", ratio("経常収支比率", "%", 88.0, 89.2))
    department(inbox, "財政部", ratio("経常収支比率　", "％", 88.0, 87.1))  # 全角 space and ％: the same
    (finding,) = conflicts(inbox)
    assert (finding["file"], finding["sheet"], finding["cell"]) == ("財政部.xlsx", "事業成果目標", "K4")
    assert finding["severity"] == "警告"
    assert finding["message"] == (
        "指標「経常収支比率」（％）の令和5年度実績が、財政部（財政部.xlsx!事業成果目標!K4） では 87.1、"
        "総務部（総務部.xlsx!事業成果目標!K4） では 89.2 です。"
    )


def test_equal_values_other_units_and_markers_pass(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    department(inbox, "総務部", ratio("経常収支比率", "%", 88.0, 89.2))
    department(inbox, "財政部", ratio("経常収支比率", "%", 88.0, "…"))
    department(inbox, "企画政策部", ratio("経常収支比率", "ポイント", 88.0, 87.1))
    assert conflicts(inbox) == []
