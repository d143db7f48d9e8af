import pytest

from onewindow.accounts.models import Role


@pytest.mark.django_db
def test_every_role_has_a_group(any_persona):
    if any_persona is not None:
        assert any_persona.role_codes() <= {r.value for r in Role}
