#!/bin/sh
# First start of the PostgreSQL container: one role and one database per service, each owned by its
# service's role, so no service can read another's tables (each service owns its database).
# Passwords come from the container's environment (see compose.yaml); nothing secret is in this file.
set -eu

for service in auth registry scoring; do
    var="PDR_$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    password=$(printenv "$var")
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
         -v role="pdr_$service" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
