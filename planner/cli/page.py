"""`plan page [FILE ...] [--port P] [--host H]`: a local web page over the planner (docs/page.md).

It reads the files named (or the bundled instances when none is), each checked as `plan solve`
checks a file, before the server starts: a bad file is one line and exit 2. The page binds to
127.0.0.1 unless --host says otherwise; it reads nothing else but uploads, and writes nothing
(downloads are made in memory). NiceGUI (the `page` extra) is imported here only.
"""

from __future__ import annotations

import click

from planner.errors import InputError


@click.command("page")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="TCP port to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind: 127.0.0.1 serves this machine only; 0.0.0.0 every network it is on.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Processes that solve (the page never solves on its own thread).")
@click.option("--open", "open_browser", is_flag=True, help="Also open the page in this machine's web browser.")
def page(files: tuple[str, ...], port: int, host: str, workers: int, open_browser: bool) -> None:
    """Open a web page to move the budget, deadline, carbon price and other levers of FILE (or of
    the bundled instances) and see the optimal plan, its frontier and ranking change. A campaign
    file (`plan campaign`) opens the campaign view."""
    from planner.page.source import bundled_files, read_file

    try:
        import nicegui  # noqa: F401
    except ImportError:
        raise InputError("plan page", "needs the page extra: pip install -e '.[page]' (NiceGUI)") from None
    paths = list(files) or bundled_files()
    if not paths:
        raise InputError("FILE", "no instance given and no bundled instances found: name a YAML file")
    sources = [read_file(path) for path in paths]
    _check_address(host, port)

    from planner.page.app import PageApp, run

    _stdout_for_the_server()
    app = PageApp(sources, workers=workers)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"plan page: http://{shown}:{port}/ ({len(sources)} instance(s); Ctrl-C stops)", err=True)
    run(app, host=host, port=port, show=open_browser)


def _stdout_for_the_server() -> None:
    """The page answers in the browser; stdout only gets NiceGUI's own "ready" line. When `plan
    page` was started with stdout closed (planner.cli.support.ClosedStdout, which refuses every
    write so that no command's answer is lost in silence), that line goes nowhere instead of
    failing the server's start-up."""
    import os
    import sys

    from planner.cli.support import ClosedStdout

    if isinstance(sys.stdout, ClosedStdout):
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 -- lives as long as the server


def _check_address(host: str, port: int) -> None:
    """InputError naming --host or --port when the server could not listen there (a host that is
    no address of this machine, a port in use), before any worker or the server starts (uvicorn
    would print two lines and exit 3, this tool's code for infeasible). A port taken between this
    check and the server's start is still uvicorn's message."""
    import errno
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError("--host", f"{host!r} is not an address to serve on ({getattr(exc, 'strerror', exc)})") from None
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise InputError("--port", f"{port} is in use on {host} (another server listens there); "
                                           "give another --port") from None
            raise InputError("--host", f"cannot serve on {host}:{port} ({exc.strerror})") from None
