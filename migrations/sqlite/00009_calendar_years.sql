-- +goose Up

-- Production calendar years imported after the release (a new year's
-- Government decree, Labour Code art. 112 part 5): every srok instance
-- counts terms on the shipped data overlaid with these years. data is the
-- year in the shipped data format (a file of one year), sha256 its hash.
CREATE TABLE calendar_years (
    year        INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    data        text NOT NULL,
    sha256      text NOT NULL,
    -- The decree the year comes from, as cited.
    source      text NOT NULL,
    imported_at DATETIME NOT NULL,
    -- The actor id of who imported it ("system" for the command line).
    imported_by text NOT NULL
);

-- Open obligations whose legal date is on or after a day (the recompute
-- after an import finds them by it).
CREATE INDEX obligations_open_due_date ON obligations (due_date) WHERE status = 'open';

-- +goose Down
DROP INDEX obligations_open_due_date;
DROP TABLE calendar_years;
