"""How likely a post of a group is to hang from its first copy, read from the group itself.

:func:`kit.spread.build.build` charges every candidate parent but the group's
first copy a prior ``theta`` (2.0: before any evidence, a repost was made from
the first copy about 7 times in 8, the star shape real cascades mostly have).
A group spread as a chain of edits is not a star: most of its copies carry
another copy's changes, and there the prior keeps hanging a copy from the
first copy although a copy between them carries one more of its changes (a
rotation, a filter, two crop edges: 1-2 units of support each, each short of
``theta``; deep_chains: 30 of 207 posts hung from an ancestor so).

:func:`group_prior` estimates the group's odds from its own evidence: the
share ``pi`` of its posts whose best candidate other than the first copy is
strongly supported (support less conflict at least :data:`STRONG`, odds of 20
to 1), with the default prior counted as :data:`PRIOR_POSTS` posts, and
charges ``log((1 - pi) / pi)``, never less than :data:`FLOOR` nor more than
``theta``. The default share is ``1 / (1 + e^theta)``, 12 % for 2.0: a group
with fewer strong candidates keeps ``theta``, one with more pays less by
degrees. On the spread benchmark star groups have 0-15 % (15 of 100 would pay
1.75) and deep chains 29-89 % (the floor from about 27 %). Only the prior
moves: the evidence each candidate carries is what it was. Posts are counted,
not files: each share of an edited file whose best other candidate is strong
counts.

Examples
--------
>>> first = {0: "o"}
>>> strong = {"support": 6.0, "conflict": 0.0, "algorithm": "lineage"}
>>> chain = {f"c{k}": [(1.0, "o", {}), (-4.0, "x", strong)] for k in range(12)}
>>> out, chains = group_prior(chain, {0: ["o", *chain]}, first, 2.0)
>>> out["c0"][1][0], out["c0"][0][0]  # 12 of 12 strongly supported: the floor, 1.0 instead of 2.0
(-5.0, 1.0)
>>> weak = {"support": 1.0, "conflict": 0.0, "algorithm": "lineage"}
>>> star = {f"c{k}": [(0.0, "o", {}), (1.0, "x", weak)] for k in range(12)}
>>> out, chains = group_prior(star, {0: ["o", *star]}, first, 2.0)
>>> out["c0"][1][0], chains
(1.0, {})
"""

from __future__ import annotations

import math

__all__ = ["FLOOR", "PRIOR_POSTS", "STRONG", "chain_sentence", "group_prior"]

STRONG = 3.0  # support less conflict of a candidate that is clearly a parent (e^3 = 20 to 1)
PRIOR_POSTS = 8  # the default prior (1 post in 8 not from the first copy) weighs as much as 8 posts
FLOOR = 1.0  # the first copy stays e (2.7) times likelier than another candidate before evidence


def _odds(incoming: dict, posts: list, first: str, theta: float) -> tuple[float, int, int]:
    """``(prior, strong, n)``: the prior of a candidate other than ``first`` for the group of ``posts``,
    and how many of its ``n`` posts besides ``first`` have a strongly supported candidate (module doc)."""
    n = strong = 0
    for v in posts:
        if v == first or v not in incoming:
            continue
        n += 1
        best = max((c[2]["support"] - c[2]["conflict"] for c in incoming[v]
                    if c[1] != first and c[2].get("algorithm") == "lineage"), default=-math.inf)
        strong += best >= STRONG
    pi0 = 1.0 / (1.0 + math.exp(theta))
    pi = (strong + PRIOR_POSTS * pi0) / (n + PRIOR_POSTS)
    return min(theta, max(FLOOR, math.log((1.0 - pi) / pi))), strong, n


def group_prior(incoming: dict, members: dict, first: dict, theta: float) -> tuple[dict, dict]:
    """``(incoming, chains)``: ``incoming`` (post -> candidates ``(cost, parent, info)``) with each
    group's candidates other than its first copy charged the group's own prior (:func:`_odds`) instead
    of ``theta``, and group -> ``(prior, strong, n)`` for the groups charged less; ``members``: group ->
    its posts, ``first``: group -> its first copy. The input is not changed."""
    out, chains = dict(incoming), {}
    for g, posts in members.items():
        f = first[g]
        prior, strong, n = _odds(incoming, posts, f, theta)
        if prior >= theta - 1e-9:  # log((1 - pi0) / pi0) comes back within rounding of theta
            continue
        chains[g] = (prior, strong, n)
        for v in posts:
            if v in incoming:
                out[v] = [(c[0] - (theta - prior), *c[1:]) if c[1] != f else c for c in incoming[v]]
    return out, chains


def chain_sentence(prior: float, strong: int, n: int, theta: float) -> str:
    """What an edge's evidence says of its group's prior (:func:`group_prior`).

    >>> said = chain_sentence(1.0, 25, 30, 2.0)
    >>> said.startswith("in its group 25 of 30 copies carry another copy's changes"), said.endswith("1.0, not 2.0")
    (True, True)
    """
    return (f"in its group {strong} of {n} copies carry another copy's changes strongly, so a parent other than "
            f"the first copy was charged {prior:.1f}, not {theta:.1f}")
