"""Files `authlens env` writes under the confdir for runtimes that no CA variable reaches.

Java reads neither HTTPS_PROXY nor a PEM: it gets a PKCS12 truststore (the JDK's own
`cacerts` plus the mitmproxy CA, via `keytool`; mitmproxy's `.p12` holds a key, not a trusted
entry). wget reads no CA variable: it gets a wgetrc. PHP reads none either: it gets an ini
scan directory. Each is rewritten only when the CA is newer than it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

TRUSTSTORE_FILE = "authlens-truststore.p12"
# The JDK's own default: the store holds public certificates only, nothing to protect.
TRUSTSTORE_PASSWORD = "changeit"  # noqa: S105
WGETRC_FILE = "authlens-wgetrc"
PHP_INI_DIR = "authlens-php"
PHP_PREPEND = "authlens-prepend.php"
_ALIAS = "authlens-mitmproxy-ca"


def _fresh(target: Path, source: Path) -> bool:
    return target.is_file() and target.stat().st_mtime >= source.stat().st_mtime


def jdk_cacerts(keytool: str) -> Path | None:
    """The `cacerts` of the JDK that `keytool` belongs to (Debian links it to /etc/ssl)."""
    home = Path(keytool).resolve().parent.parent
    for candidate in (home / "lib" / "security" / "cacerts", home / "jre/lib/security/cacerts"):
        if candidate.is_file():
            return candidate
    return None


def write_truststore(confdir: Path, ca: Path) -> tuple[Path | None, str]:
    """(the truststore, "") or (None, why not): JDK cacerts + the CA, as PKCS12."""
    target = confdir / TRUSTSTORE_FILE
    if _fresh(target, ca):
        return target, ""
    keytool = shutil.which("keytool")
    if keytool is None:
        return None, "no keytool on PATH (a JDK has it)"
    partial = target.with_name(target.name + ".tmp")
    partial.unlink(missing_ok=True)
    store = ["-keystore", str(partial), "-storetype", "PKCS12", "-storepass", TRUSTSTORE_PASSWORD]
    commands = []
    cacerts = jdk_cacerts(keytool)
    if cacerts is not None:
        source = ["-srckeystore", str(cacerts), "-srcstorepass", TRUSTSTORE_PASSWORD]
        dest = ["-destkeystore", str(partial), "-deststoretype", "PKCS12"]
        dest += ["-deststorepass", TRUSTSTORE_PASSWORD]
        commands.append([keytool, "-importkeystore", "-noprompt", *source, *dest])
    commands.append(
        [keytool, "-importcert", "-noprompt", "-alias", _ALIAS, "-file", str(ca), *store]
    )
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            return None, f"keytool failed: {(done.stderr or done.stdout).strip()[:200]}"
    partial.replace(target)
    return target, ""


def java_options(proxy_host: str, proxy_port: int, truststore: Path) -> str:
    """What JAVA_TOOL_OPTIONS carries: the default ProxySelector's properties and the store."""
    return " ".join(
        (
            f"-Dhttps.proxyHost={proxy_host}",
            f"-Dhttps.proxyPort={proxy_port}",
            f"-Dhttp.proxyHost={proxy_host}",
            f"-Dhttp.proxyPort={proxy_port}",
            "-Dhttp.nonProxyHosts=localhost|127.*|[::1]",
            f"-Djavax.net.ssl.trustStore={truststore}",
            "-Djavax.net.ssl.trustStoreType=PKCS12",
            f"-Djavax.net.ssl.trustStorePassword={TRUSTSTORE_PASSWORD}",
        )
    )


def write_wgetrc(confdir: Path, bundle: Path, proxy: str, no_proxy: str, home: Path) -> Path:
    """The user's own ~/.wgetrc (WGETRC replaces it) followed by the CA and the proxy."""
    own = home / ".wgetrc"
    try:
        kept = own.read_text(encoding="utf-8", errors="replace").rstrip("\n") + "\n"
    except OSError:
        kept = ""
    target = confdir / WGETRC_FILE
    target.write_text(
        f"{kept}# added by authlens env: later lines win\nca_certificate = {bundle}\n"
        f"use_proxy = on\nhttps_proxy = {proxy}\nhttp_proxy = {proxy}\nno_proxy = {no_proxy}\n",
        encoding="utf-8",
    )
    return target


def _php_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def write_php_ini(confdir: Path, bundle: Path, proxy_host: str, proxy_port: int) -> Path:
    """An ini scan directory: curl and OpenSSL trust the bundle; streams use the proxy.

    PHP streams (`file_get_contents`) ignore HTTPS_PROXY; a prepended file sets the default
    stream context, as an app would with `stream_context_set_default`.
    """
    directory = confdir / PHP_INI_DIR
    directory.mkdir(parents=True, exist_ok=True)
    prepend = directory / PHP_PREPEND
    prepend.write_text(
        "<?php\n// added by authlens env: PHP streams do not read HTTPS_PROXY\n"
        "stream_context_set_default(['http' => ['proxy' => "
        f"{_php_string(f'tcp://{proxy_host}:{proxy_port}')}, 'request_fulluri' => false]]);\n",
        encoding="utf-8",
    )
    (directory / "99-authlens.ini").write_text(
        f'; added by authlens env\ncurl.cainfo = "{bundle}"\nopenssl.cafile = "{bundle}"\n'
        f'auto_prepend_file = "{prepend}"\n',
        encoding="utf-8",
    )
    return directory
