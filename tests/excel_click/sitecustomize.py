"""A recorded Excel for the click test (tests/test_xl_click.py); inert unless told to act.

Python imports ``sitecustomize`` at start-up from ``sys.path``; the click test puts this folder
on PYTHONPATH and names a JSON file in KPITOOL_RECORDED_EXCEL. It then stands in for the one
thing that only Windows Excel can give a RunPython process: an Excel instance holding the
calling workbook. The workbook is xlwings' remote-engine Book built from the panel's own sheets,
shown the way Excel's COM objects show it (``Name`` is the file name, ``FullName`` the path,
``Application.Version`` 16), so xlwings' real ``Book.caller()`` finds it from ``--wb=`` and
``--from_xl=1`` on the command line. At exit the actions the buttons sent (values written,
message boxes) and every status-bar text are written to the JSON file named there.
Nothing here runs unless the variable is set; the package never imports this file.
"""

from __future__ import annotations

import atexit
import json
import os
from pathlib import Path, PureWindowsPath


def _install(spec_path: Path) -> None:
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # the remote engine's license
    import xlwings as xw
    from xlwings.pro import _xlremote

    status: list[object] = []

    class RecordedBook(_xlremote.Book):
        @property
        def name(self) -> str:  # COM Workbook.Name: the file name only
            return PureWindowsPath(self.api["book"]["name"]).name.rsplit("/", 1)[-1]

        @property
        def fullname(self) -> str:  # COM Workbook.FullName
            return self.api["book"]["name"]

    class RecordedApp(_xlremote.App):
        version = property(lambda self: spec.get("excel_version", "16.0"))

        @property
        def status_bar(self) -> object:
            return status[-1] if status else False

        @status_bar.setter
        def status_bar(self, value: object) -> None:
            status.append(value)

    class RecordedEngine(_xlremote.Engine):
        name = property(lambda self: "excel")
        type = property(lambda self: "desktop")

    engine = RecordedEngine()
    app = RecordedApp(engine.apps, add_book=False)
    engine.apps._apps = [app]
    book = RecordedBook(api=spec["payload"], books=app.books)
    app.books.books.append(book)
    app.books._active = book
    recorded = xw.main.Engine(impl=engine)
    xw.engines.add(recorded)
    xw.engines.active = recorded

    def record() -> None:
        out = {"actions": book.json()["actions"], "status": status}
        Path(spec["record"]).write_text(json.dumps(out, ensure_ascii=False, default=str), encoding="utf-8")

    atexit.register(record)


if os.environ.get("KPITOOL_RECORDED_EXCEL"):
    _install(Path(os.environ["KPITOOL_RECORDED_EXCEL"]))
