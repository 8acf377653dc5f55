"""The English catalogue: every msgid the code and the templates ask for has its English
(what `makemessages` would add untranslated: nothing), the .po reader and the .mo writer
agree with Python's gettext, and the fixed words that come from data are all known."""

from __future__ import annotations

import gettext
import io
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learncity.core import catalogue
from learncity.core.catalogue import CatalogueError, Entry

SRC = Path(catalogue.SOURCE_DIR)


def test_every_msgid_has_english():
    missing = catalogue.untranslated("en")
    assert missing == [], (
        f"{len(missing)} msgid(s) without English in {catalogue.po_path('en')} "
        "(`learncity i18n update` adds them to fill in; helpers' fragments: "
        "`learncity i18n merge FILE.po`): " + "; ".join(repr(m[1]) for m in missing[:20])
    )


def test_no_entry_is_fuzzy_or_empty():
    entries = [e for e in catalogue.read_po(catalogue.po_path("en")) if e.msgid]
    assert entries
    assert [e.msgid for e in entries if e.fuzzy] == []
    assert [e.msgid for e in entries if not all(s.strip() for s in e.msgstr)] == []


def test_no_template_uses_the_old_pair_tag():
    pair = re.compile(r"\{%\s*tr\s")
    offenders = [
        str(p.relative_to(SRC)) for p in SRC.rglob("*.html") if pair.search(p.read_text("utf-8"))
    ]
    assert offenders == []


def test_the_extractor_finds_what_makemessages_would():
    template = (
        '{% translate "한국어" %}{% translate "맥락" context "menu" %}'
        "{% blocktranslate count n=k %}{{ n }}개 강좌{% plural %}{{ n }}개 강좌{% endblocktranslate %}"
        '{% include "x.html" with label=_("라벨") %}{% translate "출석률 80%" %}'
    )
    found = set(catalogue.extract_template(template))
    assert {
        ("", "한국어", ""),
        ("menu", "맥락", ""),
        ("", "%(n)s개 강좌", "%(n)s개 강좌"),
        ("", "라벨", ""),
        ("", "출석률 80%%", ""),  # % doubled in templates, as makemessages does
    } <= found
    python = 'x = _("가"); y = ngettext("나", "나들", n); z = pgettext_lazy("c", "다"); w = _(v)'
    assert set(catalogue.extract_python(python)) == {
        ("", "가", ""),
        ("", "나", "나들"),
        ("c", "다", ""),
    }


def _mo_reads(entries: list[Entry]) -> gettext.GNUTranslations:
    return gettext.GNUTranslations(io.BytesIO(catalogue.mo_bytes(entries)))


def test_compiled_catalogue_reads_back():
    entries = [
        catalogue.header_entry("en"),
        Entry(msgid="신청", msgstr=["Apply"]),
        Entry(msgid="출석", msgctxt="roster", msgstr=["Present"]),
        Entry(msgid="%(n)s개", msgid_plural="%(n)s개", msgstr=["%(n)s item", "%(n)s items"]),
        Entry(msgid="미번역", msgstr=[""]),
        Entry(msgid="애매", msgstr=["Vague"], flags=["fuzzy"]),
    ]
    reads = _mo_reads(entries)
    assert reads.gettext("신청") == "Apply"
    assert reads.pgettext("roster", "출석") == "Present"
    assert reads.ngettext("%(n)s개", "%(n)s개", 1) == "%(n)s item"
    assert reads.ngettext("%(n)s개", "%(n)s개", 2) == "%(n)s items"
    assert reads.gettext("미번역") == "미번역"  # empty: left out, the Korean shows
    assert reads.gettext("애매") == "애매"  # fuzzy: left out


def test_the_repository_catalogue_compiles_and_reads():
    entries = catalogue.read_po(catalogue.po_path("en"))
    reads = _mo_reads(entries)
    for entry in entries[1:50]:
        if entry.msgctxt or entry.msgid_plural:
            continue
        assert reads.gettext(entry.msgid) == entry.msgstr[0]


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(msgid=texts.filter(bool), msgstr=texts, context=texts)
def test_po_round_trip(msgid, msgstr, context):
    entry = Entry(msgid=msgid, msgstr=[msgstr], msgctxt=context)
    text = catalogue.format_po([catalogue.header_entry("en"), entry])
    parsed = catalogue.parse_po(text)
    assert (parsed[1].msgid, parsed[1].msgstr, parsed[1].msgctxt) == (msgid, [msgstr], context)


@pytest.mark.parametrize(
    "text",
    [
        'msgid "가"\nmsgstr "a"\nmsgstr "b"\n',  # a keyword twice
        'msgid "가\nmsgstr "a"\n',  # unterminated string
        'msgfoo "가"\n',  # unknown keyword
        '"dangling"\n',  # a continuation without an entry
        'msgstr "a"\n',  # no msgid
    ],
)
def test_broken_po_is_refused_with_its_line(text):
    with pytest.raises(CatalogueError, match="<po>:"):
        catalogue.parse_po(text)


def test_vocabulary_knows_every_group_area_and_weekday():
    from learncity.algorithms.course_fields import TARGET_GROUPS
    from learncity.catalog.models import MIDDLE_CATEGORIES, Category
    from learncity.core import vocabulary
    from learncity.search.selectors import WEEKDAY_NAMES

    assert set(TARGET_GROUPS) == set(vocabulary.TARGET_GROUPS)
    assert set(WEEKDAY_NAMES) == set(vocabulary.WEEKDAYS)
    assert {c.value for c in Category} == set(vocabulary.AREAS)
    areas = vocabulary.TABLES["area"]
    assert {str(c.label) for c in Category} <= set(areas)
    assert {m for ms in MIDDLE_CATEGORIES.values() for m in ms} <= set(areas)


def test_merging_fragments_adds_fills_and_keeps(tmp_path, monkeypatch):
    monkeypatch.setattr(catalogue, "LOCALE_DIR", tmp_path)
    catalogue.write_po(
        catalogue.po_path("en"),
        [
            catalogue.header_entry("en"),
            Entry(msgid="있음", msgstr=["Kept"]),
            Entry(msgid="빈칸", msgstr=[""]),
        ],
    )
    fragment = tmp_path / "g9.po"
    fragment.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "있음"\nmsgstr "Other"\n\nmsgid "빈칸"\nmsgstr "Filled"\n\n'
        'msgctxt "menu"\nmsgid "새것"\nmsgstr "New"\n\n'
        'msgid "%(n)s개"\nmsgid_plural "%(n)s개"\nmsgstr[0] "%(n)s item"\nmsgstr[1] "%(n)s items"\n',
        encoding="utf-8",
    )
    assert catalogue.merge([fragment]) == {"added": 2, "filled": 1, "conflicts": 1}
    assert catalogue.merge([fragment]) == {"added": 0, "filled": 0, "conflicts": 1}
    merged = {e.key: e.msgstr for e in catalogue.read_po(catalogue.po_path("en"))}
    assert merged[("", "있음")] == ["Kept"]
    assert merged[("", "빈칸")] == ["Filled"]
    assert merged[("menu", "새것")] == ["New"]
    assert merged[("", "%(n)s개")] == ["%(n)s item", "%(n)s items"]
    assert catalogue.compile_all() == [catalogue.po_path("en").with_suffix(".mo")]
