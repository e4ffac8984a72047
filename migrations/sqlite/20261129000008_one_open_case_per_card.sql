-- The card's certificate fingerprint, copied out of `core` when a case is
-- opened (it never changes), so opening a case can find the card's open case
-- without parsing every case's JSON: a card has at most one open case.
ALTER TABLE cases ADD COLUMN card_fingerprint TEXT;

UPDATE cases SET card_fingerprint = json_extract(core, '$.card_fingerprint');

CREATE INDEX cases_card_fingerprint ON cases (card_fingerprint, state);
