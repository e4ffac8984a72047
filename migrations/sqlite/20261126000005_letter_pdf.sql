-- The PDF of each issued letter as rendered at issue time, kept until its
-- batch is printed. It holds the verification code, so only clerks and
-- supervisors may download it.
ALTER TABLE letters ADD COLUMN pdf BLOB;
