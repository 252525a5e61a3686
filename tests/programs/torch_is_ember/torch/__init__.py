"""`torch`, resolved to ember: put this folder first on PYTHONPATH and a PyTorch program runs
on ember unchanged, in its own process and in every process it starts (spawned workers
inherit the environment).

`import torch` finds this package, which puts ember in its place in sys.modules; `import
torch.nn.functional` and every other `torch.X` then gets the ember module of the same path
(`ember.nn.functional`, `ember.utils.data`, ...).
"""
import importlib
import importlib.abc
import importlib.util
import sys


class _TorchIsEmber(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith("torch."):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("ember" + spec.name[len("torch"):])

    def exec_module(self, module):
        pass  # the ember module is already imported


sys.meta_path.insert(0, _TorchIsEmber())
sys.modules["torch"] = importlib.import_module("ember")
