"""The entry script: `mitmdump -s addons/authlens_addon.py`; `authlens run` passes this same file.

It is installed beside the package as the top-level module `authlens_addon` (pyproject.toml),
which is how `authlens run` finds it in a clone and in a wheel alike. The code lives in
`authlens`; this file only creates the addon.
"""

from authlens.proxy.addon import AuthLens
from authlens.proxy.canary import Canary

addons = [Canary(), AuthLens()]
