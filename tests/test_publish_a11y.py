"""The published pages pass axe-core (WCAG 2.1 A/AA and best practices) in headless Chromium.

Issue 12, item 4. The checker is proven able to fail on a page with the usual faults. The
screenshots are written next to the pages for a person to look at (``--basetemp`` keeps them).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from a11y import axe_check, screenshot
from master_cases import make_consolidation

from kpitool.master.writer import write_master
from kpitool.publish import publish_master

BAD_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<table><tr><td>視点</td><td>実績</td></tr><tr><td>視点1</td><td><span style="color:#bbb">悪化</span></td></tr></table>
<img src="x.png"></body></html>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("a11y")
    (root / "inbox").mkdir()
    master = write_master(make_consolidation(root / "inbox"), root / "master.xlsx").master
    publish_master(master, root / "site")
    return root / "site"


@pytest.mark.parametrize("name", ["実績調査.html", "事業成果目標.html"])
def test_pages_pass_axe(site, name, tmp_path):
    result = axe_check(site / name, tmp_path)
    assert result["violations"] == []
    for rule in ("html-has-lang", "document-title", "color-contrast", "th-has-data-cells", "td-headers-attr",
                 "scope-attr-valid", "page-has-heading-one", "landmark-one-main", "aria-hidden-focus"):
        assert rule in result["passes"], rule  # applied to these pages, not skipped as inapplicable
    png = screenshot(site / name, site / f"{name}.png", tmp_path)
    assert png.stat().st_size > 10_000


def test_axe_finds_the_faults_of_a_bad_page(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text(BAD_PAGE, encoding="utf-8")
    found = {v["id"] for v in axe_check(bad, tmp_path)["violations"]}
    assert {"html-has-lang", "document-title", "color-contrast", "image-alt"} <= found
