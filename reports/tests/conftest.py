from assistance.tests.conftest import town  # noqa: F401
