"""What the command line shares: consoles made on first use, so `--help` starts fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from rich.console import Console


class _LazyConsole:
    """A Rich console created the first time it is used (Rich takes a while to import)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


def console(*, stderr: bool = False) -> Console:
    """A console for stdout (or stderr) that imports Rich only when it first prints."""
    return cast("Console", _LazyConsole(stderr=stderr))


def show_config_error(err: Console, exc: Exception) -> None:
    """Print a configuration error as written: `[organisation]` is a setting, not markup."""
    from rich.markup import escape

    err.print(f"[red]configuration error:[/red] {escape(str(exc))}", soft_wrap=True)
