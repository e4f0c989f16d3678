"""The small exception family of kpitool.

Data problems in a submission are *findings* (see :mod:`kpitool.findings`), never exceptions.
Exceptions are for misuse and for situations where a run cannot go on; each carries a
Japanese message for the user and, where it fits, a stable code.
"""

from __future__ import annotations


class KpitoolError(Exception):
    """Base of every error kpitool raises on purpose; ``str()`` is the Japanese message."""

    code = "E-RUN-000"

    def __init__(self, message_ja: str, *, code: str | None = None) -> None:
        super().__init__(message_ja)
        self.message_ja = message_ja
        if code:
            self.code = code


class ConfigError(KpitoolError):
    """The config file is missing, unreadable or has a bad key."""

    code = "E-CFG-001"


class InputError(KpitoolError):
    """An input path given by the user does not exist or cannot be used."""

    code = "E-RUN-001"


class MasterLocked(KpitoolError):
    """The master workbook cannot be replaced (open in Excel, read-only, no permission)."""

    code = "E-RUN-002"


class RunInProgress(KpitoolError):
    """Another consolidation holds the lock file of this master."""

    code = "E-RUN-003"


class WriteFailed(KpitoolError):
    """Writing an output failed (disk full, permission); the previous file is left intact."""

    code = "E-RUN-004"
