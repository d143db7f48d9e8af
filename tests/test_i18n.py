"""The UI is Chinese by default: every UI string has a Chinese translation."""

from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from onewindow.core import i18n


def test_every_ui_string_has_a_chinese_translation() -> None:
    po = i18n.merge(i18n.REQUIRED_LANGUAGE, i18n.extract())
    missing = [
        f"{e.msgid!r} ({', '.join(f'{f}:{n}' for f, n in e.occurrences)})"
        for e in i18n.untranslated(po)
    ]
    assert missing == [], (
        "Run `python -m onewindow sync_translations` and translate:\n" + "\n".join(missing)
    )


def test_compiled_catalogs_match_the_po_files() -> None:
    for language in i18n.TRANSLATED_LANGUAGES:
        assert i18n.mo_is_current(language), f"{language}: run sync_translations"


def test_extractor_finds_template_and_python_strings(tmp_path: Path) -> None:
    template = tmp_path / "t.html"
    template.write_text(
        '{% translate "Take a number" %}{{ x|default:_("Nobody") }}'
        "{% blocktranslate with n=count %}{{ n }} people ahead{% endblocktranslate %}",
        encoding="utf-8",
    )
    module = tmp_path / "m.py"
    module.write_text('from django.utils.translation import gettext as _\nX = _("Call next")\n')
    out = i18n.Extracted()
    i18n._extract_template(template, "t.html", out)
    i18n._extract_python(module, "m.py", out)
    ids = {m.msgid for m in out.messages}
    assert ids == {"Take a number", "Nobody", "%(n)s people ahead", "Call next"}


def test_an_untranslated_string_is_reported() -> None:
    out = i18n.Extracted()
    out.add(i18n.Message("A string nobody translated yet"), "x.html:1")
    po = i18n.merge(i18n.REQUIRED_LANGUAGE, out)
    assert [e.msgid for e in i18n.untranslated(po)] == ["A string nobody translated yet"]


@pytest.mark.django_db
def test_pages_are_chinese_by_default_and_english_on_request() -> None:
    client = Client()
    body = client.get("/accounts/login/").content.decode()
    assert "工作人员登录" in body
    assert 'lang="zh-CN"' in body
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    body = client.get("/accounts/login/").content.decode()
    assert "Staff sign-in" in body


def test_translation_of_a_model_label() -> None:
    from onewindow.catalog.models import ServiceItem

    with translation.override("zh-hans"):
        assert str(ServiceItem._meta.verbose_name) == "政务服务事项"
    with translation.override("en"):
        assert str(ServiceItem._meta.verbose_name) == "Service item"


def test_a_translate_tag_with_a_percent_sign_is_translated() -> None:
    from django.template import Context, Template

    with translation.override("zh-hans"):
        text = Template('{% translate "90% waited at most" %}').render(Context())
    assert text == "90%的群众等候不超过"
