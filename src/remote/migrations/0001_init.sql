-- ucix remote, schema version 1: devices, their revisions, the changed
-- items of each revision, and the current item of every key.

CREATE TABLE ucix_device (
    device      text PRIMARY KEY,
    -- the newest revision (0: none yet)
    head        bigint NOT NULL DEFAULT 0,
    -- the key file's check value, sealed (see src/remote/secret.rs)
    key_check   bytea,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ucix_revision (
    device      text NOT NULL REFERENCES ucix_device ON DELETE CASCADE,
    rev         bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- 'push' (from the device) or 'batch' (an operator's commands)
    origin      text NOT NULL,
    -- who: the pushing host, or the operator's user@host
    author      text NOT NULL,
    changes     integer NOT NULL,
    PRIMARY KEY (device, rev)
);

-- One row per changed item of a revision. kind: p package (value: its
-- section order), t section (type, anonymous flag, option order),
-- s string option, l list option, x removed. A secret option's value is
-- sealed (secret = true) and never stored in plain text.
CREATE TABLE ucix_change (
    device      text NOT NULL,
    rev         bigint NOT NULL,
    package     text NOT NULL,
    section     text NOT NULL,
    option      text NOT NULL,
    kind        text NOT NULL,
    secret      boolean NOT NULL DEFAULT false,
    value       bytea,
    PRIMARY KEY (device, rev, package, section, option),
    FOREIGN KEY (device, rev) REFERENCES ucix_revision ON DELETE CASCADE
);

-- The newest row of every key of a device (removed keys stay as kind x):
-- a device's head state, and what changed since a revision.
CREATE TABLE ucix_item (
    device      text NOT NULL REFERENCES ucix_device ON DELETE CASCADE,
    package     text NOT NULL,
    section     text NOT NULL,
    option      text NOT NULL,
    rev         bigint NOT NULL,
    kind        text NOT NULL,
    secret      boolean NOT NULL DEFAULT false,
    value       bytea,
    PRIMARY KEY (device, package, section, option)
);

CREATE INDEX ucix_item_since ON ucix_item (device, rev);

-- This database's identity: a device's local sync state names it, so that
-- state kept for one database is never merged against another.
CREATE TABLE ucix_meta (
    name        text PRIMARY KEY,
    value       text NOT NULL
);

INSERT INTO ucix_meta VALUES ('instance', md5(random()::text || clock_timestamp()::text));
