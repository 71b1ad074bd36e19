# One image for every Arcadium process: web (daphne), worker and beat (celery), listener, migrate.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ARCADIUM_VAR_DIR=/app/var

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY arcadium ./arcadium
COPY crm ./crm
COPY telephony ./telephony
COPY callreports ./callreports
RUN pip install --no-cache-dir -c constraints.txt .

COPY . .
# Static files are collected at build time (whitenoise serves them); the keys here exist only
# for this step, settings refuse to start without real ones when DEBUG is off.
RUN DEBUG=0 SECRET_KEY=collectstatic-only RINGCENTRAL_SERVER_URL=https://platform.ringcentral.com \
    FIELD_ENCRYPTION_KEY=$(python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())") \
    python manage.py collectstatic --noinput -v0 \
 && useradd --system --home /app arcadium \
 && mkdir -p /app/var && chown arcadium /app/var

USER arcadium
EXPOSE 8000
CMD ["daphne", "-v", "0", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers", "arcadium.asgi:application"]
