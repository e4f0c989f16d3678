"""kpitool: validate, consolidate and survey the KPI workbooks of municipal departments.

The core is pure Python over files and pandas DataFrames; ``kpitool.cli`` and ``kpitool.xl``
are thin shells over it. Heavy libraries are imported lazily so that ``kpitool --help`` and a
click in Excel start fast.
"""

__version__ = "0.1.0"
