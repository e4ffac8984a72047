-- Cases, their inquiry letters, print batches and response attempts.

-- Reference numbers are allocated per Reiwa year with an upsert
-- (INSERT ... ON CONFLICT DO UPDATE ... RETURNING), which is atomic on its own,
-- so two clerks registering at the same moment never share a number.
CREATE TABLE reference_sequences (
    reiwa_year BIGINT  PRIMARY KEY,
    last_value BIGINT  NOT NULL
);

CREATE TABLE cases (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference   TEXT        NOT NULL UNIQUE,
    path        TEXT        NOT NULL,
    state       TEXT        NOT NULL,
    -- Optimistic concurrency: every transition does
    -- UPDATE ... SET version = v + 1 WHERE id = $1 AND version = v.
    version     BIGINT      NOT NULL,
    -- Response deadline (a Japan date), copied out of `core` so listings can
    -- filter on it without parsing JSON.
    deadline    DATE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    -- JSON as TEXT, not JSONB: JSONB would reorder keys and the bytes the
    -- application wrote would be lost (the same holds for hashed audit JSON).
    -- The workflow aggregate without personal data (serde_json of CaseCore).
    core        TEXT        NOT NULL,
    -- Personal data (serde_json of Parties) in its own column so it can be
    -- purged after its retention period: NULL once purged.
    parties     TEXT,
    purged_at   TIMESTAMPTZ
);

CREATE INDEX cases_state ON cases (state);
CREATE INDEX cases_deadline ON cases (deadline);

CREATE TABLE print_batches (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cut_off       TIMESTAMPTZ NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    TEXT        NOT NULL,
    letter_count  BIGINT      NOT NULL,
    -- Combined PDF and manifest, stored once rendered. Either the bytes or a
    -- path to them (large offices may keep PDFs on disk).
    pdf           BYTEA,
    pdf_path      TEXT,
    manifest      BYTEA,
    mailed_on     DATE,
    mailed_at     TIMESTAMPTZ,
    mailed_by     TEXT
);

CREATE TABLE letters (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id        BIGINT      NOT NULL REFERENCES cases (id),
    number         BIGINT      NOT NULL CHECK (number BETWEEN 1 AND 3),
    -- The verification code is never stored: only its HMAC and the id of the
    -- key that made it, so a rotated key still verifies old letters.
    code_key_id    TEXT        NOT NULL,
    code_mac       TEXT        NOT NULL,
    issued_at      TIMESTAMPTZ NOT NULL,
    mailed_on      DATE,
    superseded_at  TIMESTAMPTZ,
    batch_id       BIGINT      REFERENCES print_batches (id),
    -- SHA-256 of the letter PDF as printed, set when its batch is rendered.
    fingerprint    TEXT,
    UNIQUE (case_id, number)
);

CREATE INDEX letters_unbatched ON letters (batch_id, issued_at);

CREATE TABLE response_attempts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id       BIGINT      NOT NULL REFERENCES cases (id),
    letter_number BIGINT,
    attempted_at  TIMESTAMPTZ NOT NULL,
    actor         TEXT        NOT NULL,
    -- accepted | code_mismatch | ... (the workflow's stable codes)
    outcome       TEXT        NOT NULL,
    details       TEXT        NOT NULL
);

CREATE INDEX response_attempts_case ON response_attempts (case_id);
