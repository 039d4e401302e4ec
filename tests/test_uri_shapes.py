"""The simple-URI shortcut of the uri.* transformations gives exactly what the
full parse_uri() state machine gives, on simple URIs and on near misses."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cfgscript.runtime.transforms.uri import _BadUri, _simple_uri, _UriParser

SCHEMES = st.sampled_from(["sip:", "sips:", "SIP:", "Sips:", "sip", "sipx:", "tel:"])
PART = st.text(alphabet="aZ09._+-@:;?[]%=&! ", min_size=0, max_size=12)
PORT = st.one_of(st.just(""), st.integers(0, 999_999).map(lambda n: ":%d" % n))


def full_parse(s: str):
    try:
        return _UriParser(s).parse()
    except _BadUri:
        return None


@settings(max_examples=3000, deadline=None)
@given(SCHEMES, PART, PART, PORT)
def test_the_shortcut_agrees_with_the_state_machine(scheme, user, host, port):
    for uri in (scheme + user + "@" + host + port, scheme + host + port):
        shortcut = _simple_uri(uri)
        if shortcut is not None:
            assert shortcut == full_parse(uri), uri


def test_the_shortcut_takes_the_common_forms():
    assert _simple_uri("sip:123@example.org") == {"user": "123", "host": "example.org",
                                                  "port_no": 0, "scheme": "sip:"}
    assert _simple_uri("sips:alice@10.0.0.1:5061") == full_parse("sips:alice@10.0.0.1:5061")
    assert _simple_uri("sip:a@b:99999") is None
    assert _simple_uri("sip:a;b@c") is None
