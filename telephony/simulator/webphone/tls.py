"""The certificate the simulator serves SIP over `wss://` with.

The web phone builds its socket URL as `"wss://" + outboundProxy` (no way to ask for `ws://`),
so the simulator speaks real TLS on a second port, with a self-signed certificate for
127.0.0.1/localhost made at start in the simulator's var directory (nothing to ship, nothing that
expires in a checkout) and kept while it is valid for another day, so that a person who accepted
it once (https://127.0.0.1:<sip port>/, see the console) is not asked again at every start.
Tests start Chromium with `ignore_https_errors`.
"""

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def ensure_self_signed(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files for 127.0.0.1 and localhost: the existing pair while it is valid
    for another day, else a new one valid for 30 days."""
    cert_path, key_path = directory / "sim-sip-cert.pem", directory / "sim-sip-key.pem"
    try:
        existing = x509.load_pem_x509_certificate(cert_path.read_bytes())
        serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError):
        return write_self_signed(directory)
    if existing.not_valid_after_utc - datetime.datetime.now(datetime.UTC) < datetime.timedelta(days=1):
        return write_self_signed(directory)
    return cert_path, key_path


def write_self_signed(directory: Path) -> tuple[Path, Path]:
    """A new (certificate, key) pair for 127.0.0.1 and localhost, valid for 30 days."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "RingCentral simulator (SIP)")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "sim-sip-cert.pem", directory / "sim-sip-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path
