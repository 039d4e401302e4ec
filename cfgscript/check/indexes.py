"""The words a variable takes as its index, besides the forms every index parser
knows (a number, "*", a variable).

Each variable's module brings its own index parser; most use the core one
(pv_parse_index), which takes only those forms. The others, as OpenSIPS 4.1 has them:
$avp takes "append"; $sdp.line, $sdp.stream and $sdp.session take "insert" and
"insertAfter"; the $tm.branch.* variables take a number or variable with a "/all" or
"/active" suffix; $rtpstat and the $rtp_relay* variables take any text (a statistic
name, a leg tag). All of them compare words without regard to case.
"""

from __future__ import annotations

import re

_WORDS: dict[str, frozenset[str]] = {
    "avp": frozenset({"append"}),
    "sdp.line": frozenset({"insert", "insertafter"}),
    "sdp.stream": frozenset({"insert", "insertafter"}),
    "sdp.session": frozenset({"insert", "insertafter"}),
}
_ANY_TEXT = frozenset({"rtpstat", "rtp_relay", "rtp_relay_peer", "rtp_relay_caller",
                       "rtp_relay_callee"})
_BRANCH_PREFIX = "tm.branch."
_BRANCH_INDEX = re.compile(r"-?[0-9]*/(?:all|active)")


def takes_word_index(variable: str, word: str) -> bool:
    """Whether $variable takes `word` (lower-cased, not a number, "*" or variable) as index."""
    if variable in _ANY_TEXT or word in _WORDS.get(variable, ()):
        return True
    return variable.startswith(_BRANCH_PREFIX) and _BRANCH_INDEX.fullmatch(word) is not None
