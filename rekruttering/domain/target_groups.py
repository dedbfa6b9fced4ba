"""The centre's target groups (målgrupper), as in the evaluation report."""

from __future__ import annotations

from enum import StrEnum


class TargetGroup(StrEnum):
    IMMIGRANT = "immigrant"  # people with immigrant background (innvandringsbakgrunn)
    CHILDREN_YOUTH = "children_youth"  # children, young people and their parents
    VOLUNTEERS_SENIORS = "volunteers_seniors"  # volunteers and pensioners
    OTHERS = "others"  # e.g. "all creative souls"
