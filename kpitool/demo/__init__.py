"""``kpitool demo``: the whole job on the bundled example, end to end.

It writes a config, the template and an inbox of filled department files (built from the
seed documents, quirks and one faulty file included), then runs every step on them exactly as
a planning office would, and prints where each output is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kpitool.config import CONFIG_FILENAME, Config, load_config
from kpitool.template import FilledData, template_filename, write_template

Say = Callable[[str], None]


def write_inbox(inbox: Path, config: Config, *, with_duplicate: bool = True) -> list[Path]:
    """Write the example department files into ``inbox`` (as departments would submit them)."""
    from kpitool.demo.examples import duplicate_submission, example_submissions

    inbox.mkdir(parents=True, exist_ok=True)
    submissions = list(example_submissions())
    if with_duplicate:
        submissions.append(duplicate_submission())
    paths = []
    for example in submissions:
        data = FilledData(basic=example.basic, kpis=example.kpis, survey=example.survey, figures=example.figures)
        paths.append(
            write_template(
                inbox / example.filename,
                roster=config.roster,
                fiscal_years=config.fiscal_years,
                grades=config.grades,
                survey=config.survey, settings=config.template,
                data=data,
            )
        )
    return paths


def prepare(root: Path) -> tuple[Config, Path]:
    """Write the demo config, template and inbox under ``root``; return (config, inbox)."""
    from kpitool.demo.examples import example_config_toml

    root.mkdir(parents=True, exist_ok=True)
    config_path = root / CONFIG_FILENAME
    config_path.write_text(example_config_toml(), encoding="utf-8")
    config = load_config(config_path)
    write_template(
        root / template_filename(config.fiscal_years),
        roster=config.roster,
        fiscal_years=config.fiscal_years,
        grades=config.grades,
        municipality=config.municipality, survey=config.survey, settings=config.template,
    )
    inbox = root / "inbox"
    if inbox.exists():
        for old in inbox.glob("*.xlsx"):
            old.unlink()
    write_inbox(inbox, config)
    return config, inbox


REPORT_FILENAME = "検証結果.xlsx"
RETURN_COPIES_DIR = "差し戻し"


def validation_step(root: Path, config: Config, inbox: Path, say: Say) -> list:
    """検証: validate the demo inbox, print the table, write the report and the return copies.

    地域支援部's file has the planted errors and 総務部's only stray spaces, so the output shows
    both an エラー and a 警告 file, and the return copies show how problems are marked.
    """
    from kpitool.pipeline import run_validation

    run = run_validation([inbox], config, report=root / REPORT_FILENAME, return_copies=root / RETURN_COPIES_DIR)
    if run.output_error is not None:
        raise run.output_error
    say("検証:")
    for line in run.lines():
        say(f"  {line}")
    say(f"  検証結果の一覧:     {run.report}")
    say(f"  差し戻し用のコピー: {run.copies_dir}（{len(run.copies)}ファイル）")
    return run.results


MASTER_FILENAME = "master.xlsx"


def consolidation_step(root: Path, config: Config, inbox: Path, say: Say) -> Path:
    """集約: consolidate the demo inbox, write the master and its CSV twin, print the summary.

    The demo inbox has every status worth seeing (a duplicate, a file with errors, a
    non-submitter), so the summary shows what the planning office will meet.
    """
    from kpitool.pipeline import run_consolidation

    run = run_consolidation(inbox, config, root / MASTER_FILENAME)
    say("集約:")
    for line in run.lines():
        say(f"  {line}")
    return run.outputs.master


def run_demo(root: Path, say: Say) -> int:
    """Run every step on the bundled example and report in Japanese. Returns an exit code."""
    config, inbox = prepare(root)
    files = sorted(inbox.glob("*.xlsx"))
    say(f"デモ: {config.municipality}（{len(config.roster)}部局、{config.fiscal_years[0]}・{config.fiscal_years[1]}年度）")
    say(f"  設定ファイル: {root / CONFIG_FILENAME}")
    say(f"  提出様式:     {root / template_filename(config.fiscal_years)}")
    say(f"  受付フォルダ: {inbox}（{len(files)}ファイル）")
    validation_step(root, config, inbox, say)
    consolidation_step(root, config, inbox, say)
    return 0
