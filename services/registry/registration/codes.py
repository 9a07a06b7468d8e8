"""Registration query codes (Art. 13): format a setting, unique nationwide, never reused, with a check character.

A code series is one ``code_counters`` row. Drawing a serial is a single ``UPDATE … SET next_value =
next_value + 1 … RETURNING``: on PostgreSQL the row lock serializes concurrent approvals across replicas
until each transaction ends; on SQLite the write lock does the same. ``issued_codes`` has the code as its
primary key, so even a misconfigured format cannot issue a code twice: the insert would fail, not reuse.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.timeutil import utcnow

from .models import CodeCounter, IssuedCode
from .rules import RegistrationRules

__all__ = ["ALPHABET", "check_character", "code_owner", "is_valid_code", "issue_code"]

# ISO/IEC 7064 MOD 37-36: an alphanumeric check character that catches every single-character error and
# every transposition of adjacent characters.
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def check_character(body: str) -> str:
    modulus = len(ALPHABET)
    product = modulus
    for char in body.upper():
        value = ALPHABET.index(char) if char in ALPHABET else None
        if value is None:
            continue  # separators in the format carry no information
        total = (product + value) % modulus or modulus
        product = (total * 2) % (modulus + 1)
    return ALPHABET[(modulus + 1 - product) % modulus]


def is_valid_code(code: str) -> bool:
    return len(code) > 1 and check_character(code[:-1]) == code[-1].upper()


async def _next_serial(session: AsyncSession, series: str) -> int:
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    factory = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(factory(CodeCounter).values(series=series, next_value=1).on_conflict_do_nothing())
    result = await session.execute(
        update(CodeCounter).where(CodeCounter.series == series)
        .values(next_value=CodeCounter.next_value + 1).returning(CodeCounter.next_value)
    )
    return int(result.scalar_one()) - 1


async def issue_code(session: AsyncSession, rules: RegistrationRules, *, registration_id: str, subject_type: str,
                     subject_id: str, region_code: str, today: date) -> str:
    fields = {"year": today.year, "kind": "R" if subject_type == "resource" else "P",
              "region": (region_code or "000000")[:6].ljust(6, "0")}
    series = rules.code_series.format(**fields)
    serial = await _next_serial(session, series)
    body = rules.code_format.format(serial=serial, **fields)
    code = body + check_character(body)
    await session.execute(insert(IssuedCode).values(code=code, registration_id=registration_id,
                                                    subject_type=subject_type, subject_id=subject_id,
                                                    issued_at=utcnow()))
    return code


async def code_owner(session: AsyncSession, code: str) -> IssuedCode | None:
    return await session.get(IssuedCode, code.upper())
