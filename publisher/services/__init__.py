from publisher.services.legacy import *  # noqa: F403  (temporary during the split)
from publisher.services.legacy import __all__  # noqa: F401
