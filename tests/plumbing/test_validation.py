"""Validation errors read the same for every caller of a service."""

import pytest

from switchboard.errors import ApiError
from switchboard.plumbing.validation import validate
from switchboard.services.rooms.specs import RoomCreate


@pytest.mark.parametrize(
    "data, param, code",
    [
        ({"name": "A", "capabilities": ["video"], "colour": "red"}, "room.colour", "unknown_field"),
        ({"capabilities": ["video"]}, "room.name", "missing_field"),
        ({"name": "A", "capabilities": []}, "room.capabilities", "invalid_field"),
    ],
)
def test_the_first_problem_is_a_422_naming_the_field(data, param, code):
    with pytest.raises(ApiError) as err:
        validate(RoomCreate, data, prefix="room.")
    assert (err.value.status, err.value.param, err.value.code) == (422, param, code)
    assert param in err.value.message
