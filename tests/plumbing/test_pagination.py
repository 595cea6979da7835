"""One cursor format for every list."""

from datetime import datetime

import pytest

from switchboard.errors import ApiError
from switchboard.plumbing.pagination import MAX_SEQ, decode_cursor, encode_cursor, paginate_items


def test_a_cursor_round_trips_its_sort_key():
    when = datetime(2026, 7, 2, 15, 4, 5, 123456)
    assert decode_cursor(encode_cursor(when, "rm_1"), datetime, str) == (when, "rm_1")
    assert decode_cursor(encode_cursor(42), int) == (42,)


@pytest.mark.parametrize(
    "cursor, types",
    [
        ("garbage!", (int,)),
        ("W10", (datetime, str)),
        (encode_cursor("x"), (int,)),
        (encode_cursor(MAX_SEQ + 1), (int,)),
    ],
)
def test_a_cursor_this_api_did_not_write_is_refused(cursor, types):
    with pytest.raises(ApiError) as err:
        decode_cursor(cursor, *types)
    assert (err.value.status, err.value.code, err.value.param) == (400, "invalid_cursor", "cursor")


def test_in_memory_lists_page_newest_first_without_repeats():
    items = [(datetime(2026, 1, day), f"k{day}") for day in range(1, 8)]
    seen, cursor = [], None
    while True:
        page = paginate_items(items, key=lambda item: item, limit=3, cursor=cursor)
        seen += page.items
        if not page.has_more:
            break
        cursor = page.next_cursor
    assert seen == sorted(items, reverse=True)
