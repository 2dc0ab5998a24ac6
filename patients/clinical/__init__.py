"""The clinical record: diagnosis, risk, treatment plan/timeline and exposures (services and selectors)."""
