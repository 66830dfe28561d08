"""Item names: what every platform a drive reaches accepts."""
from __future__ import annotations

import pytest

from drive.names import check_name, name_problem
from errors import ValidationError


@pytest.mark.parametrize("name", ["report.pdf", "Ångström ✓", "a" * 255, ".hidden", "con.txt.bak"[4:],
                                  "CONSOLE.txt", "com10"])
def test_good_names(name):
    assert name_problem(name) is None


@pytest.mark.parametrize("name", ["", " ", "a/b", "a\\b", ".", "..", "x\x00y", "bell\x07", "del\x7f",
                                  "CON", "con", "NUL.txt", "Com1", "LPT9.doc", "aux", "end.", " lead",
                                  "a" * 256, None, 5])
def test_bad_names(name):
    assert name_problem(name)


def test_check_name_names_the_field():
    with pytest.raises(ValidationError) as err:
        check_name("..", "file[3]")
    assert err.value.status == 422 and list(err.value.fields) == ["file[3]"]
