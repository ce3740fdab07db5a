"""roster-tui: keep a compliance-training roster in step with HR."""

__version__ = "0.1.0"
