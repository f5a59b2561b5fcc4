"""Market scoping: which markets a staff member may see, and role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Market, StaffUser
from webapp.models.types import StaffRole


def market_subtree_ids(root_id: int) -> set[int]:
    """The ids of a market and every market below it (a recursive CTE on both databases)."""
    tree = select(Market.id).where(Market.id == root_id).cte("tree", recursive=True)
    tree = tree.union_all(select(Market.id).join(tree, Market.parent_id == tree.c.id))
    return set(db.session.scalars(select(tree.c.id)))


def visible_market_ids(staff: StaffUser) -> set[int]:
    """The markets a staff member may see: the subtree under their own market."""
    return market_subtree_ids(staff.market_id)


def can_see_market(staff: StaffUser, market_id: int) -> bool:
    """Whether the market lies in the staff member's subtree."""
    return market_id in visible_market_ids(staff)


def require_market(market_id: int) -> Market:
    """The market if the current staff member may see it; 404 otherwise (never reveal it exists)."""
    market = db.session.get(Market, market_id)
    if market is None or not can_see_market(current_user, market_id):
        abort(404)
    return market


def roles_required(*roles: StaffRole) -> Callable:
    """Allow a view only to signed-in staff holding one of the roles."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
