"""Code lists with labels in Kazakh, Russian and English."""
from domain import reference
from domain.actor import STAFF_ROLES
from intake.api.blueprint import ApiBlueprint
from intake.auth import requires

blp = ApiBlueprint("reference", __name__, url_prefix="/api/v1/reference",
                description="Stable codes with labels in kk, ru and en.")


@blp.route("", methods=["GET"])
@requires(*STAFF_ROLES)
def get_reference():
    """Every code list: services, channels, caller roles, regions, categories, …"""
    return reference.as_json()
