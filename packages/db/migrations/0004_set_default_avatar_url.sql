-- Data migration: users created before avatars existed get the default picture.
UPDATE "users" SET "avatar_url" = '/default-avatar.png' WHERE "avatar_url" IS NULL;
