# authlens in a container: the proxy on 0.0.0.0:8080 (regular, for HTTPS_PROXY) and 0.0.0.0:8081
# (reverse to api.openai.com, for OPENAI_BASE_URL), one JSON line per exchange on stdout and in
# /var/log/authlens/authlens.jsonl. Its CA is created on first start in /var/lib/authlens/ca;
# keep that folder in a volume so clients keep trusting the same CA across restarts.
#
#   docker build -t authlens .
#   docker run --rm -p 127.0.0.1:8080:8080 -v authlens-ca:/var/lib/authlens/ca authlens
#
# docker-compose.yml beside this file wires it up with example clients.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    AUTHLENS_LOG_FILE=/var/log/authlens/authlens.jsonl

# A fixed uid, so the ownership of the volumes below is predictable on the host too.
RUN groupadd --system --gid 10001 authlens \
    && useradd --system --uid 10001 --gid authlens --create-home --home-dir /home/authlens authlens

# Only what the wheel is built from (see [tool.hatch.build.targets.wheel] in pyproject.toml).
COPY pyproject.toml README.md /tmp/authlens-src/
COPY addons /tmp/authlens-src/addons
# With the `otel` extra: OTEL_EXPORTER_OTLP_ENDPOINT turns trace export on (README).
RUN pip install /tmp/authlens-src[otel] && rm -rf /tmp/authlens-src

# A new named volume copies the ownership of its mount point from the image, so these two stay
# writable for the non-root user when mounted. mitmproxy writes the CA private key with mode
# 0600 and the certificate world-readable: clients that mount the CA volume read-only as another
# uid can read mitmproxy-ca-cert.pem but not the key.
RUN mkdir -p /var/lib/authlens/ca /var/log/authlens \
    && chown authlens:authlens /var/lib/authlens/ca /var/log/authlens
VOLUME ["/var/lib/authlens/ca", "/var/log/authlens"]

USER authlens
WORKDIR /home/authlens
EXPOSE 8080 8081

# Healthy once the regular-mode port accepts connections and the CA certificate exists (slim
# images have no curl). docker-compose.yml checks both ports of the services it starts.
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=6 \
    CMD ["python", "-c", "import os, socket, sys; socket.create_connection(('127.0.0.1', 8080), 2).close(); sys.exit(not os.path.isfile('/var/lib/authlens/ca/mitmproxy-ca-cert.pem'))"]

# Arguments after the image name (or compose `command:`) replace CMD and come after these, so a
# --listen-host or --set given there wins. mitmdump handles SIGTERM itself: `docker stop` is prompt.
ENTRYPOINT ["authlens", "run", "--listen-host", "0.0.0.0", "--set", "confdir=/var/lib/authlens/ca"]
CMD ["--mode", "regular@8080", "--mode", "reverse:https://api.openai.com@8081"]
