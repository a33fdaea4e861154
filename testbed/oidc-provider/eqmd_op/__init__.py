"""An OpenID provider that behaves like eqmd's (django-oidc-provider at /o/), for the contract tests."""
