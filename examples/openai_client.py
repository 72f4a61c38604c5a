"""Example client for docker-compose.yml: one call with the official openai SDK through authlens.

Configured only by the environment, like any app you would put beside authlens:
- regular mode: `HTTPS_PROXY=http://authlens:8080`, and `SSL_CERT_FILE` naming a CA bundle
  that trusts the authlens CA. `SSL_CERT_FILE` replaces the default trust store of Python's
  ssl module and of the SDK's HTTP client, so a file with only the authlens CA would break
  every HTTPS call that does not go through the proxy. When `PROXY_CA_CERT` names the
  authlens CA certificate, this script first writes that bundle: certifi's roots plus it.
- reverse mode: `OPENAI_BASE_URL=http://authlens:8081/v1`, no CA at all.

It lists the models (free, needs only a valid key) and prints one line. On an API error it
prints the status and the authlens diagnosis (headers and the hint the proxy appended to the
error message) and exits 1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import certifi
import openai


def write_ca_bundle(authlens_ca: Path, bundle: Path) -> None:
    """Write certifi's roots followed by the authlens CA certificate to `bundle`."""
    roots = Path(certifi.where()).read_text(encoding="utf-8")
    extra = authlens_ca.read_text(encoding="utf-8")
    bundle.parent.mkdir(parents=True, exist_ok=True)
    bundle.write_text(f"{roots.rstrip()}\n# authlens CA ({authlens_ca})\n{extra}", encoding="utf-8")


def prepare_trust(env: dict[str, str]) -> None:
    """Build the bundle that SSL_CERT_FILE names, if the authlens CA is given."""
    authlens_ca = env.get("PROXY_CA_CERT")
    if not authlens_ca:
        return
    bundle = env.get("SSL_CERT_FILE")
    if not bundle:
        sys.exit("PROXY_CA_CERT is set but SSL_CERT_FILE is not: where should the bundle go?")
    write_ca_bundle(Path(authlens_ca), Path(bundle))


def main() -> int:
    prepare_trust(dict(os.environ))
    # The SDK reads OPENAI_API_KEY and OPENAI_BASE_URL; httpx reads HTTPS_PROXY and SSL_CERT_FILE.
    client = openai.OpenAI(max_retries=0, timeout=30)
    try:
        models = client.models.list()
    except openai.APIStatusError as e:
        headers = e.response.headers
        cause, exchange = headers.get("x-authlens-cause"), headers.get("x-authlens-id")
        print(f"error {e.status_code}: cause={cause} id={exchange}")
        print(f"  {e.message}")
        return 1
    except openai.APIConnectionError as e:
        print(f"connection failed: {e.__cause__ or e}")
        return 1
    names = sorted(model.id for model in models.data)
    print(f"ok: {len(names)} models, e.g. {', '.join(names[:3])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
