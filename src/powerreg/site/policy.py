"""The publish policy: which fields the public website leaves out.

A department may publish every power and yet keep some fields to itself, such as the
posts answerable for each countermeasure (``responsible``). A policy file names them::

    # what the public website leaves out
    omit: [responsible, likelihood, impact]

Only fields a power can do without may be left out (:data:`OMITTABLE`); the power's id,
category, name, 实施主体 and 承办机构, its flowcharts' steps and its risk points with
their countermeasures are what the public list is for, and always published. A name
that is not in the table is a usage error that names the file, line and column and
lists the names that are.

Examples:
    >>> PublishPolicy(omit={"responsible"}).omits("responsible")
    True
    >>> try:
    ...     PublishPolicy.model_validate({"omit": ["responsable"]})
    ... except ValueError as err:
    ...     print(err.errors()[0]["msg"].split(";")[0])
    Value error, unknown field 'responsable' (did you mean 'responsible'?)
"""

from __future__ import annotations

import difflib
import os
from functools import partial
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..codes import Phrase, phrase
from ..errors import UsageError, ValueRefused
from ..model import Countermeasure, Power, RiskPoint, Step, field_label
from ..schemamessages import schema_words
from ..settingsfile import located, read_mapping
from ..textsafe import snippet

#: The model of each kind of entity a policy may leave a field of out.
_MODELS: dict[str, type[BaseModel]] = {
    "power": Power,
    "step": Step,
    "risk_point": RiskPoint,
    "countermeasure": Countermeasure,
}

#: Every field a policy may leave out: name → (the entity that has it, its Chinese label,
#: the field's one name :func:`~powerreg.model.field_label`).
OMITTABLE: dict[str, tuple[str, str]] = {
    name: (entity, field_label(_MODELS[entity], name))
    for name, entity in (
        ("name_en", "power"),
        ("legal_basis", "power"),
        ("statutory_limit", "power"),
        ("promised_limit", "power"),
        ("fee", "power"),
        ("description", "power"),
        ("responsibilities", "power"),
        ("accountability", "power"),
        ("role", "step"),
        ("days", "step"),
        ("likelihood", "risk_point"),
        ("impact", "risk_point"),
        ("responsible", "countermeasure"),
    )
}

#: Fields the flowchart diagrams show: leaving one out means drawing the charts anew.
CHART_FIELDS = frozenset({"statutory_limit", "promised_limit", "role", "days"})


class PublishPolicy(BaseModel):
    """What the public website leaves out; by default nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    omit: frozenset[str] = Field(default_factory=frozenset)

    @field_validator("omit", mode="before")
    @classmethod
    def _known_fields(cls, value: object) -> object:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, (list, tuple, set, frozenset)):
            for name in value:
                if isinstance(name, str) and name not in OMITTABLE:
                    # raised one name at a time, so the message points at its line
                    raise ValueRefused(_unknown_said(name))
            return value
        if value is None:
            return frozenset()
        raise ValueError(  # a number, a mapping: not pydantic's "a valid frozenset"
            "a list of the fields the site leaves out, e.g. 'omit: [responsible, fee]'; "
            f"fields a policy can leave out: {', '.join(sorted(OMITTABLE))}"
        )

    def omits(self, field: str) -> bool:
        """Whether the site leaves ``field`` out."""
        return field in self.omit

    @property
    def redraws_charts(self) -> bool:
        """Whether a field the diagrams show is left out (they must be drawn anew)."""
        return bool(self.omit & CHART_FIELDS)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> PublishPolicy:
        """Read a policy file; a bad one raises ``UsageError`` naming file and line.

        Examples:
            >>> import tempfile
            >>> f = Path(tempfile.mkdtemp()) / "publish.yaml"
            >>> _ = f.write_text("omit:\\n  - responsible\\n  - rôle\\n", encoding="utf-8")
            >>> try:
            ...     PublishPolicy.from_file(f)
            ... except UsageError as err:
            ...     print(str(err).replace(str(f), "publish.yaml").split(";")[0])
            publish.yaml:3:5: omit[1]: unknown field 'rôle' (did you mean 'role'?)
        """
        doc, data = read_mapping(path, phrase("part.site_policy"), phrase("part.site_not_mapping"))
        names = data.get("omit")
        if isinstance(names, list):  # find the first bad name: its line is the one to fix
            for i, name in enumerate(names):
                if not isinstance(name, str) or name not in OMITTABLE:
                    line, col = doc.position(("omit", i))
                    what = (
                        _unknown_said(name)
                        if isinstance(name, str)
                        else phrase("part.site_not_field_name")
                    )
                    raise UsageError(
                        "site.policy_bad_omit", path=Path(path), line=line, col=col, i=i, what=what
                    )
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            unknown = phrase("part.site_unknown_key")
            words = partial(schema_words, cls)
            raise located(path, doc, err, unknown_key=unknown, explain=words) from err


def _unknown_said(name: str) -> Phrase:
    """What a policy file is told of a name that is not in :data:`OMITTABLE`, said in
    the message's language."""
    close = difflib.get_close_matches(name, list(OMITTABLE), n=1)
    fields = ", ".join(sorted(OMITTABLE))
    if close:
        return phrase(
            "part.site_unknown_field_close", name=snippet(name), close=close[0], fields=fields
        )
    return phrase("part.site_unknown_field", name=snippet(name), fields=fields)


def as_policy(policy: PublishPolicy | str | os.PathLike[str] | None) -> PublishPolicy:
    """A policy object from a policy, a file path or ``None`` (leave nothing out)."""
    if policy is None:
        return PublishPolicy()
    if isinstance(policy, PublishPolicy):
        return policy
    return PublishPolicy.from_file(policy)
