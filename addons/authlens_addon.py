"""mitmdump entry script: `mitmdump -s addons/authlens_addon.py`. The code lives in `authlens`."""

from authlens.proxy.addon import AuthLens
from authlens.proxy.canary import Canary

addons = [Canary(), AuthLens()]
