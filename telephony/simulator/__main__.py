"""Run the RingCentral simulator: `python -m telephony.simulator --host 127.0.0.1 --port 8001 [--db PATH]`.

Migrates its own database, seeds the demo account (idempotently), then serves HTTP and WebSocket
with daphne in this process and prints one line "RingCentral simulator ready on <url>". The same
application is also served over TLS on `--sip-port` (self-signed certificate made at start):
that is where `sip-provision` sends browser phones, whose SDK only speaks `wss://`.
"""

import argparse
import os
import socket
import sys
from pathlib import Path


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m telephony.simulator", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=8001, help="0 = any free port (the ready line says which)"
    )
    parser.add_argument("--db", help="SQLite file for the simulator's state (default var/simulator.sqlite3)")
    parser.add_argument(
        "--sip-port",
        type=int,
        default=int(os.environ.get("SIM_SIP_PORT", "0")),
        help="TLS port of the web phones' SIP WebSocket (default $SIM_SIP_PORT, else any free port)",
    )
    parser.add_argument("--no-seed", action="store_true", help="do not (re)create the demo account")
    parser.add_argument("-v", "--verbosity", type=int, default=1)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "telephony.simulator.settings"
    if args.db:
        os.environ["SIMULATOR_DB_PATH"] = os.path.abspath(args.db)
    sip_port = args.sip_port or _free_port(args.host)
    public_host = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host  # noqa: S104
    os.environ["SIM_SIP_PROXY"] = f"{public_host}:{sip_port}"

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if not args.no_seed:
        from telephony.simulator.platform.seed import seed

        seed()
    serve(args.host, args.port, sip_port=sip_port, verbosity=args.verbosity)


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host or "127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(host: str, port: int, *, sip_port: int, verbosity: int) -> None:
    from daphne.server import Server
    from django.conf import settings
    from twisted.internet import reactor

    from telephony.simulator.asgi import application
    from telephony.simulator.webphone.tls import ensure_self_signed

    cert, key = ensure_self_signed(Path(settings.VAR_DIR))
    server = Server(
        application,
        endpoints=[
            f"tcp:port={port}:interface={host}",
            f"ssl:port={sip_port}:interface={host}:privateKey={_escape(key)}:certKey={_escape(cert)}",
        ],
        verbosity=verbosity,
        http_timeout=None,
        application_close_timeout=5,
    )

    def announce() -> None:
        bound_host, bound_port = server.listening_addresses[0] if server.listening_addresses else (host, port)
        # Notifications carry absolute media URIs (voicemail attachments): this is our address.
        os.environ["SIMULATOR_PUBLIC_URL"] = f"http://{bound_host}:{bound_port}"
        print(
            f"RingCentral simulator ready on http://{bound_host}:{bound_port}"
            f" (web phones: wss://{settings.SIM_SIP_PROXY})",
            flush=True,
        )

    server.ready_callable = lambda: reactor.callWhenRunning(announce)
    server.run()
    if not server.listening_addresses:
        raise SystemExit(f"RingCentral simulator: could not listen on {host}:{port} (see the message above)")


def _escape(path: Path) -> str:
    """A path inside a Twisted endpoint description (colons and backslashes are separators there)."""
    return str(path).replace("\\", "\\\\").replace(":", "\\:")


if __name__ == "__main__":
    main()
