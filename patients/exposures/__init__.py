"""Cumulative treatment exposures: the contract between the clinical record and late effects.

The clinical record (issue 3) derives an ExposureSummary from a child's timeline, or from a
manual treatment summary, and sends `exposures_changed` after storing it. The late-effects
engine (issue 4) reads only this summary, never the timeline itself.
"""

from .summary import ExposureSummary, exposures_changed

__all__ = ["ExposureSummary", "exposures_changed"]
