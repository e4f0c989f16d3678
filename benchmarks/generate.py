"""Generate an inbox of realistic filled department templates for the benchmark.

Each file is written by the project's own template generator (:func:`kpitool.template.write_template`)
with 30 KPI rows, 15 取り組み with long text and 60 figure rows, built from the bundled example
rows (:mod:`kpitool.demo.examples`) and varied per department by a seeded random generator: values are
scaled and typed the ways staff type them (``1,234``, ``515件``, 全角, △, markers), and about one
file in eight carries real errors, one in eight only warnings. The roster has 1,741
municipality-style names at N = 1,741 (plus a few non-submitters; N = 5,000 and beyond use
three-character names after the 4,746 two-character ones), and every file carries the
whole roster in its hidden list sheet, as a template made by ``kpitool template`` would.

Generation is deterministic, runs on all cores and is cached per N under the temp folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpitool.demo.examples import example_submissions
from kpitool.template import FilledData, write_template

GENERATOR_VERSION = 1  # bump when the content changes: it is part of the cache key
MUNICIPALITY = "全国集計"  # the 自治体名 of the roll-up, as configured and typed in every file
FISCAL_YEARS = (2022, 2023)
KPI_ROWS, SURVEY_ROWS, FIGURE_ROWS = 30, 15, 60
ERROR_EVERY, WARNING_EVERY = 8, 8  # one file in eight has errors, another one in eight warnings

_FIRST = "北南東西上下中大小新古高長若白黒赤青緑金石松杉桜梅竹鶴亀富福宮山川田野原島浜崎沢岡井木森林谷坂"
_SECOND = "山川田野原島浜崎沢岡井木森林谷坂里浦津瀬尾根本江見平部戸倉津辺池橋城塚"
_SUFFIXES = ("市", "町", "村")
_HEADS = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤")
_GIVEN = ("太郎", "花子", "健", "由美", "誠", "恵", "一郎", "彩", "次郎", "明美")
_FULL_WIDTH = str.maketrans("0123456789,", "０１２３４５６７８９，")
_MARKERS = ("-", "…", "x")


def department_names(n: int) -> list[str]:
    """``n`` distinct municipality-style names (e.g. 北山市, 南川町), the same for every run.

    The 4,746 two-character names come first (in the same order as before, so the rosters of
    N ≤ 4,600 did not change); beyond them, three-character ones (e.g. 北山川町), shuffled with
    their own seed (5,100 names for N = 5,000; well over 100,000 in all).
    """
    names = list(dict.fromkeys(f"{a}{b}{s}" for s in _SUFFIXES for a in _FIRST for b in _SECOND if a != b))
    random.Random(1741).shuffle(names)
    if n > len(names):
        longer = list(dict.fromkeys(f"{a}{b}{c}{s}" for s in _SUFFIXES for a in _FIRST for b in _SECOND
                                    for c in _SECOND if a != b and b != c))
        random.Random(5000).shuffle(longer)
        names += longer
    if n > len(names):
        raise ValueError(f"at most {len(names)} names")
    return names[:n]


def roster_for(n_files: int) -> list[str]:
    """The configured roster for an inbox of ``n_files``: every sender plus ~2 % non-submitters."""
    return department_names(n_files + max(1, n_files // 50))


@dataclass(frozen=True)
class _Pools:
    kpis: list[dict[str, Any]]
    survey: list[dict[str, Any]]
    figures: list[dict[str, Any]]
    texts: list[str]


def _strip(row: dict[str, object]) -> dict[str, Any]:
    return {k: v.strip() if isinstance(v, str) else v for k, v in row.items()}


def _pools() -> _Pools:
    """Clean example rows (from every department but the one with deliberate errors)."""
    clean = [s for s in example_submissions() if not s.has_errors]
    kpis = [_strip(r) for s in clean for r in s.kpis]
    survey = [_strip(r) for s in clean for r in s.survey]
    figures = [_strip(r) for s in clean for r in s.figures]
    texts = [str(r[k]) for r in survey for k in ("prev", "curr")]
    return _Pools(kpis, survey, figures, texts)


def _number(value: Any) -> float | None:
    """The number in an example value as typed (``"1,167,400千円"`` -> 1167400), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).translate(str.maketrans("０１２３４５６７８９，", "0123456789,")).replace(",", "")
    text = text.replace("△", "-").rstrip("件円人位%千時間")
    try:
        return float(text)
    except ValueError:
        return None


def _typed(value: float, unit: str | None, rng: random.Random) -> Any:
    """A number the way staff type it: mostly a plain number, sometimes text with quirks."""
    integral = unit not in ("%", "時間", "万件") or rng.random() < 0.5
    number: float | int = round(value) if integral else round(value, 1)
    roll = rng.random()
    if roll < 0.70:
        return number
    text = f"{number:,}"
    if number < 0:
        return "△" + text.lstrip("-")
    if roll < 0.85:
        return text
    if roll < 0.93 and unit in ("件", "円", "人", "千円", "位", "%"):
        return text + unit
    return text.translate(_FULL_WIDTH)


def _vary(value: Any, unit: str | None, factor: float, rng: random.Random) -> Any:
    """Scale an example value by ``factor``; markers and blanks stay, sometimes a new marker."""
    if rng.random() < 0.04:
        return rng.choice(_MARKERS)
    number = _number(value)
    if number is None:
        return value
    return _typed(number * factor, unit, rng)


def _grade(target: Any, curr: Any, direction: str) -> str | None:
    """The grade the default thresholds give (A ≥ 100 %, B ≥ 80 %), or None without numbers."""
    t, c = _number(target), _number(curr)
    if not t or not c:
        return None
    rate = c / t if direction == "↑" else t / c
    return "A" if rate >= 1.0 else "B" if rate >= 0.8 else "C"


def _long_text(rng: random.Random, texts: list[str]) -> str:
    """Two or three example sentences: 取り組み texts of 100 to 300 characters."""
    return "".join(rng.sample(texts, rng.randint(2, 3)))


def department_data(index: int, name: str, pools: _Pools | None = None) -> FilledData:
    """The filled template of department ``index`` (deterministic for a given index and name)."""
    pools = pools or _pools()
    rng = random.Random(index * 7919 + GENERATOR_VERSION)
    day = rng.randint(1, 26)
    created: Any = dt.date(2024, 4, day)
    if rng.random() < 0.3:
        created = f"令和6年4月{day}日"
    basic = {
        "municipality": MUNICIPALITY,
        "department": name,
        "head": f"{rng.choice(_HEADS)} {rng.choice(_GIVEN)}",
        "contact_person": f"企画課 {rng.choice(_HEADS)} {rng.choice(_GIVEN)}",
        "contact": f"内線 {rng.randint(1000, 9999)}",
        "created": created,
    }
    kpis = []
    for k in range(KPI_ROWS):
        base = pools.kpis[(index * 7 + k) % len(pools.kpis)]
        factor = rng.uniform(0.5, 2.0)
        row = dict(base, no=f"{k // 6 + 1}-{k % 6 + 1}")
        for key in ("target", "prev", "curr"):
            row[key] = _vary(base[key], base["unit"], factor * rng.uniform(0.85, 1.15), rng)
        row["grade"] = _grade(row["target"], row["curr"], str(base["direction"]))
        kpis.append(row)
    survey = []
    for k in range(SURVEY_ROWS):
        base = pools.survey[(index * 5 + k) % len(pools.survey)]
        survey.append(
            dict(base, no=str(k + 1), prev=_long_text(rng, pools.texts), curr=_long_text(rng, pools.texts))
        )
    figures = []
    seen: set[tuple[str, str]] = set()
    for k in range(FIGURE_ROWS):
        base = pools.figures[(index * 11 + k) % len(pools.figures)]
        initiative = str(k % SURVEY_ROWS + 1)
        item = str(base["item"])
        if (initiative, item) in seen:
            item = f"{item}（{k // SURVEY_ROWS + 1}）"
        seen.add((initiative, item))
        factor = rng.uniform(0.5, 2.0)
        prev = _vary(base["prev"], base["unit"], factor, rng)
        curr = _vary(base["curr"], base["unit"], factor * rng.uniform(0.8, 1.25), rng)
        figures.append(dict(base, initiative_no=initiative, item=item, prev=prev, curr=curr))
    if index % ERROR_EVERY == 3:
        _add_errors(rng, kpis, figures)
    elif index % WARNING_EVERY == 5:
        basic["head"] = str(basic["head"]) + "　"
        kpis[2]["indicator"] = " " + str(kpis[2]["indicator"])
    return FilledData(basic=basic, kpis=kpis, survey=survey, figures=figures)


def _add_errors(rng: random.Random, kpis: list[dict[str, Any]], figures: list[dict[str, Any]]) -> None:
    """Two to four of the errors the validator must find (as in the bundled faulty example)."""
    mistakes = [
        lambda: kpis[0].update(target="約60人"),
        lambda: figures[4].update(curr="集計中"),
        lambda: kpis[7].update(no=kpis[6]["no"]),
        lambda: figures[9].update(initiative_no="99"),
        lambda: figures[12].update(unit=None),
        lambda: figures[20].update(prev=117858500, curr=92434, unit="円"),
    ]
    for mistake in rng.sample(mistakes, rng.randint(2, 4)):
        mistake()


def _write_one(args: tuple[Path, int, str, tuple[str, ...]]) -> str:
    path, index, name, roster = args
    write_template(path, roster=roster, fiscal_years=FISCAL_YEARS, data=department_data(index, name))
    return path.name


def cache_root() -> Path:
    """Where generated inboxes are kept between runs (``KPITOOL_BENCH_CACHE`` overrides)."""
    return Path(os.environ.get("KPITOOL_BENCH_CACHE") or Path(tempfile.gettempdir()) / "kpitool-bench")


def _template_digest() -> str:
    """A digest of the generator inputs, so a changed template or generator invalidates the cache."""
    import kpitool.demo.examples
    import kpitool.spec
    import kpitool.template

    h = hashlib.sha256(str(GENERATOR_VERSION).encode())
    for module in (kpitool.template, kpitool.spec, kpitool.demo.examples):
        h.update(Path(str(module.__file__)).read_bytes())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()[:12]


def make_inbox(n_files: int, *, workers: int | None = None, log: Any = None) -> tuple[Path, list[str]]:
    """The inbox of ``n_files`` generated submissions (cached) and the roster to configure."""
    roster = roster_for(n_files)
    inbox = cache_root() / f"inbox-{_template_digest()}-n{n_files}"
    done = inbox / ".complete"
    if done.exists():
        return inbox, roster
    if inbox.exists():
        shutil.rmtree(inbox)
    inbox.mkdir(parents=True)
    jobs = [
        (inbox / f"{i + 1:04d}_{name}.xlsx", i, name, tuple(roster))
        for i, name in enumerate(roster[:n_files])
    ]
    if log:
        log(f"generating {n_files} files into {inbox} …")
    workers = workers or os.cpu_count() or 1
    if workers > 1 and n_files > 8:
        with ProcessPoolExecutor(workers) as pool:
            for _ in pool.map(_write_one, jobs, chunksize=16):
                pass
    else:
        for job in jobs:
            _write_one(job)
    done.write_text(f"{n_files}\n", encoding="utf-8")
    return inbox, roster
