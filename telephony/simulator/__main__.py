"""Run the RingCentral simulator: `python -m telephony.simulator --host 127.0.0.1 --port 8001 [--db PATH]`.

Migrates its own database, seeds the demo account (idempotently), then serves HTTP and WebSocket
with daphne in this process and prints one line "RingCentral simulator ready on <url>".
"""

import argparse
import os
import sys


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m telephony.simulator", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=8001, help="0 = any free port (the ready line says which)"
    )
    parser.add_argument("--db", help="SQLite file for the simulator's state (default var/simulator.sqlite3)")
    parser.add_argument("--no-seed", action="store_true", help="do not (re)create the demo account")
    parser.add_argument("-v", "--verbosity", type=int, default=1)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "telephony.simulator.settings"
    if args.db:
        os.environ["SIMULATOR_DB_PATH"] = os.path.abspath(args.db)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if not args.no_seed:
        from telephony.simulator.platform.seed import seed

        seed()
    serve(args.host, args.port, verbosity=args.verbosity)


def serve(host: str, port: int, *, verbosity: int) -> None:
    from daphne.server import Server
    from twisted.internet import reactor

    from telephony.simulator.asgi import application

    server = Server(
        application,
        endpoints=[f"tcp:port={port}:interface={host}"],
        verbosity=verbosity,
        http_timeout=None,
        application_close_timeout=5,
    )

    def announce() -> None:
        bound_host, bound_port = server.listening_addresses[0] if server.listening_addresses else (host, port)
        # Notifications carry absolute media URIs (voicemail attachments): this is our address.
        os.environ["SIMULATOR_PUBLIC_URL"] = f"http://{bound_host}:{bound_port}"
        print(f"RingCentral simulator ready on http://{bound_host}:{bound_port}", flush=True)

    server.ready_callable = lambda: reactor.callWhenRunning(announce)
    server.run()
    if not server.listening_addresses:
        raise SystemExit(f"RingCentral simulator: could not listen on {host}:{port} (see the message above)")


if __name__ == "__main__":
    main()
