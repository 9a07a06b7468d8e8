"""GB 32100-2015 unified social credit codes and GB/T 2260 division codes."""

import pytest

from services.kernel.identifiers import is_division_code, is_uscc, uscc_check_char, with_uscc_check


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B", "91440300708461136T"])
def test_published_credit_codes_validate(code):
    assert is_uscc(code)


@pytest.mark.parametrize("code", [
    "91350100M000100Y44",  # check character off by one
    "91350100M000100Y4",   # 17 characters
    "91350100M0001O0Y43",  # letter O is not in the GB 32100 alphabet
    "91350100m000100y43",  # lower case
    "",
])
def test_malformed_credit_codes_are_refused(code):
    assert not is_uscc(code)


def test_check_character_is_computed_from_the_first_17():
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert with_uscc_check("91350100M000100Y4") == "91350100M000100Y43"
    with pytest.raises(ValueError, match="zip"):  # 7 characters where the weights expect 17
        uscc_check_char("9135010")


@pytest.mark.parametrize(("code", "ok"), [("110000", True), ("310115", True), ("820000", True), ("990000", False),
                                      ("11000", False), ("11000a", False)])
def test_division_codes(code, ok):
    assert is_division_code(code) is ok
