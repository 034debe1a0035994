# The same fixtures as the candidatures' tests: documents in a private directory (autouse), an open call.
from tests.candidatures.conftest import appel, stockage  # noqa: F401
