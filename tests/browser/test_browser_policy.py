"""Without Chromium the browser tests are skipped, loudly, but never under CI=true."""

from __future__ import annotations

import pytest

from .conftest import missing_browser

pytestmark = pytest.mark.browser


def test_a_missing_browser_is_a_loud_skip_on_a_workstation() -> None:
    with pytest.raises(pytest.skip.Exception, match="BROWSER TESTS DID NOT RUN"):
        missing_browser({})
    with pytest.raises(pytest.skip.Exception):
        missing_browser({"CI": "false"})


@pytest.mark.parametrize("value", ["true", "True", "1"])
def test_a_missing_browser_is_a_failure_in_ci(value: str) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install chromium.*CI=true"):
        missing_browser({"CI": value})
