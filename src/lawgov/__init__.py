"""lawgov: comparative text analysis of China's local annual reports on building
law-based government (法治政府建设年度报告).

Everything public is re-exported here, so ``import lawgov as lg`` is all a notebook needs.
The modules are the pipeline stages, in data order.
"""

from ._version import __version__
from .reading import *  # noqa: F403
from .cleaning import *  # noqa: F403
from .regions import *  # noqa: F403
from .years import *  # noqa: F403
from .ingest import *  # noqa: F403
from .structure import *  # noqa: F403
from .tokenizing import *  # noqa: F403
from .representations import *  # noqa: F403
from .comparison import *  # noqa: F403
from .concordance import *  # noqa: F403
from .topics import *  # noqa: F403
from .indicators import *  # noqa: F403
from .coding import *  # noqa: F403
from .plotting import *  # noqa: F403
from .publishing import *  # noqa: F403
import sys as _sys

# ``lawgov.ingest`` is the function re-exported above, so the stage modules are taken
# from sys.modules, where the module of the same name still is.
_STAGES = ("reading", "cleaning", "regions", "years", "ingest", "structure", "tokenizing",
           "representations", "comparison", "concordance", "topics", "indicators", "coding",
           "plotting", "publishing")

__all__ = ["__version__"] + [
    name for stage in _STAGES for name in _sys.modules[f"{__name__}.{stage}"].__all__
]
