"""The vault: personal fields sealed per customer, opened, and erased by forgetting."""

from __future__ import annotations

import dataclasses

import pytest

from domain.personal import ERASED, InvalidCustomerRef, Sealed
from privacy.customer_keys import MemoryCustomerKeys
from privacy.errors import DecryptionFailed, ForgottenCustomer, MissingCustomerKey
from privacy.keys import KeyRing, MasterKey
from privacy.reveal import reveal
from privacy.vault import Vault

ADDRESS = "Flat 2, 14 Example Road, Testtown TT1 1AA"


@pytest.fixture
def vault() -> Vault:
    return Vault(MemoryCustomerKeys(), KeyRing([MasterKey.generate()]))


async def test_a_sealed_field_holds_no_plaintext_and_opens_to_it(vault: Vault) -> None:
    sealed = await vault.seal("C-1", ADDRESS)
    assert sealed.customer_ref == "C-1"
    assert "Example" not in repr(sealed.to_json())
    assert await vault.open(sealed) == ADDRESS
    again = await vault.seal("C-1", ADDRESS)
    assert again.key_id == sealed.key_id, "one data key per customer"
    assert again.ciphertext != sealed.ciphertext


async def test_forgetting_erases_that_customer_only(vault: Vault) -> None:
    mine = await vault.seal("C-1", ADDRESS)
    theirs = await vault.seal("C-2", "ada@example.invalid")
    forgetting = await vault.forget("C-1")
    assert forgetting.key_id == mine.key_id
    assert forgetting.held_personal_data
    assert forgetting.newly_forgotten
    assert await vault.open(mine) is ERASED
    assert await vault.open(theirs) == "ada@example.invalid"


async def test_forgetting_twice_changes_nothing_and_nothing_is_sealed_again(
    vault: Vault,
) -> None:
    sealed = await vault.seal("C-1", ADDRESS)
    first = await vault.forget("C-1")
    second = await vault.forget("C-1")
    assert (second.key_id, second.erased_at) == (first.key_id, first.erased_at)
    assert not second.newly_forgotten
    with pytest.raises(ForgottenCustomer, match="customer 'C-1' was forgotten"):
        await vault.seal("C-1", ADDRESS)
    assert await vault.open(sealed) is ERASED


async def test_forgetting_a_customer_never_seen_bars_sealing_for_them(vault: Vault) -> None:
    forgetting = await vault.forget("C-9")
    assert not forgetting.held_personal_data
    with pytest.raises(ForgottenCustomer):
        await vault.seal("C-9", ADDRESS)


async def test_a_value_moved_to_another_customer_does_not_open(vault: Vault) -> None:
    sealed = await vault.seal("C-1", ADDRESS)
    other = await vault.seal("C-2", "x")
    moved = dataclasses.replace(sealed, customer_ref="C-2", key_id=other.key_id)
    with pytest.raises(DecryptionFailed, match="fails authentication"):
        await vault.open(moved)
    unknown = dataclasses.replace(sealed, customer_ref="C-3")
    with pytest.raises(MissingCustomerKey, match="no data key"):
        await vault.open(unknown)


async def test_data_keys_wrapped_before_a_master_key_rotation_still_open() -> None:
    keys = MemoryCustomerKeys()
    old = MasterKey.generate()
    sealed = await Vault(keys, KeyRing([old])).seal("C-1", ADDRESS)
    rotated = Vault(keys, KeyRing([old, MasterKey.generate()]))
    assert await rotated.open(sealed) == ADDRESS
    await rotated.seal("C-2", "new")
    assert keys.rows["C-2"].master_key_id != keys.rows["C-1"].master_key_id


async def test_a_customer_reference_must_be_opaque(vault: Vault) -> None:
    with pytest.raises(InvalidCustomerRef, match="must be 1-64 letters"):
        await vault.seal("Ada Lovelace", ADDRESS)


async def test_reveal_opens_sealed_values_anywhere_in_a_document(vault: Vault) -> None:
    kept = await vault.seal("C-1", ADDRESS)
    gone = await vault.seal("C-2", "ada@example.invalid")
    await vault.forget("C-2")
    document = {"a": [1, {"address": kept.to_json()}], "contact": gone.to_json(), "n": "x"}
    opened, count = await reveal(document, vault)
    assert count == 2
    assert opened["a"][1]["address"] == {
        "customer_ref": "C-1",
        "key_id": kept.key_id,
        "opened": ADDRESS,
    }
    assert opened["contact"]["erased"] is True
    assert opened["contact"]["opened"] is None
    assert opened["n"] == "x"
    assert Sealed.from_json(kept.to_json()) == kept
