"""Late-effects care plans: rule sets as versioned data, a pure scheduling engine, and the services
that turn its output into a patient's follow-up items (see docs in rulesets/README.md)."""
