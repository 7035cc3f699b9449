-- Emails are compared lower-cased everywhere.
ALTER TABLE users ADD CONSTRAINT users_email_lower CHECK (email = lower(email));
