-- One row per daily job and Japan date, inserted by the server that runs it.
-- The primary key lets exactly one of several servers on one database run a
-- daily job (the print-batch cut-off), and only once a day, also when it
-- found nothing to do. Rows are never updated.
CREATE TABLE scheduled_runs (
    job TEXT NOT NULL,
    run_on TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (job, run_on)
);
