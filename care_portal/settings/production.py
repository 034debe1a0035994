"""Production settings: base read with DEBUG=0 forced, so every production guard of base applies."""

import os

os.environ["DEBUG"] = "0"

from .base import *  # noqa: E402,F403
