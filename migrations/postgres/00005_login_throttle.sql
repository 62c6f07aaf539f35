-- Failed sign-ins, counted per account and per client address, so that
-- guessing passwords is slowed down and then locked for a while
-- (pkg/account/throttle.go). The counters are rows, not memory, so that the
-- limits hold across every srok process on this database. No email or
-- address is kept: a key is the SHA-256 of one.
-- +goose Up
CREATE TABLE login_throttle (
    -- 'account:' or 'address:' followed by the SHA-256 (hex) of the
    -- lower-cased email as typed, or of the client's address.
    key          text PRIMARY KEY,
    -- The failures counted since window_start.
    failures     integer NOT NULL CHECK (failures >= 0),
    window_start timestamptz NOT NULL,
    -- Until when sign-ins under the key are refused; NULL: never locked.
    locked_until timestamptz
);
-- Pruning finds the counters whose window is over.
CREATE INDEX login_throttle_window ON login_throttle (window_start);

-- +goose Down
DROP TABLE login_throttle;
