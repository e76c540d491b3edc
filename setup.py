"""Everything about the package is in pyproject.toml; this adds one build step.

The wheel carries the checkout's config.yaml as bot/config.default.yaml, so an installed package
can write a commented config with `cadrebot init DIR` (config.yaml itself stays at the
checkout's root, where the README and operators look for it). An editable install reads the
checkout's file directly and gets no copy.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED_CONFIG = Path("bot") / "config.default.yaml"


class BuildPyWithConfig(build_py):
    def run(self) -> None:
        super().run()
        if not getattr(self, "editable_mode", False):
            self.copy_file("config.yaml", str(Path(self.build_lib) / SHIPPED_CONFIG))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if not getattr(self, "editable_mode", False):
            outputs.append(str(Path(self.build_lib) / SHIPPED_CONFIG))
        return outputs


setup(cmdclass={"build_py": BuildPyWithConfig})
