"""How far each read model has got: position, head and lag."""
from intake.api.blueprint import ApiBlueprint
from intake.auth import requires
from intake.running import senim

blp = ApiBlueprint("projections", __name__, url_prefix="/api/v1/projections",
                description="Progress of the read models.")


@blp.route("", methods=["GET"])
@requires("supervisor", "admin")
def projection_status():
    """Per projection: position, head, lag, and the last error if its latest batch failed."""
    return {row.pop("name"): row for row in senim().projections.status()}
