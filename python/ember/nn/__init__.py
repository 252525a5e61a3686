"""ember.nn: neural-network building blocks.

`Module` and the layers (ember.nn.modules), `Parameter`, the functional ops
(`ember.nn.functional`), initialisations (`ember.nn.init`) and utilities (`ember.nn.utils`).
"""
from . import functional  # noqa: F401
from .parameter import Buffer, Parameter, UninitializedParameter  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import Module, ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential  # noqa: F401
from . import init, utils  # noqa: F401,E402
from .parameter import UninitializedBuffer  # noqa: F401,E402
from ._factory_kwargs import factory_kwargs  # noqa: F401,E402
from . import attention, common_types, grad  # noqa: F401,E402
from . import parallel  # noqa: F401,E402
from .parallel import DataParallel  # noqa: F401,E402
