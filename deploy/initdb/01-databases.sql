-- One PostgreSQL server for the compose stack, one database per service: no service reads another's tables.
CREATE DATABASE council;
CREATE DATABASE sidecar;
CREATE DATABASE ledger;
