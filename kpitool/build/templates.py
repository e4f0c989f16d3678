"""Regenerate the committed files under ``workbook_templates/`` (``make template``).

The committed department template is the generator's output for the example config that
``kpitool init`` writes; a test proves the committed file is current.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from kpitool.build.panel import main as build_panel
from kpitool.config import EXAMPLE_CONFIG, config_from_dict
from kpitool.template import template_filename, write_template

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "workbook_templates"


def default_template(out_dir: Path = TEMPLATES_DIR) -> Path:
    """Write the department template for the default (example) config into ``out_dir``."""
    config = config_from_dict(tomllib.loads(EXAMPLE_CONFIG))
    out_dir.mkdir(parents=True, exist_ok=True)
    return write_template(
        out_dir / template_filename(config.fiscal_years),
        roster=config.roster,
        fiscal_years=config.fiscal_years,
        grades=config.grades,
        municipality=config.municipality, survey=config.survey, settings=config.template,
    )


def main() -> None:
    print(default_template())
    build_panel()


if __name__ == "__main__":
    main()
