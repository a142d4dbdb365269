"""What the web UI asks to translate, and what the kk and ru catalogues lack.

Run `.venv/bin/python -m tests.helpers.i18n` to print .po entries for every missing message,
ready to translate and paste into intake/translations/<lang>/<area>.po.
"""
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.extract import extract_from_dir
from jinja2 import Environment

from intake.web.i18n import SOURCE_DIR, catalogue

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "intake" / "templates"
WEB_CODE = ROOT / "intake" / "web"
TRANSLATED_LANGUAGES = ("kk", "ru")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "pgettext": ((1, "c"), 2)}
# Attributes people read or hear; their text must come from the catalogue too.
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm")
# Words that are the same in every language.
UNTRANSLATABLE = {"Senim", "Сенім", "Қазақша", "Русский", "English", "PDF", "CSV", "XLSX", "ODARA"}


def extract_messages() -> dict[str, set[str]]:
    """msgid → where it is used, from the templates and the web UI's Python code."""
    found: dict[str, set[str]] = {}
    sources = [
        (TEMPLATES, [("**.html", "jinja2")], {"**.html": {"extensions": "jinja2.ext.i18n"}}),
        (WEB_CODE, [("**.py", "python")], {}),
    ]
    for folder, method_map, options in sources:
        for filename, _lineno, message, _comments, _context in extract_from_dir(
                str(folder), method_map, options_map=options, keywords=KEYWORDS):
            for msgid in (message if isinstance(message, tuple) else (message,)):
                if msgid:
                    found.setdefault(msgid, set()).add(f"{folder.name}/{filename}")
    return found


def missing(language: str) -> dict[str, set[str]]:
    known = catalogue(language)
    return {msgid: where for msgid, where in extract_messages().items() if msgid not in known}


class _TextFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and _is_words(value):
                self.found.append(f'{name}="{value}"')

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip and _is_words(data):
            self.found.append(data.strip())


def _is_words(text: str) -> bool:
    words = re.findall(r"[^\W\d_]{2,}", text)
    return any(word not in UNTRANSLATABLE for word in words)


def literal_text(template: Path) -> list[str]:
    """Human-readable text written straight into a template instead of through gettext."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    # Jinja expressions and tags are replaced by a neutral placeholder; only literal HTML remains.
    pieces = [value if token == "data" else " " for _lineno, token, value in
              _data_tokens(env, template.read_text(encoding="utf-8"))]
    finder = _TextFinder()
    finder.feed("".join(pieces))
    return finder.found


def _data_tokens(env: Environment, source: str):
    depth = 0
    for lineno, token, value in env.lex(source):
        if token in ("block_begin", "variable_begin", "comment_begin"):
            depth += 1
        elif token in ("block_end", "variable_end", "comment_end"):
            depth -= 1
            yield lineno, "tag", ""
            continue
        if depth == 0:
            yield lineno, token, value if token == "data" else ""


def po_stub(msgid: str, where: set[str]) -> str:
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return f"#: {', '.join(sorted(where))}\nmsgid {quote(msgid)}\nmsgstr \"\"\n"


def main() -> int:
    gaps = 0
    for language in TRANSLATED_LANGUAGES:
        lacking = missing(language)
        gaps += len(lacking)
        print(f"# {language}: {len(lacking)} missing (catalogue files in {SOURCE_DIR / language})\n")
        for msgid, where in sorted(lacking.items()):
            print(po_stub(msgid, where))
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
