"""Cumulative treatment exposures: the contract between the clinical record and late effects.

The clinical record derives an ExposureSummary (summary.py, pure) from a child's timeline
(calculate.py, pure) or a manual treatment summary, and the clinical record stores it
(patients/clinical/exposure_store.py) and sends `exposures_changed` (patients/clinical/signals.py)
when it changed. The late-effects engine reads only the summary.
Nothing is imported here, so the pure modules load without Django.
"""
