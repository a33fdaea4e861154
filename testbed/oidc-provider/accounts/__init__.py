"""eqmd's user profile, reduced to what the OpenID provider needs."""
