"""The seeded account. `seed()` is idempotent: it creates what is missing and repairs what changed."""

from django.db import transaction

from telephony.simulator.platform.models import Account, App, Device, Extension

ACCOUNT_ID = "37439510"
COMPANY_NUMBER = "+16505550100"
DEMO_PASSWORD = "ringcentral-demo"  # noqa: S105 - shown on the simulator's login page
DEMO_CLIENT_ID = "arcadium-demo-client"
DEMO_CLIENT_SECRET = "arcadium-demo-secret"  # noqa: S105

USERS = [
    # id, number, first, last, email, direct number
    ("62264001", "101", "Alice", "Martin", "alice@arcadium-demo.test", "+16505550101"),
    ("62264002", "102", "Bob", "Chen", "bob@arcadium-demo.test", "+16505550102"),
    ("62264003", "103", "Carol", "Diaz", "carol@arcadium-demo.test", "+16505550103"),
]
IVR_ID = "62264900"


def jwt_for(extension_id: str) -> str:
    """A stable JWT-looking credential per user (what the Developer Console would hand out)."""
    import base64
    import hashlib
    import json

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    claims = b64(
        json.dumps({"sub": extension_id, "aud": "simulator", "iss": "ringcentral-simulator"}).encode()
    )
    signature = b64(hashlib.sha256(f"{header}.{claims}.{extension_id}".encode()).digest())
    return f"{header}.{claims}.{signature}"


@transaction.atomic
def seed(*, prune: bool = False) -> Account:
    """Create or repair the demo account; `prune` (used by reset) also drops extensions and devices
    added at run time."""
    account, _ = Account.objects.update_or_create(
        id=ACCOUNT_ID, defaults={"company_name": "Arcadium Demo Inc.", "main_number": COMPANY_NUMBER}
    )
    Extension.objects.update_or_create(
        id=ACCOUNT_ID,
        defaults={
            "account": account,
            "extension_number": "100",
            "name": "Arcadium Admin",
            "first_name": "Arcadium",
            "last_name": "Admin",
            "email": "admin@arcadium-demo.test",
            "phone_number": COMPANY_NUMBER,
            "is_admin": True,
            "type": "User",
            "status": "Enabled",
            "password": DEMO_PASSWORD,
            "jwt": jwt_for(ACCOUNT_ID),
        },
    )
    for ext_id, number, first, last, email, phone in USERS:
        extension, _ = Extension.objects.update_or_create(
            id=ext_id,
            defaults={
                "account": account,
                "extension_number": number,
                "name": f"{first} {last}",
                "first_name": first,
                "last_name": last,
                "email": email,
                "phone_number": phone,
                "type": "User",
                "status": "Enabled",
                "password": DEMO_PASSWORD,
                "jwt": jwt_for(ext_id),
            },
        )
        _seed_devices(extension, ext_id, first)
    Extension.objects.update_or_create(
        id=IVR_ID,
        defaults={
            "account": account,
            "extension_number": "800",
            "name": "Main IVR",
            "type": "IvrMenu",
            "status": "Enabled",
        },
    )
    if prune:
        seeded = [ACCOUNT_ID, IVR_ID] + [user[0] for user in USERS]
        Extension.objects.exclude(id__in=seeded).delete()
        Device.objects.exclude(id__in=[f"{ext_id}{n}" for ext_id in seeded for n in (1, 2)]).delete()
    App.objects.update_or_create(
        client_id=DEMO_CLIENT_ID,
        defaults={
            "client_secret": DEMO_CLIENT_SECRET,
            "name": "Arcadium Telephony (demo)",
            "permissions": App._meta.get_field("permissions").default,
        },
    )
    return account


def _seed_devices(extension: Extension, ext_id: str, first: str) -> None:
    Device.objects.update_or_create(
        id=f"{ext_id}1",
        defaults={
            "extension": extension,
            "type": "SoftPhone",
            "name": f"{first}'s RingCentral App",
            "model_name": "RingCentral Phone",
        },
    )
    Device.objects.update_or_create(
        id=f"{ext_id}2",
        defaults={
            "extension": extension,
            "type": "HardPhone",
            "name": f"{first}'s desk phone",
            "model_name": "Polycom VVX 450",
            "serial": f"0004F2{ext_id[-6:]}",
        },
    )
