import pytest

from truceline.errors import BadRequestError
from truceline.ogc.paging import PageToken, decode_token, encode_token, page_window


def test_tokens_round_trip() -> None:
    for token in (PageToken("after", (1_772_409_600_000_000, "ev-1")), PageToken("before", (3,))):
        assert decode_token(encode_token(token)) == token


@pytest.mark.parametrize("text", ["", "!!", "bm9wZQ", encode_token(PageToken("after", ()))])
def test_foreign_tokens_are_refused(text: str) -> None:
    with pytest.raises(BadRequestError, match="cursor"):
        decode_token(text)


def _walk(n: int, limit: int) -> list[list[int]]:
    """Page through 0..n-1 forward with page_window, as a store would answer."""
    pages, token = [], None
    while True:
        after = -1 if token is None else int(token.key[0])
        fetched = [(k,) for k in range(after + 1, n)][: limit + 1]
        window, nxt, _prev = page_window(fetched, limit, token)
        pages.append([k for (k,) in fetched[window]])
        if nxt is None:
            return pages
        token = nxt


@pytest.mark.parametrize(("n", "limit"), [(0, 3), (1, 3), (3, 3), (10, 3), (10, 1), (9, 10)])
def test_forward_pages_cover_everything_once(n: int, limit: int) -> None:
    pages = _walk(n, limit)
    assert [k for p in pages for k in p] == list(range(n))
    assert all(len(p) <= limit for p in pages)


def test_backward_page_comes_in_ascending_order_with_links_both_ways() -> None:
    keys = [(k,) for k in (9, 8, 7, 6)]  # fetched descending, before key 10, limit 3
    window, nxt, prev = page_window(keys, 3, PageToken("before", (10,)))
    assert [k for (k,) in keys[window]] == [7, 8, 9]
    assert nxt == PageToken("after", (9,)) and prev == PageToken("before", (7,))
    window, nxt, prev = page_window(keys[:2], 3, PageToken("before", (10,)))
    assert [k for (k,) in keys[:2][window]] == [8, 9]
    assert prev is None and nxt == PageToken("after", (9,))
