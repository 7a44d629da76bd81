"""The assistance tests use the shared cast of the root conftest.py (``town``, tests/cast.py)."""
