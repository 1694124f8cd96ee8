-- Undo the backfill: only rows still pointing at the default go back to NULL.
UPDATE "users" SET "avatar_url" = NULL WHERE "avatar_url" = '/default-avatar.png';
