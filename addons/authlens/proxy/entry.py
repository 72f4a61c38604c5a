"""Entry script that `authlens run` hands to mitmdump (same as addons/authlens_addon.py)."""

from authlens.proxy.addon import AuthLens

addons = [AuthLens()]
