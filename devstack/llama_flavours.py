"""Which server runs the Responses API in the dev stack: llama-stack 0.7.3, or OGX 1.x (its successor under a
new name). Both read devstack/llamastack/run.yaml; each has its own virtualenv and start script. The variable
that chooses is not an ASSISTANT_* one: those configure the relay."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast, get_args

ROOT = Path(__file__).resolve().parents[1]
LLAMASTACK_DIR = Path(__file__).resolve().parent / "llamastack"

FlavourName = Literal["llama-stack", "ogx"]
FLAVOUR_ENV = "DEVSTACK_LLAMA_FLAVOUR"
DEFAULT_FLAVOUR: FlavourName = "llama-stack"


@dataclass(frozen=True)
class LlamaFlavour:
    """One server that can run as the dev stack's llama-stack."""

    name: FlavourName
    label: str  # what people call it, with the tested version
    venv: Path  # its own virtualenv, built by `make <venv>/.installed`
    serve: Path  # the start script: `<venv python> serve CONFIG --port N`
    python_env: str  # environment variable naming another interpreter to run it with

    @property
    def python(self) -> Path:
        """The interpreter that runs it: `$<python_env>` if set, else its virtualenv's."""
        return Path(os.environ.get(self.python_env) or self.venv / "bin" / "python")

    @property
    def make_target(self) -> str:
        return f"make {self.venv.name}/.installed"

    def argv(
        self, port: int, config: Path = LLAMASTACK_DIR / "run.yaml", python: Path | None = None
    ) -> list[str]:
        return [str(python or self.python), str(self.serve), str(config), "--port", str(port)]


FLAVOURS: dict[FlavourName, LlamaFlavour] = {
    "llama-stack": LlamaFlavour(
        "llama-stack",
        "llama-stack 0.7.3",
        ROOT / ".venv-llamastack",
        LLAMASTACK_DIR / "serve.py",
        "LLAMASTACK_PYTHON",
    ),
    "ogx": LlamaFlavour(
        "ogx", "OGX 1.5.0", ROOT / ".venv-ogx", LLAMASTACK_DIR / "serve_ogx.py", "OGX_PYTHON"
    ),
}


def flavour_name(name: str | None = None) -> FlavourName:
    """`name`, else `$DEVSTACK_LLAMA_FLAVOUR`, else llama-stack; a ValueError names the choices."""
    chosen = name or os.environ.get(FLAVOUR_ENV) or DEFAULT_FLAVOUR
    if chosen not in get_args(FlavourName):
        raise ValueError(
            f"unknown llama-stack flavour {chosen!r}: choose one of {', '.join(get_args(FlavourName))}"
        )
    return cast(FlavourName, chosen)


def llama_flavour(name: str | None = None) -> LlamaFlavour:
    """The flavour named (or chosen by `$DEVSTACK_LLAMA_FLAVOUR`, default llama-stack)."""
    return FLAVOURS[flavour_name(name)]
