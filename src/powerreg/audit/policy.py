"""The audit policy: severities per rule (or ``off``) and thresholds, from a YAML file.

A policy file::

    severities:
      A304: off          # we do not ask for measures in several stages
      A305: error        # every power must have a risk point
    min_high_measures: 4
    promise_ratio: 0.5   # or "1/2": promised ≤ half the statutory limit
    peer_coverage_gap: 0.3   # roll-ups (A503): how far below its peers a department may be

Examples:
    >>> p = Policy.model_validate({"severities": {"A304": "off"}, "promise_ratio": "1/2"})
    >>> p.severity("A304"), p.severity("A301"), p.ratio
    ('off', 'error', Fraction(1, 2))
"""

from __future__ import annotations

import os
from fractions import Fraction
from functools import partial
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..codes import CODES, Phrase, Severity, phrase
from ..errors import ValueRefused
from ..schemamessages import schema_words
from ..settingsfile import located, read_mapping
from ..suggest import closest

Setting = Literal["error", "warning", "info", "off"]

#: The codes a policy may set: those of the audit.
AUDIT_CODES = tuple(sorted(c for c in CODES if c.startswith("A")))


class Policy(BaseModel):
    """Severities and thresholds of an audit; the defaults are SPEC §4's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severities: dict[str, Setting] = Field(default_factory=dict)
    min_high_measures: int = Field(default=3, ge=0, le=100)
    promise_ratio: str | float = "2/3"
    #: a roll-up's department is A503 when the share of its high risk points a
    #: supervision or technology measure guards is this far below its peers' median
    peer_coverage_gap: float = Field(default=0.2, ge=0, le=1)

    @field_validator("severities")
    @classmethod
    def _known_rules(cls, value: dict[str, Setting]) -> dict[str, Setting]:
        unknown = sorted(set(value) - set(AUDIT_CODES))
        if unknown:
            raise ValueRefused(
                phrase(
                    "part.policy_unknown_rules",
                    codes=", ".join(unknown),
                    rules=", ".join(AUDIT_CODES),
                )
            )
        return value

    @field_validator("promise_ratio")
    @classmethod
    def _ratio(cls, value: str | float) -> str | float:
        try:
            r = Fraction(str(value))
        except (ValueError, ZeroDivisionError) as err:
            raise ValueRefused(phrase("part.promise_ratio_not_number", value=repr(value))) from err
        if not 0 < r <= 1:
            raise ValueRefused(phrase("part.promise_ratio_range"))
        return value

    @property
    def ratio(self) -> Fraction:
        """``promise_ratio`` as an exact fraction."""
        return Fraction(str(self.promise_ratio))

    def severity(self, code: str) -> Setting:
        """The severity this policy gives a rule (its default if not set)."""
        return self.severities.get(code, CODES[code].severity)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Policy:
        """Read a policy file; a bad one raises ``UsageError`` naming file and line."""
        doc, data = read_mapping(
            path, phrase("part.audit_policy"), phrase("part.audit_policy_not_mapping")
        )
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            words = partial(schema_words, cls)
            raise located(path, doc, err, unknown_key=_unknown_key(err), explain=words) from err


def _unknown_key(err: ValidationError) -> Phrase:
    """What a key of a policy file that is none of its fields is told: the fields, and
    where a rule's severity goes when the key is a rule.

    Examples:
        >>> try:
        ...     Policy.model_validate({"A307": "off"})
        ... except ValidationError as err:
        ...     print(_unknown_key(err).in_lang("en"))
        unknown key; a policy's keys are severities, min_high_measures, promise_ratio, \
peer_coverage_gap (a rule's severity goes under severities, e.g. 'severities: {A307: off}')
    """
    keys = ", ".join(Policy.model_fields)
    key = str(err.errors(include_url=False)[0]["loc"][-1])
    if key.upper() in AUDIT_CODES:
        return phrase("part.policy_key_is_rule", keys=keys, key=key)
    if (close := closest(key, Policy.model_fields)) is not None:
        return phrase("part.policy_key_close", keys=keys, close=close)
    return phrase("part.policy_key_unknown", keys=keys)


def effective(policy: Policy, code: str) -> Severity | None:
    """The severity of a rule under a policy, or ``None`` if it is off."""
    s = policy.severity(code)
    return None if s == "off" else s
