"""Caps on rendered rule messages.

A message template may copy facts into the text (`{{ facts.extra.log }}`); a 64 KiB fact
repeated over a recording would flood CI logs, pull request comments and JUnit reports,
and GitHub truncates annotations anyway. A cut message says it was cut, so no reader
mistakes the start of a message for all of it.
"""

from __future__ import annotations

#: The most UTF-8 bytes of a rendered message that are kept.
MAX_MESSAGE_BYTES = 4096
CUT_MARK = f"… [cut at {MAX_MESSAGE_BYTES} bytes]"


def cap_message(text: str) -> str:
    """`text` when it fits in MAX_MESSAGE_BYTES of UTF-8, else its longest whole-character
    start that does, followed by CUT_MARK."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= MAX_MESSAGE_BYTES:
        return text
    kept = encoded[:MAX_MESSAGE_BYTES].decode("utf-8", "ignore")  # drops a split character
    return kept + CUT_MARK
