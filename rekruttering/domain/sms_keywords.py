"""What an SMS reply means: opt out, opt back in, "yes, I'm coming", "no", or just text.

The first word decides, in any case and with any trailing words or punctuation:
"Stopp takk!", "stop.", "  JA, jeg kommer" and "Nei :(" are all understood. Only the
first word counts so that a sentence that merely *contains* "stop" ("Kan dere ikke
stoppe …") stays a message for staff to read rather than silently opting someone out.

Twilio's own opt-out only knows single English words; STOPP, AVSLUTT and SLUTT are
ours. The English opt-out words are Twilio's list, so our list and the carrier's block
agree.

YES is both an RSVP and (in Twilio's default opt-in list) a way to undo STOP. We treat
YES as an RSVP ("yes, I'm coming"), like JA; only START and UNSTOP opt a number back
in to *our* list. A person who sent STOP and later YES may be unblocked at Twilio but
stays opted out with us until they send START or staff opt them back in: when in
doubt, we do not text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class ReplyKind(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    YES = "yes"
    NO = "no"
    OTHER = "other"


OPT_OUT_WORDS = frozenset(
    {
        # Norwegian: ours to handle (Twilio does not know them)
        "stopp",
        "avslutt",
        "slutt",
        # Twilio's default opt-out keywords
        "stop",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "revoke",
        "optout",
    }
)
OPT_IN_WORDS = frozenset({"start", "unstop"})
YES_WORDS = frozenset({"ja", "yes"})
NO_WORDS = frozenset({"nei", "no"})

#: Keywords Twilio itself acts on (and answers) when Advanced Opt-Out is on.
PROVIDER_KEYWORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
    | {"start", "unstop", "yes"}
)

_FIRST_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    keyword: str = ""  # the recognised word, lower case ("" for OTHER)

    @property
    def answered_by_provider(self) -> bool:
        """True when Twilio itself sends the confirmation for this keyword."""
        return self.keyword in PROVIDER_KEYWORDS


def first_word(body: str) -> str:
    """The first run of letters in ``body``, case-folded ("" when there is none)."""
    text = unicodedata.normalize("NFKC", body or "")
    match = _FIRST_WORD.search(text)
    return match.group(0).casefold() if match else ""


def parse_reply(body: str) -> Reply:
    """Classify an inbound SMS by its first word."""
    word = first_word(body)
    if word in OPT_OUT_WORDS:
        return Reply(ReplyKind.OPT_OUT, word)
    if word in OPT_IN_WORDS:
        return Reply(ReplyKind.OPT_IN, word)
    if word in YES_WORDS:
        return Reply(ReplyKind.YES, word)
    if word in NO_WORDS:
        return Reply(ReplyKind.NO, word)
    return Reply(ReplyKind.OTHER)
