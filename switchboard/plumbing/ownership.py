"""Every object belongs to one project; another project's object is as absent as a missing one."""

from switchboard.errors import not_found
from switchboard.extensions import db


def get_owned(model, project_id: str, id: str, *, noun: str, param: str):
    """The project's `model` row with this `id`, or a 404 naming `noun` and `param`."""
    row = db.session.scalar(db.select(model).where(model.id == id, model.project_id == project_id))
    if row is None:
        raise not_found(noun, param=param)
    return row
