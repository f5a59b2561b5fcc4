"""Every user-facing string has its Chinese translation (zh_CN first)."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "webapp/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def _catalog(path):
    with path.open("rb") as f:
        return read_po(f)


def test_every_catalog_entry_is_translated():
    untranslated = [m.id for m in _catalog(PO) if m.id and not m.string]
    assert untranslated == []


def test_every_string_in_the_code_is_in_the_catalog(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    in_code = {m.id for m in _catalog(pot) if m.id}
    in_catalog = {m.id for m in _catalog(PO) if m.id}
    assert sorted(in_code - in_catalog) == [], "run `make messages` and translate the new entries"
