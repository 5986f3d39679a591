"""Shared pytest configuration for the lkjxl test-suite."""


def pytest_configure(config):
    # Tests that need LibreOffice (soffice) as an independent recalculation
    # oracle; see tests/libreoffice.py.  Deselect with -m "not libreoffice".
    config.addinivalue_line(
        "markers",
        "libreoffice: needs LibreOffice headless as recalculation oracle "
        "(fails instead of skipping when CI is set and soffice is missing)",
    )
