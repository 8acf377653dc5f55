"""The translation catalogue without GNU gettext: read and write .po files, compile them to
.mo, extract every msgid the code and the templates ask for, and merge helpers' fragments.

Korean is the source language: msgids are Korean, the English catalogue
(`learncity/locale/en/LC_MESSAGES/django.po`) gives each its English. The .mo files are
generated (gitignored); `learncity i18n compile` (run by `make`) writes them, and Django
starting with a missing or older .mo compiles it too, so a page never shows Korean in
English because a build step was forgotten.

The extractor follows what Django's `makemessages` hands to xgettext: templates go through
`django.utils.translation.template.templatize` (the same code makemessages runs, so `%`
is doubled in template msgids exactly as makemessages does), Python files through `ast`
(calls of `_`, `gettext`, `gettext_lazy`, `ngettext`, `pgettext`, `npgettext` and their
`_lazy` forms with literal arguments).
"""

from __future__ import annotations

import ast
import os
import re
import struct
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
SOURCE_DIR = Path(__file__).resolve().parent.parent
LANGUAGES = ("en",)

HEADER = (
    "Project-Id-Version: learncity\n"
    "Language: {language}\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "Plural-Forms: nplurals=2; plural=(n != 1);\n"
)


@dataclass
class Entry:
    msgid: str
    msgstr: list[str] = field(default_factory=lambda: [""])
    msgctxt: str = ""
    msgid_plural: str = ""
    flags: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.msgctxt, self.msgid)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return not self.fuzzy and all(s != "" for s in self.msgstr)


class CatalogueError(ValueError):
    pass


# --- reading and writing .po -------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise CatalogueError(f"{where}: expected a quoted string, found {text!r}")
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), body)


def _quote(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\t", "\\t")
        .replace("\r", "\\r")
        .replace("\n", "\\n")
    )
    return f'"{escaped}"'


def parse_po(text: str, *, name: str = "<po>") -> list[Entry]:
    """The entries of a .po text, the header (msgid "") included; obsolete (#~) entries
    are dropped."""
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    flags: list[str] = []
    comments: list[str] = []
    current: str | None = None

    def finish() -> None:
        nonlocal fields, flags, comments, current
        if "msgid" in fields:
            plural = "msgid_plural" in fields
            if plural:
                count = max(int(k[7:-1]) for k in fields if k.startswith("msgstr[")) + 1
                strs = [fields.get(f"msgstr[{i}]", "") for i in range(count)]
            else:
                strs = [fields.get("msgstr", "")]
            entries.append(
                Entry(
                    msgid=fields["msgid"],
                    msgstr=strs,
                    msgctxt=fields.get("msgctxt", ""),
                    msgid_plural=fields.get("msgid_plural", ""),
                    flags=flags,
                    comments=comments,
                )
            )
        elif fields:
            raise CatalogueError(f"{name}: an entry without msgid ({sorted(fields)})")
        fields, flags, comments, current = {}, [], [], None

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        where = f"{name}:{number}"
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if "msgid" in fields:
                finish()
            flags += [f.strip() for f in line[2:].split(",") if f.strip()]
            continue
        if line.startswith("#"):
            if "msgid" in fields:
                finish()
            comments.append(raw)
            continue
        if line.startswith('"'):
            if current is None:
                raise CatalogueError(f"{where}: a continued string without a keyword")
            fields[current] += _unquote(line, where)
            continue
        keyword, _, rest = line.partition(" ")
        if not re.fullmatch(r"msgctxt|msgid|msgid_plural|msgstr|msgstr\[\d+\]", keyword):
            raise CatalogueError(f"{where}: unknown keyword {keyword!r}")
        if keyword in ("msgctxt", "msgid") and "msgid" in fields and current != "msgctxt":
            finish()
        if keyword in fields:
            raise CatalogueError(f"{where}: {keyword} twice in one entry")
        fields[keyword] = _unquote(rest, where)
        current = keyword
    finish()
    return entries


def read_po(path: Path) -> list[Entry]:
    return parse_po(path.read_text(encoding="utf-8"), name=str(path))


def format_po(entries: Iterable[Entry]) -> str:
    out: list[str] = []
    for entry in entries:
        out += entry.comments
        if entry.flags:
            out.append("#, " + ", ".join(entry.flags))
        if entry.msgctxt:
            out.append(f"msgctxt {_quote(entry.msgctxt)}")
        if entry.msgid == "" and entry.msgstr[0]:
            out.append('msgid ""')
            out.append('msgstr ""')
            out += [_quote(line) for line in entry.msgstr[0].splitlines(keepends=True)]
        else:
            out.append(f"msgid {_quote(entry.msgid)}")
            if entry.msgid_plural:
                out.append(f"msgid_plural {_quote(entry.msgid_plural)}")
                out += [f"msgstr[{i}] {_quote(s)}" for i, s in enumerate(entry.msgstr)]
            else:
                out.append(f"msgstr {_quote(entry.msgstr[0])}")
        out.append("")
    return "\n".join(out)


def write_po(path: Path, entries: Iterable[Entry]) -> None:
    _write_atomically(path, format_po(entries).encode("utf-8"))


def header_entry(language: str) -> Entry:
    return Entry(msgid="", msgstr=[HEADER.format(language=language)])


# --- compiling to .mo ----------------------------------------------------------------------


def mo_bytes(entries: Iterable[Entry]) -> bytes:
    """GNU .mo (little-endian, no hash table) of the translated, non-fuzzy entries and
    the header: what `msgfmt` writes, read by Python's gettext (and so by Django)."""
    pairs: dict[bytes, bytes] = {}
    for entry in entries:
        if entry.msgid == "":
            pairs[b""] = entry.msgstr[0].encode("utf-8")
            continue
        if not entry.translated:
            continue
        key = entry.msgid
        if entry.msgid_plural:
            key += "\0" + entry.msgid_plural
        if entry.msgctxt:
            key = entry.msgctxt + "\x04" + key
        pairs[key.encode("utf-8")] = "\0".join(entry.msgstr).encode("utf-8")
    keys = sorted(pairs)
    count = len(keys)
    originals_at = 7 * 4
    translations_at = originals_at + count * 8
    data_at = translations_at + count * 8
    tables: list[int] = []
    data = b""
    for blob in [*keys, *(pairs[k] for k in keys)]:
        tables += [len(blob), data_at + len(data)]
        data += blob + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, count, originals_at, translations_at, 0, 0)
    return header + struct.pack(f"<{4 * count}I", *tables) + data


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def compile_all(*, only_stale: bool = False) -> list[Path]:
    """Compile every language's django.po to django.mo; the .mo files written."""
    written = []
    for language in LANGUAGES:
        source = po_path(language)
        target = source.with_suffix(".mo")
        if not source.exists():
            continue
        if only_stale and target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        _write_atomically(target, mo_bytes(read_po(source)))
        written.append(target)
    return written


# --- extracting msgids ---------------------------------------------------------------------

Key = tuple[str, str, str]  # (msgctxt, msgid, msgid_plural)

_GETTEXT = {
    "_": "s",
    "_lazy": "s",
    "gettext": "s",
    "gettext_lazy": "s",
    "gettext_noop": "s",
    "ngettext": "n",
    "ngettext_lazy": "n",
    "pgettext": "p",
    "pgettext_lazy": "p",
    "npgettext": "np",
    "npgettext_lazy": "np",
}


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _call_key(name: str, args: list[str | None]) -> Key | None:
    kind = _GETTEXT[name]
    need = {"s": 1, "n": 2, "p": 2, "np": 3}[kind]
    if len(args) < need or any(a is None for a in args[:need]):
        return None
    a = [str(x) for x in args[:need]]
    if kind == "s":
        return ("", a[0], "")
    if kind == "n":
        return ("", a[0], a[1])
    if kind == "p":
        return (a[0], a[1], "")
    return (a[0], a[1], a[2])


def extract_python(source: str) -> Iterator[Key]:
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = (
            func.id
            if isinstance(func, ast.Name)
            else func.attr
            if isinstance(func, ast.Attribute)
            else ""
        )
        if name not in _GETTEXT:
            continue
        key = _call_key(name, [_literal(arg) for arg in node.args])
        if key is not None and key[1]:
            yield key


_TEMPLATE_CALL = re.compile(r"(?<![\w.])(_|gettext|ngettext|pgettext|npgettext)\(")
_REPR = re.compile(r"""\s*(u?'(?:[^'\\]|\\.)*'|u?"(?:[^"\\]|\\.)*")\s*(,|\))""")


def extract_template(source: str) -> Iterator[Key]:
    """What makemessages finds in a template: Django's templatize turns it into gettext
    calls with literal arguments (and `%` doubled), read back here."""
    from django.utils.translation.template import templatize

    text = templatize(source)
    for match in _TEMPLATE_CALL.finditer(text):
        args: list[str | None] = []
        at = match.end()
        while True:
            lit = _REPR.match(text, at)
            if lit is None:
                args.append(None)
                break
            args.append(ast.literal_eval(lit.group(1)))
            at = lit.end()
            if lit.group(2) == ")":
                break
        key = _call_key(match.group(1), args)
        if key is not None and key[1]:
            yield key


def source_files(root: Path = SOURCE_DIR) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".html", ".txt") and "locale" not in path.parts:
            if path.suffix == ".txt" and "templates" not in path.parts:
                continue
            yield path


def extract(root: Path = SOURCE_DIR) -> dict[Key, list[str]]:
    """Every msgid the project asks for, with where (path:line is not kept, the file is)."""
    found: dict[Key, list[str]] = {}
    for path in source_files(root):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            if "gettext" not in text and "_(" not in text:
                continue
            keys = extract_python(text)
        else:
            keys = extract_template(text)
        for key in keys:
            found.setdefault(key, []).append(str(path.relative_to(root)))
    return found


def untranslated(language: str = "en", root: Path = SOURCE_DIR) -> list[Key]:
    """The extracted msgids the language's catalogue lacks, leaves empty or marks fuzzy."""
    catalogue = {e.key: e for e in read_po(po_path(language)) if e.msgid}
    missing = []
    for key in extract(root):
        entry = catalogue.get((key[0], key[1]))
        if entry is None or not entry.translated or bool(entry.msgid_plural) != bool(key[2]):
            missing.append(key)
    return missing


def update(language: str = "en", root: Path = SOURCE_DIR, *, prune: bool = False) -> dict[str, int]:
    """Add every extracted msgid the catalogue lacks (empty msgstr, for a translator) and,
    with prune, drop the entries nothing asks for any more."""
    path = po_path(language)
    entries = read_po(path) if path.exists() else [header_entry(language)]
    known = {e.key for e in entries}
    found = extract(root)
    added = 0
    for key in found:
        if (key[0], key[1]) not in known:
            strs = ["", ""] if key[2] else [""]
            entries.append(Entry(msgid=key[1], msgctxt=key[0], msgid_plural=key[2], msgstr=strs))
            known.add((key[0], key[1]))
            added += 1
    wanted = {(k[0], k[1]) for k in found}
    kept = [e for e in entries if not prune or e.msgid == "" or e.key in wanted]
    write_po(path, kept)
    return {"added": added, "pruned": len(entries) - len(kept), "entries": len(kept) - 1}


def merge(fragments: Iterable[Path], language: str = "en") -> dict[str, int]:
    """Take the translations of helpers' .po fragments into the catalogue: a new msgid is
    added, an empty or fuzzy msgstr filled; a translated one is kept (reported as a
    conflict when the fragment says otherwise)."""
    path = po_path(language)
    entries = read_po(path) if path.exists() else [header_entry(language)]
    by_key = {e.key: e for e in entries}
    added = filled = conflicts = 0
    for fragment in fragments:
        for entry in read_po(fragment):
            if entry.msgid == "":
                continue
            mine = by_key.get(entry.key)
            if mine is None:
                entry.comments = []
                entries.append(entry)
                by_key[entry.key] = entry
                added += 1
            elif not mine.translated and entry.translated:
                mine.msgstr, mine.msgid_plural, mine.flags = (
                    entry.msgstr,
                    entry.msgid_plural,
                    [f for f in mine.flags if f != "fuzzy"],
                )
                filled += 1
            elif entry.translated and mine.msgstr != entry.msgstr:
                conflicts += 1
    write_po(path, entries)
    return {"added": added, "filled": filled, "conflicts": conflicts}
