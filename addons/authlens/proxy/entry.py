"""Entry script that `authlens run` hands to mitmdump (same as addons/authlens_addon.py)."""

from authlens.proxy.addon import AuthLens
from authlens.proxy.canary import Canary

addons = [Canary(), AuthLens()]
