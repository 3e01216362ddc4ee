"""memcap's symbolic side: bounds on memorization capacity as sympy statements."""

__all__: list[str] = []
