"""Hypothesis: the InfluxQL quoters round-trip through the server's un-quoting rules, and
quoted text never changes how classify() sees a statement."""

from __future__ import annotations

from typing import Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from influxdb import _influxql as ql
from influxdb._influxql import QueryInfo, classify, quote_ident, quote_literal

_ESCAPES = {"n": "\n", "\\": "\\", '"': '"', "'": "'"}


def unquote(text: str, start: int = 0) -> tuple[str, int]:
    """Un-quote one ``"..."`` or ``'...'`` token at ``start`` as InfluxDB 1.x does.

    Written from influxql ``ScanString`` and its reader (checked against influxd 1.6.7):
    the only escapes are ``\\n \\\\ \\" \\'``; a newline, a carriage return (read as a
    newline) or NUL (read as end of input) inside the token is an error.

    :returns: the value and the index just past the closing quote
    """
    ending = text[start]
    assert ending in "\"'"
    out = []
    i = start + 1
    while True:
        if i >= len(text) or text[i] in "\n\r\x00":
            raise ValueError("bad string")
        ch = text[i]
        if ch == ending:
            return "".join(out), i + 1
        if ch == "\\":
            escaped: Optional[str] = _ESCAPES.get(text[i + 1]) if i + 1 < len(text) else None
            if escaped is None:
                raise ValueError("bad escape")
            out.append(escaped)
            i += 2
        else:
            out.append(ch)
            i += 1


@pytest.mark.parametrize(
    ("quoted", "value"),
    [('"a\\"b"', 'a"b'), ("'a\\'b'", "a'b"), ('"a\\nb"', "a\nb"), ("'\\\\'", "\\"),
     ('"it\'s"', "it's"), ("'say \"hi\"'", 'say "hi"')],
)
def test_unquoter_itself(quoted: str, value: str) -> None:
    assert unquote(quoted) == (value, len(quoted))


@pytest.mark.parametrize("bad", ['"a\nb"', "'a\rb'", '"a\x00"', "'\\t'", '"\\x"', "'open"])
def test_unquoter_rejects_what_the_server_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        unquote(bad)


# Every str the server can carry: anything but \r, NUL and lone surrogates.
representable = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00")
)
# Bias towards the characters that matter.
tricky = st.text(alphabet=st.sampled_from(list("\"'\\\n;-/*= aZ\u00e9\U0001f600")))
names = representable | tricky


@given(names)
def test_quote_ident_round_trips(value: str) -> None:
    quoted = quote_ident(value)
    assert quoted.startswith('"')
    assert unquote(quoted) == (value, len(quoted))


@given(names)
def test_quote_literal_round_trips(value: str) -> None:
    quoted = quote_literal(value)
    assert quoted.startswith("'")
    assert unquote(quoted) == (value, len(quoted))


@given(names, st.sampled_from(["\r", "\x00", "\ud800", "\udfff"]), names)
def test_unrepresentable_characters_raise(before: str, bad: str, after: str) -> None:
    for quoter in (quote_ident, quote_literal):
        with pytest.raises(ValueError):
            quoter(before + bad + after)


@given(names, names, names)
def test_quoted_text_never_changes_classification(name: str, key: str, value: str) -> None:
    assert classify(ql.show_series(name or None, {key: value})) == QueryInfo(
        False, False, ("SHOW",)
    )
    assert classify(f"SELECT {quote_ident(key)} FROM m WHERE t = {quote_literal(value)}") == (
        QueryInfo(False, False, ("SELECT",))
    )
    if name:
        assert classify(ql.drop_measurement(name)) == QueryInfo(True, False, ("DROP",))
        assert classify(ql.create_user(name, value)) == QueryInfo(True, True, ("CREATE",))
        assert classify(ql.set_password(name, value)) == QueryInfo(True, True, ("SET",))


@given(names)
def test_classify_never_fails(text: str) -> None:
    info = classify(text)
    assert len(info.first_keywords) <= text.count(";") + 1
