"""Pure algorithms: no Django, no app imports (checked by import-linter).

Frozen dataclasses in, results out, so they are fast to test and easy to reuse.
"""
