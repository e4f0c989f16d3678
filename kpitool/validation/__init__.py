"""Validation rules: the rules declared over the spec, the named checks and their context."""
