"""Operators' password hashes: Argon2id through argon2-cffi's PasswordHasher (its defaults, RFC 9106's
low-memory profile), with a rehash when those parameters change; and the rule a new password must meet."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10
HASHER = PasswordHasher()
_DUMMY_HASH = HASHER.hash("not-a-password-of-anyone")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def spend_equal_time(password: str) -> None:
    """Verify against a hash of nobody's, so an unknown username takes as long as a wrong password."""
    verify_password(_DUMMY_HASH, password)


def needs_rehash(stored_hash: str) -> bool:
    return HASHER.check_needs_rehash(stored_hash)


def password_problem(password: str) -> str | None:
    """Why `password` cannot be an operator's, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    if password.strip() != password:
        return "the password must not start or end with spaces"
    return None
