"""Demo content: a deterministic, clearly labelled demo city, or the real public data."""
