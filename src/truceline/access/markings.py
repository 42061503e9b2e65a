"""Markings algebra (pure): the audience of a release token, and markings of derived records.

A token in ``releasable_to`` names an audience: a nation code (ISO 3166-1 alpha-3) means that
nation's principals; ``MISSION`` the mechanism's own staff; ``COALITION`` every contributing
nation; ``PARTIES`` both sides' liaison officers; a side code that side's liaison officers;
``PUBLIC`` everyone. A record derived from several inputs is releasable only where all of
them are (docs/formats/markings.md), so its tokens are the pairwise intersections of its
inputs' audiences, kept only where the intersection is itself exactly one token. This is
conservative by design: an intersection no single token can name (e.g. mission staff who are
also US nationals) is dropped rather than widened. Releasing more takes an explicit,
audited sanitisation decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from truceline.formats.records import Markings

NOBODY = "NONE"  # audience of a derived record no single token can name
TLP_ORDER = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")


def is_nation(token: str, side_codes: Iterable[str] = ()) -> bool:
    """Nation codes are three capital letters that are neither a group nor a side code."""
    return len(token) == 3 and token.isalpha() and token.isupper() and token not in side_codes


def token_meet(a: str, b: str, side_codes: Sequence[str]) -> str | None:
    """The single token naming the audience both ``a`` and ``b`` reach, or None."""
    if a == b:
        return a
    if a == "PUBLIC":
        return b
    if b == "PUBLIC":
        return a
    for group, member in ((a, b), (b, a)):
        if group == "COALITION" and is_nation(member, side_codes):
            return member
        if group == "PARTIES" and member in side_codes:
            return member
    return None


def meet(tokens_a: Iterable[str], tokens_b: Iterable[str], side_codes: Sequence[str]) -> list[str]:
    """Tokens for the audience that may see both of two records."""
    out = {m for a in tokens_a for b in tokens_b if (m := token_meet(a, b, side_codes)) is not None}
    return sorted(out)


def stricter_tlp(a: str, b: str) -> str:
    return a if TLP_ORDER.index(a) >= TLP_ORDER.index(b) else b


def derive(
    inputs: Sequence[Markings], *, side_codes: Sequence[str] = (), originator: str = "MISSION"
) -> Markings:
    """Markings of a record derived from ``inputs``: releasable only where all of them are.

    ORCON if any input is ORCON; the strictest TLP label; ``MISSION`` staff keep sight only
    if every input is releasable to them. With no inputs, the default (MISSION only).
    """
    if not inputs:
        return Markings(originator=originator)
    tokens: list[str] = list(inputs[0].releasable_to)
    tlp: str = inputs[0].tlp
    orcon = inputs[0].originator_controlled
    for m in inputs[1:]:
        tokens = meet(tokens, m.releasable_to, side_codes)
        tlp = stricter_tlp(tlp, m.tlp)
        orcon = orcon or m.originator_controlled
    if not tokens:
        # No audience may see every input: the record exists (it was derived) but only an
        # administrator deciding on a sanitised release sees it. Widening it to MISSION
        # would leak a nation's data to staff it was never released to.
        tokens = [NOBODY]
        tlp = "RED"
        orcon = True
    return Markings.model_validate(
        {
            "releasable_to": tokens,
            "originator_controlled": orcon,
            "tlp": tlp,
            "originator": originator,
        }
    )
