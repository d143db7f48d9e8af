"""The hall network is offline: nothing may be loaded from outside the server."""

import re
from pathlib import Path

import pytest
from django.test import Client

import onewindow

PACKAGE = Path(onewindow.__file__).parent
# src=, href= and CSS url() pointing off the server.
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import\s+["']?(?:https?:)?//""",
    re.I,
)


def test_no_template_or_own_asset_refers_to_an_external_url() -> None:
    offenders = []
    for path in [*PACKAGE.rglob("*.html"), *PACKAGE.rglob("*.css"), *PACKAGE.rglob("*.js")]:
        if "/static/vendor/" in str(path):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in EXTERNAL.finditer(text):
            offenders.append(f"{path.relative_to(PACKAGE)}: {text[m.start() : m.end() + 40]!r}")
    assert offenders == []


def test_vendored_css_imports_no_fonts_from_outside() -> None:
    for path in (PACKAGE / "static" / "vendor").rglob("*.css"):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not re.search(r"@import|url\(\s*[\"']?(?:https?:)?//", text), path


PUBLIC_PAGES = ["/", "/guide/browse/", "/guide/search/?q=社保卡", "/accounts/login/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_rendered_pages_load_nothing_from_outside(url: str, hall) -> None:
    response = Client().get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
