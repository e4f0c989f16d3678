"""Check a web page with axe-core in headless Chromium, and take screenshots of it.

A test helper, not a test file. axe-core (npm ``axe-core``) is the accessibility engine most
checkers build on; Debian's ``chromium`` runs it. No WebDriver is needed: the page is copied
with axe's script and a small runner appended, Chromium loads the copy with
``--dump-dom --virtual-time-budget`` (timers and promises run to completion in virtual time),
and the runner writes axe's result as JSON into the DOM that Chromium prints.

Where things are found: Chromium on PATH (``chromium``); axe-core's ``axe.min.js`` from
``KPITOOL_AXE_JS``, else ``~/.cache/kpitool/node/node_modules/axe-core`` (where ``.ci/run``
installs it), else the global npm root. Without either, the test is skipped locally and fails
under ``CI=true``, as the LibreOffice tests do.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

TIMEOUT_SECONDS = 120
AXE_HOME = Path.home() / ".cache" / "kpitool" / "node" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0/2.1 level A and AA (JIS X 8341-3:2016 is WCAG 2.0 AA) and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

_RUNNER = """
<script>
axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]}).then(function (r) {
  var out = document.createElement("pre");
  out.id = "axe-result";
  out.textContent = JSON.stringify({
    violations: r.violations.map(function (v) {
      return {id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(function (n) { return n.target.join(" "); })};
    }),
    passes: r.passes.map(function (p) { return p.id; })
  });
  document.body.appendChild(out);
});
</script>
"""


def _skip_or_fail(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def require_chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        _skip_or_fail("Chromium が見つかりません（apt-get install chromium）。HTML の検査に必要です。")
    return str(found)


def find_axe() -> Path | None:
    candidates = [os.environ.get("KPITOOL_AXE_JS", ""), str(AXE_HOME)]
    npm = shutil.which("npm")
    if npm:
        try:
            root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, timeout=30).stdout.strip()
            candidates.append(str(Path(root) / "axe-core" / "axe.min.js"))
        except (OSError, subprocess.SubprocessError):
            pass
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def require_axe() -> Path:
    axe = find_axe()
    if axe is None:
        _skip_or_fail("axe-core が見つかりません（.ci/run が npm でインストールします）。HTML の検査に必要です。")
    assert axe is not None
    return axe


def _chromium(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
        f"--user-data-dir={profile}", *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)


def axe_check(page: Path, workdir: Path) -> dict[str, Any]:
    """axe-core's violations and passed rules for ``page`` (a copy is checked; the page is not changed)."""
    chromium, axe = require_chromium(), require_axe()
    source = page.read_text(encoding="utf-8")
    script = f"<script>{axe.read_text(encoding='utf-8')}</script>{_RUNNER % json.dumps(AXE_TAGS)}"
    checked = workdir / f"axe-{page.name}"
    checked.write_text(source.replace("</body>", script + "</body>", 1), encoding="utf-8")
    result = _chromium(chromium, workdir / "chromium-profile", "--virtual-time-budget=60000", "--dump-dom",
                       checked.resolve().as_uri())
    match = re.search(r'<pre id="axe-result">(.*?)</pre>', result.stdout, re.S)
    if match is None:
        raise RuntimeError(f"axe-core gave no result for {page}:\n{result.stderr[-2000:]}")
    return json.loads(html.unescape(match.group(1)))


def screenshot(page: Path, png: Path, workdir: Path, *, width: int = 1280, height: int = 2000) -> Path:
    """A PNG of ``page`` as Chromium shows it, for a person to look at."""
    chromium = require_chromium()
    _chromium(chromium, workdir / "chromium-profile", "--hide-scrollbars", f"--window-size={width},{height}",
              f"--screenshot={png}", page.resolve().as_uri())
    if not png.is_file():
        raise RuntimeError(f"Chromium wrote no screenshot of {page}")
    return png
