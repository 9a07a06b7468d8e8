"""Chinese official identifiers: unified social credit code (GB 32100-2015) and division codes (GB/T 2260)."""

from __future__ import annotations

import re

__all__ = ["is_division_code", "is_uscc", "uscc_check_char", "with_uscc_check"]

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
# First two digits of GB/T 2260 codes: provinces, autonomous regions, municipalities, SARs, Taiwan.
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82",
}


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def with_uscc_check(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def is_uscc(value: str) -> bool:
    """18 characters from the GB 32100 alphabet, a 6-digit division code, and a correct check character."""
    if not isinstance(value, str) or not _USCC.match(value):
        return False
    return uscc_check_char(value[:17]) == value[17]


def is_division_code(value: str) -> bool:
    return isinstance(value, str) and len(value) == 6 and value.isdigit() and value[:2] in _PROVINCES
