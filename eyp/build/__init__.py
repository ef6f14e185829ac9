"""Building normal 2.0 packages: immutable :class:`EypBuilder` → :class:`EypSession`."""

from eyp.build._builder import EypBuilder, PlannedEk
from eyp.build._inputs import FileInput
from eyp.build._session import EypSession, Stage

__all__ = ["EypBuilder", "EypSession", "FileInput", "PlannedEk", "Stage"]
