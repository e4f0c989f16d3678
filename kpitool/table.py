"""A small read-only table of rows: the consolidation's tables without pandas.

Importing pandas costs 0.5–2 s on a planning office PC, more than reading and writing a city's
files (issue 17). The 集約 path (CLI, buttons, master writer, CSVs, summaries) only iterates
rows and columns, so it works on :class:`Table`; :meth:`Table.to_frame` builds the documented
DataFrame (same dtypes as before: float64 with NaN, int64, bool, object with None) for callers
of the public API, which keep getting DataFrames from :class:`kpitool.model.Consolidation`.

Values are stored as pandas would give them back from ``itertuples``: a float column holds
``float`` (``nan`` for a missing value), an int column ``int``, a bool column ``bool``; other
columns hold the row values as they are. So the master written from a Table is the master
written from the DataFrame, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

NAN = float("nan")


def _float(value: Any) -> float:
    return NAN if value is None else float(value)


class Table:
    """Rows (tuples) under named columns, with the few DataFrame reads the 集約 path uses.

    ``table[column]`` is that column as a tuple; ``itertuples(index=False, name=None)`` and
    ``to_dict("records")`` behave as a DataFrame's do; ``columns`` is the list of names.
    """

    __slots__ = ("_frame", "_rows", "bools", "columns", "floats", "ints")

    def __init__(
        self,
        rows: Iterable[Sequence[Any]],
        columns: Sequence[str],
        floats: Iterable[str] = (),
        ints: Iterable[str] = (),
        bools: Iterable[str] = (),
    ) -> None:
        self.columns = list(columns)
        self.floats = frozenset(floats) & set(self.columns)
        self.ints = frozenset(ints) & set(self.columns)
        self.bools = frozenset(bools) & set(self.columns)
        casts = [
            _float if c in self.floats else int if c in self.ints else bool if c in self.bools else None
            for c in self.columns
        ]
        width = len(self.columns)
        # (index, type) of each typed column: a row already holding those types is kept as it
        # is, not copied (the consolidation's rows arrive typed; a copy of every row left
        # holes in memory that a national roll-up never gave back, issue 17).
        typed = [(i, float if cast is _float else cast) for i, cast in enumerate(casts) if cast is not None]
        out = []
        for row in rows:
            if len(row) != width:
                raise ValueError(f"row of {len(row)} values for {width} columns")
            if typed and not all(row[i].__class__ is kind for i, kind in typed):
                row = tuple(v if cast is None else cast(v) for cast, v in zip(casts, row, strict=True))
            out.append(row if row.__class__ is tuple else tuple(row))
        self._rows: list[tuple[Any, ...]] = out
        self._frame: pd.DataFrame | None = None

    @classmethod
    def from_frame(cls, frame: Any) -> Table:
        """A Table of a DataFrame's rows (for a Consolidation built from DataFrames)."""
        import pandas.api.types as types

        columns = [str(c) for c in frame.columns]
        floats = [c for c in columns if types.is_float_dtype(frame[c].dtype)]
        ints = [c for c in columns if types.is_integer_dtype(frame[c].dtype)]
        bools = [c for c in columns if types.is_bool_dtype(frame[c].dtype)]
        return cls(frame.itertuples(index=False, name=None), columns, floats, ints, bools)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, column: object) -> bool:
        return column in self.columns

    def __getitem__(self, column: str) -> tuple[Any, ...]:
        i = self.columns.index(column)
        return tuple(row[i] for row in self._rows)

    def __iter__(self) -> Iterator[str]:  # as a DataFrame: its column names
        return iter(self.columns)

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """The rows, in order (do not modify)."""
        return self._rows

    @property
    def empty(self) -> bool:
        return not self._rows

    def itertuples(self, index: bool = False, name: str | None = None) -> Iterator[tuple[Any, ...]]:
        """The rows as plain tuples (only ``index=False, name=None``, as kpitool calls it)."""
        if index or name is not None:
            raise ValueError("Table.itertuples supports only index=False, name=None")
        return iter(self._rows)

    def records(self) -> Iterator[dict[str, Any]]:
        """Each row as a dict by column name."""
        columns = self.columns
        for row in self._rows:
            yield dict(zip(columns, row, strict=True))

    def to_dict(self, orient: str = "records") -> list[dict[str, Any]]:
        if orient != "records":
            raise ValueError("Table.to_dict supports only orient='records'")
        return list(self.records())

    def select(self, columns: Sequence[str]) -> Table:
        """Only ``columns`` (those present), in that order."""
        keep = [c for c in columns if c in self.columns]
        indexes = [self.columns.index(c) for c in keep]
        return Table(([row[i] for i in indexes] for row in self._rows), keep,
                     self.floats, self.ints, self.bools)

    def to_frame(self) -> pd.DataFrame:
        """The DataFrame with the documented dtypes (built once; imports pandas)."""
        if self._frame is None:
            import pandas as pd

            by_column = list(zip(*self._rows, strict=True)) if self._rows else [() for _ in self.columns]
            data: dict[str, pd.Series] = {}
            for column, values in zip(self.columns, by_column, strict=True):
                dtype = ("float64" if column in self.floats else "int64" if column in self.ints
                         else "bool" if column in self.bools else "object")
                data[column] = pd.Series(list(values), dtype=dtype)
            self._frame = pd.DataFrame(data, columns=list(self.columns))
        return self._frame


