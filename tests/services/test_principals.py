"""Reading principals back from the store: by name (the command line) and by token."""

from __future__ import annotations

from tests.conftest import FIXED_NOW_US, PrincipalFor
from truceline.services.principals import active_principal, authenticate_token, revoke_principal
from truceline.store.engine import Store


def test_active_principal_by_name_and_token(store: Store, new_principal: PrincipalFor) -> None:
    made = new_principal("party_liaison", "analyst", nation="UKR", side="UA")
    name = made.principal.name
    with store.read() as conn:
        assert active_principal(conn, name) == made.principal
        assert active_principal(conn, "nobody") is None
    assert authenticate_token(store, made.token, now_us=FIXED_NOW_US) == made.principal
    revoke_principal(store, name, now_us=FIXED_NOW_US, actor="test")
    with store.read() as conn:
        assert active_principal(conn, name) is None
    assert authenticate_token(store, made.token, now_us=FIXED_NOW_US) is None
