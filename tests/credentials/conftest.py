from tests.records.conftest import city, keys  # noqa: F401  (the same small city)
