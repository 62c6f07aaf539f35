-- The operator's details (реквизиты оператора), its processing records and
-- the versions of its letter templates: what the letters to data subjects
-- say about the operator (152-FZ art. 14 part 7, art. 18.1, art. 22.1).
-- +goose Up
-- One row (id = 1): the operator this Srok serves.
CREATE TABLE organisation (
    id                   integer PRIMARY KEY CHECK (id = 1),
    name                 text NOT NULL DEFAULT '',
    short_name           text NOT NULL DEFAULT '',
    inn                  text NOT NULL DEFAULT '',
    ogrn                 text NOT NULL DEFAULT '',
    kpp                  text NOT NULL DEFAULT '',
    address              text NOT NULL DEFAULT '',
    email                text NOT NULL DEFAULT '',
    phone                text NOT NULL DEFAULT '',
    -- The person responsible for organising the processing (art. 22.1).
    responsible_name     text NOT NULL DEFAULT '',
    responsible_position text NOT NULL DEFAULT '',
    responsible_contact  text NOT NULL DEFAULT '',
    signatory_name       text NOT NULL DEFAULT '',
    signatory_position   text NOT NULL DEFAULT '',
    -- The outgoing number's format, such as {year}-{seq}.
    number_format        text NOT NULL DEFAULT '{year}-{seq}',
    -- Art. 14 part 7 items 4, 7, 9.1 and 10, common to every answer.
    access_persons       text NOT NULL DEFAULT '',
    rights_procedure     text NOT NULL DEFAULT '',
    duties               text NOT NULL DEFAULT '',
    other_info           text NOT NULL DEFAULT '',
    version              integer NOT NULL DEFAULT 0,
    updated_at           timestamptz NOT NULL,
    updated_by           text NOT NULL
);

-- The processing records (one per purpose), in the order the operator
-- keeps them.
CREATE TABLE processing_records (
    id              uuid PRIMARY KEY,
    position        integer NOT NULL,
    purpose         text NOT NULL,
    legal_basis     text NOT NULL DEFAULT '',
    data            text NOT NULL DEFAULT '',
    source          text NOT NULL DEFAULT '',
    subjects        text NOT NULL DEFAULT '',
    methods         text NOT NULL DEFAULT '',
    processing_term text NOT NULL DEFAULT '',
    storage_term    text NOT NULL DEFAULT '',
    recipients      text NOT NULL DEFAULT '',
    cross_border    text NOT NULL DEFAULT '',
    processors      text NOT NULL DEFAULT ''
);

-- Every uploaded letter template is a new version of its kind; the latest
-- is the one in use. A version without a file (docx NULL) goes back to the
-- built-in template.
CREATE TABLE letter_templates (
    kind          text NOT NULL CHECK (kind IN ('answer', 'extension', 'refusal', 'details_request')),
    version       integer NOT NULL CHECK (version > 0),
    docx          bytea,
    sha256        text NOT NULL DEFAULT '',
    size          integer NOT NULL DEFAULT 0,
    uploaded_at   timestamptz NOT NULL,
    uploaded_by   text NOT NULL,
    uploader_name text NOT NULL DEFAULT '',
    PRIMARY KEY (kind, version)
);

-- +goose Down
DROP TABLE letter_templates;
DROP TABLE processing_records;
DROP TABLE organisation;
