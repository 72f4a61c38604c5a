# authlens in a container: the proxy on 0.0.0.0:8080 (regular, for HTTPS_PROXY) and 0.0.0.0:8081
# (reverse to api.openai.com, for OPENAI_BASE_URL), one JSON line per exchange on stdout and in
# /var/log/authlens/authlens.jsonl. Its CA is created on first start in /var/lib/authlens/ca;
# keep that folder in a volume so clients keep trusting the same CA across restarts.
#
#   docker build -t authlens .
#   docker run --rm -p 127.0.0.1:8080:8080 -v authlens-ca:/var/lib/authlens/ca authlens
#
# docker-compose.yml beside this file wires it up with example clients. Everything installed
# comes from the hash-checked lock files in requirements/ (refreshed by bin/lock).

# python:3.13-slim by digest, so a rebuild gets the same base (to move it on, replace the digest
# with the one `docker buildx imagetools inspect python:3.13-slim` prints).
FROM python:3.13-slim@sha256:7c61056e61ac89e852de05f3dc6fa51a6dd2181797bceed46aa725dd7cb2cd3b AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# The wheel is built in a stage of its own with the locked build backend: neither the backend
# nor the source ends up in the image. The install commands below run from the build context's
# layout (the mounts' targets are the sources' own relative paths), so a test replays them as
# written in clean virtualenvs (tests/test_dockerfile.py).
FROM base AS wheel
WORKDIR /src
RUN --mount=type=bind,source=requirements/build.txt,target=requirements/build.txt \
    pip install --require-hashes --no-deps -r requirements/build.txt
COPY pyproject.toml README.md LICENSE ./
COPY addons addons
RUN pip wheel --no-deps --no-build-isolation --wheel-dir dist .

FROM base
ENV AUTHLENS_LOG_FILE=/var/log/authlens/authlens.jsonl
# A fixed uid, so the ownership of the volumes below is predictable on the host too (and a
# numeric USER lets Kubernetes' runAsNonRoot check it).
RUN groupadd --system --gid 10001 authlens \
    && useradd --system --uid 10001 --gid authlens --create-home --home-dir /home/authlens authlens
# The dependencies, from the lock only: this layer is rebuilt only when the lock changes.
RUN --mount=type=bind,source=requirements/runtime.txt,target=requirements/runtime.txt \
    pip install --require-hashes --no-deps -r requirements/runtime.txt
# authlens itself: a code change rebuilds this small layer only.
RUN --mount=type=bind,from=wheel,source=/src/dist,target=dist \
    pip install --no-deps --no-index dist/*.whl

# A new named volume copies the ownership of its mount point from the image, so these two stay
# writable for the non-root user when mounted. mitmproxy writes the CA private key with mode
# 0600 and the certificate world-readable: clients that mount the CA volume read-only as another
# uid can read mitmproxy-ca-cert.pem but not the key.
RUN mkdir -p /var/lib/authlens/ca /var/log/authlens \
    && chown authlens:authlens /var/lib/authlens/ca /var/log/authlens
VOLUME ["/var/lib/authlens/ca", "/var/log/authlens"]

USER 10001:10001
WORKDIR /home/authlens
EXPOSE 8080 8081

# The one healthcheck (docker-compose.yml inherits it): healthy once both modes of CMD accept
# connections and the CA certificate exists. Slim images have no curl, so Python checks.
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=6 \
    CMD ["python", "-c", "import os, socket, sys; [socket.create_connection(('127.0.0.1', port), 2).close() for port in (8080, 8081)]; sys.exit(not os.path.isfile('/var/lib/authlens/ca/mitmproxy-ca-cert.pem'))"]

# Arguments after the image name (or compose `command:`) replace CMD and come after these, so a
# --listen-host or --set given there wins. mitmdump handles SIGTERM itself: `docker stop` is prompt.
ENTRYPOINT ["authlens", "run", "--listen-host", "0.0.0.0", "--set", "confdir=/var/lib/authlens/ca"]
CMD ["--mode", "regular@8080", "--mode", "reverse:https://api.openai.com@8081"]
