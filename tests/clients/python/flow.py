"""Registers, logs in, enrols and verifies a user through the generated Python client.

Run by tests/clients/main.rs with the generated package `behavioral_auth_client` on
PYTHONPATH and these variables: BASE_URL, USERNAME, PASSWORD, SAMPLES (a JSON file with five
`enrol` samples and one `verify` sample). Prints one JSON line of what the server answered;
the Rust test asserts on it. Any unexpected answer raises, so the exit status says so too.
"""

import json
import os
import sys
import time

from behavioral_auth_client import AuthenticatedClient, Client
from behavioral_auth_client.api.account import me
from behavioral_auth_client.api.auth import login, register
from behavioral_auth_client.api.biometrics import enroll, get_profile, verify
from behavioral_auth_client.models import (
    EnrollmentResponse,
    ErrorBody,
    LoginRequest,
    LoginResponse,
    MeResponse,
    ProfileResponse,
    RegisterRequest,
    RegisterResponse,
    Sample,
    VerifyResponse,
)

READY_TIMEOUT_SECONDS = 60


def expect(response, status, model):
    """The parsed body of `response`, which must have `status` and parse as `model`."""
    if response.status_code != status or not isinstance(response.parsed, model):
        sys.exit(f"expected {status} {model.__name__}, got {response.status_code}: {response.content!r}")
    return response.parsed


def main():
    base_url = os.environ["BASE_URL"]
    username, password = os.environ["USERNAME"], os.environ["PASSWORD"]
    with open(os.environ["SAMPLES"]) as file:
        samples = json.load(file)

    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
    registered = expect(
        register.sync_detailed(client=anonymous, body=RegisterRequest(username=username, password=password)),
        201,
        RegisterResponse,
    )
    token = expect(
        login.sync_detailed(client=anonymous, body=LoginRequest(username=username, password=password)),
        200,
        LoginResponse,
    ).access_token

    client = AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)
    account = expect(me.sync_detailed(client=client), 200, MeResponse)

    enrolled = [
        expect(enroll.sync_detailed(client=client, body=Sample.from_dict(sample)), 201, EnrollmentResponse)
        for sample in samples["enrol"]
    ]

    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        profiles = expect(get_profile.sync_detailed(client=client), 200, ProfileResponse).profiles
        if any(p.ready and not p.training for p in profiles):
            break
        if time.monotonic() > deadline:
            sys.exit(f"the profile was not trained within {READY_TIMEOUT_SECONDS} s")
        time.sleep(0.2)

    verified = expect(
        verify.sync_detailed(client=client, body=Sample.from_dict(samples["verify"])), 200, VerifyResponse
    )
    print(
        json.dumps(
            {
                "user_id": str(registered.user_id),
                "me_username": account.username,
                "wrong_password_code": wrong_password_code(anonymous, username, password),
                "enrolled": [e.enrolled for e in enrolled],
                "ready": enrolled[-1].ready,
                "profile_key": enrolled[-1].profile_key,
                "score": verified.score,
                "threshold": verified.threshold,
                "decision": verified.decision.value,
                "model_version": verified.model_version,
            }
        )
    )


def wrong_password_code(anonymous, username, password):
    """The `code` of the typed 401 error body a wrong password gets."""
    refused = login.sync_detailed(client=anonymous, body=LoginRequest(username=username, password=password + "!"))
    error = expect(refused, 401, ErrorBody)
    return error.code


if __name__ == "__main__":
    main()
