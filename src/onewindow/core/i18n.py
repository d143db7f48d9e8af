"""Pure-Python message extraction and compilation, so no GNU gettext is needed anywhere.

`python -m onewindow sync_translations` extracts every UI string (msgid) from Python sources and
templates, merges them into the project's .po files, drops obsolete ones and compiles .mo files.
`--check` reports, and fails on, any string without a Chinese translation or a stale .mo file.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polib

PACKAGE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = PACKAGE_DIR / "locale"
TRANSLATED_LANGUAGES = ("zh_Hans", "en")
# The language every UI string must be translated into.
REQUIRED_LANGUAGE = "zh_Hans"

_GETTEXT_FUNCS = {
    "_": ("msgid",),
    "gettext": ("msgid",),
    "gettext_lazy": ("msgid",),
    "gettext_noop": ("msgid",),
    "pgettext": ("context", "msgid"),
    "pgettext_lazy": ("context", "msgid"),
    "ngettext": ("msgid", "plural"),
    "ngettext_lazy": ("msgid", "plural"),
    "npgettext": ("context", "msgid", "plural"),
    "npgettext_lazy": ("context", "msgid", "plural"),
}


@dataclass(frozen=True)
class Message:
    msgid: str
    context: str = ""
    plural: str = ""


@dataclass
class Extracted:
    messages: dict[Message, list[str]] = field(default_factory=dict)

    def add(self, message: Message, where: str) -> None:
        if message.msgid:
            self.messages.setdefault(message, []).append(where)


def _extract_python(path: Path, rel: str, out: Extracted) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in _GETTEXT_FUNCS:
            continue
        roles = _GETTEXT_FUNCS[name]
        values: dict[str, str] = {}
        for role, arg in zip(roles, node.args, strict=False):
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                values[role] = arg.value
        if "msgid" in values:
            out.add(
                Message(values["msgid"], values.get("context", ""), values.get("plural", "")),
                f"{rel}:{node.lineno}",
            )


_QUOTED = r"(?:\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)')"
_TRANS_RE = re.compile(r"^(?:translate|trans)\s+" + _QUOTED + r"(.*)$", re.S)
_CONTEXT_RE = re.compile(r"\bcontext\s+" + _QUOTED)
_UNDERSCORE_RE = re.compile(r"_\(" + _QUOTED + r"\)")
_VAR_RE = re.compile(r"^\s*([\w.]+)")


def _quoted_value(match: re.Match[str], first: int = 1) -> str:
    raw = match.group(first) if match.group(first) is not None else match.group(first + 1)
    return raw.replace('\\"', '"').replace("\\'", "'")


def _extract_template(path: Path, rel: str, out: Extracted) -> None:
    from django.template.base import Lexer, TokenType

    tokens = Lexer(path.read_text(encoding="utf-8")).tokenize()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        contents = token.contents
        where = f"{rel}:{token.lineno}"
        if token.token_type in (TokenType.BLOCK, TokenType.VAR):
            for m in _UNDERSCORE_RE.finditer(contents):
                out.add(Message(_quoted_value(m)), where)
        if token.token_type == TokenType.BLOCK:
            m = _TRANS_RE.match(contents)
            if m:
                rest = m.group(3) or ""
                ctx = _CONTEXT_RE.search(rest)
                # Django looks up {% translate %} strings with "%" doubled (like blocktranslate).
                msgid = _quoted_value(m).replace("%", "%%")
                out.add(Message(msgid, _quoted_value(ctx) if ctx else ""), where)
            elif contents.split(" ", 1)[0] in {"blocktranslate", "blocktrans"}:
                options = contents.split()[1:]
                trimmed = "trimmed" in options
                ctx = _CONTEXT_RE.search(contents)
                singular: list[str] = []
                plural: list[str] = []
                target = singular
                i += 1
                while i < len(tokens):
                    t = tokens[i]
                    if t.token_type == TokenType.BLOCK:
                        word = t.contents.split(" ", 1)[0]
                        if word in {"endblocktranslate", "endblocktrans"}:
                            break
                        if word == "plural":
                            target = plural
                    elif t.token_type == TokenType.VAR:
                        var = _VAR_RE.match(t.contents)
                        target.append(f"%({var.group(1) if var else t.contents})s")
                    elif t.token_type == TokenType.TEXT:
                        target.append(t.contents.replace("%", "%%"))
                    i += 1

                def finish(parts: list[str], trimmed: bool = trimmed) -> str:
                    text = "".join(parts)
                    if trimmed:
                        text = " ".join(line.strip() for line in text.strip().splitlines())
                    return text

                out.add(
                    Message(finish(singular), _quoted_value(ctx) if ctx else "", finish(plural)),
                    where,
                )
        i += 1


def source_files() -> Iterator[tuple[Path, str]]:
    for path in sorted(PACKAGE_DIR.rglob("*")):
        rel = str(path.relative_to(PACKAGE_DIR))
        if "/migrations/" in f"/{rel}" or "/tests/" in f"/{rel}" or rel.startswith("static/"):
            continue
        if path.suffix in {".py", ".html", ".txt"} and path.is_file():
            yield path, rel


def extract() -> Extracted:
    out = Extracted()
    for path, rel in source_files():
        if path.suffix == ".py":
            _extract_python(path, rel, out)
        else:
            _extract_template(path, rel, out)
    return out


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def load_po(language: str) -> polib.POFile:
    path = po_path(language)
    if path.exists():
        return polib.pofile(str(path), wrapwidth=0)
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "onewindow",
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": "nplurals=1; plural=0;"
        if language.startswith("zh")
        else "nplurals=2; plural=(n != 1);",
    }
    return po


def _key(entry: polib.POEntry) -> Message:
    return Message(entry.msgid, entry.msgctxt or "", entry.msgid_plural or "")


def merge(language: str, extracted: Extracted) -> polib.POFile:
    """Return the language's catalog with exactly the extracted messages, keeping translations."""
    old = load_po(language)
    existing = {_key(e): e for e in old if not e.obsolete}
    by_msgid = {e.msgid: e for e in old if not e.obsolete}
    po = polib.POFile(wrapwidth=0)
    po.metadata = old.metadata
    for message in sorted(extracted.messages, key=lambda m: (m.context, m.msgid)):
        prev = existing.get(message) or by_msgid.get(message.msgid)
        entry = polib.POEntry(
            msgid=message.msgid,
            msgctxt=message.context or None,
            msgid_plural=message.plural or "",
            occurrences=[
                (w.rsplit(":", 1)[0], w.rsplit(":", 1)[1]) for w in extracted.messages[message][:3]
            ],
        )
        if message.plural:
            entry.msgstr_plural = (
                dict(prev.msgstr_plural) if prev and prev.msgstr_plural else {0: ""}
            )
            if prev and not prev.msgstr_plural and prev.msgstr:
                entry.msgstr_plural = {0: prev.msgstr}
        else:
            entry.msgstr = prev.msgstr if prev else ""
        if prev and "fuzzy" in prev.flags:
            entry.flags.append("fuzzy")
        for flag in ("python-format",):
            if prev and flag in prev.flags:
                entry.flags.append(flag)
        po.append(entry)
    return po


def untranslated(po: polib.POFile) -> list[polib.POEntry]:
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            missing.append(entry)
        elif entry.msgid_plural:
            if not entry.msgstr_plural or not all(entry.msgstr_plural.values()):
                missing.append(entry)
        elif not entry.msgstr:
            missing.append(entry)
    return missing


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def compile_catalogs() -> None:
    for language in TRANSLATED_LANGUAGES:
        po = load_po(language)
        mo_path(language).parent.mkdir(parents=True, exist_ok=True)
        po.save_as_mofile(str(mo_path(language)))


def mo_is_current(language: str) -> bool:
    path = mo_path(language)
    if not path.exists():
        return False
    compiled = {
        (e.msgctxt or "", e.msgid): (e.msgstr, dict(e.msgstr_plural))
        for e in polib.mofile(str(path))
    }
    expected = {
        (e.msgctxt or "", e.msgid): (e.msgstr, dict(e.msgstr_plural))
        for e in load_po(language)
        if not e.obsolete and "fuzzy" not in e.flags and (e.msgstr or e.msgstr_plural)
    }
    compiled.pop(("", ""), None)
    return all(compiled.get(k) == v for k, v in expected.items()) and set(compiled) <= set(expected)
