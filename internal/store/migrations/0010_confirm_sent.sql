-- When the sign-up form last mailed an address a confirmation link, so
-- that it mails one address at most once per cooldown however many
-- clients ask (the form's rate limit is per client address).
ALTER TABLE subscribers ADD COLUMN confirm_sent_at TEXT NOT NULL DEFAULT '';
